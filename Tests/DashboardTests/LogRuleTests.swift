import Alerting
@testable import Dashboard
import Logs
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// Log rules: parsing, counting every line on the way in, and alerts in the same list as metric rules.
@Suite struct LogRuleTests {
    @Test func expressionsReadLikeTheIssueSaysAndErrorsSayWhatIsWrong() throws {
        let (pattern, op, n, window) = try LogRule.parseExpression(#""CUDA out of memory" >= 1 in 5m"#).get()
        #expect(pattern == .text("CUDA out of memory") && op == .atLeast && n == 1 && window == .minutes(5))
        let regex = try LogRule.parseExpression(#"/worker \d+ died/ > 3 in 10m"#).get()
        #expect(regex.0 == .regex(#"worker \d+ died"#) && regex.1 == .moreThan)
        let escaped = try LogRule.parseExpression(#""say \"hi\"" == 0 in 1m"#).get()
        #expect(escaped.0 == .text(#"say "hi""#))
        for (bad, says) in [("CUDA >= 1 in 5m", "expected \"text\" or /regex/"), (#""x" >= 1 within 5m"#, "OP N in WINDOW"),
                            (#""x" => 1 in 5m"#, "is not one of"), (#""x" >= 1 in soon"#, "not a duration"),
                            (#"/(/ >= 1 in 5m"#, "not a valid regular expression"), (#""open >= 1 in 5m"#, "no closing"),
                            (#""x" >= 1 in 2d"#, "at most 24h")] {
            guard case .failure(let e) = LogRule.parseExpression(bad) else { Issue.record("\(bad) parsed"); continue }
            #expect(e.message.contains(says), "\(bad): \(e.message)")
        }
    }

    @Test func aBadRuleFileNamesTheLineAndColumn() {
        let text = "log_rules:\n  - alert: A\n    expr: '\"x\" >= 1 in 5m'\n  - alert: B\n    expr: '\"y\" >= one in 5m'\n"
        #expect(throws: ConfigError.self) { try LogRuleFile.parse(text, file: "logs.yaml") }
        do { _ = try LogRuleFile.parse(text, file: "logs.yaml") } catch {
            #expect(error.line == 5)
            #expect(error.description.hasPrefix("logs.yaml:5:"))
            #expect(error.message.contains("'one' is not a count"))
        }
        let duplicate = "log_rules:\n  - {alert: A, expr: '\"x\" >= 1 in 5m'}\n  - {alert: A, expr: '\"y\" >= 1 in 5m'}\n"
        do { _ = try LogRuleFile.parse(duplicate, file: "d.yaml"); Issue.record("duplicate accepted") } catch {
            #expect(error.line == 3 && error.message.contains("duplicate"))
        }
        let badTemplate = "log_rules:\n  - alert: A\n    expr: '\"x\" >= 1 in 5m'\n    annotations: {summary: '{{ nosuchfunc }}'}\n"
        let rules = (try? LogRuleFile.parse(badTemplate, file: "t.yaml")) ?? []
        guard case .failure(let e) = LogRuleFile.ruleGroup(rules) else { Issue.record("bad template accepted"); return }
        #expect(e.file == "t.yaml" && e.line == 2, "\(e)")
    }

    @Test func theDemoFiresOnCUDAOutOfMemoryLinesWithTheModelAndJob() throws {
        let quiet = Fixtures.demoRuntime(at: .seconds(90)).state
        #expect(!quiet.allAlerts.contains { $0.name == "ModelCUDAOutOfMemory" })
        let state = Fixtures.demoRuntime(at: .seconds(200)).state
        let alert = try #require(state.firingAlerts.first { $0.name == "ModelCUDAOutOfMemory" })
        #expect(alert.model == "fraud-detector" && alert.job == "triton-a" && alert.severity == .critical)
        #expect(alert.labels["log_source"] == "triton-a.log")
        #expect(alert.labels["rule"] == nil, "the count's rule label is summed away")
        #expect(alert.summary.hasPrefix("fraud-detector: "), "\(alert.summary)")
        #expect(alert.runbookURL == "../runbooks/cuda-out-of-memory.md")
        #expect(alert.origin.hasPrefix("sample-data/rules/log-rules.yaml"))
    }

    @Test func everyLineCountsEvenWhenTheBufferDropsIt() throws {
        var state = State(mode: .live, targets: [], logCapacity: 10, hasLogSources: true)
        state.logRules = try LogRuleFile.parse("log_rules:\n  - {alert: Boom, expr: '\"boom\" >= 25 in 5m'}\n", file: "b.yaml")
        state.logRuleGroup = 0
        state.ruleGroups = [RuleGroupEvaluator(group: try LogRuleFile.ruleGroup(state.logRules).get())]
        let t0 = Timestamp(milliseconds: 1_000_000)
        _ = reduce(&state, .started(at: t0))
        // The last line has a time of its own, so it closes the record before it (a line without
        // one would be folded into it as a continuation).
        let lines = (0..<30).map { "2026-11-29T03:00:00Z ERROR boom \($0)" } + ["2026-11-29T03:00:00Z INFO all quiet"]
        _ = reduce(&state, .logLinesArrived(source: "app.log", lines: lines, at: t0 + .seconds(1)))
        #expect(state.logs.visible.count == 10 && state.logs.droppedCount >= 18, "the buffer keeps 10")
        _ = reduce(&state, .timerFired(.evaluateRules(group: 0), at: t0 + .seconds(15)))
        let key = try #require(state.store.series(named: LogRuleFile.seriesName).first)
        #expect(state.store.latest(key, at: t0 + .seconds(15), lookback: .minutes(5))?.v == 30)
        #expect(state.ruleAlerts.contains { $0.name == "Boom" && $0.state == .firing })
        // Five minutes later the matches have left the window: the count is 0 and the alert resolves.
        _ = reduce(&state, .timerFired(.evaluateRules(group: 0), at: t0 + .minutes(6)))
        #expect(state.store.latest(key, at: t0 + .minutes(6), lookback: .minutes(5))?.v == 0)
        #expect(!state.ruleAlerts.contains { $0.name == "Boom" })
    }

    @Test func aLineTheFollowerCutIsMarkedOnItsEntry() throws {
        var state = State(mode: .live, targets: [], hasLogSources: true)
        let t0 = Timestamp(milliseconds: 1_000_000)
        _ = reduce(&state, .logLinesArrived(source: "a.log", lines: ["2026-11-29T03:00:00Z INFO " + String(repeating: "x", count: 100),
                                                                      "2026-11-29T03:00:01Z INFO whole"],
                                            at: t0, cut: [0]))
        _ = reduce(&state, .timerFired(.collectLogs, at: t0 + .seconds(2)))
        let entries = Array(state.logs.visible)
        #expect(entries.count == 2)
        #expect(entries.first?.truncated == true && entries.last?.truncated == false)
        state.ui.screen = .logs
        let text = PlainTextRenderer.text(View.render(state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("✂ xxxx"), "\(text)")
    }

    @Test func aLevelConditionNeedsAKnownLevel() throws {
        let rule = try #require(try LogRuleFile.parse("log_rules:\n  - {alert: A, expr: '\"boom\" >= 1 in 1m', level: error}\n", file: "l.yaml").first)
        let matcher = LogRuleMatcher(rule.pattern)
        let t = Timestamp(milliseconds: 0)
        #expect(rule.matches(LogEntry(source: "s", time: t, level: .error, message: "boom"), compiled: matcher))
        #expect(rule.matches(LogEntry(source: "s", time: t, level: .fatal, message: "boom"), compiled: matcher))
        #expect(!rule.matches(LogEntry(source: "s", time: t, level: .warn, message: "boom"), compiled: matcher))
        #expect(!rule.matches(LogEntry(source: "s", time: t, level: .unknown, message: "boom"), compiled: matcher))
        #expect(!rule.matches(LogEntry(source: "s", time: t, level: .error, message: "quiet"), compiled: matcher))
    }

    @Test func globsMatchWholeSourceNames() {
        #expect(LogRule.glob("triton-*", matches: "triton-a.log"))
        #expect(LogRule.glob("*.log", matches: "a.log") && !LogRule.glob("*.log", matches: "a.log.1"))
        #expect(LogRule.glob("w?rker", matches: "worker") && !LogRule.glob("w?rker", matches: "wrker"))
    }
}
