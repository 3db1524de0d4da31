import ArgumentParser
import CursesBackend
import Dashboard
import Foundation
import Sources
import Telemetry
import TerminalUI

/// Runs the dashboard in the terminal until `q` or a signal, and restores the terminal on
/// every way out (the signal handlers and `atexit` are installed by `CursesTerminal`).
enum TerminalSession {
    /// Resolves config and theme, then runs; a config or theme error exits 2 before the
    /// terminal is touched, naming the file, line and key.
    static func launch(configPath: String?, forceDemo: Bool, display: DisplayOptions, mouse: Bool,
                       skip: Milliseconds = Milliseconds(0)) throws {
        let launch: Launch
        do {
            launch = try Launch.resolve(configPath: configPath, forceDemo: forceDemo, display: display)
        } catch let error as LaunchError {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let code = run(launch, mouse: mouse, monochrome: display.monochrome, skip: skip)
        if code != 0 { throw ExitCode(code) }
    }

    static func run(_ launch: Launch, mouse: Bool, monochrome: Bool, skip: Milliseconds = Milliseconds(0)) -> Int32 {
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
        let runtime: LiveRuntime
        var preRecorded: [RecordedMsg] = []
        if let demo, skip.value > 0 {
            (runtime, preRecorded) = fastForward(launch, demo: demo, by: skip, size: terminal.size)
        } else {
            runtime = LiveRuntime(state: launch.makeState(size: terminal.size), clock: SystemClock(),
                                  scraper: Scraper(demo: demo), demo: demo, configPath: launch.configPath,
                                  auditLogPath: launch.auditLogPath)
        }
        runtime.copyToClipboard = { [weak terminal] text in terminal?.copyToClipboard(text) }
        if let path = launch.recordPath {
            do {
                let recorder = try SessionRecorder(path: path, launch: launch, start: runtime.state.startedAt == Timestamp(milliseconds: 0) ? SystemClock().now() : runtime.state.startedAt,
                                                   operatorName: runtime.state.operatorName, size: terminal.size)
                // A fast-forwarded demo's first minutes are part of the session.
                for item in preRecorded { recorder.record(item.msg, at: item.time) }
                runtime.recorder = recorder
            } catch {
                terminal.shutdown()
                FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
                return 2
            }
        }
        defer { runtime.recorder?.close() }
        runtime.start()
        runtime.followLogs(launch.logs.files, start: launch.logs.lines > 0 ? .lines(launch.logs.lines) : .end)
        // Followed log lines come through the inbox, which is looked at between input waits:
        // a shorter wait keeps a new line within 250 ms of being written.
        let inboxCap: Int64 = launch.logs.files.isEmpty ? 200 : 100
        while !runtime.quitRequested {
            // While a command runs, Ctrl-C cancels it instead of ending the session.
            terminal.setInterruptCancels(runtime.state.hasRunningCommand)
            if terminal.consumeReloadRequest() { runtime.reloadConfig() }
            runtime.pump()
            if runtime.needsRender {
                terminal.draw(View.render(runtime.state, theme: theme))
                runtime.needsRender = false
            }
            guard !runtime.quitRequested else { break }
            if let event = terminal.readEvent(timeoutMilliseconds: runtime.waitBudget(cap: inboxCap)) {
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

    /// `demo --skip`: the first part of the script runs at once on virtual time, as `snapshot`
    /// runs it, ending now; then the same session goes on in real time.
    static func fastForward(_ launch: Launch, demo: DemoSource, by skip: Milliseconds, size: Size) -> (LiveRuntime, [RecordedMsg]) {
        let clock = SystemClock()
        let start = clock.now() - skip
        var virtual = VirtualRuntime(state: launch.makeState(size: size), start: start, performer: DemoPerformer(start: start))
        virtual.start()
        virtual.advance(by: skip)
        // The live fleet catches up to the same moment; its log lines so far are already in.
        demo.advance(to: skip)
        _ = demo.drainLogLines()
        return (LiveRuntime(state: virtual.state, clock: clock, scraper: Scraper(demo: demo), demo: demo,
                            demoStart: start, resuming: true, auditLogPath: launch.auditLogPath), virtual.recorded)
    }
}
