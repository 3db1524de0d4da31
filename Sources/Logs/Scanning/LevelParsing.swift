/// Level words as bytes: the names loggers write (`WARNING`, `err`, `CRITICAL`, zerolog's
/// `WRN`, Java's `SEVERE`), normalized to `LogLevel`.
enum LevelParsing {
    /// The level that `b[s..<e]` names, ignoring case; single letters only when `letters`.
    @inline(__always)
    static func word(_ b: Bytes, _ s: Int, _ e: Int, letters: Bool = false) -> LogLevel? {
        let n = e - s
        guard n >= 1, n <= 11 else { return nil }
        @inline(__always) func l(_ k: Int) -> UInt8 { Bytes.lower(b[s + k]) }
        @inline(__always) func eq(_ lit: StaticString) -> Bool { b.equalsIgnoringCase(s, e, lit) }
        switch n {
        case 1:
            guard letters else { return nil }
            switch l(0) {
            case UInt8(ascii: "t"): return .trace
            case UInt8(ascii: "d"): return .debug
            case UInt8(ascii: "i"): return .info
            case UInt8(ascii: "w"): return .warn
            case UInt8(ascii: "e"): return .error
            case UInt8(ascii: "f"), UInt8(ascii: "c"): return .fatal
            default: return nil
            }
        case 3:
            switch l(0) {
            case UInt8(ascii: "e"): return eq("err") ? .error : nil
            case UInt8(ascii: "i"): return eq("inf") ? .info : nil
            case UInt8(ascii: "w"): return eq("wrn") ? .warn : nil
            case UInt8(ascii: "d"): return eq("dbg") ? .debug : nil
            case UInt8(ascii: "t"): return eq("trc") ? .trace : nil
            case UInt8(ascii: "f"): return eq("ftl") ? .fatal : nil
            case UInt8(ascii: "p"): return eq("pnc") ? .fatal : nil
            case UInt8(ascii: "l"): return eq("log") ? .info : nil
            case UInt8(ascii: "c"): return eq("crt") ? .fatal : nil
            default: return nil
            }
        case 4:
            switch l(0) {
            case UInt8(ascii: "i"): return eq("info") ? .info : nil
            case UInt8(ascii: "w"): return eq("warn") ? .warn : nil
            case UInt8(ascii: "c"): return eq("crit") ? .fatal : nil
            case UInt8(ascii: "f"): return eq("fine") ? .debug : nil
            case UInt8(ascii: "e"): return eq("eror") ? .error : nil
            default: return nil
            }
        case 5:
            switch l(0) {
            case UInt8(ascii: "e"): return eq("error") ? .error : (eq("emerg") ? .fatal : nil)
            case UInt8(ascii: "d"): return eq("debug") ? .debug : nil
            case UInt8(ascii: "t"): return eq("trace") ? .trace : nil
            case UInt8(ascii: "f"): return eq("fatal") ? .fatal : (eq("finer") ? .trace : nil)
            case UInt8(ascii: "p"): return eq("panic") ? .fatal : nil
            case UInt8(ascii: "a"): return eq("alert") ? .fatal : nil
            default: return nil
            }
        case 6:
            switch l(0) {
            case UInt8(ascii: "n"): return eq("notice") ? .info : nil
            case UInt8(ascii: "s"): return eq("severe") ? .error : nil
            case UInt8(ascii: "f"): return eq("finest") ? .trace : nil
            default: return nil
            }
        case 7:
            if eq("warning") { return .warn }
            if eq("verbose") { return .trace }
            return nil
        case 8: return eq("critical") ? .fatal : nil
        case 9: return eq("emergency") ? .fatal : nil
        case 11: return eq("information") ? .info : nil
        default: return nil
        }
    }

    /// Like `word`, but only when every letter is upper case (`ERROR`, not `error` or `Error`):
    /// how a level stands out in free text.
    @inline(__always)
    static func upperWord(_ b: Bytes, _ s: Int, _ e: Int) -> LogLevel? {
        guard e - s >= 3 else { return nil }
        for k in s..<e where !Bytes.isUpper(b[k]) { return nil }
        return word(b, s, e)
    }

    /// A numeric level: pino/bunyan's 10-60, or a syslog severity 0-7.
    static func number(_ b: Bytes, _ s: Int, _ e: Int) -> LogLevel? {
        guard e - s >= 1, e - s <= 2 else { return nil }
        var v = 0
        for k in s..<e {
            guard Bytes.isDigit(b[k]) else { return nil }
            v = v * 10 + Int(b[k] - 48)
        }
        if e - s == 1 { return syslogSeverity(v) }
        switch v {
        case 10: return .trace
        case 20: return .debug
        case 30: return .info
        case 40: return .warn
        case 50: return .error
        case 60: return .fatal
        default: return nil
        }
    }

    /// Syslog severities: 0-2 emergency, alert, critical; 3 error; 4 warning; 5-6 notice and
    /// info; 7 debug.
    static func syslogSeverity(_ s: Int) -> LogLevel? {
        switch s {
        case 0, 1, 2: return .fatal
        case 3: return .error
        case 4: return .warn
        case 5, 6: return .info
        case 7: return .debug
        default: return nil
        }
    }
}
