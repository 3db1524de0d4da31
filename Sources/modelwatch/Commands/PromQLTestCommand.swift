import ArgumentParser
import Foundation
import PromQL

/// `modelwatch promql-test FILE...`: runs Prometheus's PromQL test scripts against the engine.
struct PromQLTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql-test",
        abstract: "Run PromQL test scripts (Prometheus's .test language) against modelwatch's engine.",
        discussion: """
            Prints, per file, "FILE: N passed, M failed, K unsupported", then each failure \
            (line, expression, why), then a total line. Unsupported evals (native histograms, \
            functions not implemented) are counted apart and never as passed. Exits 1 on any \
            failure or unreadable file.
            """
    )

    @Argument(help: "Test script files.")
    var files: [String]

    @Flag(name: .long, help: "Also list unsupported evals and why.")
    var showUnsupported = false

    func run() throws {
        let runner = PromQLTestScript()
        var passed = 0, failed = 0, unsupported = 0
        var anyError = false
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                print("\(file): cannot read")
                anyError = true
                continue
            }
            let report = runner.run(text, file: file)
            print("\(file): \(report.passed) passed, \(report.failed) failed, \(report.unsupported) unsupported")
            for o in report.outcomes {
                switch o.status {
                case .failed(let why): print("  FAIL line \(o.line): \(o.expr)\n    \(why)")
                case .unsupported(let why) where showUnsupported: print("  UNSUPPORTED line \(o.line): \(o.expr)\n    \(why)")
                default: break
                }
            }
            for e in report.scriptErrors { print("  SCRIPT ERROR \(e)") }
            if !report.scriptErrors.isEmpty { anyError = true }
            passed += report.passed; failed += report.failed; unsupported += report.unsupported
        }
        print("total: \(passed) passed, \(failed) failed, \(unsupported) unsupported")
        if failed > 0 || anyError { throw ExitCode(1) }
    }
}
