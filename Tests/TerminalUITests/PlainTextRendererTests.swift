import Testing
import TerminalUI

@Suite struct PlainTextRendererTests {
    @Test func textTrimsTrailingSpacesAndSkipsContinuations() {
        var b = ScreenBuffer(size: Size(width: 8, height: 3))
        b.put("日本 ok", x: 0, y: 0)
        b.put("x", x: 3, y: 2)
        #expect(PlainTextRenderer.text(b) == "日本 ok\n\n   x")
    }

    @Test func snapshotShowsRowsBetweenMarkersThenStyleRuns() {
        var b = ScreenBuffer(size: Size(width: 6, height: 2))
        b.put("ab", x: 0, y: 0, style: Style(foreground: .ansi(1), attributes: [.bold, .reverse]))
        b.put("中", x: 3, y: 0, style: Style(foreground: .ansi(1), attributes: [.bold, .reverse]))
        b.put("c", x: 5, y: 0, style: Style(foreground: .ansi(1), attributes: [.bold, .reverse]))
        b.put("x", x: 0, y: 1, style: Style(foreground: .indexed(208), background: .rgb(1, 2, 3)))
        b.put("y", x: 1, y: 1, style: Style(attributes: [.dim, .italic, .underline]))
        #expect(PlainTextRenderer.snapshot(b) == """
            |ab 中c|
            |xy    |
            --- styles ---
            0:0-1 fg=ansi(1) bg=default attrs=bold,reverse
            0:3-5 fg=ansi(1) bg=default attrs=bold,reverse
            1:0-0 fg=idx(208) bg=rgb(1,2,3) attrs=none
            1:1-1 fg=default bg=default attrs=dim,italic,underline

            """)
    }

    @Test func plainBufferHasNoStyleRuns() {
        let b = ScreenBuffer(size: Size(width: 2, height: 1))
        #expect(PlainTextRenderer.snapshot(b) == "|  |\n--- styles ---\n")
        #expect(PlainTextRenderer.styleRuns(b).isEmpty)
    }
}
