import Telemetry

/// A time window `(start, end]`, left-open as Prometheus's range selectors.
public struct DriftWindow: Sendable, Hashable, CustomStringConvertible {
    public var start: Timestamp
    public var end: Timestamp

    public init(start: Timestamp, end: Timestamp) { self.start = start; self.end = end }
    /// The window of length `length` that ends at `end`.
    public init(ending end: Timestamp, length: Milliseconds) { self.init(start: end - length, end: end) }

    public var length: Milliseconds { end - start }
    public var description: String { "(\(start.milliseconds)ms, \(end.milliseconds)ms]" }
}

/// What the current window is compared with.
public enum DriftReference: Sendable, Hashable {
    /// The window of the same length that starts at the last deploy (the caller knows when it
    /// was), cut short where the current window begins.
    case afterDeploy(Timestamp)
    /// The same window this long earlier (`.dayBefore`, `.weekBefore`).
    case offset(Milliseconds)
    /// A pinned baseline exposition: its buckets are absolute counts, not increases.
    case baseline(DriftBaseline)

    public static let dayBefore = DriftReference.offset(.minutes(24 * 60))
    public static let weekBefore = DriftReference.offset(.minutes(7 * 24 * 60))
}

/// A pinned baseline: the classic histograms of one exposition (parsed by the caller, e.g. from
/// a file with `TextFormatParser`/`OpenMetricsParser`), taken as absolute counts.
public struct DriftBaseline: Sendable, Hashable {
    /// A name for messages (the file name, say).
    public var name: String
    public var series: [HistogramSeries]

    public init(name: String = "baseline", families: [MetricFamily]) {
        self.name = name
        self.series = HistogramSeries.all(in: families)
    }

    public init(name: String = "baseline", series: [HistogramSeries]) {
        self.name = name; self.series = series
    }

    /// The baseline series of `metric` whose labels (less `ignoring`) are all present, with the
    /// same values, in `labels` (a scraped series carries `job` and `instance`, which a baseline
    /// file usually lacks). The most specific label set (most labels) wins; among equally
    /// specific ones, the first in the file. Every series with that label set (less `ignoring`)
    /// is returned, to be summed.
    public func matches(metric: String, labels: Labels, ignoring: Set<String> = []) -> [HistogramSeries] {
        var best: Labels?
        var found: [HistogramSeries] = []
        for s in series where s.metric == metric {
            let reduced = s.labels.removing(ignoring)
            guard reduced.allSatisfy({ labels[$0.name] == $0.value }) else { continue }
            if best == nil || reduced.count > best!.count {
                best = reduced
                found = [s]
            } else if reduced == best {
                found.append(s)
            }
        }
        return found
    }

    /// The baseline's buckets for a series group: the matching series (`matches`), checked and
    /// summed.
    public func buckets(metric: String, labels: Labels, ignoring: Set<String> = []) throws(DriftProblem) -> HistogramBuckets {
        let found = matches(metric: metric, labels: labels, ignoring: ignoring)
        guard !found.isEmpty else {
            throw DriftProblem(.noReference, "no series of \(metric) in \(name) matches these labels")
        }
        var parts: [(labels: Labels, buckets: HistogramBuckets)] = []
        for s in found { parts.append((s.labels, try s.validated())) }
        return try DriftMonitor.sum(parts)
    }
}

/// The drift of one histogram series group (one label set other than `le`).
public struct DriftResult: Sendable, Hashable {
    /// The histogram's name, without `_bucket`.
    public var metric: String
    /// The group's labels (every label but `le`).
    public var labels: Labels
    /// The windows compared; nil for a pinned baseline or an exposition file.
    public var referenceWindow: DriftWindow?
    public var currentWindow: DriftWindow?
    public var outcome: DriftOutcome

    public init(metric: String, labels: Labels, referenceWindow: DriftWindow? = nil,
                currentWindow: DriftWindow? = nil, outcome: DriftOutcome) {
        self.metric = metric; self.labels = labels
        self.referenceWindow = referenceWindow; self.currentWindow = currentWindow
        self.outcome = outcome
    }

    public var statistics: DriftStatistics? { outcome.statistics }
    public var problem: DriftProblem? { outcome.problem }
}

/// Drift of histograms over the series store, and between two expositions. Pure: the caller
/// reads files and clocks.
public enum DriftMonitor {
    /// The current window when the caller has no preference.
    public static let defaultWindow = Milliseconds.minutes(10)
    /// How far before a window's start its anchor sample (the counter value the window's
    /// increase is measured from) may lie: Prometheus's lookback.
    public static let anchorLookback = Milliseconds.minutes(5)

    // MARK: Over the store

    /// The drift of histogram `metric` (with or without `_bucket`) for each series group of
    /// `job` (nil: any job) whose labels include `labels` (an empty value: the label is absent):
    /// the increase of every bucket over the window `(at - window, at]` against `reference`.
    /// Series are grouped by every label except `le` and those in `ignoring`; the series of a
    /// group are summed bucket by bucket, as `sum without (ignoring) (increase(...))` (e.g.
    /// `ignoring: ["instance", "pod"]` for one result per model across its replicas; they must
    /// share the bucket layout). One result per group, in label order.
    ///
    /// Bucket increases are Prometheus's `increase` without its extrapolation: the sum of the
    /// rises between consecutive samples, a drop counting as a reset (the value after it is the
    /// rise), measured from the last sample at or before the window's start (within
    /// `anchorLookback`) so that back-to-back windows tile. Not extrapolating keeps counts whole
    /// and buckets consistent with each other; drift reads only proportions.
    public static func compare(store: SeriesStore, job: String?, metric: String, labels: [String: String] = [:],
                               at: Timestamp, window: Milliseconds = defaultWindow, reference: DriftReference,
                               minimumCount: Double = DriftMath.defaultMinimumCount,
                               ignoring: Set<String> = []) -> [DriftResult] {
        let base = metric.hasSuffix("_bucket") ? String(metric.dropLast("_bucket".count)) : metric
        var equal = labels.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        if let job { equal.append((name: "job", value: job)) }
        let keys = store.series(named: base + "_bucket", equal: equal) { candidate in
            equal.allSatisfy { candidate[$0.name] == ($0.value.isEmpty ? nil : $0.value) }
        }
        if keys.isEmpty {
            // The right name with the wrong type: a gauge or counter called `metric`.
            let others = store.series(named: base, equal: equal) { candidate in
                equal.allSatisfy { candidate[$0.name] == ($0.value.isEmpty ? nil : $0.value) }
            }
            return others.map { key in
                DriftResult(metric: base, labels: key.labels, outcome: .unavailable(DriftProblem(
                    .notAHistogram, "\(base) has no \(base)_bucket series with an le label: it is not a classic histogram")))
            }
        }
        var groupOrder: [Labels] = []
        var groups: [Labels: [SeriesKey]] = [:]
        for key in keys {
            let g = key.labels.removing(ignoring.union(["le"]))
            if groups[g] == nil { groupOrder.append(g) }
            groups[g, default: []].append(key)
        }
        let current = DriftWindow(ending: at, length: window)
        return groupOrder.map { g in
            let bucketKeys = groups[g]!
            var result = DriftResult(metric: base, labels: g, currentWindow: current, outcome: .unavailable(
                DriftProblem(.noData, "not evaluated")))
            do throws(DriftProblem) {
                let cur = try onSide(.current) { () throws(DriftProblem) in
                    try windowBuckets(store: store, keys: bucketKeys, window: current)
                }
                let ref: HistogramBuckets
                switch reference {
                case .offset(let d):
                    let w = DriftWindow(start: current.start - d, end: current.end - d)
                    result.referenceWindow = w
                    ref = try onSide(.reference) { () throws(DriftProblem) in
                        try windowBuckets(store: store, keys: bucketKeys, window: w)
                    }
                case .afterDeploy(let deploy):
                    let end = min(deploy + window, current.start)
                    guard end > deploy else {
                        throw DriftProblem(.noReference, side: .reference,
                                           "the deploy \(ago(deploy, at)) is inside the current \(span(window)) window: "
                                               + "no reference window after it yet")
                    }
                    let w = DriftWindow(start: deploy, end: end)
                    result.referenceWindow = w
                    ref = try onSide(.reference) { () throws(DriftProblem) in
                        try windowBuckets(store: store, keys: bucketKeys, window: w)
                    }
                case .baseline(let baseline):
                    ref = try onSide(.reference) { () throws(DriftProblem) in
                        try baseline.buckets(metric: base, labels: g, ignoring: ignoring)
                    }
                }
                result.outcome = DriftMath.compare(reference: ref, current: cur, minimumCount: minimumCount)
            } catch {
                result.outcome = .unavailable(error)
            }
            return result
        }
    }

    /// The histogram names (without `_bucket`) of `job` (nil: any) in the store: names ending in
    /// `_bucket` with at least one series carrying `le`.
    public static func histogramMetrics(in store: SeriesStore, job: String?) -> [String] {
        store.names.filter { $0.hasSuffix("_bucket") }.filter { name in
            !store.series(named: name) { $0["le"] != nil && (job == nil || $0["job"] == job) }.isEmpty
        }.map { String($0.dropLast("_bucket".count)) }
    }

    /// Each bucket's increase over `window`, checked as a histogram, per series of the group,
    /// then summed across them. Bucket series with no sample inside the window are left out (the
    /// bucket did not exist then: a layout change shows as different layouts), and so is a
    /// series with none at all. The latest raw values are checked too, so that buckets that go
    /// backwards are caught even when nothing moved.
    static func windowBuckets(store: SeriesStore, keys: [SeriesKey], window: DriftWindow) throws(DriftProblem) -> HistogramBuckets {
        var order: [Labels] = []
        var bySeries: [Labels: [SeriesKey]] = [:]
        for key in keys {
            let s = key.labels.removing("le")
            if bySeries[s] == nil { order.append(s) }
            bySeries[s, default: []].append(key)
        }
        var parts: [(labels: Labels, buckets: HistogramBuckets)] = []
        for s in order {
            if let b = try seriesWindowBuckets(store: store, keys: bySeries[s]!, window: window) { parts.append((s, b)) }
        }
        guard !parts.isEmpty else {
            throw DriftProblem(.noData, "no samples in the \(span(window.length)) window")
        }
        return try sum(parts)
    }

    /// `windowBuckets` for the buckets of one series; nil when it has no sample in the window.
    static func seriesWindowBuckets(store: SeriesStore, keys: [SeriesKey], window: DriftWindow) throws(DriftProblem) -> HistogramBuckets? {
        var increases: [RawBucket] = []
        var latest: [RawBucket] = []
        var sawReset = false
        for key in keys {
            let le = key.labels["le"]
            let points = store.points(key, in: (window.start - anchorLookback)...window.end)
            guard let inside = points.firstIndex(where: { $0.t > window.start }) else { continue }
            let first = inside > 0 ? inside - 1 : inside
            let slice = points[first...]
            let name = le.map { "le=\"\($0)\"" } ?? "a bucket without le"
            guard slice.count >= 2 else {
                throw DriftProblem(.noData, "bucket \(name) has a single sample in the window \(span(window.length)) "
                                       + "long: no increase can be measured")
            }
            let (increase, reset) = try windowIncrease(slice, bucket: name)
            sawReset = sawReset || reset
            increases.append(RawBucket(le: le, count: increase))
            latest.append(RawBucket(le: le, count: slice[slice.endIndex - 1].v))
        }
        if increases.isEmpty { return nil }
        do {
            _ = try HistogramBuckets.validate(latest, what: "count")
        } catch where error.kind == .bucketsGoBackwards {
            throw DriftProblem(.bucketsGoBackwards, error.detail + " (latest samples)")
        }
        do {
            return try HistogramBuckets.validate(increases, what: "increase")
        } catch where error.kind == .bucketsGoBackwards && sawReset {
            throw DriftProblem(.inconsistentReset, "counter reset in the window that the buckets do not agree on: "
                                   + error.detail)
        }
    }

    /// Several series' buckets added bound by bound; they must have the same bounds.
    static func sum(_ parts: [(labels: Labels, buckets: HistogramBuckets)]) throws(DriftProblem) -> HistogramBuckets {
        guard let first = parts.first else { throw DriftProblem(.noData, "no series") }
        if parts.count == 1 { return first.buckets }
        var counts = first.buckets.cumulativeCounts
        for part in parts.dropFirst() {
            guard part.buckets.upperBounds == first.buckets.upperBounds else {
                throw DriftProblem(.layoutMismatch, "series \(first.labels) and \(part.labels) have different buckets, "
                                       + "so they cannot be summed")
            }
            for i in counts.indices { counts[i] += part.buckets.cumulativeCounts[i] }
        }
        return HistogramBuckets(checkedBounds: first.buckets.upperBounds, counts: counts)
    }

    /// The increase of one cumulative bucket over consecutive samples: rises add up, a drop is a
    /// counter reset (the value after it is the rise since the reset). Also says whether a reset
    /// was seen. NaN, infinite and negative samples cannot be read as a counter.
    public static func windowIncrease(_ points: ArraySlice<Point>, bucket: String = "bucket") throws(DriftProblem) -> (increase: Double, sawReset: Bool) {
        var total = 0.0
        var reset = false
        var previous: Double?
        for p in points {
            if !p.v.isFinite {
                throw DriftProblem(.nonFiniteCount, "\(bucket) has a sample \(HistogramBuckets.format(p.v)) in the window")
            }
            if p.v < 0 {
                throw DriftProblem(.negativeCount, "\(bucket) has a negative sample \(HistogramBuckets.format(p.v)) in the window")
            }
            if let prev = previous {
                if p.v >= prev { total += p.v - prev } else { total += p.v; reset = true }
            }
            previous = p.v
        }
        return (total, reset)
    }

    // MARK: Between two expositions

    /// The drift between the classic histograms of two expositions (absolute counts), per
    /// series group, matched by metric and labels other than `le`; only `metric` when given.
    /// Groups present on one side only are reported as unavailable; a `metric` that exists with
    /// another type is reported as not a histogram. Order: the current exposition's groups,
    /// then the reference-only ones.
    public static func compare(reference: [MetricFamily], current: [MetricFamily], metric: String? = nil,
                               minimumCount: Double = DriftMath.defaultMinimumCount) -> [DriftResult] {
        let wanted = metric.map { $0.hasSuffix("_bucket") ? String($0.dropLast("_bucket".count)) : $0 }
        let refSeries = HistogramSeries.all(in: reference).filter { wanted == nil || $0.metric == wanted }
        let curSeries = HistogramSeries.all(in: current).filter { wanted == nil || $0.metric == wanted }
        struct Key: Hashable { var metric: String; var labels: Labels }
        var refByKey: [Key: HistogramSeries] = [:]
        for s in refSeries where refByKey[Key(metric: s.metric, labels: s.labels)] == nil {
            refByKey[Key(metric: s.metric, labels: s.labels)] = s
        }
        var results: [DriftResult] = []
        var matched: Set<Key> = []
        for cur in curSeries {
            let key = Key(metric: cur.metric, labels: cur.labels)
            guard !matched.contains(key) else { continue }
            matched.insert(key)
            let outcome: DriftOutcome
            if let ref = refByKey[key] {
                do throws(DriftProblem) {
                    let r = try onSide(.reference) { () throws(DriftProblem) in try ref.validated() }
                    let c = try onSide(.current) { () throws(DriftProblem) in try cur.validated() }
                    outcome = DriftMath.compare(reference: r, current: c, minimumCount: minimumCount)
                } catch {
                    outcome = .unavailable(error)
                }
            } else {
                outcome = .unavailable(missing(cur.metric, in: reference, side: .reference))
            }
            results.append(DriftResult(metric: cur.metric, labels: cur.labels, outcome: outcome))
        }
        for ref in refSeries where !matched.contains(Key(metric: ref.metric, labels: ref.labels)) {
            matched.insert(Key(metric: ref.metric, labels: ref.labels))
            results.append(DriftResult(metric: ref.metric, labels: ref.labels,
                                       outcome: .unavailable(missing(ref.metric, in: current, side: .current))))
        }
        if let wanted, results.isEmpty {
            let refType = reference.first { $0.name == wanted }?.type
            let curType = current.first { $0.name == wanted }?.type
            if refType != nil || curType != nil {
                let side: DriftSide = (refType.map(HistogramSeries.isHistogram) ?? false) ? .current : .reference
                let type = (side == .reference ? refType : curType).map(\.rawValue) ?? "absent"
                results.append(DriftResult(metric: wanted, labels: Labels(), outcome: .unavailable(DriftProblem(
                    .notAHistogram, side: side, "\(wanted) is \(type == "absent" ? "absent" : "a \(type)"), not a histogram"))))
            }
        }
        return results
    }

    /// Why a group has no partner on `side`.
    static func missing(_ metric: String, in families: [MetricFamily], side: DriftSide) -> DriftProblem {
        if let family = families.first(where: { $0.name == metric }), !HistogramSeries.isHistogram(family.type) {
            return DriftProblem(.notAHistogram, side: side, "\(metric) is a \(family.type.rawValue) here, not a histogram")
        }
        if families.contains(where: { $0.name == metric }) {
            return DriftProblem(.noReference, side: side, "no series of \(metric) with these labels")
        }
        return DriftProblem(.noReference, side: side, "no histogram named \(metric)")
    }

    /// Runs `body`, attributing any problem it throws to `side`.
    static func onSide<T>(_ side: DriftSide, _ body: () throws(DriftProblem) -> T) throws(DriftProblem) -> T {
        do { return try body() } catch { throw error.on(side) }
    }

    // MARK: Wording

    /// `4m12s`, `10m`, `1d`.
    static func span(_ d: Milliseconds) -> String {
        var s = d.value / 1000
        if s <= 0 { return "\(d.value)ms" }
        var out = ""
        let days = s / 86_400; s %= 86_400
        let hours = s / 3600; s %= 3600
        let minutes = s / 60; s %= 60
        if days > 0 { out += "\(days)d" }
        if hours > 0 { out += "\(hours)h" }
        if minutes > 0 { out += "\(minutes)m" }
        if s > 0 { out += "\(s)s" }
        return out
    }

    static func ago(_ t: Timestamp, _ now: Timestamp) -> String {
        t > now ? "\(span(t - now)) in the future" : "\(span(now - t)) ago"
    }
}
