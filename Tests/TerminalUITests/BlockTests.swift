import Testing
import TerminalUI

@Suite struct BlockTests {
    @Test func plainBorderWithTitle() {
        let b = draw(Block(title: "Models"), width: 12, height: 3)
        #expect(rows(b) == ["┌Models────┐",
                            "│          │",
                            "└──────────┘"])
    }

    @Test func roundedBorderWithBothTitles() {
        let block = Block(title: "Alerts", rightTitle: "3 firing", borderType: .rounded)
        let b = draw(block, width: 20, height: 3)
        #expect(rows(b) == ["╭Alerts────3 firing╮",
                            "│                  │",
                            "╰──────────────────╯"])
    }

    @Test func titlesAreTruncatedLeftTitleFirst() {
        let block = Block(title: "Latency panel", rightTitle: "p99")
        #expect(rows(draw(block, width: 20, height: 2))[0] == "┌Latency panel──p99┐")
        #expect(rows(draw(block, width: 18, height: 2))[0] == "┌Latency panel─p…┐")
        #expect(rows(draw(block, width: 14, height: 2))[0] == "┌Latency pan…┐")
    }

    @Test func wideTitleIsNotSplit() {
        let b = draw(Block(title: "日本語"), width: 6, height: 2)
        // Four columns between the corners: 日, then one column that cannot hold 本 -> space, then …
        #expect(rows(b)[0] == "┌日 …┐")
    }

    @Test func innerAreaIsInsideTheBorders() {
        let area = Rect(x: 2, y: 1, width: 10, height: 5)
        #expect(Block().inner(area) == Rect(x: 3, y: 2, width: 8, height: 3))
        #expect(Block(borders: [.top, .bottom]).inner(area) == Rect(x: 2, y: 2, width: 10, height: 3))
        #expect(Block(title: "t", borders: .none).inner(area) == Rect(x: 2, y: 2, width: 10, height: 4))
        #expect(Block(borders: .none).inner(area) == area)
    }

    @Test func partialBordersAndStyles() {
        let border = Style(foreground: .ansi(4))
        let title = Style(attributes: .bold)
        let block = Block(title: "T", borders: [.top, .bottom], borderStyle: border, titleStyle: title)
        let b = draw(block, width: 5, height: 3)
        // No left border: the title starts at the left edge.
        #expect(rows(b) == ["T────", "     ", "─────"])
        #expect(b[0, 0].style == title)
        #expect(b[1, 0].style == border)
        #expect(b[0, 2].style == border)
        #expect(b[0, 1].style == .plain)
    }

    @Test func drawsOnlyInsideItsArea() {
        var b = ScreenBuffer(size: Size(width: 8, height: 4), fill: Cell("x"))
        Block(style: Style(background: .ansi(0))).render(into: &b, area: Rect(x: 1, y: 1, width: 4, height: 2))
        #expect(rows(b) == ["xxxxxxxx", "x┌──┐xxx", "x└──┘xxx", "xxxxxxxx"])
        #expect(b[0, 0].style == .plain)
        #expect(b[1, 1].style.background == .ansi(0))
    }
}
