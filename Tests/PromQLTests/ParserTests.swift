import Testing
@testable import PromQL

@Suite struct ParserTests {
    func binaryShape(_ e: Expr) -> String {
        switch e {
        case .number(let v): return formatValue(v)
        case .binary(let op, let l, let r, _): return "(\(binaryShape(l)) \(op.rawValue) \(binaryShape(r)))"
        case .unaryMinus(let x): return "-\(binaryShape(x))"
        case .paren(let x): return binaryShape(x)
        case .vectorSelector(let s): return s.name ?? "{}"
        default: return "?"
        }
    }

    @Test func precedenceAndAssociativity() throws {
        #expect(binaryShape(try Parser.parse("1 + 2 * 3")) == "(1 + (2 * 3))")
        #expect(binaryShape(try Parser.parse("2 ^ 3 ^ 2")) == "(2 ^ (3 ^ 2))")
        #expect(binaryShape(try Parser.parse("1 - 2 - 3")) == "((1 - 2) - 3)")
        #expect(binaryShape(try Parser.parse("a or b and c unless d")) == "(a or ((b and c) unless d))")
        #expect(binaryShape(try Parser.parse("a > b + c")) == "(a > (b + c))")
        #expect(binaryShape(try Parser.parse("-a ^ b")) == "-(a ^ b)")
        #expect(binaryShape(try Parser.parse("a atan2 b * c")) == "((a atan2 b) * c)")
    }

    @Test func literals() throws {
        for (text, value) in [("0x1F", 31.0), ("1h30m", 5400), ("1e3", 1000), (".5", 0.5), ("-Inf", -Double.infinity)] {
            guard case .number(let v) = try Parser.parse(text) else { Issue.record("not a number: \(text)"); continue }
            #expect(v == value, "\(text)")
        }
        guard case .string(let s) = try Parser.parse(#""a\n\x41\u00e9""#) else { Issue.record("not a string"); return }
        #expect(s == "a\nAé")
        guard case .string(let raw) = try Parser.parse("`a\\n`") else { Issue.record("not a string"); return }
        #expect(raw == "a\\n")
    }

    @Test func selectorsAndModifiers() throws {
        guard case .matrixSelector(let s, let range) = try Parser.parse(#"http{job=~"a.*",x!="y"}[5m] offset -1m @ 100"#) else {
            Issue.record("not a matrix selector"); return
        }
        #expect(range == 300_000)
        #expect(s.offset == -60_000)
        #expect(s.at == .time(100_000))
        #expect(s.matchers.count == 2)
        guard case .subquery(_, let r, let step, _, let at) = try Parser.parse("rate(x[5m])[1h:5m] @ end()") else {
            Issue.record("not a subquery"); return
        }
        #expect(r == 3_600_000 && step == 300_000 && at == .end)
    }

    @Test func aggregationsGroupingBeforeOrAfter() throws {
        for text in ["sum by (job) (x)", "sum(x) by (job)", "topk(3, x) without (a)", #"count_values("v", x)"#] {
            guard case .aggregate = try Parser.parse(text) else { Issue.record("not an aggregation: \(text)"); continue }
        }
    }

    @Test func errorsCarryPositions() {
        func err(_ q: String) -> PromQLError? {
            do { _ = try Parser.parse(q); return nil } catch { return error as? PromQLError }
        }
        let e1 = err("sum(x) +")
        #expect(e1?.position?.column == 9)
        let e2 = err("rate(x)")
        #expect(e2?.message.contains("expected type range vector") == true)
        #expect(e2?.position?.column == 1)
        let e3 = err("foo{a=\"b\"\n} + nosuchfn(x)")
        #expect(e3?.message.contains("unknown function") == true)
        #expect(e3?.position?.line == 2 && e3?.position?.column == 5)
        #expect(err("1 > 2")?.message.contains("BOOL") == true)
        #expect(err("{}")?.message.contains("non-empty matcher") == true)
        #expect(err("x + on(a) group_left(a) y")?.message.contains("must not occur in ON and GROUP") == true)
        #expect(err("1 and 2")?.message.contains("set operator") == true)
        #expect(err(#"x{a=~"("}"#) != nil)
    }
}
