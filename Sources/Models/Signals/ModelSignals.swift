/// The golden signals of one model at one moment, in normalized units: requests per second,
/// error share (0...1), latency in seconds, saturation (0...1). `nil` means unknown.
public struct ModelSignals: Hashable, Sendable {
    public var key: ModelKey
    public var kind: ServerKind
    /// The versions that are serving now, sorted. Empty when the server exports no version.
    public var versions: [String]
    public var requestsPerSecond: Double?
    public var errorRatio: Double?
    public var latencyP50: Double?
    public var latencyP99: Double?
    /// True when the server exports only a duration sum and count, so "p99" is really a mean.
    public var latencyIsMean: Bool
    /// The busiest saturation signal known for the model's server (GPU, KV cache, queue).
    public var saturation: Double?

    public init(key: ModelKey, kind: ServerKind, versions: [String] = [], requestsPerSecond: Double? = nil,
                errorRatio: Double? = nil, latencyP50: Double? = nil, latencyP99: Double? = nil,
                latencyIsMean: Bool = false, saturation: Double? = nil) {
        self.key = key; self.kind = kind; self.versions = versions
        self.requestsPerSecond = requestsPerSecond; self.errorRatio = errorRatio
        self.latencyP50 = latencyP50; self.latencyP99 = latencyP99
        self.latencyIsMean = latencyIsMean; self.saturation = saturation
    }
}
