import Foundation
import Incidents
@testable import Sources
import Telemetry
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory, removed by `cleanUp()`.
struct TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "mw-audit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }
}

@Suite struct AuditLogTests {
    static func entry(_ n: Int, _ value: String = "resnet") -> AuditEntry {
        AuditEntry(event: .confirmed, runID: "run-\(n)", time: Timestamp(milliseconds: 1_764_000_000_000 + Int64(n)), user: "alice",
                   host: "h", mode: "live", alert: "ModelErrorRateHigh", labels: ["model": value], runbook: "rb.md",
                   step: AuditEntry.Step(kind: "rollback", line: 3, section: "Roll back"),
                   command: "kubectl rollout undo deployment/\(ShellQuote.quote(value))", dryRun: false)
    }

    @Test func createsTheFile0600AndEachAppendIsOnDiskAsOneLine() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let path = dir.file("audit.log")
        let w = try AuditLogWriter(path: path)
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(w.mode == 0o600)
        var expected: [UInt8] = []
        let values = ["resnet", "it's \"quoted\"\n\u{1B}[31m", "中文 🚀", "\u{202E}x\u{2028}"]
        for (i, v) in values.enumerated() {
            let e = Self.entry(i, v)
            try w.append(e)
            expected += Array((e.jsonLine() + "\n").utf8)
            // What a crash right after append returned would leave: exactly the lines so far.
            #expect(try dir.bytes("audit.log") == expected)
        }
        let read = try AuditLogFile.read(path: path).get()
        #expect(read.entries == values.enumerated().map { Self.entry($0, $1) })
        #expect(read.problems.isEmpty && !read.tornTail)
    }

    @Test func anExistingFileIsAppendedToAndKeepsItsMode() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let path = dir.file("audit.log")
        let first = Self.entry(1).jsonLine() + "\n"
        FileManager.default.createFile(atPath: path, contents: Data(first.utf8), attributes: [.posixPermissions: 0o640])
        let w = try AuditLogWriter(path: path)
        #expect(w.mode == 0o640)
        try w.append(Self.entry(2))
        #expect(try dir.bytes("audit.log") == Array((first + Self.entry(2).jsonLine() + "\n").utf8))
        // A second writer (another process, say) appends after the first's lines.
        let w2 = try AuditLogWriter(path: path)
        try w2.append(Self.entry(3))
        try w.append(Self.entry(4))
        #expect(try AuditLogFile.read(path: path).get().entries.map(\.runID) == ["run-1", "run-2", "run-3", "run-4"])
    }

    @Test func appendingAfterATornLineStartsANewLine() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let path = dir.file("audit.log")
        let torn = String(Self.entry(2).jsonLine().prefix(57))
        let before = Self.entry(1).jsonLine() + "\n" + torn   // a crash in the middle of a write
        FileManager.default.createFile(atPath: path, contents: Data(before.utf8))
        let w = try AuditLogWriter(path: path)
        try w.append(Self.entry(3))
        #expect(try dir.bytes("audit.log") == Array((before + "\n" + Self.entry(3).jsonLine() + "\n").utf8))
        let read = try AuditLogFile.read(path: path).get()
        #expect(read.entries.map(\.runID) == ["run-1", "run-3"])
        #expect(read.tornLines == [2])
        #expect(read.problems.isEmpty && !read.tornTail)
        // Torn again (another process crashed), then an append: the same recovery.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"version\":1,\"ev".utf8))
        try handle.close()
        try w.append(Self.entry(4))
        let again = try AuditLogFile.read(path: path).get()
        #expect(again.entries.map(\.runID) == ["run-1", "run-3", "run-4"])
        #expect(again.tornLines == [2, 4])
        #expect(again.problems.isEmpty && !again.tornTail)
    }

    @Test func concurrentAppendsProduceWholeLines() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let path = dir.file("audit.log")
        // Two writers on one file (two processes) and two threads on each: lines of ~12 KB,
        // far above PIPE_BUF, so that an interleaved write would show.
        let writers = [try AuditLogWriter(path: path), try AuditLogWriter(path: path)]
        let perThread = 100
        let big = (0..<20).map { String(repeating: "\($0 % 10)", count: 500) }
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for i in 0..<perThread {
                var e = Self.entry(t * 1000 + i)
                e.event = .completed; e.ending = .exited; e.exitStatus = 0; e.durationMilliseconds = 1
                e.outputTail = big
                try! writers[t % 2].append(e)
            }
        }
        let read = try AuditLogFile.read(path: path).get()
        #expect(read.problems.isEmpty, "\(read.problems.prefix(3))")
        #expect(read.tornLines.isEmpty && !read.tornTail)
        #expect(read.entries.count == 4 * perThread)
        #expect(Set(read.entries.map(\.runID)).count == 4 * perThread)
        #expect(read.entries.allSatisfy { $0.outputTail == big })
    }

    @Test func refusesWhatIsNotARegularFileAndAMissingDirectory() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        try FileManager.default.createDirectory(atPath: dir.file("adir"), withIntermediateDirectories: false)
        #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link-to-dir"), withDestinationPath: dir.file("adir"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("link-to-fifo"), withDestinationPath: dir.file("fifo"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("loop"), withDestinationPath: dir.file("loop"))
        FileManager.default.createFile(atPath: dir.file("real.log"), contents: nil)
        let cases: [(String, String)] = [
            (dir.file("adir"), "not a regular file (a directory)"),
            (dir.file("fifo"), "not a regular file (a FIFO)"),
            (dir.file("link-to-dir"), "not a regular file (a directory)"),
            (dir.file("link-to-fifo"), "not a regular file (a FIFO)"),
            ("/dev/null", "not a regular file (a character device)"),
            (dir.file("missing/audit.log"), "the directory \(dir.file("missing")) does not exist"),
            ("", "no path given"),
            (dir.file("loop"), "Too many levels of symbolic links"),
            (dir.file("real.log/x"), "Not a directory"),
        ]
        for (path, message) in cases {
            do {
                _ = try AuditLogWriter(path: path)
                Issue.record("opened \(path)")
            } catch {
                #expect(error.description == "audit log \(path): \(message)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("missing")), "no directory is created")
        // A symlink to a regular file is a regular file.
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.log"), withDestinationPath: dir.file("real.log"))
        try AuditLogWriter(path: dir.file("link.log")).append(Self.entry(1))
        #expect(try dir.bytes("real.log") == Array((Self.entry(1).jsonLine() + "\n").utf8))
    }

    @Test func aClosedWriterThrowsWithThePath() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let w = try AuditLogWriter(path: dir.file("a.log"))
        w.close()
        #expect(throws: AuditLogError(path: dir.file("a.log"), message: "closed")) { try w.append(Self.entry(1)) }
    }

    @Test func readingAFileThatCannotBeRead() {
        #expect(AuditLogFile.read(path: "/nonexistent/a.log") == .failure(AuditLogError(path: "/nonexistent/a.log", message: "No such file or directory")))
        guard case .failure(let e) = AuditLogFile.read(path: "/proc/self") else { Issue.record("read a directory"); return }
        #expect(e.message == "not a regular file (a directory)")
    }

    @Test func aCompletionFromARunOutcome() throws {
        let c = Self.entry(1)
        let cases: [(CommandOutcome, AuditEntry.Ending, Int32?, Int32?)] = [
            (CommandOutcome(ending: .exited(3), termination: .exited(3), duration: .milliseconds(1500)), .exited, 3, nil),
            (CommandOutcome(ending: .signaled(11), termination: .signaled(11), duration: .seconds(2)), .signaled, nil, 11),
            (CommandOutcome(ending: .timedOut, termination: .signaled(9), duration: .seconds(125)), .timedOut, nil, 9),
            (CommandOutcome(ending: .cancelled, termination: .exited(0), duration: .milliseconds(7)), .cancelled, 0, nil),
            (CommandOutcome(ending: .failedToStart("no sh")), .failedToStart("no sh"), nil, nil),
            (CommandOutcome(ending: .statusUnknown("reaped elsewhere")), .statusUnknown("reaped elsewhere"), nil, nil),
        ]
        for (outcome, ending, status, signal) in cases {
            var o = outcome
            o.outputTail = ["a", "b"]
            let e = c.completion(o, at: Timestamp(milliseconds: 9))
            #expect(e.event == .completed && e.runID == c.runID && e.command == c.command && e.labels == c.labels)
            #expect(e.ending == ending && e.exitStatus == status && e.signal == signal)
            #expect(e.durationMilliseconds == o.duration.components.seconds * 1000 + o.duration.components.attoseconds / 1_000_000_000_000_000)
            #expect(e.outputTail == ["a", "b"])
            #expect(try AuditEntry.parse(line: e.jsonLine()).get() == e)
        }
        #expect(c.completion(cases[0].0, at: Timestamp(milliseconds: 9)).durationMilliseconds == 1500)
    }

    @Test func identityIsTheEffectiveUserAndTheKernelsHostName() throws {
        #expect(AuditIdentity.currentUser() == NSUserName())
        let host = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
        #expect(AuditIdentity.currentHost() == host.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
