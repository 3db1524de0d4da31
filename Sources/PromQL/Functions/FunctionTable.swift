/// The argument and return types of PromQL's functions.
public struct FunctionSignature: Sendable {
    public var args: [ValueType]
    /// How many trailing arguments may be left out (0: all required). -1: the last one repeats.
    public var optional: Int
    public var variadic: Bool
    public var returns: ValueType
}

public enum FunctionTable {
    static func sig(_ args: [ValueType], _ returns: ValueType = .vector, optional: Int = 0, variadic: Bool = false) -> FunctionSignature {
        FunctionSignature(args: args, optional: optional, variadic: variadic, returns: returns)
    }

    /// Every function the parser knows, by name.
    public static let signatures: [String: FunctionSignature] = {
        var t: [String: FunctionSignature] = [:]
        for f in ["abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "sin", "cos", "tan", "asin",
                  "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad", "timestamp",
                  "sort", "sort_desc", "absent", "histogram_count", "histogram_sum", "histogram_avg",
                  "histogram_stddev", "histogram_stdvar"] {
            t[f] = sig([.vector])
        }
        for f in ["rate", "irate", "increase", "delta", "idelta", "resets", "changes", "deriv", "avg_over_time",
                  "min_over_time", "max_over_time", "sum_over_time", "count_over_time", "last_over_time",
                  "first_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time",
                  "absent_over_time", "mad_over_time", "ts_of_last_over_time", "ts_of_first_over_time",
                  "ts_of_min_over_time", "ts_of_max_over_time"] {
            t[f] = sig([.matrix])
        }
        for f in ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"] {
            t[f] = sig([.vector], optional: 1)
        }
        t["round"] = sig([.vector, .scalar], optional: 1)
        t["clamp"] = sig([.vector, .scalar, .scalar])
        t["clamp_min"] = sig([.vector, .scalar])
        t["clamp_max"] = sig([.vector, .scalar])
        t["time"] = sig([], .scalar)
        t["pi"] = sig([], .scalar)
        t["scalar"] = sig([.vector], .scalar)
        t["vector"] = sig([.scalar])
        t["predict_linear"] = sig([.matrix, .scalar])
        t["quantile_over_time"] = sig([.scalar, .matrix])
        t["double_exponential_smoothing"] = sig([.matrix, .scalar, .scalar])
        t["holt_winters"] = sig([.matrix, .scalar, .scalar])
        t["histogram_quantile"] = sig([.scalar, .vector])
        t["histogram_fraction"] = sig([.scalar, .scalar, .vector])
        t["label_replace"] = sig([.vector, .string, .string, .string, .string])
        t["label_join"] = sig([.vector, .string, .string, .string], optional: 1, variadic: true)
        t["sort_by_label"] = sig([.vector, .string], variadic: true)
        t["sort_by_label_desc"] = sig([.vector, .string], variadic: true)
        t["info"] = sig([.vector, .vector], optional: 1)
        return t
    }()

    /// Functions the parser accepts but the evaluator does not implement (native-histogram only).
    public static let unimplemented: Set<String> = ["histogram_count", "histogram_sum", "histogram_avg",
                                                    "histogram_stddev", "histogram_stdvar", "info", "holt_winters"]
}
