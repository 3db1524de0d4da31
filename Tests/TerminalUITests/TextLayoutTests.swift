import Testing
import TerminalUI

@Suite struct TextLayoutTests {
    @Test func truncateLeavesFittingTextAlone() {
        #expect(TextLayout.truncate("hello", toWidth: 5) == "hello")
        #expect(TextLayout.truncate("hello", toWidth: 9) == "hello")
    }

    @Test func truncateEndsWithEllipsisAtExactlyTheWidth() {
        #expect(TextLayout.truncate("hello world", toWidth: 8) == "hello w…")
        #expect(TextLayout.truncate("hello", toWidth: 1) == "…")
        #expect(TextLayout.truncate("hello", toWidth: 0) == "")
        #expect(TextLayout.truncate("hello", toWidth: -3) == "")
    }

    @Test func truncateNeverSplitsAWideGlyph() {
        // 日本語 is 6 columns; at 4 only 日 fits before the ellipsis, plus one padding column.
        #expect(TextLayout.truncate("日本語", toWidth: 4) == "日 …")
        #expect(TextLayout.truncate("日本語", toWidth: 5) == "日本…")
        #expect(TextLayout.truncate("ab日本", toWidth: 4) == "ab …")
        #expect(TextLayout.truncate("日本語", toWidth: 2) == " …")
        #expect(DisplayWidth.of(TextLayout.truncate("👨\u{200D}👩\u{200D}👧 family", toWidth: 6)) == 6)
        #expect(TextLayout.truncate("cafe\u{301}s and more", toWidth: 5) == "cafe\u{301}…")
    }

    @Test func truncateMeasuresSanitizedText() {
        // ESC is drawn as ^[ (two columns), so it counts as two.
        #expect(TextLayout.truncate("\u{1B}[2Jabc", toWidth: 5) == "^[[2…")
        #expect(TextLayout.width("\u{1B}") == 2)
    }

    @Test func clipCutsWithoutEllipsis() {
        #expect(TextLayout.clip("日本語", toWidth: 3) == "日")
        #expect(TextLayout.clip("abc", toWidth: 2) == "ab")
    }

    @Test func wrapBreaksAtWords() {
        #expect(TextLayout.wrap("the quick brown fox jumps", width: 10) == ["the quick", "brown fox", "jumps"])
        #expect(TextLayout.wrap("exactly ten", width: 11) == ["exactly ten"])
        #expect(TextLayout.wrap("a  b", width: 10) == ["a  b"])
    }

    @Test func wrapBreaksLongWords() {
        #expect(TextLayout.wrap("go supercalifragilistic now", width: 8) == ["go", "supercal", "ifragili", "stic now"])
    }

    @Test func wrapKeepsWideGlyphsWhole() {
        #expect(TextLayout.wrap("日本語テキスト", width: 5) == ["日本", "語テ", "キス", "ト"])
        #expect(TextLayout.wrap("ab 日本", width: 3) == ["ab", "日", "本"])
    }

    @Test func wrapHonoursHardBreaksAndIndentation() {
        #expect(TextLayout.wrap("one\n\ntwo three", width: 5) == ["one", "", "two", "three"])
        #expect(TextLayout.wrap("  indented text", width: 10) == ["  indented", "text"])
        #expect(TextLayout.wrap("", width: 5) == [""])
        #expect(TextLayout.wrap("abc", width: 0) == [])
    }

    @Test func wrappedLinesNeverExceedTheWidth() {
        let text = "model llama-3-70b p99 latency 1.2s 🔥 drift 日本語 score 0.73 supercalifragilistic"
        for width in 1...20 {
            for line in TextLayout.wrap(text, width: width) {
                #expect(DisplayWidth.of(line) <= max(width, 2), "width \(width): \(line)")
            }
        }
    }

    @Test func padAlignsAndTruncates() {
        #expect(TextLayout.pad("ab", toWidth: 5) == "ab   ")
        #expect(TextLayout.pad("ab", toWidth: 5, alignment: .right) == "   ab")
        #expect(TextLayout.pad("ab", toWidth: 5, alignment: .center) == " ab  ")
        #expect(TextLayout.pad("日本", toWidth: 6, alignment: .right) == "  日本")
        #expect(TextLayout.pad("toolong", toWidth: 4) == "too…")
    }

    @Test func styledLineTruncationKeepsStyles() {
        let red = Style(foreground: .ansi(1))
        let line = Line([Span("ok ", style: .plain), Span("FIRING now", style: red)])
        let t = line.truncated(toWidth: 7)
        #expect(t.plainText == "ok FIR…")
        #expect(t.spans.map(\.style) == [.plain, red])
        #expect(t.width == 7)
    }

    @Test func styledLineWrapKeepsStyles() {
        let bold = Style(attributes: .bold)
        let line = Line([Span("alpha "), Span("beta gamma", style: bold)])
        let wrapped = line.wrapped(toWidth: 6)
        #expect(wrapped.map(\.plainText) == ["alpha", "beta", "gamma"])
        #expect(wrapped[1].spans.map(\.style) == [bold])
    }

    @Test func spansSanitizeTheirText() {
        #expect(Span("a\u{1B}b").text == "a^[b")
        #expect(Span("a\u{1B}b").width == 4)
    }
}
