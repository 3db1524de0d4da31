import Models
import Telemetry

/// A built-in health alert on a model or target, with Prometheus's pending → firing life cycle.
public struct HealthAlert: Hashable, Sendable {
    public enum Severity: String, Hashable, Sendable, Comparable {
        case warning, critical
        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .critical }
    }
    public enum AlertState: String, Hashable, Sendable { case pending, firing }

    public var name: String
    public var severity: Severity
    public var job: String
    public var model: String?
    public var state: AlertState
    /// When the condition first held (Prometheus's `activeAt`).
    public var activeSince: Timestamp
    public var firingSince: Timestamp?
    /// The value that broke the threshold, for display.
    public var value: Double
    public var summary: String

    /// Identity across evaluations: the same rule on the same model or target.
    public var identity: String { "\(name)|\(job)|\(model ?? "")" }

    /// Whether the alert is about this model: named by model (on its job, or on no job), or
    /// about the whole target the model is served by.
    public func concerns(_ key: ModelKey) -> Bool {
        if let model { return model == key.name && (job.isEmpty || job == key.job) }
        return job == key.job
    }
}

/// Thresholds for the built-in health rules. (Prometheus-compatible rule files replace and
/// extend these in a later issue; the life cycle is the same.)
public struct HealthRules: Hashable, Sendable {
    public var errorRatioCritical = 0.05
    public var errorRatioWarning = 0.01
    /// p99 this many times its own baseline (the median of the last 15 minutes, leaving out
    /// the most recent minute) counts as a latency regression.
    public var latencyRegressionFactor = 2.0
    public var pendingFor: Milliseconds = .seconds(30)
    public var targetDownFor: Milliseconds = .seconds(30)
    public var baselineWindow: Milliseconds = .minutes(15)
    public var baselineExclude: Milliseconds = .minutes(1)
    public var minimumBaselinePoints = 6

    public init() {}
}
