import Foundation
import Testing
import TerminalUI
import TestSupport

/// Exercises `assertSnapshot`'s failure paths against baselines in a scratch directory
/// (`filePath` points there, so nothing under `Tests/` is touched).
@Suite struct SnapshotAssertionTests {
    static let scratch = "/tmp/modelwatch-snapshot-assertion-tests"
    static let recording = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"

    func buffer() -> ScreenBuffer {
        var b = ScreenBuffer(size: Size(width: 4, height: 1))
        b.put("ok", x: 0, y: 0, style: Style(foreground: .ansi(2)))
        return b
    }

    @Test func mismatchFailsAndWritesTheActualSnapshot() throws {
        let dir = URL(fileURLWithPath: Self.scratch + "/mismatch/Snapshots")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "|no  |\n--- styles ---\n".write(to: dir.appendingPathComponent("probe.txt"), atomically: true, encoding: .utf8)

        withKnownIssue {
            assertSnapshot(buffer(), named: "probe", filePath: "/tmp/modelwatch-snapshot-assertion-tests/mismatch/Probe.swift")
        }
        let expected = PlainTextRenderer.snapshot(buffer())
        let written = Self.recording ? "probe.txt" : "probe.actual.txt"
        let text = try String(contentsOf: dir.appendingPathComponent(written), encoding: .utf8)
        #expect(text == expected)
    }

    @Test func missingBaselineFails() throws {
        let dir = URL(fileURLWithPath: Self.scratch + "/missing/Snapshots")
        try? FileManager.default.removeItem(at: dir)
        withKnownIssue {
            assertSnapshot(buffer(), named: "absent", filePath: "/tmp/modelwatch-snapshot-assertion-tests/missing/Probe.swift")
        }
        // Recording writes the baseline (and still fails); otherwise nothing is written.
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("absent.txt").path) == Self.recording)
    }
}
