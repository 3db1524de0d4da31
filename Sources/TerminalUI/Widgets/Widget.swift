/// Something that draws itself into a ``ScreenBuffer`` inside a rectangle.
/// Widgets are values: they hold what to draw, never the terminal.
public protocol Widget {
    /// Draws into `buffer` without touching any cell outside `area`.
    func render(into buffer: inout ScreenBuffer, area: Rect)
}
