/// What had to be assumed to turn a line's time into an instant.
public struct LogTimeAssumptions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The line states no year (syslog RFC 3164, glog, vLLM): the year it was received, or the
    /// year before when that would put the line more than 31 days after it was received.
    public static let yearFromReceipt = LogTimeAssumptions(rawValue: 1)
    /// The line states no zone (Python `asctime`, Go `log`, glog, syslog): read as UTC.
    public static let zoneAssumedUTC = LogTimeAssumptions(rawValue: 2)
}

/// The receiving side of a time without a year: when the line arrived.

struct ReceiveContext: Sendable {
    var receivedAt: Int64
    var year: Int

    init(receivedAt: Int64) {
        self.receivedAt = receivedAt
        let days = receivedAt >= 0 ? receivedAt / 86_400_000 : (receivedAt - 86_399_999) / 86_400_000
        self.year = Int(TimeParsing.civil(fromDays: days).year)
    }
}

/// The last date read as `YYYY-MM-DD` and its day number: consecutive lines share their date,
/// so the calendar arithmetic runs once a day of log.
struct DateCache: Sendable {
    var key: UInt64 = 0
    var day: UInt16 = 0
    var days: Int64 = 0
}

/// Times written in log lines, read from bytes without Foundation. Each reader starts at an
/// index and returns the instant in milliseconds since the epoch and the index after the time.
enum TimeParsing {
    struct Result {
        var ms: Int64
        var end: Int
        var assumptions: LogTimeAssumptions
    }

    // MARK: - Calendar

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    @inline(__always)
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    @inline(__always)
    static func instant(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millis: Int) -> Int64 {
        let d = days(year: year, month: month, day: day)
        return ((d * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millis)
    }

    @inline(__always)
    static func validDate(_ month: Int, _ day: Int) -> Bool { month >= 1 && month <= 12 && day >= 1 && day <= 31 }
    @inline(__always)
    static func validTime(_ h: Int, _ m: Int, _ s: Int) -> Bool { h <= 24 && m <= 59 && s <= 60 }

    /// A time without a year: the receiving year, or the one before when the result would be
    /// more than 31 days after the line was received (December's lines read in January).
    static func withoutYear(month: Int, day: Int, hour: Int, minute: Int, second: Int, millis: Int,
                            context: ReceiveContext) -> Int64 {
        let ms = instant(year: context.year, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
        if ms > context.receivedAt + 31 * 86_400_000 {
            return instant(year: context.year - 1, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
        }
        return ms
    }

    // MARK: - Pieces

    /// `HH:MM:SS` at `i`: the eight bytes checked and read as one integer (each digit less
    /// `0`, each colon less `:`, then all must be digits and zeros, no branch per byte).
    @inline(__always)
    static func clock(_ b: Bytes, _ i: Int) -> (Int, Int, Int)? {
        guard i + 8 <= b.count else { return nil }
        let w = UInt64(littleEndian: UnsafeRawPointer(b.base + i).loadUnaligned(as: UInt64.self))
        let d = w &- 0x3030_3A30_303A_3030
        // A byte below what was taken wraps to 0xC0 or more; a digit position must hold 0-9
        // (adding 0x76 sets no high bit), a colon position 0.
        guard d & 0xF0F0_F0F0_F0F0_F0F0 == 0, (d &+ 0x7676_0076_7600_7676) & 0x8080_0080_8000_8080 == 0,
              d & 0x0000_FF00_00FF_0000 == 0 else { return nil }
        // Each byte pair as tens and units: byte k becomes 10 d(k) + d(k + 1).
        let t = d &* 10 &+ (d &>> 8)
        let h = Int(t & 0xFF), m = Int((t &>> 24) & 0xFF), s = Int((t &>> 48) & 0xFF)
        guard validTime(h, m, s) else { return nil }
        return (h, m, s)
    }

    /// A fraction of a second after `.` or `,` at `i` (up to nine digits read, more skipped):
    /// the milliseconds and the index after the digits; `(0, i)` when there is none.
    @inline(__always)
    static func fraction(_ b: Bytes, _ i: Int) -> (Int, Int) {
        guard i + 1 < b.count, b[i] == 46 || b[i] == 44, Bytes.isDigit(b[i + 1]) else { return (0, i) }
        var j = i + 1
        var ms = 0
        var digits = 0
        while j < b.count, Bytes.isDigit(b[j]) {
            if digits < 3 { ms = ms * 10 + Int(b[j] - 48) }
            digits += 1
            j += 1
        }
        if digits == 1 { ms *= 100 } else if digits == 2 { ms *= 10 }
        return (ms, j)
    }

    /// A zone at `i`: `Z`, `+HH:MM`, `+HHMM`, `+HH`, or after one space `+HHMM`, `UTC`, `GMT`.
    /// Returns the offset east of UTC in minutes and the index after it, or nil.
    static func zone(_ b: Bytes, _ i: Int) -> (Int, Int)? {
        guard i < b.count else { return nil }
        let c = b[i]
        if c == 90 || c == 122 { return (0, i + 1) }  // Z z
        if c == 43 || c == 45 {  // + -
            let sign = c == 43 ? 1 : -1
            guard let h = b.two(i + 1), h <= 23 else { return nil }
            if i + 3 < b.count, b[i + 3] == 58, let m = b.two(i + 4), m <= 59 { return (sign * (h * 60 + m), i + 6) }
            if let m = b.two(i + 3), m <= 59 { return (sign * (h * 60 + m), i + 5) }
            return (sign * h * 60, i + 3)
        }
        if c == 32, i + 1 < b.count {
            let d = b[i + 1]
            if d == 43 || d == 45, i + 5 < b.count, let hhmm = b.four(i + 2),
               i + 6 == b.count || !Bytes.isDigit(b[i + 6]) {
                let sign = d == 43 ? 1 : -1
                let h = hhmm / 100, m = hhmm % 100
                guard h <= 23, m <= 59 else { return nil }
                return (sign * (h * 60 + m), i + 6)
            }
            if b.has("UTC", at: i + 1) || b.has("GMT", at: i + 1), i + 4 == b.count || !Bytes.isLetter(b[i + 4]) {
                return (0, i + 4)
            }
        }
        return nil
    }

    // MARK: - Shapes

    /// RFC 3339 / ISO 8601 and its relatives at `i`: `2024-11-29T03:00:00Z`,
    /// `2024-11-29 03:00:00,123` (Python), `2024-11-29T03:00:00.123456789+01:00`,
    /// `2024-11-29 03:00:00 +0000` (gunicorn), `2024-11-29 03:00:00.123 UTC` (PostgreSQL).
    static func iso(_ b: Bytes, _ i: Int, _ cache: inout DateCache) -> Result? {
        guard i + 19 <= b.count, b[i + 4] == 45, b[i + 7] == 45 else { return nil }
        let key = UnsafeRawPointer(b.base + i).loadUnaligned(as: UInt64.self)
        let dayKey = UnsafeRawPointer(b.base + i + 8).loadUnaligned(as: UInt16.self)
        let days: Int64
        if key == cache.key, dayKey == cache.day {
            days = cache.days
        } else {
            guard let year = b.four(i), year >= 1970, let month = b.two(i + 5), let day = b.two(i + 8),
                  validDate(month, day) else { return nil }
            days = TimeParsing.days(year: year, month: month, day: day)
            cache = DateCache(key: key, day: dayKey, days: days)
        }
        let sep = b[i + 10]
        guard sep == 84 || sep == 32 || sep == 116 || sep == 95 else { return nil }  // T space t _
        guard let (h, m, s) = clock(b, i + 11) else { return nil }
        let (millis, afterFraction) = fraction(b, i + 19)
        var ms = ((days * 24 + Int64(h)) * 60 + Int64(m)) * 60_000 + Int64(s) * 1000 + Int64(millis)
        if let (offset, end) = zone(b, afterFraction) {
            ms -= Int64(offset) * 60_000
            return Result(ms: ms, end: end, assumptions: [])
        }
        return Result(ms: ms, end: afterFraction, assumptions: .zoneAssumedUTC)
    }

    /// Go's `log`: `2024/11/29 03:00:00` with optional `.123456`.
    static func slashed(_ b: Bytes, _ i: Int) -> Result? {
        guard i + 19 <= b.count, b[i + 4] == 47, b[i + 7] == 47, b[i + 10] == 32,
              let year = b.four(i), year >= 1970, let month = b.two(i + 5), let day = b.two(i + 8),
              validDate(month, day), let (h, m, s) = clock(b, i + 11) else { return nil }
        let (millis, end) = fraction(b, i + 19)
        return Result(ms: instant(year: year, month: month, day: day, hour: h, minute: m, second: s, millis: millis),
                      end: end, assumptions: .zoneAssumedUTC)
    }

    static let monthNames: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func month(_ b: Bytes, _ i: Int) -> Int? {
        guard i + 3 <= b.count, Bytes.isUpper(b[i]) else { return nil }
        for (k, name) in monthNames.enumerated() where b.has(name, at: i) { return k + 1 }
        return nil
    }

    /// RFC 3164's `Nov 29 03:00:00` (the day may be space-padded: `Nov  9`), optionally with a
    /// fraction and a year after the time (`Nov 29 03:00:00 2024`). No zone.
    static func bsd(_ b: Bytes, _ i: Int, _ context: ReceiveContext) -> Result? {
        guard let month = month(b, i), i + 15 <= b.count, b[i + 3] == 32 else { return nil }
        let day: Int
        if b[i + 4] == 32, let d = b.digit(i + 5) { day = d } else if let d = b.two(i + 4) { day = d } else { return nil }
        guard b[i + 6] == 32, validDate(month, day), let (h, m, s) = clock(b, i + 7) else { return nil }
        let (millis, end) = fraction(b, i + 15)
        if end + 5 <= b.count, b[end] == 32, let year = b.four(end + 1), year >= 1970,
           end + 5 == b.count || !Bytes.isDigit(b[end + 5]) {
            return Result(ms: instant(year: year, month: month, day: day, hour: h, minute: m, second: s, millis: millis),
                          end: end + 5, assumptions: .zoneAssumedUTC)
        }
        return Result(ms: withoutYear(month: month, day: day, hour: h, minute: m, second: s, millis: millis, context: context),
                      end: end, assumptions: [.yearFromReceipt, .zoneAssumedUTC])
    }

    /// `MMDD HH:MM:SS.ffffff` (glog, after its severity letter).
    static func glog(_ b: Bytes, _ i: Int, _ context: ReceiveContext) -> Result? {
        guard i + 13 <= b.count, let month = b.two(i), let day = b.two(i + 2), validDate(month, day), b[i + 4] == 32,
              let (h, m, s) = clock(b, i + 5) else { return nil }
        let (millis, end) = fraction(b, i + 13)
        return Result(ms: withoutYear(month: month, day: day, hour: h, minute: m, second: s, millis: millis, context: context),
                      end: end, assumptions: [.yearFromReceipt, .zoneAssumedUTC])
    }

    /// `MM-DD HH:MM:SS` (vLLM's logger), with an optional fraction.
    static func monthDay(_ b: Bytes, _ i: Int, _ context: ReceiveContext) -> Result? {
        guard i + 14 <= b.count, b[i + 2] == 45, b[i + 5] == 32, let month = b.two(i), let day = b.two(i + 3),
              validDate(month, day), let (h, m, s) = clock(b, i + 6) else { return nil }
        let (millis, end) = fraction(b, i + 14)
        return Result(ms: withoutYear(month: month, day: day, hour: h, minute: m, second: s, millis: millis, context: context),
                      end: end, assumptions: [.yearFromReceipt, .zoneAssumedUTC])
    }

    /// Seconds, milliseconds, microseconds or nanoseconds since the epoch, told apart by their
    /// number of integer digits (10, 13, 16, 19), seconds with an optional fraction. Only
    /// instants from 2001 to 2286 are read as times.
    static func epoch(_ b: Bytes, _ i: Int, _ end: Int) -> Result? {
        var j = i
        var value: Int64 = 0
        while j < end, j - i < 19, Bytes.isDigit(b[j]) {
            value = value * 10 + Int64(b[j] - 48)
            j += 1
        }
        let digits = j - i
        switch digits {
        case 10:
            guard value >= 978_307_200 else { return nil }
            let (millis, after) = fraction(b, j)
            guard after == j || b[j] == 46 else { return nil }
            return Result(ms: value * 1000 + Int64(millis), end: after, assumptions: [])
        case 13: return value >= 978_307_200_000 ? Result(ms: value, end: j, assumptions: []) : nil
        case 16: return value >= 978_307_200_000_000 ? Result(ms: value / 1000, end: j, assumptions: []) : nil
        case 19: return value >= 978_307_200_000_000_000 ? Result(ms: value / 1_000_000, end: j, assumptions: []) : nil
        default: return nil
        }
    }

    /// A number's value in a structured field (`"ts": 1732849200.123`): epoch seconds,
    /// milliseconds, microseconds or nanoseconds by magnitude.
    static func epochNumber(_ b: Bytes, _ s: Int, _ e: Int) -> Int64? {
        guard let r = epoch(b, s, e), r.end == e || (r.end < e && (b[r.end] == 101 || b[r.end] == 69)) else {
            return nil
        }
        return r.ms
    }

    /// Any of the shapes above, for a structured time value that fills `s..<e`.
    static func any(_ b: Bytes, _ s: Int, _ e: Int, _ context: ReceiveContext, _ cache: inout DateCache) -> Result? {
        guard s < e else { return nil }
        let c = b[s]
        if Bytes.isDigit(c) {
            if let r = iso(b, s, &cache) { return r }
            if let r = slashed(b, s) { return r }
            if let r = epoch(b, s, e), r.end == e { return r }
            return nil
        }
        if let r = bsd(b, s, context) { return r }
        // RFC 1123 / Go's time.UnixDate-ish `Fri, 29 Nov 2024 03:00:00 GMT`: the day name, then a date.
        if s + 5 < e, b[s + 3] == 44, b[s + 4] == 32 { return rfc1123(b, s + 5) }
        return nil
    }

    /// `29 Nov 2024 03:00:00 GMT` (after the day name of RFC 1123).
    static func rfc1123(_ b: Bytes, _ i: Int) -> Result? {
        guard let day = b.two(i), b[i + 2] == 32, let month = month(b, i + 3), i + 20 <= b.count, b[i + 6] == 32,
              let year = b.four(i + 7), b[i + 11] == 32, validDate(month, day), let (h, m, s) = clock(b, i + 12) else { return nil }
        var ms = instant(year: year, month: month, day: day, hour: h, minute: m, second: s, millis: 0)
        if let (offset, end) = zone(b, i + 20) {
            ms -= Int64(offset) * 60_000
            return Result(ms: ms, end: end, assumptions: [])
        }
        return Result(ms: ms, end: i + 20, assumptions: .zoneAssumedUTC)
    }
}
