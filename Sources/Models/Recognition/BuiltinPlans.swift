import Telemetry

/// What a plan builder may ask about a job before choosing how to read it.
struct JobFacts {
    /// Whether the job has any series of this sample name.
    let has: (String) -> Bool
    /// The distinct values of `label` on the job's fresh series of `name`.
    let labelValues: (_ name: String, _ label: String) -> Set<String>
}

/// How each server kind's documented metrics map onto the signals. Names, types, units and
/// labels are the servers' own (see `docs/models.md`); scales turn them into seconds, ratios
/// and bytes.
enum BuiltinPlans {
    static let micro = 1e-6
    static let milli = 1e-3
    static let mebibyte = 1_048_576.0

    /// The plan for `kind` on a job, or nil when the kind has no models there.
    static func plan(for kind: ServerKind, facts: JobFacts) -> SignalPlan? {
        switch kind {
        case .triton: return triton()
        case .vllm: return vllm(facts)
        case .kserve: return kserve(facts)
        case .knative: return facts.has(ServerKind.kserve.signatures[0]) || facts.has(ServerKind.kserve.signatures[1]) ? nil : knative()
        case .seldonV1: return seldonV1(facts)
        case .seldonV2: return seldonV2()
        case .mlserver: return mlserver()
        case .bentoml: return bentoml(facts)
        case .torchserve: return torchserve(facts)
        case .tfServing: return tfServing()
        case .rayServe: return rayServe(facts)
        case .dcgm, .custom: return nil
        }
    }

    // MARK: NVIDIA Triton

    /// Triton: per model and version counters (`model`, `version` labels), cumulative µs duration
    /// counters, optional µs summaries (`--metrics-config summary_latencies=true`), failures by
    /// `reason`, a pending-request gauge per model, and GPU gauges per `gpu_uuid`.
    static func triton() -> SignalPlan {
        func model(_ name: String, _ type: MetricType) -> MetricRef { MetricRef(name, type, model: "model", version: "version") }
        let success = model("nv_inference_request_success", .counter)
        let failure = model("nv_inference_request_failure", .counter)
        func gpu(_ name: String) -> MetricRef { MetricRef(name, .gauge) }
        return SignalPlan(
            kind: .triton, models: success, versions: success, versionsNotExported: "",
            traffic: .counters([success, failure]),
            errors: .failures([failure], causeLabel: "reason", total: nil),
            latency: [.summary(model("nv_inference_request_summary_us", .summary), scale: micro),
                      .mean(MeanPlan(sum: model("nv_inference_request_duration_us", .counter), count: [success], scale: micro))],
            queueTime: MeanPlan(sum: model("nv_inference_queue_duration_us", .counter), count: [success], scale: micro),
            saturation: [
                SaturationPlan(signal: .queueDepth, sources: [SaturationSource(refs: [model("nv_inference_pending_request_count", .gauge)], combine: .sum)]),
                SaturationPlan(signal: .gpuUtilization, sources: [SaturationSource(refs: [gpu("nv_gpu_utilization")], combine: .max, isRatio: true)]),
                SaturationPlan(signal: .gpuMemoryUsed, sources: [SaturationSource(refs: [gpu("nv_gpu_memory_used_bytes")], combine: .sum)]),
                SaturationPlan(signal: .gpuMemoryTotal, sources: [SaturationSource(refs: [gpu("nv_gpu_memory_total_bytes")], combine: .sum)]),
            ],
            notes: ["failures by reason (REJECTED, CANCELED, BACKEND, OTHER) where Triton reports one"])
    }

    // MARK: vLLM

    /// vLLM's OpenAI server: per-model (`model_name`) gauges and seconds histograms. Failed requests
    /// are counted only by the HTTP instrumentator (`http_requests_total{status="5xx"}`), per
    /// server: used when the server serves one model.
    static func vllm(_ facts: JobFacts) -> SignalPlan {
        func model(_ name: String, _ type: MetricType) -> MetricRef { MetricRef(name, type, model: "model_name") }
        let running = model("vllm:num_requests_running", .gauge)
        let e2e = model("vllm:e2e_request_latency_seconds", .histogram)
        let served = facts.labelValues(running.name, "model_name").union(facts.labelValues(e2e.name + "_count", "model_name"))
        let api = MetricRef("http_requests_total", .counter, filter: { ($0["handler"] ?? "").hasPrefix("/v1/") })
        let traffic: TrafficPlan
        let errors: ErrorPlan
        if served.count == 1 && facts.has("http_requests_total") {
            traffic = .counters([api])
            errors = .statusLabel(api, label: "status", isError: StatusCode.isServerError, describe: "5xx")
        } else {
            traffic = .counters([model("vllm:request_success_total", .counter)])
            errors = .notExported(served.count > 1
                ? "vLLM counts failed requests only per server (http_requests_total), and this one serves \(served.count) models"
                : "vLLM counts failed requests only in http_requests_total, which this target does not export")
        }
        return SignalPlan(
            kind: .vllm, models: facts.has(running.name) ? running : e2e.renamed(e2e.name + "_count", expected: .histogram),
            versions: nil, versionsNotExported: "vLLM labels models by served name only, without a version",
            traffic: traffic, errors: errors,
            latency: [.histogram(e2e, scale: 1)],
            queueTime: facts.has("vllm:request_queue_time_seconds_sum")
                ? MeanPlan(sum: model("vllm:request_queue_time_seconds_sum", .histogram),
                           count: [model("vllm:request_queue_time_seconds_count", .histogram)], scale: 1) : nil,
            saturation: [
                SaturationPlan(signal: .queueDepth, sources: [SaturationSource(refs: [model("vllm:num_requests_waiting", .gauge)], combine: .sum)]),
                SaturationPlan(signal: .inFlight, sources: [SaturationSource(refs: [running], combine: .sum)]),
                // vLLM's V1 engine renamed the gauge (the old name is deprecated); either is a 0...1 share.
                SaturationPlan(signal: .kvCacheUsage, sources: [
                    SaturationSource(refs: [model("vllm:kv_cache_usage_perc", .gauge)], combine: .max, isRatio: true),
                    SaturationSource(refs: [model("vllm:gpu_cache_usage_perc", .gauge)], combine: .max, isRatio: true),
                ]),
            ])
    }

    // MARK: KServe and Knative

    /// Knative's queue-proxy in front of one revision's container: requests by `response_code`,
    /// latencies in milliseconds, per `revision_name` (whose number is the version).
    static func queueProxy(model: String?) -> (requests: MetricRef, latencies: MetricRef, depth: MetricRef) {
        let number: @Sendable (String) -> String = { ModelRecognizer.revisionNumber($0) }
        return (MetricRef("revision_app_request_count", .counter, model: model, version: "revision_name", versionOf: number),
                MetricRef("revision_app_request_latencies", .histogram, model: model, version: "revision_name", versionOf: number),
                MetricRef("revision_queue_depth", .gauge, model: model))
    }

    /// KServe's model server: `request_{preprocess,predict,postprocess,explain}_seconds`
    /// histograms by `model_name`, no request or failure counters. When the job also carries the
    /// queue-proxy's metrics (KServe aggregates them on one port) and serves one model, those
    /// give traffic, failures, end-to-end latency and the revision as version.
    static func kserve(_ facts: JobFacts) -> SignalPlan {
        let predict = MetricRef("request_predict_seconds", .histogram, model: "model_name")
        let modelsRef = predict.renamed(predict.name + "_count")
        let served = facts.labelValues(modelsRef.name, "model_name")
        if served.count == 1, facts.has("revision_app_request_count") {
            let qp = queueProxy(model: nil)
            return SignalPlan(
                kind: .kserve, models: modelsRef, versions: qp.requests, versionsNotExported: "",
                traffic: .counters([qp.requests]),
                errors: .statusLabel(qp.requests, label: "response_code", isError: StatusCode.isServerError, describe: "5xx"),
                latency: [.histogram(qp.latencies, scale: milli), .histogram(predict, scale: 1)],
                saturation: [queueDepth(qp.depth)],
                notes: ["traffic, errors, latency and versions from Knative's queue-proxy (one model behind it)"])
        }
        return SignalPlan(
            kind: .kserve, models: modelsRef, versions: nil,
            versionsNotExported: "KServe's model server labels no version; Knative's queue-proxy metrics would give revisions",
            traffic: .counters([modelsRef]),
            errors: .notExported("KServe's model server counts no failed requests; Knative's queue-proxy metrics would"),
            latency: [.histogram(predict, scale: 1)],
            saturation: [])
    }

    /// Knative's queue-proxy without KServe: the model is the Knative configuration.
    static func knative() -> SignalPlan {
        let qp = queueProxy(model: "configuration_name")
        return SignalPlan(
            kind: .knative, models: qp.requests, versions: qp.requests, versionsNotExported: "",
            traffic: .counters([qp.requests]),
            errors: .statusLabel(qp.requests, label: "response_code", isError: StatusCode.isServerError, describe: "5xx"),
            latency: [.histogram(qp.latencies, scale: milli)],
            saturation: [queueDepth(qp.depth)])
    }

    /// The queue-proxy's queue depth. Knative reports it only for revisions with a
    /// container-concurrency limit, so without one it is "unavailable: no fresh
    /// revision_queue_depth series".
    static func queueDepth(_ ref: MetricRef) -> SaturationPlan {
        SaturationPlan(signal: .queueDepth, sources: [SaturationSource(refs: [ref], combine: .sum)])
    }

    // MARK: Seldon Core

    /// Seldon Core 1's executor: seconds histograms of the requests it sends to each model
    /// (`client`, labelled `model_name`, `model_version` = image tag, `code`) and of those it
    /// receives (`server`, per `deployment_name` and `predictor_name`). Models come from the
    /// client metrics; a job with only the server metrics shows one model per deployment, its
    /// predictors as versions.
    static func seldonV1(_ facts: JobFacts) -> SignalPlan {
        let client = MetricRef("seldon_api_executor_client_requests_seconds", .histogram, model: "model_name", version: "model_version")
        let server = MetricRef("seldon_api_executor_server_requests_seconds", .histogram, model: "deployment_name", version: "predictor_name")
        let chosen = facts.has(client.name + "_count") ? client : server
        let count = chosen.renamed(chosen.name + "_count")
        return SignalPlan(
            kind: .seldonV1, models: count, versions: count, versionsNotExported: "",
            traffic: .counters([count]),
            errors: .statusLabel(count, label: "code", isError: StatusCode.isServerError, describe: "5xx or a gRPC server error"),
            latency: [.histogram(chosen, scale: 1)],
            saturation: [],
            notes: chosen.name == server.name ? ["only the executor's server metrics: one model per deployment, predictors as versions"] : [])
    }

    /// Seldon Core 2's agent: counters per `model` and `model_internal` (`iris_3`: version 3) by
    /// `code`; latency only as a cumulative seconds counter, so a mean.
    static func seldonV2() -> SignalPlan {
        let infer = MetricRef("seldon_model_infer_total", .counter, model: "model", version: "model_internal",
                              versionOf: { ModelRecognizer.suffixVersion($0) })
        let seconds = infer.renamed("seldon_model_infer_seconds_total")
        return SignalPlan(
            kind: .seldonV2, models: infer, versions: infer, versionsNotExported: "",
            traffic: .counters([infer]),
            errors: .statusLabel(infer, label: "code", isError: StatusCode.isServerError, describe: "5xx or a gRPC server error"),
            latency: [.mean(MeanPlan(sum: seconds, count: [infer], scale: 1))],
            saturation: [],
            notes: ["latency is a mean: Seldon Core 2 exports per-model durations only as a cumulative counter"])
    }

    // MARK: MLServer

    /// MLServer: success and failure counters and a seconds summary without quantiles, per
    /// `model` and `version` (prometheus_client adds `_total`).
    static func mlserver() -> SignalPlan {
        func model(_ name: String, _ type: MetricType) -> MetricRef { MetricRef(name, type, model: "model", version: "version") }
        let success = model("model_infer_request_success_total", .counter)
        let failure = model("model_infer_request_failure_total", .counter)
        return SignalPlan(
            kind: .mlserver, models: success, versions: success, versionsNotExported: "",
            traffic: .counters([success, failure]),
            errors: .failures([failure], causeLabel: nil, total: nil),
            latency: [.summary(model("model_infer_request_duration", .summary), scale: 1)],
            saturation: [],
            notes: ["MLServer's request-duration summary has no quantiles: latency is a mean",
                    "MLServer's queue sizes are histograms of observations, not a current depth"])
    }

    // MARK: BentoML

    /// BentoML: per `service_name` and `service_version`, requests by `http_response_code`, a
    /// seconds histogram and an in-progress gauge, under the `bentoml_service` namespace (1.2+)
    /// or `bentoml_api_server` (1.0, 1.1). Series of the runners a service calls carry a
    /// `runner_name` other than the service's and are left out, so that a request is not
    /// counted twice.
    static func bentoml(_ facts: JobFacts) -> SignalPlan {
        let stem = facts.has("bentoml_service_request_total") || facts.has("bentoml_service_request_duration_seconds_count")
            ? "bentoml_service" : "bentoml_api_server"
        let serviceItself: @Sendable (Labels) -> Bool = { labels in
            guard let runner = labels["runner_name"] else { return true }
            return runner == labels["service_name"]
        }
        func service(_ name: String, _ type: MetricType) -> MetricRef {
            MetricRef(stem + name, type, model: "service_name", version: "service_version", filter: serviceItself)
        }
        let requests = service("_request_total", .counter)
        return SignalPlan(
            kind: .bentoml, models: requests, versions: requests, versionsNotExported: "",
            traffic: .counters([requests]),
            errors: .statusLabel(requests, label: "http_response_code", isError: StatusCode.isServerError, describe: "5xx"),
            latency: [.histogram(service("_request_duration_seconds", .histogram), scale: 1)],
            saturation: [SaturationPlan(signal: .inFlight, sources: [SaturationSource(refs: [service("_request_in_progress", .gauge)], combine: .sum)])])
    }

    // MARK: TorchServe

    /// TorchServe (metrics_mode prometheus): per `model_name` and `model_version`, a request
    /// counter and cumulative µs inference and queue counters (so means). Response codes are
    /// counted per host only (`Requests2XX`/`4XX`/`5XX`): used when the server serves one model.
    static func torchserve(_ facts: JobFacts) -> SignalPlan {
        func model(_ name: String) -> MetricRef { MetricRef(name, .counter, model: "model_name", version: "model_version") }
        let requests = model("ts_inference_requests_total")
        let served = facts.labelValues(requests.name, "model_name")
        let byCode = ["Requests2XX", "Requests4XX", "Requests5XX"].map { MetricRef($0, .counter) }
        let errors: ErrorPlan = served.count == 1 && facts.has("Requests5XX")
            ? .failures([byCode[2]], causeLabel: nil, total: byCode)
            : .notExported(served.count > 1
                ? "TorchServe counts response codes per host (Requests5XX), and this one serves \(served.count) models"
                : "TorchServe counts failed requests only per host (Requests5XX), which this target does not export")
        let host: (String) -> MetricRef = { MetricRef($0, .gauge) }
        return SignalPlan(
            kind: .torchserve, models: requests, versions: requests, versionsNotExported: "",
            traffic: .counters([requests]),
            errors: errors,
            latency: [.mean(MeanPlan(sum: model("ts_inference_latency_microseconds"), count: [requests], scale: micro))],
            queueTime: MeanPlan(sum: model("ts_queue_latency_microseconds"), count: [requests], scale: micro),
            saturation: [
                SaturationPlan(signal: .gpuUtilization, sources: [SaturationSource(refs: [host("GPUUtilization")], scale: 0.01, combine: .max, isRatio: true)]),
                SaturationPlan(signal: .gpuMemoryUsed, sources: [SaturationSource(refs: [host("GPUMemoryUsed")], scale: mebibyte, combine: .sum)]),
            ],
            notes: ["latency and queue time are means: TorchServe exports cumulative microsecond counters"])
    }

    // MARK: TensorFlow Serving

    /// TensorFlow Serving's Prometheus endpoint: `:tensorflow:serving:request_count` by
    /// `model_name` and `status`, `:tensorflow:serving:request_latency` µs histograms by
    /// `model_name`, `API` and `entrypoint`. No version label.
    static func tfServing() -> SignalPlan {
        let count = MetricRef(":tensorflow:serving:request_count", .counter, model: "model_name")
        return SignalPlan(
            kind: .tfServing, models: count, versions: nil,
            versionsNotExported: "TensorFlow Serving labels requests by model name only",
            traffic: .counters([count]),
            errors: .statusLabel(count, label: "status", isError: StatusCode.isServerError, describe: "a server-side status"),
            latency: [.histogram(MetricRef(":tensorflow:serving:request_latency", .histogram, model: "model_name"), scale: micro)],
            saturation: [])
    }

    // MARK: Ray Serve

    /// Ray Serve: per `deployment` (and `replica`), request and error counters (`_total` since
    /// Ray 2.10; before, the same names without it, typed gauge), a millisecond processing
    /// histogram, and gauges of queued and running queries. No version label.
    static func rayServe(_ facts: JobFacts) -> SignalPlan {
        let modern = facts.has("ray_serve_deployment_request_counter_total")
        func counter(_ stem: String) -> MetricRef {
            MetricRef(modern ? stem + "_total" : stem, .counter, model: "deployment", alsoAccepted: modern ? [] : [.gauge])
        }
        let requests = counter("ray_serve_deployment_request_counter")
        let failures = counter("ray_serve_deployment_error_counter")
        func gauge(_ name: String) -> MetricRef { MetricRef(name, .gauge, model: "deployment") }
        return SignalPlan(
            kind: .rayServe, models: requests, versions: nil,
            versionsNotExported: "Ray Serve labels deployments and replicas, not versions",
            traffic: .counters([requests]),
            errors: .failures([failures], causeLabel: nil, total: nil),
            latency: [.histogram(MetricRef("ray_serve_deployment_processing_latency_ms", .histogram, model: "deployment"), scale: milli)],
            saturation: [
                SaturationPlan(signal: .queueDepth, sources: [SaturationSource(refs: [gauge("ray_serve_deployment_queued_queries")], combine: .sum)]),
                SaturationPlan(signal: .inFlight, sources: [SaturationSource(refs: [gauge("ray_serve_replica_processing_queries")], combine: .sum)]),
            ],
            notes: modern ? [] : ["Ray before 2.10 exports its counters as gauges without _total: read as counters"])
    }

    // MARK: NVIDIA DCGM exporter

    /// The DCGM exporter's GPU gauges, from any target on the same host: utilization in percent,
    /// framebuffer memory in MiB (total = used + free + reserved).
    static let dcgmSaturation: [SaturationPlan] = {
        func gpu(_ name: String) -> MetricRef { MetricRef(name, .gauge, sameHost: true) }
        return [
            SaturationPlan(signal: .gpuUtilization, sources: [SaturationSource(refs: [gpu("DCGM_FI_DEV_GPU_UTIL")], scale: 0.01, combine: .max, isRatio: true)]),
            SaturationPlan(signal: .gpuMemoryUsed, sources: [SaturationSource(refs: [gpu("DCGM_FI_DEV_FB_USED")], scale: mebibyte, combine: .sum)]),
            SaturationPlan(signal: .gpuMemoryTotal, sources: [SaturationSource(
                refs: [gpu("DCGM_FI_DEV_FB_USED"), gpu("DCGM_FI_DEV_FB_FREE"), gpu("DCGM_FI_DEV_FB_RESERVED")], scale: mebibyte, combine: .sum)]),
        ]
    }()
}

/// Which status codes count as failed requests.
enum StatusCode {
    /// gRPC codes that mean the server failed (as Google's API design maps them to HTTP 5xx, plus
    /// RESOURCE_EXHAUSTED for an overloaded server), in any spelling: `Unavailable`,
    /// `UNAVAILABLE`, `DEADLINE_EXCEEDED`.
    static let grpcServerErrors: Set<String> = ["unknown", "deadlineexceeded", "resourceexhausted", "internal",
                                                "unavailable", "dataloss", "unimplemented"]

    /// An HTTP 5xx (`503`, or a class `5xx`) or a server-side gRPC code. Client errors (4xx,
    /// InvalidArgument, NotFound) are the caller's, so they are not the model's error share.
    @Sendable static func isServerError(_ code: String) -> Bool {
        if let first = code.first, first == "5", code.count == 3 { return true }
        let folded = String(code.lowercased().filter { $0 != "_" })
        return grpcServerErrors.contains(folded)
    }
}
