/// One terminal cell: the grapheme drawn there, how many columns it takes, and its style.
///
/// A wide grapheme (CJK, most emoji) sits in a cell of `width` 2, and the cell to its
/// right is a continuation (`width` 0, empty grapheme) that backends skip.
public struct Cell: Hashable, Sendable {
    public var grapheme: String
    public var width: UInt8
    public var style: Style

    public init(_ grapheme: String = " ", width: UInt8 = 1, style: Style = .plain) {
        self.grapheme = grapheme; self.width = width; self.style = style
    }
    public static let blank = Cell()
    public static func continuation(_ style: Style) -> Cell { Cell("", width: 0, style: style) }
    public var isContinuation: Bool { width == 0 }
}

/// An in-memory grid of cells that widgets draw into. It never touches a terminal:
/// backends (curses, plain text) turn it into output.
public struct ScreenBuffer: Hashable, Sendable {
    public private(set) var size: Size
    public private(set) var cells: [Cell]

    public init(size: Size, fill: Cell = .blank) {
        self.size = Size(width: max(0, size.width), height: max(0, size.height))
        self.cells = Array(repeating: fill, count: self.size.width * self.size.height)
    }

    public var area: Rect { Rect(size: size) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * size.width + x] }
        set {
            guard x >= 0, y >= 0, x < size.width, y < size.height else { return }
            cells[y * size.width + x] = newValue
        }
    }

    /// Writes `text` at (x, y), clipped to `clip` (the whole buffer by default).
    /// Control characters are made visible first, so outside text can never reach a terminal raw.
    /// A wide grapheme that would straddle the clip edge is replaced by a space, never cut.
    /// Returns the column just after the last cell written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let bounds = (clip ?? area).intersection(area)
        guard y >= bounds.y, y < bounds.maxY else { return x }
        var col = x
        for g in Sanitizer.visible(text) {
            let w = DisplayWidth.of(g)
            if w == 0 { continue }
            if col >= bounds.maxX { break }
            if col < bounds.x { col += w; continue }
            if w == 2 && col + 1 >= bounds.maxX {
                self[col, y] = Cell(" ", width: 1, style: style)
                col += 1
                break
            }
            // Overwriting half of an existing wide glyph: blank its other half.
            repairWide(at: col, y: y)
            if w == 2 { repairWide(at: col + 1, y: y) }
            self[col, y] = Cell(String(g), width: UInt8(w), style: style)
            if w == 2 { self[col + 1, y] = .continuation(style) }
            col += w
        }
        return col
    }

    /// Sets every cell of `rect` to `cell`.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        if r.x > 0 { repairWide(at: r.x, y: r.y, rows: r.height) }
        if r.maxX < size.width { repairWide(at: r.maxX - 1, y: r.y, rows: r.height) }
        for yy in r.y..<r.maxY { for xx in r.x..<r.maxX { self[xx, yy] = cell } }
    }

    /// Changes the style of every cell in `rect`, keeping the graphemes.
    public mutating func setStyle(_ style: Style, in rect: Rect) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for yy in r.y..<r.maxY { for xx in r.x..<r.maxX { cells[yy * size.width + xx].style = style } }
    }

    /// Applies `transform` to the style of every cell in `rect`.
    public mutating func updateStyle(in rect: Rect, _ transform: (Style) -> Style) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for yy in r.y..<r.maxY {
            for xx in r.x..<r.maxX { cells[yy * size.width + xx].style = transform(cells[yy * size.width + xx].style) }
        }
    }

    /// The text of one row, continuation cells skipped.
    public func rowText(_ y: Int) -> String {
        var s = ""
        for x in 0..<size.width {
            let c = self[x, y]
            if !c.isContinuation { s += c.grapheme }
        }
        return s
    }

    /// The runs of cells that differ from `old`, row by row, left to right, so that a backend
    /// writes only what changed. When the sizes differ every row is one full-width run
    /// (a full redraw). A run never starts on a continuation cell and never ends between a
    /// wide glyph and its continuation.
    public func diff(from old: ScreenBuffer) -> [CellRun] {
        let w = size.width
        guard old.size == size else {
            return (0..<size.height).map { y in
                CellRun(row: y, column: 0, cells: Array(cells[(y * w)..<(y * w + w)]))
            }
        }
        var runs: [CellRun] = []
        for y in 0..<size.height {
            let rowStart = y * w
            var x = 0
            while x < w {
                if cells[rowStart + x] == old.cells[rowStart + x] { x += 1; continue }
                var start = x
                // Never start on the right half of a wide glyph.
                while start > 0 && cells[rowStart + start].isContinuation { start -= 1 }
                var end = x + 1
                while end < w && cells[rowStart + end] != old.cells[rowStart + end] { end += 1 }
                // Keep a wide glyph together with its continuation.
                while end < w && cells[rowStart + end].isContinuation { end += 1 }
                if let last = runs.last, last.row == y, last.column + last.cells.count >= start {
                    // Overlaps the previous run after the adjustments: extend it.
                    let from = last.column + last.cells.count
                    runs[runs.count - 1].cells += cells[(rowStart + from)..<(rowStart + end)]
                } else {
                    runs.append(CellRun(row: y, column: start, cells: Array(cells[(rowStart + start)..<(rowStart + end)])))
                }
                x = end
            }
        }
        return runs
    }

    private mutating func repairWide(at x: Int, y: Int, rows: Int = 1) {
        for yy in y..<min(size.height, y + rows) {
            guard x >= 0, x < size.width else { continue }
            let c = self[x, yy]
            if c.isContinuation, x > 0 {
                self[x - 1, yy] = Cell(" ", width: 1, style: self[x - 1, yy].style)
                self[x, yy] = Cell(" ", width: 1, style: c.style)
            } else if c.width == 2, x + 1 < size.width {
                self[x + 1, yy] = Cell(" ", width: 1, style: c.style)
                self[x, yy] = Cell(" ", width: 1, style: c.style)
            }
        }
    }
}
