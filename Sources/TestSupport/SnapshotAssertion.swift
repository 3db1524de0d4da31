import Foundation
import Testing
import TerminalUI

/// Compares `PlainTextRenderer.snapshot(buffer)` with the baseline file
/// `<directory of the calling test file>/Snapshots/<name>.txt`.
///
/// - With `RECORD_SNAPSHOTS=1` in the environment, writes the baseline and records a test
///   failure anyway, so that no baseline is accepted unseen: read the file, then rerun
///   without the variable.
/// - When the baseline is missing, fails and says how to record it.
/// - On a mismatch, fails showing the first differing lines (expected vs actual) and writes
///   the actual snapshot to `<name>.actual.txt` beside the baseline (not to be committed).
public func assertSnapshot(
    _ buffer: ScreenBuffer,
    named name: String,
    filePath: StaticString = #filePath,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let actual = PlainTextRenderer.snapshot(buffer)
    let directory = URL(fileURLWithPath: "\(filePath)").deletingLastPathComponent().appendingPathComponent("Snapshots")
    let baseline = directory.appendingPathComponent("\(name).txt")
    let actualFile = directory.appendingPathComponent("\(name).actual.txt")
    let fm = FileManager.default

    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: baseline, atomically: true, encoding: .utf8)
            try? fm.removeItem(at: actualFile)
            Issue.record(
                "recorded snapshot \(baseline.path); check it by eye, then rerun without RECORD_SNAPSHOTS",
                sourceLocation: sourceLocation)
        } catch {
            Issue.record("could not record snapshot \(baseline.path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }

    guard let data = fm.contents(atPath: baseline.path), let expected = String(data: data, encoding: .utf8) else {
        Issue.record(
            "no snapshot baseline at \(baseline.path); record it with RECORD_SNAPSHOTS=1 swift test --filter <test>, check it, then rerun",
            sourceLocation: sourceLocation)
        return
    }
    if expected == actual {
        try? fm.removeItem(at: actualFile)
        return
    }
    try? actual.write(to: actualFile, atomically: true, encoding: .utf8)
    let message = "snapshot \(name) differs from \(baseline.path) (actual written to \(actualFile.lastPathComponent)):\n"
        + snapshotDifference(expected: expected, actual: actual)
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
}

/// A readable summary of the first differing lines of two snapshots (at most `limit`).
public func snapshotDifference(expected: String, actual: String, limit: Int = 5) -> String {
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var out: [String] = []
    if e.count != a.count { out.append("line count: expected \(e.count), actual \(a.count)") }
    var shown = 0
    for i in 0..<max(e.count, a.count) where shown < limit {
        let el = i < e.count ? String(e[i]) : "<missing>"
        let al = i < a.count ? String(a[i]) : "<missing>"
        if el != al {
            out.append("line \(i + 1):\n  expected: \(el)\n  actual:   \(al)")
            shown += 1
        }
    }
    return out.joined(separator: "\n")
}
