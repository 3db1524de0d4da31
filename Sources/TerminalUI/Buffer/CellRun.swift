/// A horizontal run of cells that changed between two frames: a backend moves the cursor
/// to (`column`, `row`) and writes `cells` in order, skipping continuation cells.
public struct CellRun: Hashable, Sendable, CustomStringConvertible {
    /// The row, 0-based.
    public var row: Int
    /// The column of the first cell, 0-based. Never a continuation cell.
    public var column: Int
    /// The cells, left to right. A wide glyph is always followed by its continuation.
    public var cells: [Cell]

    public init(row: Int, column: Int, cells: [Cell]) {
        self.row = row; self.column = column; self.cells = cells
    }

    /// The text the run writes, continuation cells skipped.
    public var text: String {
        var s = ""
        for c in cells where !c.isContinuation { s += c.grapheme }
        return s
    }

    public var description: String { "\(row):\(column) \"\(text)\"" }
}
