import Foundation
import Telemetry

extension Evaluator {
    func callFunction(_ name: String, _ args: [Expr], _ t: Int64) throws -> Value {
        if FunctionTable.unimplemented.contains(name) {
            throw PromQLError("function \"\(name)\" is not supported (native histograms only)")
        }
        switch name {
        case "time": return .scalar(Double(t) / 1000)
        case "pi": return .scalar(Double.pi)
        case "vector": return .vector([Sample(labels: Labels(), t: t, v: try evalScalar(args[0], t))])
        case "scalar":
            let v = try evalVector(args[0], t)
            return .scalar(v.count == 1 ? v[0].v : .nan)
        case "absent":
            if !(try evalVector(args[0], t)).isEmpty { return .vector([]) }
            return .vector([Sample(labels: absentLabels(args[0]), t: t, v: 1)])
        case "absent_over_time":
            if !(try evalMatrix(args[0], t)).entries.isEmpty { return .vector([]) }
            return .vector([Sample(labels: absentLabels(args[0]), t: t, v: 1)])
        case "timestamp":
            var inner = args[0]
            while case .paren(let e) = inner { inner = e }
            let isSelector: Bool
            if case .vectorSelector = inner { isSelector = true } else { isSelector = false }
            let v = try evalVector(args[0], t)
            let out = v.map { Sample(labels: $0.labels.droppingName, t: t, v: Double(isSelector ? $0.t : t) / 1000) }
            try checkDuplicates(out)
            return .vector(out)
        case "sort", "sort_desc":
            let v = try evalVector(args[0], t)
            let desc = name == "sort_desc"
            return .vector(v.enumerated().sorted { a, b in
                let x = a.element.v, y = b.element.v
                if x.isNaN != y.isNaN { return !x.isNaN }
                if x != y && !x.isNaN { return desc ? x > y : x < y }
                return a.offset < b.offset
            }.map(\.element))
        case "sort_by_label", "sort_by_label_desc":
            let v = try evalVector(args[0], t)
            let names = try args.dropFirst().map { try evalString($0, t) }
            let desc = name == "sort_by_label_desc"
            return .vector(v.sorted { a, b in
                for n in names {
                    let c = naturalCompare(a.labels[n] ?? "", b.labels[n] ?? "")
                    if c != 0 { return desc ? c > 0 : c < 0 }
                }
                let c = compareLabels(a.labels, b.labels)
                return desc ? c > 0 : c < 0
            })
        case "label_replace": return .vector(try labelReplace(args, t))
        case "label_join": return .vector(try labelJoin(args, t))
        case "histogram_quantile": return .vector(try histogramQuantile(args, t))
        case "histogram_fraction": return .vector(try histogramFraction(args, t))
        case "round":
            let toNearest = args.count > 1 ? try evalScalar(args[1], t) : 1
            let inv = 1 / toNearest
            return try mapVector(args[0], t) { ($0 * inv + 0.5).rounded(.down) / inv }
        case "clamp":
            let lo = try evalScalar(args[1], t), hi = try evalScalar(args[2], t)
            if hi < lo { return .vector([]) }
            return try mapVector(args[0], t) { goMax(lo, goMin(hi, $0)) }
        case "clamp_min":
            let lo = try evalScalar(args[1], t)
            return try mapVector(args[0], t) { goMax(lo, $0) }
        case "clamp_max":
            let hi = try evalScalar(args[1], t)
            return try mapVector(args[0], t) { goMin(hi, $0) }
        case "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year":
            let input = args.isEmpty ? [Sample(labels: Labels(), t: t, v: Double(t) / 1000)] : try evalVector(args[0], t)
            let out = input.map { s -> Sample in
                Sample(labels: s.labels.droppingName, t: t, v: dateFunction(name, s.v))
            }
            try checkDuplicates(out)
            return .vector(out)
        default: break
        }
        if let f = Evaluator.mathFunctions[name] {
            return try mapVector(args[0], t, f)
        }
        if FunctionTable.signatures[name]?.args.contains(.matrix) == true {
            return .vector(try rangeFunction(name, args, t))
        }
        throw PromQLError("function \"\(name)\" is not supported")
    }

    func mapVector(_ e: Expr, _ t: Int64, _ f: (Double) -> Double) throws -> Value {
        let out = try evalVector(e, t).map { Sample(labels: $0.labels.droppingName, t: t, v: f($0.v)) }
        try checkDuplicates(out)
        return .vector(out)
    }

    static let mathFunctions: [String: @Sendable (Double) -> Double] = [
        "abs": { abs($0) }, "ceil": { $0.rounded(.up) }, "floor": { $0.rounded(.down) }, "exp": { Foundation.exp($0) },
        "sqrt": { $0.squareRoot() }, "ln": { Foundation.log($0) }, "log2": { Foundation.log2($0) },
        "log10": { Foundation.log10($0) },
        "sgn": { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 },
        "sin": { Foundation.sin($0) }, "cos": { Foundation.cos($0) }, "tan": { Foundation.tan($0) },
        "asin": { Foundation.asin($0) }, "acos": { Foundation.acos($0) }, "atan": { Foundation.atan($0) },
        "sinh": { Foundation.sinh($0) }, "cosh": { Foundation.cosh($0) }, "tanh": { Foundation.tanh($0) },
        "asinh": { Foundation.asinh($0) }, "acosh": { Foundation.acosh($0) }, "atanh": { Foundation.atanh($0) },
        "deg": { $0 * 180 / Double.pi }, "rad": { $0 * Double.pi / 180 },
    ]

    /// The labels `absent`/`absent_over_time` give: the argument selector's equality matchers.
    func absentLabels(_ e: Expr) -> Labels {
        var inner = e
        while case .paren(let x) = inner { inner = x }
        let matchers: [LabelMatcher]
        switch inner {
        case .vectorSelector(let s), .matrixSelector(let s, _): matchers = s.matchers
        default: return Labels()
        }
        var pairs: [String: String] = [:]
        var has = Set<String>()
        for m in matchers where m.name != Labels.metricName {
            if m.kind == .equal && !has.contains(m.name) {
                pairs[m.name] = m.value
                has.insert(m.name)
            } else {
                pairs[m.name] = nil
            }
        }
        return Labels(pairs.filter { !$0.value.isEmpty })
    }

    func labelReplace(_ args: [Expr], _ t: Int64) throws -> [Sample] {
        let dst = try evalString(args[1], t), repl = try evalString(args[2], t)
        let src = try evalString(args[3], t), re = try evalString(args[4], t)
        let regex: AnchoredRegex
        do { regex = try AnchoredRegex(re) } catch {
            throw PromQLError("invalid regular expression in label_replace(): \(re)")
        }
        guard isValidLabelName(dst) else { throw PromQLError("invalid destination label name in label_replace(): \(dst)") }
        let out = try evalVector(args[0], t).map { s -> Sample in
            guard let groups = regex.captures(s.labels[src] ?? "") else { return s }
            let value = expandTemplate(repl, groups)
            return Sample(labels: s.labels.setOrRemove(dst, value), t: s.t, v: s.v)
        }
        try checkDuplicates(out)
        return out
    }

    func labelJoin(_ args: [Expr], _ t: Int64) throws -> [Sample] {
        let dst = try evalString(args[1], t), sep = try evalString(args[2], t)
        let srcs = try args.dropFirst(3).map { try evalString($0, t) }
        guard isValidLabelName(dst) else { throw PromQLError("invalid destination label name in label_join(): \(dst)") }
        let out = try evalVector(args[0], t).map { s -> Sample in
            let value = srcs.map { s.labels[$0] ?? "" }.joined(separator: sep)
            return Sample(labels: s.labels.setOrRemove(dst, value), t: s.t, v: s.v)
        }
        try checkDuplicates(out)
        return out
    }

    // MARK: Histograms

    /// Groups classic-histogram buckets by their labels without `le` (and the metric name).
    func bucketGroups(_ input: [Sample]) throws -> (order: [Labels], groups: [Labels: [(upperBound: Double, count: Double)]]) {
        var order: [Labels] = []
        var groups: [Labels: [(upperBound: Double, count: Double)]] = [:]
        var seen = Set<Labels>()
        for s in input {
            let withoutName = s.labels.droppingName
            guard seen.insert(withoutName).inserted else {
                throw PromQLError("vector cannot contain metrics with the same labelset")
            }
            guard let le = s.labels["le"], let ub = parseGoFloat(le) else {
                annotations.warn("PromQL warning: bucket label \"le\" is missing or has a malformed value")
                continue
            }
            let key = withoutName.removing(["le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((ub, s.v))
        }
        return (order, groups)
    }

    func histogramQuantile(_ args: [Expr], _ t: Int64) throws -> [Sample] {
        let q = try evalScalar(args[0], t)
        let input = try evalVector(args[1], t)
        if q.isNaN || q < 0 || q > 1 {
            annotations.warn("PromQL warning: quantile value should be between 0 and 1, got \(formatValue(q))")
        }
        let (order, groups) = try bucketGroups(input)
        var out: [Sample] = []
        for key in order {
            let buckets = groups[key]!
            // Prometheus reports (as an info) buckets it had to force monotonic.
            let sorted = coalesceBuckets(buckets.sorted { $0.upperBound < $1.upperBound })
            if sorted.last?.upperBound == .infinity {
                var prev = sorted.first?.count ?? 0
                var forced = false
                for b in sorted.dropFirst() {
                    if b.count < prev && !almostEqual(prev, b.count, epsilon: 1e-12) { forced = true } else { prev = Swift.max(prev, b.count) }
                }
                if forced { annotations.info("PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)") }
            }
            if let v = HistogramQuantile.quantile(q, buckets: buckets) {
                out.append(Sample(labels: key, t: t, v: v))
            }
        }
        return out
    }

    func histogramFraction(_ args: [Expr], _ t: Int64) throws -> [Sample] {
        let lower = try evalScalar(args[0], t), upper = try evalScalar(args[1], t)
        let (order, groups) = try bucketGroups(try evalVector(args[2], t))
        return order.map { key in
            Sample(labels: key, t: t, v: bucketFraction(lower, upper, groups[key]!))
        }
    }

    /// Prometheus's `BucketFraction` for classic buckets: the share of observations in `[lower, upper]`,
    /// interpolating linearly within buckets.
    func bucketFraction(_ lower: Double, _ upper: Double, _ input: [(upperBound: Double, count: Double)]) -> Double {
        var buckets = coalesceBuckets(input.sorted { $0.upperBound < $1.upperBound })
        ensureMonotonicBuckets(&buckets, tolerance: 1e-12)
        guard buckets.count >= 2, buckets.last!.upperBound == .infinity else { return .nan }
        let total = buckets.last!.count
        if total == 0 || lower.isNaN || upper.isNaN { return .nan }
        if lower >= upper { return 0 }
        func rank(_ x: Double) -> Double {
            // Cumulative count at x.
            var prevBound = 0.0, prevCount = 0.0
            for (i, b) in buckets.enumerated() {
                let lowerBound = i == 0 ? (b.upperBound > 0 ? 0 : -.infinity) : prevBound
                if x <= b.upperBound {
                    if b.upperBound == .infinity { return prevCount }
                    if x <= lowerBound { return prevCount }
                    if lowerBound == -.infinity { return prevCount }
                    return prevCount + (b.count - prevCount) * (x - lowerBound) / (b.upperBound - lowerBound)
                }
                prevBound = b.upperBound
                prevCount = b.count
            }
            return total
        }
        return (rank(upper) - rank(lower)) / total
    }
}

/// Parses a float as Go's `strconv.ParseFloat` accepts it in an `le` label.
func parseGoFloat(_ s: String) -> Double? {
    // The common case first: a plain finite number (the special names all parse to Inf or NaN).
    if let d = Double(s), d.isFinite { return d }
    let t = s.trimmingCharacters(in: .whitespaces)
    switch t.lowercased() {
    case "+inf", "inf", "+infinity", "infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    case "nan": return .nan
    default: return Double(t)
    }
}

/// `$1`, `${1}`, `$name` expansion of a `label_replace` replacement (Go's `Regexp.Expand`).
func expandTemplate(_ template: String, _ groups: [String]) -> String {
    var out = ""
    let chars = Array(template)
    var i = 0
    while i < chars.count {
        let c = chars[i]
        if c != "$" || i + 1 >= chars.count { out.append(c); i += 1; continue }
        if chars[i + 1] == "$" { out.append("$"); i += 2; continue }
        var name = ""
        var j = i + 1
        if chars[j] == "{" {
            j += 1
            while j < chars.count, chars[j] != "}" { name.append(chars[j]); j += 1 }
            if j >= chars.count { out.append(c); i += 1; continue }
            j += 1
        } else {
            while j < chars.count, chars[j] == "_" || chars[j].isLetter || chars[j].isNumber { name.append(chars[j]); j += 1 }
        }
        if name.isEmpty { out.append(c); i += 1; continue }
        if let n = Int(name), n < groups.count { out += groups[n] }
        i = j
    }
    return out
}

/// Natural order of strings (digit runs compared as numbers), -1/0/1.
func naturalCompare(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    var i = 0, j = 0
    let isDigit = { (u: Unicode.Scalar) in ("0"..."9").contains(u) }
    while i < x.count && j < y.count {
        if isDigit(x[i]) && isDigit(y[j]) {
            var ie = i, je = j
            while ie < x.count && isDigit(x[ie]) { ie += 1 }
            while je < y.count && isDigit(y[je]) { je += 1 }
            let ns = String(String.UnicodeScalarView(x[i..<ie])).drop { $0 == "0" }
            let ms = String(String.UnicodeScalarView(y[j..<je])).drop { $0 == "0" }
            if ns.count != ms.count { return ns.count < ms.count ? -1 : 1 }
            if ns != ms { return ns < ms ? -1 : 1 }
            i = ie; j = je
            continue
        }
        if x[i] != y[j] { return x[i].value < y[j].value ? -1 : 1 }
        i += 1; j += 1
    }
    if x.count - i != y.count - j { return (x.count - i) < (y.count - j) ? -1 : 1 }
    return 0
}

/// Prometheus's `labels.Compare`.
func compareLabels(_ a: Labels, _ b: Labels) -> Int {
    for (x, y) in zip(a.pairs, b.pairs) {
        if x.name != y.name { return x.name < y.name ? -1 : 1 }
        if x.value != y.value { return x.value < y.value ? -1 : 1 }
    }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}

/// `year()`, `month()`, ... of a Unix time in seconds, in UTC.
func dateFunction(_ name: String, _ seconds: Double) -> Double {
    if seconds.isNaN || seconds.isInfinite { return .nan }
    let secs = Int64(seconds)  // Go's int64(f) truncates.
    let days = floorDiv(secs, 86_400)
    let secOfDay = secs - days * 86_400
    let date = CivilDate(daysSinceEpoch: days)
    let (y, m, d) = (date.year, date.month, date.day)
    let leap = date.isLeapYear
    let monthDays: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    switch name {
    case "year": return Double(y)
    case "month": return Double(m)
    case "day_of_month": return Double(d)
    case "day_of_week": return Double(((days % 7) + 11) % 7)
    case "day_of_year": return Double(monthDays.prefix(Int(m - 1)).reduce(0, +) + d)
    case "days_in_month": return Double(monthDays[Int(m - 1)])
    case "hour": return Double(secOfDay / 3600)
    case "minute": return Double((secOfDay % 3600) / 60)
    default: return .nan
    }
}

// The bucket helpers are Telemetry's (`HistogramQuantile`), shared with the model signals.
func coalesceBuckets(_ buckets: [(upperBound: Double, count: Double)]) -> [(upperBound: Double, count: Double)] {
    HistogramQuantile.coalesce(buckets)
}

func ensureMonotonicBuckets(_ buckets: inout [(upperBound: Double, count: Double)], tolerance: Double) {
    HistogramQuantile.ensureMonotonic(&buckets, tolerance: tolerance)
}

/// Prometheus's `almost.Equal`.
func almostEqual(_ a: Double, _ b: Double, epsilon: Double) -> Bool {
    HistogramQuantile.almostEqual(a, b, epsilon: epsilon)
}
