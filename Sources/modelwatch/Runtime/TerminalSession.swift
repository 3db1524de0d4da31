import ArgumentParser
import CursesBackend
import Dashboard
import Foundation
import Sources
import TerminalUI

/// Runs the dashboard in the terminal until `q` or a signal, and restores the terminal on
/// every way out (the signal handlers and `atexit` are installed by `CursesTerminal`).
enum TerminalSession {
    /// Resolves config and theme, then runs; a config or theme error exits 2 before the
    /// terminal is touched, naming the file, line and key.
    static func launch(configPath: String?, forceDemo: Bool, display: DisplayOptions, mouse: Bool) throws {
        let launch: Launch
        do {
            launch = try Launch.resolve(configPath: configPath, forceDemo: forceDemo, display: display)
        } catch let error as LaunchError {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let code = run(launch, mouse: mouse, monochrome: display.monochrome)
        if code != 0 { throw ExitCode(code) }
    }

    static func run(_ launch: Launch, mouse: Bool, monochrome: Bool) -> Int32 {
        let terminal: CursesTerminal
        do {
            terminal = try CursesTerminal(options: CursesOptions(forceMonochrome: monochrome, mouse: mouse,
                                                                 reloadOnHangup: launch.configPath != nil))
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            return 1
        }
        defer { terminal.shutdown() }
        var theme = launch.theme
        if terminal.colorMode == .monochrome { theme = theme.monochrome() }

        let demo = launch.mode == .demo ? DemoSource() : nil
        let runtime = LiveRuntime(state: launch.makeState(size: terminal.size), clock: SystemClock(),
                                  scraper: Scraper(demo: demo), demo: demo, configPath: launch.configPath)
        runtime.start()
        while !runtime.quitRequested {
            if terminal.consumeReloadRequest() { runtime.reloadConfig() }
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
