import Alerting
import Incidents
import Logs
import Models
import Telemetry
import TerminalUI

/// Where the data comes from, shown in the header.
public enum Mode: String, Hashable, Sendable {
    case live = "LIVE"
    case demo = "DEMO"
    case replay = "REPLAY"
}

/// Everything the dashboard knows. Only `reduce` changes it; screens draw from it.
public struct State: Sendable {
    public var mode: Mode
    public var startedAt: Timestamp
    public var now: Timestamp
    /// A one-line notice under the header (for example, why the demo is running).
    public var banner: String?
    /// A passing notice (a reload's outcome), shown in the banner row until `noticeUntil`.
    public var notice: String?
    public var noticeUntil: Timestamp?

    public var targets: [TargetStatus]
    public var store: SeriesStore
    public var models: [ModelKey: ModelState] = [:]
    /// Alerts of the built-in health rules.
    public var alerts: [HealthAlert] = []
    /// Prometheus rule groups loaded from rule files, each with its own alert state.
    public var ruleGroups: [RuleGroupEvaluator] = []
    /// The pending and firing alerts of those groups, as shown on screen.
    public var ruleAlerts: [HealthAlert] = []
    /// Rule evaluation errors of the last cycle (a bad query, colliding labels).
    public var ruleErrors: [String] = []
    public var timeline = Timeline()
    /// The incident's severity and clock, as set with `:sev` and `:incident`.
    public var incident = IncidentState()
    /// One assembler per log source: detects its format and folds multi-line records.
    public var logAssemblers: [String: LogAssembler] = [:]
    /// Formats named in the config's `logs:` section, tried before the built-in ones.
    public var customLogFormats: [CustomLogFormat] = []
    /// The follower's last word on each log file (following, waiting, permission denied...).
    public var logSourceStatus: [String: String] = [:]
    /// Log rules, their compiled patterns, and the index in `ruleGroups` of the alerting rules
    /// generated from them.
    public var logRules: [LogRule] = [] {
        didSet { logRuleMatchers = logRules.map { LogRuleMatcher($0.pattern) } }
    }
    var logRuleMatchers: [LogRuleMatcher] = []
    public var logRuleGroup: Int?
    public var logMatches = LogMatchCounter()
    /// Which scrape target (job) a log source belongs to, for the `job` label of log alerts.
    public var logSourceJobs: [String: String] = [:]
    /// The config's `model_metrics:` mappings of other exporters onto model signals.
    public var modelMappings: [MetricMapping] = []
    /// How feature and prediction-score histograms are watched for drift.
    public var driftSettings = DriftSettings()
    /// Drift of every watched histogram at the last evaluation.
    public var drift: [DriftRow] = []
    /// Drift figures other tools export (Evidently, Seldon/Alibi Detect), read at the last evaluation.
    public var externalDrift: [ExternalDriftReading] = []
    /// The `modelwatch_drift_*` series written at the last evaluation (ended when they stop).
    var driftSeries = Set<SeriesKey>()
    /// Who is at the keyboard: acknowledgements and silences carry this name.
    public var operatorName = "operator"
    /// Alerts an operator took, by alert identity; each ends when its alert resolves.
    public var acknowledgements: [String: Acknowledgement] = [:]
    /// Active local silences, oldest first; each ends at its `endsAt`.
    public var silences: [Silence] = []
    var nextSilenceID = 1
    public var logs: LogBuffer
    public var rules: HealthRules
    /// The runbooks folder, loaded at start.
    public var runbooks = RunbookIndex(directory: ".", runbooks: [])
    /// What was wrong in the runbooks folder (a file that is not YAML, a symlink out of it...).
    public var runbookProblems: [RunbookError] = []
    /// Checklist items ticked in this incident, by runbook file and line (the file is never written).
    public var runbookTicks: [String: [Int: Bool]] = [:]
    /// Whether confirmed commands run, are dry runs, or cannot be confirmed at all.
    public var execution: ExecutionPolicy = .run
    /// Where confirmations and completions are written, for the dialog to say (nil: not set).
    public var auditLogPath: String?
    /// Commands run (or dry-run) in this session, newest last, with their output.
    public var commandRuns: [CommandExecution] = []
    static let keptCommandRuns = 50
    var nextRunNumber = 0
    public var hasRunningCommand: Bool { commandRuns.contains(where: \.isRunning) }

    public var ui = UIState()
    /// Set once `q` is pressed; the run loop exits after the current message.
    public var quitting = false
    /// Whether the app reads log lines (demo or configured log sources).
    public var hasLogSources: Bool

    public init(mode: Mode, targets: [ScrapeTarget], retention: Milliseconds = .minutes(60), memoryBudget: Int? = nil,
                rules: HealthRules = HealthRules(), logCapacity: Int = 5_000,
                hasLogSources: Bool = false, banner: String? = nil, size: Size = Size(width: 80, height: 24)) {
        self.mode = mode
        self.startedAt = Timestamp(milliseconds: 0)
        self.now = Timestamp(milliseconds: 0)
        self.banner = banner
        self.targets = targets.map { TargetStatus(target: $0) }
        self.store = SeriesStore(retention: retention, memoryBudgetBytes: memoryBudget)
        self.logs = LogBuffer(capacity: logCapacity)
        self.rules = rules
        self.hasLogSources = hasLogSources
        self.ui.size = size
    }

    /// Models sorted worst first, then by name: the overview's row order.
    public var modelsWorstFirst: [ModelState] {
        models.values.sorted { a, b in
            if a.status != b.status { return a.status > b.status }
            let ea = a.signals.errorRatio ?? -1, eb = b.signals.errorRatio ?? -1
            if ea != eb { return ea > eb }
            return a.key < b.key
        }
    }

    /// What the banner row shows: a passing notice first, else the standing banner.
    public var bannerText: String? { notice ?? banner }

    public var targetsUp: Int { targets.filter { $0.health == .up }.count }
    /// Every alert shown: built-in health alerts and rule-file alerts.
    public var allAlerts: [HealthAlert] { alerts + ruleAlerts }
    public var firingAlerts: [HealthAlert] { allAlerts.filter { $0.state == .firing } }
    /// The built-in health rules run only when no Prometheus rule file is loaded, so the same
    /// condition never raises two alerts under two names.
    public var usesBuiltinRules: Bool { ruleGroups.isEmpty }
    /// The active silence that mutes this alert, if any.
    public func silence(for alert: HealthAlert) -> Silence? {
        silences.first { $0.endsAt > now && $0.matches(alert) }
    }
    public func acknowledgement(for alert: HealthAlert) -> Acknowledgement? { acknowledgements[alert.identity] }
    public func target(named name: String) -> TargetStatus? { targets.first { $0.target.name == name } }
}

/// What is on screen and where the cursor is.
public struct UIState: Hashable, Sendable {
    public enum Screen: Hashable, Sendable {
        case overview
        case model(ModelKey)
        case targets
        case alerts
        case logs
        /// The runbook in `UIState.runbook`.
        case runbook
    }
    public var screen: Screen = .overview
    public var showHelp = false
    public var size = Size(width: 80, height: 24)
    public var overviewTable = TableState()
    public var targetsTable = TableState(selected: 0)
    public var alertsTable = TableState(selected: 0)
    /// The key of the selected alerts row (`AlertsScreen.key(of:)`), so the selection follows it.
    public var selectedAlert: String?
    /// The silence dialog, while it is open; it takes every key.
    public var silenceForm: SilenceForm?
    /// The runbook pane's runbook, subject and cursor.
    public var runbook: RunbookViewState?
    /// The confirmation dialog of a command, while it is open; it takes every key.
    public var commandConfirmation: CommandConfirmation?
    /// The logs screen's filters and position.
    public var logsView = LogsViewState()
    /// The search prompt, while it is open; it takes every key.
    public var textPrompt: TextPrompt?
    /// How far back the model view's charts reach.
    public var chartRange: ChartRange = .fifteenMinutes
    /// The key of the selected row, so the selection follows a model when the order changes.
    public var selectedModel: ModelKey?
}

/// The model view's chart ranges, shortest first.
public enum ChartRange: Int, Hashable, Sendable, CaseIterable {
    case fiveMinutes, fifteenMinutes, oneHour, sixHours

    public var span: Milliseconds {
        switch self {
        case .fiveMinutes: return .minutes(5)
        case .fifteenMinutes: return .minutes(15)
        case .oneHour: return .minutes(60)
        case .sixHours: return .minutes(360)
        }
    }

    public var label: String {
        switch self {
        case .fiveMinutes: return "5m"
        case .fifteenMinutes: return "15m"
        case .oneHour: return "1h"
        case .sixHours: return "6h"
        }
    }

    public var longer: ChartRange { ChartRange(rawValue: min(rawValue + 1, ChartRange.allCases.count - 1))! }
    public var shorter: ChartRange { ChartRange(rawValue: max(rawValue - 1, 0))! }
}

/// The last known health of one scrape target.
public struct TargetStatus: Hashable, Sendable {
    public enum Health: String, Hashable, Sendable { case unknown, up, down }
    public var target: ScrapeTarget
    public var health: Health = .unknown
    public var lastScrape: Timestamp?
    public var lastDuration: Milliseconds?
    public var lastError: ScrapeFailure?
    public var samplesScraped = 0
    public var bodyBytes = 0
    public var inFlight = false
    public var downSince: Timestamp?
    /// Bumped when a reload restarts this target's timer chain.
    public var generation = 0

    public init(target: ScrapeTarget) { self.target = target }
}

/// One model's latest signals, its recent history, status and deploys.
public struct ModelState: Hashable, Sendable {
    public var key: ModelKey
    public var signals: ModelSignals
    public var history: [SignalPoint] = []
    public var status: HealthStatus = .noData
    public var firstSeen: Timestamp
    /// When each version was first seen serving.
    public var versionFirstSeen: [String: Timestamp] = [:]
    /// When the current version appeared, if that happened while modelwatch was watching.
    public var lastDeploy: Timestamp?
    public var previousVersion: String?

    public init(key: ModelKey, signals: ModelSignals, firstSeen: Timestamp) {
        self.key = key; self.signals = signals; self.firstSeen = firstSeen
    }
}

/// Signals at one evaluation, for sparklines and baselines.
public struct SignalPoint: Hashable, Sendable {
    public var t: Timestamp
    public var requestsPerSecond: Double?
    public var errorRatio: Double?
    public var latencyP99: Double?
    public var latencyP50: Double? = nil
    public var latencyP95: Double? = nil
}

/// A model's overall health, ordered from best to worst.
public enum HealthStatus: Int, Comparable, Hashable, Sendable, CaseIterable {
    case ok, noData, warning, critical, down

    public static func < (a: HealthStatus, b: HealthStatus) -> Bool { a.rawValue < b.rawValue }

    /// A symbol and a word, so status never depends on color.
    public var symbol: String {
        switch self {
        case .ok: return "✓"
        case .noData: return "?"
        case .warning: return "▲"
        case .critical: return "✖"
        case .down: return "✖"
        }
    }
    public var word: String {
        switch self {
        case .ok: return "OK"
        case .noData: return "NODATA"
        case .warning: return "WARN"
        case .critical: return "CRIT"
        case .down: return "DOWN"
        }
    }
}
