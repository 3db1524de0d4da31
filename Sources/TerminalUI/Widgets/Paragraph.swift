/// Lines of styled text, wrapped at word boundaries or truncated with `…`, aligned left,
/// center or right, optionally framed by a ``Block`` and scrolled.
public struct Paragraph: Widget, Hashable, Sendable {
    /// What to do with a line wider than the area.
    public enum Overflow: Hashable, Sendable {
        /// Cut with `…` at the right edge.
        case truncate
        /// Continue on the next rows, breaking at spaces (and inside over-long words).
        case wrap
    }

    public var lines: [Line]
    public var overflow: Overflow
    /// Applies to lines that have no alignment of their own.
    public var alignment: Alignment
    /// Laid under the spans' styles; fills the area when not `.plain`.
    public var style: Style
    /// Rows (after wrapping) skipped at the top.
    public var scroll: Int
    public var block: Block?

    public init(_ lines: [Line], overflow: Overflow = .wrap, alignment: Alignment = .left, style: Style = .plain,
                scroll: Int = 0, block: Block? = nil) {
        self.lines = lines; self.overflow = overflow; self.alignment = alignment; self.style = style
        self.scroll = scroll; self.block = block
    }

    /// A paragraph of plain text; `\n` starts a new line.
    public init(text: String, overflow: Overflow = .wrap, alignment: Alignment = .left, style: Style = .plain,
                scroll: Int = 0, block: Block? = nil) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Line(String($0)) }
        self.init(lines, overflow: overflow, alignment: alignment, style: style, scroll: scroll, block: block)
    }

    /// The rows drawn for a content width of `width`, before scrolling.
    public func layoutLines(width: Int) -> [Line] {
        guard width > 0 else { return [] }
        switch overflow {
        case .truncate: return lines.map { $0.width > width ? $0.truncated(toWidth: width) : $0 }
        case .wrap: return lines.flatMap { $0.wrapped(toWidth: width) }
        }
    }

    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        let area = area.intersection(buffer.area)
        block?.render(into: &buffer, area: area)
        let inner = block?.inner(area) ?? area
        guard !inner.isEmpty else { return }
        if style != .plain { buffer.fill(inner, with: Cell(" ", style: style)) }
        let rows = layoutLines(width: inner.width).dropFirst(max(0, scroll))
        for (i, line) in rows.prefix(inner.height).enumerated() {
            buffer.put(line, x: inner.x, y: inner.y + i, width: inner.width, alignment: alignment, baseStyle: style)
        }
    }
}
