/// The model servers modelwatch recognizes from their metric names alone.
public enum ServerKind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case triton = "Triton"
    case vllm = "vLLM"
    case kserve = "KServe"

    public var description: String { rawValue }

    /// The metric whose presence identifies the server kind, and the label naming the model.
    var signature: (metric: String, modelLabel: String) {
        switch self {
        case .triton: return ("nv_inference_request_success", "model")
        case .vllm: return ("vllm:num_requests_running", "model_name")
        case .kserve: return ("request_predict_seconds_count", "model_name")
        }
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
