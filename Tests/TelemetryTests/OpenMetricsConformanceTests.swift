import Foundation
import Testing
@testable import Telemetry

/// The OpenMetrics 1.0 parser conformance suite in `../shared/conformance/openmetrics/`: 211
/// cases, each a folder with `metrics` (the input) and `test.json` (`shouldParse`). Every case
/// runs; the counts and the names of the failures are printed; all 211 must pass.
@Suite struct OpenMetricsConformanceTests {
    struct Case: Decodable {
        var type: String
        var file: String
        var shouldParse: Bool
    }

    static var suiteDirectory: URL {
        ConformanceFiles.packageRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/conformance/openmetrics")
    }

    @Test func allCasesMatchTheReferenceParser() throws {
        let directory = Self.suiteDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            Issue.record("OpenMetrics conformance suite missing at \(directory.path)")
            return
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).appendingPathComponent("test.json").path) }
            .sorted()
        var passed = 0
        var failures: [String] = []
        for name in names {
            let folder = directory.appendingPathComponent(name)
            let spec = try JSONDecoder().decode(Case.self, from: Data(contentsOf: folder.appendingPathComponent("test.json")))
            guard spec.type == "text" else {
                failures.append("\(name) (unsupported case type \(spec.type))")
                continue
            }
            let data = try Data(contentsOf: folder.appendingPathComponent(spec.file))
            // The suite's inputs are UTF-8; one that is not is a rejection, as in Python.
            let outcome: Result<[MetricFamily], ExpositionError>
            if let text = String(data: data, encoding: .utf8) {
                do throws(ExpositionError) {
                    outcome = .success(try OpenMetricsParser.parse(text))
                } catch {
                    outcome = .failure(error)
                }
            } else {
                outcome = .failure(ExpositionError(line: 1, column: 1, message: "not UTF-8"))
            }
            switch (spec.shouldParse, outcome) {
            case (true, .success), (false, .failure):
                passed += 1
            case (true, .failure(let error)):
                failures.append("\(name) (should parse, got \(error))")
            case (false, .success):
                failures.append("\(name) (should be rejected, parsed)")
            }
        }
        print("openmetrics conformance: \(passed) passed, \(failures.count) failed")
        for failure in failures { print("  FAILED \(failure)") }
        #expect(names.count == 211, "expected 211 cases, found \(names.count)")
        #expect(passed == 211, "failures: \(failures.joined(separator: "; "))")
        #expect(failures.isEmpty)
    }
}
