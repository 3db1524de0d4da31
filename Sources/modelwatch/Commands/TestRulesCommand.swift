import Alerting
import ArgumentParser
import Foundation

/// `modelwatch test-rules FILE...`: promtool's rule unit tests, with `promtool test rules`'s output and exit codes.
struct TestRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-rules",
        abstract: "Run Prometheus rule unit-test files (promtool's format) against modelwatch's rule evaluator.",
        discussion: """
            Prints "Unit Testing:  FILE" then "  SUCCESS" for each file, or "  FAILED:" and the failures \
            on standard error, as `promtool test rules` does. Exits 0 when every file passes, 1 otherwise. \
            See docs/rules.md.
            """
    )

    @Argument(help: "Unit-test files.")
    var files: [String]

    func out(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }
    func err(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    func run() throws {
        let tester = RuleUnitTester()
        var failed = false
        for file in files {
            out("Unit Testing:  \(file)\n")
            let report = tester.run(file: file)
            if report.passed {
                out("  SUCCESS\n\n")
            } else {
                failed = true
                // As promtool: "FAILED:" and each failure on stderr, a blank stdout line per failure and per file.
                err("  FAILED:\n")
                for e in report.errors { err(e + "\n"); out("\n") }
                out("\n")
            }
        }
        if failed { throw ExitCode(1) }
    }
}
