import Foundation
import Telemetry

extension Evaluator {
    /// `lhs op rhs` for two floats: the value and whether a comparison holds.
    static func apply(_ op: BinaryOp, _ l: Double, _ r: Double) -> (Double, Bool) {
        switch op {
        case .add: return (l + r, true)
        case .sub: return (l - r, true)
        case .mul: return (l * r, true)
        case .div: return (l / r, true)
        case .mod: return (fmod(l, r), true)
        case .pow: return (pow(l, r), true)
        case .atan2: return (atan2(l, r), true)
        case .eql: return (l, l == r)
        case .neq: return (l, l != r)
        case .gtr: return (l, l > r)
        case .lss: return (l, l < r)
        case .gte: return (l, l >= r)
        case .lte: return (l, l <= r)
        case .and, .or, .unless: return (l, true)
        }
    }

    static func dropsName(_ op: BinaryOp, _ returnBool: Bool) -> Bool {
        returnBool || [.add, .sub, .mul, .div, .mod, .pow, .atan2].contains(op)
    }

    func binary(_ op: BinaryOp, _ lhsE: Expr, _ rhsE: Expr, _ m: BinaryModifiers, _ t: Int64) throws -> Value {
        let lv = try eval(lhsE, t)
        let rv = try eval(rhsE, t)
        switch (lv, rv) {
        case (.scalar(let l), .scalar(let r)):
            let (v, keep) = Evaluator.apply(op, l, r)
            if op.isComparison { return .scalar(keep ? 1 : 0) }
            return .scalar(v)
        case (.vector(let vec), .scalar(let s)):
            return .vector(try vectorScalar(op, vec, s, swap: false, m.returnBool, t))
        case (.scalar(let s), .vector(let vec)):
            return .vector(try vectorScalar(op, vec, s, swap: true, m.returnBool, t))
        case (.vector(let l), .vector(let r)):
            let out: [Sample]
            switch op {
            case .and: out = andOp(l, r, m)
            case .or: out = orOp(l, r, m)
            case .unless: out = unlessOp(l, r, m)
            default: out = try vectorVector(op, l, r, m, t)
            }
            try checkLimit(out.count)
            return .vector(out)
        default:
            throw PromQLError("binary expression must contain only scalar and instant vector types")
        }
    }

    func vectorScalar(_ op: BinaryOp, _ vec: [Sample], _ s: Double, swap: Bool, _ returnBool: Bool, _ t: Int64) throws -> [Sample] {
        var out: [Sample] = []
        out.reserveCapacity(vec.count)
        let drop = Evaluator.dropsName(op, returnBool)
        for x in vec {
            var (v, keep) = swap ? Evaluator.apply(op, s, x.v) : Evaluator.apply(op, x.v, s)
            if op.isComparison && swap { v = x.v }
            if returnBool { v = keep ? 1 : 0; keep = true }
            if !keep { continue }
            out.append(Sample(labels: drop ? x.labels.droppingName : x.labels, t: t, v: v))
        }
        if drop { try checkDuplicates(out) }
        return out
    }

    /// The labels two samples are matched on: only the `on` labels, or all but the `ignoring`
    /// labels and `__name__`.
    struct Signature {
        let on: Bool
        let sortedNames: [String]
        let ignored: Set<String>
        init(_ m: BinaryModifiers) {
            on = m.on
            sortedNames = Array(Set(m.matchingLabels)).sorted()
            ignored = m.on ? [] : Set(m.matchingLabels + [Labels.metricName])
        }
        func callAsFunction(_ l: Labels) -> Labels {
            on ? l.keeping(sortedNames: sortedNames) : l.filter(names: { !ignored.contains($0) })
        }
    }

    func signature(_ l: Labels, _ m: BinaryModifiers) -> Labels { Signature(m)(l) }

    func andOp(_ l: [Sample], _ r: [Sample], _ m: BinaryModifiers) -> [Sample] {
        let signature = Signature(m)
        let sigs = Set(r.map { signature($0.labels) })
        return l.filter { sigs.contains(signature($0.labels)) }
    }

    func orOp(_ l: [Sample], _ r: [Sample], _ m: BinaryModifiers) -> [Sample] {
        let signature = Signature(m)
        let sigs = Set(l.map { signature($0.labels) })
        return l + r.filter { !sigs.contains(signature($0.labels)) }
    }

    func unlessOp(_ l: [Sample], _ r: [Sample], _ m: BinaryModifiers) -> [Sample] {
        let signature = Signature(m)
        let sigs = Set(r.map { signature($0.labels) })
        return l.filter { !sigs.contains(signature($0.labels)) }
    }

    func vectorVector(_ op: BinaryOp, _ lhsIn: [Sample], _ rhsIn: [Sample], _ m: BinaryModifiers, _ t: Int64) throws -> [Sample] {
        var lhs = lhsIn, rhs = rhsIn
        if m.card == .oneToMany { swap(&lhs, &rhs) }
        let signature = Signature(m)
        let onLabels = m.on ? Array(Set(m.matchingLabels)).sorted() : []
        let ignoredLabels = m.on ? [] : Set(m.matchingLabels)
        var rightSigs: [Labels: Sample] = [:]
        rightSigs.reserveCapacity(rhs.count)
        for r in rhs {
            let sig = signature(r.labels)
            if let existing = rightSigs[sig] {
                let side = m.card == .oneToMany ? "left" : "right"
                throw PromQLError("found duplicate series for the match group \(sig) on the \(side) hand-side of the operation: [\(existing.labels), \(r.labels)];many-to-many matching not allowed: matching labels must be unique on one side")
            }
            rightSigs[sig] = r
        }
        var matchedSigs: [Labels: Set<Labels>] = [:]
        var out: [Sample] = []
        let drop = Evaluator.dropsName(op, m.returnBool)
        for l in lhs {
            let sig = signature(l.labels)
            guard let r = rightSigs[sig] else { continue }
            var fl = l.v, fr = r.v
            if m.card == .oneToMany { swap(&fl, &fr) }
            var (v, keep) = Evaluator.apply(op, fl, fr)
            if m.returnBool { v = keep ? 1 : 0 } else if !keep { continue }
            // The result's labels.
            var labels = l.labels
            if drop { labels = labels.droppingName }
            if m.card == .oneToOne {
                // The matched labels (`on`), or all but the ignored ones.
                labels = m.on ? labels.keeping(sortedNames: onLabels) : labels.filter(names: { !ignoredLabels.contains($0) })
            } else {
                for name in m.include {
                    labels = labels.setOrRemove(name, r.labels[name] ?? "")
                }
            }
            if m.card == .oneToOne {
                if matchedSigs[sig] != nil {
                    throw PromQLError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
                matchedSigs[sig] = []
            } else {
                if !matchedSigs[sig, default: []].insert(labels).inserted {
                    throw PromQLError("multiple matches for labels: grouping labels must ensure unique matches")
                }
            }
            out.append(Sample(labels: labels, t: t, v: v))
        }
        return out
    }
}
