import Foundation
import TestSupport
import Testing

/// `modelwatch logs`: the dashboard's log reading, headless, on real files.
@Suite struct LogsCommandTests {
    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    let mixed = """
        2026-11-29T03:00:00Z INFO model fraud-detector loaded
        2026-11-29T03:00:01Z ERROR inference failed
        Traceback (most recent call last):
          File "model.py", line 12, in predict
        RuntimeError: CUDA out of memory \u{1B}]52;c;ZWNobyBoaQ==\u{07}
        2026-11-29T03:00:02Z WARN queue is long\u{1B}[2J

        """

    @Test func readsFoldsFiltersAndNeverPrintsEscapesRaw() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("app.log").path
        try mixed.write(toFile: file, atomically: true, encoding: .utf8)
        let bin = try modelwatchBinary()

        let all = try runProcess(bin, ["logs", file])
        #expect(all.status == 0, "\(all.stderr)")
        let lines = all.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("2026-") }.count == 3, "three entries, the traceback folded: \(all.stdout)")
        #expect(all.stdout.contains("    RuntimeError: CUDA out of memory"))
        #expect(!all.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "no raw escape reaches the terminal")
        #expect(all.stdout.contains("^[]52;c;"), "shown as visible text")

        let warn = try runProcess(bin, ["logs", "--level", "warn", file])
        #expect(warn.stdout.split(separator: "\n").filter { $0.hasPrefix("2026-") }.count == 2)
        #expect(!warn.stdout.contains("loaded"))

        let unterminated = dir.appendingPathComponent("partial.log").path
        try "2026-11-29T03:00:00Z INFO one\n2026-11-29T03:00:01Z INFO no newline at the end".write(toFile: unterminated, atomically: true, encoding: .utf8)
        let partial = try runProcess(bin, ["logs", unterminated])
        #expect(partial.stdout.contains("no newline at the end"), "\(partial.stdout)")

        let grep = try runProcess(bin, ["logs", "--grep", "CUDA|queue", file])
        #expect(grep.stdout.split(separator: "\n").filter { $0.hasPrefix("2026-") }.count == 2)

        let json = try runProcess(bin, ["logs", "--json", file])
        let objects = try json.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 3)
        #expect(objects[1]["level"] as? String == "error")
        #expect(objects[1]["lines"] as? Int == 4)
        #expect((objects[1]["message"] as? String)?.contains("\u{1B}]52") == true, "JSON keeps the bytes, escaped")
        #expect(objects[0]["stated_time"] as? String == "2026-11-29T03:00:00.000Z")
        #expect(!json.stdout.unicodeScalars.contains { $0.value == 0x1B })
    }

    @Test func aMissingFileIsAnErrorThatNamesIt() throws {
        let result = try runProcess(try modelwatchBinary(), ["logs", "/nonexistent/dir/app.log"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/dir/app.log"), "\(result.stderr)")
        let bad = try runProcess(try modelwatchBinary(), ["logs", "--grep", "(", "x.log"])
        #expect(bad.status != 0 && bad.stderr.contains("not a regular expression"))
    }

    @Test func followPrintsNewLinesAndSurvivesARotation() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("app.log")
        try "2026-11-29T03:00:00Z INFO old line\n".write(to: file, atomically: false, encoding: .utf8)
        let out = dir.appendingPathComponent("out").path, err = dir.appendingPathComponent("err").path
        let pid = try spawnProcess(try modelwatchBinary(), ["logs", "--follow", "--json", file.path],
                                   stdoutPath: out, stderrPath: err)
        defer { kill(pid, SIGTERM); var s: Int32 = 0; waitpid(pid, &s, 0) }
        func waitFor(_ text: String) throws -> String {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                let now = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
                if now.contains(text) { return now }
                usleep(50_000)
            }
            throw ProcessError("timed out waiting for \(text); output: \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
        }
        usleep(300_000)
        let handle = try FileHandle(forWritingTo: file)
        handle.seekToEndOfFile()
        handle.write(Data("2026-11-29T03:00:01Z ERROR first new line\n".utf8))
        try handle.close()
        _ = try waitFor("first new line")
        // Rotate by rename, then write to a new file at the path.
        try FileManager.default.moveItem(at: file, to: dir.appendingPathComponent("app.log.1"))
        try "2026-11-29T03:00:02Z INFO after rotation\n".write(to: file, atomically: false, encoding: .utf8)
        let text = try waitFor("after rotation")
        #expect(!text.contains("old line"), "starts at the end")
        #expect(text.components(separatedBy: "first new line").count == 2, "exactly once")
    }
}
