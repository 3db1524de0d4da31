@testable import Dashboard
import Models
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// The model view's data: the latency heatmap read from bucket counters, and the chart range.
@Suite struct ModelViewTests {
    /// A store with one histogram `lat_ms` of model m on job j: buckets 10, 50, +Inf (ms),
    /// sampled every 10 s from t=0 to t=60 s; each 10 s, 5 requests ≤10 ms and 3 in (10, 50].
    /// At t=40 s the counters reset (a restart) and start again from the new increase.
    func store() -> SeriesStore {
        var store = SeriesStore(retention: .minutes(60))
        let bounds = ["10", "50", "+Inf"]
        for step in 0...6 {
            let t = Timestamp(milliseconds: Int64(step) * 10_000)
            let k = step < 4 ? Double(step) : Double(step - 4) + 1  // reset at step 4 (40 s): counts restart at 1 step
            let cumulative = [5 * k, 8 * k, 8 * k]
            for (i, le) in bounds.enumerated() {
                let key = SeriesKey(name: "lat_ms_bucket", labels: Labels(["job": "j", "model": "m", "le": le]))
                store.append(key, Point(t: t, v: cumulative[i]))
            }
        }
        return store
    }

    @Test func heatmapCountsPerBucketPerSlotAndSurvivesAReset() throws {
        let key = ModelKey(job: "j", name: "m")
        let heat = try #require(LatencyHeatmap.read(store: store(), key: key, metric: "lat_ms",
                                                    start: Timestamp(milliseconds: 0), end: Timestamp(milliseconds: 60_000),
                                                    slots: 3, modelsOnJob: 1))
        #expect(heat.labels == ["≤10.0ms", "≤50.0ms", ">50.0ms"])
        // Each 20 s slot holds two 10 s steps: 10 requests ≤10 ms, 6 in (10, 50], none above.
        // The reset at 40 s counts its value after the reset (one step), as `increase` does.
        #expect(heat.cells == [[10, 6, 0], [10, 6, 0], [10, 6, 0]])
    }

    @Test func heatmapMarksSlotsWithoutSamplesAsNoData() throws {
        let key = ModelKey(job: "j", name: "m")
        let heat = try #require(LatencyHeatmap.read(store: store(), key: key, metric: "lat_ms",
                                                    start: Timestamp(milliseconds: 60_000), end: Timestamp(milliseconds: 120_000),
                                                    slots: 2, modelsOnJob: 1))
        #expect(heat.cells == [[nil, nil, nil], [nil, nil, nil]])
    }

    @Test func bucketUnitsComeFromTheName() {
        #expect(LatencyHeatmap.secondsPerUnit("nv_inference_first_response_histogram_ms") == 0.001)
        #expect(LatencyHeatmap.secondsPerUnit("revision_app_request_latencies") == 0.001)
        #expect(LatencyHeatmap.secondsPerUnit(":tensorflow:serving:request_latency") == 0.000_001)
        #expect(LatencyHeatmap.secondsPerUnit("vllm:e2e_request_latency_seconds") == 1)
    }

    @Test func fittingMergesAdjacentBucketsAndDropsEmptyEnds() {
        let heat = LatencyHeatmap(metric: "x", cells: [[0, 1, 2, 3, 0, 0], [0, 1, 1, 1, 0, 0]],
                                  labels: ["a", "b", "c", "d", "e", "f"])
        let fitted = heat.fitted(rows: 2)
        // Empty ends trimmed to one bucket of margin each side (a..e), then 5 buckets in 2 rows.
        #expect(fitted.labels == ["b", "e"])
        #expect(fitted.cells == [[1, 5], [1, 2]])
    }

    @Test func minusAndPlusChangeTheChartRange() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(30))
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.chartRange == .fifteenMinutes)
        runtime.send(.keyPressed(.character("-")))
        #expect(runtime.state.ui.chartRange == .oneHour)
        runtime.send(.keyPressed(.character("-")))
        runtime.send(.keyPressed(.character("-")))
        #expect(runtime.state.ui.chartRange == .sixHours, "stops at the longest")
        for _ in 0..<4 { runtime.send(.keyPressed(.character("+"))) }
        #expect(runtime.state.ui.chartRange == .fiveMinutes)
        let text = PlainTextRenderer.text(View.render(runtime.state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("range 5m"))
    }
}

/// Two versions serving at once are compared side by side; a signal that was not computed
/// shows its reason, never a number.
@Suite struct ModelViewCanaryTests {
    @Test func twoServingVersionsAreComparedSideBySide() throws {
        var state = Fixtures.demoRuntime(at: .seconds(60)).state
        let key = try #require(state.models.keys.first { $0.name == "fraud-detector" })
        var model = try #require(state.models[key])
        var stableLatency = LatencySignals(), canaryLatency = LatencySignals()
        stableLatency.p99 = .value(0.041)
        canaryLatency.p99 = .value(0.125)
        let stable = VersionSignals(version: "3", traffic: .value(90), trafficShare: .value(0.9), errors: .value(0.001),
                                    latency: stableLatency)
        let canary = VersionSignals(version: "4", traffic: .value(10), trafficShare: .value(0.1), errors: .value(0.08),
                                    latency: canaryLatency)
        model.signals.byVersion = [stable, canary]
        model.signals.saturationSignals.kvCacheUsage = .notExported("Triton has no KV cache")
        state.models[key] = model
        state.ui.screen = .model(key)
        let text = PlainTextRenderer.text(View.render(state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("canary: 2 versions serving"), "\(text)")
        #expect(text.contains("v3          90.0%    0.10%   41.0ms"), "\(text)")
        #expect(text.contains("v4          10.0%    8.00%    125ms"), "\(text)")
        #expect(text.contains("not exported: KV cache"), "\(text)")
        #expect(!text.contains("KV cache  "), "no empty gauge for what is not exported")
    }
}

/// Drift that other tools export is read and shown for what it is, next to modelwatch's own.
@Suite struct ExternalDriftViewTests {
    @Test func evidentlyGaugesShowInTheDriftTableAsTheyAre() throws {
        var state = Fixtures.demoRuntime(at: .seconds(60)).state
        let at = state.now
        let labels = Labels(["job": "kserve-credit", "instance": "kserve-credit", "feature": "debt_to_income"])
        state.store.append(SeriesKey(name: "evidently:data_drift:p_value", labels: labels), Point(t: at, v: 0.003))
        state.store.append(SeriesKey(name: "evidently:data_drift:dataset_drift", labels: labels.removing(["feature"])),
                           Point(t: at, v: 1))
        DriftTracker.evaluate(at: at, state: &state)
        #expect(state.externalDrift.contains { $0.metric == "evidently:data_drift:p_value" && $0.value == 0.003 })
        var shown = state
        shown.ui.screen = .model(try #require(shown.models.keys.first { $0.name == "credit-scorer" }))
        let text = PlainTextRenderer.text(View.render(shown, theme: try Fixtures.theme("dark")))
        #expect(text.contains("evidently pValue debt_to_income: 0.003"), "\(text)")
        #expect(text.contains("evidently driftDetected: 1"), "\(text)")
        #expect(text.contains("drift "), "the verdict in words")
    }
}
