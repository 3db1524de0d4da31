import Testing
import TerminalUI

@Suite struct ParagraphTests {
    @Test func wrapsAtWordsInsideABlock() {
        let p = Paragraph(text: "rollback the canary before paging the model owner", block: Block(title: "Runbook"))
        let b = draw(p, width: 16, height: 6)
        #expect(rows(b) == ["┌Runbook───────┐",
                            "│rollback the  │",
                            "│canary before │",
                            "│paging the    │",
                            "│model owner   │",
                            "└──────────────┘"])
    }

    @Test func truncatesWhenNotWrapping() {
        let p = Paragraph(text: "first line is long\nshort", overflow: .truncate)
        #expect(rows(draw(p, width: 10, height: 2)) == ["first lin…", "short     "])
    }

    @Test func alignmentPerParagraphAndPerLine() {
        let p = Paragraph([Line("left"), Line("right", alignment: .right), Line("mid")], alignment: .center)
        #expect(rows(draw(p, width: 9, height: 3)) == ["  left   ", "    right", "   mid   "])
    }

    @Test func scrollSkipsRowsAndExtraRowsAreDropped() {
        let p = Paragraph(text: "a\nb\nc\nd", scroll: 1)
        #expect(rows(draw(p, width: 3, height: 2)) == ["b  ", "c  "])
    }

    @Test func styleFillsTheAreaUnderTheSpans() {
        let bg = Style(background: .ansi(4))
        let bold = Style(attributes: .bold)
        let p = Paragraph([Line([Span("a"), Span("b", style: bold)])], style: bg)
        let b = draw(p, width: 3, height: 1)
        #expect(b[0, 0].style == bg)
        #expect(b[1, 0].style == Style(background: .ansi(4), attributes: .bold))
        #expect(b[2, 0].style == bg)
    }

    @Test func untrustedTextIsShownNotExecuted() {
        let p = Paragraph(text: "\u{1B}]52;c;aGk=\u{07}ok", overflow: .truncate)
        #expect(rows(draw(p, width: 20, height: 1)) == ["^[]52;c;aGk=^Gok    "])
    }

    @Test func wideGlyphsWrapWhole() {
        let p = Paragraph(text: "警告 モデル 遅延")
        #expect(rows(draw(p, width: 7, height: 3)) == ["警告   ", "モデル ", "遅延   "])
    }
}

@Suite struct StatusBarTests {
    let bar = Style(foreground: .ansi(0), background: .ansi(7))

    @Test func leftAndRightSegmentsFillTheRow() {
        let s = StatusBar(left: [Span("modelwatch"), Span(" 3 alerts")],
                          right: StatusBar.keyHints([("q", "quit"), ("?", "help")]), style: bar)
        let b = draw(s, width: 40, height: 1)
        #expect(rows(b) == ["modelwatch 3 alerts       q quit  ? help"])
        #expect((0..<40).allSatisfy { b[$0, 0].style.background == .ansi(7) })
        #expect(b[26, 0].style.attributes == .bold)   // the key "q"
        #expect(b[27, 0].style.attributes == [])
    }

    @Test func leftIsTruncatedToLeaveRoomForTheHints() {
        let s = StatusBar(left: [Span("a very long status message here")], right: [Span("q quit")], style: bar)
        #expect(rows(draw(s, width: 20, height: 1)) == ["a very long … q quit"])
    }

    @Test func rightKeepsAtMostHalfWhenBothDoNotFit() {
        let s = StatusBar(left: [Span("status")], right: [Span("q quit  ? help  / search")], style: bar)
        #expect(rows(draw(s, width: 16, height: 1)) == ["status  q quit …"])
    }

    @Test func drawsOnlyTheFirstRowOfItsArea() {
        var b = ScreenBuffer(size: Size(width: 6, height: 3), fill: Cell("x"))
        StatusBar(left: [Span("ok")], style: bar).render(into: &b, area: Rect(x: 0, y: 2, width: 6, height: 1))
        #expect(rows(b) == ["xxxxxx", "xxxxxx", "ok    "])
    }
}

@Suite struct OverlayTests {
    @Test func centeredRect() {
        let parent = Rect(x: 0, y: 0, width: 80, height: 24)
        #expect(Rect.centered(width: 40, height: 10, in: parent) == Rect(x: 20, y: 7, width: 40, height: 10))
        #expect(Rect.centered(width: 3, height: 3, in: Rect(x: 10, y: 5, width: 8, height: 8)) == Rect(x: 12, y: 7, width: 3, height: 3))
        #expect(Rect.centered(width: 100, height: 50, in: parent) == parent)
    }

    @Test func overlayClearsAndFramesACenteredRect() {
        var b = ScreenBuffer(size: Size(width: 12, height: 6), fill: Cell("."))
        let overlay = Overlay(width: 8, height: 4, block: Block(title: "Help", borderType: .rounded),
                              body: Paragraph(text: "q quit"))
        overlay.render(into: &b, area: b.area)
        #expect(rows(b) == ["............",
                            "..╭Help──╮..",
                            "..│q quit│..",
                            "..│      │..",
                            "..╰──────╯..",
                            "............"])
        #expect(overlay.contentArea(in: b.area) == Rect(x: 3, y: 2, width: 6, height: 2))
    }

    @Test func overlayRepairsWideGlyphsItCutsThrough() {
        var b = ScreenBuffer(size: Size(width: 6, height: 3))
        for y in 0..<3 { b.put("日本語", x: 0, y: y) }
        Clear().render(into: &b, area: Rect(x: 1, y: 1, width: 2, height: 1))
        #expect(rows(b) == ["日本語", "    語", "日本語"])
    }
}
