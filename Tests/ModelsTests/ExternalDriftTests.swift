import Models
import Telemetry
import Testing

/// Evidently's and Seldon/Alibi Detect's drift gauges, read as external readings.
@Suite struct ExternalDriftTests {
    /// What Evidently's Prometheus monitoring service exports (its monitors' metrics, prefixed
    /// `evidently:`, with a `dataset_name` label), and what Seldon Core exposes for an Alibi
    /// Detect drift detector (custom metrics `seldon_metric_drift_*`, per feature by `index`).
    static let exposition = """
        # HELP evidently:data_drift:p_value
        # TYPE evidently:data_drift:p_value gauge
        evidently:data_drift:p_value{dataset_name="transactions",feature="amount",feature_type="num"} 0.0031
        evidently:data_drift:p_value{dataset_name="transactions",feature="merchant_category",feature_type="cat"} 0.41
        # TYPE evidently:data_drift:dataset_drift gauge
        evidently:data_drift:dataset_drift{dataset_name="transactions"} 1
        # TYPE evidently:data_drift:share_drifted_features gauge
        evidently:data_drift:share_drifted_features{dataset_name="transactions"} 0.5
        # TYPE evidently:data_drift:n_drifted_features gauge
        evidently:data_drift:n_drifted_features{dataset_name="transactions"} 1
        # TYPE evidently:num_target_drift:drift gauge
        evidently:num_target_drift:drift{dataset_name="transactions",kind="prediction"} 0.02
        # TYPE evidently:regression_performance:mean_error gauge
        evidently:regression_performance:mean_error{dataset_name="transactions"} 0.1
        # TYPE seldon_metric_drift_is_drift gauge
        seldon_metric_drift_is_drift{deployment_name="fraud",model_name="cd",index="0"} 0
        # TYPE seldon_metric_drift_p_val gauge
        seldon_metric_drift_p_val{deployment_name="fraud",model_name="cd",index="0"} 0.27
        seldon_metric_drift_p_val{deployment_name="fraud",model_name="cd",index="1"} 0.004
        # TYPE seldon_metric_drift_distance gauge
        seldon_metric_drift_distance{deployment_name="fraud",model_name="cd",index="1"} 0.18
        # TYPE seldon_metric_drift_threshold gauge
        seldon_metric_drift_threshold{deployment_name="fraud",model_name="cd",index="0"} 0.05
        # TYPE unrelated_gauge gauge
        unrelated_gauge 3

        """

    @Test func readsEvidentlyAndSeldonGauges() throws {
        let readings = ExternalDrift.readings(in: try TextFormatParser.parse(Self.exposition))
        #expect(readings.count == 12)
        #expect(readings.filter { $0.source == .evidently }.count == 7)
        let amount = try #require(readings.first { $0.feature == "amount" })
        #expect(amount.kind == .pValue && amount.value == 0.0031)
        #expect(amount.description
                    == "external: evidently:data_drift:p_value{dataset_name=\"transactions\",feature=\"amount\",feature_type=\"num\"}=0.0031")
        let verdict = try #require(readings.first { $0.metric == "evidently:data_drift:dataset_drift" })
        #expect(verdict.kind == .driftDetected && verdict.indicatesDrift == true)
        #expect(readings.first { $0.metric == "evidently:data_drift:share_drifted_features" }?.kind == .driftedShare)
        #expect(readings.first { $0.metric == "evidently:data_drift:n_drifted_features" }?.kind == .driftedCount)
        #expect(readings.first { $0.metric == "evidently:num_target_drift:drift" }?.kind == .pValue)
        #expect(readings.first { $0.metric == "evidently:regression_performance:mean_error" }?.kind == .other)
        let seldonVerdict = try #require(readings.first { $0.metric == "seldon_metric_drift_is_drift" })
        #expect(seldonVerdict.indicatesDrift == false && seldonVerdict.feature == "0")
        #expect(readings.filter { $0.kind == .pValue && $0.source == .seldon }.map(\.value) == [0.27, 0.004])
        #expect(readings.first { $0.metric == "seldon_metric_drift_distance" }?.kind == .distance)
        #expect(readings.first { $0.metric == "seldon_metric_drift_threshold" }?.indicatesDrift == nil)
        #expect(!readings.contains { $0.metric == "unrelated_gauge" })
    }

    @Test func readsTheLatestFromTheStore() throws {
        var store = SeriesStore(retention: .minutes(60))
        let t0 = Timestamp(milliseconds: 1_700_000_000_000)
        let families = try TextFormatParser.parse(Self.exposition)
        store.ingest(families, at: t0, targetLabels: Labels(["job": "evidently", "instance": "ev:8085"]))
        let readings = ExternalDrift.readings(in: store, job: "evidently", at: t0 + .seconds(30))
        #expect(readings.count == 12)
        #expect(readings.allSatisfy { $0.labels["job"] == "evidently" })
        #expect(ExternalDrift.readings(in: store, job: "other", at: t0 + .seconds(30)).isEmpty)
        // Older than the lookback: gone.
        #expect(ExternalDrift.readings(in: store, job: "evidently", at: t0 + .minutes(6)).isEmpty)
    }

    @Test func classification() {
        #expect(ExternalDrift.classify("evidently:cat_target_drift:drift")?.1 == .pValue)
        #expect(ExternalDrift.classify("seldon_metric_drift_batch_score")?.1 == .score)
        #expect(ExternalDrift.classify("seldon_metric_drift_feature_score")?.1 == .score)
        #expect(ExternalDrift.classify("seldon_metric_drift_something_new")?.1 == .other)
        #expect(ExternalDrift.classify("seldon_api_executor_client_requests_seconds_bucket") == nil)
        #expect(ExternalDrift.classify("evidently_not_colon") == nil)
    }
}
