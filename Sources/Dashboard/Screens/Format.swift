import Telemetry

/// Number and time formatting for screens. Unknown values are an em dash, never zero.
public enum Format {
    public static let unknown = "—"

    public static func rate(_ v: Double?) -> String {
        guard let v, v.isFinite else { return unknown }
        if v >= 10_000 { return String(format1: v / 1000) + "k" }
        if v >= 100 { return String(Int(v.rounded())) }
        return String(format1: v)
    }

    public static func percent(_ ratio: Double?) -> String {
        guard let ratio, ratio.isFinite else { return unknown }
        let p = ratio * 100
        if p == 0 { return "0%" }
        if p < 0.01 { return "<0.01%" }
        if p < 10 { return String(format2: p) + "%" }
        return String(format1: p) + "%"
    }

    /// Seconds shown in the unit a person reads fastest: µs, ms or s.
    public static func latency(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite, s >= 0 else { return unknown }
        if s < 0.001 { return "\(Int((s * 1_000_000).rounded()))µs" }
        if s < 1 { return (s * 1000 < 100 ? String(format1: s * 1000) : String(Int((s * 1000).rounded()))) + "ms" }
        if s < 100 { return String(format2: s) + "s" }
        return "\(Int(s.rounded()))s"
    }

    public static func ratio(_ r: Double) -> String { String(format1: r) + "×" }

    /// `512B`, `12.3KiB`, `4.0MiB`.
    public static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n)B" }
        if n < 1 << 20 { return String(format1: Double(n) / 1024) + "KiB" }
        if n < 1 << 30 { return String(format1: Double(n) / Double(1 << 20)) + "MiB" }
        return String(format1: Double(n) / Double(1 << 30)) + "GiB"
    }

    /// A short age such as `45s`, `12m`, `3h05m`, `2d`.
    public static func age(_ d: Milliseconds?) -> String {
        guard let d else { return unknown }
        let s = max(0, d.value / 1000)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(pad2(s % 60))s" }
        if s < 86_400 { return "\(s / 3600)h\(pad2((s % 3600) / 60))m" }
        return "\(s / 86_400)d"
    }

    /// How long a command ran: `0.42s`, `12.3s`, `4m05s`.
    public static func duration(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms < 10_000 { return fixedDecimals(Double(ms) / 1000, 2) + "s" }
        if ms < 60_000 { return fixedDecimals(Double(ms) / 1000, 1) + "s" }
        return age(Milliseconds(ms))
    }

    /// `HH:MM:SS` in UTC.
    public static func clock(_ t: Timestamp) -> String {
        let s = Int64((Double(t.milliseconds) / 1000).rounded(.down))
        let day = ((s % 86_400) + 86_400) % 86_400
        return "\(pad2(day / 3600)):\(pad2((day % 3600) / 60)):\(pad2(day % 60))"
    }

    /// `YYYY-MM-DD HH:MM:SSZ`.
    public static func dateTime(_ t: Timestamp) -> String {
        let s = Int64((Double(t.milliseconds) / 1000).rounded(.down))
        let date = CivilDate(daysSinceEpoch: Int64((Double(s) / 86_400).rounded(.down)))
        return "\(date.year)-\(pad2(date.month))-\(pad2(date.day)) \(clock(t))Z"
    }

    /// An alert's value, whose unit the rule does not say: four significant digits, with an SI
    /// prefix when very large or very small (`0.07843`, `124.5`, `51.2k`, `3.2µ`).
    public static func value(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "+Inf" : "-Inf") }
        if v == 0 { return "0" }
        var scaled = v, prefix = ""
        if abs(v) >= 10_000 {
            for p in ["k", "M", "G", "T", "P", "E"] where abs(scaled) >= 1000 { scaled /= 1000; prefix = p }
        } else if abs(v) < 0.001 {
            for p in ["m", "µ", "n", "p", "f", "a"] where abs(scaled) < 1 { scaled *= 1000; prefix = p }
        }
        var magnitude = 0, a = abs(scaled)
        while a >= 10 { a /= 10; magnitude += 1 }
        while a < 1 { a *= 10; magnitude -= 1 }
        var text = String.fixed(scaled, digits: max(0, 3 - magnitude))
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text + prefix
    }

    /// A number with a fixed count of decimals (`0.564`), for statistics read side by side.
    public static func fixedDecimals(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return value(v) }
        return String.fixed(v, digits: digits)
    }

    static func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

extension String {
    init(format1 v: Double) { self = Self.fixed(v, digits: 1) }
    init(format2 v: Double) { self = Self.fixed(v, digits: 2) }

    /// Fixed-point formatting without Foundation, rounding half away from zero.
    static func fixed(_ v: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        let whole = Int64(scaled / scale)
        let frac = Int64(scaled) - whole * Int64(scale)
        var fracText = String(frac)
        while fracText.count < digits { fracText = "0" + fracText }
        return (v < 0 && scaled != 0 ? "-" : "") + "\(whole)" + (digits > 0 ? ".\(fracText)" : "")
    }
}
