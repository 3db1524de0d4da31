/// Number parsing with exactly the syntax Go's `strconv` accepts where the Prometheus text
/// format uses it: sample values and `le`/`quantile` label values (`strconv.ParseFloat`, as
/// expfmt calls it, which also rejects `p`, `P` and `_`, so hexadecimal floats never parse)
/// and timestamps (`strconv.ParseInt(s, 10, 64)`).
enum GoNumberSyntax {
    /// Parses `bytes` as Go's `ParseFloat` would, or returns nil.
    ///
    /// Accepted: an optional sign, decimal digits with an optional fraction (`1`, `1.`, `.5`),
    /// an optional exponent (`1e-3`, `2E+10`); `Inf`/`Infinity` with an optional sign and `NaN`
    /// without one, in any letter case. A finite literal too large for a `Double` is an error,
    /// as Go reports `ErrRange`; one too small rounds to zero, as Go does.
    static func parseFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = bytes.count
        if n == 0 { return nil }
        var i = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
            negative = bytes[0] == UInt8(ascii: "-")
            i = 1
        }
        if i < n, isLetter(bytes[i]) {
            // Only the special values start with a letter.
            if isWord(bytes, from: i, "inf") || isWord(bytes, from: i, "infinity") {
                return negative ? -.infinity : .infinity
            }
            if i == 0, isWord(bytes, from: i, "nan") { return .nan }
            return nil
        }
        // The syntax check also gathers the decimal mantissa and exponent for the exact fast path.
        var digits = 0
        var mantissa: UInt64 = 0
        var significant = 0  // Digits in `mantissa` from its first non-zero one.
        var exponent = 0
        while i < n {
            let d = bytes[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { significant += 1 }
            } else {
                significant += 1
                exponent += 1
            }
            i += 1; digits += 1
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < n {
                let d = bytes[i] &- UInt8(ascii: "0")
                if d > 9 { break }
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { significant += 1 }
                    exponent -= 1
                } else {
                    significant += 1
                }
                i += 1; digits += 1
            }
        }
        if digits == 0 { return nil }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var expDigits = 0
            var expValue = 0
            while i < n, isDigit(bytes[i]) {
                if expValue < 100_000 { expValue = expValue * 10 + Int(bytes[i] &- UInt8(ascii: "0")) }
                i += 1; expDigits += 1
            }
            if expDigits == 0 { return nil }
            exponent += expNegative ? -expValue : expValue
        }
        if i != n { return nil }
        // Exact fast path (Clinger): a mantissa of at most 53 bits and a power of ten up to 1e22
        // are both exact doubles, so one multiplication or division rounds correctly, as strtod.
        if significant <= 19, mantissa <= 1 << 53 {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            if exponent >= -22, exponent <= 22 {
                let m = Double(mantissa)
                let value = exponent >= 0 ? m * powerOfTen(exponent) : m / powerOfTen(-exponent)
                return negative ? -value : value
            }
        }
        guard let value = Double(String(decoding: bytes, as: UTF8.self)) else { return nil }
        // Go reports overflow as an error; strtod quietly returns infinity.
        return value.isInfinite ? nil : value
    }

    /// Parses `bytes` as Go's `ParseInt(s, 10, 64)` would: an optional sign and decimal digits,
    /// failing on overflow.
    static func parseInt64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = bytes.count
        var i = 0
        var negative = false
        if n > 0, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
            negative = bytes[0] == UInt8(ascii: "-")
            i = 1
        }
        if i == n { return nil }
        var value: Int64 = 0
        while i < n {
            let b = bytes[i]
            guard isDigit(b) else { return nil }
            let digit = Int64(b &- UInt8(ascii: "0"))
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit)
                                      : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
            i += 1
        }
        return value
    }

    /// Parses a `String` (a label value such as `le="0.25"`) with `parseFloat`'s syntax.
    static func parseFloat(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { parseFloat($0) }
    }

    /// 1e0 through 1e22: the powers of ten a `Double` holds exactly (a switch, which compiles to
    /// a constant table without the lazy initialisation of a global array).
    @inline(__always) private static func powerOfTen(_ e: Int) -> Double {
        switch e {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    @inline(__always) private static func isLetter(_ b: UInt8) -> Bool {
        (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
    }

    /// Whether `bytes[start...]` is `word` (lowercase ASCII letters) in any letter case.
    private static func isWord(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - start == count else { return false }
        let p = word.utf8Start
        for k in 0..<count where bytes[start + k] | 0x20 != p[k] { return false }
        return true
    }
}
