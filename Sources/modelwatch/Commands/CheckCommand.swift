import ArgumentParser
import Foundation
import Telemetry
import TerminalUI

/// `modelwatch check ...`: validators for scripts and CI.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check files modelwatch reads.",
        subcommands: [CheckMetrics.self]
    )
}

/// `modelwatch check metrics [FILE|-]`, like `promtool check metrics`.
struct CheckMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Parse a Prometheus text exposition (0.0.4); print family and sample counts, or the errors with line:column."
    )

    @Argument(help: "The exposition file, or - for standard input.")
    var file: String = "-"

    func run() throws {
        let name = file == "-" ? "<stdin>" : file
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("\(name): cannot read the file\n".utf8))
                throw ExitCode(1)
            }
            data = d
        }
        guard let text = String(data: data, encoding: .utf8) else {
            FileHandle.standardError.write(Data("\(name): not valid UTF-8\n".utf8))
            throw ExitCode(1)
        }
        do {
            let families = try TextFormatParser.parse(text)
            let samples = families.reduce(0) { $0 + $1.samples.count }
            print("families: \(families.count) samples: \(samples)")
        } catch {
            // The message quotes the input, which is untrusted: make its control characters visible.
            FileHandle.standardError.write(Data("\(Sanitizer.visible(name)):\(error.line):\(error.column): \(Sanitizer.visible(error.message))\n".utf8))
            throw ExitCode(1)
        }
    }
}
