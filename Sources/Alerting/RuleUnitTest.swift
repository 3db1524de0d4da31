import Foundation
import PromQL
import Telemetry
import Yams

/// The outcome of one promtool-style unit-test file.
public struct RuleUnitTestReport: Sendable {
    public var file: String
    /// Failure texts in promtool's wording; empty means SUCCESS.
    public var errors: [String]
    public var passed: Bool { errors.isEmpty }
}

/// Runs promtool's rule unit-test format (`promtool test rules`).
public struct RuleUnitTester: Sendable {
    public var engine: Engine
    public init(engine: Engine = Engine()) { self.engine = engine }

    struct TestFileError: Error, CustomStringConvertible { var description: String }

    /// Runs one test file (its `rule_files` are relative to the file's directory).
    public func run(file: String) -> RuleUnitTestReport {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            return RuleUnitTestReport(file: file, errors: ["open \(file): no such file or directory"])
        }
        let dir = (file as NSString).deletingLastPathComponent
        return run(text: text, file: file, readRuleFile: { name in
            let path = name.hasPrefix("/") ? name : (dir.isEmpty ? name : dir + "/" + name)
            return (path, try? String(contentsOfFile: path, encoding: .utf8))
        })
    }

    /// Runs a test file's text; `readRuleFile` maps a `rule_files` entry to a path and its text.
    public func run(text: String, file: String, readRuleFile: (String) -> (String, String?)) -> RuleUnitTestReport {
        do {
            guard let root = try Yams.compose(yaml: text), let m = root.mapping else {
                return RuleUnitTestReport(file: file, errors: ["\(file): not a unit-test file"])
            }
            let evalInterval = try duration(m["evaluation_interval"], default: 60_000)
            var groupOrder: [String: Int] = [:]
            for (k, g) in (m["group_eval_order"]?.sequence.map(Array.init) ?? []).enumerated() { groupOrder[g.string ?? ""] = k + 1 }
            // Load rule files.
            var groups: [RuleGroup] = []
            var loadErrors: [String] = []
            for rf in m["rule_files"]?.sequence.map(Array.init) ?? [] {
                let (path, content) = readRuleFile(rf.string ?? "")
                guard let content else { loadErrors.append("    open \(path): no such file or directory"); continue }
                switch RuleLoader.load(text: content, file: path, defaultInterval: evalInterval) {
                case .success(let g): groups += g
                case .failure(let e): loadErrors += e.errors.map { "    \($0)" }
                }
            }
            if !loadErrors.isEmpty { return RuleUnitTestReport(file: file, errors: loadErrors) }
            if !groupOrder.isEmpty {
                for name in groupOrder.keys where !groups.contains(where: { $0.name == name }) {
                    return RuleUnitTestReport(file: file, errors: ["    group name \"\(name)\" in group_eval_order not present in any of the rule files"])
                }
                groups = groups.enumerated().sorted { (groupOrder[$0.element.name] ?? 0, $0.offset) < (groupOrder[$1.element.name] ?? 0, $1.offset) }.map(\.element)
            }
            var errors: [String] = []
            for t in m["tests"]?.sequence.map(Array.init) ?? [] {
                errors += try runGroup(t, groups: groups, evalInterval: evalInterval)
            }
            return RuleUnitTestReport(file: file, errors: errors)
        } catch {
            return RuleUnitTestReport(file: file, errors: ["    \(error)"])
        }
    }

    func duration(_ n: Yams.Node?, default d: Int64) throws -> Int64 {
        guard let n else { return d }
        guard let s = n.string, let v = try? Parser.parseDuration(s) else { throw TestFileError(description: "not a valid duration string: \(n.string ?? "")") }
        return v
    }

    struct InputSeries { var key: SeriesKey; var values: [Double?] }

    func runGroup(_ t: Yams.Node, groups: [RuleGroup], evalInterval: Int64) throws -> [String] {
        // promtool 2.42 does not default a missing `interval`: every sample then sits at t=0 (the first one wins).
        let interval = try duration(t["interval"], default: 0)
        let testName = t["name"]?.string
        var ext: [String: String] = [:]
        for (k, v) in t["external_labels"]?.mapping ?? Yams.Node.Mapping([]) { ext[k.string ?? ""] = v.string ?? "" }
        let extURL = t["external_url"]?.string ?? ""
        var inputs: [InputSeries] = []
        for s in t["input_series"]?.sequence.map(Array.init) ?? [] {
            let (name, labels) = try Self.parseSeries(s["series"]?.string ?? "")
            inputs.append(InputSeries(key: SeriesKey(name: name, labels: labels), values: try Self.expand(s["values"]?.string ?? "")))
        }
        struct AlertTest { var evalTime: Int64; var name: String; var exp: [(Labels, [String: String])] }
        var alertTests: [AlertTest] = []
        for a in t["alert_rule_test"]?.sequence.map(Array.init) ?? [] {
            let et = try duration(a["eval_time"], default: 0)
            guard let name = a["alertname"]?.string, !name.isEmpty else { throw TestFileError(description: "alertname missing") }
            var exp: [(Labels, [String: String])] = []
            for e in a["exp_alerts"]?.sequence.map(Array.init) ?? [] {
                var l: [String: String] = ["alertname": name]
                for (k, v) in e["exp_labels"]?.mapping ?? Yams.Node.Mapping([]) { l[k.string ?? ""] = v.string ?? "" }
                var ann: [String: String] = [:]
                for (k, v) in e["exp_annotations"]?.mapping ?? Yams.Node.Mapping([]) { ann[k.string ?? ""] = v.string ?? "" }
                exp.append((Labels(l), ann))
            }
            alertTests.append(AlertTest(evalTime: et, name: name, exp: exp))
        }
        struct ExprTest { var expr: String; var evalTime: Int64; var exp: [(Labels, Double)] }
        var exprTests: [ExprTest] = []
        for e in t["promql_expr_test"]?.sequence.map(Array.init) ?? [] {
            var exp: [(Labels, Double)] = []
            for s in e["exp_samples"]?.sequence.map(Array.init) ?? [] {
                let (name, labels) = try Self.parseSeries(s["labels"]?.string ?? "{}")
                let v = s["value"]?.string.flatMap(Self.parseNumber) ?? 0
                exp.append((name.isEmpty ? labels : labels.setting("__name__", name), v))
            }
            exprTests.append(ExprTest(expr: e["expr"]?.string ?? "", evalTime: try duration(e["eval_time"], default: 0), exp: exp))
        }
        let maxt = max(alertTests.map(\.evalTime).max() ?? 0, exprTests.map(\.evalTime).max() ?? 0)
        let alertTimes = Array(Set(alertTests.map(\.evalTime))).sorted()
        var curr = 0
        var store = SeriesStore(retention: Milliseconds(Int64.max / 4))
        var evaluators = groups.map { RuleGroupEvaluator(group: $0, engine: engine, externalLabels: ext, externalURL: extURL) }
        var loaded = 0   // inputs are loaded up to sample index `loaded`
        var errs: [String] = []
        let namePrefix = testName.map { "    name: \($0),\n" } ?? ""
        var ts: Int64 = 0
        while ts <= maxt {
            while Int64(loaded) * interval <= ts {
                var any = false
                for s in inputs where loaded < s.values.count {
                    any = true
                    if let v = s.values[loaded] { store.append(s.key, Point(t: Timestamp(milliseconds: Int64(loaded) * interval), v: v)) }
                }
                loaded += 1
                if !any { break }
            }
            var evalErrs: [String] = []
            for i in evaluators.indices {
                for e in evaluators[i].evaluate(at: Timestamp(milliseconds: ts), store: &store) {
                    evalErrs.append("    rule: \(e.rule), time: \(Self.formatDuration(ts)), err: \(e.message)")
                }
            }
            errs += evalErrs
            if !evalErrs.isEmpty { return errs }
            while curr < alertTimes.count, ts <= alertTimes[curr], alertTimes[curr] < ts + evalInterval {
                let at = alertTimes[curr]
                for test in alertTests where test.evalTime == at {
                    var got: [(Labels, [String: String])] = []
                    for ev in evaluators {
                        for (i, r) in ev.group.rules.enumerated() where r.kind == .alerting && r.name == test.name {
                            for a in ev.alerts(ofRule: i) where a.state == .firing { got.append((a.labels, a.annotations)) }
                        }
                    }
                    func key(_ x: (Labels, [String: String])) -> String {
                        x.0.description + Labels(x.1).description
                    }
                    let gotSorted = got.sorted { key($0) < key($1) }, expSorted = test.exp.sorted { key($0) < key($1) }
                    if gotSorted.map(key) != expSorted.map(key) {
                        errs.append("\(namePrefix)    alertname: \(test.name), time: \(Self.formatDuration(at)), \n        exp:\(Self.show(expSorted)), \n        got:\(Self.show(gotSorted))")
                    }
                }
                curr += 1
            }
            ts += evalInterval
        }
        for test in exprTests {
            let got: [(Labels, Double)]
            do {
                let r = try engine.instantQuery(test.expr, store: store, at: Timestamp(milliseconds: test.evalTime))
                switch r.value {
                case .vector(let v): got = v.map { ($0.labels, $0.v) }
                case .scalar(let s): got = [(Labels(), s)]
                default: throw TestFileError(description: "query result is not a vector or scalar")
                }
            } catch {
                errs.append("    expr: \(Self.quote(test.expr)), time: \(Self.formatDuration(test.evalTime)), err: \(error)")
                continue
            }
            let g = got.sorted { $0.0.description < $1.0.description }, e = test.exp.sorted { $0.0.description < $1.0.description }
            let same = g.count == e.count && zip(g, e).allSatisfy { $0.0 == $1.0 && Self.sameValue($0.1, $1.1) }
            if !same {
                func fmt(_ xs: [(Labels, Double)]) -> String { xs.isEmpty ? "nil" : xs.map { "\(Self.promLabels($0.0)) \(Self.formatE($0.1))" }.joined(separator: ", ") }
                errs.append("\(namePrefix)    expr: \(Self.quote(test.expr)), time: \(Self.formatDuration(test.evalTime)),\n        exp: \(fmt(e))\n        got: \(fmt(g))")
            }
        }
        return errs
    }

    static func sameValue(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func promLabels(_ l: Labels) -> String {
        "{" + l.map { "\($0.name)=\(quote($0.value))" }.joined(separator: ", ") + "}"
    }

    static func show(_ alerts: [(Labels, [String: String])]) -> String {
        if alerts.isEmpty { return "[]" }
        let entries = alerts.enumerated().map { k, a in
            "            \(k):\n              Labels:\(promLabels(a.0))\n              Annotations:\(promLabels(Labels(a.1)))"
        }
        return "[\n" + entries.joined(separator: ",\n") + "\n            ]"
    }

    static func formatE(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == 0 { return (v.sign == .minus ? "-" : "") + "0E+00" }
        let (neg, digits, dp) = GoFormat.shortestDigits(v)
        return (neg ? "-" : "") + GoFormat.eForm(digits, dp - 1).uppercased()
    }

    /// Prometheus's model.Duration formatting: `1h30m`, `2m`, `0s`.
    public static func formatDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var r = ms, out = ""
        for (unit, size) in [("y", Int64(365 * 86_400_000)), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            if r >= size { out += "\(r / size)\(unit)"; r %= size }
        }
        return out
    }

    /// `metric{a="b"}` or `{__name__="m"}` to (name, labels without __name__).
    static func parseSeries(_ text: String) throws -> (String, Labels) {
        let compact = text.replacingOccurrences(of: " ", with: "")
        if compact == "{}" || compact.isEmpty { return ("", Labels()) }
        guard case .vectorSelector(let s) = try Parser.parse(text) else { throw TestFileError(description: "bad series \(text)") }
        var name = s.name ?? ""
        var pairs: [(String, String)] = []
        for m in s.matchers {
            guard m.kind == .equal else { throw TestFileError(description: "bad series \(text)") }
            if m.name == "__name__" { name = m.value } else { pairs.append((m.name, m.value)) }
        }
        return (name, Labels(pairs))
    }

    static func parseNumber(_ s: String) -> Double? {
        var t = s.trimmingCharacters(in: .whitespaces)
        var sign = 1.0
        if t.hasPrefix("+") { t.removeFirst() } else if t.hasPrefix("-") { t.removeFirst(); sign = -1 }
        switch t.lowercased() {
        case "inf": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        guard !t.isEmpty, t.first != "+", t.first != "-", !t.lowercased().contains("x"), let v = Double(t) else { return nil }
        return sign * v
    }

    /// The expanding notation: `1+2x3 _ stale _x2 5 -1-1x2`; nil is a missing sample.
    static func expand(_ text: String) throws -> [Double?] {
        var out: [Double?] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init) {
            if token == "_" { out.append(nil); continue }
            if token == "stale" { out.append(SeriesStore.staleMarker); continue }
            if token.hasPrefix("_x"), let n = Int(token.dropFirst(2)) { out += Array(repeating: nil, count: n); continue }
            if let v = parseNumber(token) { out.append(v); continue }
            guard let x = token.lastIndex(of: "x"), let n = Int(token[token.index(after: x)...]) else {
                throw TestFileError(description: "bad input series value \(quote(token))")
            }
            let chars = Array(token[..<x])
            var start = String(chars), incr = "0"
            for k in stride(from: chars.count - 1, to: 0, by: -1) where chars[k] == "+" || chars[k] == "-" {
                if chars[k - 1] == "e" || chars[k - 1] == "E" { continue }
                start = String(chars[..<k]); incr = String(chars[k...]); break
            }
            guard let a = parseNumber(start), let b = parseNumber(incr) else {
                throw TestFileError(description: "bad input series value \(quote(token))")
            }
            var v = a
            for _ in 0...n { out.append(v); v += b }
        }
        return out
    }
}

