import Telemetry

/// A time unit a custom exporter may measure latency in.
public enum LatencyUnit: String, Hashable, Sendable, CaseIterable {
    case seconds = "s"
    case milliseconds = "ms"
    case microseconds = "us"
    case nanoseconds = "ns"

    /// Multiplies a value in this unit into seconds.
    public var scale: Double {
        switch self {
        case .seconds: return 1
        case .milliseconds: return 1e-3
        case .microseconds: return 1e-6
        case .nanoseconds: return 1e-9
        }
    }

    /// `s`, `ms`, `us` (or `µs`), `ns`, and the spelled-out names.
    public init?(text: String) {
        switch text.lowercased() {
        case "s", "sec", "second", "seconds": self = .seconds
        case "ms", "millisecond", "milliseconds": self = .milliseconds
        case "us", "µs", "μs", "microsecond", "microseconds": self = .microseconds
        case "ns", "nanosecond", "nanoseconds": self = .nanoseconds
        default: return nil
        }
    }
}

/// How a custom exporter's utilization gauge is scaled.
public enum UtilizationUnit: String, Hashable, Sendable, CaseIterable {
    /// 0...1.
    case ratio
    /// 0...100.
    case percent
}

/// The config's `model_metrics:` entry: which of another exporter's metrics carry the signals
/// (see `docs/config.md`). Every metric is a sample name as the exposition writes it
/// (`my_requests_total`); a histogram or summary is named by its base name.
public struct MetricMapping: Hashable, Sendable {
    /// Shown as the server kind (`custom: NAME`).
    public var name: String
    /// Labels a job's series must carry for the mapping to apply (`job: fraud-api`); empty:
    /// every job with the mapping's request metric.
    public var match: [String: String]
    /// The label naming the model. Nil: the job serves one model, named after the job.
    public var modelLabel: String?
    public var versionLabel: String?
    /// A counter of all requests (failed ones included).
    public var requests: String?
    /// A counter of failed requests.
    public var errors: String?
    /// A label on the errors counter giving the cause of each failure.
    public var errorReasonLabel: String?
    /// Or: failed requests are the `requests` series whose `errorLabel` has one of `errorValues`
    /// (`5xx` matches any code starting with 5).
    public var errorLabel: String?
    public var errorValues: [String]
    /// Base names of the latency histogram, summary, or cumulative sum counter (with
    /// `latencyCount`, or `requests`, as the divisor); the first given is used.
    public var latencyHistogram: String?
    public var latencySummary: String?
    public var latencySum: String?
    public var latencyCount: String?
    public var latencyUnit: LatencyUnit
    public var queueDepth: String?
    public var inFlight: String?
    public var gpuUtilization: String?
    public var gpuUtilizationUnit: UtilizationUnit
    public var gpuMemoryUsedBytes: String?
    public var gpuMemoryTotalBytes: String?
    public var kvCacheUsage: String?

    public init(name: String, match: [String: String] = [:], modelLabel: String? = nil, versionLabel: String? = nil,
                requests: String? = nil, errors: String? = nil, errorReasonLabel: String? = nil,
                errorLabel: String? = nil, errorValues: [String] = [],
                latencyHistogram: String? = nil, latencySummary: String? = nil, latencySum: String? = nil,
                latencyCount: String? = nil, latencyUnit: LatencyUnit = .seconds,
                queueDepth: String? = nil, inFlight: String? = nil, gpuUtilization: String? = nil,
                gpuUtilizationUnit: UtilizationUnit = .ratio, gpuMemoryUsedBytes: String? = nil,
                gpuMemoryTotalBytes: String? = nil, kvCacheUsage: String? = nil) {
        self.name = name; self.match = match; self.modelLabel = modelLabel; self.versionLabel = versionLabel
        self.requests = requests; self.errors = errors; self.errorReasonLabel = errorReasonLabel
        self.errorLabel = errorLabel; self.errorValues = errorValues
        self.latencyHistogram = latencyHistogram; self.latencySummary = latencySummary
        self.latencySum = latencySum; self.latencyCount = latencyCount; self.latencyUnit = latencyUnit
        self.queueDepth = queueDepth; self.inFlight = inFlight; self.gpuUtilization = gpuUtilization
        self.gpuUtilizationUnit = gpuUtilizationUnit; self.gpuMemoryUsedBytes = gpuMemoryUsedBytes
        self.gpuMemoryTotalBytes = gpuMemoryTotalBytes; self.kvCacheUsage = kvCacheUsage
    }

    /// The metric whose series list the mapping's models: the requests counter, else the
    /// latency metric.
    var discoveryMetric: String? {
        requests ?? latencyHistogram.map { $0 + "_count" } ?? latencySummary.map { $0 + "_count" } ?? latencyCount
    }

    /// Whether a label value is one of `errorValues`; `5xx` (any case) matches every value that
    /// starts with `5` and has three characters.
    func isErrorValue(_ value: String) -> Bool {
        errorValues.contains { pattern in
            let lower = pattern.lowercased()
            if lower.count == 3, lower.hasSuffix("xx") {
                return value.count == 3 && value.lowercased().first == lower.first
            }
            return pattern == value
        }
    }

    /// The plan that reads this mapping, for a job named `job`.
    func plan(job: String) -> SignalPlan? {
        guard let discovery = discoveryMetric else { return nil }
        let matchLabels = match
        let filter: @Sendable (Labels) -> Bool = { labels in matchLabels.allSatisfy { labels[$0.key] == $0.value } }
        func ref(_ name: String, _ type: MetricType) -> MetricRef {
            MetricRef(name, type, model: modelLabel, version: versionLabel, filter: filter)
        }
        let requestsRef = requests.map { ref($0, .counter) }
        let traffic: TrafficPlan = requestsRef.map { .counters([$0]) }
            ?? .notExported("the mapping names no requests counter")
        let errors: ErrorPlan
        if let failures = self.errors {
            errors = .failures([ref(failures, .counter)], causeLabel: errorReasonLabel, total: nil)
        } else if let label = errorLabel, let requestsRef, !errorValues.isEmpty {
            let mapping = self
            errors = .statusLabel(requestsRef, label: label, isError: { mapping.isErrorValue($0) },
                                  describe: errorValues.joined(separator: ", "))
        } else {
            errors = .notExported("the mapping names no errors counter or error label")
        }
        var latency: [LatencyPlan] = []
        let scale = latencyUnit.scale
        if let h = latencyHistogram { latency.append(.histogram(ref(h, .histogram), scale: scale)) }
        if let s = latencySummary { latency.append(.summary(ref(s, .summary), scale: scale)) }
        if let sum = latencySum {
            let count = latencyCount.map { [ref($0, .counter)] } ?? requestsRef.map { [$0] } ?? []
            if !count.isEmpty { latency.append(.mean(MeanPlan(sum: ref(sum, .counter), count: count, scale: scale))) }
        }
        if latency.isEmpty { latency = [.notExported("the mapping names no latency metric")] }
        var saturation: [SaturationPlan] = []
        func gauge(_ signal: SignalKind, _ name: String?, scale: Double = 1, combine: Combine, isRatio: Bool = false) {
            guard let name else { return }
            saturation.append(SaturationPlan(signal: signal, sources: [SaturationSource(
                refs: [MetricRef(name, .gauge, model: modelLabel, filter: filter)], scale: scale, combine: combine, isRatio: isRatio)]))
        }
        gauge(.queueDepth, queueDepth, combine: .sum)
        gauge(.inFlight, inFlight, combine: .sum)
        gauge(.gpuUtilization, gpuUtilization, scale: gpuUtilizationUnit == .percent ? 0.01 : 1, combine: .max, isRatio: true)
        gauge(.gpuMemoryUsed, gpuMemoryUsedBytes, combine: .sum)
        gauge(.gpuMemoryTotal, gpuMemoryTotalBytes, combine: .sum)
        gauge(.kvCacheUsage, kvCacheUsage, combine: .max, isRatio: true)
        let discoveryRef = ref(discovery, .counter)
        return SignalPlan(
            kind: .custom, mappingName: name, models: discoveryRef,
            fixedModelName: modelLabel == nil ? job : nil,
            versions: versionLabel == nil ? nil : discoveryRef,
            versionsNotExported: "the mapping names no version label",
            traffic: traffic, errors: errors, latency: latency, saturation: saturation)
    }
}
