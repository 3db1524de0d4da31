/// The model servers (and GPU exporter) modelwatch recognizes from their metric names alone,
/// plus `.custom` for the config's `model_metrics:` mappings.
public enum ServerKind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case triton = "Triton"
    case vllm = "vLLM"
    /// KServe's Python model server, with Knative's queue-proxy metrics when they are scraped
    /// from the same endpoint (KServe's metrics aggregation).
    case kserve = "KServe"
    /// Knative's queue-proxy alone, in front of any model container.
    case knative = "Knative queue-proxy"
    /// Seldon Core 1's service orchestrator (executor).
    case seldonV1 = "Seldon Core v1"
    /// Seldon Core 2's agent, next to each inference server.
    case seldonV2 = "Seldon Core v2"
    case mlserver = "MLServer"
    case bentoml = "BentoML"
    case torchserve = "TorchServe"
    case tfServing = "TensorFlow Serving"
    case rayServe = "Ray Serve"
    /// NVIDIA's DCGM exporter: no models, GPU saturation for the model servers on its host.
    case dcgm = "DCGM exporter"
    /// A `model_metrics:` mapping from the config.
    case custom = "custom"

    public var description: String { rawValue }

    /// Metrics whose presence in a job identifies the kind (any one is enough).
    public var signatures: [String] {
        switch self {
        case .triton: return ["nv_inference_request_success"]
        case .vllm: return ["vllm:num_requests_running", "vllm:e2e_request_latency_seconds_count"]
        case .kserve: return ["request_predict_seconds_count", "request_predict_seconds_bucket"]
        case .knative: return ["revision_app_request_count"]
        case .seldonV1: return ["seldon_api_executor_client_requests_seconds_count", "seldon_api_executor_server_requests_seconds_count"]
        case .seldonV2: return ["seldon_model_infer_total"]
        case .mlserver: return ["model_infer_request_success_total", "model_infer_request_failure_total"]
        case .bentoml: return ["bentoml_service_request_total", "bentoml_service_request_duration_seconds_count",
                               "bentoml_api_server_request_total"]
        case .torchserve: return ["ts_inference_requests_total"]
        case .tfServing: return [":tensorflow:serving:request_count"]
        case .rayServe: return ["ray_serve_deployment_request_counter_total", "ray_serve_deployment_request_counter",
                                "ray_serve_num_http_requests_total", "ray_serve_num_http_requests"]
        case .dcgm: return ["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED"]
        case .custom: return []
        }
    }

    /// Whether the kind serves models (the DCGM exporter only measures GPUs).
    public var servesModels: Bool { self != .dcgm }
}
