import Telemetry

/// One metric as a plan reads it: its sample name, the type it must have, and which of its
/// series belong to a model and to a version.
struct MetricRef: Sendable {
    /// The sample name (`nv_inference_request_success`, a histogram's base name for
    /// `LatencyPlan.histogram`).
    var name: String
    /// The type the server documents for it.
    var expected: MetricType
    /// Other declared types that are still read as `expected` (Ray Serve before 2.10 exported
    /// its counters as gauges).
    var alsoAccepted: [MetricType] = []
    /// The label naming the model. Nil when every series of the job belongs to the one model
    /// the job serves (a queue-proxy's requests, a server's GPU).
    var modelLabel: String?
    /// The label naming the version, if the metric has one.
    var versionLabel: String?
    /// Turns the version label's value into the version shown (a Knative revision name into its
    /// number).
    var versionOf: @Sendable (String) -> String = { $0 }
    /// Further conditions on the series (vLLM's HTTP handler, BentoML's API-server series).
    var filter: @Sendable (Labels) -> Bool = { _ in true }
    /// Read from targets on the same host rather than this job (the DCGM exporter).
    var sameHost = false

    init(_ name: String, _ expected: MetricType, model: String? = nil, version: String? = nil,
         alsoAccepted: [MetricType] = [], versionOf: @escaping @Sendable (String) -> String = { $0 },
         filter: @escaping @Sendable (Labels) -> Bool = { _ in true }, sameHost: Bool = false) {
        self.name = name; self.expected = expected; self.modelLabel = model; self.versionLabel = version
        self.alsoAccepted = alsoAccepted; self.versionOf = versionOf; self.filter = filter; self.sameHost = sameHost
    }

    /// The version a series of this metric belongs to.
    func version(of labels: Labels) -> String? {
        guard let label = versionLabel, let raw = labels[label] else { return nil }
        return versionOf(raw)
    }

    /// Whether a series belongs to `model` (and `version`, when given).
    func matches(_ labels: Labels, model: String, version: String?) -> Bool {
        guard filter(labels) else { return false }
        if let modelLabel, labels[modelLabel] != model { return false }
        if let version, self.version(of: labels) != version { return false }
        return true
    }

    /// The same metric under another name (a histogram's `_count`, a counter's legacy name).
    func renamed(_ newName: String, expected: MetricType? = nil) -> MetricRef {
        var copy = self
        copy.name = newName
        if let expected { copy.expected = expected }
        return copy
    }
}

/// How a server counts its requests.
enum TrafficPlan: Sendable {
    /// The sum of the rates of these counters (successes plus failures, or all requests).
    case counters([MetricRef])
    case notExported(String)
}

/// How a server counts its failed requests.
enum ErrorPlan: Sendable {
    /// Counters of failed requests, over the traffic (or over `total` when given). The cause of
    /// each failure is the value of `causeLabel`, or the counter's name when there is none.
    case failures([MetricRef], causeLabel: String?, total: [MetricRef]?)
    /// Failed requests are the series of the traffic counter whose `label` (a status code) says
    /// so; the cause is that label's value. `describe` says which values count (`5xx`).
    case statusLabel(MetricRef, label: String, isError: @Sendable (String) -> Bool, describe: String)
    case notExported(String)
}

/// A mean from two cumulative counters: the increase of `sum` over the increase of `count`.
struct MeanPlan: Sendable {
    var sum: MetricRef
    var count: [MetricRef]
    /// Multiplies `sum` into seconds (1e-6 for microseconds).
    var scale: Double
}

/// How a server reports request latency.
enum LatencyPlan: Sendable {
    /// A classic histogram (base name) whose bounds are in `scale` seconds; the mean comes
    /// from its `_sum` and `_count`.
    case histogram(MetricRef, scale: Double)
    /// A summary's quantiles (sliding-window values, read as they are), its mean from `_sum` and
    /// `_count`.
    case summary(MetricRef, scale: Double)
    /// Only cumulative duration and request counters: a mean, flagged as such.
    case mean(MeanPlan)
    case notExported(String)

    /// The metric whose presence decides that this way of reading latency applies.
    var probe: String? {
        switch self {
        case .histogram(let ref, _): return ref.name + "_bucket"
        case .summary(let ref, _): return ref.name
        case .mean(let plan): return plan.sum.name
        case .notExported: return nil
        }
    }
}

/// How two or more series of one saturation signal combine.
enum Combine: Sendable {
    /// Counts and bytes add up over series (GPUs, replicas, versions).
    case sum
    /// Utilization is the busiest series'.
    case max
}

/// One way to read a saturation signal: gauges, scaled into the signal's unit and combined.
struct SaturationSource: Sendable {
    var refs: [MetricRef]
    var scale: Double = 1
    var combine: Combine
    /// A ratio must come out in 0...1; anything else is a problem, not a value.
    var isRatio = false
}

/// Where one saturation signal comes from: the first source with fresh series wins (a model
/// server's own GPU metrics before a DCGM exporter's on the same host).
struct SaturationPlan: Sendable {
    var signal: SignalKind
    var sources: [SaturationSource]
}

/// Everything needed to read one server kind's models and their signals from the store: the
/// built-in kinds and the config's `model_metrics:` mappings both become plans.
struct SignalPlan: Sendable {
    var kind: ServerKind
    /// The mapping's name for `.custom` plans.
    var mappingName: String?
    /// The series that list the models (by `models.modelLabel`).
    var models: MetricRef
    /// The model's name when the job serves exactly one model and no label names it.
    var fixedModelName: String?
    /// The series that list the versions serving, or why there are none.
    var versions: MetricRef?
    var versionsNotExported: String
    var traffic: TrafficPlan
    var errors: ErrorPlan
    /// The first whose metric is present for the model is used.
    var latency: [LatencyPlan]
    var queueTime: MeanPlan?
    var saturation: [SaturationPlan]
    /// What the `models` command says about the versions or signals this kind lacks.
    var notes: [String] = []

    /// The signals not listed in `saturation` are not exported by this kind.
    func saturationPlan(for signal: SignalKind) -> SaturationPlan? {
        saturation.first { $0.signal == signal }
    }
}
