import Telemetry

/// The few PromQL-like reads the recognizers need, over one job's series in a store, evaluated
/// at one instant. (The full PromQL engine is a later layer; these follow its semantics for
/// `sum(rate(...))`, `histogram_quantile` and instant lookups.)
struct StoreQuery {
    let store: SeriesStore
    let job: String
    let at: Timestamp
    let window: Milliseconds
    /// Only series sampled this recently count as present (the last scrape), so a version that
    /// vanished from the exposition stops counting at once.
    let freshness: Milliseconds

    func series(_ name: String, _ match: (Labels) -> Bool = { _ in true }) -> [SeriesKey] {
        store.series(named: name) { $0["job"] == job && match($0) }
    }

    func isFresh(_ key: SeriesKey) -> Bool {
        store.latest(key, at: at, lookback: freshness) != nil
    }

    /// `sum(rate(name{...}[window]))`, or nil when no series has two points in the window.
    func sumRate(_ name: String, _ match: (Labels) -> Bool = { _ in true }) -> Double? {
        sumOverWindow(name, match, RangeFunctions.rate)
    }

    /// `sum(increase(name{...}[window]))`.
    func sumIncrease(_ name: String, _ match: (Labels) -> Bool = { _ in true }) -> Double? {
        sumOverWindow(name, match, RangeFunctions.increase)
    }

    private func sumOverWindow(_ name: String, _ match: (Labels) -> Bool,
                               _ function: ([Point], Timestamp, Timestamp) -> Double?) -> Double? {
        var total: Double?
        for key in series(name, match) where isFresh(key) {
            let pts = store.points(key, in: (at - window)...at)
            if let r = function(pts, at - window, at) { total = (total ?? 0) + r }
        }
        return total
    }

    /// Latest values of fresh series.
    func latestValues(_ name: String, _ match: (Labels) -> Bool = { _ in true }) -> [(Labels, Double)] {
        series(name, match).compactMap { key in
            store.latest(key, at: at, lookback: freshness).map { (key.labels, $0.v) }
        }
    }

    /// `histogram_quantile(q, sum by (le) (rate(base_bucket{...}[window])))`.
    func histogramQuantile(_ q: Double, _ base: String, _ match: (Labels) -> Bool = { _ in true }) -> Double? {
        var byBound: [Double: Double] = [:]
        for key in series(base + "_bucket", match) where isFresh(key) {
            guard let le = key.labels["le"], let bound = Self.parseBound(le) else { continue }
            let pts = store.points(key, in: (at - window)...at)
            guard let r = RangeFunctions.rate(pts, windowStart: at - window, windowEnd: at) else { continue }
            byBound[bound, default: 0] += r
        }
        guard !byBound.isEmpty, byBound.values.contains(where: { $0 > 0 }) else { return nil }
        let buckets = byBound.map { (upperBound: $0.key, count: $0.value) }
        guard let v = HistogramQuantile.quantile(q, buckets: buckets), v.isFinite else { return nil }
        return v
    }

    static func parseBound(_ s: String) -> Double? {
        switch s {
        case "+Inf", "Inf", "inf": return .infinity
        default: return Double(s)
        }
    }
}
