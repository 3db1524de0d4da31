import TerminalUI

/// What the run loop needs from a terminal. `CursesTerminal` is the real one;
/// `RecordingTerminal` is a fake for tests of the executable's loop.
public protocol Terminal: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// How many colors styles are drawn with.
    var colorMode: ColorMode { get }
    /// Whether the locale is UTF-8; if not, graphemes are drawn as ASCII fallbacks.
    var isUTF8: Bool { get }
    /// Draws `buffer`, writing only the cells that changed since the last frame.
    func draw(_ buffer: ScreenBuffer)
    /// Waits up to `timeoutMilliseconds` (negative: forever) for one input event.
    func readEvent(timeoutMilliseconds: Int) -> InputEvent?
    /// Forces the next `draw` to repaint every cell.
    func invalidate()
    /// Restores the terminal. Idempotent.
    func shutdown()
}

/// How many colors a terminal draws.
public enum ColorMode: Hashable, Sendable, CustomStringConvertible {
    /// The xterm 256-color palette (`.rgb` maps to the nearest entry).
    case colors256
    /// The 16 ANSI colors (on an 8-color terminal, bright foregrounds draw as bold).
    case colors16
    /// No color at all: attributes (bold, reverse, underline, ...) still draw.
    case monochrome

    public var description: String {
        switch self {
        case .colors256: return "256 colors"
        case .colors16: return "16 colors"
        case .monochrome: return "monochrome"
        }
    }

    /// Chooses the mode from what the terminal reports and what the user asked for.
    /// - Parameters:
    ///   - hasColors: `has_colors()`.
    ///   - colors: `COLORS` after `start_color()`.
    ///   - noColor: the value of the `NO_COLOR` environment variable, if set. Any non-empty
    ///     value disables color (https://no-color.org).
    ///   - forceMonochrome: the user's own switch.
    public static func detect(hasColors: Bool, colors: Int, noColor: String?, forceMonochrome: Bool) -> ColorMode {
        if forceMonochrome { return .monochrome }
        if let noColor, !noColor.isEmpty { return .monochrome }
        if !hasColors || colors < 8 { return .monochrome }
        if colors >= 256 { return .colors256 }
        return .colors16
    }
}

/// Settings for `CursesTerminal`.
public struct CursesOptions: Hashable, Sendable {
    /// Draw without color even when the terminal has it.
    public var forceMonochrome: Bool
    /// Report mouse clicks and the wheel. Turning it off leaves the terminal's own
    /// text selection working without Shift.
    public var mouse: Bool
    /// Also report mouse motion (REPORT_MOUSE_POSITION). Off by default: it floods input.
    public var mouseMotion: Bool
    /// How long ncurses waits after ESC for the rest of an escape sequence.
    public var escapeDelayMilliseconds: Int
    /// Install handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT (restore, exit 128+signo),
    /// SIGTSTP/SIGCONT (suspend and resume) and an `atexit` hook.
    public var installSignalHandlers: Bool
    /// Overrides the `NO_COLOR` environment variable (nil: read the environment).
    public var noColorOverride: String?
    /// SIGHUP while the terminal is still open asks for a reload (see
    /// `CursesTerminal.consumeReloadRequest()`) instead of ending the session. A hangup of the
    /// terminal itself still ends it.
    public var reloadOnHangup: Bool

    public init(forceMonochrome: Bool = false, mouse: Bool = true, mouseMotion: Bool = false,
                escapeDelayMilliseconds: Int = 25, installSignalHandlers: Bool = true,
                noColorOverride: String? = nil, reloadOnHangup: Bool = false) {
        self.forceMonochrome = forceMonochrome
        self.mouse = mouse
        self.mouseMotion = mouseMotion
        self.escapeDelayMilliseconds = escapeDelayMilliseconds
        self.installSignalHandlers = installSignalHandlers
        self.noColorOverride = noColorOverride
        self.reloadOnHangup = reloadOnHangup
    }
}

/// Why a `CursesTerminal` could not start.
public enum CursesError: Error, Hashable, Sendable, CustomStringConvertible {
    /// stdin or stdout is not a terminal (piped or redirected).
    case notATerminal
    /// `newterm` failed, usually because `TERM` is unset or unknown.
    case cannotInitialize(term: String)
    /// Another `CursesTerminal` is active in this process.
    case alreadyActive

    public var description: String {
        switch self {
        case .notATerminal: return "standard input and output must be a terminal"
        case .cannotInitialize(let term): return "cannot initialize the terminal (TERM=\(term.isEmpty ? "<unset>" : term))"
        case .alreadyActive: return "a terminal session is already active"
        }
    }
}
