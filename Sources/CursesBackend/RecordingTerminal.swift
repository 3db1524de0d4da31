import TerminalUI

/// A `Terminal` for tests: returns queued events and keeps every buffer drawn.
public final class RecordingTerminal: Terminal {
    public var size: Size
    public var colorMode: ColorMode
    public var isUTF8: Bool
    /// Events `readEvent` returns, first first. When empty, `readEvent` returns nil.
    public var pendingEvents: [InputEvent]
    public private(set) var drawn: [ScreenBuffer] = []
    public private(set) var invalidateCount = 0
    public private(set) var isShutDown = false

    public init(size: Size = Size(width: 80, height: 24), colorMode: ColorMode = .colors256,
                isUTF8: Bool = true, events: [InputEvent] = []) {
        self.size = size; self.colorMode = colorMode; self.isUTF8 = isUTF8; self.pendingEvents = events
    }

    public var lastBuffer: ScreenBuffer? { drawn.last }

    public func draw(_ buffer: ScreenBuffer) { drawn.append(buffer) }

    public func readEvent(timeoutMilliseconds: Int) -> InputEvent? {
        guard !pendingEvents.isEmpty else { return nil }
        let event = pendingEvents.removeFirst()
        if case .resized(let s) = event { size = s }
        return event
    }

    public func invalidate() { invalidateCount += 1 }
    public func shutdown() { isShutDown = true }
}
