import Logs
import Telemetry
import Testing

/// Formats a configuration describes, tried before the built-in ones.
@Suite struct CustomFormatTests {
    typealias F = LogFixtures

    @Test func nginxAccessLogByRegularExpression() throws {
        let format = try CustomLogFormat(
            name: "nginx",
            regex: #"^(?<client>\S+) \S+ \S+ \[(?<time>[^\]]+)\] "(?<method>\S+) (?<path>\S+)[^"]*" (?<status>\d{3}) (?<bytes>\d+)"#,
            timeLayout: "%d/%b/%Y:%H:%M:%S %z")
        let lines = [
            #"10.0.0.7 - - [29/Nov/2024:03:00:00 +0100] "POST /v2/models/fraud-detector/infer HTTP/1.1" 200 512"#,
            "a line nginx did not write",
        ]
        let entries = F.read(lines: lines, customFormats: [format])
        #expect(entries.count == 1, "a line without the format's shape continues the record before")
        let e = entries[0]
        #expect(e.format == .custom("nginx"))
        #expect(e.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 2, 0, 0)))
        #expect(e.statedTimeAssumptions == [])
        #expect(e.fields["client"] == "10.0.0.7")
        #expect(e.fields["status"] == "200")
        #expect(e.fields["path"] == "/v2/models/fraud-detector/infer")
        #expect(e.model == "fraud-detector", "free-text hints run on the message (the whole line here)")
        #expect(e.message == lines[0] + "\n" + lines[1])
        #expect(e.lineCount == 2)
    }

    @Test func regexRolesAndDefaults() throws {
        let format = try CustomLogFormat(name: "app", regex: #"^(?<level>[A-Z]) (?<time>\S+) \[(?<model>[^\]]+)\] (?<message>.*)$"#)
        let e = LogLineParser.parse("W 2024-11-29T03:00:00Z [churn] slow batch", source: "s", receivedAt: F.receivedAt,
                                    customFormats: [format])
        #expect(e.level == .warn)
        #expect(e.model == "churn")
        #expect(e.message == "slow batch")
        #expect(e.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 0)))
    }

    @Test func regexOnInvalidUTF8() throws {
        let format = try CustomLogFormat(name: "kv", regex: #"^(?<level>\w+) (?<message>.*)$"#)
        var a = LogAssembler(source: "s", customFormats: [format])
        _ = a.append(bytes: Array("ERROR bad \u{0}".utf8) + [0xFF] + Array(" byte".utf8), receivedAt: F.receivedAt)
        let finished = a.finish()
        let e = try #require(finished)
        #expect(e.format == .custom("kv"))
        #expect(e.message == "bad \u{0}\u{FFFD} byte")
        #expect(e.level == .error)
    }

    @Test func jsonWithItsOwnFieldNames() throws {
        let format = try CustomLogFormat(name: "gateway", kind: .json, timeFields: ["when"], levelFields: ["sev"],
                                         messageFields: ["text"], modelFields: ["deployment"], requestIDFields: ["rid"],
                                         timeLayout: "%Y%m%d %H%M%S")
        let e = LogLineParser.parse(#"{"when":"20241129 030000","sev":"W","text":"slow","msg":"not this one","deployment":"ranker","rid":"r-1"}"#,
                                    source: "s", receivedAt: F.receivedAt, customFormats: [format])
        #expect(e.format == .custom("gateway"))
        #expect(e.level == .warn)
        #expect(e.message == "slow", "the configured name wins over the built-in `msg`")
        #expect(e.model == "ranker")
        #expect(e.requestID == "r-1")
        #expect(e.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 0)))
        #expect(e.statedTimeAssumptions == [.zoneAssumedUTC])
        // Built-in names still fill what the configured ones do not.
        let f = LogLineParser.parse(#"{"level":"error","msg":"built-in names"}"#, source: "s", receivedAt: F.receivedAt,
                                    customFormats: [format])
        #expect(f.level == .error)
        #expect(f.message == "built-in names")
    }

    @Test func logfmtWithItsOwnFieldNames() throws {
        let format = try CustomLogFormat(name: "svc", kind: .logfmt, timeFields: ["at"], levelFields: ["prio"],
                                         messageFields: ["what"], timeLayout: "%s")
        let e = LogLineParser.parse(#"at=1732849200 prio=err what="disk full" model=m"#, source: "s",
                                    receivedAt: F.receivedAt, customFormats: [format])
        #expect(e.format == .custom("svc"))
        #expect(e.level == .error)
        #expect(e.message == "disk full")
        #expect(e.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 0)))
    }

    @Test func invalidDefinitionsAreErrors() {
        #expect(throws: CustomLogFormatError.self) { try CustomLogFormat(name: "bad", regex: "(unclosed") }
        #expect(throws: CustomLogFormatError.self) { try CustomLogFormat(name: "bad", regex: ".*", timeLayout: "%Q") }
        do {
            _ = try CustomLogFormat(name: "bad", regex: ".*", timeLayout: "%Y-%")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("log format 'bad': "))
        }
    }

    @Test func timeLayoutsWithoutAYear() throws {
        let format = try CustomLogFormat(name: "short", regex: #"^(?<time>\w{3} +\d+ [\d:]+) (?<message>.*)$"#,
                                         timeLayout: "%b %e %H:%M:%S")
        let e = LogLineParser.parse("Nov  9 03:00:00 hello", source: "s", receivedAt: F.receivedAt, customFormats: [format])
        #expect(e.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 9, 3, 0, 0)))
        #expect(e.statedTimeAssumptions == [.yearFromReceipt, .zoneAssumedUTC])
    }
}
