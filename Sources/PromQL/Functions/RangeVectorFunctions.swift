import Foundation
import Telemetry

extension Evaluator {
    /// Functions over a range vector: one output sample per input series with a result.
    func rangeFunction(_ name: String, _ args: [Expr], _ t: Int64) throws -> [Sample] {
        var scalarArgs: [Double] = []
        var matrixArg = args[0]
        for a in args {
            if a.type == .matrix { matrixArg = a } else if a.type == .scalar { scalarArgs.append(try evalScalar(a, t)) }
        }
        let m = try evalMatrix(matrixArg, t)
        let ws = Timestamp(milliseconds: m.windowStart), we = Timestamp(milliseconds: m.windowEnd)
        if name == "quantile_over_time", let q = scalarArgs.first, q.isNaN || q < 0 || q > 1 {
            annotations.warn("PromQL warning: quantile value should be between 0 and 1, got \(formatValue(q))")
        }
        if name == "double_exponential_smoothing" || name == "holt_winters" {
            let sf = scalarArgs[0], tf = scalarArgs[1]
            if !(sf > 0 && sf < 1) { throw PromQLError("invalid smoothing factor. Expected: 0 < sf < 1, got: \(sf)") }
            if !(tf > 0 && tf < 1) { throw PromQLError("invalid trend factor. Expected: 0 < tf < 1, got: \(tf)") }
        }
        var out: [Sample] = []
        out.reserveCapacity(m.entries.count)
        var keepName = false
        let needsValues = !["rate", "increase", "delta", "irate", "idelta", "resets", "changes", "deriv", "predict_linear",
                            "present_over_time", "absent_over_time", "ts_of_last_over_time", "ts_of_first_over_time",
                            "ts_of_min_over_time", "ts_of_max_over_time"].contains(name)
        for series in m.entries {
            let pts = series.points
            let vals = needsValues ? pts.map(\.v) : []
            let v: Double?
            switch name {
            case "rate", "increase":
                if let n = series.name, !pts.isEmpty,
                   !["_total", "_sum", "_count", "_bucket"].contains(where: { n.hasSuffix($0) }) {
                    annotations.info("PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(quoteString(n))")
                }
                v = name == "rate" ? RangeFunctions.rate(pts, windowStart: ws, windowEnd: we)
                    : RangeFunctions.increase(pts, windowStart: ws, windowEnd: we)
            case "delta": v = RangeFunctions.delta(pts, windowStart: ws, windowEnd: we)
            case "irate": v = RangeFunctions.irate(pts, windowStart: ws, windowEnd: we)
            case "idelta": v = RangeFunctions.idelta(pts, windowStart: ws, windowEnd: we)
            case "resets":
                var n = 0
                for i in pts.indices.dropFirst() where pts[i].v < pts[i - 1].v { n += 1 }
                v = Double(n)
            case "changes":
                var n = 0
                for i in pts.indices.dropFirst() where pts[i].v != pts[i - 1].v && !(pts[i].v.isNaN && pts[i - 1].v.isNaN) { n += 1 }
                v = Double(n)
            case "deriv":
                v = pts.count < 2 ? nil : linearRegression(pts, interceptTime: pts[0].t.milliseconds).slope
            case "predict_linear":
                if pts.count < 2 { v = nil } else {
                    let (slope, intercept) = linearRegression(pts, interceptTime: t)
                    v = slope * scalarArgs[0] + intercept
                }
            case "avg_over_time": v = promMean(vals)
            case "sum_over_time":
                var sum = 0.0, c = 0.0
                for x in vals { (sum, c) = kahanSumInc(x, sum, c) }
                v = sum + c
            case "count_over_time": v = Double(vals.count)
            case "min_over_time":
                var r = vals[0]
                for x in vals.dropFirst() where r.isNaN || x < r { r = x }
                v = r
            case "max_over_time":
                var r = vals[0]
                for x in vals.dropFirst() where r.isNaN || x > r { r = x }
                v = r
            case "last_over_time": v = vals.last; keepName = true
            case "first_over_time": v = vals.first; keepName = true
            case "ts_of_last_over_time": v = Double(pts.last!.t.milliseconds) / 1000
            case "ts_of_first_over_time": v = Double(pts.first!.t.milliseconds) / 1000
            case "ts_of_min_over_time", "ts_of_max_over_time":
                var best = pts[0]
                for p in pts.dropFirst() {
                    let better = name == "ts_of_min_over_time" ? p.v <= best.v : p.v >= best.v
                    if better || best.v.isNaN { best = p }
                }
                v = Double(best.t.milliseconds) / 1000
            case "stddev_over_time": v = promVariance(vals).squareRoot()
            case "stdvar_over_time": v = promVariance(vals)
            case "quantile_over_time": v = promQuantile(scalarArgs[0], vals)
            case "mad_over_time":
                let median = promQuantile(0.5, vals)
                v = promQuantile(0.5, vals.map { abs($0 - median) })
            case "present_over_time": v = 1
            case "absent_over_time": v = nil
            case "double_exponential_smoothing", "holt_winters":
                v = doubleExponentialSmoothing(vals, sf: scalarArgs[0], tf: scalarArgs[1])
            default: throw PromQLError("function \"\(name)\" is not supported")
            }
            if let v {
                out.append(Sample(labels: keepName ? series.fullLabels : series.labels, t: t, v: v))
            }
        }
        // Dropping the name can only make two series equal when they had different names.
        if !keepName && !m.distinctWithoutName { try checkDuplicates(out) }
        return out
    }

    func linearRegression(_ samples: [Point], interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0, sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0, sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = samples[0].v
        var constY = true
        for (i, s) in samples.enumerated() {
            if constY && i > 0 && s.v != initY { constY = false }
            n += 1
            let x = Double(s.t.milliseconds - interceptTime) / 1e3
            (sumX, cX) = kahanSumInc(x, sumX, cX)
            (sumY, cY) = kahanSumInc(s.v, sumY, cY)
            (sumXY, cXY) = kahanSumInc(x * s.v, sumXY, cXY)
            (sumX2, cX2) = kahanSumInc(x * x, sumX2, cX2)
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }

    func doubleExponentialSmoothing(_ vals: [Double], sf: Double, tf: Double) -> Double? {
        guard vals.count >= 2 else { return nil }
        var s0 = 0.0, s1 = vals[0], b = vals[1] - vals[0]
        for i in 1..<vals.count {
            let x = sf * vals[i]
            if i > 1 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            (s0, s1) = (s1, x + y)
        }
        return s1
    }
}
