import Alerting
import Dashboard
import DemoFleet
import Foundation
import Incidents
import Telemetry
import TerminalUI

/// Shared fixtures: the repository's files, themes, and the demo fleet run on virtual time.
public enum Fixtures {
    /// The checkout's root folder, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/conformance/...` beside the checkout.
    public static func conformance(_ path: String) -> URL {
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance").appendingPathComponent(path)
    }

    /// A theme from `themes/`, parsed. Fails loudly: a test never runs on a silent fallback.
    public static func theme(_ name: String) throws -> Theme {
        let path = repositoryRoot.appendingPathComponent("themes/\(name).yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try ThemeParser.parse(text, file: path)
    }

    /// The virtual start of demo sessions in tests (2026-11-29 03:00:00Z), as in `snapshot`.
    public static let demoEpoch = Timestamp(milliseconds: 1_795_921_200_000)

    public static var demoTargets: [ScrapeTarget] {
        Fleet.targetNames.map { ScrapeTarget(name: $0, url: "demo://\($0)", interval: .seconds(5), timeout: .seconds(2)) }
    }

    /// Which alert rules a demo session runs.
    public enum DemoRules: Sendable {
        /// `sample-data/rules/model-health.yaml`, as `modelwatch demo` loads it.
        case pack
        /// The built-in health rules, as when no rule file is found.
        case builtIn
    }

    /// The demo's rule pack, loaded; a broken pack fails the test that asked for it.
    public static func demoRuleGroups() throws -> [RuleGroup] {
        let path = repositoryRoot.appendingPathComponent("sample-data/rules/model-health.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        switch RuleLoader.load(text: text, file: "sample-data/rules/model-health.yaml") {
        case .success(let groups): return groups
        case .failure(let errors): throw errors
        }
    }

    /// `sample-data/runbooks/`, as `modelwatch demo` loads it (named relative to the checkout, as
    /// the rule files are); a runbook that does not parse is a failure the test shows at once.
    public static func sampleRunbooks() -> RunbookIndex {
        let dir = repositoryRoot.appendingPathComponent("sample-data/runbooks")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
        let runbooks = names.map { name -> Runbook in
            let text = (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
            switch Runbook.parse(text: text, file: "sample-data/runbooks/" + name) {
            case .success(let runbook): return runbook
            case .failure(let error): preconditionFailure("sample runbook does not parse: \(error)")
            }
        }
        precondition(!runbooks.isEmpty, "sample-data/runbooks/ has no runbooks")
        return RunbookIndex(directory: "sample-data/runbooks", runbooks: runbooks)
    }

    /// A demo session run on virtual time for `elapsed`, at the given screen size.
    public static func demoRuntime(at elapsed: Milliseconds, size: Size = Size(width: 120, height: 40),
                                   rules: DemoRules = .pack) -> VirtualRuntime {
        var runtime = VirtualRuntime(state: demoInitialState(size: size, rules: rules), start: demoEpoch,
                                     performer: DemoPerformer(start: demoEpoch))
        runtime.start()
        runtime.send(.resized(size))
        runtime.advance(by: elapsed)
        return runtime
    }

    /// The state a demo session starts from, before its first message.
    public static func demoInitialState(size: Size = Size(width: 120, height: 40), rules: DemoRules = .pack) -> State {
        var state = State(mode: .demo, targets: demoTargets, hasLogSources: true, size: size)
        state.operatorName = "alice"
        state.driftSettings = .demo
        if rules == .pack {
            // A missing or broken pack is a failure the snapshot tests show at once.
            state.ruleGroups = ((try? demoRuleGroups()) ?? []).map { RuleGroupEvaluator(group: $0) }
            precondition(!state.ruleGroups.isEmpty, "sample-data/rules/model-health.yaml did not load")
            let logRulesPath = repositoryRoot.appendingPathComponent("sample-data/rules/log-rules.yaml").path
            let logRules = (try? LogRuleFile.parse(String(contentsOfFile: logRulesPath, encoding: .utf8),
                                                   file: "sample-data/rules/log-rules.yaml")) ?? []
            precondition(!logRules.isEmpty, "sample-data/rules/log-rules.yaml did not load")
            if case .success(let group) = LogRuleFile.ruleGroup(logRules) {
                state.logRules = logRules
                state.logRuleGroup = state.ruleGroups.count
                state.ruleGroups.append(RuleGroupEvaluator(group: group))
            }
            for target in demoTargets { state.logSourceJobs[Fleet.logSource(for: target.name)] = target.name }
            state.runbooks = sampleRunbooks()
        }
        return state
    }
}
