/// A heatmap: columns are time slots (oldest left), rows are buckets (lowest at the bottom),
/// and each cell's shade (` ░▒▓█`) says how much fell in that bucket in that slot, relative to
/// the busiest cell. Shades, not colors, carry the value, so it reads in monochrome too.
/// Row labels (bucket bounds) go on the left.
public struct Heatmap: Widget, Hashable, Sendable {
    /// `cells[column][row]`, row 0 the lowest bucket; `nil` is no data (drawn as `·`).
    public var cells: [[Double?]]
    public var rowLabels: [String]
    public var style: Style
    public var labelStyle: Style

    public init(cells: [[Double?]], rowLabels: [String], style: Style = .plain, labelStyle: Style = .plain) {
        self.cells = cells; self.rowLabels = rowLabels; self.style = style; self.labelStyle = labelStyle
    }

    static let shades = [" ", "░", "▒", "▓", "█"]

    public var labelWidth: Int { (rowLabels.map { TextLayout.width($0) }.max() ?? 0) + (rowLabels.isEmpty ? 0 : 1) }

    /// Columns available for cells in `area`.
    public func capacity(in area: Rect) -> Int { max(0, area.width - labelWidth) }

    /// The shade index (0...4) of a value against the busiest cell: any non-zero count shows.
    public static func shade(_ v: Double, max top: Double) -> Int {
        guard v > 0, top > 0 else { return 0 }
        return min(4, max(1, Int((v / top * 4).rounded(.up))))
    }

    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        let a = area.intersection(buffer.area)
        guard !a.isEmpty else { return }
        let rows = min(a.height, rowLabels.isEmpty ? (cells.first?.count ?? 0) : rowLabels.count)
        let labels = labelWidth
        for r in 0..<rows where r < rowLabels.count {
            buffer.put(Line(rowLabels[r], style: labelStyle), x: a.x, y: a.maxY - 1 - r, width: max(0, labels - 1), alignment: .right)
        }
        let width = capacity(in: a)
        let shown = Array(cells.suffix(width))
        let top = shown.flatMap { $0 }.compactMap { $0 }.filter { $0.isFinite }.max() ?? 0
        let x0 = a.x + labels + (width - shown.count)
        for (c, column) in shown.enumerated() {
            for r in 0..<rows {
                let y = a.maxY - 1 - r
                guard r < column.count, let v = column[r], v.isFinite else {
                    buffer.put("·", x: x0 + c, y: y, style: labelStyle)
                    continue
                }
                buffer.put(Heatmap.shades[Heatmap.shade(v, max: top)], x: x0 + c, y: y, style: style)
            }
        }
    }
}
