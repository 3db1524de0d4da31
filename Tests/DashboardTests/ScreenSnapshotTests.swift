import Dashboard
import Models
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// Screens rendered from the demo on virtual time, compared with recorded baselines
/// (`RECORD_SNAPSHOTS=1` rewrites them and fails, so a baseline is always looked at).
@Suite struct ScreenSnapshotTests {
    func render(at elapsed: Milliseconds, size: Size, screen: (State) -> UIState.Screen = { _ in .overview },
                help: Bool = false) throws -> ScreenBuffer {
        var state = Fixtures.demoRuntime(at: elapsed, size: size).state
        state.ui.screen = screen(state)
        state.ui.showHelp = help
        return View.render(state, theme: try Fixtures.theme("dark"))
    }

    func fraudDetector(_ state: State) -> UIState.Screen {
        .model(state.models.keys.first { $0.name == "fraud-detector" }!)
    }

    @Test func overview80x24() throws {
        assertSnapshot(try render(at: .seconds(200), size: Size(width: 80, height: 24)), named: "overview-80x24")
    }

    @Test func overview120x40() throws {
        assertSnapshot(try render(at: .seconds(200), size: Size(width: 120, height: 40)), named: "overview-120x40")
    }

    @Test func modelView80x24() throws {
        assertSnapshot(try render(at: .seconds(200), size: Size(width: 80, height: 24), screen: fraudDetector),
                       named: "model-fraud-detector-80x24")
    }

    @Test func modelView120x40() throws {
        assertSnapshot(try render(at: .seconds(200), size: Size(width: 120, height: 40), screen: fraudDetector),
                       named: "model-fraud-detector-120x40")
    }

    @Test func driftingModelView120x40() throws {
        assertSnapshot(try render(at: .seconds(400), size: Size(width: 120, height: 40),
                                  screen: { s in .model(s.models.keys.first { $0.name == "credit-scorer" }!) }),
                       named: "model-credit-scorer-drift-120x40")
    }

    @Test func alerts120x40() throws {
        assertSnapshot(try alertsWithAnAckAndASilence(size: Size(width: 120, height: 40)), named: "alerts-120x40")
    }

    @Test func alerts80x24() throws {
        assertSnapshot(try alertsWithAnAckAndASilence(size: Size(width: 80, height: 24)), named: "alerts-80x24")
    }

    @Test func silenceDialog80x24() throws {
        var runtime = Fixtures.demoRuntime(at: .seconds(200), size: Size(width: 80, height: 24))
        for key: Key in [.character("a"), .character("s"), .character("r"), .character("o"), .tab] { runtime.send(.keyPressed(key)) }
        assertSnapshot(View.render(runtime.state, theme: try Fixtures.theme("dark")), named: "silence-dialog-80x24")
    }

    /// The alerts screen in the incident: the top alert acknowledged, the second one silenced.
    func alertsWithAnAckAndASilence(size: Size) throws -> ScreenBuffer {
        var runtime = Fixtures.demoRuntime(at: .seconds(200), size: size)
        runtime.send(.keyPressed(.character("a")))  // the alerts screen
        runtime.send(.keyPressed(.character("a")))  // acknowledge the first
        runtime.send(.keyPressed(.down))
        runtime.send(.keyPressed(.character("s")))
        for c in "deploy freeze" { runtime.send(.keyPressed(.character(c))) }
        runtime.send(.keyPressed(.enter))
        runtime.advance(by: .seconds(20))
        runtime.send(.keyPressed(.home))
        return View.render(runtime.state, theme: try Fixtures.theme("dark"))
    }

    @Test func help80x24() throws {
        assertSnapshot(try render(at: .seconds(30), size: Size(width: 80, height: 24), help: true), named: "help-80x24")
    }

    @Test func aWindowTooSmallSaysSo() throws {
        for size in [Size(width: 39, height: 24), Size(width: 80, height: 9), Size(width: 1, height: 1), Size(width: 0, height: 0)] {
            let buffer = try render(at: .seconds(10), size: size)
            let text = PlainTextRenderer.text(buffer)
            if size.width >= 16 && size.height >= 2 { #expect(text.contains("window too small"), "\(size)") }
        }
    }
}
