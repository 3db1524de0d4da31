/// Renders metric families as Prometheus text exposition format 0.0.4, which
/// `TextFormatParser` and `promtool check metrics` read back.
///
/// Each family is written as `# HELP` (when it has help; `\` and newlines escaped), `# TYPE`,
/// then its samples in order. Label values escape `\`, `"` and newlines. Values are written so
/// that they parse back to the same `Double`: integers without a fraction, others in Swift's
/// shortest round-trip form, and `NaN`, `+Inf`, `-Inf` for the special values. Timestamps are
/// integer milliseconds.
///
/// The 0.0.4 format knows five types, so OpenMetrics-only types (`info`, `stateset`,
/// `gaugehistogram`, `unknown`) are written as `untyped`. When every sample of a counter, gauge
/// or untyped family has one name that differs from the family name (an OpenMetrics counter
/// `x` with samples `x_total`), HELP and TYPE use the sample name, as client_golang does, so
/// that the metadata still applies to the samples.
public enum ExpositionWriter {
    /// The 0.0.4 text of `families`, ending with a newline (empty for no families).
    public static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        out.reserveCapacity(families.reduce(0) { $0 + 64 * ($1.samples.count + 2) })
        for family in families {
            let type = textType(family.type)
            var metadataName = family.name
            if type == "counter" || type == "gauge" || type == "untyped",
               let first = family.samples.first?.name, first != family.name,
               family.samples.allSatisfy({ $0.name == first }) {
                metadataName = first
            }
            if let help = family.help {
                out += "# HELP \(metadataName) \(escapeHelp(help))\n"
            }
            out += "# TYPE \(metadataName) \(type)\n"
            for sample in family.samples {
                out += sample.name
                if !sample.labels.isEmpty { appendLabels(sample.labels, to: &out) }
                out += " "
                out += formatValue(sample.value)
                if let t = sample.timestamp { out += " \(t.milliseconds)" }
                out += "\n"
            }
        }
        return out
    }

    /// A sample value as the text format writes it: `NaN`, `+Inf`, `-Inf`, integers without a
    /// fraction, other values in the shortest form that parses back to the same `Double`.
    public static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return v.description
    }

    /// `{a="1",b="2"}` with `\`, `"` and newline escaped. Works on Unicode scalars, so that a
    /// `\r\n` pair (one `Character`) still has its newline escaped.
    static func appendLabels(_ labels: Labels, to out: inout String) {
        out += "{"
        var first = true
        for pair in labels {
            if !first { out += "," }
            first = false
            out += pair.name
            out += "=\""
            for scalar in pair.value.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "\"": out += "\\\""
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(scalar)
                }
            }
            out += "\""
        }
        out += "}"
    }

    /// HELP text with `\` and newline escaped (the only escapes 0.0.4 defines for HELP).
    static func escapeHelp(_ help: String) -> String {
        guard help.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") }) else {
            return help
        }
        var out = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func textType(_ type: MetricType) -> String {
        switch type {
        case .counter: return "counter"
        case .gauge: return "gauge"
        case .histogram: return "histogram"
        case .summary: return "summary"
        case .untyped, .unknown, .info, .stateset, .gaugehistogram: return "untyped"
        }
    }
}
