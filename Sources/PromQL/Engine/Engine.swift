import Foundation
import Telemetry

/// Evaluates PromQL over a `SeriesStore`, as Prometheus 3.x: lookback delta with staleness,
/// left-open range windows `(t - range, t]`.
public struct Engine: Sendable {
    /// How far back an instant selector looks for a sample (milliseconds). Default 5m.
    public var lookbackDelta: Int64
    /// The most series a selector, an intermediate or a final result may hold.
    public var maxSeries: Int
    /// The step of subqueries written without one (`x[5m:]`), milliseconds. Default 1m.
    public var defaultSubqueryStep: Int64
    /// The most samples a query may hold at once (Prometheus's `--query.max-samples`, default
    /// 50,000,000): the points one range selector loads, the points of one subquery's result,
    /// the points of a range query's result. Subquery steps count against it too, so that a
    /// subquery with a tiny step is refused before it runs rather than evaluated for hours.
    public var maxSamples: Int
    /// A range query's `(end - start) / step` may be at most this (Prometheus's HTTP API: 11,000,
    /// so at most 11,001 points per series). It refuses a tiny step before any evaluation.
    public var maxResolution: Int

    /// Which series each selector matched, kept across queries while the store's series set is
    /// the same (`SeriesStore.seriesSetVersion`): rules evaluate the same selectors every cycle,
    /// and finding and sorting their series is a good part of the work. Shared by copies.
    let selections = SelectionCache()
    /// Whether selections are kept across queries (see above); on by default.
    public var cachesSelections = true

    public init(lookbackDelta: Int64 = 300_000, maxSeries: Int = 1_000_000, defaultSubqueryStep: Int64 = 60_000,
                maxSamples: Int = 50_000_000, maxResolution: Int = 11_000) {
        self.lookbackDelta = lookbackDelta
        self.maxSeries = maxSeries
        self.defaultSubqueryStep = defaultSubqueryStep
        self.maxSamples = maxSamples
        self.maxResolution = maxResolution
    }

    /// Parses and evaluates `query` at `time`.
    public func instantQuery(_ query: String, store: SeriesStore, at time: Timestamp) throws -> QueryResult {
        try instantQuery(try Parser.parse(query), store: store, at: time)
    }

    /// Evaluates `expr` at `time`.
    public func instantQuery(_ expr: Expr, store: SeriesStore, at time: Timestamp) throws -> QueryResult {
        let t = time.milliseconds
        let ev = Evaluator(engine: self, store: store, start: t, end: t)
        var v = try ev.eval(expr, t)
        if case .matrix = v {} else if case .vector(let s) = v { v = .vector(s) }
        return QueryResult(value: v, annotations: ev.annotations)
    }

    /// Parses and evaluates `query` at every step from `start` to `end`: a matrix.
    public func rangeQuery(_ query: String, store: SeriesStore, start: Timestamp, end: Timestamp, step: Milliseconds) throws -> QueryResult {
        try rangeQuery(try Parser.parse(query), store: store, start: start, end: end, step: step)
    }

    /// Evaluates `expr` (a scalar or instant vector) at every step from `start` to `end`.
    public func rangeQuery(_ expr: Expr, store: SeriesStore, start: Timestamp, end: Timestamp, step: Milliseconds) throws -> QueryResult {
        guard expr.type == .scalar || expr.type == .vector else {
            throw PromQLError("invalid expression type \"\(expr.type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        guard step.value > 0 else { throw PromQLError("zero or negative query resolution step widths are not accepted") }
        guard end >= start else { throw PromQLError("end timestamp must not be before start time") }
        // As Prometheus's API: (end - start) / step, computed without overflow.
        let (span, overflow) = end.milliseconds.subtractingReportingOverflow(start.milliseconds)
        if overflow || span / step.value > Int64(maxResolution) {
            throw PromQLError("exceeded maximum resolution of \(groupingThousands(maxResolution)) points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        let ev = Evaluator(engine: self, store: store, start: start.milliseconds, end: end.milliseconds)
        var order: [Labels] = []
        var points: [Labels: [Point]] = [:]
        var total = 0
        var t = start.milliseconds
        while t <= end.milliseconds {
            switch try ev.eval(expr, t) {
            case .scalar(let v):
                let l = Labels()
                if points[l] == nil { order.append(l) }
                points[l, default: []].append(Point(t: Timestamp(milliseconds: t), v: v))
                total += 1
            case .vector(let samples):
                for s in samples {
                    if points[s.labels] == nil {
                        order.append(s.labels)
                        if order.count > maxSeries { throw Evaluator.tooManySeries(maxSeries) }
                    }
                    points[s.labels, default: []].append(Point(t: Timestamp(milliseconds: t), v: s.v))
                }
                total += samples.count
            default: break
            }
            try ev.checkSamples(total)
            let (next, over) = t.addingReportingOverflow(step.value)
            if over { break }
            t = next
        }
        let series = order.map { Series(labels: $0, points: points[$0]!) }
        return QueryResult(value: .matrix(series), annotations: ev.annotations)
    }
}

/// One evaluation: holds the store, the query's start and end (for `@ start()`/`@ end()`) and annotations.
final class Evaluator {
    let engine: Engine
    let store: SeriesStore
    let start: Int64
    let end: Int64
    var annotations = Annotations()
    private var selectCache: [String: Selection] = [:]

    init(engine: Engine, store: SeriesStore, start: Int64, end: Int64) {
        self.engine = engine; self.store = store; self.start = start; self.end = end
    }

    static func tooManySeries(_ n: Int) -> PromQLError {
        PromQLError("query would return more than \(n) series: the result is bounded; narrow the selector or aggregate")
    }

    func checkLimit(_ n: Int) throws {
        if n > engine.maxSeries { throw Evaluator.tooManySeries(engine.maxSeries) }
    }

    /// Prometheus's error when a query would hold more than `--query.max-samples` samples.
    static let tooManySamples = PromQLError("query processing would load too many samples into memory in query execution")

    func checkSamples(_ n: Int) throws {
        if n > engine.maxSamples { throw Evaluator.tooManySamples }
    }

    /// Subquery steps evaluated so far in this query (bounded by `maxSamples`).
    private(set) var subquerySteps = 0

    /// Counts `n` more subquery steps, refusing them when the query's total would pass the limit.
    func chargeSubquerySteps(_ n: Int64, _ window: @autoclosure () -> String) throws {
        let limit = Int64(engine.maxSamples)
        if n > limit || Int64(subquerySteps) + n > limit {
            throw PromQLError("subquery \(window()) would be evaluated at \(n) steps, and the query at more than \(engine.maxSamples) in all: use a larger subquery step or a shorter range")
        }
        subquerySteps += Int(n)
    }

    func resolve(_ at: AtModifier?, _ t: Int64) -> Int64 {
        switch at {
        case nil: return t
        case .time(let ms): return ms
        case .start: return start
        case .end: return end
        }
    }

    // MARK: Selection

    /// The series a selector matches, sorted by labels, with handles for reading them.
    struct Selection {
        var series: [(ref: SeriesStore.SeriesRef, key: SeriesKey)]
        /// At most one metric name among them: their labels without `__name__` are distinct.
        var singleName: Bool
    }

    func select(_ s: VectorSelector) throws -> Selection {
        let cacheKey = (s.name ?? "") + "\u{0}" + s.matchers.map(\.description).joined(separator: "\u{0}")
        if let c = selectCache[cacheKey] { return c }
        let nameMatchers = s.matchers.filter { $0.name == Labels.metricName }
        // A selector with a literal name depends only on that name's series; others on all.
        let literalName = s.name ?? nameMatchers.first(where: { $0.kind == .equal })?.value
        let version = literalName.map { store.seriesSetVersion(named: $0) } ?? store.seriesSetVersion
        if engine.cachesSelections, let c = engine.selections.lookup(cacheKey, version: version) {
            selectCache[cacheKey] = c
            return c
        }
        let labelMatchers = s.matchers.filter { $0.name != Labels.metricName }
        let equalPairs = labelMatchers.filter { $0.kind == .equal }.map { (name: $0.name, value: $0.value) }
        // The store's postings answer equality matchers with a value; the rest are tested.
        let tested = labelMatchers.filter { !($0.kind == .equal && !$0.value.isEmpty) }
        // Regular expressions are slow and label values repeat: each value is matched once.
        var memo = [[String: Bool]](repeating: [:], count: tested.count)
        let predicate: ((Labels) -> Bool)? = tested.isEmpty ? nil : { l in
            for (i, m) in tested.enumerated() {
                let v = l[m.name] ?? ""
                let ok: Bool
                switch m.kind {
                case .regex, .notRegex:
                    if let known = memo[i][v] { ok = known } else { ok = m.matches(v); memo[i][v] = ok }
                default: ok = m.matches(v)
                }
                if !ok { return false }
            }
            return true
        }
        var names: [String]
        if let n = s.name {
            names = [n]
        } else if let eq = nameMatchers.first(where: { $0.kind == .equal }) {
            names = [eq.value]
        } else {
            names = store.names
        }
        names = names.filter { n in nameMatchers.allSatisfy { $0.matches(n) } }
        var out: [(ref: SeriesStore.SeriesRef, key: SeriesKey)] = []
        var namesFound = 0
        for n in names {
            let found = store.seriesRefs(named: n, equal: equalPairs, where: predicate)
            if !found.isEmpty { namesFound += 1 }
            out.append(contentsOf: found)
            try checkLimit(out.count)
        }
        let selection = Selection(series: out, singleName: namesFound <= 1)
        selectCache[cacheKey] = selection
        if engine.cachesSelections { engine.selections.store(cacheKey, selection, version: version) }
        return selection
    }

    static func fullLabels(_ key: SeriesKey) -> Labels {
        key.labels.setting(Labels.metricName, key.name)
    }

    func instantSelect(_ s: VectorSelector, _ t: Int64) throws -> [Sample] {
        let te = Timestamp(milliseconds: resolve(s.at, t) - s.offset)
        let lookback = Milliseconds(engine.lookbackDelta)
        var out: [Sample] = []
        for (ref, key) in try select(s).series {
            if let p = store.latest(ref, at: te, lookback: lookback) {
                out.append(Sample(labels: Evaluator.fullLabels(key), t: p.t.milliseconds, v: p.v))
            }
        }
        return out
    }

    /// A range vector with its window `(windowStart, windowEnd]`.
    struct Matrix {
        /// One series: its labels without `__name__`, its metric name (nil when it has none), its points.
        struct Entry {
            var labels: Labels
            var name: String?
            var points: [Point]
            var fullLabels: Labels { name.map { labels.setting(Labels.metricName, $0) } ?? labels }
        }
        var entries: [Entry]
        var windowStart: Int64
        var windowEnd: Int64
        /// The entries' labels without `__name__` are known to be distinct.
        var distinctWithoutName: Bool
        var series: [Series] { entries.map { Series(labels: $0.fullLabels, points: $0.points) } }
    }

    func evalMatrix(_ e: Expr, _ t: Int64) throws -> Matrix {
        switch e {
        case .paren(let inner): return try evalMatrix(inner, t)
        case .matrixSelector(let s, let range):
            let te = resolve(s.at, t) - s.offset
            let window = Timestamp(milliseconds: te - range + 1)...Timestamp(milliseconds: te)
            let selection = try select(s)
            var out: [Matrix.Entry] = []
            var loaded = 0
            for (ref, key) in selection.series {
                let pts = store.points(ref, in: window)
                if !pts.isEmpty {
                    loaded += pts.count
                    try checkSamples(loaded)
                    out.append(Matrix.Entry(labels: key.labels, name: key.name, points: pts))
                }
            }
            return Matrix(entries: out, windowStart: te - range, windowEnd: te, distinctWithoutName: selection.singleName)
        case .subquery(let inner, let range, let step, let offset, let at):
            let te = resolve(at, t) - offset
            let st = step ?? engine.defaultSubqueryStep
            let s0 = te - range
            guard st > 0 else { throw PromQLError("zero or negative subquery step") }
            var ts = floorDiv(s0, st) * st
            if ts <= s0 { ts += st }
            if ts <= te { try chargeSubquerySteps((te - ts) / st + 1, "[\(range)ms:\(st)ms]") }
            var order: [Labels] = []
            var points: [Labels: [Point]] = [:]
            var total = 0
            while ts <= te {
                switch try eval(inner, ts) {
                case .scalar(let v):
                    let l = Labels()
                    if points[l] == nil { order.append(l) }
                    points[l, default: []].append(Point(t: Timestamp(milliseconds: ts), v: v))
                    total += 1
                case .vector(let samples):
                    for s in samples {
                        if points[s.labels] == nil { order.append(s.labels); try checkLimit(order.count) }
                        points[s.labels, default: []].append(Point(t: Timestamp(milliseconds: ts), v: s.v))
                    }
                    total += samples.count
                default: throw PromQLError("subquery of a non-vector expression")
                }
                try checkSamples(total)
                ts += st
            }
            let entries = order.map { l in
                Matrix.Entry(labels: l.droppingName, name: l[Labels.metricName], points: points[l]!)
            }
            return Matrix(entries: entries, windowStart: s0, windowEnd: te, distinctWithoutName: false)
        default:
            throw PromQLError("expected a range vector, got \(e.type.rawValue)")
        }
    }

    // MARK: Evaluation

    func eval(_ e: Expr, _ t: Int64) throws -> Value {
        switch e {
        case .number(let v): return .scalar(v)
        case .string(let s): return .string(s)
        case .paren(let inner): return try eval(inner, t)
        case .vectorSelector(let s): return .vector(try instantSelect(s, t))
        case .matrixSelector, .subquery: return .matrix(try evalMatrix(e, t).series)
        case .unaryMinus(let inner):
            switch try eval(inner, t) {
            case .scalar(let v): return .scalar(-v)
            case .vector(let samples):
                return .vector(samples.map { Sample(labels: $0.labels.droppingName, t: t, v: -$0.v) })
            default: throw PromQLError("unary minus on a non-numeric value")
            }
        case .call(let name, let args, _):
            return try callFunction(name, args, t)
        case .aggregate(let op, let param, let expr, let grouping, let without):
            return try aggregate(op, param, expr, grouping, without, t)
        case .binary(let op, let lhs, let rhs, let mods):
            return try binary(op, lhs, rhs, mods, t)
        }
    }

    func evalVector(_ e: Expr, _ t: Int64) throws -> [Sample] {
        guard case .vector(let v) = try eval(e, t) else { throw PromQLError("expected an instant vector") }
        return v
    }

    func evalScalar(_ e: Expr, _ t: Int64) throws -> Double {
        guard case .scalar(let v) = try eval(e, t) else { throw PromQLError("expected a scalar") }
        return v
    }

    func evalString(_ e: Expr, _ t: Int64) throws -> String {
        guard case .string(let v) = try eval(e, t) else { throw PromQLError("expected a string") }
        return v
    }

    /// Prometheus's check that a result vector has no two samples with the same labels.
    func checkDuplicates(_ v: [Sample]) throws {
        var seen = Set<Labels>()
        seen.reserveCapacity(v.count)
        for s in v where !seen.insert(s.labels).inserted {
            throw PromQLError("vector cannot contain metrics with the same labelset")
        }
    }
}

/// Selections by selector, each with the version of the series it depends on
/// (`SeriesStore.seriesSetVersion`, of one name or of all); bounded in the series it holds.
final class SelectionCache: @unchecked Sendable {
    /// The most series held over all selections (beyond it, the cache starts again).
    static let maxSeriesHeld = 250_000
    private let lock = NSLock()
    private var entries: [String: (version: UInt64, selection: Evaluator.Selection)] = [:]
    private var seriesHeld = 0

    func lookup(_ key: String, version: UInt64) -> Evaluator.Selection? {
        lock.lock(); defer { lock.unlock() }
        guard let e = entries[key], e.version == version else { return nil }
        return e.selection
    }

    func store(_ key: String, _ selection: Evaluator.Selection, version: UInt64) {
        guard selection.series.count <= Self.maxSeriesHeld else { return }
        lock.lock(); defer { lock.unlock() }
        if let old = entries[key] { seriesHeld -= old.selection.series.count }
        if seriesHeld + selection.series.count > Self.maxSeriesHeld {
            entries = [:]
            seriesHeld = 0
        }
        entries[key] = (version, selection)
        seriesHeld += selection.series.count
    }
}

/// `11000` as `11,000`.
func groupingThousands(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
