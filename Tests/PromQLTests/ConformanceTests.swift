import Foundation
import PromQL
import TestSupport
import Testing

/// Runs Prometheus's own PromQL test scripts (v3.5.0) through the runner.
@Suite struct ConformanceTests {
    /// Files that must have no failure among supported evals.
    static let required: Set<String> = ["functions.test", "histograms.test", "selectors.test", "staleness.test", "literals.test"]

    @Test func prometheusScripts() throws {
        let dir = Fixtures.conformance("prometheus")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".test") }.sorted()
        #expect(!files.isEmpty)
        #expect(Self.required.isSubset(of: Set(files)), "missing required scripts")
        var total = (0, 0, 0)
        for file in files {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let report = PromQLTestScript().run(text, file: file)
            print("\(file): \(report.passed) passed, \(report.failed) failed, \(report.unsupported) unsupported")
            total.0 += report.passed; total.1 += report.failed; total.2 += report.unsupported
            if Self.required.contains(file) {
                #expect(report.scriptErrors.isEmpty, "\(file): \(report.scriptErrors)")
                #expect(report.passed > 0, "\(file): nothing passed")
                for o in report.outcomes {
                    if case .failed(let why) = o.status { Issue.record("\(file):\(o.line): \(o.expr): \(why)") }
                }
            }
        }
        print("total: \(total.0) passed, \(total.1) failed, \(total.2) unsupported")
    }

    @Test func unsupportedIsNeverPassed() {
        let script = """
        load 1m
        \tnh {{schema:0 sum:1 count:1}}
        \tf 1

        eval instant at 0m nh
        \tnh {{schema:0 sum:1 count:1}}

        eval instant at 0m f
        \tf 1

        eval instant at 0m f
        \tf 2
        """
        let r = PromQLTestScript().run(script, file: "inline")
        #expect(r.passed == 1 && r.failed == 1 && r.unsupported == 1)
    }
}
