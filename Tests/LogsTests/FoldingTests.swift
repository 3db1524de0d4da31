import Logs
import Telemetry
import Testing

/// Multi-line records, the idle flush, the limits, and re-detection.
@Suite struct FoldingTests {
    typealias F = LogFixtures
    let t0 = LogFixtures.receivedAt

    @Test func pythonTracebackUnderALoggingLine() {
        let entries = F.read(lines: [
            "2024-11-29 03:00:00,001 ERROR app: failed",
            "Traceback (most recent call last):",
            "  File \"a.py\", line 1, in <module>",
            "    f()",
            "ValueError: bad",
            "2024-11-29 03:00:00,002 INFO app: next",
        ])
        #expect(entries.count == 2)
        #expect(entries[0].lineCount == 5)
        #expect(entries[0].message == "app: failed\nTraceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n    f()\nValueError: bad")
        #expect(entries[0].text.hasPrefix("2024-11-29 03:00:00,001 ERROR app: failed\nTraceback"))
        #expect(entries[1].message == "app: next")
    }

    @Test func aTracebackWithoutHeaderInPlainTextIsAnError() {
        // A plain file (no header shape): the traceback's own lines are folded by their shapes.
        let entries = F.read(lines: [
            "worker starting",
            "Traceback (most recent call last):",
            "  File \"w.py\", line 9, in run",
            "    loop()",
            "KeyboardInterrupt",
            "worker stopped",
        ])
        #expect(entries.count == 2)
        #expect(entries[0].lineCount == 5)
        #expect(entries[0].level == .error, "a record that carries a stack trace and states no level")
        #expect(entries[1].message == "worker stopped")
        #expect(entries[1].level == .unknown)
    }

    @Test func javaStackTraceInPlainText() {
        let entries = F.read(lines: [
            "scheduler started",
            "java.lang.IllegalStateException: queue closed",
            "\tat com.x.Queue.take(Queue.java:10)",
            "Caused by: java.io.IOException: pipe",
            "\t... 3 more",
            "scheduler stopped",
        ])
        #expect(entries.count == 2)
        #expect(entries[0].lineCount == 5)
        #expect(entries[0].level == .error)
        #expect(entries[1].message == "scheduler stopped")
    }

    @Test func uncaughtJavaExceptionIsARecordOfItsOwn() {
        let entries = F.read(lines: [
            "2024-11-29 03:00:00,001 INFO app: working",
            "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
            "\tat java.util.Arrays.copyOf(Arrays.java:3512)",
            "2024-11-29 03:00:00,002 INFO app: restarted",
        ])
        #expect(entries.count == 3)
        #expect(entries[1].level == .error)
        #expect(entries[1].lineCount == 2)
    }

    @Test func idleFlushCompletesTheLastRecord() {
        var a = LogAssembler(source: "s", options: .init(idleTimeout: Milliseconds(500)))
        #expect(a.append("2024-11-29 03:00:00,001 INFO one", receivedAt: t0) == nil)
        #expect(a.hasPendingRecord)
        #expect(a.peek()?.message == "one", "the pending record can be shown before it completes")
        #expect(a.flush(now: t0 + Milliseconds(499)) == nil, "not idle long enough")
        let e = a.flush(now: t0 + Milliseconds(500))
        #expect(e?.message == "one")
        #expect(!a.hasPendingRecord)
        #expect(a.flush(now: t0 + Milliseconds(10_000)) == nil)
        // After a flush, a continuation line has no record to join: it is one of its own.
        let late = a.append("  indented after the flush", receivedAt: t0 + Milliseconds(10_000))
        #expect(late == nil)
        #expect(a.finish()?.message == "  indented after the flush")
    }

    @Test func aRecordIsCompletedByTheNextOneAndEveryLineCounts() {
        var a = LogAssembler(source: "s")
        var out: [LogEntry] = []
        let lines = (0..<1000).map { i in i % 10 == 9 ? "    detail \(i)" : "2024-11-29T03:00:00Z INFO line \(i)" }
        for line in lines { if let e = a.append(line, receivedAt: t0) { out.append(e) } }
        if let e = a.finish() { out.append(e) }
        #expect(out.count == 900)
        #expect(out.reduce(0) { $0 + $1.lineCount } == 1000)
        #expect(a.linesRead == 1000)
        #expect(a.recordsEmitted == 900)
    }

    @Test func limitsOnARecord() {
        let options = LogAssembler.Options(maxRecordLines: 3)
        let entries = F.read(lines: ["2024-11-29T03:00:00Z ERROR boom", "  a", "  b", "  c", "  d"], options: options)
        #expect(entries.map(\.lineCount) == [3, 2])
        let bytes = LogAssembler.Options(maxRecordBytes: 40)
        let small = F.read(lines: ["2024-11-29T03:00:00Z ERROR boom", "  0123456789", "  0123456789"], options: bytes)
        #expect(small.map(\.lineCount) == [1, 2], "the first continuation would pass 40 bytes")
    }

    @Test func tooManyBareLinesMeanTheFileIsPlainNow() {
        var lines = ["2024-11-29T03:00:00Z INFO started"]
        lines += (0..<100).map { "free text \($0)" }
        let options = LogAssembler.Options(bareLineLimit: 10)
        let entries = F.read(lines: lines, options: options)
        #expect(entries[0].lineCount == 11)
        #expect(entries.count == 1 + 90)
        #expect(entries.last?.format == .plain)
    }

    @Test func truncatedLinesAreMarked() {
        var a = LogAssembler(source: "s")
        let cut = "{\"level\":\"error\",\"msg\":\"" + String(repeating: "x", count: 100)
        #expect(a.append(cut, receivedAt: t0, truncated: true) == nil)
        let e = a.finish()
        #expect(e?.truncated == true)
        #expect(e?.format == .json, "a cut JSON line keeps what was read")
        #expect(e?.level == .error)
        #expect(e?.message.count == 100)
        // Without the mark, the same bytes are no JSON line.
        #expect(LogLineParser.parse(cut, source: "s", receivedAt: t0).format == .plain)
        // A cut continuation marks its record.
        var b = LogAssembler(source: "s")
        _ = b.append("2024-11-29T03:00:00Z ERROR boom", receivedAt: t0)
        _ = b.append("  long frame", receivedAt: t0, truncated: true)
        #expect(b.finish()?.truncated == true)
    }

    @Test func crlfLineEndings() {
        let entries = F.read(lines: ["2024-11-29T03:00:00Z INFO one\r", "  two\r"])
        #expect(entries[0].message == "one\n  two")
    }

    @Test func reDetectionAfterSeveralLinesOfAnotherShape() {
        var lines = (0..<5).map { "2024-11-29T03:00:0\($0)Z INFO text \($0)" }
        lines += (0..<20).map { #"{"level":"warn","msg":"json \#($0)"}"# }
        var a = LogAssembler(source: "s")
        for line in lines { _ = a.append(line, receivedAt: t0) }
        #expect(a.format == .json)
        #expect(a.formatChanges == 1)
    }

    @Test func valueSemantics() {
        var a = LogAssembler(source: "s")
        _ = a.append("2024-11-29T03:00:00Z INFO first", receivedAt: t0)
        var copy = a
        let fromCopy = copy.append("2024-11-29T03:00:01Z INFO copy's", receivedAt: t0)
        let fromOriginal = a.append("2024-11-29T03:00:01Z WARN original's", receivedAt: t0)
        #expect(fromCopy?.message == "first")
        #expect(fromOriginal?.message == "first")
        #expect(copy.finish()?.message == "copy's")
        #expect(a.finish()?.message == "original's")
    }
}
