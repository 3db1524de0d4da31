/// One signal's reading in normalized units (requests per second, ratios 0...1, seconds, bytes,
/// counts), or why there is no number. A screen shows `.value` and otherwise the reason: it never
/// shows a number that was not computed.
public enum SignalValue: Hashable, Sendable, CustomStringConvertible {
    /// The computed value.
    case value(Double)
    /// The server kind exports something for this signal, or should, but no number could be
    /// computed now: the reason says why (one scrape so far, no requests in the window, a
    /// histogram without `+Inf`, ...).
    case unavailable(String)
    /// The server kind has no metric for this signal at all; the reason names what it lacks.
    case notExported(String)

    /// The number, if there is one.
    public var value: Double? {
        if case .value(let v) = self { return v }
        return nil
    }

    /// Why there is no number, if there is none.
    public var reason: String? {
        switch self {
        case .value: return nil
        case .unavailable(let r), .notExported(let r): return r
        }
    }

    public var isValue: Bool { value != nil }

    public var description: String {
        switch self {
        case .value(let v): return "\(v)"
        case .unavailable(let r): return "unavailable: \(r)"
        case .notExported(let r): return "not exported: \(r)"
        }
    }

    /// A computed value, or `.unavailable(reason)` when there is none.
    static func from(_ v: Double?, else reason: String) -> SignalValue {
        v.map(SignalValue.value) ?? .unavailable(reason)
    }
}

/// The signals modelwatch reads from every model server, each in one normalized unit.
public enum SignalKind: String, Hashable, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case traffic = "traffic"
    case errors = "errors"
    case latencyP50 = "latency p50"
    case latencyP95 = "latency p95"
    case latencyP99 = "latency p99"
    case latencyMean = "latency mean"
    case queueTime = "queue time"
    case queueDepth = "queue depth"
    case inFlight = "in flight"
    case gpuUtilization = "GPU utilization"
    case gpuMemoryUsed = "GPU memory used"
    case gpuMemoryTotal = "GPU memory total"
    case kvCacheUsage = "KV-cache usage"

    public var description: String { rawValue }

    /// The unit every value of this signal is in.
    public var unit: SignalUnit {
        switch self {
        case .traffic: return .perSecond
        case .errors, .gpuUtilization, .kvCacheUsage: return .ratio
        case .latencyP50, .latencyP95, .latencyP99, .latencyMean, .queueTime: return .seconds
        case .queueDepth, .inFlight: return .count
        case .gpuMemoryUsed, .gpuMemoryTotal: return .bytes
        }
    }

    public static func < (a: SignalKind, b: SignalKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The normalized units of signals.
public enum SignalUnit: String, Hashable, Sendable {
    /// Requests per second.
    case perSecond = "req/s"
    /// A share, 0...1.
    case ratio = "ratio"
    case seconds = "s"
    /// A number of requests (queued, running).
    case count = "count"
    case bytes = "bytes"
}

/// The latency signals of a model or version, in seconds.
public struct LatencySignals: Hashable, Sendable {
    public var p50: SignalValue
    public var p95: SignalValue
    public var p99: SignalValue
    /// The mean request duration: from a histogram's or summary's `_sum` and `_count`, or from
    /// a pair of cumulative counters when that is all the server exports.
    public var mean: SignalValue
    /// The mean time a request waited in the server's queue before running, where exported.
    public var queueTime: SignalValue

    public init(p50: SignalValue = .notExported("not read"), p95: SignalValue = .notExported("not read"),
                p99: SignalValue = .notExported("not read"), mean: SignalValue = .notExported("not read"),
                queueTime: SignalValue = .notExported("not read")) {
        self.p50 = p50; self.p95 = p95; self.p99 = p99; self.mean = mean; self.queueTime = queueTime
    }

    /// True when the server gives only a mean (no quantile could come from it).
    public var isMeanOnly: Bool {
        !p50.isValue && !p95.isValue && !p99.isValue && mean.isValue
    }
}

/// How busy a model's server is, each signal separately.
public struct SaturationSignals: Hashable, Sendable {
    /// Requests waiting to run.
    public var queueDepth: SignalValue
    /// Requests running now.
    public var inFlight: SignalValue
    /// The busiest GPU's utilization, 0...1.
    public var gpuUtilization: SignalValue
    /// GPU memory in use, bytes, summed over the server's GPUs.
    public var gpuMemoryUsed: SignalValue
    /// GPU memory in all, bytes, summed over the server's GPUs.
    public var gpuMemoryTotal: SignalValue
    /// The share of the KV cache in use (LLM servers), 0...1.
    public var kvCacheUsage: SignalValue

    public init(queueDepth: SignalValue = .notExported("not read"), inFlight: SignalValue = .notExported("not read"),
                gpuUtilization: SignalValue = .notExported("not read"), gpuMemoryUsed: SignalValue = .notExported("not read"),
                gpuMemoryTotal: SignalValue = .notExported("not read"), kvCacheUsage: SignalValue = .notExported("not read")) {
        self.queueDepth = queueDepth; self.inFlight = inFlight; self.gpuUtilization = gpuUtilization
        self.gpuMemoryUsed = gpuMemoryUsed; self.gpuMemoryTotal = gpuMemoryTotal; self.kvCacheUsage = kvCacheUsage
    }

    /// GPU memory used over total, when both are known.
    public var gpuMemoryRatio: Double? {
        guard let used = gpuMemoryUsed.value, let total = gpuMemoryTotal.value, total > 0 else { return nil }
        return used / total
    }

    /// The fullest of the ratio signals (KV cache, GPU utilization, GPU memory), for a one-number
    /// summary; nil when none is known.
    public var busiest: Double? {
        [kvCacheUsage.value, gpuUtilization.value, gpuMemoryRatio].compactMap { $0 }.max()
    }
}

/// One cause of failed requests (a Triton failure reason, an HTTP status code, a gRPC code)
/// and how much of the traffic it takes.
public struct ErrorCause: Hashable, Sendable, CustomStringConvertible {
    /// The label value naming the cause (`BACKEND`, `503`, `UNAVAILABLE`).
    public var cause: String
    /// Failed requests with this cause per second.
    public var perSecond: Double
    /// Their share of all requests, 0...1.
    public var share: Double

    public init(cause: String, perSecond: Double, share: Double) {
        self.cause = cause; self.perSecond = perSecond; self.share = share
    }

    public var description: String { "\(cause): \(share)" }
}

/// The signals of one version of a model, for comparing versions that serve at once (a canary).
public struct VersionSignals: Hashable, Sendable {
    public var version: String
    /// Requests per second to this version.
    public var traffic: SignalValue
    /// This version's share of the model's requests, 0...1.
    public var trafficShare: SignalValue
    /// This version's failed share of its own requests, 0...1.
    public var errors: SignalValue
    public var latency: LatencySignals

    public init(version: String, traffic: SignalValue, trafficShare: SignalValue, errors: SignalValue, latency: LatencySignals) {
        self.version = version; self.traffic = traffic; self.trafficShare = trafficShare
        self.errors = errors; self.latency = latency
    }

    /// The p99, or the mean when the server exports only that (see `latencyIsMean`).
    public var latencyP99: Double? { latency.p99.value ?? (latency.isMeanOnly ? latency.mean.value : nil) }
    public var latencyIsMean: Bool { latency.isMeanOnly }
}

/// Something wrong with what a server exports, found while reading a signal: a histogram
/// without `+Inf`, buckets that go backwards, a metric with the wrong type, a version label
/// that flaps. Benign gaps (one scrape so far, no requests) are not problems; they are only the
/// reasons of `.unavailable` values.
public struct SignalProblem: Hashable, Sendable, CustomStringConvertible {
    /// The signal it spoils, nil when it concerns the model as a whole (versions).
    public var signal: SignalKind?
    /// The metric (sample name) at fault.
    public var metric: String
    public var message: String

    public init(signal: SignalKind?, metric: String, message: String) {
        self.signal = signal; self.metric = metric; self.message = message
    }

    public var description: String { "\(metric): \(message)" }
}
