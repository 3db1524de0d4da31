import Logs
import Telemetry
import TerminalUI

/// What the logs screen shows and where it is: filters, the search pattern, following, and
/// scrolling. Changed only in `reduce`.
public struct LogsViewState: Hashable, Sendable {
    /// Only entries at this level or worse (entries whose level could not be read are hidden too).
    public var minimumLevel: LogLevel?
    /// Only entries of this model.
    public var model: String?
    /// The search pattern (a regular expression): matches are highlighted, `n`/`N` move between
    /// them, and with `onlyMatching` the other entries are hidden.
    public var pattern: String?
    public var onlyMatching = false
    /// Stay on the newest entry as entries arrive.
    public var follow = true
    /// Rows scrolled back from the newest entry (0 while following).
    public var scrollBack = 0
    /// Columns scrolled right in the message column.
    public var horizontalOffset = 0
    /// The entry `n`/`N` last landed on (index in the filtered list), highlighted.
    public var cursor: Int?

    public init() {}

    /// The levels `L` cycles through.
    static let levelSteps: [LogLevel?] = [nil, .info, .warn, .error]

    public var filterDescription: String {
        var parts: [String] = []
        if let minimumLevel { parts.append("level ≥ \(minimumLevel)") }
        if let model { parts.append("model \(model)") }
        if let pattern { parts.append("/\(pattern)/" + (onlyMatching ? " only" : "")) }
        return parts.isEmpty ? "all entries" : parts.joined(separator: " · ")
    }
}

/// The filtered entries and the pattern, computed once per frame or key.
struct LogsSelection {
    let entries: [LogEntry]
    let regex: Regex<AnyRegexOutput>?

    init(_ state: State) {
        let view = state.ui.logsView
        regex = view.pattern.flatMap { try? Regex($0) }
        let regex = self.regex
        entries = state.logs.visible.filter { entry in
            if let min = view.minimumLevel, entry.level == .unknown || entry.level < min { return false }
            if let model = view.model, entry.model != model { return false }
            if view.onlyMatching, let regex, (try? regex.firstMatch(in: entry.message)) == nil { return false }
            return true
        }
    }

    func matches(_ entry: LogEntry) -> Bool {
        guard let regex else { return false }
        return (try? regex.firstMatch(in: entry.message)) != nil
    }

    /// The ranges of the message the pattern matches, as character offsets.
    func matchRanges(in message: String) -> [Range<Int>] {
        guard let regex else { return [] }
        var out: [Range<Int>] = []
        for match in message.matches(of: regex) where !match.range.isEmpty {
            let lower = message.distance(from: message.startIndex, to: match.range.lowerBound)
            let upper = message.distance(from: message.startIndex, to: match.range.upperBound)
            out.append(lower..<upper)
            if out.count >= 64 { break }
        }
        return out
    }
}
