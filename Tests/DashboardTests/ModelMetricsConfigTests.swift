import Dashboard
import Foundation
import Models
import TestSupport
import Testing

/// The config's `model_metrics:` section: other exporters' names mapped onto the model signals.
@Suite struct ModelMetricsConfigTests {
    static let targets = "targets:\n  - url: http://127.0.0.1:9310/metrics\n"

    func parse(_ section: String) throws -> [MetricMapping] {
        try AppConfig.parse(Self.targets + section, file: "mw.yaml").modelMetrics
    }

    func error(_ section: String) -> ConfigError? {
        do { _ = try AppConfig.parse(Self.targets + section, file: "mw.yaml"); return nil } catch { return error }
    }

    @Test func everyKeyParses() throws {
        let mappings = try parse("""
            model_metrics:
              - name: fraud-api
                match: { job: fraud-api, env: prod }
                model_label: model
                version_label: model_version
                requests: fraud_api_requests_total
                errors: fraud_api_failures_total
                error_reason_label: reason
                latency_histogram: fraud_api_request_duration_milliseconds
                latency_unit: ms
                queue_depth: fraud_api_queue
                in_flight: fraud_api_inflight
                gpu_utilization: gpu_busy_percent
                gpu_utilization_unit: percent
                gpu_memory_used_bytes: gpu_mem_used
                gpu_memory_total_bytes: gpu_mem_total
                kv_cache_usage: kv_used_ratio
              - requests: ":legacy:requests_count"
                error_label: status
                error_values: [5xx, "429"]
                latency_sum: legacy_latency_us_sum
                latency_count: legacy_latency_us_count
                latency_unit: us

            """)
        #expect(mappings.count == 2)
        let fraud = mappings[0]
        #expect(fraud == MetricMapping(
            name: "fraud-api", match: ["job": "fraud-api", "env": "prod"], modelLabel: "model", versionLabel: "model_version",
            requests: "fraud_api_requests_total", errors: "fraud_api_failures_total", errorReasonLabel: "reason",
            latencyHistogram: "fraud_api_request_duration_milliseconds", latencyUnit: .milliseconds,
            queueDepth: "fraud_api_queue", inFlight: "fraud_api_inflight", gpuUtilization: "gpu_busy_percent",
            gpuUtilizationUnit: .percent, gpuMemoryUsedBytes: "gpu_mem_used", gpuMemoryTotalBytes: "gpu_mem_total",
            kvCacheUsage: "kv_used_ratio"))
        let legacy = mappings[1]
        #expect(legacy.name == ":legacy:requests_count", "named after its requests metric by default")
        #expect(legacy.errorValues == ["5xx", "429"])
        #expect(legacy.latencyUnit == .microseconds)
        #expect(legacy.modelLabel == nil)
    }

    @Test func theSampleMappingParses() throws {
        let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("sample-data/servers/custom-exporter.yaml"), encoding: .utf8)
        let config = try AppConfig.parse(text, file: "custom-exporter.yaml")
        #expect(config.modelMetrics.map(\.name) == ["fraud-api"])
    }

    @Test func mistakesAreNamedWithLineAndKey() throws {
        let badName = try #require(error("model_metrics:\n  - requests: 'fraud{job=\"x\"}'\n"))
        #expect(badName.line == 4)
        #expect(badName.keyPath == "model_metrics[0].requests")
        #expect(badName.message.contains("not a metric name"))

        let badUnit = try #require(error("model_metrics:\n  - requests: r_total\n    latency_histogram: h\n    latency_unit: minutes\n"))
        #expect(badUnit.line == 6)
        #expect(badUnit.keyPath == "model_metrics[0].latency_unit")

        let unknown = try #require(error("model_metrics:\n  - requests: r_total\n    error_lable: code\n"))
        #expect(unknown.message.contains("error_lable"))
        #expect(unknown.line == 5)

        let nothing = try #require(error("model_metrics:\n  - model_label: model\n"))
        #expect(nothing.message.contains("name at least requests"))
        #expect(nothing.keyPath == "model_metrics[0]")

        let valuesWithoutLabel = try #require(error("model_metrics:\n  - requests: r_total\n    error_values: [5xx]\n"))
        #expect(valuesWithoutLabel.keyPath == "model_metrics[0].error_values")

        let labelWithoutValues = try #require(error("model_metrics:\n  - requests: r_total\n    error_label: code\n"))
        #expect(labelWithoutValues.message.contains("error_values"))

        let both = try #require(error("model_metrics:\n  - requests: r_total\n    errors: e_total\n    error_label: code\n    error_values: [5xx]\n"))
        #expect(both.keyPath == "model_metrics[0].errors")

        let sumAlone = try #require(error("model_metrics:\n  - latency_histogram: h\n    latency_sum: s\n"))
        #expect(sumAlone.keyPath == "model_metrics[0].latency_sum")

        let duplicate = try #require(error("model_metrics:\n  - requests: r_total\n  - requests: r_total\n"))
        #expect(duplicate.message.contains("duplicate"))
        #expect(duplicate.line == 5)

        let badLabel = try #require(error("model_metrics:\n  - requests: r_total\n    match: { 'job-name': x }\n"))
        #expect(badLabel.message.contains("not a label name"))
    }
}
