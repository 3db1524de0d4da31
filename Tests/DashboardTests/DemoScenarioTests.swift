import Dashboard
import Models
import Telemetry
import TerminalUI
import TestSupport
import Testing

@Suite struct DemoScenarioTests {
    func model(_ name: String, in state: State) -> ModelState? {
        state.models.values.first { $0.key.name == name }
    }

    @Test func theFleetIsHealthyAt90Seconds() throws {
        let state = Fixtures.demoRuntime(at: .seconds(90)).state
        #expect(state.models.count >= 4)
        #expect(Set(state.models.values.map(\.signals.kind)).count >= 2, "at least two server kinds")
        #expect(state.targetsUp == state.targets.count)
        for model in state.models.values {
            #expect(model.status == .ok, "\(model.key): \(model.status)")
            #expect(model.signals.requestsPerSecond.map { $0 > 1 } == true, "\(model.key) has traffic")
            #expect(model.signals.latencyP99 != nil, "\(model.key) has a p99")
        }
        #expect(state.firingAlerts.isEmpty)
        let fraud = try #require(model("fraud-detector", in: state))
        #expect(fraud.signals.versions == ["3"])
        #expect(fraud.lastDeploy == nil)
    }

    @Test func theDeployDegradesFraudDetectorBy200Seconds() throws {
        let state = Fixtures.demoRuntime(at: .seconds(200)).state
        let fraud = try #require(model("fraud-detector", in: state))
        #expect(fraud.status == .critical)
        #expect(fraud.signals.versions == ["4"])
        #expect(fraud.previousVersion == "3")
        #expect(fraud.lastDeploy != nil)
        #expect((fraud.signals.errorRatio ?? 0) > 0.05)
        // The demo's rule pack is in charge; the built-in rules stay quiet.
        #expect(!state.usesBuiltinRules)
        #expect(state.alerts.isEmpty)
        #expect(state.firingAlerts.contains { $0.name == "ModelLatencyRegression" && $0.model == "fraud-detector" })
        #expect(state.ruleAlerts.contains { $0.name == "ModelErrorRateHigh" && $0.model == "fraud-detector" && $0.severity == .critical })
        #expect(state.ruleErrors.isEmpty, "\(state.ruleErrors)")
        #expect(state.timeline.events.contains { $0.kind == .deploy && $0.summary.contains("version 4") })
        // Worst first: the broken model leads the overview.
        #expect(state.modelsWorstFirst.first?.key.name == "fraud-detector")
        // The others are untouched.
        for other in state.models.values where other.key.name != "fraud-detector" {
            #expect(other.status == .ok, "\(other.key)")
        }
        // Log lines about the incident arrived and were parsed with levels.
        #expect(state.logs.visible.contains { $0.level >= .error && $0.message.contains("CUDA out of memory") })
    }

    @Test func theRulePackFiresTheErrorAlertAndNamesItsRunbook() throws {
        let state = Fixtures.demoRuntime(at: .seconds(200)).state
        let alert = try #require(state.firingAlerts.first { $0.name == "ModelErrorRateHigh" })
        #expect(alert.model == "fraud-detector")
        #expect(alert.job == "triton-a")
        #expect(alert.value > 0.05)
        #expect(alert.runbookURL == "../runbooks/model-error-rate.md")
        #expect(alert.origin == "sample-data/rules/model-health.yaml · group model-health")
        #expect(alert.summary.hasPrefix("fraud-detector errors at "))
        // A GPU alert has no model: it concerns every model on its target.
        let gpu = try #require(state.allAlerts.first { $0.name == "GPUMemoryExhaustionSoon" })
        #expect(gpu.model == nil)
        #expect(state.models.keys.filter { gpu.concerns($0) }.map(\.name).sorted() == ["fraud-detector", "image-embedder"])
    }

    @Test func theInputDriftOnCreditScorerRaisesADriftAlertAndShowsInTheDriftTable() throws {
        let quiet = Fixtures.demoRuntime(at: .seconds(170)).state
        let before = try #require(quiet.drift.first { $0.model == "credit-scorer" && $0.result.labels["feature"] == "debt_to_income" })
        #expect((before.result.statistics?.psi ?? 1) < 0.1, "no drift before the shift at 180 s")
        #expect(!quiet.allAlerts.contains { $0.name == "ModelInputDrift" })

        let state = Fixtures.demoRuntime(at: .seconds(400)).state
        let row = try #require(state.drift.first { $0.model == "credit-scorer" && $0.result.labels["feature"] == "debt_to_income" })
        let stats = try #require(row.result.statistics)
        #expect(stats.psi > 0.25 && stats.psiBand == .significant)
        // The reference is the first two minutes after the model appeared.
        #expect(row.result.referenceWindow?.end == row.result.referenceWindow.map { $0.start + .minutes(2) })
        let alert = try #require(state.firingAlerts.first { $0.name == "ModelInputDrift" })
        #expect(alert.model == "credit-scorer")
        #expect(alert.summary.hasPrefix("credit-scorer feature debt_to_income drifted: PSI 0."), "\(alert.summary)")
        // The statistic is a series in the store, so rules and `query` see it.
        let psi = state.store.series(named: "modelwatch_drift_psi") { $0["feature"] == "debt_to_income" }
        #expect(psi.count == 1)
        // Drift is silent: errors and latency of credit-scorer stay normal, so only the drift
        // alert makes it WARN.
        let credit = try #require(state.models.values.first { $0.key.name == "credit-scorer" })
        #expect(credit.status == .warning)
        #expect(state.timeline.events.contains { $0.summary.hasPrefix("drift on model_input_feature_ratio{feature=debt_to_income}: PSI") })

        // After the revert at 520 s and a window of normal data, the drift ends.
        let after = Fixtures.demoRuntime(at: .seconds(700)).state
        #expect(!after.allAlerts.contains { $0.name == "ModelInputDrift" && $0.state == .firing })
    }

    @Test func theBuiltInRulesRunWhenNoRuleFileIsLoaded() throws {
        let state = Fixtures.demoRuntime(at: .seconds(150), rules: .builtIn).state
        #expect(state.usesBuiltinRules)
        #expect(state.firingAlerts.contains { $0.name == "HighErrorRate" && $0.model == "fraud-detector" })
        #expect(state.alerts.contains { $0.name == "LatencyRegression" && $0.model == "fraud-detector" })
        #expect(state.ruleAlerts.isEmpty)
    }

    @Test func theSameSeedGivesTheSameScreen() throws {
        let theme = try Fixtures.theme("dark")
        let a = View.render(Fixtures.demoRuntime(at: .seconds(150)).state, theme: theme)
        let b = View.render(Fixtures.demoRuntime(at: .seconds(150)).state, theme: theme)
        #expect(a == b)
    }

    // 560 s: the rollback at 400 s, then two minutes without CUDA errors for the log rule.
    @Test func theRollbackRecovers() throws {
        let state = Fixtures.demoRuntime(at: .seconds(560)).state
        let fraud = try #require(model("fraud-detector", in: state))
        #expect(fraud.signals.versions == ["3"])
        #expect(fraud.status != .critical)
        #expect(state.timeline.events.contains { $0.kind == .alertResolved })
    }
}

@Suite struct NavigationTests {
    @Test func theSelectionFollowsTheModelWhenTheOrderChanges() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(60))
        let first = try #require(runtime.state.ui.selectedModel)
        runtime.send(.keyPressed(.down))
        let second = try #require(runtime.state.ui.selectedModel)
        #expect(second != first)
        runtime.advance(by: .seconds(90))  // fraud-detector jumps to the top
        #expect(runtime.state.ui.selectedModel == second)
        let row = try #require(runtime.state.modelsWorstFirst.firstIndex { $0.key == second })
        #expect(runtime.state.ui.overviewTable.selected == row)
    }

    @Test func endHomeAndEnterOpenTheRightModel() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(30))
        runtime.send(.keyPressed(.end))
        let last = try #require(runtime.state.modelsWorstFirst.last?.key)
        #expect(runtime.state.ui.selectedModel == last)
        runtime.send(.keyPressed(.home))
        let first = try #require(runtime.state.modelsWorstFirst.first?.key)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.screen == .model(first))
        runtime.send(.keyPressed(.character("]")))
        #expect(runtime.state.ui.screen == .model(runtime.state.modelsWorstFirst[1].key))
        runtime.send(.keyPressed(.escape))
        #expect(runtime.state.ui.screen == .overview)
    }

    @Test func aClickSelectsARowAndASecondClickOpensIt() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(30), size: Size(width: 120, height: 40))
        let geometry = OverviewScreen.layout(for: runtime.state)
        // A row other than the selected one.
        let row = try #require((0..<runtime.state.models.count).first { runtime.state.modelsWorstFirst[$0].key != runtime.state.ui.selectedModel })
        let thirdRowY = geometry.models.y + 2 + row
        runtime.send(.mouse(MouseEvent(kind: .press, x: 10, y: thirdRowY)))
        let third = runtime.state.modelsWorstFirst[row].key
        #expect(runtime.state.ui.selectedModel == third)
        #expect(runtime.state.ui.screen == .overview)
        runtime.send(.mouse(MouseEvent(kind: .press, x: 10, y: thirdRowY)))
        #expect(runtime.state.ui.screen == .model(third))
        // A click on the border or header does nothing.
        runtime.send(.keyPressed(.escape))
        runtime.send(.mouse(MouseEvent(kind: .press, x: 10, y: geometry.models.y + 1)))
        #expect(runtime.state.ui.selectedModel == third)
    }
}
