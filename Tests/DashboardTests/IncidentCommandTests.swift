import Dashboard
import Incidents
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// The incident commander's keys: `n` adds a note, `:` runs `sev`, `incident start|end`, `note`.
@Suite struct IncidentCommandTests {
    func type(_ text: String, _ runtime: inout VirtualRuntime) {
        for c in text { runtime.send(.keyPressed(.character(c))) }
    }

    @Test func aNoteEntersTheTimelineWithWhoWroteIt() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        runtime.send(.keyPressed(.character("n")))
        #expect(runtime.state.ui.textPrompt?.purpose == .note)
        type("rolled back fraud-detector to 3", &runtime)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.textPrompt == nil)
        let last = try #require(runtime.state.timeline.events.last)
        #expect(last.kind == .note)
        #expect(last.summary == "note by alice: rolled back fraud-detector to 3")
        #expect(last.time == runtime.state.now)
    }

    @Test func anEmptyNoteIsRefusedAndEscapeCancels() {
        var runtime = Fixtures.demoRuntime(at: .seconds(10))
        let before = runtime.state.timeline.events.count
        runtime.send(.keyPressed(.character("n")))
        type("   ", &runtime)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.textPrompt?.error == "a note needs some text")
        runtime.send(.keyPressed(.escape))
        #expect(runtime.state.ui.textPrompt == nil)
        #expect(runtime.state.timeline.events.count == before)
    }

    @Test func severityAndTheIncidentClock() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        runtime.send(.keyPressed(.character(":")))
        type("sev 2", &runtime)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.incident.severity == 2)
        #expect(runtime.state.incident.startedAt == runtime.state.now, "setting a severity starts the clock")
        #expect(runtime.state.timeline.events.last?.summary == "severity SEV2 set by alice")
        runtime.advance(by: .seconds(90))
        let header = PlainTextRenderer.text(View.render(runtime.state, theme: try Fixtures.theme("dark"))).split(separator: "\n")[0]
        #expect(header.contains("SEV2 · incident 1m30s"), "\(header)")

        runtime.send(.keyPressed(.character(":")))
        type("sev 1", &runtime)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.timeline.events.last?.summary == "severity from SEV2 to SEV1 set by alice")

        runtime.send(.keyPressed(.character(":")))
        type("incident end", &runtime)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.incident.endedAt == runtime.state.now)
        #expect(runtime.state.timeline.events.last?.summary == "incident closed by alice after 1m30s")
    }

    @Test func badCommandsSayWhatIsKnown() {
        var runtime = Fixtures.demoRuntime(at: .seconds(10))
        for (line, error) in [("sev 5", "sev takes 1, 2, 3 or 4"), ("incident", "incident start or incident end"),
                              ("rollback", "unknown command 'rollback': commands: note TEXT · sev 1-4 · incident start · incident end"),
                              ("incident end", "no incident clock is running")] {
            runtime.send(.keyPressed(.character(":")))
            type(line, &runtime)
            runtime.send(.keyPressed(.enter))
            #expect(runtime.state.ui.textPrompt?.error == error, "\(line)")
            runtime.send(.keyPressed(.escape))
        }
        #expect(runtime.state.incident == IncidentState())
    }

    @Test func onTheLogsScreenNStillFindsTheNextMatch() {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        runtime.send(.keyPressed(.character("l")))
        runtime.send(.keyPressed(.character("n")))
        #expect(runtime.state.ui.textPrompt == nil)
    }
}
