import Foundation
import Testing
import TestSupport

/// `modelwatch recording record-demo` and `recording info`, run as a script would, with files
/// cut off by `kill -9`, damaged, or from the future.
@Suite struct RecordingCommandTests {
    static func tempPath(_ name: String) -> String {
        NSTemporaryDirectory() + "mw-rec-\(UUID().uuidString)-\(name)"
    }

    static func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

    /// The value of an `info` line (`label:   value`).
    static func field(_ label: String, in output: String) -> String? {
        output.components(separatedBy: "\n").first { $0.hasPrefix(label + ":") }
            .map { String($0.dropFirst(label.count + 1)).trimmingCharacters(in: .whitespaces) }
    }

    /// The end of the header record: the preamble, then the header frame's 9 bytes and payload.
    static func headerEnd(_ b: [UInt8]) -> Int {
        12 + 9 + (Int(b[12]) | Int(b[13]) << 8 | Int(b[14]) << 16 | Int(b[15]) << 24)
    }

    /// A 30-minute demo recording, then `kill -9` of a longer one while it writes: the killed
    /// file reads up to its last whole record, and every record it has is, byte for byte, the
    /// record the uninterrupted run wrote (the demo and the encoder are deterministic).
    @Test func recordDemoInfoAndACrashMidWrite() throws {
        let bin = try modelwatchBinary()
        let full = Self.tempPath("full.mwr")
        defer { try? FileManager.default.removeItem(atPath: full) }
        let r = try runCommand(bin, ["recording", "record-demo", "--duration", "30m", "--out", full], timeout: 300)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("recorded 30m00s of the demo to \(full): "))
        var st = stat()
        #expect(stat(full, &st) == 0 && st.st_mode & 0o777 == 0o600)

        let info = try runCommand(bin, ["recording", "info", full])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stderr.isEmpty)
        #expect(Self.field("format", in: info.stdout) == "1.0 (written by modelwatch 0.1.0)")
        #expect(Self.field("mode", in: info.stdout) == "demo")
        #expect(Self.field("recorded", in: info.stdout) == "2026-11-29T03:00:00.000Z to 2026-11-29T03:30:00.000Z (30m00s)")
        #expect(Self.field("rule files", in: info.stdout)?.hasPrefix("sample-data/rules/model-health.yaml (") == true)
        #expect(Self.field("seed", in: info.stdout) == "42")
        #expect(Self.field("read", in: info.stdout) == "complete (\(Self.bytes(full).count) bytes)")
        #expect(info.stdout.contains("\n  scrapeCompleted           1444 "))
        let samples = try #require(Self.field("samples", in: info.stdout))
        #expect(samples.hasPrefix("178712 in 1444 scrapes"))
        let perSample = try #require(Self.field("bytes/sample", in: info.stdout).flatMap { Double($0.prefix { $0 != " " }) })
        #expect(perSample > 0.5 && perSample <= 2.0, "bytes per sample: \(perSample)")

        // The crash: a long recording killed while it writes.
        let killed = Self.tempPath("killed.mwr")
        defer { try? FileManager.default.removeItem(atPath: killed) }
        let out = Self.tempPath("out"), err = Self.tempPath("err")
        defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: err) }
        let pid = try spawnProcess(bin, ["recording", "record-demo", "--duration", "24h", "--out", killed], stdoutPath: out, stderrPath: err)
        let deadline = Date().addingTimeInterval(120)
        while Self.bytes(killed).count < 200_000 && Date() < deadline { usleep(20_000) }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        #expect(exitStatus(status) == 128 + SIGKILL)
        let cut = Self.bytes(killed)
        #expect(cut.count >= 200_000 && cut.count < Self.bytes(full).count, "killed mid-write: \(cut.count) bytes")

        let afterKill = try runCommand(bin, ["recording", "info", killed])
        let readField = try #require(Self.field("read", in: afterKill.stdout))
        let readUpTo: Int
        if afterKill.status == 0 {
            // The kill fell between two writes: the file ends on a record boundary.
            #expect(readField == "complete (\(cut.count) bytes)")
            readUpTo = cut.count
        } else {
            // It fell inside a write: a torn last record, reported as cut off, never as damage.
            #expect(afterKill.status == 1)
            #expect(readField.hasSuffix("stopped: cut off"))
            readUpTo = try #require(Int(readField.dropFirst("up to byte ".count).prefix { $0.isNumber }))
            #expect(afterKill.stderr.hasPrefix("modelwatch: \(killed): record #"))
            #expect(afterKill.stderr.contains("is cut short"))
            #expect(afterKill.stderr.contains("; read up to byte \(readUpTo), recorded time 2026-11-29T03:"))
        }
        let reference = Self.bytes(full)
        let a = Self.headerEnd(cut), b = Self.headerEnd(reference)
        #expect(a == b)
        #expect(readUpTo > a + 100_000)
        #expect(Array(cut[a..<readUpTo]) == Array(reference[b..<readUpTo]), "every record before the cut is the one the full run wrote")
    }

    /// A short recording for the tests of bad files.
    static func shortRecording() throws -> String {
        let path = tempPath("short.mwr")
        let r = try runCommand(try modelwatchBinary(), ["recording", "record-demo", "--duration", "90s", "--out", path])
        guard r.status == 0 else { throw E2EError("record-demo failed: \(r.stderr)") }
        return path
    }

    @Test func aCutDamagedOrFutureFileIsDescribedAsFarAsItReads() throws {
        let bin = try modelwatchBinary()
        let good = try Self.shortRecording()
        defer { try? FileManager.default.removeItem(atPath: good) }
        let bytes = Self.bytes(good)

        let cutPath = Self.tempPath("cut.mwr")
        defer { try? FileManager.default.removeItem(atPath: cutPath) }
        FileManager.default.createFile(atPath: cutPath, contents: Data(bytes.prefix(bytes.count - 3)))
        let cut = try runCommand(bin, ["recording", "info", cutPath])
        #expect(cut.status == 1)
        #expect(Self.field("mode", in: cut.stdout) == "demo", "what could be read is described")
        #expect(Self.field("read", in: cut.stdout)?.hasPrefix("up to byte ") == true)
        #expect(Self.field("read", in: cut.stdout)?.hasSuffix("of \(bytes.count - 3), stopped: cut off") == true)
        #expect(cut.stderr.hasPrefix("modelwatch: \(cutPath): record #"))
        #expect(cut.stderr.contains("is cut short (it needs "))
        #expect(cut.stderr.contains(", recorded time 2026-11-29T03:01:"))

        let damagedPath = Self.tempPath("damaged.mwr")
        defer { try? FileManager.default.removeItem(atPath: damagedPath) }
        var damaged = bytes
        damaged[bytes.count / 2] ^= 0x40
        FileManager.default.createFile(atPath: damagedPath, contents: Data(damaged))
        let d = try runCommand(bin, ["recording", "info", damagedPath])
        #expect(d.status == 1)
        #expect(Self.field("read", in: d.stdout)?.hasSuffix("stopped: damaged") == true)
        #expect(d.stderr.hasPrefix("modelwatch: \(damagedPath): record #"))
        #expect(d.stderr.contains("fails its CRC-32C check"))

        let futurePath = Self.tempPath("future.mwr")
        defer { try? FileManager.default.removeItem(atPath: futurePath) }
        var future = bytes
        future[8] = 3
        FileManager.default.createFile(atPath: futurePath, contents: Data(future))
        let f = try runCommand(bin, ["recording", "info", futurePath])
        #expect(f.status == 2)
        #expect(f.stdout.isEmpty)
        #expect(f.stderr == "modelwatch: \(futurePath): recording format 3.0 is newer than this modelwatch reads (1.x): nothing was read; read it with a newer modelwatch\n")
    }

    @Test func whatIsNotARecordingIsRefused() throws {
        let bin = try modelwatchBinary()
        let missing = try runCommand(bin, ["recording", "info", "/nonexistent/r.mwr"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "modelwatch: recording /nonexistent/r.mwr: No such file or directory\n")
        let dir = try runCommand(bin, ["recording", "info", NSTemporaryDirectory()])
        #expect(dir.status == 2)
        #expect(dir.stderr.contains("not a regular file (a directory)"))
        let text = Self.tempPath("text.prom")
        defer { try? FileManager.default.removeItem(atPath: text) }
        FileManager.default.createFile(atPath: text, contents: Data("# HELP x\n\u{1B}[2J".utf8))
        let t = try runCommand(bin, ["recording", "info", text])
        #expect(t.status == 2)
        #expect(t.stderr == "modelwatch: \(text): not a modelwatch recording (its first bytes are not the recording magic)\n")
    }

    @Test func recordDemoNeverOverwrites() throws {
        let bin = try modelwatchBinary()
        let path = Self.tempPath("exists.mwr")
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        let r = try runCommand(bin, ["recording", "record-demo", "--duration", "10s", "--out", path])
        #expect(r.status == 2)
        #expect(r.stderr == "modelwatch: recording \(path): already exists (a recording is written once, by one session)\n")
        #expect(Self.bytes(path) == Array("keep me".utf8))
        let bad = try runCommand(bin, ["recording", "record-demo", "--duration", "soon", "--out", path])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--duration 'soon' is not a duration"))
    }
}
