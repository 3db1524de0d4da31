@testable import DemoFleet
import Telemetry
import Testing

@Suite("churn-predictor's canary rollout on kserve-churn")
struct FleetCanaryTests {
    static let stable = "churn-predictor-predictor-00007"
    static let canary = "churn-predictor-predictor-00008"
    static let count = "revision_app_request_count"
    static let latencies = "revision_app_request_latencies"

    /// The revisions that have queue-proxy series in kserve-churn's exposition at `seconds`.
    func revisions(at seconds: Int64) throws -> Set<String> {
        Set(try families(fleet(at: seconds), "kserve-churn").flatMap(\.samples).compactMap { $0.labels["revision_name"] })
    }

    struct Window {
        var requests: [String: Double] = [:]
        var serverErrors: [String: Double] = [:]
        var p99: [String: Double] = [:]
        var share: [String: Double] {
            let all = requests.values.reduce(0, +)
            return requests.mapValues { $0 / all }
        }
        func errorShare(_ r: String) -> Double { (serverErrors[r] ?? 0) / (requests[r] ?? .nan) }
    }

    /// Requests, 5xx and the p99 of successful requests (from the bucket increases, as
    /// histogram_quantile would) per revision between two times.
    func window(from a: Int64, to b: Int64) throws -> Window {
        let fa = try families(fleet(at: a), "kserve-churn"), fb = try families(fleet(at: b), "kserve-churn")
        var w = Window()
        for r in [Self.stable, Self.canary] {
            let m = ["revision_name": r]
            w.requests[r] = total(fb, Self.count, m) - total(fa, Self.count, m)
            w.serverErrors[r] = total(fb, Self.count, m.merging(["response_code_class": "5xx"]) { a, _ in a })
                - total(fa, Self.count, m.merging(["response_code_class": "5xx"]) { a, _ in a })
            w.p99[r] = bucketQuantile(0.99, bucketIncreases(from: fa, to: fb, Self.latencies, ["revision_name": r, "response_code": "200"]))
        }
        return w
    }

    @Test("at 500 s both revisions serve: about 80/20, the canary with more 5xx and a higher p99")
    func bothRevisionsAt500() throws {
        #expect(try revisions(at: 500) == [Self.stable, Self.canary])
        let w = try window(from: 440, to: 500)
        let share = w.share
        #expect(abs(share[Self.stable]! - 0.8) < 0.03, "00007 share \(share[Self.stable]!)")
        #expect(abs(share[Self.canary]! - 0.2) < 0.03, "00008 share \(share[Self.canary]!)")
        let stableErrors = w.errorShare(Self.stable), canaryErrors = w.errorShare(Self.canary)
        #expect(stableErrors < 0.004, "00007 5xx share \(stableErrors)")
        #expect(canaryErrors > 0.007 && canaryErrors < 0.03, "00008 5xx share \(canaryErrors)")
        #expect(canaryErrors > stableErrors * 3)
        let p99Stable = w.p99[Self.stable]!, p99Canary = w.p99[Self.canary]!
        #expect(p99Stable > 25 && p99Stable < 50, "00007 p99 \(p99Stable) ms")
        #expect(p99Canary > p99Stable * 1.08 && p99Canary < p99Stable * 1.35, "00008 p99 \(p99Canary) ms vs \(p99Stable) ms")
    }

    @Test("only 00007 serves before the canary, after the rollback and in the seconds at its edges",
          arguments: [Int64(300), 439, 440, 560, 590, 600, 1039])
    func onlyStable(seconds: Int64) throws {
        #expect(try revisions(at: seconds) == [Self.stable], "at \(seconds) s")
    }

    @Test("the canary's series come with its first requests and go with the rollback; each cycle's pod is a new one")
    func seriesComeAndGo() throws {
        #expect(try revisions(at: 441) == [Self.stable, Self.canary])
        #expect(try revisions(at: 559) == [Self.stable, Self.canary])
        #expect(try revisions(at: 1041) == [Self.stable, Self.canary])
        func canaryPods(_ s: Int64) throws -> Set<String> {
            Set(try families(fleet(at: s), "kserve-churn").flatMap(\.samples)
                .filter { $0.labels["revision_name"] == Self.canary }.compactMap { $0.labels["pod_name"] })
        }
        let first = try canaryPods(500), second = try canaryPods(1100)
        #expect(first.count == 1 && second.count == 1 && first != second)
        #expect(first.first?.hasPrefix(Self.canary + "-deployment-") == true)
        let stablePods = Set(try families(fleet(at: 500), "kserve-churn").flatMap(\.samples)
            .filter { $0.labels["revision_name"] == Self.stable }.compactMap { $0.labels["pod_name"] })
        #expect(stablePods.count == 1 && stablePods.isDisjoint(with: first))
        // After the rollback all traffic is 00007's again, at its usual rate.
        let after = try window(from: 560, to: 590)
        #expect(after.requests[Self.canary] == 0)
        #expect(after.requests[Self.stable]! / 30 > 50)
    }

    @Test("the two revisions' queue-proxy series are in Go's exposition style, sorted by pod, and parse")
    func goStyle() throws {
        let f = fleet(at: 500)
        let text = try #require(f.exposition(for: "kserve-churn"))
        let fams = try families(f, "kserve-churn")
        let countFamily = try #require(fams.first { $0.name == Self.count })
        #expect(countFamily.type == .counter)
        let order = countFamily.samples.map { ($0.labels["revision_name"]!, $0.labels["response_code"]!) }
        #expect(order.map(\.0) == order.map(\.0).sorted(), "00007's series first, then 00008's")
        #expect(Set(order.filter { $0.0 == Self.canary }.map(\.1)).isSuperset(of: ["200", "500"]))
        // One HELP/TYPE per family, even with two revisions.
        let lines = text.split(separator: "\n")
        #expect(lines.filter { $0 == "# TYPE revision_app_request_count counter" }.count == 1)
        #expect(lines.filter { $0 == "# TYPE revision_app_request_latencies histogram" }.count == 1)
        // Go's expfmt: buckets, then _sum, then _count; `le` in %g.
        let canaryLines = lines.filter { $0.hasPrefix(Self.latencies) && $0.contains(Self.canary) && $0.contains("response_code=\"200\"") }
        #expect(canaryLines.first?.hasSuffix("le=\"5\"} " + (canaryLines.first?.split(separator: " ").last ?? "")) == true)
        #expect(canaryLines.contains { $0.contains("le=\"100000\"}") })
        #expect(canaryLines.dropLast().last?.hasPrefix(Self.latencies + "_sum{") == true)
        #expect(canaryLines.last?.hasPrefix(Self.latencies + "_count{") == true)
        // The model server's histograms stay one series per model, taking both revisions' requests.
        let predictCount = try #require(value(fams, "request_predict_seconds_count", ["model_name": "churn-predictor"]))
        let served = total(fams, Self.count, ["response_code": "200"]) + total(fams, Self.count, ["response_code": "500"])
        #expect(predictCount == served)
    }

    @Test("the exposition parses and counters never decrease around the canary's edges, over two cycles")
    func monotonicAcrossCanary() throws {
        var f = Fleet(seed: 11)
        var last: [String: Double] = [:]
        var checked = 0
        for t: Int64 in [430, 438, 439, 440, 441, 442, 470, 500, 530, 558, 559, 560, 561, 600, 1039, 1040, 1041, 1100, 1159, 1160, 1161] {
            f.advance(to: t * 1000)
            for (series, v) in monotonicSamples(try families(f, "kserve-churn")) {
                if let before = last[series] {
                    #expect(v >= before, "\(series) went from \(before) to \(v) at \(t) s")
                    checked += 1
                }
                last[series] = v
            }
        }
        #expect(checked > 1000)
    }

    @Test("kserve-churn.log: the canary pod's start-up before 440 s, its errors, its shutdown at 560 s")
    func logs() {
        var f = Fleet()
        f.advance(to: 600_000)
        let churn = f.drainLogLines().filter { $0.source == "kserve-churn.log" }
        func at(_ text: String, _ range: Range<Int64>) -> Bool {
            churn.contains { $0.text.contains(text) && range.contains($0.elapsedMilliseconds) }
        }
        #expect(at("kserve INFO [register_model():363] Registering model: churn-predictor", 439_000..<440_000))
        #expect(at("uvicorn.error INFO [_log_started_message():214] Uvicorn running on http://0.0.0.0:8080", 439_000..<440_000))
        #expect(at("kserve INFO [stop():281] Stopping the model server", 560_000..<561_000))
        #expect(at("uvicorn.error INFO [_serve():91] Finished server process [1]", 560_000..<561_000))
        let canaryErrors = churn.filter { $0.text.contains("KeyError: 'days_since_last_login'") }
        #expect(canaryErrors.count > 5)
        #expect(canaryErrors.allSatisfy { (440_000..<560_000).contains($0.elapsedMilliseconds) })
        #expect(churn.filter { $0.text.contains("Registering model") }.count == 2, "start-up at 0 s and the canary's")
        // KServe's plain format, like the rest of the file.
        let format = /2024-11-29 17:\d\d:\d\d\.\d{3} 1 (kserve|uvicorn\.error|uvicorn\.access) (INFO|ERROR) \[[a-z_]+\(\):\d+\] .+/
        #expect(churn.filter { !$0.text.contains("kserve.trace") }.allSatisfy { $0.text.wholeMatch(of: format) != nil })
        #expect(churn.map(\.elapsedMilliseconds) == churn.map(\.elapsedMilliseconds).sorted())
    }

    @Test("deterministic: the same seed gives the same canary, step sizes do not matter, another seed differs")
    func determinism() {
        let a = fleet(at: 500), b = fleet(at: 500), c = fleet(at: 500, seed: 43)
        #expect(a.exposition(for: "kserve-churn") == b.exposition(for: "kserve-churn"))
        #expect(a.exposition(for: "kserve-churn") != c.exposition(for: "kserve-churn"))
        var a2 = a, b2 = b
        #expect(a2.drainLogLines() == b2.drainLogLines())

        let end: Int64 = 575_500
        var one = Fleet()
        one.advance(to: end)
        let oneLogs = one.drainLogLines()
        var small = Fleet()
        var smallLogs: [DemoLogLine] = []
        var t: Int64 = 0
        while t < end { t = min(end, t + 777); small.advance(to: t); smallLogs += small.drainLogLines() }
        #expect(one.exposition(for: "kserve-churn") == small.exposition(for: "kserve-churn"))
        #expect(oneLogs == smallLogs)
    }

    @Test("the other targets, and kserve-churn before the canary, are as without a canary")
    func othersUnchanged() {
        // Without the canary, kserve-churn would draw the same stable revision stream.
        var plain = KServeServer.churn
        plain.canary = nil
        var withCanary = KServeServer.churn
        var plainLogs: [DemoLogLine] = [], canaryLogs: [DemoLogLine] = []
        for second: Int64 in 0..<439 {
            var r = SplitMix64(seed: 42, second: second, stream: 3)
            plain.step(second: second, rng: &r, logs: &plainLogs)
            var r2 = SplitMix64(seed: 42, second: second, stream: 3)
            var c = SplitMix64(seed: 42, second: second, stream: 6)
            withCanary.step(second: second, rng: &r2, canaryRng: &c, logs: &canaryLogs)
        }
        #expect(plain.exposition() == withCanary.exposition(now: 439))
        #expect(plainLogs == canaryLogs)
        // The canary has its own random stream: the other servers never see it.
        let f = fleet(at: 500)
        var g = Fleet()
        g.advance(to: 500_000)
        for target in ["triton-a", "vllm-0", "kserve-credit"] { #expect(f.exposition(for: target) == g.exposition(for: target)) }
    }

    @Test func scenarioHasTheCanary() {
        let s = Fleet().scenario
        #expect(s.contains { $0.atMilliseconds == 440_000 && $0.endMilliseconds == 560_000 && $0.target == "kserve-churn" && $0.description.contains("00008") })
        #expect(s.contains { $0.atMilliseconds == 560_000 && $0.target == "kserve-churn" && $0.description.contains("rollback") })
        #expect(s.map(\.atMilliseconds) == s.map(\.atMilliseconds).sorted())
    }
}
