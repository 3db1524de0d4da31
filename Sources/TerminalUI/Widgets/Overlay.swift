/// A popup (help overlay, confirmation dialog): clears a rectangle centered in the area it
/// is drawn over, then draws a ``Block`` there and the body text inside it.
public struct Overlay: Widget, Hashable, Sendable {
    /// Outer width and height of the popup, border included; shrunk to fit the area.
    public var width: Int
    public var height: Int
    public var block: Block
    public var body: Paragraph?
    /// The style of the cleared rectangle.
    public var style: Style

    public init(width: Int, height: Int, block: Block = Block(borderType: .rounded), body: Paragraph? = nil,
                style: Style = .plain) {
        self.width = width; self.height = height; self.block = block; self.body = body; self.style = style
    }

    /// The popup's outer rectangle when drawn over `area`.
    public func frame(in area: Rect) -> Rect { Rect.centered(width: width, height: height, in: area) }

    /// The rectangle inside the popup's border, for drawing custom content.
    public func contentArea(in area: Rect) -> Rect { block.inner(frame(in: area)) }

    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        let f = frame(in: area)
        guard !f.isEmpty else { return }
        Clear(style: style).render(into: &buffer, area: f)
        block.render(into: &buffer, area: f)
        body?.render(into: &buffer, area: block.inner(f))
    }
}
