import Telemetry

/// A local silence, like Alertmanager's: equality matchers on alert labels, a reason, who made
/// it, and when it ends. A silenced alert still shows, muted and last, and is not counted as
/// firing in the header.
public struct Silence: Hashable, Sendable, Identifiable {
    public var id: Int
    /// Label name → value; an alert matches when it has every one of them.
    public var matchers: [String: String]
    public var reason: String
    public var createdBy: String
    public var createdAt: Timestamp
    public var endsAt: Timestamp

    public init(id: Int, matchers: [String: String], reason: String, createdBy: String, createdAt: Timestamp, endsAt: Timestamp) {
        self.id = id; self.matchers = matchers; self.reason = reason
        self.createdBy = createdBy; self.createdAt = createdAt; self.endsAt = endsAt
    }

    public func matches(_ alert: HealthAlert) -> Bool {
        !matchers.isEmpty && matchers.allSatisfy { alert.labels[$0.key] == $0.value }
    }

    /// The matchers as Alertmanager writes them: `alertname="X", model="y"`, alertname first.
    public var matcherText: String { Silence.matcherText(matchers) }

    public static func matcherText(_ matchers: [String: String]) -> String {
        let names = matchers.keys.sorted { a, b in
            if a == "alertname" || b == "alertname" { return a == "alertname" && b != "alertname" }
            return a < b
        }
        return names.map { "\($0)=\"\(matchers[$0]!)\"" }.joined(separator: ", ")
    }
}
