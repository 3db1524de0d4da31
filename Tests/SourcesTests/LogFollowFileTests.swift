#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Sources
import Synchronization
import Testing

/// Collects what a `LogFollowerThread` delivers, with the monotonic time it arrived.
final class BatchCollector: Sendable {
    private let received = Mutex<[(batch: LogBatch, at: UInt64)]>([])

    func deliver(_ batches: [LogBatch]) {
        let now = SystemClock().monotonicNanoseconds()
        received.withLock { r in for b in batches { r.append((b, now)) } }
    }

    var batches: [LogBatch] { received.withLock { $0.map(\.batch) } }
    var timed: [(batch: LogBatch, at: UInt64)] { received.withLock { $0 } }
    func texts(_ path: String) -> [String] { batches.filter { $0.path == path }.texts }

    /// Waits (polling every 5 ms) until `done` holds or `seconds` pass; returns whether it held.
    @discardableResult
    func wait(seconds: Double = 10, until done: (LogBatchesView) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if done(LogBatchesView(batches: batches)) { return true }
            usleep(5000)
        }
        return done(LogBatchesView(batches: batches))
    }
}

struct LogBatchesView {
    let batches: [LogBatch]
    func texts(_ path: String) -> [String] { batches.filter { $0.path == path }.texts }
    var notices: [LogFollowNotice] { batches.notices }
}

/// The follower on the real file system: each rotation kind, files that are not there yet,
/// not readable, not regular, binary; then wake-ups through inotify and polling.
@Suite struct LogFollowFileTests {
    func follower(_ patterns: [String], start: LogStartPosition = .end, inotify: Bool = false,
                  maxLine: Int = 1 << 20, fs: any LogFileSystem = SystemLogFileSystem()) -> LogFollower {
        LogFollower(patterns: patterns,
                    options: LogFollowOptions(start: start, maxLineBytes: maxLine, useInotify: inotify,
                                              rotationGraceMilliseconds: 1000),
                    fileSystem: fs)
    }

    @Test func rotationByRename() throws {
        let dir = ScratchDirectory("rename")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "before start\n")
        let f = follower([log])
        #expect(f.poll().texts == [])
        appendToFile(log, "one\ntwo\n")
        #expect(rename(log, log + ".1") == 0)
        appendToFile(log + ".1", "three, written to the old file after the rename\n")
        var got = f.poll()
        #expect(got.texts == ["one", "two", "three, written to the old file after the rename"])
        appendToFile(log, "four, in the new file\n")
        got = f.poll()
        #expect(got.texts == ["four, in the new file"])
        #expect(got.notices.contains(.rotated))
        #expect(got.lines.map(\.sequence) == [4])
        #expect(f.reports.first?.status == .following)
    }

    @Test func copyTruncate() throws {
        let dir = ScratchDirectory("copytruncate")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "")
        let f = follower([log])
        _ = f.poll()
        appendToFile(log, "a\nb\n")
        #expect(f.poll().texts == ["a", "b"])
        appendToFile(log, "c, not yet read when the copy is made\n")
        try FileManager.default.copyItem(atPath: log, toPath: log + "-20260101")
        #expect(truncate(log, 0) == 0)
        appendToFile(log, "d\n")
        let got = f.poll()
        #expect(got.texts == ["c, not yet read when the copy is made", "d"])
        #expect(got.notices.contains(.truncated(recoveredFrom: log + "-20260101")))
    }

    @Test func deletionAndRecreation() throws {
        let dir = ScratchDirectory("delete")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "")
        let f = follower([log])
        _ = f.poll()
        appendToFile(log, "last words\n")
        #expect(unlink(log) == 0)
        #expect(f.poll().texts == ["last words"])
        #expect(f.reports.first?.status == .draining)
        appendToFile(log, "reborn\n")
        #expect(f.poll().texts == ["reborn"])
        #expect(f.reports.first?.rotations == 1)
    }

    @Test func aFileThatDoesNotExistYetInADirectoryThatDoesNotExistYet() throws {
        let dir = ScratchDirectory("missing")
        defer { dir.cleanUp() }
        let log = dir.file("later/app.log")
        let f = follower([log])
        #expect(f.poll().notices == [.statusChanged(.waiting)])
        try FileManager.default.createDirectory(atPath: dir.file("later"), withIntermediateDirectories: true)
        appendToFile(log, "hello\n")
        let got = f.poll()
        #expect(got.texts == ["hello"])
        #expect(got.notices.contains(.opened(offset: 0)))
    }

    @Test func permissionDeniedThenGranted() throws {
        let dir = ScratchDirectory("denied")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "existing\n")
        let fs = DenyingFileSystem()
        fs.deny(log, true)
        let f = follower([log], fs: fs)
        #expect(f.poll().notices == [.statusChanged(.permissionDenied)])
        appendToFile(log, "while denied\n")
        #expect(f.poll().texts == [])
        #expect(f.reports.first?.status == .permissionDenied)
        fs.deny(log, false)
        #expect(f.poll().texts == ["while denied"])
    }

    /// chmod 000 denies nothing to root, so this runs only as another user.
    @Test(.enabled(if: geteuid() != 0, "running as root: chmod cannot deny"))
    func permissionDeniedByModeBits() throws {
        let dir = ScratchDirectory("chmod")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "")
        #expect(chmod(log, 0) == 0)
        let f = follower([log])
        #expect(f.poll().notices == [.statusChanged(.permissionDenied)])
        appendToFile(log, "granted later\n")
        #expect(chmod(log, 0o644) == 0)
        #expect(f.poll().texts == ["granted later"])
    }

    @Test func aDirectoryInsteadOfAFile() throws {
        let dir = ScratchDirectory("directory")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "")
        let f = follower([log])
        _ = f.poll()
        appendToFile(log, "x\n")
        #expect(unlink(log) == 0)
        #expect(mkdir(log, 0o755) == 0)
        // The old file is finished at once: the path has something else now.
        let got = f.poll()
        #expect(got.texts == ["x"])
        #expect(f.reports.first?.status == .notRegularFile(.directory))
        #expect(rmdir(log) == 0)
        appendToFile(log, "a file again\n")
        #expect(f.poll().texts == ["a file again"])
    }

    @Test func aFIFOIsNeverOpenedAndNeverBlocks() throws {
        let dir = ScratchDirectory("fifo")
        defer { dir.cleanUp() }
        let fifo = dir.file("pipe.log")
        #expect(mkfifo(fifo, 0o644) == 0)
        appendToFile(dir.file("other.log"), "")
        let f = follower([dir.file("*.log")])
        let start = SystemClock().monotonicNanoseconds()
        _ = f.poll()
        appendToFile(dir.file("other.log"), "still flowing\n")
        let got = f.poll()
        #expect(SystemClock().monotonicNanoseconds() - start < 2_000_000_000)
        #expect(got.texts == ["still flowing"])
        #expect(f.reports.first { $0.path == fifo }?.status == .notRegularFile(.fifo))
    }

    @Test func aBinaryFileIsReportedAndTheOthersKeepFlowing() throws {
        let dir = ScratchDirectory("binary")
        defer { dir.cleanUp() }
        let binary = dir.file("core.log")
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x0A, 0x41, 0x0A]).write(to: URL(fileURLWithPath: binary))
        let f = follower([binary, dir.file("app.log")], start: .beginning)
        appendToFile(dir.file("app.log"), "fine\n")
        let got = f.poll()
        #expect(got.texts == ["fine"])
        #expect(f.reports.first?.status == .binary)
    }

    @Test func aPartialLineIsHeldUntilItsNewline() throws {
        let dir = ScratchDirectory("partial")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "")
        let f = follower([log])
        _ = f.poll()
        appendToFile(log, "{\"level\":\"info\",")
        #expect(f.poll().texts == [])
        #expect(f.reports.first?.pendingBytes == 16)
        appendToFile(log, "\"msg\":\"done\"}\r\n")
        #expect(f.poll().texts == ["{\"level\":\"info\",\"msg\":\"done\"}"])
    }

    @Test func aTenMegabyteLineWithoutNewlineIsCutAtTheLimit() throws {
        let dir = ScratchDirectory("longline")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "")
        let f = follower([log])
        _ = f.poll()
        let megabyte = String(repeating: "z", count: 1 << 20)
        var cut: [FollowedLine] = []
        for _ in 0..<10 {
            appendToFile(log, megabyte)
            while true {
                let got = f.poll()
                cut += got.lines
                #expect((f.reports.first?.pendingBytes ?? 0) <= 1 << 20)
                if !f.hasMoreToRead { break }
            }
        }
        #expect(cut.count == 1)
        #expect(cut.first?.cut == true)
        #expect(cut.first?.text.utf8.count == 1 << 20)
        appendToFile(log, "\nnormal\n")
        #expect(f.poll().texts == ["normal"])
        #expect(f.reports.first?.cutLines == 1)
    }

    @Test func startsNLinesBackInALargeFile() throws {
        let dir = ScratchDirectory("lines")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: log))
        for block in 0..<50 {
            handle.write(Data((0..<10_000).map { "block \(block) line \($0)\n" }.joined().utf8))
        }
        try handle.close()
        let f = follower([log], start: .lines(5))
        let got = f.poll()
        #expect(got.texts == (9995..<10_000).map { "block 49 line \($0)" })
        #expect(f.reports.first!.bytesRead < 1000)
        #expect(f.reports.first!.offset == f.reports.first!.size)
    }

    @Test func aGlobPicksUpNewFiles() throws {
        let dir = ScratchDirectory("glob")
        defer { dir.cleanUp() }
        appendToFile(dir.file("a.log"), "old\n")
        let f = follower([dir.file("*.log")])
        _ = f.poll()
        appendToFile(dir.file("b.log"), "b from its start\n")
        appendToFile(dir.file("b.log.1"), "not matched\n")
        let got = f.poll()
        #expect(got.texts == ["b from its start"])
        #expect(got.first?.notices.first == .discovered)
        #expect(f.reports.map(\.path) == [dir.file("a.log"), dir.file("b.log")])
    }

    // MARK: wake-ups

    @Test func writesToOtherFilesInAWatchedDirectoryCostNoStat() throws {
        let dir = ScratchDirectory("busy")
        defer { dir.cleanUp() }
        appendToFile(dir.file("a.log"), "")
        appendToFile(dir.file("other.txt"), "")  // created before: a creation does cause a look
        let fs = CountingFileSystem()
        let f = LogFollower(patterns: [dir.file("a.log"), dir.file("*.json")],
                            options: LogFollowOptions(safetyPollMilliseconds: 60_000), fileSystem: fs)
        _ = f.poll()
        #expect(f.watchedDirectories == [dir.path])
        let before = fs.pathStats
        for i in 0..<50 { appendToFile(dir.file("other.txt"), "noise \(i)\n") }
        #expect(f.poll().isEmpty)
        #expect(fs.pathStats == before)
        appendToFile(dir.file("a.log"), "wanted\n")
        #expect(f.poll().texts == ["wanted"])
        appendToFile(dir.file("b.json"), "{}\n")
        #expect(f.poll().texts == ["{}"])
    }

    /// Lines written one at a time into an idle follower: each is delivered well within
    /// 250 ms (the median is asserted; the maximum only loosely, as other tests run in
    /// parallel on the same cores).
    @Test(arguments: [true, false])
    func deliversNewLinesWithin250Milliseconds(inotify: Bool) throws {
        let dir = ScratchDirectory("latency-\(inotify)")
        defer { dir.cleanUp() }
        let log = dir.file("app.log")
        appendToFile(log, "")
        let collector = BatchCollector()
        let thread = LogFollowerThread(patterns: [dir.file("*.log")],
                                       options: LogFollowOptions(useInotify: inotify),
                                       deliver: collector.deliver)
        thread.start()
        defer { thread.stop() }
        #expect(collector.wait(seconds: 5) { _ in thread.polls > 0 })
        #expect(thread.usesInotify == inotify)
        var latencies: [Double] = []
        for i in 0..<15 {
            let before = collector.batches.texts.count
            let written = SystemClock().monotonicNanoseconds()
            appendToFile(log, "line \(i)\n")
            collector.wait(seconds: 5) { $0.batches.texts.count > before }
            let arrived = collector.timed.last { $0.batch.lines.contains { $0.text == "line \(i)" } }?.at
            latencies.append(Double((arrived ?? SystemClock().monotonicNanoseconds()) - written) / 1e6)
            usleep(30_000)
        }
        let sorted = latencies.sorted()
        let median = sorted[sorted.count / 2]
        print("log follow latency (\(inotify ? "inotify" : "polling every 100 ms")): median \(String(format: "%.1f", median)) ms, max \(String(format: "%.1f", sorted.last!)) ms")
        #expect(collector.texts(log) == (0..<15).map { "line \($0)" })
        #expect(median < 250)
        #expect(sorted.last! < 2000)
    }

    /// Kubernetes' /var/log/containers/*.log are symlinks into /var/log/pods: the writes
    /// happen in the target's directory, which is watched too.
    @Test func aSymlinkedLogWakesTheThreadThroughItsTargetsDirectory() throws {
        let dir = ScratchDirectory("symlink")
        defer { dir.cleanUp() }
        try FileManager.default.createDirectory(atPath: dir.file("pods/p1"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("containers"), withIntermediateDirectories: true)
        appendToFile(dir.file("pods/p1/0.log"), "")
        #expect(symlink(dir.file("pods/p1/0.log"), dir.file("containers/p1.log")) == 0)
        let collector = BatchCollector()
        let thread = LogFollowerThread(patterns: [dir.file("containers/*.log")],
                                       options: LogFollowOptions(safetyPollMilliseconds: 30_000),
                                       deliver: collector.deliver)
        thread.start()
        defer { thread.stop() }
        #expect(collector.wait(seconds: 5) { _ in thread.polls > 0 })
        appendToFile(dir.file("pods/p1/0.log"), "through the link\n")
        #expect(collector.wait(seconds: 5) { $0.texts(dir.file("containers/p1.log")) == ["through the link"] })
    }

    @Test func aNewFileInAWatchedDirectoryWakesTheThread() throws {
        let dir = ScratchDirectory("wake")
        defer { dir.cleanUp() }
        let collector = BatchCollector()
        // A long safety poll: only inotify can make this fast.
        let thread = LogFollowerThread(patterns: [dir.file("*.log"), dir.file("later/app.log")],
                                       options: LogFollowOptions(safetyPollMilliseconds: 30_000),
                                       deliver: collector.deliver)
        thread.start()
        defer { thread.stop() }
        #expect(collector.wait(seconds: 5) { _ in thread.polls > 0 })
        appendToFile(dir.file("new.log"), "picked up\n")
        #expect(collector.wait(seconds: 5) { $0.texts(dir.file("new.log")) == ["picked up"] })
        try FileManager.default.createDirectory(atPath: dir.file("later"), withIntermediateDirectories: true)
        usleep(50_000)
        appendToFile(dir.file("later/app.log"), "in a new directory\n")
        #expect(collector.wait(seconds: 5) { $0.texts(dir.file("later/app.log")) == ["in a new directory"] })
        #expect(thread.reports.map(\.status) == [.following, .following])
    }
}
