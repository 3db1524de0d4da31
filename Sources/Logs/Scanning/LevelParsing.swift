/// Level words as bytes: the names loggers write (`WARNING`, `err`, `CRITICAL`, zerolog's
/// `WRN`, Java's `SEVERE`), normalized to `LogLevel`.
enum LevelParsing {
    /// The level that `b[s..<e]` names, ignoring case; single letters only when `letters`.
    /// Words of up to eight bytes are compared as one integer, lowered to ASCII lower case
    /// eight bytes at a time (the table is generated; the words are in the comments).
    @inline(__always)
    static func word(_ b: Bytes, _ s: Int, _ e: Int, letters: Bool = false) -> LogLevel? {
        let n = e - s
        guard n >= 1, n <= 11 else { return nil }
        guard n <= 8 else {
            @inline(__always) func eq(_ lit: StaticString) -> Bool { b.equalsIgnoringCase(s, e, lit) }
            switch n {
            case 9: return eq("emergency") ? .fatal : nil
            case 11: return eq("information") ? .info : nil
            default: return nil
            }
        }
        switch lowered(KeyRoles.word(b, s, n)) {
        case 0x0000000000000074 where n == 1: return letters ? .trace : nil  // t
        case 0x0000000000000064 where n == 1: return letters ? .debug : nil  // d
        case 0x0000000000000069 where n == 1: return letters ? .info : nil  // i
        case 0x0000000000000077 where n == 1: return letters ? .warn : nil  // w
        case 0x0000000000000065 where n == 1: return letters ? .error : nil  // e
        case 0x0000000000000066 where n == 1: return letters ? .fatal : nil  // f
        case 0x0000000000000063 where n == 1: return letters ? .fatal : nil  // c
        case 0x0000000000727265 where n == 3: return .error  // err
        case 0x0000000000666E69 where n == 3: return .info  // inf
        case 0x00000000006E7277 where n == 3: return .warn  // wrn
        case 0x0000000000676264 where n == 3: return .debug  // dbg
        case 0x0000000000637274 where n == 3: return .trace  // trc
        case 0x00000000006C7466 where n == 3: return .fatal  // ftl
        case 0x0000000000636E70 where n == 3: return .fatal  // pnc
        case 0x0000000000676F6C where n == 3: return .info  // log
        case 0x0000000000747263 where n == 3: return .fatal  // crt
        case 0x000000006F666E69 where n == 4: return .info  // info
        case 0x000000006E726177 where n == 4: return .warn  // warn
        case 0x0000000074697263 where n == 4: return .fatal  // crit
        case 0x00000000656E6966 where n == 4: return .debug  // fine
        case 0x00000000726F7265 where n == 4: return .error  // eror
        case 0x000000726F727265 where n == 5: return .error  // error
        case 0x0000006772656D65 where n == 5: return .fatal  // emerg
        case 0x0000006775626564 where n == 5: return .debug  // debug
        case 0x0000006563617274 where n == 5: return .trace  // trace
        case 0x0000006C61746166 where n == 5: return .fatal  // fatal
        case 0x00000072656E6966 where n == 5: return .trace  // finer
        case 0x00000063696E6170 where n == 5: return .fatal  // panic
        case 0x0000007472656C61 where n == 5: return .fatal  // alert
        case 0x0000656369746F6E where n == 6: return .info  // notice
        case 0x0000657265766573 where n == 6: return .error  // severe
        case 0x00007473656E6966 where n == 6: return .trace  // finest
        case 0x00676E696E726177 where n == 7: return .warn  // warning
        case 0x0065736F62726576 where n == 7: return .trace  // verbose
        case 0x6C61636974697263 where n == 8: return .fatal  // critical
        default: return nil
        }
    }

    /// ASCII upper-case letters of eight bytes made lower case; other bytes unchanged.
    @inline(__always)
    static func lowered(_ x: UInt64) -> UInt64 {
        x | (upperMask(x) &>> 2)
    }

    /// 0x80 in each byte of `x` that is an ASCII upper-case letter.
    @inline(__always)
    static func upperMask(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7 = x & (0x7F &* ones)
        let atLeastA = low7 &+ (0x80 &- 0x41) &* ones  // high bit set when >= 'A'
        let pastZ = low7 &+ (0x80 &- 0x5B) &* ones  // high bit set when > 'Z'
        return (atLeastA ^ pastZ) & ~x & (0x80 &* ones)
    }

    /// Like `word`, but only when every letter is upper case (`ERROR`, not `error` or `Error`):
    /// how a level stands out in free text.
    @inline(__always)
    static func upperWord(_ b: Bytes, _ s: Int, _ e: Int) -> LogLevel? {
        let n = e - s
        guard n >= 3 else { return nil }
        if n <= 8 {
            // Every byte an upper-case letter: all n high bits of the mask set.
            let want: UInt64 = n == 8 ? 0x8080_8080_8080_8080 : 0x8080_8080_8080_8080 & ((1 << UInt64(n * 8)) - 1)
            guard upperMask(KeyRoles.word(b, s, n)) == want else { return nil }
        } else {
            for k in s..<e where !Bytes.isUpper(b[k]) { return nil }
        }
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
