import Logs
import Telemetry
import Testing

/// Bytes from outside stay in the data as they were (invalid UTF-8 as U+FFFD); nothing is
/// interpreted, dropped or cut here. Making them visible is the screen's `Sanitizer`'s job.
@Suite struct UntrustedInputTests {
    typealias F = LogFixtures

    @Test func hostileSampleFile() throws {
        let r = try F.read("hostile.log")
        #expect(r.entries.count == 8)
        let e = r.entries
        #expect(e[1].message == "app: invalid utf-8 here: \u{FFFD}\u{FFFD} and a cut sequence \u{FFFD}")
        #expect(e[1].level == .error)
        #expect(e[2].message == "app: a NUL byte -> \u{0} <- kept")
        #expect(e[3].message == "app: \u{1B}[31mred text\u{1B}[0m and a title change \u{1B}]0;pwned\u{7} and clear \u{1B}[2J")
        #expect(e[4].message == "app: C1 CSI \u{9B}31m, bell \u{7}, backspace \u{8}, bidi \u{202E}evil\u{202C}")
        #expect(e[5].message == "app: windows line ending", "a final CR is part of the line break")
        #expect(e[6].format == .json)
        #expect(e[6].message == "escaped \u{1B}[31m and \u{0} and \u{FFFD} lone surrogate and \u{1F600}")
        // A colored level: the escape sequence is a word boundary for the level, and stays in the text.
        #expect(e[7].level == .info)
        #expect(e[7].message.hasPrefix("\u{1B}[32mINFO\u{1B}[0m:"))
        #expect(e.allSatisfy { $0.text.utf8.count >= $0.message.utf8.count - 8 })
    }

    @Test func rawBytesWithNULAndInvalidUTF8() {
        var a = LogAssembler(source: "s")
        let bytes: [UInt8] = Array("2024-11-29T03:00:00Z ERROR ".utf8) + [0x00, 0xC3, 0x28, 0xF0, 0x9F, 0x98] + Array(" model=m\u{1}x".utf8)
        _ = a.append(bytes: bytes, receivedAt: F.receivedAt)
        let e = a.finish()!
        #expect(e.level == .error)
        #expect(e.message == "\u{0}\u{FFFD}(\u{FFFD} model=m\u{1}x")
        #expect(e.model == "m\u{1}x", "control characters are data; the screen shows them")
    }

    @Test func aLongLineIsNeverCutHere() {
        let long = "2024-11-29T03:00:00Z INFO " + String(repeating: "é", count: 600_000)
        let e = LogLineParser.parse(long, source: "s", receivedAt: F.receivedAt)
        #expect(e.message.utf8.count == 1_200_000)
        #expect(!e.truncated)
    }

    @Test func binaryGarbageIsReadAsPlainText() {
        var bytes: [UInt8] = []
        var x: UInt32 = 12345
        for _ in 0..<20_000 {
            x = x &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: x >> 16))
        }
        let r = F.read(bytes: bytes, chunk: 333)
        let lines = bytes.split(separator: 10, omittingEmptySubsequences: false).count
        #expect(r.assembler.linesRead == lines)
        #expect(r.entries.reduce(0) { $0 + $1.lineCount } == lines)
    }
}
