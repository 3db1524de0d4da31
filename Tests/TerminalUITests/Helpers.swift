import TerminalUI

/// The rows of `buffer` exactly as drawn (continuation cells skipped, trailing spaces kept).
func rows(_ buffer: ScreenBuffer) -> [String] {
    (0..<buffer.size.height).map { buffer.rowText($0) }
}

/// Renders `widget` into a fresh `width` x `height` buffer over its whole area.
func draw(_ widget: some Widget, width: Int, height: Int) -> ScreenBuffer {
    var buffer = ScreenBuffer(size: Size(width: width, height: height))
    widget.render(into: &buffer, area: buffer.area)
    return buffer
}
