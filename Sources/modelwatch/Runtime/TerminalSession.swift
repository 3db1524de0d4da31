import CursesBackend
import Dashboard
import Foundation
import Sources
import TerminalUI

/// Runs the dashboard in the terminal until `q` or a signal, and restores the terminal on
/// every way out (the signal handlers and `atexit` are installed by `CursesTerminal`).
enum TerminalSession {
    static func run(_ launch: Launch, mouse: Bool, monochrome: Bool) -> Int32 {
        let terminal: CursesTerminal
        do {
            terminal = try CursesTerminal(options: CursesOptions(forceMonochrome: monochrome, mouse: mouse))
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            return 1
        }
        defer { terminal.shutdown() }
        var theme = launch.theme
        if terminal.colorMode == .monochrome { theme = theme.monochrome() }

        let demo = launch.mode == .demo ? DemoSource() : nil
        let runtime = LiveRuntime(state: launch.makeState(size: terminal.size), clock: SystemClock(),
                                  scraper: Scraper(demo: demo), demo: demo)
        runtime.start()
        while !runtime.quitRequested {
            runtime.pump()
            if runtime.needsRender {
                terminal.draw(View.render(runtime.state, theme: theme))
                runtime.needsRender = false
            }
            guard !runtime.quitRequested else { break }
            if let event = terminal.readEvent(timeoutMilliseconds: runtime.waitBudget()) {
                switch event {
                case .key(let key): runtime.send(.keyPressed(key))
                case .mouse(let m): runtime.send(.mouse(m))
                case .resized(let size):
                    terminal.invalidate()
                    runtime.send(.resized(size))
                }
            }
        }
        return 0
    }
}
