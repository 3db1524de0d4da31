import Dashboard
import Incidents
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// Acknowledging and silencing alerts from the alerts screen, and how both end.
@Suite struct AlertActionTests {
    /// The demo in its incident, on the alerts screen, with the first row (the critical
    /// ModelErrorRateHigh) selected.
    /// The demo in its incident, on the alerts screen, with the critical ModelErrorRateHigh
    /// selected (j moves down to it).
    func onAlertsScreen(at elapsed: Milliseconds = .seconds(200)) throws -> VirtualRuntime {
        var runtime = Fixtures.demoRuntime(at: elapsed)
        runtime.send(.keyPressed(.character("a")))
        #expect(runtime.state.ui.screen == .alerts)
        let rows = AlertsScreen.rows(for: runtime.state)
        let index = try #require(rows.firstIndex {
            if case .alert(let a) = $0 { return a.name == "ModelErrorRateHigh" } else { return false }
        })
        for _ in 0..<index { runtime.send(.keyPressed(.character("j"))) }
        guard case .alert(let selected)? = AlertsScreen.selectedRow(in: runtime.state), selected.name == "ModelErrorRateHigh" else {
            Issue.record("ModelErrorRateHigh not selected")
            throw CancellationError()
        }
        return runtime
    }

    func type(_ text: String, into runtime: inout VirtualRuntime) {
        for c in text { runtime.send(.keyPressed(.character(c))) }
    }

    @Test func rowsAreGroupedBySeverityThenModel() throws {
        let runtime = try onAlertsScreen()
        let alerts = AlertsScreen.rows(for: runtime.state).compactMap { row -> HealthAlert? in
            if case .alert(let a) = row { return a } else { return nil }
        }
        #expect(alerts.count == runtime.state.allAlerts.count)
        let severities = alerts.map(\.severity)
        #expect(severities == severities.sorted(by: >), "worst severity first: \(severities)")
        // Within a severity, models in order, target-wide alerts (no model) after them.
        for severity in Set(severities) {
            let models = alerts.filter { $0.severity == severity }.map { $0.model ?? "\u{10FFFF}" }
            #expect(models == models.sorted())
        }
        let text = PlainTextRenderer.text(View.render(runtime.state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("critical ✖ FIRING  ModelCUDAOutOfMemory"), "the group's first row carries the severity")
        #expect(text.contains("         ✖ FIRING  ModelErrorRateHigh"))
        #expect(text.contains("A model is failing requests (sample-data/runbooks/model-error-rate.md) · r opens it"),
                "the selected alert's runbook in the detail pane")
    }

    @Test func anAcknowledgementSaysWhoAndWhenAndEndsWhenTheAlertResolves() throws {
        var runtime = try onAlertsScreen()
        let now = runtime.state.now
        runtime.send(.keyPressed(.character("a")))
        let alert = try #require(runtime.state.firingAlerts.first { $0.name == "ModelErrorRateHigh" })
        let ack = try #require(runtime.state.acknowledgement(for: alert))
        #expect(ack.by == "alice")
        #expect(ack.at == now)
        #expect(runtime.state.timeline.events.last?.kind == .acknowledged)
        #expect(runtime.state.timeline.events.last?.summary == "ModelErrorRateHigh on fraud-detector acknowledged by alice")
        let theme = try Fixtures.theme("dark")
        #expect(PlainTextRenderer.text(View.render(runtime.state, theme: theme)).contains("✔ alice"))
        // A second `a` does not take it over or duplicate it.
        runtime.send(.keyPressed(.character("a")))
        #expect(runtime.state.timeline.events.filter { $0.kind == .acknowledged }.count == 1)
        #expect(runtime.state.notice?.contains("already acknowledged by alice") == true)

        // The rollback at 400 s resolves the alert; the acknowledgement goes with it.
        runtime.advance(by: .seconds(330))
        #expect(!runtime.state.allAlerts.contains { $0.identity == alert.identity })
        #expect(runtime.state.acknowledgements.isEmpty)
        #expect(runtime.state.timeline.events.contains {
            $0.kind == .acknowledged && $0.summary == "ModelErrorRateHigh resolved; acknowledgement by alice ends"
        })
    }

    @Test func undoTakesAnAcknowledgementBack() throws {
        var runtime = try onAlertsScreen()
        runtime.send(.keyPressed(.character("a")))
        #expect(runtime.state.acknowledgements.count == 1)
        runtime.send(.keyPressed(.character("u")))
        #expect(runtime.state.acknowledgements.isEmpty)
        #expect(runtime.state.timeline.events.last?.summary.contains("acknowledgement taken back by alice") == true)
        runtime.send(.keyPressed(.character("u")))
        #expect(runtime.state.notice?.contains("neither acknowledged nor silenced") == true)
    }

    @Test func aSilenceNeedsAValidDurationAndAReason() throws {
        var runtime = try onAlertsScreen()
        runtime.send(.keyPressed(.character("s")))
        var form = try #require(runtime.state.ui.silenceForm)
        #expect(form.matchers["alertname"] == "ModelErrorRateHigh")
        #expect(form.matchers["model"] == "fraud-detector")
        #expect(form.focus == .reason)
        // Keys go to the dialog: `q` is typed, it does not quit.
        runtime.send(.keyPressed(.enter))
        form = try #require(runtime.state.ui.silenceForm)
        #expect(form.error?.contains("give a reason") == true)
        type("q", into: &runtime)
        #expect(!runtime.state.quitting)
        #expect(runtime.state.ui.silenceForm?.reason == "q")
        runtime.send(.keyPressed(.backspace))
        type("rollback to v3 in progress", into: &runtime)
        runtime.send(.keyPressed(.tab))
        #expect(runtime.state.ui.silenceForm?.focus == .duration)
        runtime.send(.keyPressed(.ctrl("u")))
        type("soon", into: &runtime)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.silenceForm?.error?.contains("not like 30m") == true)
        runtime.send(.keyPressed(.ctrl("u")))
        type("60d", into: &runtime)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.silenceForm?.error?.contains("at most 30d") == true)
        #expect(runtime.state.silences.isEmpty)
        runtime.send(.keyPressed(.ctrl("u")))
        type("30m", into: &runtime)
        let now = runtime.state.now
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.silenceForm == nil)
        let silence = try #require(runtime.state.silences.first)
        #expect(silence.reason == "rollback to v3 in progress")
        #expect(silence.createdBy == "alice")
        #expect(silence.endsAt == now + .minutes(30))
        #expect(runtime.state.timeline.events.last?.summary
                == "ModelErrorRateHigh silenced for 30m00s by alice: rollback to v3 in progress")
    }

    @Test func escapeCancelsTheDialogWithoutSilencing() throws {
        var runtime = try onAlertsScreen()
        runtime.send(.keyPressed(.character("s")))
        type("because", into: &runtime)
        runtime.send(.keyPressed(.escape))
        #expect(runtime.state.ui.silenceForm == nil)
        #expect(runtime.state.silences.isEmpty)
        #expect(runtime.state.ui.screen == .alerts, "Esc closed the dialog, not the screen")
    }

    func silenceFirstAlert(_ runtime: inout VirtualRuntime, for duration: String) {
        runtime.send(.keyPressed(.character("s")))
        type("known: rollback running", into: &runtime)
        runtime.send(.keyPressed(.tab))
        runtime.send(.keyPressed(.ctrl("u")))
        type(duration, into: &runtime)
        runtime.send(.keyPressed(.enter))
    }

    @Test func aSilencedAlertIsMutedListedLastAndNotCountedAsFiring() throws {
        var runtime = try onAlertsScreen()
        let firingBefore = runtime.state.firingAlerts.count
        silenceFirstAlert(&runtime, for: "10m")
        let rows = AlertsScreen.rows(for: runtime.state)
        // The silenced alert moved after the loud ones; the silence itself is the last row.
        guard case .silence(let silence)? = rows.last, case .alert(let muted)? = rows.dropLast().last else {
            Issue.record("rows: \(rows)")
            return
        }
        #expect(muted.name == "ModelErrorRateHigh")
        #expect(silence.matches(muted))
        let text = PlainTextRenderer.text(View.render(runtime.state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("✖ \(firingBefore - 1) firing"), "the header leaves the silenced alert out")
        #expect(text.contains("1 silenced"))
        #expect(text.contains("◌ 10m00s left"))
        // The selection stayed on the alert that moved.
        guard case .alert(let selected)? = AlertsScreen.selectedRow(in: runtime.state) else {
            Issue.record("nothing selected")
            return
        }
        #expect(selected.identity == muted.identity)
        // Model status still tells the truth: silencing does not make a broken model OK.
        #expect(runtime.state.models.values.first { $0.key.name == "fraud-detector" }?.status == .critical)
    }

    @Test func aSilenceExpiresOnTimeAndUndoEndsOneEarly() throws {
        var runtime = try onAlertsScreen()
        silenceFirstAlert(&runtime, for: "1m")
        let endsAt = try #require(runtime.state.silences.first?.endsAt)
        runtime.advance(by: .seconds(59))
        #expect(runtime.state.silences.count == 1)
        runtime.advance(by: .seconds(2))
        #expect(runtime.state.silences.isEmpty)
        let expired = try #require(runtime.state.timeline.events.last { $0.kind == .silenced })
        #expect(expired.summary == "silence of ModelErrorRateHigh by alice expired")
        #expect(expired.time == endsAt)

        // Silence again (the selection is still on ModelErrorRateHigh); `u` on the alert ends it at once.
        guard case .alert(let again)? = AlertsScreen.selectedRow(in: runtime.state), again.name == "ModelErrorRateHigh" else {
            Issue.record("the selection left ModelErrorRateHigh")
            return
        }
        silenceFirstAlert(&runtime, for: "2h")
        #expect(runtime.state.silences.count == 1)
        let rows = AlertsScreen.rows(for: runtime.state)
        let mutedRow = try #require(rows.firstIndex {
            if case .alert(let a) = $0 { return a.name == "ModelErrorRateHigh" } else { return false }
        })
        #expect(AlertsScreen.selectedRow(in: runtime.state) == rows[mutedRow], "the selection followed the silenced alert")
        runtime.send(.keyPressed(.character("u")))
        #expect(runtime.state.silences.isEmpty)
        #expect(runtime.state.timeline.events.last?.summary == "silence of ModelErrorRateHigh ended early by alice")
    }

    @Test func enterOpensTheAlertsModel() throws {
        var runtime = try onAlertsScreen()
        runtime.send(.keyPressed(.enter))
        guard case .model(let key) = runtime.state.ui.screen else {
            Issue.record("screen \(runtime.state.ui.screen)")
            return
        }
        #expect(key.name == "fraud-detector")
    }

    @Test func withNoAlertsTheKeysExplainThemselves() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(60))
        runtime.send(.keyPressed(.character("a")))
        #expect(AlertsScreen.rows(for: runtime.state).isEmpty)
        runtime.send(.keyPressed(.character("a")))
        #expect(runtime.state.notice == "no alert selected")
        runtime.send(.keyPressed(.character("s")))
        #expect(runtime.state.ui.silenceForm == nil)
        let text = PlainTextRenderer.text(View.render(runtime.state, theme: try Fixtures.theme("dark")))
        #expect(text.contains("✓ no alerts"))
    }

    @Test func hostileLabelValuesAreShownInertInTheDialogAndTable() throws {
        var state = Fixtures.demoRuntime(at: .seconds(1)).state
        let evil = "x\u{1B}]52;c;ZWNobyBoaQ==\u{07}\u{1B}[2J"
        state.ruleAlerts = [HealthAlert(name: "Evil", severity: .critical, job: "j", model: evil, state: .firing,
                                        activeSince: state.now, firingSince: state.now, value: 1, summary: evil,
                                        labels: ["alertname": "Evil", "model": evil])]
        state.ui.screen = .alerts
        state.ui.silenceForm = SilenceForm(matchers: ["alertname": "Evil", "model": evil], alertName: "Evil")
        let buffer = View.render(state, theme: try Fixtures.theme("dark"))
        let text = PlainTextRenderer.text(buffer)
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    }
}
