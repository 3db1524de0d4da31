import Testing
import PromQL
import Telemetry
@testable import Alerting

@Suite struct StateMachineTests {
    func group(_ rules: String) throws -> RuleGroup {
        try RuleLoader.load(text: "groups:\n- name: g\n  rules:\n" + rules, file: "t.yml").get()[0]
    }
    func store(_ values: [Double], name: String = "m", labels: Labels = Labels([("job", "a")])) -> SeriesStore {
        var s = SeriesStore(retention: Milliseconds(Int64.max / 4))
        for (i, v) in values.enumerated() { s.append(SeriesKey(name: name, labels: labels), Point(t: Timestamp(milliseconds: Int64(i) * 60_000), v: v)) }
        return s
    }
    func states(_ rules: String, _ values: [Double]) throws -> [String] {
        var ev = RuleGroupEvaluator(group: try group(rules))
        var s = store(values)
        var out: [String] = []
        for i in values.indices {
            ev.evaluate(at: Timestamp(milliseconds: Int64(i) * 60_000), store: &s)
            out.append(ev.alerts(ofRule: 0).first?.state.rawValue ?? "-")
        }
        return out
    }

    @Test func pendingThenFiringThenResolved() throws {
        let r = "  - alert: A\n    expr: m > 0\n    for: 2m\n"
        #expect(try states(r, [0, 1, 1, 1, 1, 0, 0]) == ["-", "pending", "pending", "firing", "firing", "inactive", "inactive"])
    }

    @Test func forZeroFiresAtOnce() throws {
        #expect(try states("  - alert: A\n    expr: m > 0\n", [1, 0]) == ["firing", "inactive"])
    }

    @Test func pendingThatStopsIsDropped() throws {
        #expect(try states("  - alert: A\n    expr: m > 0\n    for: 5m\n", [1, 1, 0]) == ["pending", "pending", "-"])
    }

    @Test func keepFiringFor() throws {
        let r = "  - alert: A\n    expr: m > 0\n    keep_firing_for: 2m\n"
        #expect(try states(r, [1, 0, 0, 0, 0]) == ["firing", "firing", "firing", "inactive", "inactive"])
    }

    @Test func resolvedKeptFifteenMinutes() throws {
        let r = "  - alert: A\n    expr: m > 0\n"
        let values: [Double] = [1] + Array(repeating: 0, count: 17)
        let s = try states(r, values)
        #expect(s[1] == "inactive")
        #expect(s[16] == "inactive")   // resolved at 1m; 15m later still kept
        #expect(s[17] == "-")          // more than 15m: dropped
    }

    @Test func alertsSeriesWritten() throws {
        var ev = RuleGroupEvaluator(group: try group("  - alert: A\n    expr: m > 0\n    for: 1m\n    labels: {sev: x}\n"))
        var s = store([1, 1])
        ev.evaluate(at: Timestamp(milliseconds: 0), store: &s)
        ev.evaluate(at: Timestamp(milliseconds: 60_000), store: &s)
        let r = try Engine().instantQuery("ALERTS", store: s, at: Timestamp(milliseconds: 60_000))
        guard case .vector(let v) = r.value else { Issue.record("not a vector"); return }
        #expect(v.count == 1)
        #expect(v.first?.labels["alertstate"] == "firing")
        #expect(v.first?.labels["sev"] == "x")
        let f = try Engine().instantQuery("ALERTS_FOR_STATE", store: s, at: Timestamp(milliseconds: 60_000))
        guard case .vector(let fv) = f.value else { Issue.record("not a vector"); return }
        #expect(fv.first?.v == 0)
    }

    @Test func collidingLabelsAreAnError() throws {
        var ev = RuleGroupEvaluator(group: try group("  - alert: A\n    expr: m\n    labels: {job: same}\n"))
        var s = SeriesStore(retention: Milliseconds(Int64.max / 4))
        s.append(SeriesKey(name: "m", labels: Labels([("job", "a")])), Point(t: Timestamp(milliseconds: 0), v: 1))
        s.append(SeriesKey(name: "m", labels: Labels([("job", "b")])), Point(t: Timestamp(milliseconds: 0), v: 1))
        let errs = ev.evaluate(at: Timestamp(milliseconds: 0), store: &s)
        #expect(errs.count == 1)
        #expect(errs.first?.message.contains("same labelset") == true)
    }

    @Test func annotationsExpanded() throws {
        var ev = RuleGroupEvaluator(group: try group("  - alert: A\n    expr: m > 0\n    annotations: {s: '{{ $labels.job }}={{ $value }}'}\n"))
        var s = store([2.5])
        ev.evaluate(at: Timestamp(milliseconds: 0), store: &s)
        #expect(ev.alerts(ofRule: 0).first?.annotations["s"] == "a=2.5")
    }

    @Test func recordingRuleWritesSeries() throws {
        var ev = RuleGroupEvaluator(group: try group("  - record: job:m:x2\n    expr: m * 2\n    labels: {src: rec}\n"))
        var s = store([3])
        ev.evaluate(at: Timestamp(milliseconds: 0), store: &s)
        let r = try Engine().instantQuery("job:m:x2", store: s, at: Timestamp(milliseconds: 0))
        guard case .vector(let v) = r.value else { Issue.record("not a vector"); return }
        #expect(v.first?.v == 6)
        #expect(v.first?.labels["src"] == "rec")
    }
}

@Suite struct LimitTests {
    @Test func alertLimitCountsAlertsNotSeries() throws {
        let text = "groups:\n- name: g\n  limit: 2\n  rules:\n  - alert: A\n    expr: m > 0\n"
        let g = try RuleLoader.load(text: text, file: "t.yml").get()[0]
        func run(_ n: Int) -> [RuleEvalError] {
            var ev = RuleGroupEvaluator(group: g)
            var s = SeriesStore(retention: Milliseconds(Int64.max / 4))
            for k in 0..<n { s.append(SeriesKey(name: "m", labels: Labels([("i", "\(k)")])), Point(t: Timestamp(milliseconds: 0), v: 1)) }
            return ev.evaluate(at: Timestamp(milliseconds: 0), store: &s)
        }
        #expect(run(2).isEmpty)
        #expect(run(3).first?.message == "exceeded limit of 2 with 3 alerts")
    }
}

@Suite struct UnitTesterTests {
    @Test func missingIntervalPutsEverySampleAtZeroLikePromtool242() {
        let text = """
        tests:
        - input_series:
          - series: 'm'
            values: '0 1 2 3'
          promql_expr_test:
          - expr: m
            eval_time: 1m
            exp_samples:
            - labels: 'm'
              value: 0
        """
        let r = RuleUnitTester().run(text: text, file: "t.yml", readRuleFile: { ($0, nil) })
        #expect(r.passed, "\(r.errors)")
    }

    @Test func failureTextLikePromtool() {
        let text = """
        tests:
        - interval: 1m
          input_series:
          - series: 'm{a="b"}'
            values: '240'
          promql_expr_test:
          - expr: m
            eval_time: 0m
            exp_samples:
            - labels: 'm{a="b"}'
              value: 0
        """
        let r = RuleUnitTester().run(text: text, file: "t.yml", readRuleFile: { ($0, nil) })
        #expect(r.errors == ["    expr: \"m\", time: 0s,\n        exp: {__name__=\"m\", a=\"b\"} 0E+00\n        got: {__name__=\"m\", a=\"b\"} 2.4E+02"])
    }
}
