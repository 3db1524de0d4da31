import Telemetry

/// The `# TYPE` each sample name was declared with, from parsed expositions.
///
/// The series store keeps samples, not metadata, so the recognizer cannot learn types from it.
/// A caller that has the parsed families (the `models` command, a scrape result) records them
/// here and passes them along; then a metric with the right name and the wrong type (a gauge
/// named like a counter) is refused by its declaration. Without them, the recognizer still
/// detects what the samples show: a "counter" that goes down again and again, a histogram
/// without `le` labels, a summary without `quantile` labels.
public struct MetricTypes: Hashable, Sendable {
    private var bySample: [String: MetricType] = [:]

    public init() {}

    public init(families: [MetricFamily]) { record(families) }

    /// Remembers the type of every sample name in `families` (`x_bucket`, `x_sum` and `x_count`
    /// of a histogram `x` are histogram samples). A later declaration replaces an earlier one.
    public mutating func record(_ families: [MetricFamily]) {
        for family in families {
            bySample[family.name] = family.type
            for sample in family.samples { bySample[sample.name] = family.type }
            // A family without samples (HELP and TYPE only) still declares its suffixed names.
            switch family.type {
            case .counter: bySample[family.name + "_total"] = .counter
            case .histogram, .gaugehistogram:
                for suffix in ["_bucket", "_sum", "_count"] { bySample[family.name + suffix] = family.type }
            case .summary:
                for suffix in ["_sum", "_count"] { bySample[family.name + suffix] = family.type }
            default: break
            }
        }
    }

    /// The declared type of a sample name; nil when it was never seen or declared untyped
    /// (`untyped`/`unknown` declare nothing, so they never contradict an expectation).
    public func type(ofSample name: String) -> MetricType? {
        guard let type = bySample[name], type != .untyped, type != .unknown else { return nil }
        return type
    }

    public var isEmpty: Bool { bySample.isEmpty }
}
