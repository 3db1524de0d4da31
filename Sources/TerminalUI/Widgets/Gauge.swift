/// A one-row gauge: a label, a bar filled in eighths of a cell, and the value's text, e.g.
/// `GPU memory ██████▋░░░ 67%`. An unknown ratio draws no bar and says why in `text`.
public struct Gauge: Widget, Hashable, Sendable {
    public var label: String
    /// 0...1, clipped; nil when unknown.
    public var ratio: Double?
    public var text: String
    public var style: Style
    public var labelStyle: Style
    /// Width given to the label column.
    public var labelWidth: Int

    public init(label: String, ratio: Double?, text: String, style: Style = .plain, labelStyle: Style = .plain,
                labelWidth: Int = 12) {
        self.label = label; self.ratio = ratio; self.text = text
        self.style = style; self.labelStyle = labelStyle; self.labelWidth = labelWidth
    }

    static let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// The bar's cells for `ratio` over `width` cells: full blocks, one partial block, then `░`.
    public static func bar(_ ratio: Double, width: Int) -> String {
        guard width > 0 else { return "" }
        let clipped = min(1, max(0, ratio.isFinite ? ratio : 0))
        let total = Int((clipped * Double(width * 8)).rounded())
        let full = total / 8, part = total % 8
        var s = String(repeating: "█", count: full)
        if full < width {
            s += part > 0 ? eighths[part] : "░"
            s += String(repeating: "░", count: width - full - 1)
        }
        return s
    }

    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        let a = area.intersection(buffer.area)
        guard !a.isEmpty else { return }
        let labelCols = min(labelWidth, a.width)
        buffer.put(Line(label, style: labelStyle), x: a.x, y: a.y, width: labelCols)
        let textWidth = TextLayout.width(text)
        let barWidth = a.width - labelCols - textWidth - 1
        guard let ratio, barWidth >= 4 else {
            buffer.put(Line(text, style: style), x: a.x + labelCols, y: a.y, width: max(0, a.width - labelCols))
            return
        }
        buffer.put(Line(Gauge.bar(ratio, width: barWidth), style: style), x: a.x + labelCols, y: a.y, width: barWidth)
        buffer.put(Line(text, style: style), x: a.x + labelCols + barWidth + 1, y: a.y, width: textWidth)
    }
}
