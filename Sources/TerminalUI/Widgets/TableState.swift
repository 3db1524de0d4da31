/// The scrolling state of a ``Table``: which row is selected and which row is at the top.
///
/// The movement helpers take the number of rows and the number of visible rows (see
/// ``Table/visibleRowCount(in:)``) and always leave the selection visible.
public struct TableState: Hashable, Sendable {
    /// The selected row index, or `nil` for no selection.
    public var selected: Int?
    /// The index of the first visible row.
    public var offset: Int

    public init(selected: Int? = nil, offset: Int = 0) {
        self.selected = selected; self.offset = max(0, offset)
    }

    /// Selects `index` (clamped to the rows; `nil` clears), then scrolls so it is visible.
    public mutating func select(_ index: Int?, rowCount: Int, visibleRows: Int) {
        if let index, rowCount > 0 {
            selected = min(max(0, index), rowCount - 1)
        } else {
            selected = nil
        }
        scrollToSelection(rowCount: rowCount, visibleRows: visibleRows)
    }

    /// Moves the selection up by `step` rows (selects the last row when nothing is selected).
    public mutating func moveUp(by step: Int = 1, rowCount: Int, visibleRows: Int) {
        select(selected.map { $0 - step } ?? (rowCount - 1), rowCount: rowCount, visibleRows: visibleRows)
    }

    /// Moves the selection down by `step` rows (selects the first row when nothing is selected).
    public mutating func moveDown(by step: Int = 1, rowCount: Int, visibleRows: Int) {
        select(selected.map { $0 + step } ?? 0, rowCount: rowCount, visibleRows: visibleRows)
    }

    /// Moves the selection up by one page (`visibleRows` rows).
    public mutating func pageUp(rowCount: Int, visibleRows: Int) {
        moveUp(by: max(1, visibleRows), rowCount: rowCount, visibleRows: visibleRows)
    }

    /// Moves the selection down by one page (`visibleRows` rows).
    public mutating func pageDown(rowCount: Int, visibleRows: Int) {
        moveDown(by: max(1, visibleRows), rowCount: rowCount, visibleRows: visibleRows)
    }

    /// Selects the first row.
    public mutating func home(rowCount: Int, visibleRows: Int) {
        select(0, rowCount: rowCount, visibleRows: visibleRows)
    }

    /// Selects the last row.
    public mutating func end(rowCount: Int, visibleRows: Int) {
        select(rowCount - 1, rowCount: rowCount, visibleRows: visibleRows)
    }

    /// Adjusts ``offset`` so the selection is visible and no blank rows are shown below
    /// the last row when the rows could fill the view.
    public mutating func scrollToSelection(rowCount: Int, visibleRows: Int) {
        let visible = max(0, visibleRows)
        if let s = selected, rowCount > 0 {
            let s = min(s, rowCount - 1)
            selected = s
            if visible == 0 { offset = s; return }
            if s < offset { offset = s }
            if s >= offset + visible { offset = s - visible + 1 }
        } else if rowCount <= 0 {
            selected = nil
        }
        offset = max(0, min(offset, rowCount - visible))
    }
}
