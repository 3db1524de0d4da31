import Testing
import TerminalUI

@Suite struct TableTests {
    let columns = [
        Table.Column("Model", width: .fill(1)),
        Table.Column("p99", width: .fixed(6), alignment: .right),
    ]

    func rowsOf(_ names: [String]) -> [Table.Row] {
        names.enumerated().map { i, n in Table.Row([Line(n), Line("\(100 * (i + 1))ms")]) }
    }

    @Test func headerColumnsAndAlignment() {
        let table = Table(columns: columns, rows: rowsOf(["llama", "mistral"]))
        let b = draw(table, width: 16, height: 4)
        #expect(rows(b) == ["Model        p99",
                            "llama      100ms",
                            "mistral    200ms",
                            "                "])
        #expect(b[0, 0].style.attributes == .bold)
        #expect(b[0, 1].style == .plain)
    }

    @Test func longCellsAreTruncatedWithEllipsisAndWideGlyphsKeptWhole() {
        let table = Table(columns: columns, rows: [Table.Row([Line("embedding-large-v2"), Line("1234567ms")]),
                                                   Table.Row([Line("日本語モデル"), Line("5ms")])])
        let b = draw(table, width: 13, height: 3)
        // Model column: 13 - 6 - 1 = 6 columns; 日本 leaves one column that 語 cannot use.
        #expect(rows(b) == ["Model     p99",
                            "embed… 12345…",
                            "日本 …    5ms"])
    }

    @Test func selectionIsHighlightedWithSymbolColumn() {
        let highlight = Style(foreground: .ansi(3), attributes: .reverse)
        let table = Table(columns: columns, rows: rowsOf(["a", "b", "c"]), highlightStyle: highlight, highlightSymbol: "▶ ")
        var b = ScreenBuffer(size: Size(width: 18, height: 4))
        var state = TableState(selected: 1)
        table.render(into: &b, area: b.area, state: &state)
        #expect(rows(b) == ["  Model        p99",
                            "  a          100ms",
                            "▶ b          200ms",
                            "  c          300ms"])
        for x in 0..<18 {
            #expect(b[x, 2].style.attributes.contains(.reverse))
            #expect(b[x, 2].style.foreground == .ansi(3))
            #expect(!b[x, 1].style.attributes.contains(.reverse))
        }
    }

    @Test func renderScrollsToKeepTheSelectionVisible() {
        let names = (0..<10).map { "m\($0)" }
        let table = Table(columns: columns, rows: rowsOf(names), headerStyle: nil)
        var b = ScreenBuffer(size: Size(width: 12, height: 3))
        var state = TableState(selected: 7)
        table.render(into: &b, area: b.area, state: &state)
        #expect(state.offset == 5)
        #expect(rows(b).map { String($0.prefix(2)) } == ["m5", "m6", "m7"])
    }

    @Test func movementHelpersKeepSelectionVisibleAndInRange() {
        var s = TableState()
        let n = 20, page = 5
        s.moveDown(rowCount: n, visibleRows: page)
        #expect(s.selected == 0 && s.offset == 0)
        s.moveDown(by: 6, rowCount: n, visibleRows: page)
        #expect(s.selected == 6 && s.offset == 2)
        s.pageDown(rowCount: n, visibleRows: page)
        #expect(s.selected == 11 && s.offset == 7)
        s.end(rowCount: n, visibleRows: page)
        #expect(s.selected == 19 && s.offset == 15)
        s.moveDown(rowCount: n, visibleRows: page)
        #expect(s.selected == 19)
        s.pageUp(rowCount: n, visibleRows: page)
        #expect(s.selected == 14 && s.offset == 14)
        s.moveUp(rowCount: n, visibleRows: page)
        #expect(s.selected == 13 && s.offset == 13)
        s.home(rowCount: n, visibleRows: page)
        #expect(s.selected == 0 && s.offset == 0)
        s.moveUp(rowCount: n, visibleRows: page)
        #expect(s.selected == 0)
    }

    @Test func stateIsRepairedWhenRowsShrink() {
        var s = TableState(selected: 15, offset: 12)
        s.scrollToSelection(rowCount: 4, visibleRows: 5)
        #expect(s.selected == 3 && s.offset == 0)
        s.scrollToSelection(rowCount: 0, visibleRows: 5)
        #expect(s.selected == nil && s.offset == 0)
        var empty = TableState()
        empty.moveDown(rowCount: 0, visibleRows: 5)
        #expect(empty.selected == nil)
    }

    @Test func visibleRowCountAccountsForBlockAndHeader() {
        let table = Table(columns: columns, rows: [], block: Block())
        #expect(table.visibleRowCount(in: Rect(x: 0, y: 0, width: 20, height: 10)) == 7)
        let bare = Table(columns: columns, rows: [], headerStyle: nil)
        #expect(bare.visibleRowCount(in: Rect(x: 0, y: 0, width: 20, height: 10)) == 10)
    }

    @Test func styledCellsKeepTheirSpanStyles() {
        let red = Style(foreground: .ansi(1))
        let table = Table(columns: [Table.Column("S", width: .fixed(4))],
                          rows: [Table.Row([Line([Span("● "), Span("up", style: red)])])], headerStyle: nil)
        let b = draw(table, width: 4, height: 1)
        #expect(rows(b) == ["● up"])
        #expect(b[0, 0].style == .plain)
        #expect(b[2, 0].style == red && b[3, 0].style == red)
    }
}
