import ArgumentParser
import Foundation
import Incidents
import Sources
import TerminalUI

/// `modelwatch audit FILE`: reads an audit log (docs/audit-log.md) and prints its entries as a
/// table, or as canonical JSON lines with `--json`. Everything read from the file passes
/// through `Sanitizer.visible` (text) or JSON escaping (JSON) before it is printed: the log
/// holds label values and command output, which no one should let drive a terminal.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print an audit log of runbook commands: who ran what, when, and how it ended.",
        discussion: """
        Bad lines are reported on stderr as FILE:LINE: message, and reading goes on. A line cut \
        short by a crash (the last one, or one the writer closed before its next entry) is \
        reported and tolerated. Exit status: 0 when the file was read (torn lines included), \
        1 when some line is not an entry, 2 when the file cannot be read.
        """
    )

    @Argument(help: "The audit log file.")
    var file: String

    @Flag(help: "One JSON object per entry, in the log's own format.")
    var json = false

    @Flag(help: "Under each entry, its labels, step heading, reason or error, and the last lines of output.")
    var details = false

    func run() throws {
        let contents: AuditLogContents
        switch AuditLogFile.read(path: file) {
        case .success(let c): contents = c
        case .failure(let e):
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(e.description))\n".utf8))
            throw ExitCode(2)
        }
        var out = ""
        if json {
            for e in contents.entries { out += e.jsonLine() + "\n" }
        } else {
            out = AuditTable.render(contents.entries, details: details)
        }
        FileHandle.standardOutput.write(Data(out.utf8))

        let shownFile = Sanitizer.visible(file)
        var notes = ""
        for p in contents.problems {
            notes += "modelwatch: \(shownFile):\(p.line): \(Sanitizer.visible(p.message))\n"
        }
        for line in contents.tornLines {
            let last = contents.tornTail && line == contents.tornLines.last
            notes += "modelwatch: \(shownFile):\(line): torn \(last ? "last line" : "line") (a write cut short, by a crash most likely); skipped\n"
        }
        if !notes.isEmpty { FileHandle.standardError.write(Data(notes.utf8)) }
        if !contents.problems.isEmpty { throw ExitCode(1) }
    }
}

/// The text form of `modelwatch audit`: one row per entry, fixed columns, the command last.
enum AuditTable {
    static func render(_ entries: [AuditEntry], details: Bool) -> String {
        let header = ["TIME", "EVENT", "RUN", "USER@HOST", "MODE", "ALERT", "STEP", "RESULT", "COMMAND"]
        var rows: [[String]] = []
        var tails: [[String]] = []
        for e in entries {
            let step = [e.runbook.map { Sanitizer.visible($0) }, e.step.map { "\($0.line) \(Sanitizer.visible($0.kind))" }]
                .compactMap { $0 }.joined(separator: ":")
            rows.append([
                LogsOutput.isoTime(e.time),
                e.event.rawValue + (e.dryRun && e.event != .dryRun ? " (dry run)" : ""),
                Sanitizer.visible(e.runID),
                Sanitizer.visible(e.user) + "@" + Sanitizer.visible(e.host),
                Sanitizer.visible(e.mode),
                e.alert.map { Sanitizer.visible($0) } ?? "-",
                step.isEmpty ? "-" : step,
                result(e),
                Sanitizer.visible(e.command),
            ])
            tails.append(details ? detailLines(e) : [])
        }
        // Widths by display width, so that wide characters in a label keep the columns straight.
        var widths = header.map { DisplayWidth.of($0) }
        for r in rows { for (i, c) in r.enumerated() where i < header.count - 1 { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, c) in cells.enumerated() {
                if i == cells.count - 1 { s += c } else { s += c + String(repeating: " ", count: widths[i] - DisplayWidth.of(c) + 2) }
            }
            return s
        }
        var out = line(header) + "\n"
        for (r, t) in zip(rows, tails) {
            out += line(r) + "\n"
            for l in t { out += l + "\n" }
        }
        return out
    }

    /// What does not fit in a row: labels, the step's heading, a reason or error, the output.
    static func detailLines(_ e: AuditEntry) -> [String] {
        var lines: [String] = []
        if !e.labels.isEmpty {
            lines.append("    labels: " + e.labels.keys.sorted().map { Sanitizer.visible($0) + "=" + Sanitizer.visible(e.labels[$0]!) }
                .joined(separator: " "))
        }
        if let section = e.step?.section { lines.append("    section: " + Sanitizer.visible(section)) }
        if let reason = e.reason { lines.append("    reason: " + Sanitizer.visible(reason)) }
        if let error = e.ending?.message { lines.append("    error: " + Sanitizer.visible(error)) }
        lines += e.outputTail.map { "    | " + Sanitizer.visible($0) }
        return lines
    }

    /// How a completion ended, with its duration; the reason of a refusal; `-` otherwise.
    static func result(_ e: AuditEntry) -> String {
        if e.event == .refused { return "refused" + (e.reason.map { ": " + Sanitizer.visible($0) } ?? "") }
        guard let ending = e.ending else { return "-" }
        var s: String
        switch ending {
        case .exited: s = "exit \(e.exitStatus.map(String.init) ?? "?")"
        case .signaled: s = "signal \(e.signal.map(String.init) ?? "?")"
        case .timedOut: s = "timed out"
        case .cancelled: s = "cancelled"
        case .failedToStart(let m): s = "not started: " + Sanitizer.visible(m)
        case .statusUnknown(let m): s = "status unknown: " + Sanitizer.visible(m)
        }
        switch ending {
        case .timedOut, .cancelled:
            if let c = e.exitStatus { s += " (exit \(c))" } else if let sig = e.signal { s += " (signal \(sig))" }
        default: break
        }
        if let ms = e.durationMilliseconds { s += " in " + duration(ms) }
        return s
    }

    static func duration(_ ms: Int64) -> String {
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        return "\(ms / 60_000)m\(ms % 60_000 / 1000)s"
    }
}
