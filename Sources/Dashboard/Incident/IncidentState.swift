import Telemetry

/// The incident being worked: its severity and its clock, as the incident commander sets them.
public struct IncidentState: Hashable, Sendable {
    /// 1 (worst) to 4.
    public var severity: Int?
    /// When the incident was declared (the clock starts), and when it was closed.
    public var startedAt: Timestamp?
    public var endedAt: Timestamp?

    public init(severity: Int? = nil, startedAt: Timestamp? = nil, endedAt: Timestamp? = nil) {
        self.severity = severity; self.startedAt = startedAt; self.endedAt = endedAt
    }

    /// `SEV2 · 12m05s` for the header; nil before anything is set.
    public func headerText(now: Timestamp) -> String? {
        var parts: [String] = []
        if let severity { parts.append("SEV\(severity)") }
        if let start = startedAt {
            let end = endedAt ?? now
            parts.append((endedAt == nil ? "incident " : "incident closed after ") + Format.age(end - start))
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }
}
