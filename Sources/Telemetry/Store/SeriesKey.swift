/// The identity of one time series: a metric (sample) name and its full label set.
public struct SeriesKey: Hashable, Sendable, CustomStringConvertible {
    /// The sample name, suffix included (`http_requests_total`, `latency_seconds_bucket`).
    public var name: String
    /// Every label of the series except the name.
    public var labels: Labels

    /// A series key for metric `name` with `labels` (which must not include `__name__`).
    public init(name: String, labels: Labels = Labels()) {
        self.name = name; self.labels = labels
    }

    /// `name{a="1",b="2"}`, or just `name` without labels.
    public var description: String { labels.isEmpty ? name : name + labels.description }
}
