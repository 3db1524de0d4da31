/// Rows of cells under a header, in columns sized by ``Layout`` constraints, with a
/// selectable, scrolling row (see ``TableState``).
///
/// Cells are ``Line``s (styled spans); text that does not fit is truncated with `…`, never
/// splitting a wide glyph. The selected row gets ``highlightStyle`` laid over its cells
/// and, when ``highlightSymbol`` is set, the symbol in a column of its own on the left
/// (blank on other rows, so the columns do not move as the selection does).
public struct Table: Widget, Hashable, Sendable {
    /// A column: its header, width constraint and alignment.
    public struct Column: Hashable, Sendable {
        public var header: Line
        public var width: Constraint
        public var alignment: Alignment
        public init(_ header: Line, width: Constraint = .fill(1), alignment: Alignment = .left) {
            self.header = header; self.width = width; self.alignment = alignment
        }
    }

    /// A row of cells. Missing cells are blank; extra cells are ignored.
    public struct Row: Hashable, Sendable {
        public var cells: [Line]
        /// Laid under the cells' own span styles, across the whole row.
        public var style: Style
        public init(_ cells: [Line], style: Style = .plain) { self.cells = cells; self.style = style }
    }

    public var columns: [Column]
    public var rows: [Row]
    /// Blank columns between columns.
    public var columnSpacing: Int
    /// Laid under the header cells' styles across the header row. `nil` draws no header row.
    public var headerStyle: Style?
    /// Laid over the selected row.
    public var highlightStyle: Style
    /// Drawn left of the selected row, e.g. `"▶ "`; other rows get blanks of the same width.
    public var highlightSymbol: String?
    /// An optional frame; the table draws inside ``Block/inner(_:)``.
    public var block: Block?

    public init(columns: [Column], rows: [Row], columnSpacing: Int = 1, headerStyle: Style? = Style(attributes: .bold),
                highlightStyle: Style = Style(attributes: .reverse), highlightSymbol: String? = nil, block: Block? = nil) {
        self.columns = columns; self.rows = rows; self.columnSpacing = columnSpacing; self.headerStyle = headerStyle
        self.highlightStyle = highlightStyle; self.highlightSymbol = highlightSymbol; self.block = block
    }

    /// How many data rows fit in `area` (after the block and the header): the page size to
    /// give ``TableState``'s movement helpers.
    public func visibleRowCount(in area: Rect) -> Int {
        let inner = block?.inner(area) ?? area
        return max(0, inner.height - (headerStyle == nil ? 0 : 1))
    }

    /// The column rectangles (one row high, at the top of `area`'s content) after the
    /// symbol column.
    public func columnRects(in area: Rect) -> [Rect] {
        let inner = block?.inner(area) ?? area
        let symbolWidth = highlightSymbol.map { TextLayout.width($0) } ?? 0
        let body = inner.inset(left: symbolWidth)
        return Layout.split(Rect(x: body.x, y: body.y, width: body.width, height: 1), .horizontal,
                            columns.map(\.width), spacing: columnSpacing)
    }

    /// Draws with no selection, scrolled to the top.
    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        var state = TableState()
        render(into: &buffer, area: area, state: &state)
    }

    /// Draws, first correcting `state` so its selection is within the rows and visible.
    public func render(into buffer: inout ScreenBuffer, area: Rect, state: inout TableState) {
        let area = area.intersection(buffer.area)
        block?.render(into: &buffer, area: area)
        let inner = block?.inner(area) ?? area
        guard !inner.isEmpty else { return }
        state.scrollToSelection(rowCount: rows.count, visibleRows: visibleRowCount(in: area))

        let rects = columnRects(in: area)
        let symbolWidth = highlightSymbol.map { TextLayout.width($0) } ?? 0
        var y = inner.y
        if let headerStyle {
            buffer.fill(inner.row(0), with: Cell(" ", style: headerStyle))
            for (i, column) in columns.enumerated() {
                let r = rects[i]
                buffer.put(column.header, x: r.x, y: y, width: r.width, alignment: column.alignment, baseStyle: headerStyle)
            }
            y += 1
        }
        var index = state.offset
        while y < inner.maxY && index < rows.count {
            let row = rows[index]
            let isSelected = state.selected == index
            let rowRect = Rect(x: inner.x, y: y, width: inner.width, height: 1)
            let base = isSelected ? row.style.patched(with: highlightStyle) : row.style
            buffer.fill(rowRect, with: Cell(" ", style: base))
            if let symbol = highlightSymbol, isSelected {
                buffer.put(symbol, x: inner.x, y: y, style: base, clip: Rect(x: inner.x, y: y, width: symbolWidth, height: 1))
            }
            for (i, column) in columns.enumerated() where i < row.cells.count {
                let r = rects[i]
                buffer.put(row.cells[i], x: r.x, y: y, width: r.width, alignment: column.alignment, baseStyle: base)
            }
            if isSelected { buffer.updateStyle(in: rowRect) { $0.patched(with: highlightStyle) } }
            y += 1; index += 1
        }
    }
}
