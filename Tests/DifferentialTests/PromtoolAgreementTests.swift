import Foundation
import Telemetry
import Testing
import TestSupport

/// (b) `promtool check metrics` (Prometheus's own expfmt parser) and `modelwatch check metrics`
/// must agree on which files of the corpus in `sample-data/expositions/` are valid 0.0.4.
///
/// The corpus names say what each file is: `ok-*` both accept, `bad-*` both reject (each breaks
/// one rule), `strict-*` promtool accepts and we reject on purpose (listed, with the reason, in
/// `knownStricterThanPromtool`: only the byte-level input policy of ADR 0004, invalid UTF-8 and
/// NUL). promtool also lints (exit 3: "no help text", "counter metrics should have _total
/// suffix", ...): lint findings alone count as accepted; only "text format parsing error"
/// (exit 1) is a rejection.
@Suite("promtool check metrics agreement")
struct PromtoolAgreementTests {
    /// Files where we are stricter than promtool 2.42, on purpose: only the byte-level input
    /// policy of docs/adr/0004-exposition-input-policy.md. The 0.0.4 grammar itself is read as
    /// expfmt reads it. The test fails if any of them stops disagreeing (then it belongs in
    /// `ok-`/`bad-`), and if any other file disagrees.
    static let knownStricterThanPromtool: [String: String] = [
        "strict-invalid-utf8-in-help.prom":
            "expfmt does not check HELP text for UTF-8; modelwatch checks the whole input for UTF-8 first",
        "strict-nul-in-label-value.prom":
            "expfmt accepts a NUL byte in a label value; modelwatch refuses NUL anywhere in the input (a broken or hostile target, see Exposition.parse)",
    ]

    enum Verdict: String { case accept, reject }

    struct Outcome {
        var file: String
        var promtool: Verdict
        var promtoolLine: Int?
        var promtoolMessage: String
        var ours: Verdict
        var ourLine: Int?
        var ourMessage: String
    }

    /// promtool's verdict: exit 0 (clean) or 3 (lint findings only) is accept; exit 1 with a text
    /// format parsing error is reject; anything else is a failure of the test itself.
    static func promtoolVerdict(_ promtool: String, file: String) throws -> (Verdict, Int?, String) {
        let r = try run(promtool, ["check", "metrics"], stdinFile: file, timeout: 30)
        let output = (r.stdout + r.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        let firstLine = output.split(separator: "\n").first.map(String.init) ?? ""
        let isParseError = output.contains("text format parsing error")
        switch (r.status, isParseError) {
        case (0, false), (3, false):
            return (.accept, nil, r.status == 3 ? "lint: \(firstLine)" : "")
        case (1, true):
            // "error while linting: text format parsing error in line 2: second TYPE line ..."
            var line: Int?
            if let range = output.range(of: "parsing error in line ") {
                line = Int(output[range.upperBound...].prefix { $0.isNumber })
            }
            return (.reject, line, firstLine.replacingOccurrences(of: "error while linting: text format parsing error ", with: ""))
        default:
            throw DiffError("promtool check metrics < \(file): unexpected exit \(r.status) with output:\n\(output)")
        }
    }

    /// `modelwatch check metrics --format text FILE` (the 0.0.4 format, which promtool checks):
    /// `families: N samples: M` and exit 0, or `FILE:line:column: message` and exit 1.
    static func modelwatchVerdict(_ binary: String, file: String) throws -> (Verdict, Int?, String) {
        let r = try run(binary, ["check", "metrics", "--format", "text", file], timeout: 30)
        if r.status == 0, r.stdout.hasPrefix("families: ") {
            return (.accept, nil, r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let message = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if r.status == 1, message.hasPrefix(file + ":") {
            let rest = message.dropFirst(file.count + 1)
            let line = Int(rest.prefix { $0.isNumber })
            return (.reject, line, String(rest))
        }
        throw DiffError("modelwatch check metrics \(file): unexpected exit \(r.status), stdout \(r.stdout.debugDescription), stderr \(r.stderr.debugDescription)")
    }

    /// The parser itself, in process, through the byte entry point the command uses: must say
    /// what the binary says.
    static func parserVerdict(file: String) -> Verdict {
        guard let data = FileManager.default.contents(atPath: file) else { return .reject }
        return (try? Exposition.parse([UInt8](data), format: .text004)) == nil ? .reject : .accept
    }

    static func table(_ rows: [Outcome]) -> String {
        let width = max(20, rows.map(\.file.count).max() ?? 20)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var out = "\(pad("file", width))  promtool            modelwatch\n"
        for r in rows {
            let p = r.promtool.rawValue + (r.promtoolLine.map { "@\($0)" } ?? "")
            let o = r.ours.rawValue + (r.ourLine.map { "@\($0)" } ?? "")
            out += "\(pad(r.file, width))  \(pad(p, 18))  \(pad(o, 12))  promtool: \(r.promtoolMessage) | ours: \(r.ourMessage)\n"
        }
        return out
    }

    @Test("promtool and modelwatch agree on every corpus file, except the documented stricter ones")
    func agreement() throws {
        let promtool = try requireTool("promtool")
        let binary = try modelwatchBinary()
        let files = try FileManager.default.contentsOfDirectory(atPath: expositionCorpus.path)
            .filter { $0.hasSuffix(".prom") }.sorted()
        #expect(files.count >= 40, "the corpus has only \(files.count) files")

        var outcomes: [Outcome] = []
        for name in files {
            let path = expositionCorpus.appendingPathComponent(name).path
            let (pv, pl, pm) = try Self.promtoolVerdict(promtool, file: path)
            let (ov, ol, om) = try Self.modelwatchVerdict(binary, file: path)
            #expect(Self.parserVerdict(file: path) == ov, "\(name): TextFormatParser in process disagrees with the binary")
            outcomes.append(Outcome(file: name, promtool: pv, promtoolLine: pl, promtoolMessage: pm,
                                    ours: ov, ourLine: ol, ourMessage: om))
        }

        let agreeing = outcomes.filter { $0.promtool == $0.ours }
        let disagreeing = outcomes.filter { $0.promtool != $0.ours }
        let unexpected = disagreeing.filter { Self.knownStricterThanPromtool[$0.file] == nil }
        // A known case must still be: promtool accepts, we reject.
        let known = outcomes.filter { Self.knownStricterThanPromtool[$0.file] != nil }
        let stale = known.filter { !($0.promtool == .accept && $0.ours == .reject) }
        let missingKnown = Self.knownStricterThanPromtool.keys.filter { !files.contains($0) }.sorted()
        // The corpus's names must tell the truth about promtool's verdict.
        let misnamed = outcomes.filter {
            ($0.file.hasPrefix("ok-") && ($0.promtool != .accept || $0.ours != .accept))
                || ($0.file.hasPrefix("bad-") && $0.promtool != .reject)
                || ($0.file.hasPrefix("strict-") && Self.knownStricterThanPromtool[$0.file] == nil)
                || !($0.file.hasPrefix("ok-") || $0.file.hasPrefix("bad-") || $0.file.hasPrefix("strict-"))
        }
        // Where both reject, promtool's line and ours should be the same line.
        let lineMismatches = agreeing.filter {
            $0.promtool == .reject && $0.ourLine != nil && $0.promtoolLine != $0.ourLine
        }

        let summary = """
            promtool agreement: \(files.count) files (\(outcomes.filter { $0.file.hasPrefix("ok-") }.count) ok, \
            \(outcomes.filter { $0.file.hasPrefix("bad-") }.count) bad, \(known.count) strict); \
            \(agreeing.count) agree (\(agreeing.filter { $0.ours == .accept }.count) accepted by both, \
            \(agreeing.filter { $0.ours == .reject }.count) rejected by both), \(disagreeing.count) disagree \
            (\(disagreeing.count - unexpected.count) known stricter, \(unexpected.count) unexpected); \
            \(toolVersion(promtool))
            known stricter than promtool (we reject, promtool accepts):
            \(Self.knownStricterThanPromtool.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }.joined(separator: "\n"))
            """
        print(summary)

        #expect(unexpected.isEmpty, "promtool and modelwatch disagree:\n\(Self.table(unexpected))\nall files:\n\(Self.table(outcomes))")
        #expect(stale.isEmpty, "listed in knownStricterThanPromtool but no longer promtool-accept/we-reject:\n\(Self.table(stale))")
        #expect(missingKnown.isEmpty, "knownStricterThanPromtool names files that are not in the corpus: \(missingKnown)")
        #expect(misnamed.isEmpty, "corpus files whose name (ok-/bad-/strict-) does not match the verdicts:\n\(Self.table(misnamed))")
        #expect(lineMismatches.isEmpty, "both reject, but on different lines:\n\(Self.table(lineMismatches))")
    }
}
