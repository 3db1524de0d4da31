import Dashboard
import Incidents
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// A trainee replays an incident the on-call engineer handled (acknowledged, opened the
/// runbook, confirmed the rollback) and is scored against what was done.
@Suite struct TrainingScoreTests {
    /// On the alerts screen with ModelErrorRateHigh selected: acknowledge it, open its runbook,
    /// and confirm the runbook's `kind` command (typing the model's name when asked).
    static func handle(kind: RunbookCommand.Kind, state: () -> State, send: (Key) -> Void) throws {
        send(.character("a"))
        let rows = AlertsScreen.rows(for: state())
        let index = try #require(rows.firstIndex {
            if case .alert(let a) = $0 { return a.name == "ModelErrorRateHigh" } else { return false }
        })
        for _ in 0..<index { send(.character("j")) }
        send(.character("a"))
        send(.character("r"))
        let file = try #require(state().ui.runbook?.file)
        let runbook = try #require(state().runbooks.runbooks.first { $0.file == file })
        let item = try #require(RunbookViewState.items(of: runbook).firstIndex {
            if case .command(let i) = $0 { return runbook.commands[i].kind == kind } else { return false }
        })
        send(.home)
        for _ in 0..<item { send(.down) }
        send(.enter)
        for c in state().ui.commandConfirmation?.requiredWord ?? "" { send(.character(c)) }
        send(.enter)
    }

    static let recorded: [RecordedMsg] = {
        var original = Fixtures.demoRuntime(at: .seconds(200))
        try? handle(kind: .rollback, state: { original.state }, send: { original.send(.keyPressed($0)) })
        original.advance(by: .seconds(60))
        return original.recorded
    }()

    func trainee(choosing kind: RunbookCommand.Kind, wait: Milliseconds) throws -> TrainingScore {
        var replay = ReplaySession(recording: Self.recorded, initial: Fixtures.demoInitialState(), training: true)
        replay.advance(realElapsed: .seconds(200) + wait)
        try Self.handle(kind: kind, state: { replay.state }, send: { replay.handleViewerKey($0) })
        #expect(replay.state.commandRuns.isEmpty, "nothing runs in training")
        return replay.score
    }

    @Test func theSameDecisionsScoreAsTheSame() throws {
        let score = try trainee(choosing: .rollback, wait: .seconds(10))
        let first = try #require(score.firstFiring)
        #expect(first.summary.hasPrefix("ModelLatencyRegression firing"), "\(first.summary)")
        #expect(score.acknowledgedAfter == Fixtures.demoEpoch + .seconds(210) - first.time)
        #expect(score.expectedRunbook == "A model is failing requests")
        #expect(score.runbookAfter == score.acknowledgedAfter)
        #expect(score.expectedCommand?.hasPrefix("kubectl -n models set image deployment/'fraud-detector'") == true, "\(score)")
        #expect(score.commandMatches == true)
        #expect(score.report.contains("mitigation: the same command as the one that was run"), "\(score.report)")
    }

    @Test func anotherMitigationIsToldApart() throws {
        let score = try trainee(choosing: .mitigate, wait: Milliseconds(0))
        #expect(score.commandMatches == false)
        #expect(score.report.contains("but kubectl -n models set image"), "\(score.report)")
    }

    @Test func aTraineeWhoDoesNothingIsToldSo() {
        var replay = ReplaySession(recording: Self.recorded, initial: Fixtures.demoInitialState(), training: true)
        replay.advance(realElapsed: .minutes(5))
        let report = replay.score.report
        #expect(report.contains("acknowledged: never"))
        #expect(report.contains("never opened"))
        #expect(report.contains("none chosen;"))
    }
}

@Suite struct FacilitatorNoteTests {
    @Test func notesAppearAtTheirTimeAndPause() throws {
        let start = Fixtures.demoEpoch
        let notes = try ReplaySession.parseNotes("# for the trainee\n+2m look at the p99 chart\n03:04 what would you roll back?\n", start: start).get()
        #expect(notes.map(\.time) == [start + .minutes(2), start + .minutes(4)])
        var replay = ReplaySession(recording: TrainingScoreTests.recorded, initial: Fixtures.demoInitialState(), training: true, notes: notes)
        replay.advance(realElapsed: .seconds(150))
        #expect(!replay.playing, "a note pauses the replay")
        #expect(replay.state.timeline.events.contains { $0.summary == "facilitator: look at the p99 chart" && $0.time == start + .minutes(2) })
        #expect(replay.state.notice?.hasPrefix("facilitator: look at the p99 chart") == true)
        #expect(!replay.state.timeline.events.contains { $0.summary.contains("what would you roll back") })
        replay.handleViewerKey(.character(" "))
        replay.advance(realElapsed: .minutes(4))
        #expect(replay.state.timeline.events.contains { $0.summary == "facilitator: what would you roll back?" })
    }

    @Test func aBadLineIsNamed() {
        guard case .failure(let error) = ReplaySession.parseNotes("+1m ok\nsoon: hurry\n", start: Fixtures.demoEpoch) else {
            Issue.record("accepted a bad line")
            return
        }
        #expect(error.line == 2)
    }
}
