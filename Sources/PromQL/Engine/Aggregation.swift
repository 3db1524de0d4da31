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
    func groupingKey(_ l: Labels, _ grouping: [String], _ without: Bool) -> Labels {
        if without { return l.removing(Set(grouping + [Labels.metricName])) }
        return l.keeping(Set(grouping))
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
        var order: [Labels] = []
        var groups: [Labels: [Sample]] = [:]
        for s in input {
            let key = groupingKey(s.labels, grouping, without)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(s)
        }
        var out: [Sample] = []
        switch op {
        case .topk, .bottomk:
            if param.isNaN { throw PromQLError("Parameter value is NaN") }
            guard param >= 1 else { return .vector([]) }
            let k = param >= Double(Int.max) ? Int.max : Int(param)
            for key in order {
                let members = groups[key]!
                // NaN sorts last for both.
                let sorted = members.enumerated().sorted { a, b in
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
            for key in order {
                for s in groups[key]! {
                    let l = key.setting(label, formatFloatPlain(s.v))
                    if counts[l] == nil { ord.append(l) }
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
        for key in order {
            let values = groups[key]!.map(\.v)
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
