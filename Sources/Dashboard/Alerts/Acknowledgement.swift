import Telemetry

/// "Someone is on it": an operator took an alert. Local to this dashboard, it lasts until the
/// alert resolves (or is taken back), and says who and when.
public struct Acknowledgement: Hashable, Sendable {
    public var alertIdentity: String
    public var alertName: String
    public var by: String
    public var at: Timestamp

    public init(alertIdentity: String, alertName: String, by: String, at: Timestamp) {
        self.alertIdentity = alertIdentity; self.alertName = alertName; self.by = by; self.at = at
    }
}
