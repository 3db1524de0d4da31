/// One row of styled text: a sequence of ``Span``s, with an optional alignment that
/// overrides the alignment of the widget drawing it.
public struct Line: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var spans: [Span]
    /// When set, overrides the enclosing widget's alignment for this line.
    public var alignment: Alignment?

    public init(_ spans: [Span], alignment: Alignment? = nil) {
        self.spans = spans; self.alignment = alignment
    }
    public init(_ text: String, style: Style = .plain, alignment: Alignment? = nil) {
        self.init([Span(text, style: style)], alignment: alignment)
    }
    public init(stringLiteral value: String) { self.init(value) }

    /// Display width in columns.
    public var width: Int { spans.reduce(0) { $0 + $1.width } }
    /// The text without styles.
    public var plainText: String { spans.map(\.text).joined() }
    public var description: String { plainText }

    /// This line cut to at most `width` columns; when anything is cut the result ends with
    /// `…` (in the style of the text it replaces) exactly at column `width`. A wide glyph is
    /// never split: a column it cannot fill becomes a space.
    public func truncated(toWidth width: Int) -> Line {
        Line(StyledText(self).truncated(toWidth: width).spans, alignment: alignment)
    }

    /// This line wrapped at word boundaries into lines of at most `width` columns;
    /// words longer than `width` are broken between graphemes.
    public func wrapped(toWidth width: Int) -> [Line] {
        StyledText(self).wrapped(toWidth: width).map { Line($0.spans, alignment: alignment) }
    }
}

extension ScreenBuffer {
    /// Draws `line` on row `y` between columns `x` and `x + width`: truncated with `…` if it
    /// is too wide, placed by `alignment` (or the line's own). Cells not covered by text keep
    /// their content. Returns the column after the last cell written.
    @discardableResult
    public mutating func put(_ line: Line, x: Int, y: Int, width: Int, alignment: Alignment = .left, baseStyle: Style = .plain) -> Int {
        guard width > 0 else { return x }
        let fitted = line.width > width ? line.truncated(toWidth: width) : line
        let clip = Rect(x: x, y: y, width: width, height: 1)
        var col = x + (fitted.alignment ?? alignment).leadingPadding(used: fitted.width, width: width)
        for span in fitted.spans {
            col = put(span.text, x: col, y: y, style: baseStyle.patched(with: span.style), clip: clip)
        }
        return col
    }
}
