import Models
import Telemetry
import Testing

/// The config's `model_metrics:` mappings: any exporter's names read as the same signals.
@Suite struct MetricMappingTests {
    typealias F = ServerFixture

    static let fraudAPI = MetricMapping(
        name: "fraud-api", modelLabel: "model", versionLabel: "model_version",
        requests: "fraud_api_requests_total", errorLabel: "code", errorValues: ["5xx"],
        latencyHistogram: "fraud_api_request_duration_milliseconds", latencyUnit: .milliseconds,
        inFlight: "fraud_api_inflight_requests")

    @Test func aMappedExporterReadsLikeABuiltInServer() throws {
        let scraped = try ScrapedJob("custom-exporter.prom", job: "fraud-api")
        #expect(scraped.recognize().kinds.isEmpty, "no built-in kind knows these names")
        let found = scraped.recognize(mappings: [Self.fraudAPI])
        #expect(found.kinds == [.custom])
        #expect(found.mappings == ["fraud-api"])
        let file = try F.families("custom-exporter.prom")
        let model = try scraped.model("xgb-fraud", mappings: [Self.fraudAPI])
        #expect(model.kind == .custom)
        #expect(model.mapping == "fraud-api")
        #expect(model.versions == ["2024-11-28", "2024-12-02"])
        let all = F.sum(file, "fraud_api_requests_total")
        #expect(close(model.traffic.value, rate(all)))
        #expect(close(model.errors.value, (55 + 97) / all), "5xx only; 422 is the caller's")
        #expect(close(model.latency.p99.value, F.quantile(0.99, file, "fraud_api_request_duration_milliseconds") / 1000))
        #expect(model.saturationSignals.inFlight.value == 9)
        #expect(model.saturationSignals.queueDepth.reason?.contains("mapping fraud-api") == true)
        let newer = try #require(model.byVersion.last)
        #expect(close(newer.errors.value, 97 / F.sum(file, "fraud_api_requests_total", ["model_version": "2024-12-02"])))
        #expect(model.problems.isEmpty)
    }

    @Test func matchLimitsAMappingToTheJobsItNames() throws {
        var mapping = Self.fraudAPI
        mapping.match = ["job": "somewhere-else"]
        let scraped = try ScrapedJob("custom-exporter.prom", job: "fraud-api")
        #expect(scraped.recognize(mappings: [mapping]).models.isEmpty)
        mapping.match = ["job": "fraud-api"]
        #expect(scraped.recognize(mappings: [mapping]).models.count == 1)
    }

    @Test func withoutAModelLabelTheJobIsTheModel() throws {
        let mapping = MetricMapping(name: "plain", requests: "fraud_api_requests_total", errors: nil,
                                    latencyHistogram: "fraud_api_request_duration_milliseconds", latencyUnit: .milliseconds)
        let found = try ScrapedJob("custom-exporter.prom", job: "fraud-api").recognize(mappings: [mapping])
        #expect(found.models.map(\.key.name) == ["fraud-api"])
        #expect(found.models.first?.errors.reason?.contains("no errors counter") == true)
    }

    @Test func aMappingWinsANameClashWithABuiltInKind() throws {
        // Someone maps Triton's own counters (say, to count only successes as traffic).
        let mapping = MetricMapping(name: "triton-success", modelLabel: "model", versionLabel: "version",
                                    requests: "nv_inference_request_success")
        let found = try ScrapedJob("triton.prom", job: "triton").recognize(mappings: [mapping])
        #expect(found.kinds.contains(.triton) && found.kinds.contains(.custom))
        #expect(found.models.filter { $0.key.name == "fraud-detector" }.count == 1)
        #expect(found.models.first { $0.key.name == "fraud-detector" }?.kind == .custom)
    }

    @Test func unitsAndErrorValues() {
        #expect(LatencyUnit(text: "µs") == .microseconds)
        #expect(LatencyUnit(text: "ms")?.scale == 1e-3)
        #expect(LatencyUnit(text: "minutes") == nil)
    }
}
