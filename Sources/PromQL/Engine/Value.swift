import Telemetry

/// One sample of an instant vector. `labels` includes `__name__` when the series has a name.
public struct Sample: Sendable, CustomStringConvertible {
    public var labels: Labels
    /// Milliseconds: the sample's own timestamp for a plain selector, the evaluation time otherwise.
    public var t: Int64
    public var v: Double
    public init(labels: Labels, t: Int64, v: Double) { self.labels = labels; self.t = t; self.v = v }
    public var description: String { "\(labels) \(formatValue(v))" }
}

/// One series of a range vector (a matrix).
public struct Series: Sendable, CustomStringConvertible {
    public var labels: Labels
    public var points: [Point]
    public init(labels: Labels, points: [Point]) { self.labels = labels; self.points = points }
    public var description: String { "\(labels) " + points.map { "\(formatValue($0.v))@\($0.t.milliseconds)" }.joined(separator: " ") }
}

/// The value of a PromQL expression.
public enum Value: Sendable {
    case scalar(Double)
    case vector([Sample])
    case matrix([Series])
    case string(String)

    public var type: ValueType {
        switch self {
        case .scalar: return .scalar
        case .vector: return .vector
        case .matrix: return .matrix
        case .string: return .string
        }
    }
}

/// Warnings and infos raised while evaluating a query, as Prometheus's annotations.
public struct Annotations: Sendable {
    public var warnings: [String] = []
    public var infos: [String] = []
    public init() {}
    mutating func warn(_ s: String) { if !warnings.contains(s) { warnings.append(s) } }
    mutating func info(_ s: String) { if !infos.contains(s) { infos.append(s) } }
}

/// A query's result with its annotations.
public struct QueryResult: Sendable {
    public var value: Value
    public var annotations: Annotations
}

/// A float as Prometheus prints it: `+Inf`, `-Inf`, `NaN`, integers without a fraction.
public func formatValue(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v == .infinity { return "+Inf" }
    if v == -.infinity { return "-Inf" }
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`: the shortest decimal without an exponent.
func formatFloatPlain(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v == .infinity { return "+Inf" }
    if v == -.infinity { return "-Inf" }
    let s = "\(v)"
    guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }
    // Expand the exponent.
    let mantissa = String(s[..<e]), exp = Int(s[s.index(after: e)...])!
    let negative = mantissa.hasPrefix("-")
    let m = negative ? String(mantissa.dropFirst()) : mantissa
    let parts = m.split(separator: ".", omittingEmptySubsequences: false)
    var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
    var point = parts[0].count + exp
    if digits.hasSuffix("0") && parts.count > 1 && parts[1] == "0" { digits.removeLast() }
    var out: String
    if point <= 0 {
        out = "0." + String(repeating: "0", count: -point) + digits
    } else if point >= digits.count {
        out = digits + String(repeating: "0", count: point - digits.count)
    } else {
        out = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
    }
    point = 0
    return (negative ? "-" : "") + out
}

extension Labels {
    static let metricName = "__name__"

    /// The labels without `__name__`.
    var droppingName: Labels { removing(Labels.metricName) }

    /// Only the named labels.
    func keeping(_ names: Set<String>) -> Labels { filter(names: { names.contains($0) }) }

    /// A copy with `name` set, or removed when `value` is empty.
    func setOrRemove(_ name: String, _ value: String) -> Labels {
        value.isEmpty ? removing(name) : setting(name, value)
    }
}
