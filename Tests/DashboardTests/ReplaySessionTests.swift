import Dashboard
import Incidents
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// Replaying a recorded session through the same `reduce`: same transitions at the same
/// recorded times, same screen at the same moment, seeking both ways, and nothing runs.
@Suite struct ReplaySessionTests {
    static let size = Size(width: 120, height: 40)

    /// The demo's first 12 minutes (the fraud-detector incident and its rollback, the drift, the
    /// canary), as the live session folded them.
    static let live: (recorded: [RecordedMsg], state: State) = {
        let runtime = Fixtures.demoRuntime(at: .minutes(12), size: size)
        return (runtime.recorded, runtime.state)
    }()

    func transitions(_ state: State) -> [String] {
        state.timeline.events
            .filter { [.alertPending, .alertFiring, .alertResolved, .deploy].contains($0.kind) }
            .map { "\($0.time.milliseconds) \($0.kind) \($0.summary)" }
    }

    func session(training: Bool = false) -> ReplaySession {
        ReplaySession(recording: Self.live.recorded, initial: Fixtures.demoInitialState(size: Self.size), training: training)
    }

    @Test func theSameTransitionsAtTheSameRecordedTimes() {
        var replay = session()
        #expect(replay.marks.count > 10, "the incident has transitions to jump to: \(replay.marks.count)")
        replay.seek(to: replay.end)
        let expected = transitions(Self.live.state)
        #expect(!expected.isEmpty)
        #expect(transitions(replay.state) == expected)
        #expect(replay.finished)
    }

    @Test func theSameScreenAtTheSameMoment() throws {
        let theme = try Fixtures.theme("dark")
        for seconds in [130, 200, 400] as [Int64] {
            let live = Fixtures.demoRuntime(at: .seconds(seconds), size: Self.size)
            var replay = session()
            replay.seek(to: Fixtures.demoEpoch + .seconds(seconds))
            #expect(PlainTextRenderer.text(View.render(replay.state, theme: theme))
                    == PlainTextRenderer.text(View.render(live.state, theme: theme)), "at +\(seconds)s")
        }
    }

    @Test func seekingBackAndForthGivesTheSameState() {
        var replay = session()
        replay.seek(to: Fixtures.demoEpoch + .minutes(9))
        let forward = transitions(replay.state)
        replay.seek(to: Fixtures.demoEpoch + .minutes(2))
        #expect(transitions(replay.state).count < forward.count)
        #expect(replay.state.timeline.events.allSatisfy { $0.time <= Fixtures.demoEpoch + .minutes(2) })
        replay.seek(to: Fixtures.demoEpoch + .minutes(9))
        #expect(transitions(replay.state) == forward)
    }

    @Test func playingMovesAtItsSpeedAndStops() {
        var replay = session()
        replay.advance(realElapsed: .seconds(10))
        #expect(replay.position == replay.start + .seconds(10))
        for _ in 0..<5 { replay.handleViewerKey(.character(">")) }
        #expect(replay.speed == 60)
        replay.advance(realElapsed: .seconds(2))
        #expect(replay.position == replay.start + .seconds(130))
        replay.handleViewerKey(.character(" "))
        #expect(!replay.playing)
        replay.advance(realElapsed: .seconds(10))
        #expect(replay.position == replay.start + .seconds(130), "paused")
        replay.handleViewerKey(.character(" "))
        for _ in 0..<10 { replay.handleViewerKey(.character(">")) }
        #expect(replay.speed == 600)
        replay.advance(realElapsed: .minutes(5))
        #expect(replay.finished && !replay.playing && replay.position == replay.end)
    }

    @Test func jumpsAndGoto() throws {
        var replay = session()
        replay.playing = false
        replay.handleViewerKey(.character("}"))
        let first = try #require(replay.marks.first)
        #expect(replay.position == first.time)
        replay.handleViewerKey(.character("}"))
        #expect(replay.position > first.time)
        replay.handleViewerKey(.character("{"))
        #expect(replay.position == first.time)

        replay.handleViewerKey(.character(":"))
        for c in "goto +5m" { replay.handleViewerKey(.character(c)) }
        replay.handleViewerKey(.enter)
        #expect(replay.position == first.time + .minutes(5))
        #expect(replay.state.ui.textPrompt == nil)

        replay.handleViewerKey(.character(":"))
        for c in "goto 03:04:00" { replay.handleViewerKey(.character(c)) }
        replay.handleViewerKey(.enter)
        #expect(Format.clock(replay.position) == "03:04:00")

        replay.handleViewerKey(.character(":"))
        for c in "goto soon" { replay.handleViewerKey(.character(c)) }
        replay.handleViewerKey(.enter)
        #expect(replay.state.ui.textPrompt?.error?.hasPrefix("goto 14:32") == true)
    }

    @Test func gotoParsesClockTimesAndOffsets() {
        let start = Fixtures.demoEpoch  // 03:00:00Z
        #expect(ReplaySession.parseGoto("03:10", now: start, start: start) == start + .minutes(10))
        #expect(ReplaySession.parseGoto("+90s", now: start + .minutes(1), start: start) == start + .seconds(150))
        #expect(ReplaySession.parseGoto("-1m", now: start + .minutes(1), start: start) == start)
        // Earlier on the clock than the start: the next day.
        #expect(ReplaySession.parseGoto("02:00", now: start, start: start) == start + .minutes(23 * 60))
        for bad in ["25:00", "3", "03:61", "+soon", "x:y"] { #expect(ReplaySession.parseGoto(bad, now: start, start: start) == nil, "\(bad)") }
    }

    @Test func theViewerCommandsNeverRun() throws {
        var replay = session()
        replay.seek(to: Fixtures.demoEpoch + .seconds(200))
        replay.handleViewerKey(.character("a"))
        #expect(replay.state.ui.screen == .alerts)
        replay.handleViewerKey(.character("r"))
        #expect(replay.state.ui.screen == .runbook, "\(replay.state.notice ?? "")")
        let file = try #require(replay.state.ui.runbook?.file)
        let runbook = try #require(replay.state.runbooks.runbooks.first { $0.file == file })
        let command = try #require(RunbookViewState.items(of: runbook).firstIndex {
            if case .command = $0 { return true } else { return false }
        })
        replay.handleViewerKey(.home)
        for _ in 0..<command { replay.handleViewerKey(.down) }
        replay.handleViewerKey(.enter)
        let dialog = try #require(replay.state.ui.commandConfirmation, "\(replay.state.notice ?? "")")
        for c in dialog.requiredWord ?? "" { replay.handleViewerKey(.character(c)) }
        replay.handleViewerKey(.enter)
        #expect(replay.state.commandRuns.isEmpty)
        #expect(replay.state.timeline.events.last?.summary.hasPrefix("would run (replay, nothing runs)") == true)
        #expect(replay.state.mode == .demo, "the recorded session's mode is kept for what it recorded")
    }

    @Test func trainingHidesWhatComesNextAndTheOperatorsKeys() {
        var original = Fixtures.demoRuntime(at: .seconds(150), size: Self.size)
        original.send(.keyPressed(.character("a")))
        original.advance(by: .minutes(2))
        var replay = ReplaySession(recording: original.recorded, initial: Fixtures.demoInitialState(size: Self.size), training: true)
        replay.seek(to: replay.end)
        #expect(replay.state.ui.screen == .overview, "the recorded operator's keys are not folded in training")
        #expect(replay.position == replay.start, "training: no seeking past the furthest moment reached")
        replay.advance(realElapsed: .seconds(60))
        #expect(replay.mark(after: replay.position) == nil)
        replay.handleViewerKey(.character("}"))
        #expect(replay.position == replay.start + .seconds(60))
        replay.handleViewerKey(.character("{"))
        #expect(replay.position < replay.start + .seconds(60) || replay.marks.allSatisfy { $0.time >= replay.start + .seconds(60) })
    }

    @Test func theViewShowsReplayAndTheRecordedTime() throws {
        var replay = session()
        replay.seek(to: Fixtures.demoEpoch + .seconds(200))
        let text = PlainTextRenderer.text(replay.view(size: Self.size, theme: try Fixtures.theme("dark")))
        let rows = text.split(separator: "\n")
        #expect(rows[0].contains("REPLAY"))
        #expect(rows[1].contains("REPLAY 2026-11-29 03:03:20Z · 3m20s of 12m00s · ▶ 1x · nothing runs"), "\(rows[1])")
    }
}
