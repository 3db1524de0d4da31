/// The golden signals of one model at one moment, in normalized units: requests per second,
/// error share (0...1), latency in seconds, saturation signals each on its own. Every signal
/// is a `SignalValue`: a number, or the reason there is none.
///
/// `requestsPerSecond`, `errorRatio`, `latencyP50`, `latencyP99`, `latencyIsMean` and
/// `saturation` are the one-number views the overview uses; they read (and write) the full
/// signals.
public struct ModelSignals: Hashable, Sendable {
    public var key: ModelKey
    public var kind: ServerKind
    /// The name of the `model_metrics:` mapping the signals come from, when `kind` is `.custom`.
    public var mapping: String?
    /// The versions that are serving now, sorted. Empty when the server exports no version.
    public var versions: [String]

    /// Requests per second, failed ones included.
    public var traffic: SignalValue
    /// The failed share of requests, 0...1.
    public var errors: SignalValue
    /// Failed requests by cause (reason, status code), largest first. Empty when the server
    /// gives no cause or nothing failed.
    public var errorCauses: [ErrorCause]
    public var latency: LatencySignals
    public var saturationSignals: SaturationSignals
    /// One entry per serving version, sorted by version, when the server labels versions.
    public var byVersion: [VersionSignals]
    /// What is wrong with the server's metrics for this model, if anything.
    public var problems: [SignalProblem]
    /// The metrics each recognized signal is read from, for `modelwatch models`.
    public var sources: [SignalKind: String]

    public init(key: ModelKey, kind: ServerKind, versions: [String] = [], requestsPerSecond: Double? = nil,
                errorRatio: Double? = nil, latencyP50: Double? = nil, latencyP99: Double? = nil,
                latencyIsMean: Bool = false, saturation: Double? = nil) {
        self.key = key; self.kind = kind; self.versions = versions
        self.traffic = .unavailable(Self.notRead)
        self.errors = .unavailable(Self.notRead)
        self.errorCauses = []
        self.latency = LatencySignals()
        self.saturationSignals = SaturationSignals()
        self.byVersion = []
        self.problems = []
        self.sources = [:]
        self.requestsPerSecond = requestsPerSecond
        self.errorRatio = errorRatio
        self.latencyP50 = latencyP50
        if latencyIsMean {
            self.latency.mean = SignalValue.from(latencyP99, else: Self.notRead)
        } else {
            self.latencyP99 = latencyP99
        }
        self.saturation = saturation
    }

    static let notRead = "not read"

    /// The reading of one signal.
    public func value(of signal: SignalKind) -> SignalValue {
        switch signal {
        case .traffic: return traffic
        case .errors: return errors
        case .latencyP50: return latency.p50
        case .latencyP95: return latency.p95
        case .latencyP99: return latency.p99
        case .latencyMean: return latency.mean
        case .queueTime: return latency.queueTime
        case .queueDepth: return saturationSignals.queueDepth
        case .inFlight: return saturationSignals.inFlight
        case .gpuUtilization: return saturationSignals.gpuUtilization
        case .gpuMemoryUsed: return saturationSignals.gpuMemoryUsed
        case .gpuMemoryTotal: return saturationSignals.gpuMemoryTotal
        case .kvCacheUsage: return saturationSignals.kvCacheUsage
        }
    }

    // MARK: One-number views

    /// `traffic` as an optional.
    public var requestsPerSecond: Double? {
        get { traffic.value }
        set { traffic = SignalValue.from(newValue, else: "no longer reported") }
    }

    /// `errors` as an optional.
    public var errorRatio: Double? {
        get { errors.value }
        set { errors = SignalValue.from(newValue, else: "no longer reported") }
    }

    public var latencyP50: Double? {
        get { latency.p50.value }
        set { latency.p50 = SignalValue.from(newValue, else: Self.notRead) }
    }

    /// The p99, or the mean when the server exports only a duration sum and count
    /// (`latencyIsMean`).
    public var latencyP99: Double? {
        get { latency.p99.value ?? (latency.isMeanOnly ? latency.mean.value : nil) }
        set { latency.p99 = SignalValue.from(newValue, else: Self.notRead) }
    }

    /// True when the server exports only a duration sum and count, so "p99" is really a mean.
    public var latencyIsMean: Bool { latency.isMeanOnly }

    /// The busiest saturation signal known for the model's server (KV cache, GPU utilization,
    /// GPU memory), 0...1. Setting it sets the GPU utilization.
    public var saturation: Double? {
        get { saturationSignals.busiest }
        set { saturationSignals.gpuUtilization = SignalValue.from(newValue, else: Self.notRead) }
    }
}

/// Identifies one model as served by one scrape target (`job`).
public struct ModelKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var job: String
    public var name: String
    public init(job: String, name: String) { self.job = job; self.name = name }
    public static func < (a: ModelKey, b: ModelKey) -> Bool { (a.name, a.job) < (b.name, b.job) }
    public var description: String { "\(name)@\(job)" }
}
