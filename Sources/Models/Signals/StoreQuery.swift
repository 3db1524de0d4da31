import Telemetry

/// The few PromQL-like reads the recognizers need, over one job's series in a store, evaluated
/// at one instant: `sum(rate(...))`, `histogram_quantile`, summary quantiles and instant gauge
/// lookups, with Prometheus's semantics (counter resets handled as `rate` does). The checked
/// reads return a `SignalValue` and record what is wrong with the data rather than compute a
/// number from it.
struct StoreQuery {
    let store: SeriesStore
    let job: String
    let at: Timestamp
    let window: Milliseconds
    /// Only series sampled this recently count as present (the last scrape), so a version that
    /// vanished from the exposition stops counting at once.
    let freshness: Milliseconds
    /// Declared types, when the caller has the parsed expositions.
    var types: MetricTypes?
    /// The hosts (and Kubernetes pods) of this job's instances, for metrics read from exporters on
    /// the same machine (DCGM).
    var hosts: Set<String> = []
    var pods: Set<String> = []
    /// The fresh series of each metric, looked up once per evaluation: a model's signals read
    /// the same metrics many times (per version, per signal).
    private let memo = Memo()

    private final class Memo {
        var fresh: [String: [SeriesKey]] = [:]
        var freshSameHost: [String: [SeriesKey]] = [:]
    }

    init(store: SeriesStore, job: String, at: Timestamp, window: Milliseconds, freshness: Milliseconds,
         types: MetricTypes? = nil) {
        self.store = store; self.job = job; self.at = at; self.window = window; self.freshness = freshness
        self.types = types
    }

    // MARK: Series

    func series(_ name: String, _ match: (Labels) -> Bool = { _ in true }) -> [SeriesKey] {
        store.series(named: name, equal: [("job", job)], where: match)
    }

    func isFresh(_ key: SeriesKey) -> Bool {
        store.latest(key, at: at, lookback: freshness) != nil
    }

    /// The fresh series of `ref` that belong to `model` (and `version`); every fresh series of the
    /// metric when `model` is nil.
    func series(_ ref: MetricRef, model: String?, version: String? = nil) -> [SeriesKey] {
        freshSeries(named: ref.name, sameHost: ref.sameHost).filter { key in
            if let model { return ref.matches(key.labels, model: model, version: version) }
            return ref.filter(key.labels)
        }
    }

    /// Every fresh series of a metric in this job (or on its hosts), memoized.
    func freshSeries(named name: String, sameHost: Bool) -> [SeriesKey] {
        if let hit = sameHost ? memo.freshSameHost[name] : memo.fresh[name] { return hit }
        let keys = sameHost
            ? store.series(named: name, where: isSameHost).filter(isFresh)
            : series(name).filter(isFresh)
        if sameHost { memo.freshSameHost[name] = keys } else { memo.fresh[name] = keys }
        return keys
    }

    /// Whether a series from another target runs on one of this job's machines: the same
    /// `instance` host, a `Hostname` label naming it, or the same Kubernetes pod.
    func isSameHost(_ labels: Labels) -> Bool {
        if labels["job"] == job { return true }
        if let instance = labels["instance"], hosts.contains(Self.host(ofInstance: instance)) { return true }
        if let name = labels["Hostname"] ?? labels["hostname"], hosts.contains(name) { return true }
        if let pod = labels["pod"], pods.contains(pod) { return true }
        return false
    }

    /// `10.0.0.7:9400` → `10.0.0.7`, `[fe80::1]:8002` → `fe80::1`, `triton-a` → `triton-a`.
    static func host(ofInstance instance: String) -> String {
        if instance.hasPrefix("["), let close = instance.firstIndex(of: "]") {
            return String(instance[instance.index(after: instance.startIndex)..<close])
        }
        if let colon = instance.lastIndex(of: ":"), instance.firstIndex(of: ":") == colon,
           instance[instance.index(after: colon)...].allSatisfy(\.isNumber) {
            return String(instance[..<colon])
        }
        return instance
    }

    // MARK: Plain reads (the PromQL functions, no checks)

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

    static func parseBound(_ s: String) -> Double? {
        switch s {
        case "+Inf", "Inf", "inf", "+inf": return .infinity
        default: return Double(s)
        }
    }

    // MARK: Checked reads

    /// "needs two scrapes" in words, for signals computed from rates.
    var oneScrapeReason: String {
        "needs two scrapes within \(Self.describe(window)): one exposition holds only totals since the server started"
    }

    static func describe(_ d: Milliseconds) -> String {
        let ms = d.value
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }

    /// Why a declared type rules a metric out, or nil when it is fine (or unknown).
    func typeMismatch(_ ref: MetricRef, sample: String) -> String? {
        guard let declared = types?.type(ofSample: sample) else { return nil }
        if declared == ref.expected || ref.alsoAccepted.contains(declared) { return nil }
        return "declared with # TYPE \(declared), but the server documents it as a \(ref.expected)"
    }

    /// `sum(rate(...))` over the fresh series of `refs` that belong to the model, checked: a
    /// declared type other than counter, or a "counter" that went down twice or more in the
    /// window (a gauge under a counter's name), makes it unavailable and is recorded. One
    /// reset is a restart and is handled as `rate` does.
    func counterRate(_ refs: [MetricRef], model: String?, version: String? = nil, signal: SignalKind,
                     problems: inout [SignalProblem], where extra: (Labels) -> Bool = { _ in true }) -> SignalValue {
        var total: Double?
        var sawSeries = false
        for ref in refs {
            let keys = series(ref, model: model, version: version).filter { extra($0.labels) }
            if keys.isEmpty { continue }
            sawSeries = true
            if let mismatch = typeMismatch(ref, sample: ref.name) {
                problems.append(SignalProblem(signal: signal, metric: ref.name, message: mismatch))
                return .unavailable("\(ref.name) is not a counter (\(mismatch))")
            }
            for key in keys {
                let pts = store.points(key, in: (at - window)...at)
                let drops = zip(pts, pts.dropFirst()).filter { $1.v < $0.v }.count
                if drops >= 2 {
                    let message = "went down \(drops) times in \(Self.describe(window)): it behaves like a gauge, not a counter"
                    problems.append(SignalProblem(signal: signal, metric: ref.name, message: message))
                    return .unavailable("\(ref.name) \(message)")
                }
                if let r = RangeFunctions.rate(pts, windowStart: at - window, windowEnd: at) { total = (total ?? 0) + r }
            }
        }
        guard sawSeries else { return .unavailable("no fresh \(refs.map(\.name).joined(separator: " or ")) series") }
        return SignalValue.from(total, else: oneScrapeReason)
    }

    /// Per-series rates of the fresh series of `refs`, for breakdowns; series without a rate are
    /// left out.
    func seriesRates(_ refs: [MetricRef], model: String?, version: String? = nil,
                     where extra: (Labels) -> Bool = { _ in true }) -> [(ref: MetricRef, labels: Labels, rate: Double)] {
        var out: [(ref: MetricRef, labels: Labels, rate: Double)] = []
        for ref in refs {
            for key in series(ref, model: model, version: version) where extra(key.labels) {
                let pts = store.points(key, in: (at - window)...at)
                if let r = RangeFunctions.rate(pts, windowStart: at - window, windowEnd: at) {
                    out.append((ref, key.labels, r))
                }
            }
        }
        return out
    }

    /// Latency quantiles and mean from a classic histogram: `histogram_quantile(q, sum by (le)
    /// (rate(base_bucket[window])))`. Refused, with the problem recorded, when a series group has
    /// no `+Inf` bucket, when its cumulative counts go backwards, when its bucket series have no
    /// `le` label, or when the metric is declared with another type or exported as plain samples.
    func histogramLatency(_ ref: MetricRef, scale: Double, model: String?, version: String? = nil,
                          problems: inout [SignalProblem]) -> LatencySignals {
        let bucketRef = ref.renamed(ref.name + "_bucket")
        let keys = series(bucketRef, model: model, version: version)
        func all(_ v: SignalValue) -> LatencySignals {
            LatencySignals(p50: v, p95: v, p99: v, mean: v, queueTime: .notExported(""))
        }
        guard !keys.isEmpty else {
            if !series(ref, model: model, version: version).isEmpty {
                let message = "exported as plain samples, not as a histogram (no \(bucketRef.name) series)"
                problems.append(SignalProblem(signal: .latencyP99, metric: ref.name, message: message))
                return all(.unavailable("\(ref.name) \(message)"))
            }
            return all(.unavailable("no fresh \(bucketRef.name) series"))
        }
        if let mismatch = typeMismatch(ref, sample: bucketRef.name) {
            problems.append(SignalProblem(signal: .latencyP99, metric: ref.name, message: mismatch))
            return all(.unavailable("\(ref.name) is not a histogram (\(mismatch))"))
        }
        if let shape = checkBucketShape(keys, name: bucketRef.name) {
            problems.append(SignalProblem(signal: .latencyP99, metric: bucketRef.name, message: shape))
            return all(.unavailable("\(bucketRef.name): \(shape)"))
        }
        var byBound: [Double: Double] = [:]
        var anyRate = false
        for key in keys {
            guard let le = key.labels["le"], let bound = Self.parseBound(le) else { continue }
            let pts = store.points(key, in: (at - window)...at)
            guard let r = RangeFunctions.rate(pts, windowStart: at - window, windowEnd: at) else { continue }
            anyRate = true
            byBound[bound, default: 0] += r
        }
        var mean = meanFromCounters(MeanPlan(sum: ref.renamed(ref.name + "_sum"), count: [ref.renamed(ref.name + "_count")], scale: scale),
                                    model: model, version: version, signal: .latencyMean, problems: &problems)
        if case .unavailable(let reason) = mean, reason.hasPrefix("no fresh") {
            mean = .notExported("\(ref.name) has no _sum and _count")
        }
        guard anyRate else {
            return LatencySignals(p50: .unavailable(oneScrapeReason), p95: .unavailable(oneScrapeReason),
                                  p99: .unavailable(oneScrapeReason), mean: mean, queueTime: .notExported(""))
        }
        guard let observed = byBound[.infinity], observed > 0 else {
            let none = SignalValue.unavailable("no requests in the last \(Self.describe(window))")
            return LatencySignals(p50: none, p95: none, p99: none, mean: mean, queueTime: .notExported(""))
        }
        let buckets = byBound.map { (upperBound: $0.key, count: $0.value) }
        func q(_ quantile: Double) -> SignalValue {
            guard let v = HistogramQuantile.quantile(quantile, buckets: buckets), v.isFinite else {
                return .unavailable("histogram_quantile(\(quantile)) is not a number here")
            }
            return .value(v * scale)
        }
        return LatencySignals(p50: q(0.5), p95: q(0.95), p99: q(0.99), mean: mean, queueTime: .notExported(""))
    }

    /// What is wrong with the shape of a histogram's bucket series at their latest samples, or
    /// nil: every series group (labels without `le`) needs `le` labels that are numbers, a
    /// `+Inf` bucket and cumulative counts that never go down; and all groups must share one set
    /// of bounds so that `sum by (le)` means something.
    func checkBucketShape(_ keys: [SeriesKey], name: String) -> String? {
        var groups: [Labels: [(bound: Double, count: Double, le: String)]] = [:]
        for key in keys {
            guard let le = key.labels["le"] else { return "a bucket series without an le label: not a histogram" }
            guard let bound = Self.parseBound(le) else { return "le=\"\(le)\" is not a number" }
            guard let latest = store.latest(key, at: at, lookback: freshness) else { continue }
            groups[key.labels.removing("le"), default: []].append((bound, latest.v, le))
        }
        var layouts = Set<[Double]>()
        for (group, buckets) in groups.sorted(by: { $0.key.description < $1.key.description }) {
            let sorted = buckets.sorted { $0.bound < $1.bound }
            let where_ = Self.describeGroup(group)
            guard sorted.last?.bound == .infinity else { return "no +Inf bucket\(where_)" }
            for (lower, upper) in zip(sorted, sorted.dropFirst())
            where upper.count < lower.count && !HistogramQuantile.almostEqual(lower.count, upper.count, epsilon: 1e-12) {
                return "buckets go backwards\(where_): le=\"\(lower.le)\" counts \(Self.number(lower.count)) but le=\"\(upper.le)\" only \(Self.number(upper.count))"
            }
            layouts.insert(sorted.map(\.bound))
        }
        if layouts.count > 1 { return "series have different bucket bounds, so their buckets cannot be added up" }
        return nil
    }

    static func describeGroup(_ labels: Labels) -> String {
        let shown = labels.removing(["job", "instance"])
        return shown.isEmpty ? "" : " in \(shown)"
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// Quantiles from a summary's `quantile` series (sliding-window values the server computed:
    /// read as they are, the worst series when several match), and its mean from `_sum`/`_count`.
    func summaryLatency(_ ref: MetricRef, scale: Double, model: String?, version: String? = nil,
                        problems: inout [SignalProblem]) -> LatencySignals {
        let keys = series(ref, model: model, version: version)
        func all(_ v: SignalValue) -> LatencySignals {
            LatencySignals(p50: v, p95: v, p99: v, mean: v, queueTime: .notExported(""))
        }
        guard !keys.isEmpty else { return all(.unavailable("no fresh \(ref.name) series")) }
        if let mismatch = typeMismatch(ref, sample: ref.name) {
            problems.append(SignalProblem(signal: .latencyP99, metric: ref.name, message: mismatch))
            return all(.unavailable("\(ref.name) is not a summary (\(mismatch))"))
        }
        let quantiled = keys.filter { $0.labels["quantile"] != nil }
        if quantiled.isEmpty {
            let message = "has no quantile label: not a summary"
            problems.append(SignalProblem(signal: .latencyP99, metric: ref.name, message: message))
            return all(.unavailable("\(ref.name) \(message)"))
        }
        func q(_ quantile: Double) -> SignalValue {
            let matching = quantiled.filter { $0.labels["quantile"].flatMap(Double.init) == quantile }
            guard !matching.isEmpty else { return .unavailable("\(ref.name) has no quantile=\"\(quantile)\" series") }
            let values = matching.compactMap { store.latest($0, at: at, lookback: freshness)?.v }.filter(\.isFinite)
            guard let worst = values.max() else { return .unavailable("no requests in the summary's window (NaN)") }
            return .value(worst * scale)
        }
        var mean = meanFromCounters(MeanPlan(sum: ref.renamed(ref.name + "_sum"), count: [ref.renamed(ref.name + "_count")], scale: scale),
                                    model: model, version: version, signal: .latencyMean, problems: &problems)
        if case .unavailable(let reason) = mean, reason.hasPrefix("no fresh") {
            mean = .notExported("\(ref.name) has no _sum and _count")
        }
        return LatencySignals(p50: q(0.5), p95: q(0.95), p99: q(0.99), mean: mean, queueTime: .notExported(""))
    }

    /// A mean from two cumulative counters: `sum(rate(sum)) / sum(rate(count))`, scaled.
    func meanFromCounters(_ plan: MeanPlan, model: String?, version: String? = nil, signal: SignalKind,
                          problems: inout [SignalProblem]) -> SignalValue {
        let sum = counterRate([plan.sum], model: model, version: version, signal: signal, problems: &problems)
        let count = counterRate(plan.count, model: model, version: version, signal: signal, problems: &problems)
        guard let s = sum.value else { return sum }
        guard let c = count.value else { return count }
        guard c > 0 else { return .unavailable("no requests in the last \(Self.describe(window))") }
        return .value(s / c * plan.scale)
    }

    /// A saturation signal from the first source with fresh series; nil when none has any.
    /// A declared type other than gauge, or a ratio outside 0...1, is recorded and refused.
    func saturation(_ plan: SaturationPlan, model: String?, version: String? = nil,
                    problems: inout [SignalProblem]) -> (value: SignalValue, source: String)? {
        for source in plan.sources {
            var values: [Double] = []
            var names: [String] = []
            for ref in source.refs {
                let keys = series(ref, model: ref.modelLabel == nil ? nil : model, version: ref.versionLabel == nil ? nil : version)
                guard !keys.isEmpty else { continue }
                names.append(ref.name)
                if let mismatch = typeMismatch(ref, sample: ref.name) {
                    problems.append(SignalProblem(signal: plan.signal, metric: ref.name, message: mismatch))
                    return (.unavailable("\(ref.name) is not a gauge (\(mismatch))"), ref.name)
                }
                values += keys.compactMap { store.latest($0, at: at, lookback: freshness)?.v }.filter(\.isFinite)
            }
            guard !names.isEmpty else { continue }
            let sourceName = names.joined(separator: " + ")
            guard !values.isEmpty else { return (.unavailable("\(sourceName) has no finite value"), sourceName) }
            let scaled = values.map { $0 * source.scale }
            let combined = source.combine == .sum ? scaled.reduce(0, +) : scaled.max()!
            if source.isRatio, !(0...1.0001).contains(combined) {
                let message = "reads \(Self.number(combined)) after scaling, outside 0...1: wrong unit?"
                problems.append(SignalProblem(signal: plan.signal, metric: sourceName, message: message))
                return (.unavailable("\(sourceName) \(message)"), sourceName)
            }
            return (.value(Swift.min(combined, source.isRatio ? 1 : combined)), sourceName)
        }
        return nil
    }

    /// For each version of a model, how often it appeared or vanished between scrapes in the
    /// window (by the points of `ref`'s series, stale markers excluded).
    func versionToggles(_ ref: MetricRef, model: String) -> [String: Int] {
        var present: [Int64: Set<String>] = [:]
        let keys = store.series(named: ref.name) { $0["job"] == job && ref.matches($0, model: model, version: nil) }
        for key in keys {
            guard let version = ref.version(of: key.labels) else { continue }
            for p in store.points(key, in: (at - window)...at) { present[p.t.milliseconds, default: []].insert(version) }
        }
        let times = present.keys.sorted()
        let versions = Set(present.values.flatMap { $0 })
        var toggles: [String: Int] = [:]
        for version in versions {
            var count = 0
            var previous: Bool?
            for t in times {
                let now = present[t]!.contains(version)
                if let previous, previous != now { count += 1 }
                previous = now
            }
            toggles[version] = count
        }
        return toggles
    }
}
