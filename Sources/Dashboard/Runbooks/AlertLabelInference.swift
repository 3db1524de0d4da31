import Alerting
import PromQL

/// The labels an alert's series can carry, as far as the expression tells.
public enum InferredLabels: Hashable, Sendable, CustomStringConvertible {
    /// The expression does not tell (a plain selector of a scraped metric, a function that is
    /// not modelled): any label may be there.
    case unknown
    /// Every output series has at most these labels (some may be missing on some series).
    case atMost(Set<String>)

    public func union(_ other: InferredLabels) -> InferredLabels {
        guard case .atMost(let a) = self, case .atMost(let b) = other else { return .unknown }
        return .atMost(a.union(b))
    }

    public func adding(_ names: some Sequence<String>) -> InferredLabels {
        guard case .atMost(let a) = self else { return .unknown }
        return .atMost(a.union(names))
    }

    public func removing(_ names: some Sequence<String>) -> InferredLabels {
        guard case .atMost(let a) = self else { return .unknown }
        return .atMost(a.subtracting(names))
    }

    /// Whether a series may carry `label`: always true when unknown.
    public func mayHave(_ label: String) -> Bool {
        guard case .atMost(let a) = self else { return true }
        return a.contains(label)
    }

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .atMost(let s): "{" + s.sorted().joined(separator: ", ") + "}"
        }
    }
}

/// Works out from a PromQL expression's syntax which labels its result can have, where that is
/// determinable: `sum by (a, b) (...)` → {a, b}; `without (x)` removes x; `count(x)` → {};
/// one-to-one `on (a)` → {a}; `group_left (b)` adds b; `absent(x{a="b"})` → {a};
/// `label_replace`/`label_join` add their target; `histogram_quantile` drops `le`. A selector of
/// a metric that a loaded recording rule writes takes that rule's labels; a selector of a
/// series modelwatch itself writes (`modelwatch_log_matches`) takes its known labels; any other
/// selector, and any function not modelled here, is `.unknown`. The answer is a superset: a
/// label outside it cannot be on the alert; a label inside it may still be missing.
public struct AlertLabelInference: Sendable {
    /// Series whose labels modelwatch itself decides, by name.
    public static let knownSeries: [String: Set<String>] = [
        // LogRuleSeries: `model` when the entry names one, `job` when the source is a target's.
        LogRuleFile.seriesName: ["rule", "model", "log_source", "job"],
    ]

    /// Recording rules by the metric they record: their expressions and static labels.
    private let recorded: [String: [(expr: Expr, labels: [String])]]
    private let knownSeries: [String: Set<String>]

    public init(recordingRules: [Rule] = [], knownSeries: [String: Set<String>] = AlertLabelInference.knownSeries) {
        var recorded: [String: [(expr: Expr, labels: [String])]] = [:]
        for rule in recordingRules where rule.kind == .recording {
            recorded[rule.name, default: []].append((rule.expr, rule.labels.map(\.name)))
        }
        self.recorded = recorded
        self.knownSeries = knownSeries
    }

    /// The labels of the expression's result (without `__name__`, which no alert keeps).
    public func labels(of expr: Expr) -> InferredLabels {
        var resolving: Set<String> = []
        return labels(of: expr, resolving: &resolving).removing(["__name__"])
    }

    private func labels(of expr: Expr, resolving: inout Set<String>) -> InferredLabels {
        switch expr {
        case .number, .string:
            return .atMost([])
        case .vectorSelector(let s), .matrixSelector(let s, _):
            return selectorLabels(s, resolving: &resolving)
        case .subquery(let e, _, _, _, _), .paren(let e), .unaryMinus(let e):
            return labels(of: e, resolving: &resolving)
        case .call(let name, let args, _):
            return callLabels(name, args, resolving: &resolving)
        case .aggregate(let op, let param, let inner, let grouping, let without):
            switch op {
            case .topk, .bottomk, .limitk, .limitRatio:
                // These pick series; they keep every label.
                return labels(of: inner, resolving: &resolving)
            case .countValues:
                guard case .string(let target)? = param.map(Self.unwrapped) else { return .unknown }
                let base: InferredLabels = without ? labels(of: inner, resolving: &resolving).removing(grouping) : .atMost(Set(grouping))
                return base.adding([target])
            default:
                return without ? labels(of: inner, resolving: &resolving).removing(grouping) : .atMost(Set(grouping))
            }
        case .binary(let op, let lhs, let rhs, let m):
            let l = labels(of: lhs, resolving: &resolving), r = labels(of: rhs, resolving: &resolving)
            let lhsScalar = lhs.type == .scalar, rhsScalar = rhs.type == .scalar
            if lhsScalar && rhsScalar { return .atMost([]) }
            if lhsScalar { return r }
            if rhsScalar { return l }
            switch op {
            case .and, .unless: return l
            case .or: return l.union(r)
            default: break
            }
            switch m.card {
            case .oneToOne, .manyToMany:
                // The engine keeps only the `on` labels, or drops the `ignoring` ones.
                if m.on { return .atMost(Set(m.matchingLabels)) }
                return l.removing(m.matchingLabels)
            case .manyToOne: return l.adding(m.include)
            case .oneToMany: return r.adding(m.include)
            }
        }
    }

    private func selectorLabels(_ s: VectorSelector, resolving: inout Set<String>) -> InferredLabels {
        guard let name = s.name ?? s.matchers.first(where: { $0.name == "__name__" && $0.kind == .equal })?.value else { return .unknown }
        if let rules = recorded[name] {
            // A rule that reads its own output (directly or not) cannot be resolved.
            guard resolving.insert(name).inserted else { return .unknown }
            defer { resolving.remove(name) }
            var result = InferredLabels.atMost([])
            for rule in rules {
                result = result.union(labels(of: rule.expr, resolving: &resolving).removing(["__name__"]).adding(rule.labels))
            }
            return result
        }
        if let known = knownSeries[name] { return .atMost(known) }
        return .unknown
    }

    /// Functions that return their (first) vector argument's labels, values changed.
    private static let labelPreserving: Set<String> = [
        "abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "sin", "cos", "tan", "asin", "acos", "atan",
        "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad", "timestamp", "sort", "sort_desc",
        "rate", "irate", "increase", "delta", "idelta", "resets", "changes", "deriv", "avg_over_time", "min_over_time",
        "max_over_time", "sum_over_time", "count_over_time", "last_over_time", "first_over_time", "stddev_over_time",
        "stdvar_over_time", "present_over_time", "mad_over_time", "ts_of_last_over_time", "ts_of_first_over_time",
        "ts_of_min_over_time", "ts_of_max_over_time", "quantile_over_time", "predict_linear", "double_exponential_smoothing",
        "holt_winters", "round", "clamp", "clamp_min", "clamp_max", "day_of_month", "day_of_week", "day_of_year",
        "days_in_month", "hour", "minute", "month", "year", "sort_by_label", "sort_by_label_desc",
        "histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev", "histogram_stdvar",
    ]

    private func callLabels(_ name: String, _ args: [Expr], resolving: inout Set<String>) -> InferredLabels {
        let firstVector = args.first { $0.type == .vector || $0.type == .matrix }
        switch name {
        case "vector", "time", "pi", "scalar":
            return .atMost([])
        case "absent", "absent_over_time":
            // Prometheus takes the labels of the argument's equality matchers; any other
            // argument than a selector gives none.
            guard let arg = args.first.map(Self.unwrapped) else { return .atMost([]) }
            switch arg {
            case .vectorSelector(let s), .matrixSelector(let s, _):
                return .atMost(Set(s.matchers.filter { $0.kind == .equal && $0.name != "__name__" }.map(\.name)))
            case .subquery(.vectorSelector(let s), _, _, _, _):
                return .atMost(Set(s.matchers.filter { $0.kind == .equal && $0.name != "__name__" }.map(\.name)))
            default:
                return .atMost([])
            }
        case "label_replace", "label_join":
            guard args.count >= 2, case .string(let target) = Self.unwrapped(args[1]) else { return .unknown }
            return labels(of: args[0], resolving: &resolving).adding([target])
        case "histogram_quantile", "histogram_fraction":
            guard let v = args.last else { return .unknown }
            return labels(of: v, resolving: &resolving).removing(["le"])
        default:
            guard Self.labelPreserving.contains(name) else { return .unknown }
            guard let v = firstVector else { return .atMost([]) }   // e.g. hour() is vector(time())
            return labels(of: v, resolving: &resolving)
        }
    }

    private static func unwrapped(_ e: Expr) -> Expr {
        if case .paren(let inner) = e { return unwrapped(inner) }
        return e
    }
}
