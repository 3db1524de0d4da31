import Models
import Telemetry
import Testing

/// Each server kind in `sample-data/servers/`, scraped twice 15 s apart: the kind, the models
/// and versions, and every signal in normalized units (req/s, ratios, seconds, bytes).
@Suite struct ServerRecognitionTests {
    typealias F = ServerFixture

    @Test func triton() throws {
        let scraped = try ScrapedJob("triton.prom", job: "triton")
        let found = scraped.recognize()
        #expect(found.kinds == [.triton])
        #expect(found.models.map(\.key.name) == ["fraud-detector", "image-embedder"])
        let file = try F.families("triton.prom")
        let fraud = try scraped.model("fraud-detector")
        #expect(fraud.kind == .triton)
        #expect(fraud.versions == ["3", "4"])
        let isFraud = ["model": "fraud-detector"]
        let success = F.sum(file, "nv_inference_request_success", isFraud)
        let failed = F.sum(file, "nv_inference_request_failure", isFraud)
        #expect(close(fraud.traffic.value, rate(success + failed)), "\(fraud.traffic)")
        #expect(close(fraud.errors.value, failed / (success + failed)), "\(fraud.errors)")
        #expect(fraud.errorCauses.first?.cause == "BACKEND")
        #expect(close(fraud.errorCauses.first?.share, F.sum(file, "nv_inference_request_failure", isFraud.merging(["reason": "BACKEND"]) { a, _ in a }) / (success + failed)))
        // Summary quantiles in µs, read as seconds: the worse version's (4) at model level.
        #expect(close(fraud.latency.p99.value, F.sum(file, "nv_inference_request_summary_us", ["model": "fraud-detector", "version": "4", "quantile": "0.99"]) / 1e6))
        #expect(close(fraud.latency.p50.value, F.sum(file, "nv_inference_request_summary_us", ["model": "fraud-detector", "version": "4", "quantile": "0.5"]) / 1e6))
        #expect(fraud.latency.p95.isValue)
        #expect(close(fraud.latency.mean.value, F.sum(file, "nv_inference_request_summary_us_sum", isFraud) / F.sum(file, "nv_inference_request_summary_us_count", isFraud) / 1e6))
        #expect(!fraud.latencyIsMean)
        #expect(close(fraud.latency.queueTime.value, F.sum(file, "nv_inference_queue_duration_us", isFraud) / success / 1e6))
        // Saturation: each on its own, GPUs of the whole server.
        #expect(fraud.saturationSignals.queueDepth.value == 3)
        #expect(fraud.saturationSignals.gpuUtilization.value == 0.71)
        #expect(fraud.saturationSignals.gpuMemoryUsed.value == F.sum(file, "nv_gpu_memory_used_bytes"))
        #expect(fraud.saturationSignals.gpuMemoryTotal.value == 2 * 24_146_608_128.0)
        #expect(fraud.saturationSignals.inFlight.reason != nil && !fraud.saturationSignals.inFlight.isValue)
        #expect(fraud.saturationSignals.kvCacheUsage == .notExported("Triton exports no KV-cache usage"))
        // The canary: version 4 takes a tenth of the traffic with far more errors and a worse p99.
        #expect(fraud.byVersion.map(\.version) == ["3", "4"])
        let v3 = fraud.byVersion[0], v4 = fraud.byVersion[1]
        #expect(close((v3.trafficShare.value ?? 0) + (v4.trafficShare.value ?? 0), 1))
        #expect((v4.trafficShare.value ?? 1) < 0.15)
        let v4Failed = F.sum(file, "nv_inference_request_failure", ["model": "fraud-detector", "version": "4"])
        let v4Success = F.sum(file, "nv_inference_request_success", ["model": "fraud-detector", "version": "4"])
        #expect(close(v4.errors.value, v4Failed / (v4Failed + v4Success)))
        #expect((v4.errors.value ?? 0) > 10 * (v3.errors.value ?? 1))
        #expect((v4.latencyP99 ?? 0) > (v3.latencyP99 ?? 1))
        #expect(fraud.problems.isEmpty, "\(fraud.problems)")
        #expect(fraud.sources[.traffic] == "nv_inference_request_success + nv_inference_request_failure")

        let embedder = try scraped.model("image-embedder")
        #expect(embedder.versions == ["1"])
        #expect(embedder.byVersion.first?.trafficShare == .value(1))
        #expect(found.gpus?.count == 2)
    }

    @Test func tritonFromOneScrapeGivesInstantValuesAndSaysWhyNotRates() throws {
        let once = try ScrapedJob("triton.prom", job: "triton", twice: false)
        let fraud = try once.model("fraud-detector")
        #expect(fraud.traffic.reason?.contains("needs two scrapes") == true, "\(fraud.traffic)")
        #expect(fraud.errors.reason?.contains("needs two scrapes") == true, "\(fraud.errors)")
        #expect(fraud.latency.p99.isValue, "a summary's quantiles are instant values")
        #expect(fraud.saturationSignals.gpuUtilization.isValue)
        #expect(fraud.problems.isEmpty)
    }

    @Test func vllm() throws {
        let scraped = try ScrapedJob("vllm.prom", job: "vllm")
        let found = scraped.recognize()
        #expect(found.kinds == [.vllm])
        let file = try F.families("vllm.prom")
        let llama = try scraped.model("llama-3-8b-instruct")
        #expect(llama.versions.isEmpty)
        #expect(found.notes.contains { $0.contains("without a version") })
        let api: (Labels) -> Bool = { ($0["handler"] ?? "").hasPrefix("/v1/") }
        let all = F.sum(file, "http_requests_total", where: api)
        #expect(close(llama.traffic.value, rate(all)))
        #expect(close(llama.errors.value, F.sum(file, "http_requests_total", ["status": "5xx"], where: api) / all))
        #expect(llama.errorCauses.map(\.cause) == ["5xx"])
        #expect(close(llama.latency.p99.value, F.quantile(0.99, file, "vllm:e2e_request_latency_seconds")))
        #expect(close(llama.latency.p50.value, F.quantile(0.5, file, "vllm:e2e_request_latency_seconds")))
        #expect((2...60).contains(llama.latency.p99.value ?? 0), "seconds")
        #expect(llama.saturationSignals.kvCacheUsage.value == 0.8312)
        #expect(llama.saturationSignals.queueDepth.value == 4)
        #expect(llama.saturationSignals.inFlight.value == 23)
        #expect(llama.saturationSignals.gpuUtilization.reason?.contains("DCGM") == true)
        #expect(llama.saturation == 0.8312)
        #expect(llama.problems.isEmpty, "\(llama.problems)")
    }

    @Test func dcgmGPUsAttachToModelsOnTheSameHost() throws {
        var scraped = try ScrapedJob("vllm.prom", job: "vllm", instance: "gpu-node-1:8000")
        try scraped.add("dcgm-exporter.prom", job: "dcgm", instance: "gpu-node-1:9400")
        let llama = try scraped.model("llama-3-8b-instruct")
        let mib = 1_048_576.0
        #expect(llama.saturationSignals.gpuUtilization.value == 0.91, "the busiest GPU, percent as a ratio")
        #expect(llama.saturationSignals.gpuMemoryUsed.value == (17_210 + 21_904) * mib)
        #expect(llama.saturationSignals.gpuMemoryTotal.value == (17_210 + 5_293 + 438 + 21_904 + 599 + 438) * mib)
        #expect(llama.sources[.gpuUtilization] == "DCGM_FI_DEV_GPU_UTIL")

        // On another host they stay apart.
        var elsewhere = try ScrapedJob("vllm.prom", job: "vllm", instance: "gpu-node-2:8000")
        try elsewhere.add("dcgm-exporter.prom", job: "dcgm", instance: "gpu-node-1:9400")
        #expect(!(try elsewhere.model("llama-3-8b-instruct")).saturationSignals.gpuUtilization.isValue)
    }

    @Test func dcgmExporterAlone() throws {
        let scraped = try ScrapedJob("dcgm-exporter.prom", job: "dcgm", instance: "gpu-node-1:9400")
        let found = scraped.recognize()
        #expect(found.kinds == [.dcgm])
        #expect(found.models.isEmpty)
        #expect(found.gpus?.count == 2)
        #expect(found.gpus?.utilization == .value(0.91))
    }

    @Test func kserveWithItsQueueProxy() throws {
        let scraped = try ScrapedJob("kserve.prom", job: "kserve-churn")
        let found = scraped.recognize()
        #expect(found.kinds == [.kserve], "the queue-proxy folds into KServe")
        let file = try F.families("kserve.prom")
        let churn = try scraped.model("churn-predictor")
        #expect(churn.versions == ["00004"], "the Knative revision's number")
        let all = F.sum(file, "revision_app_request_count")
        #expect(close(churn.traffic.value, rate(all)))
        #expect(close(churn.errors.value, (97 + 5) / all))
        #expect(churn.errorCauses.map(\.cause) == ["500", "503"])
        #expect(close(churn.latency.p99.value, F.quantile(0.99, file, "revision_app_request_latencies") / 1000), "ms as seconds")
        #expect((0.01...1).contains(churn.latency.p99.value ?? 0))
        #expect(churn.saturationSignals.queueDepth.value == 3)
        #expect(churn.problems.isEmpty, "\(churn.problems)")
    }

    @Test func kserveCanaryAcrossTwoPods() throws {
        // A canary rollout: the old revision's pod and the new one's, both targets of one job.
        let text = try F.text("kserve.prom")
        let old = text.replacingOccurrences(of: "00004", with: "00003")
        var store = SeriesStore(retention: .minutes(60))
        for (exposition, pod) in [(text, "10.1.0.4:8080"), (old, "10.1.0.9:8080")] {
            let families = try TextFormatParser.parse(exposition)
            let target = Labels(["job": "churn", "instance": pod])
            store.ingest(families, at: ScrapedJob.start, targetLabels: target)
            store.ingest(F.grown(families, by: pod.hasSuffix("4:8080") ? 0.01 : 0.1), at: ScrapedJob.start + .seconds(15), targetLabels: target)
        }
        let churn = try #require(ModelRecognizer.signals(in: store, job: "churn", at: ScrapedJob.start + .seconds(15), window: .seconds(30)).first)
        #expect(churn.versions == ["00003", "00004"])
        let shares = churn.byVersion.map { $0.trafficShare.value ?? -1 }
        #expect(close(shares[0], 0.1 / 0.11) && close(shares[1], 0.01 / 0.11), "\(shares)")
        #expect(churn.byVersion.allSatisfy { $0.latencyP99 != nil && $0.errors.isValue })
    }

    @Test func kserveModelServerAlone() throws {
        // Without the queue-proxy's metrics: requests from the predict histogram, no failures.
        var file = try F.families("kserve.prom")
        file.removeAll { $0.name.hasPrefix("revision_") }
        var store = SeriesStore(retention: .minutes(60))
        let target = Labels(["job": "churn", "instance": "churn:8080"])
        store.ingest(file, at: ScrapedJob.start, targetLabels: target)
        store.ingest(F.grown(file, by: 0.1), at: ScrapedJob.start + .seconds(15), targetLabels: target)
        let churn = try #require(ModelRecognizer.signals(in: store, job: "churn", at: ScrapedJob.start + .seconds(15),
                                                         window: .seconds(30), types: MetricTypes(families: file)).first)
        #expect(churn.kind == .kserve)
        #expect(close(churn.traffic.value, rate(F.sum(file, "request_predict_seconds_count"))))
        #expect(churn.errors.reason?.contains("queue-proxy") == true)
        #expect(close(churn.latency.p99.value, F.quantile(0.99, file, "request_predict_seconds")))
        #expect(churn.versions.isEmpty)
    }

    @Test func knativeQueueProxy() throws {
        let scraped = try ScrapedJob("knative-queue-proxy.prom", job: "sentiment")
        #expect(scraped.recognize().kinds == [.knative])
        let file = try F.families("knative-queue-proxy.prom")
        let sentiment = try scraped.model("sentiment-api")
        #expect(sentiment.versions == ["00012"])
        let all = F.sum(file, "revision_app_request_count")
        #expect(close(sentiment.traffic.value, rate(all)))
        #expect(close(sentiment.errors.value, (31 + 1406) / all), "404 is the caller's error, not the model's")
        #expect(close(sentiment.latency.p99.value, F.quantile(0.99, file, "revision_app_request_latencies") / 1000))
        #expect(sentiment.saturationSignals.queueDepth.value == 7)
    }

    @Test func seldonCoreV1() throws {
        let scraped = try ScrapedJob("seldon-core-v1.prom", job: "seldon")
        #expect(scraped.recognize().kinds == [.seldonV1])
        let file = try F.families("seldon-core-v1.prom")
        let classifier = try scraped.model("classifier")
        #expect(classifier.versions == ["1.15.0", "1.16.0"], "model_version: the image tag")
        let count = "seldon_api_executor_client_requests_seconds_count"
        let all = F.sum(file, count)
        #expect(close(classifier.traffic.value, rate(all)))
        #expect(close(classifier.errors.value, (38 + 611) / all), "Unavailable and Internal; InvalidArgument is the caller's")
        #expect(close(classifier.latency.p99.value, F.quantile(0.99, file, "seldon_api_executor_client_requests_seconds")))
        let canary = try #require(classifier.byVersion.last)
        #expect(canary.version == "1.16.0")
        #expect(close(canary.errors.value, 611 / F.sum(file, count, ["model_version": "1.16.0"])))
        #expect(close(canary.trafficShare.value, F.sum(file, count, ["model_version": "1.16.0"]) / all))
    }

    @Test func seldonCoreV2() throws {
        let scraped = try ScrapedJob("seldon-core-v2.prom", job: "seldon-agent")
        #expect(scraped.recognize().kinds == [.seldonV2])
        let file = try F.families("seldon-core-v2.prom")
        #expect(scraped.recognize().models.map(\.key.name) == ["income", "iris"])
        let iris = try scraped.model("iris")
        #expect(iris.versions == ["1", "2"], "model_internal iris_1, iris_2")
        let isIris = ["model": "iris"]
        let all = F.sum(file, "seldon_model_infer_total", isIris)
        #expect(close(iris.traffic.value, rate(all)))
        #expect(close(iris.errors.value, (12 + 388) / all), "gRPC OK is a success")
        #expect(iris.latencyIsMean)
        #expect(close(iris.latency.mean.value, F.sum(file, "seldon_model_infer_seconds_total", isIris) / all))
        #expect(!iris.latency.p99.isValue && iris.latency.p99.reason?.contains("mean") == true)
        let v2 = try #require(iris.byVersion.last)
        #expect(v2.latencyIsMean)
        #expect(close(v2.latency.mean.value, F.sum(file, "seldon_model_infer_seconds_total", ["model_internal": "iris_2"])
                / F.sum(file, "seldon_model_infer_total", ["model_internal": "iris_2"])))
    }

    @Test func mlserver() throws {
        let scraped = try ScrapedJob("mlserver.prom", job: "mlserver")
        #expect(scraped.recognize().kinds == [.mlserver])
        let file = try F.families("mlserver.prom")
        let income = try scraped.model("income-lgbm")
        #expect(income.versions == ["v1", "v2"])
        let isIncome = ["model": "income-lgbm"]
        let ok = F.sum(file, "model_infer_request_success_total", isIncome)
        let failed = F.sum(file, "model_infer_request_failure_total", isIncome)
        #expect(close(income.traffic.value, rate(ok + failed)))
        #expect(close(income.errors.value, failed / (ok + failed)))
        #expect(income.latencyIsMean, "a summary without quantiles")
        #expect(close(income.latency.mean.value, F.sum(file, "model_infer_request_duration_sum", isIncome) / F.sum(file, "model_infer_request_duration_count", isIncome)))
        let sentiment = try scraped.model("sentiment")
        #expect(sentiment.versions.isEmpty, "an empty version label is no version")
        #expect(income.problems.isEmpty && sentiment.problems.isEmpty)
    }

    @Test func bentoml() throws {
        let scraped = try ScrapedJob("bentoml.prom", job: "bento")
        #expect(scraped.recognize().kinds == [.bentoml])
        let file = try F.families("bentoml.prom")
        let iris = try scraped.model("IrisClassifier")
        #expect(iris.versions == ["ulpx2ka7d6hjhz3r"])
        // The runner's own series count the same requests again, one hop further in.
        let all = F.sum(file, "bentoml_service_request_total", where: { $0["runner_name"] == nil })
        #expect(F.sum(file, "bentoml_service_request_total") > all)
        #expect(close(iris.traffic.value, rate(all)))
        #expect(close(iris.errors.value, (1274 + 90) / all))
        #expect(close(iris.latency.p99.value, F.quantile(0.99, file, "bentoml_service_request_duration_seconds")))
        #expect(iris.saturationSignals.inFlight.value == 6)
    }

    @Test func torchserve() throws {
        let scraped = try ScrapedJob("torchserve.prom", job: "torchserve")
        #expect(scraped.recognize().kinds == [.torchserve])
        let file = try F.families("torchserve.prom")
        let resnet = try scraped.model("resnet-18")
        #expect(resnet.versions == ["1.0", "2.0"])
        let requests = F.sum(file, "ts_inference_requests_total")
        #expect(close(resnet.traffic.value, rate(requests)))
        // Response codes are per host; with one model on the host they are the model's.
        #expect(close(resnet.errors.value, 958 / (344_102 + 629 + 958)))
        #expect(resnet.byVersion.allSatisfy { $0.errors.reason?.contains("not labelled by version") == true })
        #expect(resnet.latencyIsMean)
        #expect(close(resnet.latency.mean.value, F.sum(file, "ts_inference_latency_microseconds") / requests / 1e6))
        #expect(close(resnet.latency.queueTime.value, F.sum(file, "ts_queue_latency_microseconds") / requests / 1e6))
        #expect(resnet.saturationSignals.gpuUtilization.value == 0.64)
        #expect(resnet.saturationSignals.gpuMemoryUsed.value == 8613 * 1_048_576.0)
        let v2 = try #require(resnet.byVersion.last)
        #expect(close(v2.latency.mean.value, 17.9 / 1000), "17.9 ms a request")
    }

    @Test func tensorflowServing() throws {
        let scraped = try ScrapedJob("tensorflow-serving.prom", job: "tfs")
        let found = scraped.recognize()
        #expect(found.kinds == [.tfServing])
        #expect(found.models.map(\.key.name) == ["fraud_tf", "ranker"])
        let file = try F.families("tensorflow-serving.prom")
        let fraud = try scraped.model("fraud_tf")
        #expect(fraud.versions.isEmpty)
        let all = F.sum(file, ":tensorflow:serving:request_count", ["model_name": "fraud_tf"])
        #expect(close(fraud.traffic.value, rate(all)))
        #expect(close(fraud.errors.value, 191 / all), "UNAVAILABLE counts, INVALID_ARGUMENT is the caller's")
        #expect(close(fraud.latency.p99.value, F.quantile(0.99, file, ":tensorflow:serving:request_latency", ["model_name": "fraud_tf"]) / 1e6))
        #expect((0.001...0.1).contains(fraud.latency.p99.value ?? 0), "µs as seconds")
        let ranker = try scraped.model("ranker")
        #expect(ranker.errorCauses.map(\.cause) == ["DEADLINE_EXCEEDED"])
    }

    @Test func rayServe() throws {
        let scraped = try ScrapedJob("ray-serve.prom", job: "ray")
        #expect(scraped.recognize().kinds == [.rayServe])
        let file = try F.families("ray-serve.prom")
        let classifier = try scraped.model("Classifier")
        let isClassifier = ["deployment": "Classifier"]
        let all = F.sum(file, "ray_serve_deployment_request_counter_total", isClassifier)
        #expect(close(classifier.traffic.value, rate(all)), "both replicas")
        #expect(close(classifier.errors.value, (388 + 402) / all))
        #expect(close(classifier.latency.p99.value, F.quantile(0.99, file, "ray_serve_deployment_processing_latency_ms", isClassifier) / 1000))
        #expect(classifier.saturationSignals.inFlight.value == 12)
        #expect(classifier.saturationSignals.queueDepth.value == 12)
        // No error series for the preprocessor: the declared family makes that zero failures.
        let pre = try scraped.model("Preprocessor")
        #expect(pre.errors == .value(0))
    }

    @Test func everyKindHasASampleAndIsRecognizedFromIt() throws {
        let files: [(String, ServerKind)] = [
            ("triton.prom", .triton), ("vllm.prom", .vllm), ("kserve.prom", .kserve), ("knative-queue-proxy.prom", .knative),
            ("seldon-core-v1.prom", .seldonV1), ("seldon-core-v2.prom", .seldonV2), ("mlserver.prom", .mlserver),
            ("bentoml.prom", .bentoml), ("torchserve.prom", .torchserve), ("tensorflow-serving.prom", .tfServing),
            ("ray-serve.prom", .rayServe), ("dcgm-exporter.prom", .dcgm),
        ]
        #expect(Set(files.map(\.1)) == Set(ServerKind.allCases).subtracting([.custom]))
        for (file, kind) in files {
            let found = try ScrapedJob(file, job: "job").recognize()
            #expect(found.kinds == [kind], "\(file)")
            for model in found.models {
                #expect(model.kind == kind)
                #expect(model.problems.isEmpty, "\(file) \(model.key.name): \(model.problems)")
                #expect(model.traffic.isValue, "\(file) \(model.key.name): \(model.traffic)")
                #expect(model.latencyP99 != nil, "\(file) \(model.key.name): \(model.latency)")
                #expect(model.errors.isValue || model.errors.reason != nil)
            }
        }
    }
}
