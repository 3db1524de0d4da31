import Foundation
import Testing
import TestSupport

/// `promtool test rules FILE` (Prometheus 2.42's rule unit-test runner) and `modelwatch test-rules FILE`
/// must agree on pass/fail (exit status) for every unit-test file in sample-data/rule-tests/.
/// Files named `fail-*` are expected to fail under both (a wrong expected value, an alert still
/// pending, a wrong annotation, colliding alert labels), so agreement covers FAILED output too.
/// The corpus keeps samples off range-window edges (ranges like 4m30s on a 1m grid), since promtool
/// 2.42's windows are left-closed and ours (Prometheus 3) left-open. Fails, never skips, when
/// promtool or the modelwatch binary is missing.
@Suite("promtool test rules agreement")
struct PromtoolRulesAgreementTests {
    static var corpus: URL { Fixtures.repositoryRoot.appendingPathComponent("sample-data/rule-tests") }

    @Test("promtool and modelwatch test-rules agree on every unit-test file")
    func agreement() throws {
        let promtool = try requireTool("promtool")
        let binary = try modelwatchBinary()
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)
            .filter { $0.hasSuffix(".test.yml") }.sorted()
        #expect(files.count >= 15, "the corpus has only \(files.count) unit-test files")

        var rows: [(file: String, promtool: Int32, ours: Int32)] = []
        for name in files {
            let path = Self.corpus.appendingPathComponent(name).path
            let p = try run(promtool, ["test", "rules", path], timeout: 60)
            let o = try run(binary, ["test-rules", path], timeout: 60)
            rows.append((name, p.status, o.status))
            #expect(p.status == o.status,
                    "\(name): promtool exit \(p.status), modelwatch exit \(o.status)\npromtool:\n\(p.stdout)\(p.stderr)\nmodelwatch:\n\(o.stdout)\(o.stderr)")
            #expect(o.stdout.hasPrefix("Unit Testing:  \(path)\n"), "\(name): output does not start like promtool's")
            if name.hasPrefix("fail-") {
                #expect(p.status == 1, "\(name) is named fail- but promtool exits \(p.status)")
                #expect(o.stderr.contains("  FAILED:"), "\(name): modelwatch does not print FAILED:")
            } else {
                #expect(p.status == 0, "\(name) should pass under promtool, exit \(p.status):\n\(p.stderr)")
                #expect(o.stdout.contains("  SUCCESS"), "\(name): modelwatch does not print SUCCESS")
            }
        }
        func verdict(_ s: Int32) -> String { s == 0 ? "SUCCESS" : "FAILED(\(s))" }
        let width = (rows.map(\.file.count).max() ?? 4) + 2
        var table = "file".padding(toLength: width, withPad: " ", startingAt: 0) + "promtool     modelwatch\n"
        for r in rows {
            table += r.file.padding(toLength: width, withPad: " ", startingAt: 0)
                + verdict(r.promtool).padding(toLength: 13, withPad: " ", startingAt: 0) + verdict(r.ours)
                + (r.promtool == r.ours ? "" : "   DISAGREE") + "\n"
        }
        let agree = rows.filter { $0.promtool == $0.ours }.count
        table += "\(agree)/\(rows.count) agree"
        print(table)
    }
}
