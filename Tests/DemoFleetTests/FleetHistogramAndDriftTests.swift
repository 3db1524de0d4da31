@testable import DemoFleet
import Telemetry
import Testing

@Suite("Triton's first-response histogram and credit-scorer's drift")
struct FleetHistogramAndDriftTests {
    static let fraud = "fraud-detector"
    static let firstResponse = "nv_inference_first_response_histogram_ms"
    static let ratio = "model_input_feature_ratio"
    static let dti = ["model_name": "credit-scorer", "feature": "debt_to_income"]

    // MARK: - Triton

    @Test("fraud-detector's first-response histogram: prometheus-cpp layout, the model's buckets, only for the decoupled model")
    func tritonHistogramShape() throws {
        let f = fleet(at: 60)
        let text = try #require(f.exposition(for: "triton-a"))
        let fams = try families(f, "triton-a")
        let fam = try #require(fams.first { $0.name == Self.firstResponse })
        #expect(fam.type == .histogram)
        #expect(fam.help == "Duration from request to first response in milliseconds")
        let les = fam.samples.filter { $0.name.hasSuffix("_bucket") }.compactMap { $0.labels["le"] }
        #expect(les == ["5", "10", "20", "30", "50", "75", "100", "150", "200", "300", "500", "1000", "+Inf"])
        #expect(Set(fam.samples.map { $0.labels["model"] }) == [Self.fraud], "image-embedder is not decoupled: no series")
        // prometheus-cpp: _count, _sum, then the buckets; labels sorted, `le` last.
        let lines = text.split(separator: "\n").filter { $0.hasPrefix(Self.firstResponse) }
        #expect(lines.first?.hasPrefix(Self.firstResponse + "_count{model=\"fraud-detector\",version=\"3\"} ") == true)
        #expect(lines.dropFirst().first?.hasPrefix(Self.firstResponse + "_sum{model=\"fraud-detector\",version=\"3\"} ") == true)
        #expect(lines.dropFirst(2).first?.hasPrefix(Self.firstResponse + "_bucket{model=\"fraud-detector\",version=\"3\",le=\"5\"} ") == true)
        // Whole milliseconds: the sum is an integer.
        let sum = try #require(value(fams, Self.firstResponse + "_sum", ["model": Self.fraud]))
        #expect(sum > 0 && sum == sum.rounded())
    }

    @Test("the histogram agrees with the request counters and the duration counter", arguments: [Int64(90), 250, 590])
    func tritonHistogramConsistent(seconds: Int64) throws {
        let fams = try families(fleet(at: seconds), "triton-a")
        let v = TritonServer.fraudVersion(atSecond: seconds)
        let m = ["model": Self.fraud, "version": v]
        let count = try #require(value(fams, Self.firstResponse + "_count", m))
        #expect(count == value(fams, "nv_inference_request_success", m))
        #expect(count == value(fams, "nv_inference_request_summary_us_count", m))
        // Each observation is the request duration truncated to whole ms.
        let sumMs = try #require(value(fams, Self.firstResponse + "_sum", m))
        let durationMs = try #require(value(fams, "nv_inference_request_duration_us", m)) / 1000
        #expect(sumMs <= durationMs && sumMs > durationMs - count, "sum \(sumMs) ms, duration \(durationMs) ms, count \(count)")
    }

    @Test("p99 from the histogram's 60 s bucket increases: ~40 ms healthy, ~120 ms with v4, back after the rollback")
    func tritonHistogramP99() throws {
        func p99(from a: Int64, to b: Int64) throws -> Double {
            let version = TritonServer.fraudVersion(atSecond: b)
            let inc = bucketIncreases(from: try families(fleet(at: a), "triton-a"), to: try families(fleet(at: b), "triton-a"),
                                      Self.firstResponse, ["model": Self.fraud, "version": version])
            return bucketQuantile(0.99, inc)
        }
        let healthy = try p99(from: 30, to: 90)
        let incident = try p99(from: 140, to: 200)
        let late = try p99(from: 330, to: 390)
        let after = try p99(from: 530, to: 590)
        #expect(healthy > 25 && healthy < 60, "p99 at 90 s: \(healthy) ms")
        #expect(incident > 90 && incident < 170, "p99 at 200 s: \(incident) ms")
        #expect(late > 90 && late < 170, "p99 at 390 s: \(late) ms")
        #expect(after < 60, "p99 at 590 s: \(after) ms")
        // And it agrees with the summary's p99 (the same requests, another estimator).
        let summary = try #require(value(try families(fleet(at: 200), "triton-a"), "nv_inference_request_summary_us",
                                         ["model": Self.fraud, "quantile": "0.99"])) / 1000
        #expect(abs(incident - summary) / summary < 0.2, "histogram \(incident) ms, summary \(summary) ms")
    }

    @Test("the v3 and v4 histogram series come and go with the version swap")
    func tritonHistogramFollowsVersions() throws {
        let at99 = try families(fleet(at: 99), "triton-a")
        let at100 = try families(fleet(at: 100), "triton-a")
        let at400 = try families(fleet(at: 400), "triton-a")
        let c = Self.firstResponse + "_count"
        #expect(value(at99, c, ["version": "3"])! > 0 && value(at99, c, ["version": "4"]) == nil)
        #expect(value(at100, c, ["version": "3"]) == nil && value(at100, c, ["version": "4"]) == 0)
        #expect(value(at100, Self.firstResponse + "_bucket", ["version": "4", "le": "+Inf"]) == 0)
        #expect(value(at400, c, ["version": "4"]) == nil && value(at400, c, ["version": "3"])! > 0)
    }

    // MARK: - credit-scorer drift

    @Test("credit-scorer's own histograms: names, labels and buckets in prometheus_client's style")
    func creditHistogramShape() throws {
        let f = fleet(at: 60)
        let text = try #require(f.exposition(for: "kserve-credit"))
        let fams = try families(f, "kserve-credit")
        func les(_ name: String, _ match: [String: String]) -> [String] {
            fams.flatMap(\.samples).filter { s in s.name == name + "_bucket" && match.allSatisfy { s.labels[$0.key] == $0.value } }
                .compactMap { $0.labels["le"] }
        }
        for name in [Self.ratio, "model_input_feature_usd", "model_prediction_score"] {
            #expect(fams.first { $0.name == name }?.type == .histogram, "\(name)")
        }
        #expect(les(Self.ratio, Self.dti) == (1...20).map { "\(Double($0) / 10)" } + ["+Inf"])
        #expect(les(Self.ratio, ["feature": "credit_utilization"]).count == 21)
        #expect(les("model_input_feature_usd", ["feature": "annual_income"]).first == "10000.0")
        #expect(les("model_input_feature_usd", ["feature": "annual_income"]).last == "+Inf")
        #expect(les("model_prediction_score", ["model_name": "credit-scorer"]) == (1...10).map { "\(Double($0) / 10)" } + ["+Inf"])
        #expect(text.contains("model_input_feature_ratio_bucket{model_name=\"credit-scorer\",feature=\"debt_to_income\",le=\"0.1\"} "))
        #expect(text.contains("\nmodel_input_feature_ratio_count{model_name=\"credit-scorer\",feature=\"debt_to_income\"} "))
        // Every scored request is observed once, like the traffic.
        let scored = total(fams, "revision_app_request_count", ["response_code": "200"])
        #expect(value(fams, "model_prediction_score_count") == scored)
        #expect(value(fams, Self.ratio + "_count", Self.dti) == scored)
        #expect(value(fams, "model_input_feature_usd_count", ["feature": "annual_income"]) == scored)
        // prometheus_client writes _count before _sum; the queue-proxy's Go expfmt _sum before _count.
        func at(_ needle: String) -> String.Index? { text.firstRange(of: needle)?.lowerBound }
        #expect(at("\nmodel_prediction_score_count{")! < at("\nmodel_prediction_score_sum{")!)
        #expect(at("\nrevision_app_request_latencies_sum{")! < at("\nrevision_app_request_latencies_count{")!)
        // The churn server has no such metrics.
        #expect(!(try families(f, "kserve-churn")).contains { $0.name.hasPrefix("model_") })
    }

    @Test("debt_to_income drifts from 180 s: PSI between 2-minute windows is clearly above 0.25; healthy windows stay well under 0.1")
    func creditDriftPSI() throws {
        let snapshots = Dictionary(uniqueKeysWithValues: try [0, 60, 120, 180, 300, 420, 520, 600, 720].map { ($0, try families(fleet(at: Int64($0)), "kserve-credit")) })
        func window(_ a: Int, _ b: Int, _ name: String = Self.ratio, _ match: [String: String] = Self.dti) -> [(le: Double, count: Double)] {
            bucketIncreases(from: snapshots[a]!, to: snapshots[b]!, name, match)
        }
        let drifted = psi(reference: window(60, 180), current: window(300, 420))
        let healthy = psi(reference: window(0, 120), current: window(120, 180))
        let nextCycle = psi(reference: window(0, 120), current: window(600, 720))
        let afterRevert = psi(reference: window(60, 180), current: window(520, 600))
        #expect(drifted > 0.4 && drifted < 1.0, "PSI [60,180) vs [300,420): \(drifted)")
        #expect(healthy < 0.1, "PSI [0,120) vs [120,180): \(healthy)")
        #expect(nextCycle < 0.1, "PSI [0,120) vs [600,720): \(nextCycle)")
        #expect(afterRevert < 0.1, "PSI [60,180) vs [520,600): \(afterRevert)")

        // The scores follow a little; the other features do not move.
        let score = ["model_name": "credit-scorer"]
        let scorePSI = psi(reference: window(60, 180, "model_prediction_score", score), current: window(300, 420, "model_prediction_score", score))
        #expect(scorePSI > 0.03 && scorePSI < drifted, "score PSI \(scorePSI)")
        let util = ["feature": "credit_utilization"], income = ["feature": "annual_income"]
        #expect(psi(reference: window(60, 180, Self.ratio, util), current: window(300, 420, Self.ratio, util)) < 0.1)
        #expect(psi(reference: window(60, 180, "model_input_feature_usd", income), current: window(300, 420, "model_input_feature_usd", income)) < 0.1)

        // Medians from the buckets: about 0.31 before, about 0.42 during.
        let before = bucketQuantile(0.5, window(60, 180)), during = bucketQuantile(0.5, window(300, 420))
        #expect(before > 0.27 && before < 0.35 && during > 0.37 && during < 0.47, "median \(before) -> \(during)")
    }

    @Test("the drift is silent: no more errors and no slower predictions for credit-scorer")
    func creditDriftIsSilent() throws {
        let a = try families(fleet(at: 60), "kserve-credit"), b = try families(fleet(at: 180), "kserve-credit")
        let c = try families(fleet(at: 300), "kserve-credit"), d = try families(fleet(at: 420), "kserve-credit")
        func errorShare(_ x: [MetricFamily], _ y: [MetricFamily]) -> Double {
            let all = total(y, "revision_app_request_count") - total(x, "revision_app_request_count")
            let ok = total(y, "revision_app_request_count", ["response_code_class": "2xx"]) - total(x, "revision_app_request_count", ["response_code_class": "2xx"])
            return 1 - ok / all
        }
        #expect(errorShare(c, d) < 0.01)
        let m = ["model_name": "credit-scorer"]
        let p50Before = bucketQuantile(0.5, bucketIncreases(from: a, to: b, "revision_app_request_latencies", ["response_code": "200"]))
        let p50During = bucketQuantile(0.5, bucketIncreases(from: c, to: d, "revision_app_request_latencies", ["response_code": "200"]))
        #expect(abs(p50During - p50Before) / p50Before < 0.15, "p50 \(p50Before) -> \(p50During) ms")
        let predictBefore = bucketQuantile(0.99, bucketIncreases(from: a, to: b, "request_predict_seconds", m))
        let predictDuring = bucketQuantile(0.99, bucketIncreases(from: c, to: d, "request_predict_seconds", m))
        #expect(abs(predictDuring - predictBefore) / predictBefore < 0.2, "predict p99 \(predictBefore) -> \(predictDuring) s")
    }

    @Test("kserve-credit.log tells the upstream schema change at 180 s and its revert at 520 s, as JSON lines")
    func creditDriftLogs() {
        var f = Fleet()
        f.advance(to: 179_000)
        let before = f.drainLogLines().filter { $0.source == "kserve-credit.log" }
        f.advance(to: 600_000)
        let during = f.drainLogLines().filter { $0.source == "kserve-credit.log" }
        #expect(!before.contains { $0.text.contains("credit_scorer.features") })
        let features = during.filter { $0.text.contains("\"name\": \"credit_scorer.features\"") }
        #expect(features.count == 4)
        let warning = features.first { $0.text.contains("\"levelname\": \"WARNING\"") }
        #expect(warning.map { (180_000..<181_000).contains($0.elapsedMilliseconds) } == true)
        #expect(warning?.text.hasPrefix("{\"asctime\": \"2024-11-29 17:23:00,") == true, "\(String(describing: warning))")
        #expect(warning?.text.contains("bureau_tradelines") == true && warning?.text.contains("debt_to_income") == true)
        #expect(features.contains { (520_000..<521_000).contains($0.elapsedMilliseconds) && $0.text.contains("schema version 2024-10-07") })
        #expect(features.allSatisfy { $0.text.hasPrefix("{\"asctime\": \"2024-11-29 17:2") && $0.text.hasSuffix("\"}") })
    }

    @Test func scenarioDescribesTheDrift() {
        let s = Fleet().scenario
        #expect(s.contains { $0.atMilliseconds == 180_000 && $0.endMilliseconds == 520_000 && $0.target == "kserve-credit" && $0.description.contains("debt_to_income") })
        #expect(s.contains { $0.atMilliseconds == 520_000 && $0.target == "kserve-credit" })
        #expect(s.map(\.atMilliseconds) == s.map(\.atMilliseconds).sorted())
    }

    // MARK: - Determinism

    @Test("the new series are deterministic: same seed and time, same bytes; another seed differs")
    func newSeriesDeterministic() throws {
        for t: Int64 in [200, 450, 777] {
            let a = fleet(at: t), b = fleet(at: t), c = fleet(at: t, seed: 9)
            for target in ["triton-a", "kserve-credit"] {
                let ta = try #require(a.exposition(for: target)), tb = try #require(b.exposition(for: target))
                #expect(ta == tb, "\(target) at \(t) s")
                #expect(ta != c.exposition(for: target))
            }
            let pick = { (f: Fleet) in f.exposition(for: "kserve-credit")!.split(separator: "\n").filter { $0.hasPrefix("model_") } }
            #expect(!pick(a).isEmpty && pick(a) == pick(b) && pick(a) != pick(c))
        }
    }
}
