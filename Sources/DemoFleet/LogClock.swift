/// The wall clock the demo servers pretend to live in: the demo starts at a fixed date
/// (2024-11-29 17:20:00 UTC) so that log lines are deterministic. No system clock is read.
struct VirtualWallClock: Sendable {
    static let startEpochSeconds: Int64 = daysFromCivil(2024, 11, 29) * 86_400 + 17 * 3600 + 20 * 60

    struct Parts { var year, month, day, hour, minute, second: Int; var micros: Int }

    static func parts(elapsedMicros: Int64) -> Parts {
        let totalMicros = startEpochSeconds * 1_000_000 + elapsedMicros
        let secs = totalMicros / 1_000_000
        let micros = Int(totalMicros % 1_000_000)
        let days = secs / 86_400
        let rem = Int(secs % 86_400)
        let (y, m, d) = civilFromDays(days)
        return Parts(year: y, month: m, day: d, hour: rem / 3600, minute: (rem / 60) % 60, second: rem % 60, micros: micros)
    }

    /// glog prefix: `I1129 17:20:01.123456 1 ` (severity letter, MMDD, time with micros, thread id).
    static func glog(_ severity: Character, elapsedMicros: Int64) -> String {
        let p = parts(elapsedMicros: elapsedMicros)
        return "\(severity)\(pad(p.month))\(pad(p.day)) \(pad(p.hour)):\(pad(p.minute)):\(pad(p.second)).\(pad(p.micros, 6)) 1 "
    }

    /// vLLM's logger: `INFO 11-29 17:20:01 `.
    static func vllm(_ level: String, elapsedMicros: Int64) -> String {
        let p = parts(elapsedMicros: elapsedMicros)
        return "\(level) \(pad(p.month))-\(pad(p.day)) \(pad(p.hour)):\(pad(p.minute)):\(pad(p.second)) "
    }

    /// Python logging asctime with msecs: `2024-11-29 17:20:01,123` (comma, as logging writes it)
    /// or with a dot when `dot` is true (KServe's format appends `.%(msecs)03d`).
    static func asctime(elapsedMicros: Int64, dot: Bool) -> String {
        let p = parts(elapsedMicros: elapsedMicros)
        return "\(p.year)-\(pad(p.month))-\(pad(p.day)) \(pad(p.hour)):\(pad(p.minute)):\(pad(p.second))\(dot ? "." : ",")\(pad(p.micros / 1000, 3))"
    }

    static func pad(_ v: Int, _ width: Int = 2) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's civil calendar algorithms.
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}
