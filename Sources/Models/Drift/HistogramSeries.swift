import Telemetry

/// The bucket samples of one classic histogram series: a metric, its labels other than `le`,
/// and its buckets as read.
public struct HistogramSeries: Sendable, Hashable {
    /// The histogram's name, without `_bucket`.
    public var metric: String
    /// Every label of the series except `le`.
    public var labels: Labels
    public var buckets: [RawBucket]

    public init(metric: String, labels: Labels, buckets: [RawBucket]) {
        self.metric = metric; self.labels = labels; self.buckets = buckets
    }

    /// The buckets, checked (`HistogramBuckets.validate`).
    public func validated(what: String = "count") throws(DriftProblem) -> HistogramBuckets {
        try HistogramBuckets.validate(buckets, what: what)
    }

    /// Every classic histogram in `families` (families typed `histogram` or `gaugehistogram`),
    /// one entry per label set other than `le`, in order of first appearance.
    public static func all(in families: [MetricFamily]) -> [HistogramSeries] {
        var out: [HistogramSeries] = []
        for family in families where isHistogram(family.type) {
            var index: [Labels: Int] = [:]
            var groups: [HistogramSeries] = []
            let bucketName = family.name + "_bucket"
            for sample in family.samples where sample.name == bucketName {
                let labels = sample.labels.removing("le")
                let bucket = RawBucket(le: sample.labels["le"], count: sample.value)
                if let i = index[labels] {
                    groups[i].buckets.append(bucket)
                } else {
                    index[labels] = groups.count
                    groups.append(HistogramSeries(metric: family.name, labels: labels, buckets: [bucket]))
                }
            }
            out += groups
        }
        return out
    }

    /// Whether a family of this type has classic buckets.
    public static func isHistogram(_ type: MetricType) -> Bool {
        type == .histogram || type == .gaugehistogram
    }
}
