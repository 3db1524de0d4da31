import Telemetry

/// A position in query text: byte-free character offset (0-based), line and column (1-based).
public struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var line: Int
    public var column: Int
    public init(offset: Int, line: Int, column: Int) { self.offset = offset; self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// A parse or evaluation error. Parse errors carry the position of the offending token.
public struct PromQLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var position: SourcePosition?
    public var message: String
    public init(position: SourcePosition?, message: String) { self.position = position; self.message = message }
    public init(_ message: String) { self.position = nil; self.message = message }
    public var description: String {
        if let p = position { return "parse error at line \(p.line), column \(p.column): \(message)" }
        return message
    }
}

/// The type of a PromQL expression's value.
public enum ValueType: String, Sendable, Hashable {
    case scalar, vector = "instant vector", matrix = "range vector", string
}

/// A label matcher in a selector: `=`, `!=`, `=~`, `!~`.
public struct LabelMatcher: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case equal = "=", notEqual = "!=", regex = "=~", notRegex = "!~" }
    public var name: String
    public var kind: Kind
    public var value: String
    let regex: AnchoredRegex?

    public init(name: String, kind: Kind, value: String) throws {
        self.name = name; self.kind = kind; self.value = value
        if kind == .regex || kind == .notRegex {
            regex = try AnchoredRegex(value)
        } else {
            regex = nil
        }
    }

    /// Whether a label value ("" when absent) satisfies the matcher.
    public func matches(_ v: String) -> Bool {
        switch kind {
        case .equal: return v == value
        case .notEqual: return v != value
        case .regex: return regex!.matches(v)
        case .notRegex: return !regex!.matches(v)
        }
    }
    public var description: String { "\(name)\(kind.rawValue)\(quoteString(value))" }
}

/// `@ <time>`, `@ start()`, `@ end()`.
public enum AtModifier: Sendable, Hashable {
    case time(Int64)  // milliseconds
    case start
    case end
}

/// An instant vector selector `name{matchers} offset d @ t`.
public struct VectorSelector: Sendable {
    public var name: String?
    public var matchers: [LabelMatcher]
    public var offset: Int64 = 0  // milliseconds
    public var at: AtModifier? = nil
    public var position: SourcePosition
}

public enum BinaryOp: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and, or, unless

    public var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .gtr, .lss, .gte, .lte: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }
    public var isRightAssociative: Bool { self == .pow }
    public var isComparison: Bool { precedence == 3 }
    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }
}

public enum VectorMatchCardinality: Sendable, Hashable { case oneToOne, manyToOne, oneToMany, manyToMany }

/// `bool`, `on`/`ignoring`, `group_left`/`group_right` of a binary expression.
public struct BinaryModifiers: Sendable {
    public var returnBool = false
    public var on = false  // true: `on(...)`, false: `ignoring(...)` (or none)
    public var matchingLabels: [String] = []
    public var hasMatching = false
    public var card: VectorMatchCardinality = .oneToOne
    public var include: [String] = []
}

public enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, min, max, count, group, stddev, stdvar, topk, bottomk, quantile
    case countValues = "count_values", limitk, limitRatio = "limit_ratio"
    var hasParameter: Bool {
        switch self {
        case .topk, .bottomk, .quantile, .countValues, .limitk, .limitRatio: return true
        default: return false
        }
    }
}

/// A PromQL expression.
public indirect enum Expr: Sendable {
    case number(Double)
    case string(String)
    case vectorSelector(VectorSelector)
    /// `selector[range]`; range in milliseconds.
    case matrixSelector(VectorSelector, range: Int64)
    /// `expr[range:step] offset d @ t`; step nil when omitted (the default interval).
    case subquery(Expr, range: Int64, step: Int64?, offset: Int64, at: AtModifier?)
    case call(name: String, args: [Expr], position: SourcePosition)
    case aggregate(op: AggregateOp, param: Expr?, expr: Expr, grouping: [String], without: Bool)
    case binary(op: BinaryOp, lhs: Expr, rhs: Expr, modifiers: BinaryModifiers)
    case unaryMinus(Expr)
    case paren(Expr)

    /// The static type of the expression's value.
    public var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vectorSelector: return .vector
        case .matrixSelector, .subquery: return .matrix
        case .call(let name, _, _): return FunctionTable.signatures[name]?.returns ?? .vector
        case .aggregate: return .vector
        case .binary(_, let l, let r, _): return (l.type == .scalar && r.type == .scalar) ? .scalar : .vector
        case .unaryMinus(let e): return e.type
        case .paren(let e): return e.type
        }
    }

    /// Every vector selector in the expression (including those of range selectors).
    public var selectors: [VectorSelector] {
        switch self {
        case .number, .string: return []
        case .vectorSelector(let s), .matrixSelector(let s, _): return [s]
        case .subquery(let e, _, _, _, _), .unaryMinus(let e), .paren(let e): return e.selectors
        case .call(_, let args, _): return args.flatMap { $0.selectors }
        case .aggregate(_, let p, let e, _, _): return (p?.selectors ?? []) + e.selectors
        case .binary(_, let l, let r, _): return l.selectors + r.selectors
        }
    }

    /// Every function called in the expression.
    public var functionNames: [String] {
        switch self {
        case .number, .string, .vectorSelector, .matrixSelector: return []
        case .subquery(let e, _, _, _, _), .unaryMinus(let e), .paren(let e): return e.functionNames
        case .call(let n, let args, _): return [n] + args.flatMap { $0.functionNames }
        case .aggregate(_, let p, let e, _, _): return (p?.functionNames ?? []) + e.functionNames
        case .binary(_, let l, let r, _): return l.functionNames + r.functionNames
        }
    }

    /// Every aggregation operator used in the expression.
    public var aggregateOps: [AggregateOp] {
        switch self {
        case .number, .string, .vectorSelector, .matrixSelector: return []
        case .subquery(let e, _, _, _, _), .unaryMinus(let e), .paren(let e): return e.aggregateOps
        case .call(_, let args, _): return args.flatMap { $0.aggregateOps }
        case .aggregate(let op, let p, let e, _, _): return [op] + (p?.aggregateOps ?? []) + e.aggregateOps
        case .binary(_, let l, let r, _): return l.aggregateOps + r.aggregateOps
        }
    }
}

/// A double-quoted PromQL string literal for `s`.
func quoteString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
