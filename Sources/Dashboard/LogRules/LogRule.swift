import Logs
import Telemetry

/// A log rule: "this pattern, at least this often, in this window", e.g.
/// `"CUDA out of memory" >= 1 in 5m`. It fires through the same alert machinery as metric rules:
/// matching lines are counted per model and log source into `modelwatch_log_matches`, and a
/// Prometheus alerting rule on that series is generated from it (see `LogRuleFile.ruleGroupYAML`).
public struct LogRule: Hashable, Sendable {
    public enum Pattern: Hashable, Sendable {
        /// A case-sensitive substring of the message.
        case text(String)
        /// A regular expression searched in the message (`/.../` in the rule).
        case regex(String)
    }
    public enum Comparison: String, Hashable, Sendable, CaseIterable {
        case atLeast = ">=", moreThan = ">", atMost = "<=", lessThan = "<", equal = "=="
    }

    public var alert: String
    public var pattern: Pattern
    public var comparison: Comparison
    public var threshold: Int
    public var window: Milliseconds
    public var holdDuration: Milliseconds = Milliseconds(0)
    public var keepFiringFor: Milliseconds = Milliseconds(0)
    /// Only entries at this level or worse count.
    public var minimumLevel: LogLevel?
    /// Only entries from sources whose name matches this glob (`*` and `?`) count.
    public var sourceGlob: String?
    public var labels: [(String, String)] = []
    public var annotations: [(String, String)] = []
    public var file: String
    public var line: Int

    public static func == (a: LogRule, b: LogRule) -> Bool {
        a.alert == b.alert && a.pattern == b.pattern && a.comparison == b.comparison && a.threshold == b.threshold
            && a.window == b.window && a.file == b.file && a.line == b.line
    }

    public func hash(into h: inout Hasher) { h.combine(alert); h.combine(file); h.combine(line) }

    /// Whether an entry counts for this rule.
    public func matches(_ entry: LogEntry, compiled: LogRuleMatcher) -> Bool {
        // A line whose level could not be read does not pass a level condition.
        if let minimumLevel, entry.level == .unknown || entry.level < minimumLevel { return false }
        if let sourceGlob, !LogRule.glob(sourceGlob, matches: entry.source) { return false }
        return compiled.matches(entry.message)
    }

    /// `*` any run of characters, `?` one character; the whole name must match.
    public static func glob(_ pattern: String, matches name: String) -> Bool {
        let p = Array(pattern), s = Array(name)
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == s[si]) { pi += 1; si += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = si; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; si = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Reads `"PATTERN" OP N in DURATION` or `/REGEX/ OP N in DURATION`.
    public struct ExpressionError: Error, Hashable, Sendable {
        public var message: String
    }

    public static func parseExpression(_ text: String) -> Result<(Pattern, Comparison, Int, Milliseconds), ExpressionError> {
        func failure(_ m: String) -> Result<(Pattern, Comparison, Int, Milliseconds), ExpressionError> { .failure(ExpressionError(message: m)) }
        var rest = Substring(text).drop { $0 == " " }
        guard let open = rest.first, open == "\"" || open == "/" else {
            return failure("expected \"text\" or /regex/ first, as in \"CUDA out of memory\" >= 1 in 5m")
        }
        rest = rest.dropFirst()
        var body = ""
        var closed = false
        while let c = rest.first {
            rest = rest.dropFirst()
            if c == "\\", let next = rest.first, next == open || (open == "\"" && next == "\\") {
                body.append(next); rest = rest.dropFirst(); continue
            }
            if c == open { closed = true; break }
            body.append(c)
        }
        guard closed else { return failure("the pattern has no closing \(open)") }
        guard !body.isEmpty else { return failure("the pattern is empty") }
        let words = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count == 4, words[2] == "in" else {
            return failure("after the pattern, expected OP N in WINDOW, as in >= 1 in 5m")
        }
        guard let comparison = Comparison(rawValue: words[0]) else {
            return failure("'\(words[0])' is not one of >=, >, <=, <, ==")
        }
        guard let n = Int(words[1]), n >= 0, n <= 1_000_000_000 else { return failure("'\(words[1])' is not a count") }
        guard let window = AppConfig.parseDuration(words[3]), window.value > 0 else {
            return failure("'\(words[3])' is not a duration like 5m")
        }
        guard window.value <= 24 * 3_600_000 else { return failure("the window is at most 24h") }
        if open == "/" {
            do { _ = try Regex(body) } catch { return failure("/\(body)/ is not a valid regular expression") }
            return .success((.regex(body), comparison, n, window))
        }
        return .success((.text(body), comparison, n, window))
    }
}

/// A rule's pattern, compiled once.
public struct LogRuleMatcher: @unchecked Sendable {
    let text: String?
    let regex: Regex<AnyRegexOutput>?

    public init(_ pattern: LogRule.Pattern) {
        switch pattern {
        case .text(let t): text = t; regex = nil
        case .regex(let r): text = nil; regex = try? Regex(r)
        }
    }

    public func matches(_ message: String) -> Bool {
        if let text { return message.contains(text) }
        if let regex { return (try? regex.firstMatch(in: message)) != nil }
        return false
    }
}
