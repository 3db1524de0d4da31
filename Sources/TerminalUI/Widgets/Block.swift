/// A frame around an area: a light box-drawing border (plain or rounded corners), a title
/// on the top border, an optional right-aligned title, and an optional background style.
///
/// ```
/// ╭Models────────── 3 up╮
/// │                     │
/// ╰─────────────────────╯
/// ```
public struct Block: Widget, Hashable, Sendable {
    /// Which sides have a border.
    public struct Borders: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let top = Borders(rawValue: 1 << 0)
        public static let bottom = Borders(rawValue: 1 << 1)
        public static let left = Borders(rawValue: 1 << 2)
        public static let right = Borders(rawValue: 1 << 3)
        public static let all: Borders = [.top, .bottom, .left, .right]
        public static let none: Borders = []
    }

    /// The corner shape of the border.
    public enum BorderType: Hashable, Sendable {
        /// `┌┐└┘`
        case plain
        /// `╭╮╰╯`
        case rounded
    }

    public var title: Line?
    /// A title drawn against the right end of the top border.
    public var rightTitle: Line?
    public var borders: Borders
    public var borderType: BorderType
    public var borderStyle: Style
    /// The style under the titles' own span styles.
    public var titleStyle: Style
    /// Fills the whole area (border included) before drawing; `nil` keeps what is there.
    /// Border and title styles are laid over it.
    public var style: Style?

    public init(title: Line? = nil, rightTitle: Line? = nil, borders: Borders = .all, borderType: BorderType = .plain,
                borderStyle: Style = .plain, titleStyle: Style = .plain, style: Style? = nil) {
        self.title = title; self.rightTitle = rightTitle; self.borders = borders; self.borderType = borderType
        self.borderStyle = borderStyle; self.titleStyle = titleStyle; self.style = style
    }

    /// The area left for content inside the borders.
    public func inner(_ area: Rect) -> Rect {
        let top = borders.contains(.top) || (title != nil || rightTitle != nil) ? 1 : 0
        return area.inset(top: top, left: borders.contains(.left) ? 1 : 0,
                          bottom: borders.contains(.bottom) ? 1 : 0, right: borders.contains(.right) ? 1 : 0)
    }

    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        let a = area.intersection(buffer.area)
        guard !a.isEmpty else { return }
        if let style { buffer.fill(a, with: Cell(" ", style: style)) }
        let base = style ?? .plain
        let borderStyle = base.patched(with: self.borderStyle)
        let rounded = borderType == .rounded
        let (tl, tr, bl, br) = rounded ? ("╭", "╮", "╰", "╯") : ("┌", "┐", "└", "┘")
        let b = borders
        if b.contains(.top) {
            for x in a.x..<a.maxX { buffer.put("─", x: x, y: a.y, style: borderStyle, clip: a) }
        }
        if b.contains(.bottom) {
            for x in a.x..<a.maxX { buffer.put("─", x: x, y: a.maxY - 1, style: borderStyle, clip: a) }
        }
        if b.contains(.left) {
            for y in a.y..<a.maxY { buffer.put("│", x: a.x, y: y, style: borderStyle, clip: a) }
        }
        if b.contains(.right) {
            for y in a.y..<a.maxY { buffer.put("│", x: a.maxX - 1, y: y, style: borderStyle, clip: a) }
        }
        if b.contains([.top, .left]) { buffer.put(tl, x: a.x, y: a.y, style: borderStyle, clip: a) }
        if b.contains([.top, .right]) { buffer.put(tr, x: a.maxX - 1, y: a.y, style: borderStyle, clip: a) }
        if b.contains([.bottom, .left]) { buffer.put(bl, x: a.x, y: a.maxY - 1, style: borderStyle, clip: a) }
        if b.contains([.bottom, .right]) { buffer.put(br, x: a.maxX - 1, y: a.maxY - 1, style: borderStyle, clip: a) }
        renderTitles(into: &buffer, area: a, baseStyle: base.patched(with: titleStyle))
    }

    /// Titles sit between the corners, always left-aligned (a line's own alignment is ignored). The left title has priority; the right title gets
    /// what remains after it and a one-column gap. Both are truncated with `…`.
    private func renderTitles(into buffer: inout ScreenBuffer, area a: Rect, baseStyle: Style) {
        let start = a.x + (borders.contains(.left) ? 1 : 0)
        let end = a.maxX - (borders.contains(.right) ? 1 : 0)
        let room = end - start
        guard room > 0 else { return }
        var leftUsed = 0
        if let title {
            let t = title.truncated(toWidth: room)
            buffer.put(Line(t.spans), x: start, y: a.y, width: room, baseStyle: baseStyle)
            leftUsed = t.width
        }
        if let rightTitle {
            let rightRoom = room - (leftUsed > 0 ? leftUsed + 1 : 0)
            guard rightRoom > 0 else { return }
            let t = rightTitle.truncated(toWidth: rightRoom)
            buffer.put(Line(t.spans), x: end - t.width, y: a.y, width: t.width, baseStyle: baseStyle)
        }
    }
}
