import Foundation
import Testing
import TestSupport

/// Alert → runbook → command → confirmation → a real run, in the real binary in tmux, with the
/// audit log read back afterwards. The commands write marker files, so what ran is checked on
/// disk, not only on the screen.
@Suite(.serialized) struct RunbookTerminalTests {
    /// A folder with a rule that fires in the demo for fraud-detector, linked by `runbook_url`
    /// to a runbook whose commands are harmless and leave traces in the folder.
    struct Setup {
        let dir: String
        var marker: String { dir + "/marker" }
        var audit: String { dir + "/audit.jsonl" }

        init() throws {
            dir = NSTemporaryDirectory() + "mw-runbook-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let fm = FileManager.default
            try fm.createDirectory(atPath: dir + "/rules", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: dir + "/runbooks", withIntermediateDirectories: true)
            try """
            groups:
              - name: e2e
                interval: 5s
                rules:
                  - alert: E2EModelServing
                    expr: sum by (job, model) (rate(nv_inference_request_success{model="fraud-detector"}[30s])) > 0
                    labels:
                      severity: critical
                    annotations:
                      summary: fraud-detector is serving requests
                      runbook_url: ../runbooks/rollback.md
            """.write(toFile: dir + "/rules/e2e.yaml", atomically: true, encoding: .utf8)
            try """
            ---
            title: Roll back fraud-detector (e2e)
            owner: e2e
            ---
            # Roll back

            ```sh rollback timeout=30s
            printf 'rolled back %s to %s\\n' {{ $labels.model }} {{ .previous_version }} >> \(dir)/marker; echo done-$((40+2))
            ```

            ```sh diagnose timeout=2m
            echo started-$((40+2)); sleep 47.25; echo never-$((40+2)) >> \(dir)/marker
            ```
            """.write(toFile: dir + "/runbooks/rollback.md", atomically: true, encoding: .utf8)
        }

        var arguments: String {
            "demo --skip 3m20s --rules \(dir)/rules/e2e.yaml --runbooks \(dir)/runbooks --audit-log \(audit) --run-commands"
        }

        /// Every line of the audit log, parsed as JSON; a line that does not parse fails the test.
        func auditEntries() throws -> [[String: Any]] {
            let text = try String(contentsOfFile: audit, encoding: .utf8)
            return try text.split(separator: "\n").map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
                guard let entry = object as? [String: Any] else { throw E2EError("not an object: \(line)") }
                return entry
            }
        }

        func cleanUp() {
            // The diagnose block's sleep is in its own process group; never leave it behind.
            _ = try? runCommand("/usr/bin/pkill", ["-f", "sleep 47.25"], timeout: 5)
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// Starts the demo and opens the e2e alert's runbook from the alerts screen.
    func openRunbook(_ tmux: TmuxSession, _ setup: Setup) throws {
        let bin = try modelwatchBinary()
        try tmux.type("cd \(setup.dir) && MODELWATCH_USER=dana \(bin) \(setup.arguments)")
        try tmux.waitFor("Models (5)")
        try tmux.keys("a")
        try tmux.waitFor("E2EModelServing", timeout: 30)
        // Move down the list until `r` opens the e2e runbook (the other alerts' runbook_url
        // points outside this runbooks folder, so `r` on them only says so).
        for _ in 0..<12 {
            try tmux.keys("r")
            usleep(300_000)
            if try tmux.screen().contains("Runbook · Roll back fraud-detector (e2e)") { return }
            try tmux.keys("j")
        }
        throw E2EError("the e2e runbook never opened:\n\(try tmux.screen())")
    }

    @Test func rollbackRunsOnceAfterTheModelNameIsTypedAndIsAudited() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let tmux = try TmuxSession(width: 120, height: 40)
        try openRunbook(tmux, setup)
        var screen = try tmux.waitFor("$ printf 'rolled back %s to %s\\n' 'fraud-detector' '3'")
        #expect(screen.contains("commands run after you confirm"), "\(screen)")

        // Enter opens the dialog; Enter again without the name runs nothing.
        try tmux.keys("Enter")
        screen = try tmux.waitFor("Type the model's name, fraud-detector, to confirm:")
        #expect(screen.contains("Run rollback?"), "\(screen)")
        try tmux.keys("Enter")
        try tmux.waitFor("type fraud-detector to confirm")
        try tmux.type("fraud-detectr", enter: false)
        try tmux.keys("Enter")
        try tmux.waitFor("is not fraud-detector: nothing was run")
        try tmux.keys("Escape")
        try tmux.waitFor("cancelled: nothing was run")
        usleep(500_000)
        #expect(!FileManager.default.fileExists(atPath: setup.marker), "nothing ran without the typed name")
        #expect(!FileManager.default.fileExists(atPath: setup.audit), "nothing confirmed, nothing audited")

        // Now with the name: it runs once, its output and exit status appear.
        try tmux.keys("Enter")
        try tmux.waitFor("Type the model's name")
        try tmux.type("fraud-detector", enter: false)
        try tmux.keys("Enter")
        screen = try tmux.waitUntil("the run's output and outcome") { $0.contains("done-42") && $0.contains("exit 0 ·") }
        #expect(screen.contains("Output · printf"), "\(screen)")
        let marker = try String(contentsOfFile: setup.marker, encoding: .utf8)
        #expect(marker == "rolled back fraud-detector to 3\n", "ran exactly once, with the literal values")

        let entries = try setup.auditEntries()
        #expect(entries.count == 2, "one confirmation and one completion: \(entries)")
        let confirmed = try #require(entries.first), completed = try #require(entries.last)
        #expect(confirmed["event"] as? String == "confirmed")
        #expect(completed["event"] as? String == "completed")
        #expect(confirmed["run_id"] as? String == completed["run_id"] as? String)
        #expect(confirmed["user"] as? String == "dana")
        #expect(confirmed["alert"] as? String == "E2EModelServing")
        #expect(confirmed["command"] as? String
                == "printf 'rolled back %s to %s\\n' 'fraud-detector' '3' >> \(setup.dir)/marker; echo done-$((40+2))")
        #expect(completed["exit_status"] as? Int == 0)
        #expect((completed["output_tail"] as? [String])?.contains("done-42") == true, "\(completed)")
        #expect(confirmed["dry_run"] as? Bool == false)

        try tmux.keys("q")
        try tmux.type("echo status=$?-END")
        try tmux.waitFor("status=0-END")
    }

    @Test func ctrlCCancelsAndSigkillLeavesAReadableAuditLog() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let tmux = try TmuxSession(width: 120, height: 40)
        try openRunbook(tmux, setup)
        try tmux.keys("j")   // the diagnose block
        try tmux.waitFor("▌ $ echo started-$((40+2)); sleep 47.25")
        try tmux.keys("Enter")
        try tmux.waitFor("Run diagnose?")
        try tmux.keys("Enter")
        try tmux.waitFor("started-42")
        try tmux.waitFor("Ctrl-C cancels")

        // Ctrl-C cancels the command, not the session.
        try tmux.keys("C-c")
        try tmux.waitFor("cancelled ·", timeout: 15)
        #expect(try tmux.screen().contains("Runbook · Roll back fraud-detector (e2e)"), "the dashboard stays")

        // Run it again and kill modelwatch with SIGKILL while it runs.
        try tmux.keys("Enter")
        try tmux.waitFor("Run diagnose?")
        try tmux.keys("Enter")
        try tmux.waitUntil("the second run") { $0.components(separatedBy: "started-42").count > 1 && $0.contains("running") }
        let pid = try #require(try tmux.childPID(named: "modelwatch"))
        _ = try runCommand("/bin/kill", ["-KILL", "\(pid)"])
        try tmux.type("echo killed-$((40+2))")
        try tmux.waitFor("killed-42")

        let entries = try setup.auditEntries()
        #expect(entries.map { $0["event"] as? String } == ["confirmed", "completed", "confirmed"], "\(entries)")
        #expect(entries[1]["ending"] as? String == "cancelled", "\(entries[1])")
        #expect(entries[2]["run_id"] as? String != entries[0]["run_id"] as? String)
        #expect(entries[2]["command"] as? String == "echo started-$((40+2)); sleep 47.25; echo never-$((40+2)) >> \(setup.dir)/marker")
        #expect(!FileManager.default.fileExists(atPath: setup.marker), "the cancelled command never reached its end")
    }

    @Test func theDemoIsADryRunUnlessToldOtherwise() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let tmux = try TmuxSession(width: 120, height: 40)
        let bin = try modelwatchBinary()
        let arguments = setup.arguments.replacingOccurrences(of: " --run-commands", with: "")
        try tmux.type("cd \(setup.dir) && \(bin) \(arguments)")
        try tmux.waitFor("Models (5)")
        try tmux.keys("a")
        try tmux.waitFor("E2EModelServing", timeout: 30)
        var opened = false
        for _ in 0..<12 where !opened {
            try tmux.keys("r")
            usleep(300_000)
            opened = try tmux.screen().contains("Runbook · Roll back fraud-detector (e2e)")
            if !opened { try tmux.keys("j") }
        }
        #expect(opened)
        try tmux.waitFor("DRY RUN demo")
        try tmux.keys("Enter")
        try tmux.waitFor("DRY RUN: shown and written to the audit log, never run.")
        try tmux.type("fraud-detector", enter: false)
        try tmux.keys("Enter")
        try tmux.waitFor("dry run, not run")
        usleep(500_000)
        #expect(!FileManager.default.fileExists(atPath: setup.marker), "a dry run runs nothing")
        let entries = try setup.auditEntries()
        #expect(entries.map { $0["event"] as? String } == ["dry_run"], "\(entries)")
        try tmux.keys("q")
    }
}
