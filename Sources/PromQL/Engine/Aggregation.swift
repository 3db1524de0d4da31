import Foundation
import Telemetry

/// Neumaier-compensated summation step, as Prometheus's `kahanSumInc`.
@inline(__always) func kahanSumInc(_ inc: Double, _ sum: Double, _ c: Double) -> (Double, Double) {
    let t = sum + inc
    var c = c
    if t.isInfinite {
        c = 0
    } else if abs(sum) >= abs(inc) {
        c += (sum - t) + inc
    } else {
        c += (inc - t) + sum
    }
    return (t, c)
}

/// Go's `math.Max`/`math.Min` (NaN wins).
func goMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
func goMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }

/// The mean of values with Prometheus's overflow-safe algorithm.
func promMean(_ values: [Double]) -> Double {
    var sum = 0.0, c = 0.0, mean = 0.0, count = 0.0
    var incremental = false
    for f in values {
        count += 1
        if !incremental {
            let (ns, nc) = kahanSumInc(f, sum, c)
            if count == 1 || !ns.isInfinite { sum = ns; c = nc; continue }
            incremental = true
            mean = sum / (count - 1)
            c /= count - 1
        }
        if mean.isInfinite {
            if f.isInfinite && (mean > 0) == (f > 0) { continue }
            if !f.isInfinite && !f.isNaN { continue }
        }
        let q = (count - 1) / count
        (mean, c) = kahanSumInc(f / count, q * mean, q * c)
    }
    if incremental { return mean + c }
    return sum / count + c / count
}

/// Prometheus's `quantile` (linear interpolation between closest ranks).
func promQuantile(_ q: Double, _ values: [Double]) -> Double {
    if values.isEmpty || q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    let sorted = values.sorted { a, b in a < b || (a.isNaN && !b.isNaN) }
    let n = Double(sorted.count)
    let rank = q * (n - 1)
    let lower = Swift.max(0, rank.rounded(.down))
    let upper = Swift.min(n - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return sorted[Int(lower)] * (1 - weight) + sorted[Int(upper)] * weight
}

/// Population variance with Welford's algorithm and compensated sums, as `stdvar_over_time`.
func promVariance(_ values: [Double]) -> Double {
    var count = 0.0, mean = 0.0, cMean = 0.0, aux = 0.0, cAux = 0.0
    for f in values {
        count += 1
        let delta = f - (mean + cMean)
        (mean, cMean) = kahanSumInc(delta / count, mean, cMean)
        (aux, cAux) = kahanSumInc(delta * (f - (mean + cMean)), aux, cAux)
    }
    return (aux + cAux) / count
}

extension Evaluator {
    /// The labels that name an aggregation's group: only the `by` labels, or all but the
    /// `without` labels and `__name__`.
    struct GroupingKey {
        let without: Bool
        let sortedNames: [String]
        let dropped: Set<String>
        init(_ grouping: [String], without: Bool) {
            self.without = without
            sortedNames = Array(Set(grouping)).sorted()
            dropped = without ? Set(grouping + [Labels.metricName]) : []
        }
        func callAsFunction(_ l: Labels) -> Labels {
            if without { return l.filter(names: { !dropped.contains($0) }) }
            return l.keeping(sortedNames: sortedNames)
        }
        /// Calls `body` with each pair of `l` that is part of its key, in order.
        @inline(__always)
        func forEachKeyPair(_ l: Labels, _ body: (_ name: String, _ value: String) -> Void) {
            if without {
                for p in l.pairs where !dropped.contains(p.name) { body(p.name, p.value) }
                return
            }
            var j = 0
            for p in l.pairs {
                while j < sortedNames.count && sortedNames[j] < p.name { j += 1 }
                if j == sortedNames.count { break }
                if sortedNames[j] == p.name { body(p.name, p.value) }
            }
        }
        /// A hash of `self(l)`, without building it.
        func hash(_ l: Labels) -> Int {
            var h = Hasher()
            forEachKeyPair(l) { h.combine($0); h.combine($1) }
            return h.finalize()
        }
        /// Whether `self(l) == key`, without building `self(l)`.
        func matches(_ l: Labels, _ key: Labels) -> Bool {
            var i = 0, same = true
            forEachKeyPair(l) { name, value in
                if same && (i >= key.pairs.count || key.pairs[i].name != name || key.pairs[i].value != value) { same = false }
                i += 1
            }
            return same && i == key.pairs.count
        }
    }

    func aggregate(_ op: AggregateOp, _ paramE: Expr?, _ expr: Expr, _ grouping: [String], _ without: Bool, _ t: Int64) throws -> Value {
        var param: Double = 0
        var label = ""
        if let paramE {
            if op == .countValues {
                label = try evalString(paramE, t)
                guard isValidLabelName(label) else { throw PromQLError("invalid label name \(quoteString(label))") }
            } else {
                param = try evalScalar(paramE, t)
            }
        }
        let input = try evalVector(expr, t)
        // Groups in first-seen order.
        let keyOf = GroupingKey(grouping, without: without)
        // Samples are matched to groups by a hash of their key labels, so that a key is built
        // once per group rather than once per sample.
        var order: [Labels] = []
        var members: [[Sample]] = []
        var firstWithHash: [Int: Int] = [:]
        var nextWithSameHash: [Int] = []
        for s in input {
            let h = keyOf.hash(s.labels)
            var g = firstWithHash[h] ?? -1
            while g >= 0 && !keyOf.matches(s.labels, order[g]) { g = nextWithSameHash[g] }
            if g < 0 {
                g = order.count
                order.append(keyOf(s.labels))
                members.append([])
                nextWithSameHash.append(firstWithHash[h] ?? -1)
                firstWithHash[h] = g
            }
            members[g].append(s)
        }
        var out: [Sample] = []
        switch op {
        case .topk, .bottomk:
            // As Prometheus 3: k is the parameter truncated to an integer; a parameter that
            // does not fit an int64 (NaN, ±Inf, ±1e19) is an error; k < 1 selects nothing.
            guard param <= 9_223_372_036_854_774_784, param >= -9_223_372_036_854_775_808 else {
                throw PromQLError("Scalar value \(formatValue(param)) overflows int64")
            }
            let k = Int(Int64(param))
            guard k >= 1 else { return .vector([]) }
            for group in members {
                // NaN sorts last for both.
                let sorted = group.enumerated().sorted { a, b in
                    let x = a.element.v, y = b.element.v
                    if x.isNaN != y.isNaN { return !x.isNaN }
                    if x != y && !x.isNaN { return op == .topk ? x > y : x < y }
                    return a.offset < b.offset
                }.map(\.element)
                out.append(contentsOf: sorted.prefix(k))
            }
            return .vector(out)
        case .limitk, .limitRatio:
            throw PromQLError("\(op.rawValue) is not supported")
        case .countValues:
            var counts: [Labels: Double] = [:]
            var ord: [Labels] = []
            for (key, group) in zip(order, members) {
                for s in group {
                    let l = key.setting(label, formatFloatPlain(s.v))
                    if counts[l] == nil { ord.append(l); try checkLimit(ord.count) }
                    counts[l, default: 0] += 1
                }
            }
            return .vector(ord.map { Sample(labels: $0, t: t, v: counts[$0]!) })
        case .quantile:
            if param.isNaN || param < 0 || param > 1 {
                annotations.warn("PromQL warning: quantile value should be between 0 and 1, got \(formatValue(param))")
            }
        default: break
        }
        out.reserveCapacity(order.count)
        for (key, group) in zip(order, members) {
            let values = group.map(\.v)
            let v: Double
            switch op {
            case .sum:
                var sum = 0.0, c = 0.0
                for x in values { (sum, c) = kahanSumInc(x, sum, c) }
                v = sum + c
            case .avg: v = promMean(values)
            case .count: v = Double(values.count)
            case .group: v = 1
            case .min:
                var m = values[0]
                for x in values.dropFirst() where m.isNaN || x < m { m = x }
                v = m
            case .max:
                var m = values[0]
                for x in values.dropFirst() where m.isNaN || x > m { m = x }
                v = m
            case .stddev, .stdvar:
                var count = 1.0, mean = values[0], acc = 0.0
                for x in values.dropFirst() {
                    count += 1
                    let delta = x - mean
                    mean += delta / count
                    acc += delta * (x - mean)
                }
                v = op == .stdvar ? acc / count : sqrt(acc / count)
            case .quantile: v = promQuantile(param, values)
            default: v = .nan
            }
            out.append(Sample(labels: key, t: t, v: v))
        }
        return .vector(out)
    }
}

func isValidLabelName(_ s: String) -> Bool {
    guard let f = s.unicodeScalars.first else { return false }
    let ok = { (u: Unicode.Scalar) in u == "_" || (u.isASCII && (u.properties.isAlphabetic || ("0"..."9").contains(u))) }
    return ok(f) && !("0"..."9").contains(f) && s.unicodeScalars.allSatisfy(ok)
}
