/// A label-matcher regular expression, fully anchored as Prometheus's (`^(?:re)$`), with fast
/// paths for literal alternatives and `.*`/`.+`.
final class AnchoredRegex: @unchecked Sendable {
    let source: String
    private let literals: Set<String>?
    private let anyString: Bool
    private let anyNonEmpty: Bool
    private let regex: Regex<AnyRegexOutput>?

    init(_ source: String) throws {
        self.source = source
        anyString = source == ".*"
        anyNonEmpty = source == ".+"
        let meta = Set("\\.+*?()[]{}^$|")
        if !source.contains(where: { meta.contains($0) && $0 != "|" }) {
            literals = Set(source.split(separator: "|", omittingEmptySubsequences: false).map(String.init))
        } else {
            literals = nil
        }
        if literals == nil && !anyString && !anyNonEmpty {
            do {
                regex = try Regex("^(?:" + source + ")$")
            } catch {
                throw PromQLError("invalid regular expression \(quoteString(source)): \(error)")
            }
        } else {
            regex = nil
        }
    }

    func matches(_ s: String) -> Bool {
        if anyString { return true }
        if anyNonEmpty { return !s.isEmpty }
        if let literals { return literals.contains(s) }
        return (try? regex!.wholeMatch(in: s)) != nil
    }

    /// The first match's capture groups (group 0 is the whole string), or nil when it does not match.
    func captures(_ s: String) -> [String]? {
        if anyString || anyNonEmpty || literals != nil {
            return matches(s) ? [s] : nil
        }
        guard let m = try? regex!.wholeMatch(in: s) else { return nil }
        var out: [String] = []
        for i in 0..<m.output.count {
            if let sub = m.output[i].substring { out.append(String(sub)) } else { out.append("") }
        }
        return out
    }
}
