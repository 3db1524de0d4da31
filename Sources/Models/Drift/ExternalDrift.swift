import Telemetry

/// A drift figure that another tool computed and exported: Evidently's `evidently:*` gauges
/// (its Prometheus monitoring service) and Seldon Core's `seldon_metric_drift_*` (an Alibi
/// Detect drift detector behind Seldon). None of them is one of modelwatch's histogram
/// statistics (they are p-values, verdicts, shares, or a detector-specific distance), so they
/// are shown beside them as "external: name=value" entries, never mixed into PSI/JS/KS/W1.
public struct ExternalDriftReading: Sendable, Hashable, CustomStringConvertible {
    public enum Source: String, Sendable, Hashable {
        case evidently, seldon
    }

    /// What the figure is.
    public enum Kind: String, Sendable, Hashable {
        /// A test's p-value (small means drift): Evidently's per-feature `data_drift:p_value`
        /// and target/prediction `*_target_drift:drift`; Alibi Detect's `p_val` per feature.
        case pValue
        /// A verdict, 1 drifted / 0 not: Evidently's `data_drift:dataset_drift`, Alibi's `is_drift`.
        case driftDetected
        /// The share of features found drifted (0...1): Evidently's `share_drifted_features`.
        case driftedShare
        /// How many features were found drifted: Evidently's `n_drifted_features`.
        case driftedCount
        /// A detector's distance (Alibi's `distance`: the KS statistic for a KS detector, MMD²
        /// for an MMD one; which one is not exported).
        case distance
        /// The detector's threshold (Alibi's `threshold`).
        case threshold
        /// A detector's score (Alibi's `batch_score`, `feature_score`).
        case score
        /// Rows the drift was computed on (Evidently's `*:count`).
        case rowCount
        /// Any other gauge of these families.
        case other
    }

    public var source: Source
    public var kind: Kind
    /// The full metric name (`evidently:data_drift:p_value`).
    public var metric: String
    public var labels: Labels
    public var value: Double
    /// The feature it concerns, when the labels say: Evidently's `feature`, Alibi's `index`
    /// (a feature's position).
    public var feature: String? {
        labels["feature"] ?? labels["index"]
    }

    public init(source: Source, kind: Kind, metric: String, labels: Labels, value: Double) {
        self.source = source; self.kind = kind; self.metric = metric; self.labels = labels; self.value = value
    }

    /// True or false for a verdict (`driftDetected`); nil for every other kind, whose meaning
    /// depends on a threshold the exporter does not publish.
    public var indicatesDrift: Bool? {
        kind == .driftDetected && value.isFinite ? value >= 1 : nil
    }

    /// `external: evidently:data_drift:p_value{feature="amount"}=0.003` (untrusted label text:
    /// sanitize before drawing).
    public var description: String {
        let shown = labels.isEmpty ? metric : metric + labels.description
        return "external: \(shown)=\(ExpositionWriter.formatValue(value))"
    }
}

/// Reads the drift gauges of Evidently and Seldon/Alibi Detect.
public enum ExternalDrift {
    /// The kind of an external drift metric, or nil when the name is not one.
    public static func classify(_ name: String) -> (ExternalDriftReading.Source, ExternalDriftReading.Kind)? {
        if name.hasPrefix("evidently:") {
            switch name {
            case "evidently:data_drift:p_value", "evidently:num_target_drift:drift", "evidently:cat_target_drift:drift":
                return (.evidently, .pValue)
            case "evidently:data_drift:dataset_drift": return (.evidently, .driftDetected)
            case "evidently:data_drift:share_drifted_features": return (.evidently, .driftedShare)
            case "evidently:data_drift:n_drifted_features": return (.evidently, .driftedCount)
            case "evidently:num_target_drift:count", "evidently:cat_target_drift:count": return (.evidently, .rowCount)
            default: return (.evidently, .other)
            }
        }
        if name.hasPrefix("seldon_metric_drift_") {
            switch name.dropFirst("seldon_metric_drift_".count) {
            case "p_val": return (.seldon, .pValue)
            case "is_drift": return (.seldon, .driftDetected)
            case "distance": return (.seldon, .distance)
            case "threshold": return (.seldon, .threshold)
            case "batch_score", "feature_score": return (.seldon, .score)
            default: return (.seldon, .other)
            }
        }
        return nil
    }

    /// The readings in parsed families (gauges, untyped and unknown samples; a counter's
    /// `_total` is read under its family name), in order.
    public static func readings(in families: [MetricFamily]) -> [ExternalDriftReading] {
        var out: [ExternalDriftReading] = []
        for family in families {
            for sample in family.samples {
                let name = sample.name == family.name + "_total" ? family.name : sample.name
                guard let (source, kind) = classify(name) else { continue }
                out.append(ExternalDriftReading(source: source, kind: kind, metric: name, labels: sample.labels,
                                                value: sample.value))
            }
        }
        return out
    }

    /// The latest readings of `job` (nil: any job) in the store at `at`, looking back at most
    /// `lookback`; sorted by metric, then labels.
    public static func readings(in store: SeriesStore, job: String?, at: Timestamp,
                                lookback: Milliseconds = .minutes(5)) -> [ExternalDriftReading] {
        var out: [ExternalDriftReading] = []
        for name in store.names {
            guard let (source, kind) = classify(name) else { continue }
            for key in store.series(named: name, where: { job == nil || $0["job"] == job }) {
                guard let p = store.latest(key, at: at, lookback: lookback) else { continue }
                out.append(ExternalDriftReading(source: source, kind: kind, metric: name, labels: key.labels, value: p.v))
            }
        }
        return out
    }
}
