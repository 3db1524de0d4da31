import Foundation
import Testing
import TestSupport

/// `modelwatch audit FILE`: the binary reading audit logs, hostile ones included.
@Suite struct AuditCommandTests {
    static let confirmed = #"{"version":1,"event":"confirmed","run_id":"r1","time":1764000000123,"user":"alice","host":"h1","mode":"live","alert":"ModelErrorRateHigh","labels":{"model":"res\u001B[31mnet\n中文"},"runbook":"runbooks/errors.md","step":{"kind":"rollback","line":12,"section":"Roll \u009B1mback"},"command":"kubectl rollout undo deployment/'res\u001B[31mnet'","dry_run":false,"ending":null,"exit_status":null,"signal":null,"duration_ms":null,"error":null,"reason":null,"output_tail":[]}"#
    static let completed = #"{"version":1,"event":"completed","run_id":"r1","time":1764000004000,"user":"alice","host":"h1","mode":"live","alert":"ModelErrorRateHigh","labels":{"model":"res\u001B[31mnet\n中文"},"runbook":"runbooks/errors.md","step":{"kind":"rollback","line":12,"section":"Roll \u009B1mback"},"command":"kubectl rollout undo deployment/'res\u001B[31mnet'","dry_run":false,"ending":"timed_out","exit_status":null,"signal":9,"duration_ms":125000,"error":null,"reason":null,"output_tail":["rolled back","\u001B]0;pwned\u0007"]}"#

    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "audit-\(UUID().uuidString).log"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aGoodLogIsATableWithNothingRawFromTheFile() throws {
        let path = try write(Self.confirmed + "\n" + Self.completed + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try runCommand(try modelwatchBinary(), ["audit", path, "--details"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let lines = r.stdout.components(separatedBy: "\n")
        #expect(lines.first?.hasPrefix("TIME") == true)
        #expect(lines.contains { $0.hasPrefix("2025-11-24T16:00:00.123Z  confirmed  r1") })
        #expect(lines.contains { $0.contains("timed out (signal 9) in 2m5s") && $0.contains("deployment/'res^[[31mnet'") })
        #expect(lines.contains("    labels: model=res^[[31mnet^J中文"))
        #expect(lines.contains("    | ^[]0;pwned^G"))
        #expect(lines.contains("    section: Roll <U+009B>1mback"))
        for scalar in r.stdout.unicodeScalars where scalar != "\n" {
            #expect(!(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)), "raw U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test func jsonReEmitsTheCanonicalLines() throws {
        let path = try write(Self.confirmed + "\n" + Self.completed + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try runCommand(try modelwatchBinary(), ["audit", path, "--json"])
        #expect(r.status == 0)
        // The writer's escapes are uppercase hex, as in the file: the lines come back unchanged.
        #expect(r.stdout == Self.confirmed + "\n" + Self.completed + "\n")
    }

    @Test func aTornTailIsToleratedABadLineIsNot() throws {
        let torn = try write(Self.confirmed + "\n" + String(Self.completed.prefix(70)))
        defer { try? FileManager.default.removeItem(atPath: torn) }
        let t = try runCommand(try modelwatchBinary(), ["audit", torn])
        #expect(t.status == 0)
        #expect(t.stderr == "modelwatch: \(torn):2: torn last line (a write cut short, by a crash most likely); skipped\n")

        let bad = try write(Self.confirmed + "\n" + "\u{1B}[2Jgarbage\n" + Self.completed + "\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let b = try runCommand(try modelwatchBinary(), ["audit", bad])
        #expect(b.status == 1)
        #expect(b.stderr == "modelwatch: \(bad):2: not JSON at column 1: unexpected character byte 0x1B\n")
        #expect(b.stdout.components(separatedBy: "\n").filter { $0.contains("  r1  ") }.count == 2, "reading went on")
    }

    @Test func anUnreadableFileIsExitStatus2() throws {
        let r = try runCommand(try modelwatchBinary(), ["audit", "/nonexistent/audit.log"])
        #expect(r.status == 2)
        #expect(r.stderr == "modelwatch: audit log /nonexistent/audit.log: No such file or directory\n")
        let d = try runCommand(try modelwatchBinary(), ["audit", NSTemporaryDirectory()])
        #expect(d.status == 2)
        #expect(d.stderr.contains("not a regular file (a directory)"))
    }
}
