import Foundation
import Telemetry

/// How one `eval` of a test script ended. Unsupported is never a pass.
public enum EvalStatus: Sendable, Equatable {
    case passed
    case failed(String)
    case unsupported(String)
}

/// One `eval` command and its outcome.
public struct EvalOutcome: Sendable {
    public var line: Int
    public var expr: String
    public var status: EvalStatus
}

/// The outcome of a whole script.
public struct TestScriptReport: Sendable {
    public var file: String
    public var outcomes: [EvalOutcome] = []
    /// Problems outside any eval (bad load lines, unknown commands).
    public var scriptErrors: [String] = []
    public var passed: Int { outcomes.filter { $0.status == .passed }.count }
    public var failed: Int { outcomes.filter { if case .failed = $0.status { return true }; return false }.count }
    public var unsupported: Int { outcomes.filter { if case .unsupported = $0.status { return true }; return false }.count }
}

/// Runs Prometheus's PromQL test-script language (`promql/promqltest`, the `.test` files) against
/// this engine: `load`, `load_with_nhcb` (as `load`), `clear`, `eval instant|range` with `expect`
/// lines and the older `eval_fail|eval_warn|eval_info|eval_ordered` forms.
public struct PromQLTestScript {
    public var engine: Engine

    public init(engine: Engine = Engine()) { self.engine = engine }

    /// Runs a script's text; `file` names it in the report.
    public func run(_ text: String, file: String) -> TestScriptReport {
        var report = TestScriptReport(file: file)
        let lines = text.components(separatedBy: "\n")
        var store = Self.newStore()
        var native = NativeSeries()
        var i = 0
        while i < lines.count {
            let raw = lines[i]
            let line = raw.trimmingCharacters(in: .whitespaces)
            i += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            // The block of indented lines after a command.
            var body: [(Int, String)] = []
            while i < lines.count {
                let l = lines[i]
                let tl = l.trimmingCharacters(in: .whitespaces)
                if tl.isEmpty || !(l.first == " " || l.first == "\t") {
                    if tl.hasPrefix("#") && (l.first == " " || l.first == "\t") { i += 1; continue }
                    break
                }
                if !tl.hasPrefix("#") { body.append((i + 1, tl)) }
                i += 1
            }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            switch words[0] {
            case "clear":
                store = Self.newStore()
                native = NativeSeries()
            case "load", "load_with_nhcb":
                do {
                    try load(step: words.count > 1 ? words[1] : "", body: body, store: &store, native: &native,
                             nhcb: words[0] == "load_with_nhcb")
                } catch {
                    report.scriptErrors.append("line \(i): \(error)")
                }
            case "eval", "eval_fail", "eval_warn", "eval_info", "eval_ordered":
                report.outcomes.append(eval(command: line, lineNumber: lineNumberOf(raw, lines, before: i), body: body,
                                            store: store, native: native))
            default:
                report.scriptErrors.append("unknown command: \(line)")
            }
        }
        return report
    }

    private func lineNumberOf(_ raw: String, _ lines: [String], before: Int) -> Int {
        var j = before - 1
        while j >= 0 && lines[j] != raw { j -= 1 }
        return j + 1
    }

    static func newStore() -> SeriesStore { SeriesStore(retention: Milliseconds(Int64.max / 4)) }

    // MARK: load

    /// Series that hold native histograms here (loaded with `{{...}}`, or made by `load_with_nhcb`).
    struct NativeSeries {
        var keys: [(name: String, labels: Labels)] = []
        func selectedBy(_ s: VectorSelector) -> Bool {
            keys.contains { k in
                if let n = s.name, n != k.name { return false }
                for m in s.matchers {
                    let v = m.name == "__name__" ? k.name : (k.labels[m.name] ?? "")
                    if !m.matches(v) { return false }
                }
                return true
            }
        }
    }

    func load(step: String, body: [(Int, String)], store: inout SeriesStore, native: inout NativeSeries, nhcb: Bool) throws {
        let stepMs = try Parser.parseDuration(step)
        for (n, line) in body {
            let (descriptor, rest) = splitDescriptor(line)
            guard let (name, labels) = try parseDescriptor(descriptor) else {
                throw PromQLError("line \(n): a series needs a name: \(line)")
            }
            if rest.contains("{{") {
                native.keys.append((name, labels))
                continue
            }
            if nhcb, name.hasSuffix("_bucket") || name.hasSuffix("_count") || name.hasSuffix("_sum") {
                let base = String(name[..<name.lastIndex(of: "_")!])
                native.keys.append((base, labels.removing(["le"])))
            }
            let values = try expandValues(rest, allowMissing: true)
            let key = SeriesKey(name: name, labels: labels)
            for (idx, v) in values.enumerated() {
                guard let v else { continue }
                store.append(key, Point(t: Timestamp(milliseconds: Int64(idx) * stepMs), v: v))
            }
        }
    }

    /// Splits `metric{a="b"} 1 2 3` into the descriptor and the rest.
    func splitDescriptor(_ line: String) -> (String, String) {
        var inQuote: Character? = nil
        var depth = 0
        var escaped = false
        for (k, c) in line.enumerated() {
            if let q = inQuote {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == q { inQuote = nil }
                continue
            }
            if c == "\"" || c == "'" || c == "`" { inQuote = c; continue }
            if c == "{" { depth += 1 }
            if c == "}" { depth -= 1 }
            if depth == 0 && (c == " " || c == "\t") {
                let idx = line.index(line.startIndex, offsetBy: k)
                return (String(line[..<idx]), line[idx...].trimmingCharacters(in: .whitespaces))
            }
        }
        return (line, "")
    }

    /// `metric{a="b"}` or `{__name__="m", a="b"}` or `{}` to a name and labels (without `__name__`).
    func parseDescriptor(_ d: String) throws -> (String, Labels)? {
        let compact = d.replacingOccurrences(of: " ", with: "")
        if compact == "{}" { return ("", Labels()) }
        guard case .vectorSelector(let s) = try Parser.parse(d) else {
            throw PromQLError("bad series descriptor \(d)")
        }
        var name = s.name
        var pairs: [(String, String)] = []
        for m in s.matchers {
            guard m.kind == .equal else { throw PromQLError("bad series descriptor \(d)") }
            if m.name == "__name__" { name = m.value } else { pairs.append((m.name, m.value)) }
        }
        return (name ?? "", Labels(pairs))
    }

    /// Expands `1+2x3 _ stale _x2 5x2` to values; nil is a missing sample.
    func expandValues(_ text: String, allowMissing: Bool) throws -> [Double?] {
        var out: [Double?] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) {
            if token == "_" { out.append(nil); continue }
            if token == "stale" { out.append(SeriesStore.staleMarker); continue }
            if token.hasPrefix("_x"), let n = Int(token.dropFirst(2)) {
                out.append(contentsOf: Array(repeating: nil, count: n))
                continue
            }
            if let v = parseNumber(token) { out.append(v); continue }
            // a+bxn, a-bxn, axn
            guard let x = token.lastIndex(of: "x"), let n = Int(token[token.index(after: x)...]) else {
                throw PromQLError("bad value \(token.debugDescription)")
            }
            let head = String(token[..<x])
            var start = head, incr = "0"
            let chars = Array(head)
            for k in stride(from: chars.count - 1, to: 0, by: -1) where chars[k] == "+" || chars[k] == "-" {
                if chars[k - 1] == "e" || chars[k - 1] == "E" { continue }
                start = String(chars[..<k])
                incr = String(chars[k...])
                break
            }
            guard let a = parseNumber(start), let b = parseNumber(incr) else {
                throw PromQLError("bad value \(token.debugDescription)")
            }
            if start == "stale" { throw PromQLError("bad value \(token.debugDescription)") }
            var v = a
            for _ in 0...n { out.append(v); v += b }
        }
        return out
    }

    func parseNumber(_ s: String) -> Double? {
        var t = s
        var sign = 1.0
        if t.hasPrefix("+") { t.removeFirst() } else if t.hasPrefix("-") { t.removeFirst(); sign = -1 }
        switch t.lowercased() {
        case "inf": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        guard !t.contains("x"), !t.contains("X"), let v = Double(t), !t.isEmpty, t.first != "+" && t.first != "-" else { return nil }
        return sign * v
    }

    // MARK: eval

    func eval(command: String, lineNumber: Int, body: [(Int, String)], store: SeriesStore, native: NativeSeries) -> EvalOutcome {
        var words = command.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var expectFail = false, expectWarn = false, expectInfo = false, ordered = false
        var noWarn = false, noInfo = false
        switch words[0] {
        case "eval_fail": expectFail = true
        case "eval_warn": expectWarn = true
        case "eval_info": expectInfo = true
        case "eval_ordered": ordered = true
        default: break
        }
        var isRange = false
        var at: Int64 = 0, start: Int64 = 0, end: Int64 = 0, step: Int64 = 0
        var exprText = ""
        func fail(_ why: String) -> EvalOutcome { EvalOutcome(line: lineNumber, expr: exprText.isEmpty ? command : exprText, status: .failed(why)) }
        do {
            if words.count > 3 && words[1] == "instant" && words[2] == "at" {
                at = try Parser.parseDuration(words[3])
                words.removeFirst(4)
            } else if words.count > 7 && words[1] == "range" && words[2] == "from" && words[4] == "to" && words[6] == "step" {
                isRange = true
                start = try Parser.parseDuration(words[3]); end = try Parser.parseDuration(words[5])
                step = try Parser.parseDuration(words[7])
                words.removeFirst(8)
            } else {
                return fail("bad eval command")
            }
        } catch {
            return fail("bad eval command: \(error)")
        }
        // The expression is the command's text after its first `consumed` words, spacing kept.
        let consumed = isRange ? 8 : 4
        var rest = Substring(command)
        for _ in 0..<consumed {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            rest = rest.drop { $0 != " " && $0 != "\t" }
        }
        exprText = rest.trimmingCharacters(in: .whitespaces)
        _ = words
        var expectedLines: [(Int, String)] = []
        var failMessage: String? = nil
        var failRegexp: String? = nil
        for (n, l) in body {
            if l.hasPrefix("expect ") {
                let rest = l.dropFirst(7).trimmingCharacters(in: .whitespaces)
                let kind = rest.split(separator: " ").first.map(String.init) ?? ""
                switch kind {
                case "fail":
                    expectFail = true
                    if let r = rest.range(of: "msg:") { failMessage = rest[r.upperBound...].trimmingCharacters(in: .whitespaces) }
                    if let r = rest.range(of: "regex:") { failRegexp = rest[r.upperBound...].trimmingCharacters(in: .whitespaces) }
                case "warn": expectWarn = true
                case "info": expectInfo = true
                case "no_warn": noWarn = true
                case "no_info": noInfo = true
                case "ordered": ordered = true
                case "range", "string": return EvalOutcome(line: lineNumber, expr: exprText, status: .unsupported("expect \(kind) lines"))
                default: return EvalOutcome(line: n, expr: exprText, status: .failed("unknown expect line: \(l)"))
                }
                continue
            }
            if l.hasPrefix("expected_fail_message ") { failMessage = String(l.dropFirst(22)); expectFail = true; continue }
            if l.hasPrefix("expected_fail_regexp ") { failRegexp = String(l.dropFirst(21)); expectFail = true; continue }
            expectedLines.append((n, l))
        }
        if expectedLines.contains(where: { $0.1.contains("{{") }) {
            return EvalOutcome(line: lineNumber, expr: exprText, status: .unsupported("native histogram in expected result"))
        }
        let expr: Expr
        do {
            expr = try Parser.parse(exprText)
        } catch {
            if expectFail { return EvalOutcome(line: lineNumber, expr: exprText, status: .passed) }
            return fail("parse error: \(error)")
        }
        if let s = expr.selectors.first(where: { native.selectedBy($0) }) {
            return EvalOutcome(line: lineNumber, expr: exprText,
                               status: .unsupported("selects native-histogram series (\(s.name ?? s.matchers.description))"))
        }
        if let f = expr.functionNames.first(where: { FunctionTable.unimplemented.contains($0) }) {
            return EvalOutcome(line: lineNumber, expr: exprText, status: .unsupported("function \(f) (native histograms only)"))
        }
        if let a = expr.aggregateOps.first(where: { $0 == .limitk || $0 == .limitRatio }) {
            return EvalOutcome(line: lineNumber, expr: exprText, status: .unsupported("experimental aggregation \(a.rawValue)"))
        }
        let result: QueryResult
        do {
            if isRange {
                result = try engine.rangeQuery(expr, store: store, start: Timestamp(milliseconds: start),
                                               end: Timestamp(milliseconds: end), step: Milliseconds(step))
            } else {
                result = try engine.instantQuery(expr, store: store, at: Timestamp(milliseconds: at))
            }
        } catch {
            guard expectFail else { return fail("unexpected error: \(error)") }
            let msg = (error as? PromQLError)?.message ?? "\(error)"
            if let failMessage, !msg.contains(failMessage) {
                return fail("expected error message \(failMessage.debugDescription), got \(msg.debugDescription)")
            }
            if let failRegexp, let re = try? Regex(failRegexp), (try? re.firstMatch(in: msg)) == nil {
                return fail("expected error matching \(failRegexp.debugDescription), got \(msg.debugDescription)")
            }
            return EvalOutcome(line: lineNumber, expr: exprText, status: .passed)
        }
        if expectFail { return fail("expected an error, got a result") }
        let a = result.annotations
        if expectWarn && a.warnings.isEmpty { return fail("expected warnings, got none") }
        if !expectWarn && !a.warnings.isEmpty { return fail("unexpected warnings: \(a.warnings)") }
        if expectInfo && a.infos.isEmpty { return fail("expected info annotations, got none") }
        if !expectInfo && !a.infos.isEmpty { return fail("unexpected info annotations: \(a.infos)") }
        _ = noWarn; _ = noInfo
        do {
            try compare(result.value, expectedLines, ordered: ordered, isRange: isRange, start: start, step: step)
        } catch {
            return fail("\(error)")
        }
        return EvalOutcome(line: lineNumber, expr: exprText, status: .passed)
    }

    // MARK: comparing

    static func almostEqual(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN && b.isNaN { return true }
        if a.isNaN || b.isNaN { return false }
        if a == b { return true }
        if SeriesStore.staleMarker.bitPattern == a.bitPattern || SeriesStore.staleMarker.bitPattern == b.bitPattern { return false }
        return PromQL.almostEqual(a, b, epsilon: 1e-6)
    }

    func compare(_ value: Value, _ expected: [(Int, String)], ordered: Bool, isRange: Bool, start: Int64, step: Int64) throws {
        switch value {
        case .scalar(let v):
            guard expected.count == 1, let e = parseNumber(expected[0].1) else {
                if expected.isEmpty { throw PromQLError("expected no result, got scalar \(formatValue(v))") }
                throw PromQLError("got scalar \(formatValue(v)), expected \(expected.map(\.1))")
            }
            if !Self.almostEqual(v, e) { throw PromQLError("expected scalar \(formatValue(e)), got \(formatValue(v))") }
        case .string(let s):
            throw PromQLError("got string \(s.debugDescription), expected \(expected.map(\.1))")
        case .vector(let samples):
            var want: [(Labels, Double)] = []
            for (_, l) in expected {
                let (d, rest) = splitDescriptor(l)
                guard let (name, labels) = try parseDescriptor(d), let v = parseNumber(rest) else {
                    if expected.count == 1, let v = parseNumber(l) {
                        throw PromQLError("expected scalar \(formatValue(v)), got a vector of \(samples.count)")
                    }
                    throw PromQLError("bad expected line \(l)")
                }
                want.append((name.isEmpty ? labels : labels.setting("__name__", name), v))
            }
            if want.count != samples.count {
                throw PromQLError("expected \(want.count) samples, got \(samples.count): \(samples.map(\.description).joined(separator: ", "))")
            }
            if ordered {
                for (k, (l, v)) in want.enumerated() where samples[k].labels != l || !Self.almostEqual(samples[k].v, v) {
                    throw PromQLError("at position \(k) expected \(l) \(formatValue(v)), got \(samples[k])")
                }
            } else {
                var got: [Labels: Double] = [:]
                for s in samples { got[s.labels] = s.v }
                for (l, v) in want {
                    guard let g = got[l] else { throw PromQLError("missing \(l) \(formatValue(v)); got \(samples.map(\.description).joined(separator: ", "))") }
                    if !Self.almostEqual(g, v) { throw PromQLError("for \(l) expected \(formatValue(v)), got \(formatValue(g))") }
                }
            }
        case .matrix(let series):
            var want: [Labels: [Double?]] = [:]
            for (_, l) in expected {
                let (d, rest) = splitDescriptor(l)
                guard let (name, labels) = try parseDescriptor(d) else { throw PromQLError("bad expected line \(l)") }
                want[name.isEmpty ? labels : labels.setting("__name__", name)] = try expandValues(rest, allowMissing: true)
            }
            if !isRange { throw PromQLError("instant eval returned a range vector") }
            if want.count != series.count {
                throw PromQLError("expected \(want.count) series, got \(series.count): \(series.map(\.description).joined(separator: "; "))")
            }
            for s in series {
                guard let w = want[s.labels] else { throw PromQLError("unexpected series \(s)") }
                var expectedPoints: [(Int64, Double)] = []
                for (k, v) in w.enumerated() { if let v { expectedPoints.append((start + Int64(k) * step, v)) } }
                let ok = expectedPoints.count == s.points.count && zip(expectedPoints, s.points).allSatisfy {
                    $0.0 == $1.t.milliseconds && Self.almostEqual($0.1, $1.v)
                }
                if !ok {
                    throw PromQLError("for \(s.labels) expected \(expectedPoints.map { "\(formatValue($0.1))@\($0.0)" }), got \(s.points.map { "\(formatValue($0.v))@\($0.t.milliseconds)" })")
                }
            }
        }
    }
}
