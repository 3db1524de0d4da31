import Dashboard
import Incidents
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// The headless prints of a replayed session: transitions, timeline, Markdown, summary.
@Suite struct ReplayReportTests {
    /// The demo's first 8 minutes with a note, a severity and an acknowledgement in them.
    static let session: (recorded: [RecordedMsg], state: State) = {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        for c in ":sev 2" { runtime.send(.keyPressed(.character(c))) }
        runtime.send(.keyPressed(.enter))
        runtime.send(.keyPressed(.character("n")))
        for c in "rolled back *v4* <now> | then what" { runtime.send(.keyPressed(.character(c))) }
        runtime.send(.keyPressed(.enter))
        runtime.send(.keyPressed(.character("a")))
        runtime.send(.keyPressed(.character("a")))
        runtime.advance(by: .seconds(280))
        return (runtime.recorded, runtime.state)
    }()

    func replayed() -> ReplaySession {
        var replay = ReplaySession(recording: Self.session.recorded, initial: Fixtures.demoInitialState())
        replay.seek(to: replay.end)
        return replay
    }

    @Test func alertsListsEveryTransitionInOrder() {
        let replay = replayed()
        let text = ReplayReport.alerts(replay.state, start: replay.start)
        let lines = text.split(separator: "\n")
        #expect(lines.count == Self.session.state.timeline.events.filter { [.alertPending, .alertFiring, .alertResolved].contains($0.kind) }.count)
        #expect(lines.contains { $0.hasPrefix("03:0") && $0.contains("FIRING") && $0.contains("ModelErrorRateHigh firing") }, "\(text)")
        let times = lines.map { $0.prefix(9) }
        #expect(times == times.sorted(), "in time order")
    }

    @Test func markdownHasTheSummaryAndAnEscapedTable() {
        let replay = replayed()
        let md = ReplayReport.markdown(replay.state, start: replay.start, end: replay.end, title: "fraud-detector v4 | errors")
        #expect(md.hasPrefix("# fraud-detector v4 \\| errors\n"))
        #expect(md.contains("- Severity: SEV2\n"))
        #expect(md.contains("- Alerts that fired: "))
        #expect(md.contains("`ModelErrorRateHigh`"))
        #expect(md.contains("| time (UTC) | since start | event | model | what happened |"))
        #expect(md.contains("note by alice: rolled back \\*v4\\* \\<now\\> \\| then what"), "markup in a note is escaped:\n\(md)")
        #expect(md.contains("| ack | "), "the acknowledgement is in the table")
        // Every table row has exactly the table's five cells (no stray `|`).
        for row in md.split(separator: "\n") where row.hasPrefix("| ") {
            let unescaped = row.replacingOccurrences(of: "\\|", with: "")
            #expect(unescaped.filter { $0 == "|" }.count == 6, "\(row)")
        }
    }

    @Test func summaryCountsWhatHappened() {
        let replay = replayed()
        let text = ReplayReport.summary(replay.state, start: replay.start, end: replay.end, messages: replay.recording.count)
        #expect(text.contains("recorded: 2026-11-29 03:00:00Z to 2026-11-29 03:08:00Z (8m00s)"), "\(text)")
        #expect(text.contains("operator: 2 acknowledgement events"), "taken, then ended when the alert resolved")
        #expect(text.contains("severity: SEV2"))
    }
}
