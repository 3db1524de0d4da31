import Foundation
import Testing
import TestSupport

/// The real binary in a real terminal (tmux), asserted on what a person would see.
@Suite(.serialized) struct TerminalTests {
    func startDemo(_ tmux: TmuxSession, extra: String = "") throws {
        let bin = try modelwatchBinary()
        try tmux.type("cd \(NSTemporaryDirectory()) && \(bin) demo \(extra)")
        try tmux.waitFor("Models (5)")
    }

    /// The terminal is back in its normal mode: the shell echoes what is typed and runs it.
    func expectShellIsBack(_ tmux: TmuxSession, exitStatus: Int? = nil) throws {
        try tmux.type("echo status=$?; stty -a | grep -o -- '-\\?icanon' | head -1; echo END-$((6*7))")
        // The marker is computed, so the echoed command line itself cannot match it.
        let screen = try tmux.waitFor("END-42")
        if let exitStatus { #expect(screen.contains("status=\(exitStatus)"), "\(screen)") }
        #expect(screen.contains("\nicanon"), "canonical mode restored:\n\(screen)")
        #expect(!screen.contains("-icanon"), "\(screen)")
        #expect(!screen.contains("Models (5)"), "the dashboard is gone from the screen:\n\(screen)")
        let flags = try tmux.tmux(["display-message", "-p", "-t", tmux.name, "cursor=#{cursor_flag} alternate=#{alternate_on}"])
        #expect(flags.trimmingCharacters(in: .whitespacesAndNewlines) == "cursor=1 alternate=0", "cursor shown, main screen back")
    }

    @Test func alertsScreenAcknowledgesAndSilencesInTheIncident() throws {
        let tmux = try TmuxSession(width: 120, height: 40)
        let bin = try modelwatchBinary()
        try tmux.type("cd \(NSTemporaryDirectory()) && MODELWATCH_USER=carol \(bin) demo --skip 3m20s")
        try tmux.waitFor("✖ CRIT")
        try tmux.keys("a")
        var screen = try tmux.waitFor("by severity, then model")
        #expect(screen.contains("critical ✖ FIRING  ModelCUDAOutOfMemory"), "\(screen)")
        #expect(screen.contains("✖ FIRING  ModelErrorRateHigh"), "\(screen)")
        try tmux.keys("a")
        screen = try tmux.waitFor("✔ carol")
        #expect(screen.contains("acknowledged by carol"), "\(screen)")
        try tmux.keys("s")
        try tmux.waitFor("Silence ModelCUDAOutOfMemory")
        try tmux.keys("Enter")
        try tmux.waitFor("give a reason")
        try tmux.keys("rollback running")
        try tmux.keys("Tab", "C-u", "15m", "Enter")
        screen = try tmux.waitFor("1 silenced")
        #expect(screen.contains("silenced for 15m00s by carol: rollback running"), "\(screen)")
        #expect(screen.contains("silences ◌ ACTIVE"), "\(screen)")
        try tmux.keys("u")
        try tmux.waitFor("ended early by carol")
        try tmux.keys("Escape")
        screen = try tmux.waitFor("Models (5)")
        #expect(screen.contains("✔ carol"), "the overview shows who has the alert:\n\(screen)")
        try tmux.keys("q")
        try expectShellIsBack(tmux, exitStatus: 0)
    }

    @Test func overviewHelpResizeAndQuit() throws {
        let tmux = try TmuxSession(width: 120, height: 40)
        try startDemo(tmux)
        var screen = try tmux.waitFor("✓ OK")
        let lines = screen.components(separatedBy: "\n")
        #expect(lines[0].contains("modelwatch") && lines[0].contains("DEMO"))
        #expect(lines[0].contains("targets 4/4 up"))
        #expect(screen.contains("fraud-detector") && screen.contains("llama-3-8b-chat") && screen.contains("Triton") && screen.contains("vLLM"))
        #expect(screen.contains("q quit"))

        try tmux.keys("?")
        screen = try tmux.waitFor("Help — Esc or ? closes")
        #expect(screen.contains("toggle this help"))
        #expect(screen.contains("✖ CRIT"))
        try tmux.keys("Escape")
        try tmux.waitUntil("help closed") { !$0.contains("Help — Esc") }

        try tmux.resize(width: 60, height: 15)
        screen = try tmux.waitUntil("a 60-column frame") { s in
            let rows = s.components(separatedBy: "\n")
            return rows.first?.contains("modelwatch") == true && rows.contains { $0.hasPrefix("╭ Models") && $0.hasSuffix("╮") && $0.count == 60 }
        }
        for row in screen.components(separatedBy: "\n") { #expect(row.count <= 60, "row wider than the window: \(row)") }

        try tmux.resize(width: 30, height: 8)
        try tmux.waitFor("window too small")

        try tmux.resize(width: 120, height: 40)
        screen = try tmux.waitUntil("a clean 120-column frame") { s in
            let rows = s.components(separatedBy: "\n")
            return rows.contains { $0.hasPrefix("╭ Models") && $0.count == 120 } && !s.contains("window too small")
        }
        // No garbage from the small frames: every boxed row closes at the right edge.
        for row in screen.components(separatedBy: "\n") where row.hasPrefix("│") {
            #expect(row.count == 120 && row.hasSuffix("│"), "ragged row after resize: \(row)")
        }

        try tmux.keys("q")
        try expectShellIsBack(tmux, exitStatus: 0)
    }

    @Test func enterOpensTheModelViewAndEscapeReturns() throws {
        let tmux = try TmuxSession(width: 120, height: 40)
        try startDemo(tmux)
        try tmux.waitFor("✓ OK")
        try tmux.keys("Enter")
        var screen = try tmux.waitFor("latency p50 p95 p99")
        #expect(screen.contains("traffic") && screen.contains("errors") && screen.contains("range 15m"))
        try tmux.keys("-")
        screen = try tmux.waitFor("range 1h")
        try tmux.keys("Escape")
        try tmux.waitFor("Models (5)")
        try tmux.keys("q")
        try expectShellIsBack(tmux, exitStatus: 0)
    }

    @Test(arguments: [("TERM", 143), ("HUP", 129), ("INT", 130)])
    func signalsRestoreTheTerminal(_ signal: String, _ status: Int) throws {
        let tmux = try TmuxSession(width: 100, height: 30)
        try startDemo(tmux)
        let pid = try #require(try tmux.childPID(named: "modelwatch"))
        _ = try runCommand("/bin/kill", ["-\(signal)", "\(pid)"])
        try expectShellIsBack(tmux, exitStatus: status)
    }

    @Test func configuredLogFilesAreFollowedIntoTheLogsScreenAndFireLogRules() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "# TYPE a_up gauge\na_up 1\n".write(to: dir.appendingPathComponent("a.prom"), atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("server.log")
        try "2026-11-29T03:00:00Z INFO before start\n".write(to: log, atomically: false, encoding: .utf8)
        try """
            log_rules:
              - alert: WorkerDied
                expr: '/worker [0-9]+ died/ >= 1 in 5m'
                labels: {severity: critical}
                annotations: {summary: "a worker died ({{ $value }} in 5m)"}
            """.write(to: dir.appendingPathComponent("log-rules.yaml"), atomically: true, encoding: .utf8)
        try """
            targets:
              - { name: a, url: "file://\(dir.path)/a.prom", interval: 1s }
            logs:
              files: ["\(dir.path)/*.log"]
              lines: 1
            log_rule_files: [log-rules.yaml]
            """.write(to: dir.appendingPathComponent("mw.yaml"), atomically: true, encoding: .utf8)
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.type("\(try modelwatchBinary()) --config \(dir.path)/mw.yaml")
        try tmux.waitFor("targets 1/1 up")
        try tmux.keys("l")
        try tmux.waitFor("before start")
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        handle.write(Data("2026-11-29T03:00:01Z ERROR worker 3 died\n".utf8))
        try handle.close()
        let screen = try tmux.waitFor("worker 3 died")
        #expect(screen.contains("ERROR"), "\(screen)")
        try tmux.keys("Escape")
        let alerts = try tmux.waitFor("WorkerDied", timeout: 30)
        #expect(alerts.contains("a worker died (1 in 5m)"), "\(alerts)")
        try tmux.keys("q")
        try expectShellIsBack(tmux, exitStatus: 0)
    }

    @Test func sighupReloadsTheConfigWithoutLosingTheSession() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["a", "b"] {
            try "# TYPE \(name)_up gauge\n\(name)_up 1\n".write(to: dir.appendingPathComponent("\(name).prom"), atomically: true, encoding: .utf8)
        }
        let config = dir.appendingPathComponent("mw.yaml")
        func writeConfig(_ names: [String]) throws {
            let targets = names.map { "  - { name: \($0), url: \"file://\(dir.path)/\($0).prom\", interval: 1s }" }
            try ("targets:\n" + targets.joined(separator: "\n") + "\n").write(to: config, atomically: true, encoding: .utf8)
        }
        try writeConfig(["a"])
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.type("\(try modelwatchBinary()) --config \(config.path)")
        try tmux.waitFor("targets 1/1 up")
        let pid = try #require(try tmux.childPID(named: "modelwatch"))

        try writeConfig(["a", "b"])
        _ = try runCommand("/bin/kill", ["-HUP", "\(pid)"])
        let reloaded = try tmux.waitFor("targets 2/2 up")
        #expect(reloaded.contains("config reloaded: 2 targets (1 new, 0 removed)"), "\(reloaded)")

        try "targets: [\n".write(to: config, atomically: true, encoding: .utf8)
        _ = try runCommand("/bin/kill", ["-HUP", "\(pid)"])
        let refused = try tmux.waitFor("config reload failed")
        #expect(refused.contains("mw.yaml:"), "names the file and line:\n\(refused)")
        #expect(refused.contains("targets 2/2 up"), "the running config stays")

        try tmux.keys("t")
        let targets = try tmux.waitFor("Targets (2/2 up)")
        #expect(targets.contains("series"), "store figures on the targets screen")
        try tmux.keys("q")
        try expectShellIsBack(tmux, exitStatus: 0)
    }

    @Test func ctrlCRestoresTheTerminal() throws {
        let tmux = try TmuxSession(width: 100, height: 30)
        try startDemo(tmux)
        try tmux.keys("C-c")
        try expectShellIsBack(tmux, exitStatus: 130)
    }

    @Test func ctrlZSuspendsAndFgResumes() throws {
        let tmux = try TmuxSession(width: 100, height: 30)
        try startDemo(tmux)
        try tmux.keys("C-z")
        try tmux.waitFor("Stopped")
        try tmux.type("stty -a | grep -o -- '-\\?icanon' | head -1; echo SUSPENDED-$((6*7))")
        let suspended = try tmux.waitFor("SUSPENDED-42")
        #expect(suspended.contains("\nicanon"), "normal mode while suspended:\n\(suspended)")
        try tmux.type("fg")
        try tmux.waitUntil("the dashboard redrawn") { $0.contains("Models (5)") && $0.contains("q quit") && !$0.contains("SUSPENDED-42") }
        try tmux.keys("q")
        try expectShellIsBack(tmux, exitStatus: 0)
    }

    @Test func noColorAndAsciiLocaleStillShowStatusInWords() throws {
        let tmux = try TmuxSession(width: 100, height: 30)
        let bin = try modelwatchBinary()
        try tmux.type("cd \(NSTemporaryDirectory()) && NO_COLOR=1 LANG=C LC_ALL=C \(bin) demo")
        let screen = try tmux.waitFor("OK ")
        #expect(screen.contains("+ Models (5)") || screen.contains("+ Models (5) "), "ASCII borders:\n\(screen)")
        #expect(!screen.unicodeScalars.contains { $0.value > 0x7E }, "only ASCII drawn in the C locale")
        try tmux.keys("q")
        try expectShellIsBack(tmux, exitStatus: 0)
    }
}
