/// Resets every cell of an area to a blank in ``style`` (what lies beneath a popup).
public struct Clear: Widget, Hashable, Sendable {
    public var style: Style
    public init(style: Style = .plain) { self.style = style }
    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        buffer.fill(area, with: Cell(" ", style: style))
    }
}
