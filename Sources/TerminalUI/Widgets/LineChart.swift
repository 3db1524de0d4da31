/// A line chart of one or more series drawn with braille dots (2 columns by 4 rows of dots per
/// cell), with a y axis of labelled ticks on the left, x labels under it and vertical markers
/// (deploys, alert starts).
///
/// Each series holds one value per dot column, oldest first; `nil` is a gap, and a line is
/// never drawn across a gap. Consecutive points are joined by filling the dot rows between them,
/// so steep rises read as lines rather than scattered dots. Where series share a cell, the one
/// listed later wins the cell's color: list the most important series last.
public struct LineChart: Widget, Hashable, Sendable {
    public struct Series: Hashable, Sendable {
        public var name: String
        public var values: [Double?]
        public var style: Style
        public init(_ name: String, _ values: [Double?], style: Style = .plain) {
            self.name = name; self.values = values; self.style = style
        }
    }

    /// A vertical line at a dot column, labelled at its top (e.g. `▲v4`).
    public struct Marker: Hashable, Sendable {
        public var column: Int
        public var label: String
        public var style: Style
        public init(column: Int, label: String, style: Style = .plain) {
            self.column = column; self.label = label; self.style = style
        }
    }

    public var series: [Series]
    public var markers: [Marker]
    /// Formats a y-axis value (e.g. `120ms`); the axis takes the width of its widest label.
    public var formatY: @Sendable (Double) -> String
    /// Labels under the x axis: left end, right end.
    public var xLabels: (left: String, right: String)?
    /// The smallest top of the y range, so that a flat line near zero is not drawn full height.
    public var minimumTop: Double
    public var axisStyle: Style

    public init(series: [Series], markers: [Marker] = [], formatY: @escaping @Sendable (Double) -> String,
                xLabels: (left: String, right: String)? = nil, minimumTop: Double = 0, axisStyle: Style = .plain) {
        self.series = series; self.markers = markers; self.formatY = formatY
        self.xLabels = xLabels; self.minimumTop = minimumTop; self.axisStyle = axisStyle
    }

    public static func == (a: LineChart, b: LineChart) -> Bool {
        a.series == b.series && a.markers == b.markers && a.xLabels?.left == b.xLabels?.left
            && a.xLabels?.right == b.xLabels?.right && a.minimumTop == b.minimumTop && a.axisStyle == b.axisStyle
    }

    public func hash(into h: inout Hasher) {
        h.combine(series); h.combine(markers); h.combine(minimumTop)
    }

    /// The plot rectangle inside `area` (right of the y axis, above the x labels), so callers
    /// can sample exactly `2 * plotArea.width` values per series.
    public func plotArea(in area: Rect) -> Rect {
        let labelRows = xLabels == nil ? 0 : 1
        let height = max(0, area.height - labelRows)
        let axis = axisWidth(range: yRange(), rows: height)
        return Rect(x: area.x + axis, y: area.y, width: max(0, area.width - axis), height: height)
    }

    /// Dot columns available for `area`.
    public func capacity(in area: Rect) -> Int { 2 * plotArea(in: area).width }

    /// The y range: from 0 (or the lowest value when negative) to a rounded-up top.
    func yRange() -> (lo: Double, hi: Double)? {
        let present = series.flatMap { $0.values }.compactMap { $0 }.filter { $0.isFinite }
        guard let dataMax = present.max(), let dataMin = present.min() else { return nil }
        let lo = min(0, dataMin)
        let hi = LineChart.niceCeiling(max(dataMax, minimumTop, lo + 1e-12))
        return (lo, hi)
    }

    /// 1, 2, 2.5, 5 times a power of ten, at or above `v`.
    public static func niceCeiling(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= v { magnitude *= 10 }
        while magnitude > v { magnitude /= 10 }
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= v * (1 - 1e-12) { return step * magnitude }
        return 10 * magnitude
    }

    func ticks(range: (lo: Double, hi: Double)?, rows: Int) -> [(row: Int, label: String)] {
        guard let range, rows > 0 else { return [] }
        // Top, middle and bottom when there is room; top and bottom otherwise.
        var out = [(row: 0, label: formatY(range.hi))]
        if rows >= 5 { out.append((row: (rows - 1) / 2, label: formatY((range.hi + range.lo) / 2))) }
        if rows >= 2 { out.append((row: rows - 1, label: formatY(range.lo))) }
        return out
    }

    func axisWidth(range: (lo: Double, hi: Double)?, rows: Int) -> Int {
        let widest = ticks(range: range, rows: rows).map { TextLayout.width($0.label) }.max() ?? 0
        return widest == 0 ? 0 : widest + 2  // label, space, axis line
    }

    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        let a = area.intersection(buffer.area)
        guard !a.isEmpty else { return }
        let range = yRange()
        let plot = plotArea(in: a)
        let axis = plot.x - a.x
        // Axis: tick labels right-aligned, then a vertical line with tick marks.
        if axis > 0 {
            let tickRows = Dictionary(ticks(range: range, rows: plot.height).map { ($0.row, $0.label) }, uniquingKeysWith: { a, _ in a })
            for row in 0..<plot.height {
                if let label = tickRows[row] {
                    buffer.put(Line(label, style: axisStyle), x: a.x, y: plot.y + row, width: axis - 2, alignment: .right)
                }
                buffer.put(tickRows[row] == nil ? "│" : "┤", x: plot.x - 1, y: plot.y + row, style: axisStyle)
            }
        }
        if let xLabels, a.height > plot.height {
            let y = plot.maxY
            buffer.put(Line(xLabels.left, style: axisStyle), x: plot.x, y: y, width: plot.width)
            buffer.put(Line(xLabels.right, style: axisStyle), x: plot.x, y: y, width: plot.width, alignment: .right)
        }
        guard let range, plot.width > 0, plot.height > 0 else { return }

        let dotRows = plot.height * 4, dotColumns = plot.width * 2
        // Per cell: the braille bits and the style of the last series that touched it.
        var bits = [UInt32](repeating: 0, count: plot.width * plot.height)
        var styles = [Style?](repeating: nil, count: plot.width * plot.height)
        func set(_ dx: Int, _ dy: Int, _ style: Style) {  // dy counts dot rows from the bottom
            guard dx >= 0, dx < dotColumns, dy >= 0, dy < dotRows else { return }
            let cx = dx / 2, row = plot.height - 1 - dy / 4
            let i = row * plot.width + cx
            bits[i] |= LineChart.dotBits[dx % 2][dy % 4]
            styles[i] = style
        }
        func level(_ v: Double) -> Int {
            let t = (v - range.lo) / (range.hi - range.lo)
            return min(dotRows - 1, max(0, Int((t * Double(dotRows - 1)).rounded())))
        }
        for marker in markers where marker.column >= 0 && marker.column < dotColumns {
            for dy in 0..<dotRows { set(marker.column, dy, marker.style) }
        }
        for s in series {
            let shown = Array(s.values.suffix(dotColumns))
            let offset = dotColumns - shown.count
            var previous: Int?
            for (k, value) in shown.enumerated() {
                guard let value, value.isFinite else { previous = nil; continue }
                let y = level(value)
                let from = previous.map { min($0, y) } ?? y, to = previous.map { max($0, y) } ?? y
                // Join to the previous point: the rise or fall is drawn in this column.
                for dy in from...to { set(offset + k, dy, s.style) }
                previous = y
            }
        }
        for row in 0..<plot.height {
            for cx in 0..<plot.width {
                let i = row * plot.width + cx
                guard bits[i] != 0 else { continue }
                buffer.put(String(Character(Unicode.Scalar(0x2800 + bits[i])!)), x: plot.x + cx, y: plot.y + row,
                           style: styles[i] ?? .plain)
            }
        }
        // Marker labels on the top row, where they do not run past the edge.
        for marker in markers where marker.column >= 0 && marker.column < dotColumns {
            let x = plot.x + marker.column / 2
            let width = min(TextLayout.width(marker.label), plot.maxX - x)
            if width > 0 { buffer.put(Line(marker.label, style: marker.style), x: x, y: plot.y, width: width) }
        }
    }

    /// Braille dot bits by side (left, right) and dot row counted from the bottom of the cell.
    static let dotBits: [[UInt32]] = [[0x40, 0x04, 0x02, 0x01], [0x80, 0x20, 0x10, 0x08]]
}
