import Foundation
import Incidents
import Telemetry
import Testing

@Suite struct AuditEntryTests {
    /// Strings that must survive a round trip exactly and never reach the log raw.
    static let hostile: [String] = [
        "", " ", "'", "\"", "\\", "\\\"", "\\u0041", "a\nb", "a\r\nb", "\r", "\t", "\u{0}", "\u{1B}[31mred\u{1B}[0m",
        "\u{07}\u{08}\u{0C}\u{0B}", "\u{7F}", "\u{80}\u{9B}\u{9F}", "\u{2028}\u{2029}", "\u{202E}evil\u{202C}", "\u{2066}x\u{2069}",
        "\u{061C}\u{200E}\u{200F}", "ünï €中文 🚀", "e\u{301}", "'\u{301}", "👩‍👩‍👧", "\u{FFFD}", "\u{FFFF}", "\u{10FFFF}",
        "{\"version\":2}", "}", "\"],\"x\":[\"", "$(reboot)", "`id`", "; rm -rf / #", String(repeating: "x", count: 5000),
    ]

    static func sample(_ s: String = "resnet") -> AuditEntry {
        AuditEntry(event: .confirmed, runID: "run-\(s)", time: Timestamp(milliseconds: 1_764_000_000_123), user: "oncall-\(s)",
                   host: "host-\(s)", mode: "live", alert: "ModelErrorRateHigh-\(s)",
                   labels: ["model": s, "job": "triton", s.isEmpty ? "e" : "k-\(s)": s],
                   runbook: "runbooks/\(s).md", step: AuditEntry.Step(kind: "rollback", line: 12, section: "Roll back \(s)"),
                   command: "kubectl rollout undo deployment/'\(s)'", dryRun: false)
    }

    static func completed(_ s: String) -> AuditEntry {
        sample(s).completion(time: Timestamp(milliseconds: 1_764_000_005_000), ending: .exited, exitStatus: 0, signal: nil,
                             durationMilliseconds: 4877, outputTail: ["line 1 \(s)", s])
    }

    @Test(arguments: hostile)
    func hostileStringsRoundTripAndNeverAppearRaw(_ s: String) throws {
        for e in [Self.sample(s), Self.completed(s)] {
            let line = e.jsonLine()
            #expect(try AuditEntry.parse(line: line).get() == e)
            // One line, and nothing a terminal would act on.
            for u in line.unicodeScalars {
                let v = u.value
                #expect(!(v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || (0x202A...0x202E).contains(v)
                          || (0x2066...0x2069).contains(v) || v == 0x61C || v == 0x200E || v == 0x200F),
                        "raw U+\(String(v, radix: 16)) in \(line.prefix(200))")
            }
            // Standard JSON, readable by another parser, with the same strings.
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["user"] as? String == e.user)
            #expect((object["labels"] as? [String: String]) == e.labels)
            #expect(object["command"] as? String == e.command)
        }
    }

    @Test func everyEventAndEndingRoundTrips() throws {
        let base = Self.sample()
        var entries: [AuditEntry] = [base]
        var dry = base; dry.event = .dryRun; dry.dryRun = true; entries.append(dry)
        var refused = base; refused.event = .refused; refused.reason = "read-only mode"; entries.append(refused)
        var noContext = base; noContext.alert = nil; noContext.runbook = nil; noContext.step = nil; noContext.labels = [:]
        entries.append(noContext)
        var noSection = base; noSection.step?.section = nil; entries.append(noSection)
        let endings: [(AuditEntry.Ending, Int32?, Int32?)] = [
            (.exited, 3, nil), (.signaled, nil, 9), (.timedOut, nil, 15), (.timedOut, 0, nil), (.cancelled, nil, 9),
            (.cancelled, nil, nil), (.failedToStart("cannot start /bin/sh: No such file or directory"), nil, nil),
            (.statusUnknown("collected elsewhere"), nil, nil),
        ]
        for (ending, status, signal) in endings {
            entries.append(base.completion(time: Timestamp(milliseconds: 5), ending: ending, exitStatus: status, signal: signal,
                                           durationMilliseconds: 0, outputTail: []))
        }
        for e in entries {
            #expect(try AuditEntry.parse(line: e.jsonLine()).get() == e, "\(e.jsonLine())")
        }
    }

    @Test func theLineHasFixedKeysInAFixedOrder() throws {
        let e = Self.completed("m")
        #expect(e.jsonLine() == #"{"version":1,"event":"completed","run_id":"run-m","time":1764000005000,"user":"oncall-m","host":"host-m","mode":"live","alert":"ModelErrorRateHigh-m","labels":{"job":"triton","k-m":"m","model":"m"},"runbook":"runbooks/m.md","step":{"kind":"rollback","line":12,"section":"Roll back m"},"command":"kubectl rollout undo deployment/'m'","dry_run":false,"ending":"exited","exit_status":0,"signal":null,"duration_ms":4877,"error":null,"reason":null,"output_tail":["line 1 m","m"]}"#)
        // Keys in the documented order, whatever the entry.
        let keys = e.jsonLine().matches(of: #/"([a-z_]+)":/#).map { String($0.1) }
        let topLevel = keys.filter { !["job", "k", "model", "kind", "line", "section"].contains($0) }
        #expect(topLevel == AuditEntry.keys)
    }

    @Test func controlCharactersAreEscapedAsJSONEscapes() {
        var e = Self.sample()
        e.command = "a\u{1B}b\u{0}c\u{9B}d\u{202E}e\nf\"g\\h"
        #expect(e.jsonLine().contains(#""command":"a\u001Bb\u0000c\u009Bd\u202Ee\nf\"g\\h""#))
    }

    @Test func theOutputTailIsTheLastLinesEachBounded() throws {
        let lines = (1...30).map { "line \($0)" }
        let e = Self.sample().completion(time: Timestamp(milliseconds: 1), ending: .exited, exitStatus: 0, signal: nil,
                                         durationMilliseconds: 1, outputTail: lines)
        #expect(e.outputTail == Array(lines.suffix(20)))
        let long = String(repeating: "é", count: 600)   // 600 scalars, 1200 bytes
        let t = AuditEntry.tail([long, "short"])
        #expect(t[0].unicodeScalars.count == 500)
        #expect(t[0].hasSuffix("…"))
        #expect(t[0].hasPrefix(String(repeating: "é", count: 499)))
        #expect(t[1] == "short")
        // A grapheme made of many scalars is cut by scalars too: its size stays bounded.
        let zalgo = "a" + String(repeating: "\u{301}", count: 10_000)
        #expect(AuditEntry.tail([zalgo])[0].unicodeScalars.count == 500)
        // jsonLine bounds a tail set directly on the property as well.
        var raw = Self.sample()
        raw.outputTail = lines
        let parsed = try AuditEntry.parse(line: raw.jsonLine()).get()
        #expect(parsed.outputTail == Array(lines.suffix(20)))
    }

    @Test func strictParsingRefusesWhatAnAuditLineMustNotBe() throws {
        let good = Self.completed("m").jsonLine()
        func replacing(_ a: String, _ b: String) -> String {
            precondition(good.contains(a), a)
            return good.replacingOccurrences(of: a, with: b)
        }
        let cases: [(String, String)] = [
            (replacing(#""user":"oncall-m""#, #""user":"oncall-m","user":"root""#), "appears twice"),
            (replacing(#""mode":"live""#, #""mode":"live","extra":1"#), "unknown field"),
            (replacing(#""mode":"live","#, ""), "no `mode` field"),
            (replacing(#""version":1"#, #""version":2"#), "version 2"),
            (replacing(#""version":1"#, #""version":"1""#), "`version` is not an integer"),
            (replacing(#""time":1764000005000"#, #""time":1.764e12"#), "`time` is not an integer"),
            (replacing(#""time":1764000005000"#, #""time":99999999999999999999"#), "`time` is not an integer"),
            (replacing(#""event":"completed""#, #""event":"ran""#), "unknown event"),
            (replacing(#""ending":"exited""#, #""ending":null"#), "without an `ending`"),
            (replacing(#""ending":"exited","exit_status":0"#, #""ending":"exited","exit_status":null"#), "without an `exit_status`"),
            (replacing(#""event":"completed""#, #""event":"confirmed""#), "with completion fields"),
            (replacing(#""signal":null"#, #""signal":9"#), "both"),
            (replacing(#""error":null"#, #""error":"x""#), "an `error` without"),
            (replacing(#""dry_run":false"#, #""dry_run":0"#), "`dry_run` is not true or false"),
            (replacing(#""labels":{"job":"triton""#, #""labels":{"job":1"#), "is not a string"),
            (replacing(#""line":12"#, #""line":0"#), "line number"),
            (replacing(#""duration_ms":4877"#, #""duration_ms":-1"#), "negative"),
            (replacing(#""user":"oncall-m""#, #""user":"\uD800x""#), "surrogate"),
            (replacing(#""user":"oncall-m""#, #""user":"\uDC00""#), "surrogate"),
            (replacing(#""user":"oncall-m""#, #""user":"a\qb""#), "unknown escape"),
            (replacing(#""user":"oncall-m""#, "\"user\":\"a\u{1B}b\""), "raw control character"),
            (good + " x", "text after the end"),
            ("[1,2]", "not a JSON object"),
            ("", "the line ends inside a value"),
            (String(repeating: "[", count: 10_000), "nested more than"),
        ]
        for (line, why) in cases {
            switch AuditEntry.parse(line: line) {
            case .success: Issue.record("accepted: \(line.prefix(120))")
            case .failure(let e): #expect(e.description.contains(why), "\(e) for \(line.prefix(120))")
            }
        }
        // A surrogate pair written as escapes is one scalar.
        let pair = try AuditEntry.parse(line: replacing(#""user":"oncall-m""#, #""user":"\uD83D\uDE80""#)).get()
        #expect(pair.user == "🚀")
    }

    @Test func aLineCutShortSaysSo() {
        let line = Self.completed("ünï").jsonLine()
        for n in 1..<line.utf8.count {
            let prefix = String(decoding: Array(line.utf8.prefix(n)), as: UTF8.self)
            // A cut inside a multi-byte character decodes to U+FFFD at the end, still "ended early"
            // from the reader's point of view only after it trims; here we test whole characters.
            guard !prefix.hasSuffix("\u{FFFD}") else { continue }
            switch AuditEntry.parse(line: prefix) {
            case .success: Issue.record("a prefix of \(n) bytes parsed")
            case .failure(let e): #expect(e.endedEarly, "prefix \(n): \(e)")
            }
        }
        // Damage that is not a cut is not "ended early".
        if case .failure(let e) = AuditEntry.parse(line: "{\"version\":1,,") { #expect(!e.endedEarly) } else { Issue.record("parsed") }
    }
}

@Suite struct AuditLogReaderTests {
    static let a = AuditEntryTests.sample("a")
    static let b = AuditEntryTests.completed("b")
    static let c = AuditEntryTests.completed("c\u{1B}[2J")

    static func bytes(_ parts: [String]) -> [UInt8] { Array(parts.joined().utf8) }

    @Test func aWholeLogReadsAsItsEntries() {
        let log = Self.bytes([Self.a.jsonLine(), "\n", Self.b.jsonLine(), "\n", Self.c.jsonLine(), "\n"])
        let r = AuditLogReader.read(log, file: "audit.log")
        #expect(r.entries == [Self.a, Self.b, Self.c])
        #expect(r.entryLines == [1, 2, 3])
        #expect(r.problems.isEmpty && r.tornLines.isEmpty && !r.tornTail)
        #expect(AuditLogReader.read([], file: "x") == AuditLogContents(file: "x"))
    }

    @Test func aTornLastLineIsToleratedAndReported() {
        let line = Self.b.jsonLine()
        for cut in [1, 10, line.utf8.count / 2, line.utf8.count - 1] {
            let log = Self.bytes([Self.a.jsonLine(), "\n"]) + Array(line.utf8.prefix(cut))
            let r = AuditLogReader.read(log, file: "audit.log")
            #expect(r.entries == [Self.a])
            #expect(r.tornTail)
            #expect(r.tornLines == [2])
            #expect(r.problems.isEmpty)
        }
        // Even garbage as the unterminated last line is a torn write, not damage.
        let r = AuditLogReader.read(Self.bytes([Self.a.jsonLine(), "\n", "\u{1B}]0;x"]), file: "f")
        #expect(r.tornTail && r.problems.isEmpty && r.entries == [Self.a])
    }

    @Test func aCompleteLastLineWithoutNewlineIsAnEntry() {
        let r = AuditLogReader.read(Self.bytes([Self.a.jsonLine(), "\n", Self.b.jsonLine()]), file: "f")
        #expect(r.entries == [Self.a, Self.b])
        #expect(!r.tornTail && r.tornLines.isEmpty)
    }

    @Test func aBadMiddleLineIsAProblemAndReadingGoesOn() {
        let log = Self.bytes([Self.a.jsonLine(), "\n", "not json\n", Self.b.jsonLine(), "\n",
                              "{\"version\":1,\"event\":\"x\"}\n", Self.c.jsonLine(), "\n"])
        let r = AuditLogReader.read(log, file: "logs/audit.log")
        #expect(r.entries == [Self.a, Self.b, Self.c])
        #expect(r.entryLines == [1, 3, 5])
        #expect(r.problems.map(\.line) == [2, 4])
        #expect(r.problems[0].description == "logs/audit.log:2: not JSON at column 2: expected `null`")
        #expect(r.problems[1].description.hasPrefix("logs/audit.log:4: "))
        #expect(!r.tornTail)
    }

    @Test func invalidUTF8IsAProblemForThatLine() {
        var log = Self.bytes([Self.a.jsonLine(), "\n"])
        var bad = Array(Self.b.jsonLine().utf8)
        bad[20] = 0xFF
        log += bad + [0x0A] + Array((Self.c.jsonLine() + "\n").utf8)
        let r = AuditLogReader.read(log, file: "f")
        #expect(r.entries == [Self.a, Self.c])
        #expect(r.problems.map(\.description) == ["f:2: not valid UTF-8 (byte 21)"])
    }

    /// What the writer leaves after a crash: the torn line, its newline, the next entry.
    @Test func everyPrefixOfAnEntryInTheMiddleIsTornNotAProblem() {
        let line = Array(AuditEntryTests.completed("ünï 中文 🚀").jsonLine().utf8)
        for cut in 1..<line.count {
            let log = Array(line.prefix(cut)) + [0x0A] + Array((Self.a.jsonLine() + "\n").utf8)
            let r = AuditLogReader.read(log, file: "f")
            #expect(r.tornLines == [1], "cut at \(cut): \(r.problems)")
            #expect(r.problems.isEmpty, "cut at \(cut): \(r.problems)")
            #expect(r.entries == [Self.a])
            #expect(!r.tornTail)
            // As the last line, without a newline, it is the torn tail.
            let tail = AuditLogReader.read(Array((Self.a.jsonLine() + "\n").utf8) + Array(line.prefix(cut)), file: "f")
            #expect(tail.tornTail && tail.tornLines == [2] && tail.problems.isEmpty)
        }
    }

    @Test func nulBytesACrashLeftAreTorn() {
        let line = Array(Self.b.jsonLine().utf8)
        let zeros = [UInt8](repeating: 0, count: 37)
        // Only NULs; a prefix then NULs; in the middle and at the end.
        for torn in [zeros, Array(line.prefix(40)) + zeros] {
            let middle = AuditLogReader.read(torn + [0x0A] + Array((Self.a.jsonLine() + "\n").utf8), file: "f")
            #expect(middle.tornLines == [1] && middle.problems.isEmpty && middle.entries == [Self.a])
            let end = AuditLogReader.read(Array((Self.a.jsonLine() + "\n").utf8) + torn, file: "f")
            #expect(end.tornTail && end.problems.isEmpty && end.entries == [Self.a])
        }
        // A NUL inside what is otherwise garbage is a problem, not a torn line.
        let r = AuditLogReader.read(Array("garbage\u{0}\u{0}\n".utf8) + Array((Self.a.jsonLine() + "\n").utf8), file: "f")
        #expect(r.problems.map(\.line) == [1])
    }

    @Test func blankLinesAreSkipped() {
        let r = AuditLogReader.read(Self.bytes(["\n", Self.a.jsonLine(), "\n\n  \n", Self.b.jsonLine(), "\n\n"]), file: "f")
        #expect(r.entries == [Self.a, Self.b])
        #expect(r.entryLines == [2, 5])
        #expect(r.problems.isEmpty && !r.tornTail)
    }
}
