import Dashboard
import Logs
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// The logs screen: one merged timeline, filtered by level, model and pattern, searched with
/// `/`, `n` and `N`, and reached from an alert at the alert's start.
@Suite struct LogsScreenTests {
    func text(_ state: State) throws -> String {
        PlainTextRenderer.text(View.render(state, theme: try Fixtures.theme("dark")))
    }

    func type(_ s: String, _ runtime: inout VirtualRuntime) {
        for c in s { runtime.send(.keyPressed(.character(c))) }
    }

    @Test func levelAndModelFiltersNarrowTheTimeline() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        runtime.send(.keyPressed(.character("l")))
        #expect(runtime.state.ui.screen == .logs)
        let all = try text(runtime.state)
        #expect(all.contains("INFO") && all.contains("following"))
        // L: info, warn, error.
        for _ in 0..<3 { runtime.send(.keyPressed(.character("L"))) }
        #expect(runtime.state.ui.logsView.minimumLevel == .error)
        let errors = try text(runtime.state)
        #expect(!errors.contains(" INFO ") && errors.contains("ERROR"), "\(errors)")
        #expect(errors.contains("level ≥ ERROR"))
        // m: the first model named in the lines, then the next.
        runtime.send(.keyPressed(.character("m")))
        let model = try #require(runtime.state.ui.logsView.model)
        let only = try text(runtime.state)
        #expect(only.contains("model \(model)"))
        runtime.send(.keyPressed(.character("L")))
        #expect(runtime.state.ui.logsView.minimumLevel == nil, "L comes back round to all levels")
    }

    @Test func searchHighlightsAndNMovesBetweenMatches() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200))
        runtime.send(.keyPressed(.character("l")))
        runtime.send(.keyPressed(.character("/")))
        #expect(runtime.state.ui.textPrompt != nil)
        type("CUDA out of memory", &runtime)
        // While the prompt is open, keys are text: `q` does not quit.
        type("q", &runtime)
        #expect(!runtime.state.quitting)
        runtime.send(.keyPressed(.backspace))
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.textPrompt == nil)
        #expect(runtime.state.ui.logsView.pattern == "CUDA out of memory")
        let first = try #require(runtime.state.ui.logsView.cursor)
        #expect(!runtime.state.ui.logsView.follow, "a search stops following")
        runtime.send(.keyPressed(.character("n")))
        let second = try #require(runtime.state.ui.logsView.cursor)
        #expect(second > first)
        runtime.send(.keyPressed(.character("N")))
        #expect(runtime.state.ui.logsView.cursor == first)
        runtime.send(.keyPressed(.character("F")))
        let matching = try text(runtime.state)
        #expect(matching.contains("/CUDA out of memory/ only"))
        let rows = matching.components(separatedBy: "\n").filter { $0.hasPrefix("│") && $0.contains(".log") }
        #expect(!rows.isEmpty && rows.allSatisfy { $0.contains("CUDA") || $0.contains("Failed to process") }, "\(rows)")
    }

    @Test func aBadPatternIsRefusedInThePrompt() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(60))
        runtime.send(.keyPressed(.character("l")))
        runtime.send(.keyPressed(.character("/")))
        type("([", &runtime)
        runtime.send(.keyPressed(.enter))
        #expect(runtime.state.ui.textPrompt?.error == "not a regular expression")
        #expect(runtime.state.ui.logsView.pattern == nil)
        #expect(try text(runtime.state).contains("✖ not a regular expression"))
        runtime.send(.keyPressed(.escape))
        #expect(runtime.state.ui.textPrompt == nil && runtime.state.ui.screen == .logs)
    }

    @Test func fromAnAlertOneKeyShowsItsModelsLinesAroundItsStart() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(300))
        runtime.send(.keyPressed(.character("a")))
        guard case .alert(let alert)? = AlertsScreen.selectedRow(in: runtime.state) else {
            Issue.record("no alert selected"); return
        }
        runtime.send(.keyPressed(.character("l")))
        #expect(runtime.state.ui.screen == .logs)
        #expect(runtime.state.ui.logsView.model == alert.model)
        #expect(!runtime.state.ui.logsView.follow)
        let screen = try text(runtime.state)
        let firstRow = try #require(screen.components(separatedBy: "\n").first { $0.hasPrefix("│") && $0.contains(".log") })
        // The list starts about a minute before the alert became active, not at the newest line.
        let clock = String(firstRow.dropFirst().prefix(8))
        let active = Format.clock(alert.activeSince - .minutes(1))
        #expect(clock >= active, "\(clock) vs \(active)")
        #expect(clock < Format.clock(alert.activeSince + .minutes(1)), "\(firstRow)")
    }

    @Test func followKeepsTheNewestInViewAndScrollingPausesIt() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(120))
        runtime.send(.keyPressed(.character("l")))
        runtime.send(.keyPressed(.pageUp))
        #expect(!runtime.state.ui.logsView.follow)
        let before = try text(runtime.state)
        runtime.advance(by: .seconds(10))
        #expect(try text(runtime.state).contains("paused"))
        runtime.send(.keyPressed(.end))
        #expect(runtime.state.ui.logsView.follow)
        _ = before
    }

    @Test func logsScreenSnapshot() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200), size: Size(width: 120, height: 40))
        runtime.send(.keyPressed(.character("l")))
        runtime.send(.keyPressed(.character("/")))
        type("CUDA", &runtime)
        runtime.send(.keyPressed(.enter))
        assertSnapshot(View.render(runtime.state, theme: try Fixtures.theme("dark")), named: "logs-search-120x40")
    }
}
