import Testing
import TerminalUI

@Suite struct SanitizerTests {
    @Test func plainTextIsUnchanged() {
        let s = "model=llama-3 p99=412ms 中文 😀 e\u{301}"
        #expect(Sanitizer.visible(s) == s)
    }

    @Test func c0ControlsBecomeCaretNotation() {
        #expect(Sanitizer.visible("a\u{1B}b") == "a^[b")
        #expect(Sanitizer.visible("bell\u{07}") == "bell^G")
        #expect(Sanitizer.visible("a\rb\nc\td") == "a^Mb^Jc^Id")
        #expect(Sanitizer.visible("\r\n") == "^M^J")
        #expect(Sanitizer.visible("\u{00}\u{1F}") == "^@^_")
        #expect(Sanitizer.visible("x\u{7F}") == "x^?")
    }

    @Test func clearScreenSequenceIsDefused() {
        #expect(Sanitizer.visible("\u{1B}[2J\u{1B}[H") == "^[[2J^[[H")
    }

    @Test func osc52ClipboardWriteIsDefused() {
        // OSC 52 terminated by BEL and by ST (ESC \).
        #expect(Sanitizer.visible("\u{1B}]52;c;ZXZpbA==\u{07}") == "^[]52;c;ZXZpbA==^G")
        #expect(Sanitizer.visible("\u{1B}]52;c;ZXZpbA==\u{1B}\\") == "^[]52;c;ZXZpbA==^[\\")
    }

    @Test func c1ControlsIncludingEightBitCSIBecomeCodePoints() {
        #expect(Sanitizer.visible("\u{9B}31mred") == "<U+009B>31mred")
        #expect(Sanitizer.visible("\u{80}\u{9F}") == "<U+0080><U+009F>")
        #expect(Sanitizer.visible("\u{9D}0;title\u{9C}") == "<U+009D>0;title<U+009C>")
        #expect(Sanitizer.visible("\u{A0}") == "\u{A0}")  // NBSP is not a control
    }

    @Test func bidiControlsBecomeCodePoints() {
        #expect(Sanitizer.visible("user\u{202E}gnp.exe") == "user<U+202E>gnp.exe")
        #expect(Sanitizer.visible("\u{202A}\u{202B}\u{202C}\u{202D}") == "<U+202A><U+202B><U+202C><U+202D>")
        #expect(Sanitizer.visible("\u{2066}\u{2067}\u{2068}\u{2069}") == "<U+2066><U+2067><U+2068><U+2069>")
        #expect(Sanitizer.visible("\u{200E}\u{200F}\u{061C}") == "<U+200E><U+200F><U+061C>")
        #expect(Sanitizer.visible("\u{2065}\u{206A}\u{2029}") == "\u{2065}\u{206A}\u{2029}")
    }

    @Test func sanitizingIsIdempotentAndLeavesNoControls() {
        let hostile = "\u{1B}[31m\u{9B}1;1H\u{202E}\u{07}\u{7F}\u{0}"
        let once = Sanitizer.visible(hostile)
        #expect(Sanitizer.visible(once) == once)
        #expect(!once.unicodeScalars.contains(where: Sanitizer.needsEscape))
        #expect(Sanitizer.singleLine("a\nb") == "a^Jb")
    }

    @Test func screenBufferPutNeverStoresControls() {
        var b = ScreenBuffer(size: Size(width: 12, height: 1))
        b.put("\u{1B}[2J\u{9B}", x: 0, y: 0)
        #expect(b.rowText(0) == "^[[2J<U+009B")
    }
}
