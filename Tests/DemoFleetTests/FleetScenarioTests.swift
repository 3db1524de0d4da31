@testable import DemoFleet
import Telemetry
import Testing

@Suite("Fleet time, determinism and the scripted incident")
struct FleetScenarioTests {
    @Test("counters, histogram buckets and summary sums never decrease over two cycles, across the version swaps")
    func countersNeverDecrease() throws {
        var f = Fleet(seed: 7)
        var lastSeen: [String: [String: Double]] = [:]  // target -> series -> last value ever seen
        var times: [Int64] = Array(stride(from: 0, through: 1210, by: 5))
        times += [99, 100, 101, 399, 400, 401, 699, 700, 701, 999, 1000, 1001]
        times.sort()
        var checked = 0
        for t in times {
            f.advance(to: t * 1000)
            for target in Fleet.targetNames {
                for (series, v) in monotonicSamples(try families(f, target)) {
                    if let before = lastSeen[target]?[series] {
                        #expect(v >= before, "\(target) \(series) went from \(before) to \(v) at \(t) s")
                        checked += 1
                    }
                    lastSeen[target, default: [:]][series] = v
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test("the same seed gives the same expositions and logs; another seed does not")
    func determinism() throws {
        let a = fleet(at: 345), b = fleet(at: 345), c = fleet(at: 345, seed: 43)
        for target in Fleet.targetNames {
            #expect(a.exposition(for: target) == b.exposition(for: target))
            #expect(a.exposition(for: target) != c.exposition(for: target))
        }
        var a2 = a, b2 = b
        #expect(a2.drainLogLines() == b2.drainLogLines())
    }

    @Test("advancing in different step sizes gives the same state and the same log lines")
    func stepSizeIndependence() {
        let end: Int64 = 437_500
        var one = Fleet()
        one.advance(to: end)
        let oneLogs = one.drainLogLines()

        var small = Fleet()
        var smallLogs: [DemoLogLine] = []
        var t: Int64 = 0
        while t < end { t = min(end, t + 333); small.advance(to: t); smallLogs += small.drainLogLines() }

        var irregular = Fleet()
        var irregularLogs: [DemoLogLine] = []
        let steps: [Int64] = [1, 999, 1000, 2500, 7, 60_000, 12_345, 1]
        t = 0
        var i = 0
        while t < end { t = min(end, t + steps[i % steps.count]); i += 1; irregular.advance(to: t); irregularLogs += irregular.drainLogLines() }

        for target in Fleet.targetNames {
            #expect(one.exposition(for: target) == small.exposition(for: target), "\(target)")
            #expect(one.exposition(for: target) == irregular.exposition(for: target), "\(target)")
        }
        #expect(oneLogs.count > 1000)
        #expect(oneLogs.count == smallLogs.count && oneLogs.count == irregularLogs.count)
        #expect(!zip(oneLogs, smallLogs).contains { $0 != $1 })
        #expect(!zip(oneLogs, irregularLogs).contains { $0 != $1 })
    }

    @Test("time never goes backwards; only whole seconds are integrated")
    func monotonicTime() {
        var f = Fleet()
        f.advance(to: 50_900)
        #expect(f.elapsedMilliseconds == 50_000)
        let before = f.exposition(for: "triton-a")
        f.advance(to: 10_000)
        #expect(f.elapsedMilliseconds == 50_000)
        #expect(f.exposition(for: "triton-a") == before)
    }

    @Test("at 90 s everything is healthy")
    func healthyBeforeIncident() throws {
        let a = fleet(at: 10), b = fleet(at: 90)
        let ta = try families(a, "triton-a"), tb = try families(b, "triton-a")
        for (model, version) in [("fraud-detector", "3"), ("image-embedder", "12")] {
            let share = tritonFailureShare(from: ta, to: tb, model: model, version: version)
            #expect(share < 0.01, "\(model) failure share \(share)")
        }
        #expect(value(tb, "nv_inference_request_success", ["version": "4"]) == nil)
        let used = try #require(value(tb, "nv_gpu_memory_used_bytes"))
        let totalBytes = try #require(value(tb, "nv_gpu_memory_total_bytes"))
        #expect(used / totalBytes < 0.5)

        let va = try families(a, "vllm-0"), vb = try families(b, "vllm-0")
        let bad = total(vb, "http_requests_total", ["status": "5xx"]) + total(vb, "http_requests_total", ["status": "4xx"])
            - total(va, "http_requests_total", ["status": "5xx"]) - total(va, "http_requests_total", ["status": "4xx"])
        let all = total(vb, "http_requests_total") - total(va, "http_requests_total")
        #expect(bad / all < 0.01)
        for target in ["kserve-churn", "kserve-credit"] {
            let ka = try families(a, target), kb = try families(b, target)
            let ok = total(kb, "revision_app_request_count", ["response_code_class": "2xx"]) - total(ka, "revision_app_request_count", ["response_code_class": "2xx"])
            let everything = total(kb, "revision_app_request_count") - total(ka, "revision_app_request_count")
            #expect(1 - ok / everything < 0.01, "\(target)")
        }

        var f = fleet(at: 90)
        let triton = f.drainLogLines().filter { $0.source == "triton-a.log" }
        #expect(!triton.contains { $0.text.hasPrefix("E") || $0.text.hasPrefix("W") })
    }

    @Test("fraud-detector v4: replaces v3 at 100 s from zero, fails ~8% with BACKEND, p99 triples, rolls back at 400 s")
    func incidentVisible() throws {
        let at99 = try families(fleet(at: 99), "triton-a")
        let at100 = try families(fleet(at: 100), "triton-a")
        #expect(value(at99, "nv_inference_request_success", ["model": "fraud-detector", "version": "3"]) != nil)
        #expect(value(at100, "nv_inference_request_success", ["model": "fraud-detector", "version": "3"]) == nil)
        #expect(value(at100, "nv_inference_request_success", ["model": "fraud-detector", "version": "4"]) == 0)
        #expect(value(at100, "nv_inference_request_success", ["model": "image-embedder", "version": "12"])! > 0)

        let at130 = try families(fleet(at: 130), "triton-a")
        let at390 = try families(fleet(at: 390), "triton-a")
        let share = tritonFailureShare(from: at130, to: at390, model: "fraud-detector", version: "4")
        #expect(share > 0.05 && share < 0.12, "v4 failure share \(share)")
        let backend = total(at390, "nv_inference_request_failure", ["model": "fraud-detector", "reason": "BACKEND"])
        #expect(backend / total(at390, "nv_inference_request_failure", ["model": "fraud-detector"]) > 0.8)

        let p99v3 = try #require(value(try families(fleet(at: 90), "triton-a"), "nv_inference_request_summary_us", ["model": "fraud-detector", "quantile": "0.99"]))
        let p99v4 = try #require(value(at390, "nv_inference_request_summary_us", ["model": "fraud-detector", "quantile": "0.99"]))
        #expect(p99v3 > 28_000 && p99v3 < 60_000, "v3 p99 \(p99v3) µs")
        #expect(p99v4 > 90_000 && p99v4 < 170_000, "v4 p99 \(p99v4) µs")
        #expect(p99v4 / p99v3 > 2.2 && p99v4 / p99v3 < 4.5)

        let memory110 = try #require(value(try families(fleet(at: 110), "triton-a"), "nv_gpu_memory_used_bytes"))
        let memory390 = try #require(value(at390, "nv_gpu_memory_used_bytes"))
        #expect(memory390 - memory110 > 8e9)

        let at400 = try families(fleet(at: 400), "triton-a")
        #expect(value(at400, "nv_inference_request_success", ["model": "fraud-detector", "version": "4"]) == nil)
        #expect(value(at400, "nv_inference_request_success", ["model": "fraud-detector", "version": "3"]) != nil)
        let at420 = try families(fleet(at: 420), "triton-a"), at590 = try families(fleet(at: 590), "triton-a")
        #expect(tritonFailureShare(from: at420, to: at590, model: "fraud-detector", version: "3") < 0.01)
        let p99after = try #require(value(at590, "nv_inference_request_summary_us", ["model": "fraud-detector", "quantile": "0.99"]))
        #expect(p99after < 60_000)
        #expect(try #require(value(at420, "nv_gpu_memory_used_bytes")) < memory110 + 1e9)

        // The next cycle shows the incident again.
        let c2a = try families(fleet(at: 730), "triton-a"), c2b = try families(fleet(at: 990), "triton-a")
        #expect(tritonFailureShare(from: c2a, to: c2b, model: "fraud-detector", version: "4") > 0.05)
    }

    @Test("triton-a.log tells the deploy, the CUDA OOM and the rollback")
    func incidentLogs() {
        var f = Fleet()
        f.advance(to: 130_000)
        let first = f.drainLogLines()
        f.advance(to: 460_000)
        let second = f.drainLogLines()
        func has(_ lines: [DemoLogLine], _ text: String, in range: Range<Int64>) -> Bool {
            lines.contains { $0.source == "triton-a.log" && $0.text.contains(text) && range.contains($0.elapsedMilliseconds) }
        }
        #expect(has(first, "loading: fraud-detector:4", in: 99_000..<100_000))
        #expect(has(first, "successfully loaded 'fraud-detector' version 4", in: 99_000..<100_000))
        #expect(has(first, "successfully unloaded 'fraud-detector' version 3", in: 100_000..<101_000))
        let oom = first.first { $0.text.contains("CUDA out of memory") }
        #expect(oom?.text.hasPrefix("E1129 17:22:00.") == true, "\(String(describing: oom))")
        #expect(oom.map { (120_000..<121_000).contains($0.elapsedMilliseconds) } == true)
        #expect(second.contains { $0.source == "triton-a.log" && $0.text.hasPrefix("W") })
        #expect(has(second, "successfully loaded 'fraud-detector' version 3", in: 399_000..<400_000))
        #expect(has(second, "successfully unloaded 'fraud-detector' version 4", in: 400_000..<401_000))
        #expect(!second.contains { $0.text.contains("CUDA out of memory") && $0.elapsedMilliseconds >= 400_000 })
        #expect(f.drainLogLines().isEmpty)
    }

    @Test("log lines are in time order, from the four files, in each server's format")
    func logFormats() throws {
        var f = Fleet()
        f.advance(to: 60_000)
        let lines = f.drainLogLines()
        #expect(lines.map(\.elapsedMilliseconds) == lines.map(\.elapsedMilliseconds).sorted())
        #expect(Set(lines.map(\.source)) == Set(Fleet.targetNames.map { $0 + ".log" }))
        let triton = lines.filter { $0.source == "triton-a.log" }
        #expect(triton.allSatisfy { $0.text.wholeMatch(of: /[IWE]\d{4} \d\d:\d\d:\d\d\.\d{6} 1 [a-z_]+\.cc:\d+\] .+/) != nil })
        let vllm = lines.filter { $0.source == "vllm-0.log" }
        #expect(vllm.contains { $0.text.wholeMatch(of: /INFO \d\d-\d\d \d\d:\d\d:\d\d metrics\.py:351\] Avg prompt throughput: [\d.]+ tokens\/s, .*/) != nil })
        #expect(vllm.contains { $0.text.hasPrefix("INFO:     10.42.") && $0.text.contains("\"POST /v1/chat/completions HTTP/1.1\" 200 OK") })
        let credit = lines.filter { $0.source == "kserve-credit.log" }
        #expect(!credit.isEmpty && credit.allSatisfy { $0.text.hasPrefix("{\"asctime\": \"2024-11-29 17:2") && $0.text.hasSuffix("\"}") })
        let churn = lines.filter { $0.source == "kserve-churn.log" }
        #expect(churn.contains { $0.text.wholeMatch(of: /2024-11-29 17:2\d:\d\d\.\d{3} kserve\.trace requestId: N\.A\., preprocess_ms: [\d.]+, explain_ms: 0, predict_ms: [\d.]+, postprocess_ms: [\d.]+/) != nil })
    }

    @Test("traffic and latency are in the asked ranges per model")
    func realism() throws {
        let a = fleet(at: 200), b = fleet(at: 260)
        let ta = try families(a, "triton-a"), tb = try families(b, "triton-a")
        let embRate = (total(tb, "nv_inference_request_success", ["model": "image-embedder"]) - total(ta, "nv_inference_request_success", ["model": "image-embedder"])) / 60
        #expect(embRate > 30 && embRate < 120)
        let fraudRate = (total(tb, "nv_inference_request_success", ["model": "fraud-detector"]) - total(ta, "nv_inference_request_success", ["model": "fraud-detector"])) / 60
        #expect(fraudRate > 100 && fraudRate < 300)
        let embP99 = try #require(value(tb, "nv_inference_request_summary_us", ["model": "image-embedder", "quantile": "0.99"]))
        #expect(embP99 > 17_000 && embP99 < 36_000)
        let util = try #require(value(tb, "nv_gpu_utilization"))
        #expect(util > 0 && util < 1)

        let v = try families(b, "vllm-0")
        let llama = ["model_name": "llama-3-8b-chat"]
        let below5 = shareAtOrBelow(v, "vllm:e2e_request_latency_seconds", le: "5.0", llama)
        let below2_5 = shareAtOrBelow(v, "vllm:e2e_request_latency_seconds", le: "2.5", llama)
        #expect(below2_5 < 0.95 && below5 > 0.97 && below5 < 0.999, "e2e p99 should sit around 4-6 s: \(below2_5), \(below5)")
        #expect(shareAtOrBelow(v, "vllm:e2e_request_latency_seconds", le: "10.0", llama) > 0.999)
        #expect(try #require(value(v, "vllm:num_requests_running", llama)) > 5)

        let churn = try families(b, "kserve-churn")
        let c = ["model_name": "churn-predictor"]
        #expect(shareAtOrBelow(churn, "request_predict_seconds", le: "0.025", c) < 0.99)
        #expect(shareAtOrBelow(churn, "request_predict_seconds", le: "0.05", c) > 0.99)
        let credit = try families(b, "kserve-credit")
        let cr = ["model_name": "credit-scorer"]
        #expect(shareAtOrBelow(credit, "request_predict_seconds", le: "0.05", cr) < 0.99)
        #expect(shareAtOrBelow(credit, "request_predict_seconds", le: "0.1", cr) > 0.99)
    }

    @Test func scenarioDescribesTheIncident() {
        let s = Fleet().scenario
        #expect(s.contains { $0.atMilliseconds == 100_000 && $0.endMilliseconds == 400_000 && $0.target == "triton-a" })
        #expect(s.contains { $0.atMilliseconds == 120_000 && $0.description.contains("CUDA out of memory") })
        #expect(s.contains { $0.atMilliseconds == 399_000 && $0.description.contains("Rollback") })
        #expect(!s.contains { $0.atMilliseconds > 0 && $0.atMilliseconds < 99_000 })
        let placed = Fleet().scenarioEvents(inCycleContaining: 1_250_000)
        #expect(placed.contains { $0.atMilliseconds == 1_300_000 && $0.endMilliseconds == 1_600_000 })
    }
}

@Suite("Number formats and the virtual wall clock")
struct FleetFormatTests {
    @Test func goFormat() {
        let cases: [(Double, String)] = [(0, "0"), (5, "5"), (100_000, "100000"), (1_234_567, "1.234567e+06"), (1e6, "1e+06"),
                                         (12.5, "12.5"), (0.0001, "0.0001"), (0.00001, "1e-05"), (-3.25, "-3.25"), (.infinity, "+Inf")]
        for (v, s) in cases { #expect(NumberStyle.go.format(v) == s, "\(v)") }
    }

    @Test func pythonFormat() {
        let cases: [(Double, String)] = [(1, "1.0"), (123_456, "123456.0"), (1_234_567, "1.234567e+06"), (0.005, "0.005"),
                                         (2_500_000.5, "2.5000005e+06"), (1e16, "1e+16"), (1e-05, "1e-05")]
        for (v, s) in cases { #expect(NumberStyle.python.format(v) == s, "\(v)") }
    }

    @Test func cppFormat() {
        #expect(NumberStyle.cpp.format(24_146_608_128) == "24146608128")
        #expect(NumberStyle.cpp.format(0.41) == "0.41")
        #expect(NumberStyle.cpp.format(.nan) == "NaN")
    }

    @Test func virtualClock() {
        #expect(VirtualWallClock.glog("I", elapsedMicros: 1_123_456) == "I1129 17:20:01.123456 1 ")
        // 31 hours later: across the end of November.
        #expect(VirtualWallClock.glog("E", elapsedMicros: 31 * 3_600_000_000) == "E1201 00:20:00.000000 1 ")
        #expect(VirtualWallClock.vllm("INFO", elapsedMicros: 61_000_000) == "INFO 11-29 17:21:01 ")
        #expect(VirtualWallClock.asctime(elapsedMicros: 2_345_678, dot: false) == "2024-11-29 17:20:02,345")
        #expect(VirtualWallClock.asctime(elapsedMicros: 2_345_678, dot: true) == "2024-11-29 17:20:02.345")
    }
}
