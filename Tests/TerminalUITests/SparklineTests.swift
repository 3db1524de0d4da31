import Testing
import TerminalUI

@Suite struct SparklineTests {
    @Test func blockModeScalesFromZeroToMax() {
        let s = Sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(rows(draw(s, width: 9, height: 1)) == ["▁▁▂▃▄▅▆▇█"])
    }

    @Test func gapsAreBlankAndNewestIsAtTheRightEdge() {
        let s = Sparkline([8, nil, 4])
        #expect(rows(draw(s, width: 6, height: 1)) == ["   █ ▄"])
    }

    @Test func onlyTheNewestValuesThatFitAreDrawn() {
        let s = Sparkline([100, 100, 100, 0, 2, 4, 8], scale: .auto)
        // The 100s are scrolled out: the scale comes from the drawn values only.
        #expect(rows(draw(s, width: 4, height: 1)) == ["▁▂▄█"])
    }

    @Test func autoScaleUsesTheDataMinimum() {
        let s = Sparkline([10, 12, 14, 18], scale: .auto)
        #expect(rows(draw(s, width: 4, height: 1)) == ["▁▂▄█"])
    }

    @Test func fixedMaxClipsLargerValues() {
        let s = Sparkline([2, 4, 16], scale: .fixedMax(8))
        #expect(rows(draw(s, width: 3, height: 1)) == ["▂▄█"])
    }

    @Test func tallBlockSparklineStacksRows() {
        let s = Sparkline([2, 8, 12, 16])
        #expect(rows(draw(s, width: 4, height: 2)) == ["  ▄█",
                                                       "▂███"])
    }

    @Test func brailleModePacksTwoValuesPerCell() {
        // 4 values -> 2 cells; 4 dot rows; levels 1, 2, 3, 4.
        let s = Sparkline([1, 2, 3, 4], mode: .braille)
        #expect(rows(draw(s, width: 2, height: 1)) == ["⣠⣾"])
    }

    @Test func brailleSparklineIsRightAlignedAndMultiRow() {
        let s = Sparkline([8, nil, 4], mode: .braille)
        // 8 dot rows over 2 cell rows; the newest value (4 -> level 4) in the right dot
        // column of the last cell, the gap in its left column, 8 (level 8) in the cell before.
        #expect(rows(draw(s, width: 3, height: 2)) == [" ⢸ ",
                                                       " ⢸⢸"])
    }

    @Test func styleIsApplied() {
        let green = Style(foreground: .ansi(2))
        let b = draw(Sparkline([1, 2], style: green), width: 3, height: 1)
        #expect((0..<3).allSatisfy { b[$0, 0].style == green })
    }

    @Test func emptyOrAllNilDrawsNothing() {
        #expect(rows(draw(Sparkline([]), width: 3, height: 1)) == ["   "])
        #expect(rows(draw(Sparkline([nil, nil], mode: .braille), width: 3, height: 2)) == ["   ", "   "])
    }
}
