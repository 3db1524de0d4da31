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
            let word = lowercased(bytes, from: i)
            if word == "inf" || word == "infinity" { return negative ? -.infinity : .infinity }
            if word == "nan" && i == 0 { return .nan }
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
                let value = exponent >= 0 ? m * powersOfTen[exponent] : m / powersOfTen[-exponent]
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

    /// 1e0 through 1e22: the powers of ten a `Double` holds exactly.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    @inline(__always) private static func isLetter(_ b: UInt8) -> Bool {
        (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
    }

    private static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for b in bytes[start...] {
            guard b < 0x80 else { return "" }
            scalars.append(Unicode.Scalar(isLetter(b) ? b | 0x20 : b))
        }
        return String(scalars)
    }
}
