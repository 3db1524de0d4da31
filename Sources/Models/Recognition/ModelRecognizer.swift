import Telemetry

/// Finds the models a scrape target serves and reads their golden signals, by the documented
/// metric names of each server kind.
public enum ModelRecognizer {
    /// The server kinds whose signature metric this job exports.
    public static func kinds(in store: SeriesStore, job: String) -> [ServerKind] {
        ServerKind.allCases.filter { kind in
            !store.series(named: kind.signature.metric) { $0["job"] == job }.isEmpty
        }
    }

    /// The golden signals of every model the job serves, evaluated at `at` over `window`.
    /// `freshness` is how recent a sample must be to count as present (about one scrape interval).
    public static func signals(in store: SeriesStore, job: String, at: Timestamp,
                               window: Milliseconds = .minutes(1),
                               freshness: Milliseconds = .seconds(30)) -> [ModelSignals] {
        let query = StoreQuery(store: store, job: job, at: at, window: window, freshness: freshness)
        var result: [ModelSignals] = []
        for kind in kinds(in: store, job: job) {
            let names = Set(query.latestValues(kind.signature.metric).compactMap { $0.0[kind.signature.modelLabel] })
            let modelCount = names.count
            for name in names.sorted() {
                let key = ModelKey(job: job, name: name)
                switch kind {
                case .triton: result.append(triton(key, query))
                case .vllm: result.append(vllm(key, query, soleModel: modelCount == 1))
                case .kserve: result.append(kserve(key, query, soleModel: modelCount == 1))
                }
            }
        }
        return result
    }

    static func triton(_ key: ModelKey, _ q: StoreQuery) -> ModelSignals {
        let isModel: (Labels) -> Bool = { $0["model"] == key.name }
        let versions = Set(q.latestValues("nv_inference_request_success", isModel).compactMap { $0.0["version"] })
        let success = q.sumRate("nv_inference_request_success", isModel)
        let failure = q.sumRate("nv_inference_request_failure", isModel)
        var signals = ModelSignals(key: key, kind: .triton, versions: versions.sorted())
        if let s = success {
            let total = s + (failure ?? 0)
            signals.requestsPerSecond = total
            signals.errorRatio = total > 0 ? (failure ?? 0) / total : 0
        }
        let p99 = q.latestValues("nv_inference_request_summary_us") { isModel($0) && $0["quantile"] == "0.99" }
            .map(\.1).filter { $0.isFinite }
        let p50 = q.latestValues("nv_inference_request_summary_us") { isModel($0) && $0["quantile"] == "0.5" }
            .map(\.1).filter { $0.isFinite }
        if let worst = p99.max() {
            signals.latencyP99 = worst / 1_000_000
            signals.latencyP50 = p50.max().map { $0 / 1_000_000 }
        } else if let micros = q.sumIncrease("nv_inference_request_duration_us", isModel),
                  let count = q.sumIncrease("nv_inference_request_success", isModel), count > 0 {
            signals.latencyP99 = micros / count / 1_000_000
            signals.latencyIsMean = true
        }
        let gpu = q.latestValues("nv_gpu_utilization").map(\.1).filter { $0.isFinite }
        signals.saturation = gpu.max()
        return signals
    }

    static func vllm(_ key: ModelKey, _ q: StoreQuery, soleModel: Bool) -> ModelSignals {
        let isModel: (Labels) -> Bool = { $0["model_name"] == key.name }
        var signals = ModelSignals(key: key, kind: .vllm)
        let isAPI: (Labels) -> Bool = { ($0["handler"] ?? "").hasPrefix("/v1/") }
        if soleModel, let all = q.sumRate("http_requests_total", isAPI) {
            let failed = q.sumRate("http_requests_total") { isAPI($0) && $0["status"] == "5xx" } ?? 0
            signals.requestsPerSecond = all
            signals.errorRatio = all > 0 ? failed / all : 0
        } else if let ok = q.sumRate("vllm:request_success_total", isModel) {
            signals.requestsPerSecond = ok
        }
        signals.latencyP99 = q.histogramQuantile(0.99, "vllm:e2e_request_latency_seconds", isModel)
        signals.latencyP50 = q.histogramQuantile(0.5, "vllm:e2e_request_latency_seconds", isModel)
        signals.saturation = q.latestValues("vllm:gpu_cache_usage_perc", isModel).map(\.1).filter { $0.isFinite }.max()
        return signals
    }

    static func kserve(_ key: ModelKey, _ q: StoreQuery, soleModel: Bool) -> ModelSignals {
        let isModel: (Labels) -> Bool = { $0["model_name"] == key.name }
        var signals = ModelSignals(key: key, kind: .kserve)
        // Knative's queue-proxy counts every request with its response code; with one model
        // per endpoint (KServe's metric aggregation) those are this model's requests.
        if soleModel, let all = q.sumRate("revision_app_request_count") {
            let failed = q.sumRate("revision_app_request_count") { $0["response_code_class"] == "5xx" } ?? 0
            signals.requestsPerSecond = all
            signals.errorRatio = all > 0 ? failed / all : 0
            let revisions = Set(q.latestValues("revision_app_request_count").compactMap { $0.0["revision_name"] })
            signals.versions = revisions.map(revisionNumber).sorted()
            if let ms = q.histogramQuantile(0.99, "revision_app_request_latencies") {
                signals.latencyP99 = ms / 1000
                signals.latencyP50 = q.histogramQuantile(0.5, "revision_app_request_latencies").map { $0 / 1000 }
            }
        } else {
            signals.requestsPerSecond = q.sumRate("request_predict_seconds_count", isModel)
        }
        if signals.latencyP99 == nil {
            signals.latencyP99 = q.histogramQuantile(0.99, "request_predict_seconds", isModel)
            signals.latencyP50 = q.histogramQuantile(0.5, "request_predict_seconds", isModel)
        }
        return signals
    }

    /// `churn-predictor-predictor-00007` → `00007`: Knative numbers revisions.
    public static func revisionNumber(_ revision: String) -> String {
        guard let dash = revision.lastIndex(of: "-") else { return revision }
        let suffix = revision[revision.index(after: dash)...]
        return suffix.allSatisfy(\.isNumber) && !suffix.isEmpty ? String(suffix) : revision
    }
}
