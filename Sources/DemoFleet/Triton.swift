#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Counters and the summary window of one loaded model version on Triton.
struct TritonVersionStats: Sendable {
    static let reasons = ["REJECTED", "CANCELED", "BACKEND", "OTHER"]

    var success = 0.0
    var failures: [Double] = [0, 0, 0, 0]  // indexed like `reasons`
    var inferenceCount = 0.0
    var execCount = 0.0
    var requestUs = 0.0
    var queueUs = 0.0
    var computeInputUs = 0.0
    var computeInferUs = 0.0
    var computeOutputUs = 0.0
    var summarySum = 0.0
    var summaryCount = 0.0
    /// `nv_inference_first_response_histogram_ms`: request to first response, in whole
    /// milliseconds (Triton truncates the nanosecond duration), with the model's own buckets.
    var firstResponse: Histogram
    /// Representative request durations (µs) of the last `windowSeconds`, with their second.
    var window: [WindowSample] = []
    var pending = 0.0

    struct WindowSample: Sendable { var second: Int64; var us: Double }
    static let windowSeconds: Int64 = 60

    init(firstResponseBuckets: [Double]) {
        firstResponse = Histogram(bounds: firstResponseBuckets)
    }

    /// Quantile over the sliding window, as prometheus-cpp's summary reports it (NaN when empty).
    func quantile(_ q: Double, now: Int64) -> Double {
        let values = window.filter { $0.second >= now - TritonVersionStats.windowSeconds }.map(\.us).sorted()
        guard !values.isEmpty else { return .nan }
        let rank = q * Double(values.count - 1)
        let lo = Int(rank.rounded(.down))
        let hi = min(lo + 1, values.count - 1)
        let frac = rank - Double(lo)
        return (values[lo] * (1 - frac) + values[hi] * frac).rounded()
    }
}

struct TritonModel: Sendable {
    var name: String
    var baseRate: Double          // req/s at load 1.0
    var medianMs: Double          // healthy median request latency
    var sigma: Double
    var itemsPerRequest: Double   // inferences per request (batch inside the request)
    var itemsPerExec: Double      // dynamic batcher: inferences per model execution
    var versions: [String: TritonVersionStats]
    var loadedVersion: String
    var phase: Double
    /// Decoupled models (`model_transaction_policy { decoupled: true }`) are the only ones Triton
    /// reports `nv_inference_first_response_histogram_ms` for.
    var decoupled: Bool
    /// The histogram's `le` bounds in ms, as the model config's `model_metrics` override sets them.
    var firstResponseBuckets: [Double]

    /// This model's counters for its loaded version (zeros for a version that has served nothing).
    var loadedStats: TritonVersionStats {
        versions[loadedVersion] ?? TritonVersionStats(firstResponseBuckets: firstResponseBuckets)
    }
}

/// NVIDIA Triton Inference Server with two models and one GPU (an A10G), started with
/// `--metrics-config summary_latencies=true --metrics-config histogram_latencies=true`.
///
/// fraud-detector is a Python-backend model in decoupled mode that sends exactly one response per
/// request, so its first response is its whole response: Triton reports
/// `nv_inference_first_response_histogram_ms` for it (Triton reports that family for decoupled
/// models only), with buckets from its config.pbtxt:
///
///     model_transaction_policy { decoupled: true }
///     model_metrics { metric_control: [ { metric_identifier: { family: "nv_inference_first_response_histogram_ms" }
///                                         histogram_options: { buckets: [ 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000 ] } } ] }
///
/// image-embedder (TensorRT, not decoupled) has no first-response histogram, only the summary.
struct TritonServer: Sendable {
    static let source = "triton-a.log"
    static let gpuUUID = "GPU-6f3a1c52-8b1e-4d7a-9c0b-2e5d7f4a9b31"
    static let gpuMemoryTotal = 24_146_608_128.0
    static let gpuBaseMemory = 10_114_220_032.0
    static let gpuIncidentGrowth = 12_200_000_000.0
    /// fraud-detector's `nv_inference_first_response_histogram_ms` buckets (ms); Triton's default
    /// (100, 500, 2000, 5000) would put nearly every request of this model in the first bucket.
    static let fraudFirstResponseBuckets: [Double] = [5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000]

    var fraud = TritonModel(name: "fraud-detector", baseRate: 180, medianMs: 14, sigma: 0.45,
                            itemsPerRequest: 1, itemsPerExec: 2.5,
                            versions: ["3": TritonVersionStats(firstResponseBuckets: TritonServer.fraudFirstResponseBuckets)],
                            loadedVersion: "3", phase: 0.0,
                            decoupled: true, firstResponseBuckets: TritonServer.fraudFirstResponseBuckets)
    var embedder = TritonModel(name: "image-embedder", baseRate: 60, medianMs: 9, sigma: 0.44,
                               itemsPerRequest: 4, itemsPerExec: 16,
                               versions: ["12": TritonVersionStats(firstResponseBuckets: [])], loadedVersion: "12", phase: 0.7,
                               decoupled: false, firstResponseBuckets: [])
    var gpuUtilization = 0.0
    var gpuMemoryUsed = TritonServer.gpuBaseMemory
    var gpuPower = 58.0
    var energyJoules = 0.0

    func startupLogs(into lines: inout [DemoLogLine]) {
        let l: [(Int64, Character, String)] = [
            (2_104, "I", "pinned_memory_manager.cc:277] Pinned memory pool is created at '0x7f8d6a000000' with size 268435456"),
            (2_391, "I", "cuda_memory_manager.cc:107] CUDA memory pool is created on device 0 with size 67108864"),
            (11_870, "I", "model_lifecycle.cc:469] loading: fraud-detector:3"),
            (11_902, "I", "model_lifecycle.cc:469] loading: image-embedder:12"),
            (64_530, "I", "python_be.cc:2404] TRITONBACKEND_ModelInstanceInitialize: fraud-detector_0_0 (GPU device 0)"),
            (97_118, "I", "tensorrt.cc:65] TRITONBACKEND_Initialize: tensorrt"),
            (180_244, "I", "model_lifecycle.cc:818] successfully loaded 'fraud-detector' version 3"),
            (231_907, "I", "model_lifecycle.cc:818] successfully loaded 'image-embedder' version 12"),
            (233_015, "I", "grpc_server.cc:2495] Started GRPCInferenceService at 0.0.0.0:8001"),
            (233_402, "I", "http_server.cc:4619] Started HTTPService at 0.0.0.0:8000"),
            (275_661, "I", "http_server.cc:282] Started Metrics Service at 0.0.0.0:8002"),
        ]
        for (us, sev, msg) in l { lines.append(TritonServer.line(sev, us, msg)) }
    }

    static func line(_ severity: Character, _ elapsedMicros: Int64, _ message: String) -> DemoLogLine {
        DemoLogLine(source: source, elapsedMilliseconds: elapsedMicros / 1000,
                    text: VirtualWallClock.glog(severity, elapsedMicros: elapsedMicros) + message)
    }

    mutating func step(second: Int64, rng: inout SplitMix64, logs: inout [DemoLogLine]) {
        let tc = Fleet.cycleSecond(second)
        let incident = TritonServer.fraudVersion(atSecond: second) == "4"
        let base = second * 1_000_000

        // Deployments happen on second boundaries: load the new version during the second
        // before, swap at the boundary, unload the old one right after.
        if tc == 99 || tc == 399 {
            let v = tc == 99 ? "4" : "3"
            logs.append(TritonServer.line("I", base + 102_311 + Int64(rng.int(0, 9_999)), "model_lifecycle.cc:469] loading: fraud-detector:\(v)"))
            logs.append(TritonServer.line("I", base + 388_020 + Int64(rng.int(0, 9_999)), "python_be.cc:2404] TRITONBACKEND_ModelInstanceInitialize: fraud-detector_0_1 (GPU device 0)"))
            logs.append(TritonServer.line("I", base + 941_775 + Int64(rng.int(0, 9_999)), "model_lifecycle.cc:818] successfully loaded 'fraud-detector' version \(v)"))
        }
        if tc == 100 || tc == 400 {
            let old = tc == 100 ? "3" : "4"
            logs.append(TritonServer.line("I", base + 1_207 + Int64(rng.int(0, 999)), "model_lifecycle.cc:642] unloading: fraud-detector:\(old)"))
            logs.append(TritonServer.line("I", base + 150_933 + Int64(rng.int(0, 9_999)), "python_be.cc:2248] TRITONBACKEND_ModelInstanceFinalize: delete instance state"))
            logs.append(TritonServer.line("I", base + 402_816 + Int64(rng.int(0, 9_999)), "model_lifecycle.cc:623] successfully unloaded 'fraud-detector' version \(old)"))
        }
        // The version serving this second (the swap happened at the start of second 100 / 400).
        fraud.loadedVersion = TritonServer.fraudVersion(atSecond: second)

        // Failure share and latency of fraud-detector for this second.
        var failureShare = 0.002
        var latencyFactor = 1.0
        var queueShare = 0.12
        if incident {
            let ramp = min(1, Double(tc - 100) / 5)
            failureShare = 0.01 + 0.07 * ramp
            latencyFactor = 3.0
            queueShare = 0.25
        }
        let fraudStats = simulate(&fraud, second: second, failureShare: failureShare, backendShareOfFailures: incident ? 0.92 : 0.2,
                                  latencyFactor: latencyFactor, queueShare: queueShare, rng: &rng)
        let embStats = simulate(&embedder, second: second, failureShare: 0.0015, backendShareOfFailures: 0.2,
                                latencyFactor: 1.0, queueShare: 0.1, rng: &rng)

        // GPU: utilization follows the work done; memory climbs while v4 leaks.
        let busy = (fraudStats.busyMs + embStats.busyMs) / 1000  // GPU-seconds of compute this second
        gpuUtilization = min(0.99, max(0.02, 0.12 + busy * 0.22 + 0.02 * rng.gaussian()))
        var memory = TritonServer.gpuBaseMemory + 40_000_000 * rng.gaussian()
        if incident { memory += TritonServer.gpuIncidentGrowth * Double(tc - 100) / 300 }
        gpuMemoryUsed = (min(TritonServer.gpuMemoryTotal * 0.97, memory) / 1_048_576).rounded() * 1_048_576
        gpuPower = ((62 + 230 * gpuUtilization + 3 * rng.gaussian()) * 1000).rounded() / 1000
        energyJoules += gpuPower

        // Incident log lines.
        if incident {
            let usedGiB = gpuMemoryUsed / 1_073_741_824
            let totalGiB = TritonServer.gpuMemoryTotal / 1_073_741_824
            if tc == 120 || (tc > 120 && rng.chance(0.07)) {
                let at = base + Int64(rng.int(0, 999_999))
                let tried = [128.0, 256.0, 512.0][rng.int(0, 2)]
                logs.append(TritonServer.line("E", at,
                    "python_be.cc:1395] Failed to process the request(s) for model 'fraud-detector_0_1', message: RuntimeError: CUDA out of memory. Tried to allocate \(fmt2(tried)) MiB (GPU 0; \(fmt2(totalGiB)) GiB total capacity; \(fmt2(usedGiB - 0.31)) GiB already allocated; \(fmt2(max(12, (totalGiB - usedGiB) * 1024 - 310))) MiB free; \(fmt2(usedGiB - 0.09)) GiB reserved in total by PyTorch)"))
            }
            if tc >= 105 && rng.chance(0.08) {
                let at = base + Int64(rng.int(0, 999_999))
                let slowMs = Int(fraud.medianMs * 3 * exp(0.45 * 2.8 + 0.3 * abs(rng.gaussian())))
                logs.append(TritonServer.line("W", at,
                    "dynamic_batch_scheduler.cc:1213] request for model 'fraud-detector' version 4 exceeded the slow-request threshold: \(slowMs) ms (threshold 100 ms)"))
            }
            if tc > 110 && tc % 45 == 0 {
                let pct = Int((gpuMemoryUsed / TritonServer.gpuMemoryTotal * 100).rounded())
                logs.append(TritonServer.line("W", base + 500_000 + Int64(rng.int(0, 9_999)),
                    "cuda_memory_manager.cc:213] GPU 0 memory usage is \(pct)% (\(fmt2(usedGiB)) GiB of \(fmt2(totalGiB)) GiB); consider reducing the instance count or the max batch size"))
            }
        }
    }

    struct StepOutcome { var busyMs: Double }

    /// One second of traffic for one model: counts, durations, summary window, pending gauge.
    private func simulate(_ model: inout TritonModel, second: Int64, failureShare: Double, backendShareOfFailures: Double,
                          latencyFactor: Double, queueShare: Double, rng: inout SplitMix64) -> StepOutcome {
        let load = trafficWave(second: second, phase: model.phase)
        let n = drawRequestCount(rate: model.baseRate, load: load, rng: &rng)
        let failed = min(n, rng.poisson(Double(n) * failureShare))
        let ok = n - failed
        var stats = model.loadedStats

        for _ in 0..<failed {
            let u = rng.uniform()
            let idx: Int
            if u < backendShareOfFailures { idx = 2 }
            else {
                let v = rng.uniform()
                idx = v < 0.5 ? 0 : (v < 0.85 ? 1 : 3)
            }
            stats.failures[idx] += 1
        }

        let median = model.medianMs * latencyFactor * (1 + 0.3 * max(0, load - 1))
        let m = min(ok, 20)
        var busyMs = 0.0
        for w in weights(total: ok, parts: m) {
            let ms = rng.logNormal(median: median, sigma: model.sigma)
            let us = (ms * 1000).rounded()
            let q = (us * queueShare * rng.uniform(0.6, 1.4)).rounded()
            let input = (us * 0.05).rounded()
            let output = (us * 0.03).rounded()
            let infer = max(0, us - q - input - output)
            let wd = Double(w)
            stats.requestUs += us * wd
            stats.queueUs += q * wd
            stats.computeInputUs += input * wd
            stats.computeInferUs += infer * wd
            stats.computeOutputUs += output * wd
            stats.summarySum += us * wd
            stats.firstResponse.observe((us / 1000).rounded(.down), weight: w)
            stats.window.append(.init(second: second, us: us))
            busyMs += (infer / 1000) * wd / model.itemsPerExec * model.itemsPerRequest
        }
        stats.success += Double(ok)
        stats.summaryCount += Double(ok)
        let items = Double(ok) * model.itemsPerRequest
        stats.inferenceCount += items
        stats.execCount += (items / model.itemsPerExec).rounded(.up)
        let meanQueueSeconds = median * queueShare / 1000
        stats.pending = Double(rng.poisson(Double(n) * meanQueueSeconds * (latencyFactor > 1 ? 4 : 1)))
        let cutoff = second - TritonVersionStats.windowSeconds
        stats.window.removeAll { $0.second < cutoff }
        model.versions[model.loadedVersion] = stats
        return StepOutcome(busyMs: busyMs)
    }

    /// The fraud-detector version loaded at a given second: 4 from 100 s to 400 s of each cycle.
    static func fraudVersion(atSecond second: Int64) -> String {
        let tc = Fleet.cycleSecond(second)
        return tc >= 100 && tc < 400 ? "4" : "3"
    }

    func exposition(now: Int64) -> String {
        var w = DemoExpositionWriter(style: .cpp)
        var shownFraud = fraud
        shownFraud.loadedVersion = TritonServer.fraudVersion(atSecond: now)
        if shownFraud.loadedVersion != fraud.loadedVersion {
            shownFraud.versions[shownFraud.loadedVersion]?.pending = 0  // just swapped in: nothing queued yet
        }
        let models = [shownFraud, embedder]
        func perVersion(_ name: String, _ type: String, _ help: String, _ value: (TritonVersionStats) -> Double) {
            w.family(name, type, help)
            for m in models {
                let stats = m.loadedStats
                w.sample(name, [("model", m.name), ("version", m.loadedVersion)], value(stats))
            }
        }
        perVersion("nv_inference_request_success", "counter", "Number of successful inference requests, all batch sizes") { $0.success }
        w.family("nv_inference_request_failure", "counter", "Number of failed inference requests, all batch sizes")
        for m in models {
            let stats = m.loadedStats
            for (i, reason) in TritonVersionStats.reasons.enumerated() {
                w.sample("nv_inference_request_failure", [("model", m.name), ("reason", reason), ("version", m.loadedVersion)], stats.failures[i])
            }
        }
        perVersion("nv_inference_count", "counter", "Number of inferences performed (does not include cached requests)") { $0.inferenceCount }
        perVersion("nv_inference_exec_count", "counter", "Number of model executions performed (does not include cached requests)") { $0.execCount }
        perVersion("nv_inference_request_duration_us", "counter", "Cumulative inference request duration in microseconds (includes cached requests)") { $0.requestUs }
        perVersion("nv_inference_queue_duration_us", "counter", "Cumulative inference queuing duration in microseconds (includes cached requests)") { $0.queueUs }
        perVersion("nv_inference_compute_input_duration_us", "counter", "Cumulative compute input duration in microseconds (does not include cached requests)") { $0.computeInputUs }
        perVersion("nv_inference_compute_infer_duration_us", "counter", "Cumulative compute inference duration in microseconds (does not include cached requests)") { $0.computeInferUs }
        perVersion("nv_inference_compute_output_duration_us", "counter", "Cumulative inference compute output duration in microseconds (does not include cached requests)") { $0.computeOutputUs }
        perVersion("nv_inference_pending_request_count", "gauge", "Instantaneous number of pending requests awaiting execution per-model.") { $0.pending }

        w.family("nv_inference_request_summary_us", "summary", "Summary of inference request duration in microseconds (includes cached requests)")
        for m in models {
            let stats = m.loadedStats
            for q in [0.5, 0.9, 0.95, 0.99] {
                w.sample("nv_inference_request_summary_us",
                         [("model", m.name), ("version", m.loadedVersion), ("quantile", q.description)], stats.quantile(q, now: now))
            }
            w.sample("nv_inference_request_summary_us_sum", [("model", m.name), ("version", m.loadedVersion)], stats.summarySum)
            w.sample("nv_inference_request_summary_us_count", [("model", m.name), ("version", m.loadedVersion)], stats.summaryCount)
        }

        w.family("nv_inference_first_response_histogram_ms", "histogram", "Duration from request to first response in milliseconds")
        for m in models where m.decoupled {
            w.histogram("nv_inference_first_response_histogram_ms", [("model", m.name), ("version", m.loadedVersion)], m.loadedStats.firstResponse)
        }

        let gpu = [("gpu_uuid", TritonServer.gpuUUID)]
        w.family("nv_gpu_utilization", "gauge", "GPU utilization rate [0.0 - 1.0)")
        w.sample("nv_gpu_utilization", gpu, (gpuUtilization * 100).rounded() / 100)
        w.family("nv_gpu_memory_total_bytes", "gauge", "GPU total memory, in bytes")
        w.sample("nv_gpu_memory_total_bytes", gpu, TritonServer.gpuMemoryTotal)
        w.family("nv_gpu_memory_used_bytes", "gauge", "GPU used memory, in bytes")
        w.sample("nv_gpu_memory_used_bytes", gpu, gpuMemoryUsed)
        w.family("nv_gpu_power_usage", "gauge", "GPU power usage in watts")
        w.sample("nv_gpu_power_usage", gpu, gpuPower)
        w.family("nv_gpu_power_limit", "gauge", "GPU power management limit in watts")
        w.sample("nv_gpu_power_limit", gpu, 300)
        w.family("nv_energy_consumption", "counter", "GPU energy consumption in joules since the Triton Server started")
        w.sample("nv_energy_consumption", gpu, (energyJoules * 1000).rounded() / 1000)
        return w.text
    }
}

/// `%.2f` without Foundation.
func fmt2(_ v: Double) -> String {
    let cents = Int64((v * 100).rounded())
    let sign = cents < 0 ? "-" : ""
    let a = abs(cents)
    return "\(sign)\(a / 100).\(VirtualWallClock.pad(Int(a % 100)))"
}

/// `%.1f` without Foundation.
func fmt1(_ v: Double) -> String {
    let tenths = Int64((v * 10).rounded())
    let sign = tenths < 0 ? "-" : ""
    let a = abs(tenths)
    return "\(sign)\(a / 10).\(a % 10)"
}
