import ArgumentParser
import Dashboard
import Foundation
import PromQL
import Telemetry
import TerminalUI

/// `modelwatch query EXPR [--demo | --config FILE] [--at 90s]`: a PromQL query over the data
/// modelwatch scraped, printed as a table, for scripts and for checking a rule before it ships.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Evaluate a PromQL expression over the demo's or a config's scraped data and print a table.",
        discussion: """
        With --demo (the default without --config) the fleet runs on virtual time to --at and the \
        query is evaluated at that moment. With --config, the targets are scraped for --at of \
        real time first. Exit status: 0 with a result (even empty), 1 on a query error.
        """
    )

    @Argument(help: "The PromQL expression, e.g. 'sum by (model) (rate(nv_inference_request_success[1m]))'.")
    var expression: String

    @OptionGroup var session: SessionOptions

    @Option(help: "How far into the session to evaluate, e.g. 90s, 2m30s.")
    var at: String = "90s"

    @OptionGroup var display: DisplayOptions

    func validate() throws {
        _ = try SessionOptions.duration(at: at)
    }

    func run() throws {
        let expr: Expr
        do {
            expr = try Parser.parse(expression)
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible("\(error)"))\n".utf8))
            throw ExitCode(1)
        }
        let launch: Launch
        do {
            launch = try Launch.resolve(configPath: session.config, forceDemo: session.config == nil, display: display)
        } catch let error as LaunchError {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let state = HeadlessSession.run(launch, size: Size(width: 80, height: 24), duration: try SessionOptions.duration(at: at))
        do {
            let result = try Engine().instantQuery(expr, store: state.store, at: state.now)
            print(QueryTable.render(result.value), terminator: "")
            for warning in result.annotations.warnings {
                FileHandle.standardError.write(Data("warning: \(Sanitizer.visible(warning))\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible("\(error)"))\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// A query result as an aligned text table. Label values come from outside: every cell is
/// passed through `Sanitizer.visible`.
enum QueryTable {
    static func render(_ value: Value) -> String {
        switch value {
        case .scalar(let v): return "scalar: \(formatValue(v))\n"
        case .string(let s): return "string: \(Sanitizer.visible(s))\n"
        case .vector(let samples):
            let rows = samples.map { [seriesText($0.labels), formatValue($0.v)] }
            return table(header: ["SERIES", "VALUE"], rows: rows, count: samples.count)
        case .matrix(let series):
            let rows = series.map { s in
                [seriesText(s.labels), s.points.map { "\(formatValue($0.v)) @\(Double($0.t.milliseconds) / 1000)" }.joined(separator: "  ")]
            }
            return table(header: ["SERIES", "VALUES"], rows: rows, count: series.count)
        }
    }

    static func seriesText(_ labels: Labels) -> String {
        let name = labels["__name__"] ?? ""
        let rest = labels.removing(["__name__"])
        return Sanitizer.visible(name + (rest.isEmpty && !name.isEmpty ? "" : rest.description))
    }

    static func table(header: [String], rows: [[String]], count: Int) -> String {
        guard !rows.isEmpty else { return "(empty result)\n" }
        let width = max(header[0].count, rows.map { TextLayout.width($0[0]) }.max() ?? 0)
        var out = TextLayout.pad(header[0], toWidth: width) + "  " + header[1] + "\n"
        for row in rows.sorted(by: { $0[0] < $1[0] }) {
            out += TextLayout.pad(row[0], toWidth: width) + "  " + row[1] + "\n"
        }
        out += "(\(count) series)\n"
        return out
    }
}
