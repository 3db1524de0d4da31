@testable import DemoFleet
import Telemetry
import Testing

@Suite("Fleet exposition")
struct FleetExpositionTests {
    static let times: [Int64] = [0, 1, 30, 90, 99, 100, 101, 120, 131, 250, 399, 400, 401, 441, 500, 559, 560, 599, 600, 700, 1001]

    @Test("every target's exposition parses at many times, with HELP and TYPE for every family",
          arguments: FleetExpositionTests.times)
    func parsesEverywhere(seconds: Int64) throws {
        let f = fleet(at: seconds)
        for target in Fleet.targetNames {
            let fams = try families(f, target)
            #expect(!fams.isEmpty, "\(target) at \(seconds) s")
            for fam in fams {
                #expect(fam.help != nil && fam.help != "", "\(target): \(fam.name) has no HELP")
                #expect(fam.type != .untyped, "\(target): \(fam.name) has no TYPE")
            }
        }
    }

    @Test func unknownTargetHasNoExposition() {
        #expect(Fleet(seed: 1).exposition(for: "nope") == nil)
        #expect(Fleet.targetNames == ["triton-a", "vllm-0", "kserve-churn", "kserve-credit"])
    }

    @Test("the expected metric names and types are present per target")
    func metricNames() throws {
        let f = fleet(at: 60)
        func types(_ target: String) throws -> [String: MetricType] {
            Dictionary(try families(f, target).map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        }
        let triton = try types("triton-a")
        let expectTriton: [String: MetricType] = [
            "nv_inference_request_success": .counter, "nv_inference_request_failure": .counter,
            "nv_inference_count": .counter, "nv_inference_exec_count": .counter,
            "nv_inference_request_duration_us": .counter, "nv_inference_queue_duration_us": .counter,
            "nv_inference_compute_infer_duration_us": .counter, "nv_inference_request_summary_us": .summary,
            "nv_inference_pending_request_count": .gauge, "nv_gpu_utilization": .gauge,
            "nv_gpu_memory_used_bytes": .gauge, "nv_gpu_memory_total_bytes": .gauge, "nv_gpu_power_usage": .gauge,
        ]
        for (name, type) in expectTriton { #expect(triton[name] == type, "triton-a \(name)") }

        let vllm = try types("vllm-0")
        let expectVLLM: [String: MetricType] = [
            "vllm:e2e_request_latency_seconds": .histogram, "vllm:time_to_first_token_seconds": .histogram,
            "vllm:request_success_total": .counter, "vllm:prompt_tokens_total": .counter,
            "vllm:generation_tokens_total": .counter, "vllm:num_requests_running": .gauge,
            "vllm:num_requests_waiting": .gauge, "vllm:gpu_cache_usage_perc": .gauge, "http_requests_total": .counter,
        ]
        for (name, type) in expectVLLM { #expect(vllm[name] == type, "vllm-0 \(name)") }

        for target in ["kserve-churn", "kserve-credit"] {
            let k = try types(target)
            for name in ["request_preprocess_seconds", "request_predict_seconds", "request_postprocess_seconds", "revision_app_request_latencies"] {
                #expect(k[name] == .histogram, "\(target) \(name)")
            }
            #expect(k["revision_app_request_count"] == .counter, "\(target)")
        }
    }

    @Test("labels and buckets are shaped like the real servers'")
    func labelShapes() throws {
        let f = fleet(at: 60)
        let triton = try families(f, "triton-a")
        #expect(value(triton, "nv_inference_request_success", ["model": "fraud-detector", "version": "3"]) != nil)
        #expect(value(triton, "nv_inference_request_success", ["model": "image-embedder", "version": "12"]) != nil)
        for reason in ["REJECTED", "CANCELED", "BACKEND", "OTHER"] {
            #expect(value(triton, "nv_inference_request_failure", ["model": "fraud-detector", "reason": reason, "version": "3"]) != nil)
        }
        for q in ["0.5", "0.9", "0.95", "0.99"] {
            #expect(value(triton, "nv_inference_request_summary_us", ["model": "fraud-detector", "quantile": q]) != nil)
        }
        let util = try #require(value(triton, "nv_gpu_utilization"))
        #expect(util > 0 && util < 1)
        let gpuLabels = triton.first { $0.name == "nv_gpu_utilization" }?.samples.first?.labels
        #expect(gpuLabels?["gpu_uuid"]?.hasPrefix("GPU-") == true)

        let vllm = try families(f, "vllm-0")
        let e2eLes = vllm.first { $0.name == "vllm:e2e_request_latency_seconds" }!.samples
            .filter { $0.name.hasSuffix("_bucket") }.compactMap { $0.labels["le"] }
        #expect(e2eLes == ["0.3", "0.5", "0.8", "1.0", "1.5", "2.0", "2.5", "5.0", "10.0", "15.0", "20.0", "30.0", "40.0", "50.0", "60.0", "+Inf"])
        let ttftLes = vllm.first { $0.name == "vllm:time_to_first_token_seconds" }!.samples
            .filter { $0.name.hasSuffix("_bucket") }.compactMap { $0.labels["le"] }
        #expect(ttftLes.first == "0.001" && ttftLes.last == "+Inf" && ttftLes.contains("10.0"))
        for reason in ["stop", "length"] {
            #expect(value(vllm, "vllm:request_success_total", ["finished_reason": reason, "model_name": "llama-3-8b-chat"]) != nil)
        }
        for status in ["2xx", "4xx", "5xx"] {
            #expect(value(vllm, "http_requests_total", ["handler": "/v1/chat/completions", "method": "POST", "status": status]) != nil)
        }
        let cache = try #require(value(vllm, "vllm:gpu_cache_usage_perc", ["model_name": "llama-3-8b-chat"]))
        #expect(cache > 0.05 && cache < 1)

        let churn = try families(f, "kserve-churn")
        let les = churn.first { $0.name == "request_predict_seconds" }!.samples
            .filter { $0.name.hasSuffix("_bucket") }.compactMap { $0.labels["le"] }
        #expect(les == ["0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5", "5.0", "7.5", "10.0", "+Inf"])
        let qp = try #require(churn.first { $0.name == "revision_app_request_count" }?.samples.first { $0.labels["response_code"] == "200" })
        #expect(qp.labels["container_name"] == "queue-proxy")
        #expect(qp.labels["namespace_name"] == "models")
        #expect(qp.labels["revision_name"] == "churn-predictor-predictor-00007")
        #expect(qp.labels["response_code_class"] == "2xx")
        #expect(qp.labels["configuration_name"] != nil && qp.labels["pod_name"] != nil && qp.labels["service_name"] != nil)
        #expect(value(churn, "request_predict_seconds_count", ["model_name": "churn-predictor"]) != nil)
        let credit = try families(f, "kserve-credit")
        #expect(value(credit, "request_predict_seconds_count", ["model_name": "credit-scorer"]) != nil)
    }

    @Test("histogram buckets are cumulative and end in _count")
    func histogramsConsistent() throws {
        let f = fleet(at: 240)
        for target in Fleet.targetNames {
            for fam in try families(f, target) where fam.type == .histogram {
                let groups = Dictionary(grouping: fam.samples.filter { $0.name.hasSuffix("_bucket") }) {
                    $0.labels.removing(["le"])
                }
                for (labels, buckets) in groups {
                    let values = buckets.map(\.value)
                    #expect(values == values.sorted(), "\(target) \(fam.name)\(labels) buckets not cumulative")
                    let count = fam.samples.first { $0.name == fam.name + "_count" && $0.labels == labels }?.value
                    #expect(buckets.last?.labels["le"] == "+Inf" && buckets.last?.value == count, "\(target) \(fam.name)\(labels)")
                }
            }
        }
    }
}
