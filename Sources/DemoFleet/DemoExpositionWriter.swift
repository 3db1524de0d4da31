/// How a given server's client library prints sample values and `le`/`quantile` labels, so that
/// each demo target looks like the real one.
enum NumberStyle: Sendable {
    /// prometheus-cpp (Triton): integers plainly, otherwise the shortest round-trip form.
    case cpp
    /// Python prometheus_client (`floatToGoString`): `12.0`, `1.234567e+06`.
    case python
    /// Go client_golang / OpenCensus (Knative queue-proxy): `strconv.FormatFloat(v, 'g', -1, 64)`.
    case go

    func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v == .infinity { return "+Inf" }
        if v == -.infinity { return "-Inf" }
        switch self {
        case .cpp:
            if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
            return v.description
        case .python:
            // Swift's description agrees with Python's repr(float) for finite doubles (both are
            // shortest round-trip, both switch to exponent form at 1e16); floatToGoString then
            // rewrites integral parts longer than 6 digits into Go's exponent form.
            let s = v.description
            if v > 0, let dot = s.firstIndex(of: "."), !s.contains("e") {
                let intPart = s[s.startIndex..<dot]
                if intPart.count > 6 {
                    let frac = s[s.index(after: dot)...]
                    var mantissa = String(intPart.first!) + "." + intPart.dropFirst() + frac
                    while mantissa.hasSuffix("0") { mantissa.removeLast() }
                    if mantissa.hasSuffix(".") { mantissa.removeLast() }
                    return "\(mantissa)e+0\(intPart.count - 1)"
                }
            }
            return s
        case .go:
            return NumberStyle.goG(v)
        }
    }

    /// Go's `strconv.FormatFloat(v, 'g', -1, 64)`: shortest digits; exponent form when the
    /// decimal exponent is < -4 or >= 6 (strconv uses eprec = 6 for the shortest case).
    static func goG(_ v: Double) -> String {
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let (negative, digits, exp) = decimalDigits(v)
        let sign = negative ? "-" : ""
        if exp < -4 || exp >= 6 {
            // %e: d.ddddde±XX (at least two exponent digits)
            var mant = String(digits.first!)
            if digits.count > 1 { mant += "." + digits.dropFirst() }
            let e = abs(exp)
            return "\(sign)\(mant)e\(exp < 0 ? "-" : "+")\(e < 10 ? "0" : "")\(e)"
        }
        // %f
        if exp < 0 {
            return sign + "0." + String(repeating: "0", count: -exp - 1) + digits
        }
        if digits.count <= exp + 1 {
            return sign + digits + String(repeating: "0", count: exp + 1 - digits.count)
        }
        let cut = digits.index(digits.startIndex, offsetBy: exp + 1)
        return sign + digits[..<cut] + "." + digits[cut...]
    }

    /// Shortest round-trip decimal digits of |v| and the decimal exponent of the first digit.
    static func decimalDigits(_ v: Double) -> (negative: Bool, digits: String, exponent: Int) {
        let s = abs(v).description  // e.g. "123.45", "1e-05", "1.2345e+16", "0.001"
        var mantissa = Substring(s)
        var exp10 = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = s[..<e]
            exp10 = Int(s[s.index(after: e)...].replacingPlus()) ?? 0
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(intPart) + fracPart
        var pointAfter = intPart.count  // decimal point position after this many digits
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); pointAfter -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (v < 0, digits, pointAfter - 1 + exp10)
    }
}

private extension Substring {
    func replacingPlus() -> Substring { first == "+" ? dropFirst() : self }
}

/// Accumulates one exposition in the 0.0.4 text format.
struct DemoExpositionWriter {
    var text = ""
    let style: NumberStyle

    init(style: NumberStyle) { self.style = style }

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            var first = true
            for (k, v) in labels {
                if !first { text += "," }
                first = false
                text += k + "=\"" + escape(v) + "\""
            }
            text += "}"
        }
        text += " " + style.format(value) + "\n"
    }

    /// Writes the `_bucket`, `_count` and `_sum` lines of a histogram in the order its client
    /// library does: prometheus-cpp `_count`, `_sum`, then the buckets; Python's prometheus_client
    /// the buckets, `_count`, `_sum`; Go's expfmt the buckets, `_sum`, `_count`. All three put `le`
    /// after the other labels.
    mutating func histogram(_ name: String, _ labels: [(String, String)], _ h: Histogram) {
        func buckets() {
            var cumulative = 0.0
            for (i, bound) in h.bounds.enumerated() {
                cumulative += h.bucketCounts[i]
                sample(name + "_bucket", labels + [("le", style.format(bound))], cumulative)
            }
            cumulative += h.bucketCounts[h.bounds.count]
            sample(name + "_bucket", labels + [("le", "+Inf")], cumulative)
        }
        switch style {
        case .cpp:
            sample(name + "_count", labels, h.count)
            sample(name + "_sum", labels, h.sum)
            buckets()
        case .python:
            buckets()
            sample(name + "_count", labels, h.count)
            sample(name + "_sum", labels, h.sum)
        case .go:
            buckets()
            sample(name + "_sum", labels, h.sum)
            sample(name + "_count", labels, h.count)
        }
    }

    private func escape(_ v: String) -> String {
        var out = ""
        for ch in v {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }
}

/// A cumulative Prometheus histogram (counts per bucket kept non-cumulative internally).
struct Histogram: Sendable {
    let bounds: [Double]
    /// One slot per bound plus the +Inf overflow slot.
    var bucketCounts: [Double]
    var sum: Double = 0
    var count: Double = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        self.bucketCounts = Array(repeating: 0, count: bounds.count + 1)
    }

    mutating func observe(_ value: Double, weight: Int = 1) {
        guard weight > 0 else { return }
        let w = Double(weight)
        var slot = bounds.count
        for (i, b) in bounds.enumerated() where value <= b { slot = i; break }
        bucketCounts[slot] += w
        sum += value * w
        count += w
    }

    static let pythonDefault: [Double] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]
}
