import Alerting
import Logs
import Telemetry

/// A log-rule file (documented in `docs/logs.md`):
///
/// ```yaml
/// log_rules:
///   - alert: CUDAOutOfMemory
///     expr: '"CUDA out of memory" >= 1 in 5m'
///     level: error          # optional: only entries at this level or worse
///     source: "triton-*"    # optional: a glob on the log source's name
///     for: 0s
///     labels: {severity: critical}
///     annotations:
///       summary: "{{ $labels.model }}: {{ $value }} CUDA out-of-memory errors in 5m"
/// ```
///
/// Errors name the file, line, column and key, like the config's.
public enum LogRuleFile {
    /// The series the counts go to, labelled `rule`, `model` (when the entry names one),
    /// `log_source` and `job` (when the source belongs to a scrape target).
    public static let seriesName = "modelwatch_log_matches"

    public static func parse(_ text: String, file: String) throws(ConfigError) -> [LogRule] {
        let root = try YAMLDocument.parse(text, file: file)
        try root.expectKeys(["log_rules"])
        var rules: [LogRule] = []
        var names = Set<String>()
        for item in try root.required("log_rules").sequence() {
            try item.expectKeys(["alert", "expr", "level", "source", "for", "keep_firing_for", "labels", "annotations"])
            let alertNode = try item.required("alert")
            let alert = try alertNode.string()
            guard isMetricName(alert) else { throw alertNode.error("'\(alert)' is not a valid alert name") }
            guard names.insert(alert).inserted else { throw alertNode.error("duplicate log rule '\(alert)'") }
            let exprNode = try item.required("expr")
            let parsed: (LogRule.Pattern, LogRule.Comparison, Int, Milliseconds)
            switch LogRule.parseExpression(try exprNode.string()) {
            case .success(let p): parsed = p
            case .failure(let e): throw exprNode.error(e.message)
            }
            var rule = LogRule(alert: alert, pattern: parsed.0, comparison: parsed.1, threshold: parsed.2, window: parsed.3,
                               file: file, line: item.line)
            if let v = try item.optional("level") {
                guard let level = LogLevel(word: try v.string()) else { throw v.error("'\(try v.string())' is not a log level") }
                rule.minimumLevel = level
            }
            if let v = try item.optional("source") { rule.sourceGlob = try v.string() }
            if let v = try item.optional("for") { rule.holdDuration = try duration(v) }
            if let v = try item.optional("keep_firing_for") { rule.keepFiringFor = try duration(v) }
            if let v = try item.optional("labels") { rule.labels = try pairs(v) }
            if let v = try item.optional("annotations") { rule.annotations = try pairs(v) }
            rules.append(rule)
        }
        return rules
    }

    static func duration(_ node: YAMLValue) throws(ConfigError) -> Milliseconds {
        let text = try node.string()
        if text == "0" || text == "0s" { return Milliseconds(0) }
        return try AppConfig.duration(node)
    }

    static func pairs(_ node: YAMLValue) throws(ConfigError) -> [(String, String)] {
        var out: [(String, String)] = []
        for (key, value) in try node.mapping() {
            guard isLabelName(key.text) else { throw key.error("'\(key.text)' is not a valid label name") }
            out.append((key.text, try value.string()))
        }
        return out
    }

    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first == ":" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == ":" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    static func isLabelName(_ s: String) -> Bool { isMetricName(s) && !s.contains(":") }

    /// The Prometheus alerting rules the log rules become: one per log rule, on its count series.
    public static func ruleGroupYAML(_ rules: [LogRule], interval: Milliseconds = .seconds(15)) -> String {
        var out = "groups:\n  - name: log-rules\n    interval: \(interval.value / 1000)s\n    rules:\n"
        for rule in rules {
            out += "      - alert: \(rule.alert)\n"
            out += "        expr: \(quoted("sum without (rule) (\(seriesName){rule=\"\(rule.alert)\"}) \(rule.comparison.rawValue) \(rule.threshold)"))\n"
            if rule.holdDuration.value > 0 { out += "        for: \(rule.holdDuration.value)ms\n" }
            if rule.keepFiringFor.value > 0 { out += "        keep_firing_for: \(rule.keepFiringFor.value)ms\n" }
            if !rule.labels.isEmpty {
                out += "        labels:\n"
                for (k, v) in rule.labels { out += "          \(k): \(quoted(v))\n" }
            }
            if !rule.annotations.isEmpty {
                out += "        annotations:\n"
                for (k, v) in rule.annotations { out += "          \(k): \(quoted(v))\n" }
            }
        }
        return out
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16)
                    out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// The log rules as a Prometheus rule group, loaded through the same loader as rule files;
    /// a template error names the log rule's own file and line.
    public static func ruleGroup(_ rules: [LogRule]) -> Result<RuleGroup, ConfigError> {
        guard !rules.isEmpty else { return .failure(ConfigError(file: "", line: 0, column: 0, keyPath: "", message: "no log rules")) }
        switch RuleLoader.load(text: ruleGroupYAML(rules), file: rules[0].file) {
        case .success(let groups):
            var group = groups[0]
            for i in group.rules.indices where i < rules.count { group.rules[i].line = rules[i].line }
            return .success(group)
        case .failure(let errors):
            let first = errors.errors.first
            let rule = rules.first { $0.alert == first?.rule }
            return .failure(ConfigError(file: rule?.file ?? rules[0].file, line: rule?.line ?? 0, column: 1, keyPath: "log_rules",
                                        message: first.map { ($0.rule.map { "rule \"\($0)\": " } ?? "") + $0.message } ?? "invalid"))
        }
    }
}
