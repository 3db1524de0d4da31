/// One entry of a runbook's `alerts:` list: every label condition must hold (AND). A runbook
/// selects an alert when any of its entries does (OR).
///
/// A value is compared for equality, except a value starting with `~`: the rest is a regular
/// expression that must match the whole label value (anchored, like PromQL's `=~`). A literal
/// value that starts with `~` is written `\~...`. A label the alert does not have counts as the
/// empty string, as in PromQL.
public struct AlertMatcher: Hashable, Sendable, CustomStringConvertible {
    public enum Condition: Hashable, Sendable {
        case equal(String)
        case regex(String)
    }
    /// Label name → condition, sorted by label name.
    public var conditions: [(label: String, condition: Condition)] { _conditions }
    private let _conditions: [(label: String, condition: Condition)]
    /// The compiled regular expressions, one per condition (nil for equality): compiled once in
    /// init, as compiling on every match made choosing among thousands of runbooks take seconds.
    private let compiled: CompiledRegexes

    public static func == (a: Self, b: Self) -> Bool {
        a._conditions.elementsEqual(b._conditions) { $0.label == $1.label && $0.condition == $1.condition }
    }
    public func hash(into h: inout Hasher) {
        for c in _conditions { h.combine(c.label); h.combine(c.condition) }
    }

    /// Builds a matcher from the front-matter map; throws the message for a bad regex.
    public init(_ map: [String: String]) throws(MatcherError) {
        var out: [(String, Condition)] = []
        var regexes: [Regex<AnyRegexOutput>?] = []
        for (label, raw) in map.sorted(by: { $0.key < $1.key }) {
            if raw.hasPrefix("\\~") {
                out.append((label, .equal(String(raw.dropFirst())))); regexes.append(nil)
            } else if raw.hasPrefix("~") {
                let pattern = String(raw.dropFirst())
                do { regexes.append(try Regex("^(?:" + pattern + ")$")) } catch {
                    throw MatcherError(label: label, message: "bad regular expression \(pattern.debugDescription) for label \(label): \(error)")
                }
                out.append((label, .regex(pattern)))
            } else {
                out.append((label, .equal(raw))); regexes.append(nil)
            }
        }
        _conditions = out
        compiled = CompiledRegexes(regexes)
    }

    public struct MatcherError: Error, Sendable {
        public var label: String
        public var message: String
    }

    public func matches(_ labels: [String: String]) -> Bool {
        for index in _conditions.indices where !holds(index, for: labels[_conditions[index].label] ?? "") { return false }
        return true
    }

    /// Whether the condition at `index` of `conditions` holds for `value` (a missing label is "").
    public func holds(_ index: Int, for value: String) -> Bool {
        switch _conditions[index].condition {
        case .equal(let v): return value == v
        case .regex:
            guard let re = compiled.regexes[index] else { return false }
            return (try? re.wholeMatch(in: value)) != nil
        }
    }

    public var description: String {
        "{" + _conditions.map { l, c in
            switch c {
            case .equal(let v): "\(l)=\(v.debugDescription)"
            case .regex(let p): "\(l)=~\(p.debugDescription)"
            }
        }.joined(separator: ", ") + "}"
    }
}

/// Compiled regular expressions, immutable after init. `Regex` is not declared Sendable; these
/// are only read (matching does not mutate a Regex), so sharing them across threads is safe.
final class CompiledRegexes: @unchecked Sendable {
    let regexes: [Regex<AnyRegexOutput>?]
    init(_ regexes: [Regex<AnyRegexOutput>?]) { self.regexes = regexes }
}
