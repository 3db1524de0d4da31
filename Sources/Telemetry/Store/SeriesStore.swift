/// An in-memory time-series store: samples by series, in time order, kept for a retention
/// window.
///
/// The API does not expose how points are held, so that the representation (today a sorted
/// array per series) can change (to compressed chunks) without touching callers.
///
/// Semantics follow Prometheus where it has them: a series accepts only strictly increasing
/// timestamps (an out-of-order or duplicate sample is dropped and counted), `latest` looks
/// back over a left-open window `(at - lookback, at]`, and `ingest` attaches target labels as
/// `honor_labels: false` does.
public struct SeriesStore: Sendable {
    /// How long points are kept: `expire(before:)` drops points older than this.
    public var retention: Milliseconds
    /// Samples dropped by `append` because their timestamp was not after the series' last one.
    public private(set) var rejectedOutOfOrder: Int = 0
    /// The number of points held, over all series.
    public private(set) var pointCount: Int = 0

    private var pointsByKey: [SeriesKey: [Point]] = [:]
    private var keysByName: [String: Set<SeriesKey>] = [:]

    /// An empty store that keeps points for `retention` (see `expire(before:)`).
    public init(retention: Milliseconds) {
        self.retention = retention
    }

    /// The number of series held.
    public var seriesCount: Int { pointsByKey.count }

    /// The distinct metric names held, sorted.
    public var names: [String] { keysByName.keys.sorted() }

    // MARK: Writing

    /// Appends one point to a series, creating the series if new. A point whose timestamp is
    /// not after the series' latest point is dropped and counted in `rejectedOutOfOrder`.
    public mutating func append(_ key: SeriesKey, _ p: Point) {
        if let last = pointsByKey[key]?.last {
            if p.t <= last.t {
                rejectedOutOfOrder += 1
                return
            }
            pointsByKey[key]!.append(p)
        } else {
            pointsByKey[key] = [p]
            keysByName[key.name, default: []].insert(key)
        }
        pointCount += 1
    }

    /// Stores every sample of a scrape. Each sample becomes a point of the series named by the
    /// sample name, labelled with the sample's labels merged with `targetLabels` as
    /// `TargetLabels.merge` does (target wins, the sample's own becomes `exported_<name>`).
    /// The sample's own timestamp is used when it has one, `at` otherwise.
    public mutating func ingest(_ families: [MetricFamily], at: Timestamp, targetLabels: Labels) {
        for family in families {
            for sample in family.samples {
                let labels = targetLabels.isEmpty ? sample.labels.removingEmptyValues()
                                                  : TargetLabels.merge(sample: sample.labels, target: targetLabels)
                append(SeriesKey(name: sample.name, labels: labels),
                       Point(t: sample.timestamp ?? at, v: sample.value))
            }
        }
    }

    /// Drops every point older than the retention window that ends at `now`, that is with
    /// `t < now - retention`, and every series left without points.
    public mutating func expire(before now: Timestamp) {
        expire(olderThan: now - retention)
    }

    /// Drops every point with `t < cutoff`, and every series left without points.
    public mutating func expire(olderThan cutoff: Timestamp) {
        for (key, points) in pointsByKey {
            guard let first = points.first, first.t < cutoff else { continue }
            let keep = Self.firstIndex(in: points, notBefore: cutoff)
            pointCount -= keep
            if keep == points.count {
                pointsByKey[key] = nil
                keysByName[key.name]?.remove(key)
                if keysByName[key.name]?.isEmpty == true { keysByName[key.name] = nil }
            } else {
                pointsByKey[key] = Array(points[keep...])
            }
        }
    }

    // MARK: Reading

    /// Every series with this metric name, sorted by label set.
    public func series(named name: String) -> [SeriesKey] {
        guard let keys = keysByName[name] else { return [] }
        return keys.sorted { Self.labelOrder($0.labels, $1.labels) }
    }

    /// The series with this metric name whose labels satisfy `predicate`, sorted by label set.
    public func series(named name: String, where predicate: (Labels) -> Bool) -> [SeriesKey] {
        guard let keys = keysByName[name] else { return [] }
        // Filter before sorting: queries usually keep a few series of many.
        return keys.filter { predicate($0.labels) }.sorted { Self.labelOrder($0.labels, $1.labels) }
    }

    /// Orders label sets by their (name, value) pairs, which are kept sorted by name: the same
    /// order as comparing their text forms, without building any strings.
    static func labelOrder(_ a: Labels, _ b: Labels) -> Bool {
        for (x, y) in zip(a.pairs, b.pairs) {
            if x.name != y.name { return x.name < y.name }
            if x.value != y.value { return x.value < y.value }
        }
        return a.pairs.count < b.pairs.count
    }

    /// The points of a series whose timestamps lie in `range` (both ends included), in time
    /// order. Empty for an unknown series.
    public func points(_ key: SeriesKey, in range: ClosedRange<Timestamp>) -> [Point] {
        guard let points = pointsByKey[key] else { return [] }
        let lower = Self.firstIndex(in: points, notBefore: range.lowerBound)
        let upper = Self.firstIndex(in: points, notBefore: range.upperBound + Milliseconds(1))
        return lower < upper ? Array(points[lower..<upper]) : []
    }

    /// The last point of a series at or before `at` and after `at - lookback` (Prometheus's
    /// instant-vector lookback, left-open since Prometheus 3), or nil.
    public func latest(_ key: SeriesKey, at: Timestamp, lookback: Milliseconds = .minutes(5)) -> Point? {
        guard let points = pointsByKey[key] else { return nil }
        let after = Self.firstIndex(in: points, notBefore: at + Milliseconds(1))
        guard after > 0 else { return nil }
        let candidate = points[after - 1]
        return candidate.t > at - lookback ? candidate : nil
    }

    /// The index of the first point with `t >= t0` (binary search; `points` is time-ordered).
    private static func firstIndex(in points: [Point], notBefore t0: Timestamp) -> Int {
        var low = 0
        var high = points.count
        while low < high {
            let mid = (low + high) / 2
            if points[mid].t < t0 { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension Labels {
    /// A copy without the labels whose value is empty (an empty label is an absent label).
    func removingEmptyValues() -> Labels {
        guard pairs.contains(where: { $0.value.isEmpty }) else { return self }
        return Labels(pairs.filter { !$0.value.isEmpty }.map { ($0.name, $0.value) })
    }
}
