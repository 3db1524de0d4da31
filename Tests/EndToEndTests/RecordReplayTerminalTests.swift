import Foundation
import Testing
import TestSupport

/// `--record` on a real session in tmux, then `replay` and `timeline` on what it wrote: the
/// operator's note and acknowledgement come back, and a session killed with SIGKILL still
/// replays up to its last whole record.
@Suite(.serialized) struct RecordReplayTerminalTests {
    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "mw-record-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aRecordedSessionReplaysWithItsNoteAndAcknowledgement() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = try modelwatchBinary()
        let file = dir + "/session.mwrec"
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.type("cd \(dir) && MODELWATCH_USER=erin \(bin) demo --skip 3m20s --record \(file)")
        try tmux.waitFor("✖ CRIT")
        try tmux.keys("n")
        try tmux.type("paged the fraud team", enter: false)
        try tmux.keys("Enter")
        try tmux.waitFor("note by erin: paged the fraud team")
        try tmux.keys("a")
        try tmux.waitFor("by severity, then model")
        try tmux.keys("a")
        try tmux.waitFor("✔ erin")
        try tmux.keys("q")
        try tmux.type("echo status=$?-END")
        try tmux.waitFor("status=0-END")

        let timeline = try runCommand(bin, ["replay", file, "--headless", "--print", "timeline"])
        #expect(timeline.status == 0, "\(timeline.stderr)")
        #expect(timeline.stdout.contains("note by erin: paged the fraud team"), "\(timeline.stdout)")
        #expect(timeline.stdout.contains("acknowledged by erin"))
        // The fast-forwarded first minutes are in the recording too: the deploy at +1m43s.
        #expect(timeline.stdout.contains("fraud-detector version 4 deployed (was 3)"))
        let alerts = try runCommand(bin, ["replay", file, "--headless", "--print", "alerts"])
        #expect(alerts.stdout.contains("FIRING    ModelErrorRateHigh firing"), "\(alerts.stdout)")
        let markdown = try runCommand(bin, ["timeline", file, "--format", "markdown", "--title", "Sev2: fraud-detector v4"])
        #expect(markdown.status == 0)
        #expect(markdown.stdout.hasPrefix("# Sev2: fraud-detector v4\n"))
        #expect(markdown.stdout.contains("| ack | fraud-detector |") || markdown.stdout.contains("| ack |"), "\(markdown.stdout)")
    }

    @Test func aSessionKilledWithSigkillStillReplays() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = try modelwatchBinary()
        let file = dir + "/killed.mwrec"
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.type("cd \(dir) && MODELWATCH_USER=erin \(bin) demo --skip 3m --record \(file)")
        try tmux.waitFor("Models (5)")
        try tmux.keys("n")
        try tmux.type("before the crash", enter: false)
        try tmux.keys("Enter")
        try tmux.waitFor("note by erin: before the crash")
        usleep(1_500_000)  // past the one-second sync
        let pid = try #require(try tmux.childPID(named: "modelwatch"))
        _ = try runCommand("/bin/kill", ["-KILL", "\(pid)"])
        try tmux.type("echo killed-$((40+2))")
        try tmux.waitFor("killed-42")

        let summary = try runCommand(bin, ["replay", file, "--headless", "--print", "timeline"])
        #expect(summary.stdout.contains("note by erin: before the crash"), "stdout:\n\(summary.stdout)\nstderr:\n\(summary.stderr)")
        // A torn last record is reported with how far it read; a clean cut between records is not an error.
        if summary.status != 0 {
            #expect(summary.stderr.contains("replaying the"), "\(summary.stderr)")
        }
    }

    @Test func aTrainingRunEndsWithItsScore() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = try modelwatchBinary()
        let file = dir + "/incident.mwrec"
        let recorded = try runCommand(bin, ["recording", "record-demo", "--duration", "5m", "--out", file])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        try "+2m40s the error rate is the one to watch\n".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let tmux = try TmuxSession(width: 120, height: 40)
        try tmux.type("cd \(dir) && \(bin) replay \(file) --training --notes \(dir)/notes.txt")
        try tmux.waitFor("TRAINING: you decide, nothing runs")
        for _ in 0..<6 { try tmux.keys(">") }   // 120x: the note at +2m40s comes within seconds
        try tmux.waitFor("facilitator: the error rate is the one to watch", timeout: 30)
        try tmux.keys("a")
        try tmux.waitFor("by severity, then model")
        try tmux.keys("a")
        try tmux.waitFor("acknowledged by")
        try tmux.keys("q")
        let screen = try tmux.waitFor("Training score")
        #expect(screen.contains("first alert: "), "\(screen)")
        #expect(screen.contains("acknowledged: ") && !screen.contains("acknowledged: never"), "\(screen)")
        #expect(screen.contains("mitigation: the recorded operator ran no command"), "\(screen)")
    }
}
