/// A hand-written precedence-climbing PromQL parser (Prometheus 3.x grammar).
public struct Parser {
    private var tokens: [Token]
    private var p = 0

    /// Parses a whole expression.
    public static func parse(_ text: String) throws -> Expr {
        var lexer = Lexer(text)
        var parser = Parser(tokens: try lexer.tokenize())
        if parser.tokens.count == 1 { throw PromQLError(position: parser.tokens[0].position, message: "no expression found in input") }
        let e = try parser.parseExpr(0)
        if parser.cur.kind != .eof {
            throw PromQLError(position: parser.cur.position, message: "unexpected \(parser.describe(parser.cur))")
        }
        return e
    }

    /// Parses a duration such as `5m`, `1h30m` or `300` (seconds) to milliseconds.
    public static func parseDuration(_ text: String) throws -> Int64 {
        var lexer = Lexer(text)
        let toks = try lexer.tokenize()
        guard toks.count == 2 else { throw PromQLError("bad duration \(text.debugDescription)") }
        switch toks[0].kind {
        case .duration(let ms): return ms
        case .number(let v) where v.isFinite: return Int64((v * 1000).rounded())
        default: throw PromQLError("bad duration \(text.debugDescription)")
        }
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var cur: Token { tokens[p] }
    private func peekToken(_ k: Int) -> Token { tokens[min(p + k, tokens.count - 1)] }
    private mutating func bump() { if p < tokens.count - 1 { p += 1 } }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .eof: return "end of input"
        case .number, .duration: return "number \"\(t.text)\""
        case .string: return "string \(t.text)"
        case .identifier(let s): return "identifier \"\(s)\""
        case .punct(let s): return "\"\(s)\""
        }
    }

    private func error(_ msg: String, at t: Token? = nil) -> PromQLError {
        PromQLError(position: (t ?? cur).position, message: msg)
    }

    private func isPunct(_ s: String) -> Bool { cur.kind == .punct(s) }
    private func isKeyword(_ s: String) -> Bool {
        if case .identifier(let w) = cur.kind { return w.lowercased() == s }
        return false
    }
    private mutating func expect(_ s: String, context: String) throws {
        guard isPunct(s) else { throw error("unexpected \(describe(cur)) in \(context), expected \"\(s)\"") }
        bump()
    }

    private func binaryOp() -> BinaryOp? {
        switch cur.kind {
        case .punct(let s):
            switch s {
            case "+": return .add
            case "-": return .sub
            case "*": return .mul
            case "/": return .div
            case "%": return .mod
            case "^": return .pow
            case "==": return .eql
            case "!=": return .neq
            case ">": return .gtr
            case "<": return .lss
            case ">=": return .gte
            case "<=": return .lte
            default: return nil
            }
        case .identifier(let w):
            switch w.lowercased() {
            case "and": return .and
            case "or": return .or
            case "unless": return .unless
            case "atan2": return .atan2
            default: return nil
            }
        default: return nil
        }
    }

    mutating func parseExpr(_ minPrec: Int) throws -> Expr {
        var lhs = try parseUnary()
        while let op = binaryOp(), op.precedence >= minPrec {
            let opToken = cur
            bump()
            let mods = try parseModifiers(op)
            let rhs = try parseExpr(op.isRightAssociative ? op.precedence : op.precedence + 1)
            lhs = try makeBinary(op, lhs, rhs, mods, opToken)
        }
        return lhs
    }

    private mutating func parseModifiers(_ op: BinaryOp) throws -> BinaryModifiers {
        var m = BinaryModifiers()
        if isKeyword("bool") {
            guard op.isComparison else { throw error("bool modifier can only be used on comparison operators") }
            m.returnBool = true
            bump()
        }
        if isKeyword("on") || isKeyword("ignoring") {
            m.on = isKeyword("on")
            m.hasMatching = true
            bump()
            m.matchingLabels = try parseLabelList()
        }
        if isKeyword("group_left") || isKeyword("group_right") {
            let t = cur
            if op.isSetOperator { throw error("no grouping allowed for \"\(op.rawValue)\" operation") }
            m.card = isKeyword("group_left") ? .manyToOne : .oneToMany
            bump()
            if isPunct("(") { m.include = try parseLabelList() }
            for l in m.include where m.on && m.matchingLabels.contains(l) {
                throw error("label \"\(l)\" must not occur in ON and GROUP clause at once", at: t)
            }
        }
        if op.isSetOperator { m.card = .manyToMany }
        return m
    }

    private mutating func makeBinary(_ op: BinaryOp, _ lhs: Expr, _ rhs: Expr, _ m: BinaryModifiers, _ t: Token) throws -> Expr {
        let lt = lhs.type, rt = rhs.type
        for ty in [lt, rt] where ty != .scalar && ty != .vector {
            throw error("binary expression must contain only scalar and instant vector types", at: t)
        }
        if op.isSetOperator && (lt == .scalar || rt == .scalar) {
            throw error("set operator \"\(op.rawValue)\" not allowed in binary scalar expression", at: t)
        }
        if op.isComparison && lt == .scalar && rt == .scalar && !m.returnBool {
            throw error("comparisons between scalars must use BOOL modifier", at: t)
        }
        if (m.hasMatching || m.card == .manyToOne || m.card == .oneToMany) && (lt != .vector || rt != .vector) {
            throw error("vector matching only allowed between instant vectors", at: t)
        }
        return .binary(op: op, lhs: lhs, rhs: rhs, modifiers: m)
    }

    private mutating func parseUnary() throws -> Expr {
        if isPunct("-") || isPunct("+") {
            let t = cur
            let negative = isPunct("-")
            bump()
            let operand = try parseExpr(BinaryOp.pow.precedence)
            guard operand.type == .scalar || operand.type == .vector else {
                throw error("unary expression only allowed on expressions of type scalar or instant vector, got \"\(operand.type.rawValue)\"", at: t)
            }
            if !negative { return operand }
            if case .number(let v) = operand { return .number(-v) }
            return .unaryMinus(operand)
        }
        return try parsePostfix(try parsePrimary())
    }

    private mutating func parseDurationToken(_ what: String) throws -> Int64 {
        switch cur.kind {
        case .duration(let ms): bump(); return ms
        case .number(let v) where v.isFinite:
            bump()
            return Int64((v * 1000).rounded())
        default: throw error("unexpected \(describe(cur)) in \(what), expected duration")
        }
    }

    private mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var e = base
        while true {
            if isPunct("[") {
                let open = cur
                bump()
                let range = try parseDurationToken("range")
                if range <= 0 && !isPunct(":") { throw error("range duration must be greater than 0", at: open) }
                if isPunct(":") {
                    bump()
                    var step: Int64? = nil
                    if !isPunct("]") { step = try parseDurationToken("subquery step") }
                    try expect("]", context: "subquery")
                    guard e.type == .vector else {
                        throw error("subquery is only allowed on instant vector, got \(e.type.rawValue)", at: open)
                    }
                    e = .subquery(e, range: range, step: step, offset: 0, at: nil)
                } else {
                    try expect("]", context: "range selector")
                    guard case .vectorSelector(let s) = e else {
                        throw error("ranges only allowed for vector selectors", at: open)
                    }
                    e = .matrixSelector(s, range: range)
                }
                continue
            }
            if isKeyword("offset") {
                let t = cur
                bump()
                var sign: Int64 = 1
                if isPunct("-") { sign = -1; bump() } else if isPunct("+") { bump() }
                let d = try parseDurationToken("offset") * sign
                switch e {
                case .vectorSelector(var s):
                    if s.offset != 0 { throw error("offset may not be set multiple times", at: t) }
                    s.offset = d; e = .vectorSelector(s)
                case .matrixSelector(var s, let r):
                    if s.offset != 0 { throw error("offset may not be set multiple times", at: t) }
                    s.offset = d; e = .matrixSelector(s, range: r)
                case .subquery(let inner, let r, let st, let o, let at):
                    if o != 0 { throw error("offset may not be set multiple times", at: t) }
                    e = .subquery(inner, range: r, step: st, offset: d, at: at)
                default:
                    throw error("offset modifier must be preceded by an instant vector selector or range vector selector or a subquery", at: t)
                }
                continue
            }
            if isPunct("@") {
                let t = cur
                bump()
                let at: AtModifier
                if isKeyword("start") || isKeyword("end") {
                    at = isKeyword("start") ? .start : .end
                    bump()
                    try expect("(", context: "@ modifier")
                    try expect(")", context: "@ modifier")
                } else {
                    var sign = 1.0
                    if isPunct("-") { sign = -1; bump() } else if isPunct("+") { bump() }
                    switch cur.kind {
                    case .number(let v) where v.isFinite: at = .time(Int64((sign * v * 1000).rounded())); bump()
                    case .duration(let ms): at = .time(Int64(sign) * ms); bump()
                    default: throw error("unexpected \(describe(cur)) in @, expected timestamp")
                    }
                }
                switch e {
                case .vectorSelector(var s):
                    if s.at != nil { throw error("@ <timestamp> may not be set multiple times", at: t) }
                    s.at = at; e = .vectorSelector(s)
                case .matrixSelector(var s, let r):
                    if s.at != nil { throw error("@ <timestamp> may not be set multiple times", at: t) }
                    s.at = at; e = .matrixSelector(s, range: r)
                case .subquery(let inner, let r, let st, let o, let old):
                    if old != nil { throw error("@ <timestamp> may not be set multiple times", at: t) }
                    e = .subquery(inner, range: r, step: st, offset: o, at: at)
                default:
                    throw error("@ modifier must be preceded by an instant vector selector or range vector selector or a subquery", at: t)
                }
                continue
            }
            return e
        }
    }

    private mutating func parsePrimary() throws -> Expr {
        let t = cur
        switch t.kind {
        case .number(let v): bump(); return .number(v)
        case .duration(let ms): bump(); return .number(Double(ms) / 1000)
        case .string(let s): bump(); return .string(s)
        case .punct("("):
            bump()
            let e = try parseExpr(0)
            try expect(")", context: "parenthesized expression")
            return .paren(e)
        case .punct("{"):
            return .vectorSelector(try parseSelector(name: nil, at: t))
        case .identifier(let word):
            let lower = word.lowercased()
            if let agg = AggregateOp(rawValue: lower),
               peekToken(1).kind == .punct("(") || ["by", "without"].contains(identLower(peekToken(1))) {
                return try parseAggregation(agg, t)
            }
            if peekToken(1).kind == .punct("(") {
                guard let sig = FunctionTable.signatures[word] else {
                    throw error("unknown function with name \"\(word)\"")
                }
                return try parseCall(word, sig, t)
            }
            if ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or",
                "unless", "atan2"].contains(lower) {
                throw error("unexpected \(describe(t))")
            }
            bump()
            return .vectorSelector(try parseSelector(name: word, at: t))
        default:
            throw error("unexpected \(describe(t))")
        }
    }

    private func identLower(_ t: Token) -> String {
        if case .identifier(let w) = t.kind { return w.lowercased() }
        return ""
    }

    private mutating func parseLabelName() throws -> String {
        switch cur.kind {
        case .identifier(let w): bump(); return w
        case .string(let s): bump(); return s
        default: throw error("unexpected \(describe(cur)) in label matching, expected label")
        }
    }

    /// `(a, b, "c")`
    private mutating func parseLabelList() throws -> [String] {
        try expect("(", context: "grouping opts")
        var out: [String] = []
        while !isPunct(")") {
            switch cur.kind {
            case .identifier(let w):
                guard w.first.map({ $0 == "_" || $0.isLetter }) ?? false, !w.contains(":") else {
                    throw error("unexpected \(describe(cur)) in grouping opts, expected label")
                }
                out.append(w)
            case .string(let s): out.append(s)
            default: throw error("unexpected \(describe(cur)) in grouping opts, expected label")
            }
            bump()
            if isPunct(",") { bump() } else if !isPunct(")") {
                throw error("unexpected \(describe(cur)) in grouping opts, expected \",\" or \")\"")
            }
        }
        bump()
        return out
    }

    private mutating func parseSelector(name: String?, at t: Token) throws -> VectorSelector {
        var name = name
        var matchers: [LabelMatcher] = []
        if isPunct("{") {
            bump()
            while !isPunct("}") {
                let labelToken = cur
                // A lone quoted string is the metric name (Prometheus 3).
                if case .string(let s) = cur.kind, peekToken(1).kind == .punct(",") || peekToken(1).kind == .punct("}") {
                    if name != nil { throw error("metric name must not be set twice: \(name!.debugDescription) or \(s.debugDescription)") }
                    name = s
                    bump()
                } else {
                    let label = try parseLabelName()
                    let kind: LabelMatcher.Kind
                    switch cur.kind {
                    case .punct("="): kind = .equal
                    case .punct("!="): kind = .notEqual
                    case .punct("=~"): kind = .regex
                    case .punct("!~"): kind = .notRegex
                    default: throw error("unexpected \(describe(cur)) in label matching, expected label matching operator")
                    }
                    bump()
                    guard case .string(let value) = cur.kind else {
                        throw error("unexpected \(describe(cur)) in label matching, expected string")
                    }
                    bump()
                    do {
                        matchers.append(try LabelMatcher(name: label, kind: kind, value: value))
                    } catch let e as PromQLError {
                        throw error(e.message, at: labelToken)
                    }
                }
                if isPunct(",") { bump() } else if !isPunct("}") {
                    throw error("unexpected \(describe(cur)) in label matching, expected \",\" or \"}\"")
                }
            }
            bump()
        }
        if let n = name, matchers.contains(where: { $0.name == "__name__" }) {
            throw error("metric name must not be set twice: \(n.debugDescription) or via __name__", at: t)
        }
        if name == nil && (matchers.isEmpty || matchers.allSatisfy({ $0.matches("") })) {
            throw error("vector selector must contain at least one non-empty matcher", at: t)
        }
        return VectorSelector(name: name, matchers: matchers, position: t.position)
    }

    private mutating func parseCall(_ name: String, _ sig: FunctionSignature, _ t: Token) throws -> Expr {
        bump()
        try expect("(", context: "function call")
        var args: [Expr] = []
        while !isPunct(")") {
            args.append(try parseExpr(0))
            if isPunct(",") { bump() } else if !isPunct(")") {
                throw error("unexpected \(describe(cur)) in function call, expected \",\" or \")\"")
            }
        }
        bump()
        let minArgs = sig.args.count - sig.optional
        if args.count < minArgs || (!sig.variadic && args.count > sig.args.count) {
            let expected = sig.variadic ? "at least \(minArgs)" : sig.optional > 0 ? "\(minArgs) to \(sig.args.count)" : "\(sig.args.count)"
            throw error("expected \(expected) argument(s) in call to \"\(name)\", got \(args.count)", at: t)
        }
        for (i, a) in args.enumerated() {
            let want = i < sig.args.count ? sig.args[i] : sig.args[sig.args.count - 1]
            if a.type != want {
                throw error("expected type \(want.rawValue) in call to function \"\(name)\", got \(a.type.rawValue)", at: t)
            }
        }
        return .call(name: name, args: args, position: t.position)
    }

    private mutating func parseAggregation(_ op: AggregateOp, _ t: Token) throws -> Expr {
        bump()
        var grouping: [String] = []
        var without = false
        var haveGrouping = false
        if isKeyword("by") || isKeyword("without") {
            without = isKeyword("without")
            bump()
            grouping = try parseLabelList()
            haveGrouping = true
        }
        try expect("(", context: "aggregation")
        var args: [Expr] = []
        while !isPunct(")") {
            args.append(try parseExpr(0))
            if isPunct(",") { bump() } else if !isPunct(")") {
                throw error("unexpected \(describe(cur)) in aggregation, expected \",\" or \")\"")
            }
        }
        bump()
        if isKeyword("by") || isKeyword("without") {
            if haveGrouping { throw error("unexpected \(describe(cur)): aggregation already has a grouping") }
            without = isKeyword("without")
            bump()
            grouping = try parseLabelList()
        }
        let want = op.hasParameter ? 2 : 1
        guard args.count == want else {
            throw error("wrong number of arguments for aggregate expression provided, expected \(want), got \(args.count)", at: t)
        }
        let param = op.hasParameter ? args[0] : nil
        let expr = args[want - 1]
        if let param {
            let pt: ValueType = op == .countValues ? .string : .scalar
            if param.type != pt {
                throw error("expected type \(pt.rawValue) in aggregation parameter, got \(param.type.rawValue)", at: t)
            }
        }
        if expr.type != .vector {
            throw error("expected type instant vector in aggregation expression, got \(expr.type.rawValue)", at: t)
        }
        return .aggregate(op: op, param: param, expr: expr, grouping: grouping, without: without)
    }
}
