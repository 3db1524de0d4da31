import Models
import Telemetry

/// An alert as the screens show it, from a built-in health rule or a Prometheus rule file, with
/// Prometheus's pending → firing life cycle.
public struct HealthAlert: Hashable, Sendable {
    /// How urgent an alert is, read from its `severity` label.
    public enum Severity: Int, Hashable, Sendable, Comparable, CaseIterable {
        case info, warning, critical

        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

        /// The severity a `severity` label value means. Teams spell it many ways; anything not
        /// recognised is a warning, so an unknown word never hides an alert as mere information.
        public init(label: String?) {
            switch label?.lowercased() {
            case "critical", "crit", "page", "error", "high", "emergency", "fatal", "sev1", "sev2", "p1", "p2":
                self = .critical
            case "info", "informational", "notice", "none", "low", "debug":
                self = .info
            default:
                self = .warning
            }
        }

        public var word: String {
            switch self {
            case .info: return "info"
            case .warning: return "warning"
            case .critical: return "critical"
            }
        }
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
    /// Every label of the alert, `alertname` included: what silences match on.
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Where the alert comes from: "built-in" or the rule file and group.
    public var origin: String
    /// The rule file that defines the alert ("" for built-in rules): a relative `runbook_url`
    /// is read from its directory, as Prometheus users write them.
    public var ruleFile: String = ""

    public init(name: String, severity: Severity, job: String, model: String?, state: AlertState,
                activeSince: Timestamp, firingSince: Timestamp?, value: Double, summary: String,
                labels: [String: String]? = nil, annotations: [String: String] = [:], origin: String = "built-in") {
        self.name = name; self.severity = severity; self.job = job; self.model = model; self.state = state
        self.activeSince = activeSince; self.firingSince = firingSince; self.value = value; self.summary = summary
        var defaultLabels = ["alertname": name, "severity": severity.word]
        if !job.isEmpty { defaultLabels["job"] = job }
        if let model { defaultLabels["model"] = model }
        self.labels = labels ?? defaultLabels
        self.annotations = annotations
        self.origin = origin
    }

    /// Identity across evaluations: the alert's label set, as Prometheus identifies alerts.
    public var identity: String { HealthAlert.identity(of: labels) }

    public static func identity(of labels: [String: String]) -> String {
        labels.keys.sorted().map { "\($0)=\(labels[$0]!)" }.joined(separator: "\u{1F}")
    }

    /// The `runbook_url` annotation (or `runbook`), if the rule gave one.
    public var runbookURL: String? {
        let url = annotations["runbook_url"] ?? annotations["runbook"]
        return url.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the alert is about this model: named by model (on its job, or on no job), or
    /// about the whole target the model is served by.
    public func concerns(_ key: ModelKey) -> Bool {
        if let model { return model == key.name && (job.isEmpty || job == key.job) }
        return job == key.job
    }
}

/// Thresholds for the built-in health rules, used when no Prometheus rule file is loaded.
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
