import Testing
import TerminalUI

@Suite struct ScreenBufferDiffTests {
    let size = Size(width: 10, height: 3)

    @Test func identicalBuffersHaveNoRuns() {
        var a = ScreenBuffer(size: size)
        a.put("hello", x: 0, y: 1)
        #expect(a.diff(from: a).isEmpty)
    }

    @Test func changedCellsAreGroupedIntoRunsPerRow() {
        var old = ScreenBuffer(size: size)
        old.put("abcdefghij", x: 0, y: 0)
        var new = old
        new.put("XY", x: 2, y: 0)
        new.put("Z", x: 7, y: 0)
        new.put("row2", x: 3, y: 2)
        let runs = new.diff(from: old)
        #expect(runs.map(\.description) == ["0:2 \"XY\"", "0:7 \"Z\"", "2:3 \"row2\""])
    }

    @Test func styleOnlyChangesAreRuns() {
        let old = ScreenBuffer(size: size)
        var new = old
        new.setStyle(Style(attributes: .bold), in: Rect(x: 4, y: 1, width: 2, height: 1))
        let runs = new.diff(from: old)
        #expect(runs.count == 1)
        #expect(runs[0].row == 1 && runs[0].column == 4 && runs[0].cells.count == 2)
        #expect(runs[0].cells.allSatisfy { $0.style.attributes == .bold })
    }

    @Test func wideGlyphsStayWithTheirContinuation() {
        var old = ScreenBuffer(size: size)
        old.put("ab中cd", x: 0, y: 0)
        var new = old
        // Only the continuation cell's style differs: the run must start at the wide glyph.
        new[3, 0] = .continuation(Style(foreground: .ansi(1)))
        var runs = new.diff(from: old)
        #expect(runs.count == 1)
        #expect(runs[0].column == 2 && runs[0].cells.count == 2 && runs[0].text == "中")

        // Replacing the lead only: the run includes the unchanged continuation.
        var new2 = old
        new2.put("文", x: 2, y: 0)
        new2[3, 0] = old[3, 0]
        runs = new2.diff(from: old)
        #expect(runs.count == 1)
        #expect(runs[0].column == 2 && runs[0].cells.count == 2)
    }

    @Test func sizeChangeIsAFullRedraw() {
        let old = ScreenBuffer(size: Size(width: 4, height: 2))
        var new = ScreenBuffer(size: Size(width: 5, height: 2))
        new.put("hi", x: 0, y: 1)
        let runs = new.diff(from: old)
        #expect(runs.count == 2)
        #expect(runs.map(\.column) == [0, 0])
        #expect(runs.map(\.cells.count) == [5, 5])
        #expect(runs[1].text == "hi   ")
    }

    @Test func applyingTheRunsReproducesTheNewBuffer() {
        var old = ScreenBuffer(size: size)
        old.put("日本語 ok", x: 0, y: 0)
        old.put("line two", x: 1, y: 1)
        var new = ScreenBuffer(size: size)
        new.put("a日b本", x: 0, y: 0)
        new.put("line 2", x: 1, y: 1, style: Style(foreground: .indexed(208)))
        new.put("😀", x: 8, y: 2)
        var replay = old
        for run in new.diff(from: old) {
            for (i, cell) in run.cells.enumerated() { replay[run.column + i, run.row] = cell }
        }
        #expect(replay == new)
    }
}
