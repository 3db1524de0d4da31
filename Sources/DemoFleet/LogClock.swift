import Telemetry

/// The wall clock the demo servers pretend to live in: the demo starts at a fixed date
/// (2024-11-29 17:20:00 UTC) so that log lines are deterministic. No system clock is read.
struct VirtualWallClock: Sendable {
    static let startEpochSeconds: Int64 = CivilDate(year: 2024, month: 11, day: 29).daysSinceEpoch * 86_400 + 17 * 3600 + 20 * 60

    struct Parts { var year, month, day, hour, minute, second: Int; var micros: Int }

    static func parts(elapsedMicros: Int64) -> Parts {
        let totalMicros = startEpochSeconds * 1_000_000 + elapsedMicros
        let secs = totalMicros / 1_000_000
        let micros = Int(totalMicros % 1_000_000)
        let days = secs / 86_400
        let rem = Int(secs % 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        return Parts(year: Int(date.year), month: Int(date.month), day: Int(date.day), hour: rem / 3600, minute: (rem / 60) % 60, second: rem % 60, micros: micros)
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
}
