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

/// The `--format` choices of `check metrics`.
enum CheckMetricsFormat: String, ExpressibleByArgument, CaseIterable {
    case auto, text, openmetrics
}

/// `modelwatch check metrics [--format auto|text|openmetrics] [FILE|-]`, like `promtool check metrics`.
struct CheckMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Parse a Prometheus text (0.0.4) or OpenMetrics 1.0 exposition; print family and sample counts, or the first error as FILE:line:column.",
        discussion: """
            On success prints "families: N samples: M" and exits 0. On the first error prints \
            "FILE:line:column: message" to standard error (control characters made visible) and \
            exits 1. The input must be UTF-8 without NUL bytes; lines are limited to 1 MiB and \
            samples to 1,000 labels.

            --format auto (the default) reads OpenMetrics when the input's last line is "# EOF", \
            else the 0.0.4 text format. A file that ends with "# EOF" but is not valid OpenMetrics \
            and is valid 0.0.4 (where "# EOF" is just a comment, as in Prometheus's own test data) \
            is accepted as 0.0.4 with a note on standard error; when it is neither, the \
            OpenMetrics error is reported. --format openmetrics checks strictly (mandatory # EOF, \
            no blank lines, histogram and counter rules), as the reference parser does.
            """
    )

    @Option(name: .long, help: "The exposition format: auto, text (0.0.4) or openmetrics.")
    var format: CheckMetricsFormat = .auto

    @Argument(help: "The exposition file, or - for standard input.")
    var file: String = "-"

    func run() throws {
        let name = file == "-" ? "<stdin>" : file
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("\(Sanitizer.visible(name)): cannot read the file\n".utf8))
                throw ExitCode(1)
            }
            data = d
        }
        let bytes = [UInt8](data)
        let chosen: ExpositionFormat
        switch format {
        case .auto: chosen = ExpositionFormat.detect(bytes)
        case .text: chosen = .text004
        case .openmetrics: chosen = .openMetrics
        }
        do {
            let families = try Exposition.parse(bytes, format: chosen)
            printCounts(families)
        } catch {
            if format == .auto, chosen == .openMetrics,
               let families = try? Exposition.parse(bytes, format: .text004) {
                printCounts(families)
                writeError("note: not valid OpenMetrics (\(location(name, error))); read as the 0.0.4 text format, where \"# EOF\" is a comment")
                return
            }
            writeError(location(name, error))
            if format == .auto, chosen == .openMetrics {
                writeError("note: read as OpenMetrics because the last line is \"# EOF\"; --format text reads the 0.0.4 text format")
            }
            throw ExitCode(1)
        }
    }

    func printCounts(_ families: [MetricFamily]) {
        let samples = families.reduce(0) { $0 + $1.samples.count }
        print("families: \(families.count) samples: \(samples)")
    }

    /// `FILE:line:column: message`. The message quotes the input, which is untrusted: its control
    /// characters are made visible.
    func location(_ name: String, _ error: ExpositionError) -> String {
        "\(Sanitizer.visible(name)):\(error.line):\(error.column): \(Sanitizer.visible(error.message))"
    }

    func writeError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
