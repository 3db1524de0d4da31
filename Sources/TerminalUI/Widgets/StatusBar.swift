/// One row of status: segments on the left, segments (typically key hints such as
/// `q quit  ? help`) on the right, the whole row filled with ``style``.
///
/// When both sides do not fit, the right side keeps up to half of the row and the left
/// side is truncated with `…` to what remains (leaving a one-column gap).
public struct StatusBar: Widget, Hashable, Sendable {
    public var left: [Span]
    public var right: [Span]
    /// Fills the row; span styles are laid over it.
    public var style: Style

    public init(left: [Span] = [], right: [Span] = [], style: Style = Style(attributes: .reverse)) {
        self.left = left; self.right = right; self.style = style
    }

    /// Key hints as spans: each key in `keyStyle`, a space, its label in `labelStyle`,
    /// hints separated by two spaces. `keyHints([("q", "quit"), ("?", "help")])` reads
    /// `q quit  ? help`.
    public static func keyHints(_ hints: [(key: String, label: String)], keyStyle: Style = Style(attributes: .bold),
                                labelStyle: Style = .plain) -> [Span] {
        var spans: [Span] = []
        for (i, hint) in hints.enumerated() {
            if i > 0 { spans.append(Span("  ", style: labelStyle)) }
            spans.append(Span(hint.key, style: keyStyle))
            spans.append(Span(" " + hint.label, style: labelStyle))
        }
        return spans
    }

    /// Draws on the first row of `area`.
    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        let row = area.intersection(buffer.area).row(0)
        guard row.width > 0, row.height > 0, area.height > 0 else { return }
        buffer.fill(row, with: Cell(" ", style: style))
        let leftLine = Line(left), rightLine = Line(right)
        var rightWidth = rightLine.width
        if leftLine.width + rightWidth + (leftLine.width > 0 && rightWidth > 0 ? 1 : 0) > row.width {
            rightWidth = min(rightWidth, row.width / 2)
        }
        if rightWidth > 0 {
            let r = rightLine.truncated(toWidth: rightWidth)
            buffer.put(r, x: row.maxX - r.width, y: row.y, width: r.width, baseStyle: style)
        }
        let leftRoom = row.width - (rightWidth > 0 ? rightWidth + 1 : 0)
        if leftRoom > 0 { buffer.put(leftLine, x: row.x, y: row.y, width: leftRoom, baseStyle: style) }
    }
}
