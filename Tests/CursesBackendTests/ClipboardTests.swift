import CursesBackend
import Foundation
import Testing

/// OSC 52 carries base64: the text, whatever it holds, never reaches the terminal raw.
@Suite struct ClipboardTests {
    @Test func base64MatchesFoundationForEveryLengthAndByte() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                #expect(CursesTerminal.base64(bytes) == Data(bytes).base64EncodedString())
            }
        }
    }

    @Test func anEscapeSequenceInTheTextIsEncodedAway() {
        let encoded = CursesTerminal.base64(Array("kubectl \u{1B}]52;c;evil\u{07}\n".utf8))
        #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 })
    }
}
