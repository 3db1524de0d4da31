#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Sources
import Synchronization
import Testing

/// The issue's proof: a writer thread writes at least 10,000 lines per second for 10 seconds
/// into three files while rotating them, by rename, by copy-truncate and by delete-and-
/// recreate, about once a second each; the follower (on its own thread, as the dashboard
/// runs it; once with inotify and the safety poll, once polling every 100 ms) must deliver
/// every line exactly once and in order per file. `MODELWATCH_STRESS_SECONDS` shortens or
/// lengthens the run.
@Suite(.serialized) struct LogFollowStressTests {
    @Test(arguments: [true, false])
    func everyLineExactlyOnceInOrderWhileRotatingUnderLoad(inotify: Bool) throws {
        let seconds = Double(ProcessInfo.processInfo.environment["MODELWATCH_STRESS_SECONDS"] ?? "") ?? 10
        let dir = ScratchDirectory("stress")
        defer { dir.cleanUp() }
        let writer = RotatingWriter(directory: dir.path, linesPerSecond: 12_000, seconds: seconds)
        let checker = DeliveryChecker(paths: writer.paths)
        let thread = LogFollowerThread(patterns: [dir.file("*.log")], options: LogFollowOptions(start: .beginning, useInotify: inotify),
                                       deliver: checker.deliver)
        thread.start()
        defer { thread.stop() }
        // Started before the files exist: they are picked up when they appear.
        let report = writer.run()

        // Everything written must arrive; generous, as the machine may be loaded.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !checker.hasReceived(report.linesPerPath) { usleep(10_000) }
        thread.stop()
        let result = checker.result

        let lat = result.latenciesMilliseconds.sorted()
        func pct(_ p: Double) -> Double { lat.isEmpty ? .nan : lat[min(lat.count - 1, Int(Double(lat.count) * p))] }
        let reports = thread.reports
        print("""
            log follow stress: \(report.linesWritten) lines in \(String(format: "%.2f", report.seconds)) s \
            = \(Int(Double(report.linesWritten) / report.seconds)) lines/s (\(report.bytesWritten / 1_000_000) MB); \
            rotations: \(report.renames) by rename, \(report.copyTruncates) by copy-truncate, \
            \(report.recreations) by delete-and-recreate; delivered \(result.delivered) lines in \
            \(result.batches) batches over \(thread.polls) polls (inotify: \(thread.usesInotify)); \
            latency p50 \(String(format: "%.1f", pct(0.5))) ms, p99 \(String(format: "%.1f", pct(0.99))) ms, \
            max \(String(format: "%.1f", lat.last ?? .nan)) ms; copy-truncate recoveries: \(result.recoveries)
            """)
        for r in reports {
            print("  \(r.path.split(separator: "/").last!): \(r.status), \(r.linesDelivered) lines, " +
                  "\(r.rotations) rotations, \(r.truncations) truncations")
        }

        #expect(result.errors.isEmpty, "\(result.errors.prefix(10))")
        for path in writer.paths {
            #expect(result.lastSequence[path] == report.linesPerPath[path], "\(path)")
        }
        #expect(result.delivered == report.linesWritten)
        #expect(Double(report.linesWritten) / report.seconds >= 10_000)
        // About one a second each; fewer only if the writer thread was starved for long.
        let several = max(1, Int(seconds) / 3)
        #expect(report.renames >= several)
        #expect(report.copyTruncates >= several)
        #expect(report.recreations >= several)
        #expect(result.recoveries == report.copyTruncates)
        #expect(thread.usesInotify == inotify)
        // A new line is meant to show within 250 ms; under a loaded CI machine only a loose
        // bound is asserted here, and the percentiles are printed above.
        #expect((lat.last ?? 0) < 2000)
    }
}

/// Checks delivery as it happens: each line carries its path's sequence number (and the
/// monotonic time it was written), which must be exactly one more than the last, as must
/// the follower's own sequence number.
final class DeliveryChecker: Sendable {
    struct Result {
        var lastSequence: [String: Int] = [:]
        var lastFollowerSequence: [String: UInt64] = [:]
        var delivered = 0
        var batches = 0
        var recoveries = 0
        var errors: [String] = []
        var latenciesMilliseconds: [Double] = []
    }

    private let state: Mutex<Result>

    init(paths: [String]) {
        var r = Result()
        for p in paths { r.lastSequence[p] = 0; r.lastFollowerSequence[p] = 0 }
        r.latenciesMilliseconds.reserveCapacity(200_000)
        state = Mutex(r)
    }

    func deliver(_ batches: [LogBatch]) {
        let now = SystemClock().monotonicNanoseconds()
        state.withLock { r in
            for batch in batches {
                r.batches += 1
                for notice in batch.notices {
                    if case .truncated(let from) = notice {
                        if from != nil { r.recoveries += 1 } else { r.errors.append("\(batch.path): truncation not recovered") }
                    }
                }
                guard let last = r.lastSequence[batch.path] else {
                    if !batch.lines.isEmpty { r.errors.append("lines from an unexpected path \(batch.path)") }
                    continue
                }
                var expected = last + 1
                var expectedFollower = r.lastFollowerSequence[batch.path]! + 1
                for line in batch.lines {
                    let fields = line.text.split(separator: " ", maxSplits: 3)
                    guard fields.count >= 3, let seq = Int(fields[1]), let written = UInt64(fields[2]),
                          !line.cut, !line.unterminated else {
                        if r.errors.count < 100 { r.errors.append("\(batch.path): malformed line \(line.text.prefix(80))") }
                        continue
                    }
                    if seq != expected, r.errors.count < 100 {
                        r.errors.append("\(batch.path): line \(seq) where \(expected) was expected")
                    }
                    if line.sequence != expectedFollower, r.errors.count < 100 {
                        r.errors.append("\(batch.path): follower sequence \(line.sequence) where \(expectedFollower) was expected")
                    }
                    expected = seq + 1
                    expectedFollower = line.sequence + 1
                    r.delivered += 1
                    r.latenciesMilliseconds.append(Double(now &- written) / 1e6)
                }
                r.lastSequence[batch.path] = expected - 1
                r.lastFollowerSequence[batch.path] = expectedFollower - 1
            }
        }
    }

    func hasReceived(_ counts: [String: Int]) -> Bool {
        state.withLock { r in counts.allSatisfy { r.lastSequence[$0.key] == $0.value } }
    }

    var result: Result { state.withLock { $0 } }
}

/// Writes numbered lines round-robin into `rename.log`, `copytruncate.log` and
/// `recreate.log` at a steady rate (catching up in bursts when it fell behind), and rotates
/// each about once a second, a third of a second apart:
///
/// - rename: `rename.log` becomes `rename.log.N`; three more lines still go to the renamed
///   file (as when a logger reopens only on SIGHUP), then the writer opens a new `rename.log`.
/// - copy-truncate: the writer pauses, copies the file to `copytruncate.log.N`, truncates it,
///   and goes on through the same `O_APPEND` descriptor. (logrotate does not pause the
///   writer, so lines written between its copy and its truncate are lost by design; pausing
///   makes what the test expects exact.)
/// - delete-and-recreate: the writer closes and deletes `recreate.log` and creates it again.
///
/// About one line in 13 is written in two `write` calls, so readers see partial lines; one
/// in 997 is 2 KB long.
final class RotatingWriter {
    struct Report {
        var linesWritten = 0
        var bytesWritten = 0
        var seconds = 0.0
        var renames = 0
        var copyTruncates = 0
        var recreations = 0
        var linesPerPath: [String: Int] = [:]
    }

    let directory: String
    let linesPerSecond: Double
    let seconds: Double
    let paths: [String]

    init(directory: String, linesPerSecond: Double, seconds: Double) {
        self.directory = directory
        self.linesPerSecond = linesPerSecond
        self.seconds = seconds
        paths = ["rename.log", "copytruncate.log", "recreate.log"].map { directory + "/" + $0 }
    }

    func run() -> Report {
        var report = Report()
        var fds = paths.map { Self.openForAppend($0) }
        var sequences = [Int](repeating: 0, count: paths.count)
        var generation = 0
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        let padding = [UInt8](repeating: UInt8(ascii: "p"), count: 2048)
        let clock = SystemClock()
        let start = clock.monotonicNanoseconds()
        var nextRotation = [0.33, 0.66, 1.0]  // seconds, per path
        var written = 0

        func writeLine(_ index: Int, oldFD: Int32? = nil) {
            sequences[index] += 1
            random = random &* 6364136223846793005 &+ 1442695040888963407
            let padLength = sequences[index] % 997 == 0 ? 2048 : Int(random >> 58)  // 0...63
            var line = Array("\(index) \(sequences[index]) \(clock.monotonicNanoseconds()) ".utf8)
            line += padding[0..<padLength]
            line.append(0x0A)
            let fd = oldFD ?? fds[index]
            if sequences[index] % 13 == 0 {
                let half = line.count / 2
                Self.writeAll(fd, Array(line[0..<half]))
                Self.writeAll(fd, Array(line[half...]))
            } else {
                Self.writeAll(fd, line)
            }
            report.bytesWritten += line.count
            written += 1
        }

        while true {
            let elapsed = Double(clock.monotonicNanoseconds() - start) / 1e9
            if elapsed >= seconds { break }
            let due = Int(elapsed * linesPerSecond)
            while written < due { writeLine(written % paths.count) }
            for index in paths.indices where elapsed >= nextRotation[index] && nextRotation[index] < seconds {
                // At least 300 ms between two rotations of a file, even after the writer was
                // starved: two rotations of a file between two polls lose the middle one, as
                // with tail -F.
                nextRotation[index] = max(nextRotation[index] + 1, elapsed + 0.3)
                generation += 1
                let path = paths[index]
                switch index {
                case 0:
                    rename(path, "\(path).\(generation)")
                    for _ in 0..<3 { writeLine(index) }
                    close(fds[index])
                    fds[index] = Self.openForAppend(path)
                    report.renames += 1
                case 1:
                    Self.copy(path, to: "\(path).\(generation)")
                    ftruncate(fds[index], 0)
                    report.copyTruncates += 1
                default:
                    close(fds[index])
                    unlink(path)
                    fds[index] = Self.openForAppend(path)
                    report.recreations += 1
                }
            }
            usleep(500)
        }
        report.seconds = Double(clock.monotonicNanoseconds() - start) / 1e9
        for fd in fds { close(fd) }
        report.linesWritten = written
        for (i, path) in paths.enumerated() { report.linesPerPath[path] = sequences[i] }
        return report
    }

    static func openForAppend(_ path: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "open \(path): \(errno)")
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            precondition(n > 0, "write: \(errno)")
            done += n
        }
    }

    static func copy(_ from: String, to: String) {
        let input = open(from, O_RDONLY | O_CLOEXEC)
        let output = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        precondition(input >= 0 && output >= 0)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            writeAll(output, Array(buffer[0..<n]))
        }
        close(input)
        close(output)
    }
}
