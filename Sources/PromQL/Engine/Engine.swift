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

    public init(lookbackDelta: Int64 = 300_000, maxSeries: Int = 1_000_000, defaultSubqueryStep: Int64 = 60_000) {
        self.lookbackDelta = lookbackDelta
        self.maxSeries = maxSeries
        self.defaultSubqueryStep = defaultSubqueryStep
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
        let ev = Evaluator(engine: self, store: store, start: start.milliseconds, end: end.milliseconds)
        var order: [Labels] = []
        var points: [Labels: [Point]] = [:]
        var t = start.milliseconds
        while t <= end.milliseconds {
            switch try ev.eval(expr, t) {
            case .scalar(let v):
                let l = Labels()
                if points[l] == nil { order.append(l) }
                points[l, default: []].append(Point(t: Timestamp(milliseconds: t), v: v))
            case .vector(let samples):
                for s in samples {
                    if points[s.labels] == nil {
                        order.append(s.labels)
                        if order.count > maxSeries { throw Evaluator.tooManySeries(maxSeries) }
                    }
                    points[s.labels, default: []].append(Point(t: Timestamp(milliseconds: t), v: s.v))
                }
            default: break
            }
            t += step.value
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
    private var selectCache: [String: [SeriesKey]] = [:]

    init(engine: Engine, store: SeriesStore, start: Int64, end: Int64) {
        self.engine = engine; self.store = store; self.start = start; self.end = end
    }

    static func tooManySeries(_ n: Int) -> PromQLError {
        PromQLError("query would return more than \(n) series: the result is bounded; narrow the selector or aggregate")
    }

    func checkLimit(_ n: Int) throws {
        if n > engine.maxSeries { throw Evaluator.tooManySeries(engine.maxSeries) }
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

    func select(_ s: VectorSelector) throws -> [SeriesKey] {
        let cacheKey = (s.name ?? "") + "\u{0}" + s.matchers.map(\.description).joined(separator: "\u{0}")
        if let c = selectCache[cacheKey] { return c }
        let nameMatchers = s.matchers.filter { $0.name == Labels.metricName }
        let labelMatchers = s.matchers.filter { $0.name != Labels.metricName }
        let equalPairs = labelMatchers.filter { $0.kind == .equal }.map { (name: $0.name, value: $0.value) }
        func labelsMatch(_ l: Labels) -> Bool {
            for m in labelMatchers where !m.matches(l[m.name] ?? "") { return false }
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
        var out: [SeriesKey] = []
        for n in names {
            out.append(contentsOf: labelMatchers.isEmpty ? store.series(named: n)
                       : store.series(named: n, equal: equalPairs, where: labelsMatch))
            try checkLimit(out.count)
        }
        selectCache[cacheKey] = out
        return out
    }

    static func fullLabels(_ key: SeriesKey) -> Labels {
        var p = key.labels.pairs.map { ($0.name, $0.value) }
        p.append((Labels.metricName, key.name))
        return Labels(p)
    }

    func instantSelect(_ s: VectorSelector, _ t: Int64) throws -> [Sample] {
        let te = resolve(s.at, t) - s.offset
        var out: [Sample] = []
        for key in try select(s) {
            if let p = store.latest(key, at: Timestamp(milliseconds: te), lookback: Milliseconds(engine.lookbackDelta)) {
                out.append(Sample(labels: Evaluator.fullLabels(key), t: p.t.milliseconds, v: p.v))
            }
        }
        return out
    }

    /// A range vector with its window `(windowStart, windowEnd]`.
    struct Matrix {
        var series: [Series]
        var windowStart: Int64
        var windowEnd: Int64
    }

    func evalMatrix(_ e: Expr, _ t: Int64) throws -> Matrix {
        switch e {
        case .paren(let inner): return try evalMatrix(inner, t)
        case .matrixSelector(let s, let range):
            let te = resolve(s.at, t) - s.offset
            var out: [Series] = []
            for key in try select(s) {
                let pts = store.points(key, in: Timestamp(milliseconds: te - range + 1)...Timestamp(milliseconds: te))
                if !pts.isEmpty { out.append(Series(labels: Evaluator.fullLabels(key), points: pts)) }
            }
            return Matrix(series: out, windowStart: te - range, windowEnd: te)
        case .subquery(let inner, let range, let step, let offset, let at):
            let te = resolve(at, t) - offset
            let st = step ?? engine.defaultSubqueryStep
            let s0 = te - range
            var ts = floorDiv(s0, st) * st
            if ts <= s0 { ts += st }
            var order: [Labels] = []
            var points: [Labels: [Point]] = [:]
            while ts <= te {
                switch try eval(inner, ts) {
                case .scalar(let v):
                    let l = Labels()
                    if points[l] == nil { order.append(l) }
                    points[l, default: []].append(Point(t: Timestamp(milliseconds: ts), v: v))
                case .vector(let samples):
                    for s in samples {
                        if points[s.labels] == nil { order.append(s.labels); try checkLimit(order.count) }
                        points[s.labels, default: []].append(Point(t: Timestamp(milliseconds: ts), v: s.v))
                    }
                default: throw PromQLError("subquery of a non-vector expression")
                }
                ts += st
            }
            return Matrix(series: order.map { Series(labels: $0, points: points[$0]!) }, windowStart: s0, windowEnd: te)
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

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
