import Dashboard
import Incidents
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// From an alert to its runbook and a confirmed command, through `reduce`: what is shown,
/// what must be typed, and which effects (if any) ask for a run.
@Suite struct RunbookPaneTests {
    /// Stands in for `sample-data/runbooks/model-error-rate.md`, which the demo's
    /// ModelErrorRateHigh names in its `runbook_url`, so these tests do not follow edits of the sample.
    static let runbookText = """
    ---
    title: Roll back a failing model
    owner: ml-oncall
    severity: critical
    alerts:
      - alertname: ModelErrorRateHigh
    ---
    # Roll back a failing model

    The model is failing requests. **Roll back first**, then find out why.

    - [ ] Check the deploy markers
    - [x] Page the model owner

    ```sh diagnose
    kubectl -n models get pods -l app={{ $labels.model }}
    ```

    ## Roll back

    ```sh rollback timeout=2m
    kubectl -n models rollout undo deployment/{{ $labels.model }} --to-revision={{ .previous_version }}
    ```

    ```sh mitigate
    echo {{ $annotations.no_such_annotation }}
    ```
    """

    static func index() throws -> RunbookIndex {
        let runbook = try Runbook.parse(text: runbookText, file: "sample-data/runbooks/model-error-rate.md").get()
        let oom = try Runbook.parse(text: "---\ntitle: Out of GPU memory\n---\n- [ ] look\n",
                                    file: "sample-data/runbooks/cuda-out-of-memory.md").get()
        return RunbookIndex(directory: "sample-data/runbooks", runbooks: [runbook, oom])
    }

    /// The demo in its incident (fraud-detector v4 failing, v3 before it), on the alerts screen
    /// with ModelErrorRateHigh selected, and `r` pressed.
    func inRunbook(at elapsed: Milliseconds = .seconds(200), execution: ExecutionPolicy = .run,
                   mode: Mode? = nil) throws -> VirtualRuntime {
        var runtime = Fixtures.demoRuntime(at: elapsed)
        var state = runtime.state
        state.runbooks = try Self.index()
        state.execution = execution
        if let mode { state.mode = mode }
        runtime = VirtualRuntime(state: state, start: runtime.now, performer: DemoPerformer(start: Fixtures.demoEpoch))
        runtime.send(.keyPressed(.character("a")))
        let rows = AlertsScreen.rows(for: runtime.state)
        let index = try #require(rows.firstIndex {
            if case .alert(let a) = $0 { return a.name == "ModelErrorRateHigh" } else { return false }
        })
        for _ in 0..<index { runtime.send(.keyPressed(.character("j"))) }
        runtime.send(.keyPressed(.character("r")))
        try #require(runtime.state.ui.screen == .runbook, "r opens the runbook: \(runtime.state.notice ?? "")")
        return runtime
    }

    func select(_ kind: RunbookCommand.Kind, in runtime: inout VirtualRuntime) throws {
        let runbook = try #require(runtime.state.runbooks.runbooks.first { $0.file.hasSuffix("model-error-rate.md") })
        let items = RunbookViewState.items(of: runbook)
        let target = try #require(items.firstIndex {
            if case .command(let i) = $0 { return runbook.commands[i].kind == kind } else { return false }
        })
        runtime.send(.keyPressed(.home))
        for _ in 0..<target { runtime.send(.keyPressed(.down)) }
        #expect(runtime.state.ui.runbook?.selected == target)
    }

    func send(_ key: Key, _ runtime: inout VirtualRuntime) -> [Effect] {
        var state = runtime.state
        let effects = reduce(&state, .keyPressed(key))
        runtime = VirtualRuntime(state: state, start: runtime.now, performer: DemoPerformer(start: Fixtures.demoEpoch))
        return effects
    }

    func type(_ text: String, _ runtime: inout VirtualRuntime) {
        for c in text { _ = send(.character(c), &runtime) }
    }

    static let expectedRollback =
        "kubectl -n models rollout undo deployment/'fraud-detector' --to-revision='3'"

    @Test func rOpensTheAlertsRunbookThroughItsRunbookURL() throws {
        let runtime = try inRunbook()
        let view = try #require(runtime.state.ui.runbook)
        #expect(view.file == "sample-data/runbooks/model-error-rate.md")
        #expect(view.linkedBy == "its runbook_url")
        #expect(view.subject.labels["model"] == "fraud-detector")
        #expect(runtime.state.timeline.events.last?.kind == .runbook)
        // The cursor starts on the first step not yet done.
        #expect(view.selected == 0)
        let text = PlainTextRenderer.text(View.render(runtime.state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("Runbook · Roll back a failing model"))
        #expect(text.contains("$ " + Self.expectedRollback), "the command shown fully expanded:\n\(text)")
        #expect(text.contains("previous 3"), "what modelwatch knows of the model:\n\(text)")
        #expect(text.contains("✖ no value for {{ $annotations.no_such_annotation }}"), "a command that cannot expand says why")
        #expect(text.contains("[ ] Check the deploy markers"))
        #expect(text.contains("[x] Page the model owner"))
    }

    @Test func stepsAreTickedForTheIncidentAndEnterTheTimeline() throws {
        var runtime = try inRunbook()
        _ = send(.character(" "), &runtime)
        let file = "sample-data/runbooks/model-error-rate.md"
        let line = try #require(runtime.state.runbooks.runbooks.first { $0.file == file }?.checklist.first?.line)
        #expect(runtime.state.runbookTicks[file]?[line] == true)
        #expect(runtime.state.timeline.events.last?.summary.hasPrefix("done: Check the deploy markers") == true)
        _ = send(.character("x"), &runtime)
        #expect(runtime.state.runbookTicks[file]?[line] == false)
        let text = PlainTextRenderer.text(View.render(runtime.state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("[ ] Check the deploy markers"))
    }

    @Test func aRollbackRunsOnlyAfterTheModelNameIsTyped() throws {
        var runtime = try inRunbook()
        try select(.rollback, in: &runtime)
        #expect(send(.enter, &runtime).isEmpty)
        let dialog = try #require(runtime.state.ui.commandConfirmation)
        #expect(dialog.requiredWord == "fraud-detector")
        #expect(dialog.request.command == Self.expectedRollback)
        #expect(dialog.request.timeout == .seconds(120))

        // Enter alone, or a wrong name, runs nothing and says so.
        #expect(send(.enter, &runtime).isEmpty)
        #expect(runtime.state.ui.commandConfirmation?.error == "type fraud-detector to confirm")
        type("fraud-detecto", &runtime)
        #expect(send(.enter, &runtime).isEmpty)
        #expect(runtime.state.ui.commandConfirmation?.error?.contains("nothing was run") == true)
        let screen = PlainTextRenderer.text(View.render(runtime.state, theme: try Fixtures.theme("dark")))
        #expect(screen.contains("Type the model's name, fraud-detector, to confirm:"))
        #expect(screen.contains(Self.expectedRollback), "the dialog shows the exact command")

        type("r", &runtime)
        let effects = send(.enter, &runtime)
        guard case .runCommand(let request)? = effects.first, effects.count == 1 else {
            Issue.record("one run effect expected, got \(effects)")
            return
        }
        #expect(request.command == Self.expectedRollback)
        #expect(request.kind == .rollback)
        #expect(request.user == "alice")
        #expect(request.subject.alertName == "ModelErrorRateHigh")
        #expect(!request.dryRun)
        #expect(runtime.state.ui.commandConfirmation == nil)
        #expect(runtime.state.hasRunningCommand)
        #expect(runtime.state.timeline.events.last?.summary.contains("rollback confirmed by alice") == true)
    }

    @Test func escapeCancelsAndNothingRuns() throws {
        var runtime = try inRunbook()
        try select(.rollback, in: &runtime)
        _ = send(.enter, &runtime)
        type("fraud-detector", &runtime)
        #expect(send(.escape, &runtime).isEmpty)
        #expect(runtime.state.ui.commandConfirmation == nil)
        #expect(runtime.state.commandRuns.isEmpty)
        #expect(runtime.state.notice == "cancelled: nothing was run")
    }

    @Test func aDiagnoseCommandNeedsOnlyEnterInTheDialog() throws {
        var runtime = try inRunbook()
        try select(.diagnose, in: &runtime)
        #expect(send(.enter, &runtime).isEmpty, "the first Enter only opens the dialog")
        #expect(runtime.state.ui.commandConfirmation?.requiredWord == nil)
        let effects = send(.enter, &runtime)
        #expect(effects == [.runCommand(runtime.state.commandRuns.last!.request)])
        #expect(runtime.state.commandRuns.last?.request.command == "kubectl -n models get pods -l app='fraud-detector'")
    }

    @Test func dryRunPolicyAuditsAndNeverRuns() throws {
        var runtime = try inRunbook(execution: .dryRun(reason: "--dry-run"))
        try select(.rollback, in: &runtime)
        _ = send(.enter, &runtime)
        type("fraud-detector", &runtime)
        let effects = send(.enter, &runtime)
        guard case .recordDryRun(let request)? = effects.first, effects.count == 1 else {
            Issue.record("a dry-run record expected, got \(effects)")
            return
        }
        #expect(request.dryRun)
        #expect(!runtime.state.hasRunningCommand)
        #expect(runtime.state.commandRuns.last?.output.contains("  " + Self.expectedRollback) == true)
    }

    @Test func theDryRunKeyNeedsNoConfirmationAndRunsNothing() throws {
        var runtime = try inRunbook()
        try select(.rollback, in: &runtime)
        let effects = send(.character("d"), &runtime)
        guard case .recordDryRun(let request)? = effects.first, effects.count == 1 else {
            Issue.record("a dry-run record expected, got \(effects)")
            return
        }
        #expect(request.command == Self.expectedRollback)
        #expect(runtime.state.ui.commandConfirmation == nil)
    }

    @Test func readOnlyRefusesToOpenTheDialog() throws {
        var runtime = try inRunbook(execution: .readOnly)
        try select(.rollback, in: &runtime)
        #expect(send(.enter, &runtime).isEmpty)
        #expect(runtime.state.ui.commandConfirmation == nil)
        #expect(runtime.state.notice?.contains("read-only") == true)
    }

    @Test func aReplayKeepsTheChoiceAndRunsNothing() throws {
        var runtime = try inRunbook(mode: .replay)
        try select(.rollback, in: &runtime)
        _ = send(.enter, &runtime)
        type("fraud-detector", &runtime)
        #expect(send(.enter, &runtime).isEmpty, "no effect at all: not even a dry-run record")
        #expect(runtime.state.timeline.events.last?.summary.hasPrefix("would run (replay, nothing runs)") == true)
        #expect(runtime.state.commandRuns.isEmpty)
    }

    @Test func copyPutsTheExpandedCommandOnTheClipboard() throws {
        var runtime = try inRunbook()
        try select(.rollback, in: &runtime)
        #expect(send(.character("y"), &runtime) == [.copyToClipboard(Self.expectedRollback)])
    }

    @Test func outputAndOutcomeArriveAsMessagesAndCtrlCCancels() throws {
        var runtime = try inRunbook()
        try select(.diagnose, in: &runtime)
        _ = send(.enter, &runtime)
        _ = send(.enter, &runtime)
        let runID = try #require(runtime.state.commandRuns.last?.request.runID)
        #expect(send(.character("q"), &runtime).isEmpty, "q does not leave a command running behind")
        #expect(runtime.state.notice?.contains("Ctrl-C cancels it") == true)
        #expect(send(.ctrl("c"), &runtime) == [.cancelCommand(runID: runID)])

        var state = runtime.state
        _ = reduce(&state, .commandOutput(runID: runID, lines: ["NAME READY", "fraud-detector-7c9 1/1 \u{1B}[31m"], at: state.now))
        _ = reduce(&state, .commandFinished(runID: runID, ending: .cancelled, duration: .milliseconds(1_250),
                                            auditProblem: nil, at: state.now))
        #expect(state.commandRuns.last?.ending == .cancelled)
        #expect(!state.hasRunningCommand)
        let text = PlainTextRenderer.text(View.render(state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("NAME READY"))
        #expect(text.contains("cancelled · 1.25s"), "outcome and duration shown:\n\(text)")
        #expect(!text.contains("\u{1B}"), "escape sequences in output never reach the terminal")
        #expect(state.timeline.events.last?.summary.hasPrefix("diagnose cancelled after 1.25s") == true)
        // With nothing running, Ctrl-C ends the session as before.
        #expect(reduce(&state, .keyPressed(.ctrl("c"))) == [.quit])
    }

    @Test func virtualTimeNeverRunsACommand() throws {
        var runtime = try inRunbook()
        try select(.diagnose, in: &runtime)
        runtime.send(.keyPressed(.enter))
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.commandRuns.last?.ending == .failedToStart("commands never run on virtual time"))
    }

    @Test func anAlertWithoutARunbookSaysSoPlainly() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        var state = runtime.state
        state.runbooks = RunbookIndex(directory: "sample-data/runbooks", runbooks: [])
        runtime = VirtualRuntime(state: state, start: runtime.now, performer: DemoPerformer(start: Fixtures.demoEpoch))
        runtime.send(.keyPressed(.character("a")))
        runtime.send(.keyPressed(.character("r")))
        #expect(runtime.state.ui.screen == .alerts)
        #expect(runtime.state.notice?.contains("not a loaded runbook") == true || runtime.state.notice?.hasPrefix("no runbook") == true,
                "\(runtime.state.notice ?? "no notice")")
    }

    @Test func aRunbookThatFailedToLoadSaysWhyWhenItsAlertAsksForIt() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        var state = runtime.state
        state.runbooks = RunbookIndex(directory: "sample-data/runbooks", runbooks: [])
        state.runbookProblems = [RunbookError(file: "sample-data/runbooks/model-error-rate.md", line: 3, column: 8,
                                              kind: .badFrontMatter, message: "front matter is not YAML: found a tab")]
        runtime = VirtualRuntime(state: state, start: runtime.now, performer: DemoPerformer(start: Fixtures.demoEpoch))
        runtime.send(.keyPressed(.character("a")))
        let rows = AlertsScreen.rows(for: runtime.state)
        let index = try #require(rows.firstIndex {
            if case .alert(let a) = $0 { return a.name == "ModelErrorRateHigh" } else { return false }
        })
        for _ in 0..<index { runtime.send(.keyPressed(.character("j"))) }
        runtime.send(.keyPressed(.character("r")))
        #expect(runtime.state.ui.screen == .alerts)
        #expect(runtime.state.notice == "ModelErrorRateHigh's runbook could not be read: "
                + "sample-data/runbooks/model-error-rate.md:3:8: front matter is not YAML: found a tab")
    }

    @Test func fromTheModelViewROpensTheMostUrgentAlertsRunbook() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        var state = runtime.state
        state.runbooks = try Self.index()
        state.ui.screen = .model(state.models.keys.first { $0.name == "fraud-detector" }!)
        runtime = VirtualRuntime(state: state, start: runtime.now, performer: DemoPerformer(start: Fixtures.demoEpoch))
        runtime.send(.keyPressed(.character("r")))
        // fraud-detector's most urgent alert (critical, then by name) is the log rule's
        // ModelCUDAOutOfMemory, whose runbook_url names cuda-out-of-memory.md.
        #expect(runtime.state.ui.screen == .runbook, "\(runtime.state.notice ?? "")")
        #expect(runtime.state.ui.runbook?.subject.model == "fraud-detector")
        #expect(runtime.state.ui.runbook?.subject.alertName == "ModelCUDAOutOfMemory")
        #expect(runtime.state.ui.runbook?.file == "sample-data/runbooks/cuda-out-of-memory.md")
        runtime.send(.keyPressed(.escape))
        #expect(runtime.state.ui.screen == state.ui.screen, "Esc goes back to the model view")
    }

    @Test func runbookPaneSnapshot() throws {
        var runtime = try inRunbook()
        try select(.rollback, in: &runtime)
        assertSnapshot(View.render(runtime.state, theme: try Fixtures.theme("dark")), named: "runbook-120x40")
        _ = send(.enter, &runtime)
        type("fraud", &runtime)
        assertSnapshot(View.render(runtime.state, theme: try Fixtures.theme("dark")), named: "runbook-confirm-120x40")
    }
}
