import Foundation
import Incidents
import Telemetry
import Testing

@Suite struct ShellQuoteTests {
    static let nasty = ["plain", "", "it's", "$(rm -rf /)", "`id`", "a;b", "a\nb", "'; echo pwned; '", "\\", "*", "a b", "ünï €"]

    @Test(arguments: nasty)
    func aQuotedValueIsExactlyOneWordToTheShell(_ value: String) throws {
        // printf %s prints the single argument it got back unchanged, or something else
        // if the value escaped its quotes.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "printf '%s|' " + ShellQuote.quote(value)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let out = String(data: pipe.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8)
        #expect(out == value + "|")
    }

    @Test func timelineIsBoundedAndCountsDrops() {
        var timeline = Timeline(capacity: 3)
        for i in 0..<5 { timeline.append(TimelineEvent(time: Timestamp(milliseconds: Int64(i)), kind: .note, model: "m", summary: "\(i)")) }
        #expect(timeline.events.map(\.summary) == ["2", "3", "4"])
        #expect(timeline.droppedCount == 2)
        #expect(timeline.events(for: "m").count == 3)
    }
}
