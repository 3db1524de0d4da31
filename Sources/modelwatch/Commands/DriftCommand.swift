import ArgumentParser
import Foundation
import Models
import Telemetry
import TerminalUI

/// `modelwatch drift REF CUR [--metric NAME] [--min-count N] [--json] [--fail-above PSI]`: the
/// drift statistics between the classic histograms of two exposition files, per series, for
/// offline checks and CI. See docs/drift.md.
struct DriftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Compare the histograms of two exposition files: PSI, Jensen-Shannon distance, KS, Wasserstein-1.",
        discussion: """
            Both files are Prometheus text (0.0.4) or OpenMetrics expositions (OpenMetrics when the \
            last line is "# EOF"). Their bucket counts are taken as absolute counts. Histograms are \
            matched by name and by every label other than "le"; each series gets PSI (zero shares \
            replaced by 1e-4), the Jensen-Shannon distance (base 2), the KS statistic on the \
            cumulative bucket fractions, Wasserstein-1 over the finite buckets (bin midpoints) and \
            each side's +Inf overflow share, or the reason they could not be computed. Drift \
            gauges exported by Evidently (evidently:*) and Seldon/Alibi Detect \
            (seldon_metric_drift_*) in CUR are listed as external readings.

            Exit status: 0 when the files were read (whatever the drift), 1 when a file cannot be \
            read or parsed (FILE:line:column: message) or --metric names no histogram in either \
            file, 2 when --fail-above is given and some series' PSI is above it.
            """
    )

    @Argument(help: "The reference exposition file.")
    var reference: String

    @Argument(help: "The current exposition file.")
    var current: String

    @Option(help: "Only this histogram (its name, with or without _bucket).")
    var metric: String?

    @Option(name: .customLong("min-count"), help: "Observations needed on each side before anything is computed.")
    var minCount: Int = Int(DriftMath.defaultMinimumCount)

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    @Option(name: .customLong("fail-above"), help: "Exit 2 when some series' PSI is above this (e.g. 0.25).")
    var failAbove: Double?

    func validate() throws {
        guard minCount >= 0 else {
            throw ValidationError("--min-count must be a number of observations, 0 or more")
        }
        if let failAbove, !failAbove.isFinite || failAbove < 0 {
            throw ValidationError("--fail-above must be a PSI value, 0 or more")
        }
    }

    func run() throws {
        let refFamilies = try Self.load(reference)
        let curFamilies = try Self.load(current)
        let results = DriftMonitor.compare(reference: refFamilies, current: curFamilies, metric: metric,
                                           minimumCount: Double(minCount))
        let external = ExternalDrift.readings(in: curFamilies)
        if let metric, !Self.isHistogram(metric, in: refFamilies), !Self.isHistogram(metric, in: curFamilies) {
            let name = Sanitizer.visible(metric)
            let note = results.first?.problem.map { " (\(Sanitizer.visible($0.detail)))" } ?? ""
            FileHandle.standardError.write(Data("modelwatch: no histogram named \(name) in \(Sanitizer.visible(reference)) or \(Sanitizer.visible(current))\(note)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(DriftReport.json(results, external: external, reference: reference, current: current,
                                   minimumCount: Double(minCount)))
        } else {
            print(DriftReport.text(results, external: external, reference: reference, current: current,
                                   minimumCount: Double(minCount)), terminator: "")
        }
        if let failAbove {
            let over = results.filter { ($0.statistics?.psi ?? 0) > failAbove }
            if !over.isEmpty {
                FileHandle.standardError.write(Data("modelwatch: PSI above \(failAbove) for \(over.count) series\n".utf8))
                throw ExitCode(2)
            }
        }
    }

    /// Whether `families` have a classic histogram named `metric` (with or without `_bucket`).
    static func isHistogram(_ metric: String, in families: [MetricFamily]) -> Bool {
        let base = metric.hasSuffix("_bucket") ? String(metric.dropLast("_bucket".count)) : metric
        return families.contains { $0.name == base && HistogramSeries.isHistogram($0.type) }
    }

    /// Reads and parses one exposition; a failure is reported as `FILE:line:column: message` and
    /// exits 1.
    static func load(_ path: String) throws -> [MetricFamily] {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("\(Sanitizer.visible(path)): cannot read the file\n".utf8))
            throw ExitCode(1)
        }
        let bytes = [UInt8](data)
        let format = ExpositionFormat.detect(bytes)
        do {
            return try Exposition.parse(bytes, format: format)
        } catch {
            // As `check metrics`: a file ending in "# EOF" that is valid 0.0.4 is read as 0.0.4.
            if format == .openMetrics, let families = try? Exposition.parse(bytes, format: .text004) {
                return families
            }
            FileHandle.standardError.write(Data("\(Sanitizer.visible(path)):\(error.line):\(error.column): \(Sanitizer.visible(error.message))\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// The command's output. Every text from the files (names, label values, reasons quoting them)
/// passes through `Sanitizer.visible` (text) or JSON escaping (JSON).
enum DriftReport {
    static func text(_ results: [DriftResult], external: [ExternalDriftReading], reference: String, current: String,
                     minimumCount: Double) -> String {
        var out = "reference: \(Sanitizer.visible(reference))\ncurrent:   \(Sanitizer.visible(current))\n"
        out += "minimum count \(count(minimumCount)) per side; PSI epsilon \(DriftMath.psiEpsilon); W1 at bin midpoints\n"
        if results.isEmpty { out += "\nno histograms in either file\n" }
        var metrics: [String] = []
        for r in results where !metrics.contains(r.metric) { metrics.append(r.metric) }
        for metric in metrics {
            let rows = results.filter { $0.metric == metric }
            out += "\n\(Sanitizer.visible(metric)) (\(rows.count) series)\n"
            let header = ["SERIES", "REF N", "CUR N", "PSI", "JS", "KS", "W1", "OVERFLOW REF", "CUR", "PSI BAND"]
            var table: [[String]] = []
            var notes: [(row: Int, text: String)] = []
            for (i, r) in rows.enumerated() {
                let series = r.labels.isEmpty ? "{}" : Sanitizer.visible(r.labels.description)
                if let s = r.statistics {
                    table.append([series, count(s.referenceCount), count(s.currentCount),
                                  fixed(s.psi), fixed(s.jsDistance), fixed(s.ks), s.wasserstein.map(general) ?? "-",
                                  percent(s.referenceOverflowShare), percent(s.currentOverflowShare), s.psiBand.rawValue])
                    if let p = s.wassersteinProblem { notes.append((i, "W1 " + Sanitizer.visible(p.description))) }
                } else {
                    table.append([series])
                    notes.append((i, Sanitizer.visible(r.problem?.description ?? "cannot compute")))
                }
            }
            let full = table.filter { $0.count == header.count }
            var widths = header.map { TextLayout.width($0) }
            for row in full { for (c, cell) in row.enumerated() { widths[c] = max(widths[c], TextLayout.width(cell)) } }
            widths[0] = min(widths[0], 60)
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { c, cell in
                    c == 0 ? TextLayout.pad(cell, toWidth: widths[0])
                        : TextLayout.pad(cell, toWidth: widths[c], alignment: c == header.count - 1 ? .left : .right)
                }.joined(separator: "  ").trimmingTrailingBlanks() + "\n"
            }
            out += line(header)
            for (i, row) in table.enumerated() {
                if row.count == header.count {
                    out += line(row)
                } else {
                    out += row[0] + "\n"
                }
                for note in notes where note.row == i { out += "  " + note.text + "\n" }
            }
        }
        if !external.isEmpty {
            out += "\nexternal drift gauges in \(Sanitizer.visible(current)):\n"
            for e in external { out += "  " + Sanitizer.visible(e.description) + "\n" }
        }
        return out
    }

    static func json(_ results: [DriftResult], external: [ExternalDriftReading], reference: String, current: String,
                     minimumCount: Double) -> String {
        var items: [String] = []
        for r in results {
            var fields: [(String, String)] = [("metric", string(r.metric)), ("labels", labels(r.labels))]
            if let s = r.statistics {
                fields += [("status", string("computed")), ("psi", number(s.psi)), ("psi_band", string(s.psiBand.rawValue)),
                           ("js_distance", number(s.jsDistance)), ("ks", number(s.ks)),
                           ("wasserstein", s.wasserstein.map(number) ?? "null"),
                           ("wasserstein_unavailable", s.wassersteinProblem.map { string($0.description) } ?? "null"),
                           ("reference_count", number(s.referenceCount)), ("current_count", number(s.currentCount)),
                           ("reference_overflow_share", number(s.referenceOverflowShare)),
                           ("current_overflow_share", number(s.currentOverflowShare)),
                           ("upper_bounds", "[" + s.upperBounds.map { string(ExpositionWriter.formatValue($0)) }.joined(separator: ",") + "]")]
            } else if let p = r.problem {
                fields += [("status", string("unavailable")), ("problem", string(p.kind.rawValue)),
                           ("side", p.side.map { string($0.rawValue) } ?? "null"), ("reason", string(p.description))]
            }
            items.append(object(fields))
        }
        let ext = external.map { e in
            object([("source", string(e.source.rawValue)), ("kind", string(e.kind.rawValue)), ("metric", string(e.metric)),
                    ("labels", labels(e.labels)), ("value", number(e.value)), ("text", string(e.description))])
        }
        return object([("reference", string(reference)), ("current", string(current)),
                       ("minimum_count", number(minimumCount)), ("psi_epsilon", number(DriftMath.psiEpsilon)),
                       ("results", "[" + items.joined(separator: ",") + "]"),
                       ("external", "[" + ext.joined(separator: ",") + "]")])
    }

    // MARK: Formatting

    static func count(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : general(v)
    }
    static func fixed(_ v: Double) -> String { String(format: "%.4f", v) }
    static func general(_ v: Double) -> String { String(format: "%.4g", v) }
    static func percent(_ v: Double) -> String { String(format: "%.2f%%", v * 100) }

    static func object(_ fields: [(String, String)]) -> String { JSONText.object(fields) }
    static func labels(_ l: Labels) -> String { object(l.pairs.map { ($0.name, string($0.value)) }) }
    static func number(_ v: Double) -> String { JSONText.number(v) }
    static func string(_ s: String) -> String { JSONText.string(s) }
}

extension String {
    fileprivate func trimmingTrailingBlanks() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
