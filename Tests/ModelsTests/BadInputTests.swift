import Models
import Telemetry
import Testing

/// Servers that export something wrong: the signal says what it could not compute and why,
/// the problem is recorded, and no number is made up.
@Suite struct BadInputTests {
    static let start = Timestamp(milliseconds: 1_733_000_000_000)

    /// Expositions scraped every 15 s as job `job`; the first one's types are declared.
    struct Scrapes {
        var store = SeriesStore(retention: .minutes(60))
        var types = MetricTypes()
        var at = BadInputTests.start
        var count = 0

        init(_ texts: [String], job: String = "job", scrape: Bool = false) throws {
            for text in texts {
                let families = try TextFormatParser.parse(text)
                types.record(families)
                at = BadInputTests.start + .seconds(15) * Int64(count)
                let target = Labels(["job": job, "instance": job + ":8000"])
                if scrape {
                    store.ingestScrape(ScrapeResult(target: job, startedAt: at, duration: Milliseconds(5), outcome: .success(families)),
                                       targetLabels: target)
                } else {
                    store.ingest(families, at: at, targetLabels: target)
                }
                count += 1
            }
        }

        func model(_ name: String, declaredTypes: Bool = true, window: Milliseconds = .seconds(30),
                   mappings: [MetricMapping] = []) throws -> ModelSignals {
            try #require(ModelRecognizer.signals(in: store, job: "job", at: at, window: window, freshness: .seconds(20),
                                                 mappings: mappings, types: declaredTypes ? types : nil)
                .first { $0.key.name == name })
        }
    }

    /// A KServe predict histogram with the given bucket lines (`le` and count) and `_count`.
    static func kserve(_ buckets: [(String, Double)], count: Double) -> String {
        var text = "# HELP request_predict_seconds predict request latency\n# TYPE request_predict_seconds histogram\n"
        for (le, c) in buckets { text += "request_predict_seconds_bucket{model_name=\"churn\",le=\"\(le)\"} \(c)\n" }
        text += "request_predict_seconds_count{model_name=\"churn\"} \(count)\nrequest_predict_seconds_sum{model_name=\"churn\"} \(count * 0.03)\n"
        return text
    }

    @Test func aHistogramWithoutInfIsNotReadAsOne() throws {
        let scrapes = try Scrapes([100.0, 200.0].map { n in Self.kserve([("0.01", n * 0.2), ("0.05", n * 0.9), ("0.1", n)], count: n) })
        let churn = try scrapes.model("churn")
        #expect(churn.latency.p99.reason?.contains("no +Inf bucket") == true, "\(churn.latency.p99)")
        #expect(!churn.latency.p50.isValue)
        #expect(churn.problems.contains { $0.message.contains("no +Inf bucket") && $0.signal == .latencyP99 })
        #expect(churn.traffic.isValue, "the other signals still read")
    }

    @Test func bucketsThatGoBackwardsAreRefused() throws {
        let scrapes = try Scrapes([100.0, 200.0].map { n in
            Self.kserve([("0.01", n * 0.2), ("0.05", n * 0.9), ("0.1", n * 0.7), ("+Inf", n)], count: n)
        })
        let churn = try scrapes.model("churn")
        #expect(churn.latency.p99.reason?.contains("go backwards") == true, "\(churn.latency.p99)")
        let problem = try #require(churn.problems.first)
        #expect(problem.metric == "request_predict_seconds_bucket")
        #expect(problem.message.contains("le=\"0.05\"") && problem.message.contains("le=\"0.1\""), "\(problem)")
    }

    @Test func aCounterResetIsARestartNotAnError() throws {
        // Triton restarts between the second and third scrapes: its counters start again.
        func triton(_ success: Int, _ failed: Int) -> String {
            """
            # TYPE nv_inference_request_success counter
            nv_inference_request_success{model="m",version="1"} \(success)
            # TYPE nv_inference_request_failure counter
            nv_inference_request_failure{model="m",reason="BACKEND",version="1"} \(failed)

            """
        }
        let scrapes = try Scrapes([triton(10_000, 10), triton(10_300, 13), triton(200, 1)])
        let model = try scrapes.model("m", window: .seconds(45))
        #expect(model.problems.isEmpty, "\(model.problems)")
        // Exactly what Prometheus's rate gives over the same points.
        let points = [10_010.0, 10_313, 201].enumerated().map { Point(t: Self.start + .seconds(15) * Int64($0.offset), v: $0.element) }
        let expected = RangeFunctions.rate(points, windowStart: scrapes.at - .seconds(45), windowEnd: scrapes.at)!
        #expect(abs((model.traffic.value ?? 0) - expected) < 1e-9, "\(model.traffic) vs \(expected)")
        #expect((model.traffic.value ?? 0) > 0)
        #expect(model.errors.isValue)
    }

    @Test func aVersionLabelThatFlapsSpoilsOnlyThePerVersionSignals() throws {
        func triton(_ version: String, _ success: Int) -> String {
            """
            # TYPE nv_inference_request_success counter
            nv_inference_request_success{model="m",version="\(version)"} \(success)
            # TYPE nv_inference_request_failure counter
            nv_inference_request_failure{model="m",reason="BACKEND",version="\(version)"} 0

            """
        }
        // Two replicas behind one address answer in turn, each with its own version.
        let scrapes = try Scrapes([triton("3", 1000), triton("4", 50), triton("3", 1100), triton("4", 60), triton("3", 1200)], scrape: true)
        let model = try scrapes.model("m", window: .minutes(1))
        let flap = try #require(model.problems.first { $0.message.contains("flaps") })
        #expect(flap.signal == nil)
        #expect(flap.message.contains("version"), "\(flap)")
        #expect(model.byVersion.allSatisfy { !$0.trafficShare.isValue && $0.trafficShare.reason?.contains("flaps") == true })

        // A deploy (3 then 4) and a rollback (3, 4, 3) do not flap.
        let deploy = try Scrapes([triton("3", 1000), triton("3", 1100), triton("4", 10), triton("4", 30)], scrape: true)
        #expect(try deploy.model("m", window: .minutes(1)).problems.isEmpty)
        let rollback = try Scrapes([triton("3", 1000), triton("4", 10), triton("4", 30), triton("3", 1100)], scrape: true)
        #expect(try rollback.model("m", window: .minutes(1)).problems.isEmpty)
    }

    @Test func aGaugeNamedLikeACounterIsRefusedByItsType() throws {
        // Declared as a gauge: with the types, refused at once.
        func text(_ v: Int) -> String {
            "# TYPE nv_inference_request_success gauge\nnv_inference_request_success{model=\"m\",version=\"1\"} \(v)\n"
        }
        let scrapes = try Scrapes([text(40), text(55)])
        let declared = try scrapes.model("m")
        #expect(declared.traffic.reason?.contains("# TYPE gauge") == true, "\(declared.traffic)")
        #expect(declared.problems.contains { $0.metric == "nv_inference_request_success" && $0.signal == .traffic })

        // Without the types (the store keeps none), its shape gives it away: it goes up and down.
        let wobbling = try Scrapes([text(40), text(55), text(31), text(47), text(22)])
        let shaped = try wobbling.model("m", declaredTypes: false, window: .minutes(1))
        #expect(shaped.traffic.reason?.contains("behaves like a gauge") == true, "\(shaped.traffic)")
        #expect(shaped.problems.contains { $0.message.contains("went down 2 times") })
    }

    @Test func aSummaryWithoutQuantilesOrAHistogramWithoutBucketsIsNamed() throws {
        let triton = """
            # TYPE nv_inference_request_success counter
            nv_inference_request_success{model="m",version="1"} 100
            # TYPE nv_inference_request_summary_us gauge
            nv_inference_request_summary_us{model="m",version="1"} 8200

            """
        let m = try Scrapes([triton]).model("m", declaredTypes: false)
        #expect(m.problems.contains { $0.message.contains("no quantile label") }, "\(m.problems)")
        #expect(!m.latency.p99.isValue)

        let kserve = """
            # TYPE request_predict_seconds gauge
            request_predict_seconds{model_name="churn"} 0.021
            # TYPE request_predict_seconds_count counter
            request_predict_seconds_count{model_name="churn"} 1000

            """
        let churn = try Scrapes([kserve]).model("churn", declaredTypes: false)
        #expect(churn.problems.contains { $0.message.contains("not as a histogram") }, "\(churn.problems)")
    }

    @Test func aRatioInTheWrongUnitIsNotShown() throws {
        // A proxy rewrote vLLM's 0...1 KV-cache share as percent.
        let vllm = """
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{model_name="llama"} 3
            # TYPE vllm:gpu_cache_usage_perc gauge
            vllm:gpu_cache_usage_perc{model_name="llama"} 83.1

            """
        let llama = try Scrapes([vllm]).model("llama")
        #expect(!llama.saturationSignals.kvCacheUsage.isValue)
        #expect(llama.saturationSignals.kvCacheUsage.reason?.contains("outside 0...1") == true)
        #expect(llama.saturation == nil, "no made-up busiest value")
        #expect(llama.problems.contains { $0.signal == .kvCacheUsage })
    }

    @Test func moreFailuresThanRequestsIsAProblem() throws {
        func ray(_ requests: Int, _ errors: Int) -> String {
            """
            # TYPE ray_serve_deployment_request_counter_total counter
            ray_serve_deployment_request_counter_total{deployment="D",replica="D#1"} \(requests)
            # TYPE ray_serve_deployment_error_counter_total counter
            ray_serve_deployment_error_counter_total{deployment="D",replica="D#1"} \(errors)

            """
        }
        let d = try Scrapes([ray(100, 10), ray(110, 40)]).model("D")
        #expect(!d.errors.isValue)
        #expect(d.problems.contains { $0.signal == .errors && $0.message.contains("more failed requests") })
    }

    @Test func bucketLayoutsThatDifferCannotBeAddedUp() throws {
        func qp(_ n: Double) -> String {
            """
            # TYPE request_predict_seconds histogram
            request_predict_seconds_bucket{model_name="churn",pod="a",le="0.1"} \(n * 0.5)
            request_predict_seconds_bucket{model_name="churn",pod="a",le="+Inf"} \(n)
            request_predict_seconds_count{model_name="churn",pod="a"} \(n)
            request_predict_seconds_bucket{model_name="churn",pod="b",le="0.2"} \(n * 0.5)
            request_predict_seconds_bucket{model_name="churn",pod="b",le="+Inf"} \(n)
            request_predict_seconds_count{model_name="churn",pod="b"} \(n)

            """
        }
        let churn = try Scrapes([qp(100), qp(200)]).model("churn")
        #expect(churn.latency.p99.reason?.contains("different bucket bounds") == true, "\(churn.latency.p99)")
    }

    @Test func noRequestsInTheWindowIsNotAZeroErrorRate() throws {
        let text = """
            # TYPE nv_inference_request_success counter
            nv_inference_request_success{model="m",version="1"} 100
            # TYPE nv_inference_request_failure counter
            nv_inference_request_failure{model="m",reason="BACKEND",version="1"} 2

            """
        let m = try Scrapes([text, text]).model("m")
        #expect(m.traffic == .value(0))
        #expect(m.errors.reason?.contains("no requests") == true, "\(m.errors)")
        #expect(m.problems.isEmpty)
    }
}
