#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CNcursesw
import TerminalUI

/// The ncurses terminal: draws `ScreenBuffer`s (only the cells that changed), reads keys,
/// mouse and resize events, and restores the terminal on every exit path.
///
/// One instance at a time per process. Not thread-safe: use it from the run loop only.
public final class CursesTerminal: Terminal {
    public let options: CursesOptions
    public private(set) var colorMode: ColorMode
    public let isUTF8: Bool
    /// `COLORS` as ncurses reports it (0 when color was not started).
    public let colorCount: Int

    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private var hasDefaultColors = false
    private var lastDrawn: ScreenBuffer?
    private var needsFullRedraw = true
    private var needsClear = false
    private var isShutDown = false

    private struct PairKey: Hashable { var fg: Int32; var bg: Int32 }
    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1

    private let attrBold = mw_A_BOLD(), attrDim = mw_A_DIM(), attrItalic = mw_A_ITALIC(),
                attrUnderline = mw_A_UNDERLINE(), attrReverse = mw_A_REVERSE()

    /// Enters curses mode on the controlling terminal (stdin/stdout).
    /// - Throws: `CursesError` when stdin/stdout is not a terminal, `TERM` is unusable,
    ///   or another session is active.
    public init(options: CursesOptions = CursesOptions()) throws {
        guard !SignalGuard.isActive else { throw CursesError.alreadyActive }
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else { throw CursesError.notATerminal }
        self.options = options

        setlocale(LC_ALL, "")
        isUTF8 = Self.isUTF8Codeset(String(cString: mw_codeset()))

        if options.installSignalHandlers {
            SignalGuard.setReloadOnHangup(options.reloadOnHangup)
            SignalGuard.install()
        }
        // newterm rather than initscr: initscr exits the process when TERM is unusable.
        guard let scr = newterm(nil, mw_stdout(), mw_stdin()) else {
            if options.installSignalHandlers { SignalGuard.uninstall() }
            throw CursesError.cannotInitialize(term: getenv("TERM").map { String(cString: $0) } ?? "")
        }
        screen = scr
        window = mw_stdscr()
        SignalGuard.beginSession()

        cbreak()             // not raw(): Ctrl-C and Ctrl-Z stay signals
        noecho()
        nonl()
        keypad(window, true)
        leaveok(window, true)
        scrollok(window, false)
        curs_set(0)
        set_escdelay(Int32(options.escapeDelayMilliseconds))
        wtimeout(window, 0)
        if options.mouse {
            var mask = CursesMouseMask.button1Pressed | CursesMouseMask.button1Released
                | CursesMouseMask.wheelUp | CursesMouseMask.wheelDown
            if options.mouseMotion { mask |= CursesMouseMask.reportPosition }
            mousemask(mmask_t(mask), nil)
            mouseinterval(0)
        }

        let noColor = options.noColorOverride ?? getenv("NO_COLOR").map { String(cString: $0) }
        let colorWanted = !options.forceMonochrome && (noColor ?? "").isEmpty
        if colorWanted && has_colors() {
            start_color()
            hasDefaultColors = use_default_colors() == OK
            colorCount = Int(mw_COLORS())
        } else {
            colorCount = 0
        }
        colorMode = ColorMode.detect(hasColors: colorWanted && has_colors(), colors: colorCount,
                                     noColor: noColor, forceMonochrome: options.forceMonochrome)
    }

    deinit { shutdown() }

    /// Runs `body` with a terminal and restores the terminal however `body` ends.
    /// Throws `CursesError` if the terminal cannot start, or what `body` throws.
    public static func withTerminal<T>(options: CursesOptions = CursesOptions(),
                                       _ body: (CursesTerminal) throws -> T) throws -> T {
        let terminal = try CursesTerminal(options: options)
        defer { terminal.shutdown() }
        return try body(terminal)
    }

    /// The async form of `withTerminal`.
    public static func withTerminal<T>(options: CursesOptions = CursesOptions(),
                                       _ body: (CursesTerminal) async throws -> T) async throws -> T {
        let terminal = try CursesTerminal(options: options)
        defer { terminal.shutdown() }
        return try await body(terminal)
    }

    /// Whether a `nl_langinfo(CODESET)` value names UTF-8.
    public static func isUTF8Codeset(_ codeset: String) -> Bool {
        let c = codeset.uppercased()
        return c == "UTF-8" || c == "UTF8"
    }

    // MARK: Terminal

    /// True once after each SIGHUP that asked for a reload (with `reloadOnHangup`).
    public func consumeReloadRequest() -> Bool { SignalGuard.consumeReloadRequest() }

    /// While on, Ctrl-C (SIGINT) does not end the session: it arrives as the key `.ctrl("c")`,
    /// so a running command can be cancelled. Off, it ends the session as before (exit 130).
    public func setInterruptCancels(_ on: Bool) { SignalGuard.setInterruptIsKey(on) }

    /// Puts `text` on the clipboard with OSC 52, for terminals that allow it (xterm, kitty,
    /// iTerm2, tmux with `set-clipboard on`); others ignore the sequence. Text over 64 KiB is
    /// not sent. The text is base64-encoded, so nothing in it reaches the terminal raw.
    public func copyToClipboard(_ text: String) {
        guard !isShutDown else { return }
        let bytes = Array(text.utf8)
        guard bytes.count <= 64 * 1024 else { return }
        let sequence = "\u{1B}]52;c;" + CursesTerminal.base64(bytes) + "\u{07}"
        fflush(mw_stdout())
        fputs(sequence, mw_stdout())
        fflush(mw_stdout())
    }

    public static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var size: Size {
        guard !isShutDown else { return Size(width: 0, height: 0) }
        return Size(width: Int(mw_getmaxx(window)), height: Int(mw_getmaxy(window)))
    }

    public func invalidate() {
        needsFullRedraw = true
        needsClear = true
    }

    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        if options.mouse { mousemask(0, nil) }
        SignalGuard.endSession()
        delscreen(screen)
        if options.installSignalHandlers { SignalGuard.uninstall() }
    }

    /// Draws `buffer`. Only cells that differ from the last frame are written, unless the
    /// terminal was resized, resumed or invalidated, when every cell is. Cells outside
    /// the terminal are clipped.
    public func draw(_ buffer: ScreenBuffer) {
        guard !isShutDown else { return }
        if SignalGuard.consumeRedraw() { needsFullRedraw = true }
        let termSize = size
        let full = needsFullRedraw || lastDrawn?.size != buffer.size
        if full { werase(window) }
        if needsClear { clearok(window, true); needsClear = false }
        let width = min(buffer.size.width, termSize.width)
        let height = min(buffer.size.height, termSize.height)
        let previous = full ? nil : lastDrawn
        for y in 0..<max(0, height) {
            for x in 0..<max(0, width) {
                let cell = buffer[x, y]
                if let previous, previous[x, y] == cell { continue }
                if cell.isContinuation {
                    // Normally covered by the wide glyph to its left; a stray one is a blank.
                    if x == 0 || buffer[x - 1, y].width != 2 { putText(" ", x: x, y: y, style: cell.style) }
                    continue
                }
                if cell.width == 2 && x + 1 >= width {
                    putText(" ", x: x, y: y, style: cell.style)   // clipped wide glyph
                    continue
                }
                put(cell, x: x, y: y)
            }
        }
        lastDrawn = buffer
        needsFullRedraw = false
        wnoutrefresh(window)
        doupdate()
    }

    /// Waits up to `timeoutMilliseconds` (negative: until input) for one event.
    /// Returns nil on timeout, and for input that means nothing here (an unknown key,
    /// a mouse button other than 1, 4 and 5).
    public func readEvent(timeoutMilliseconds: Int) -> InputEvent? {
        guard !isShutDown else { return nil }
        if SignalGuard.consumeResumeEvent() { needsFullRedraw = true; return .resized(size) }
        if SignalGuard.consumeInterrupt() { return .key(.ctrl("c")) }
        wtimeout(window, Int32(clamping: timeoutMilliseconds))
        var ch: wint_t = 0
        let rc = wget_wch(window, &ch)
        if rc == ERR {
            if SignalGuard.consumeResumeEvent() { needsFullRedraw = true; return .resized(size) }
            if SignalGuard.consumeInterrupt() { return .key(.ctrl("c")) }
            return nil
        }
        if rc == mw_KEY_CODE_YES() {
            switch KeyDecoder.keyCode(Int32(bitPattern: ch)) {
            case .key(let key): return .key(key)
            case .resize:
                needsFullRedraw = true
                return .resized(size)
            case .mouse:
                var event = MEVENT()
                guard getmouse(&event) == OK else { return nil }
                return KeyDecoder.mouse(bstate: UInt(event.bstate), x: Int(event.x), y: Int(event.y)).map(InputEvent.mouse)
            case .ignored: return nil
            }
        }
        return KeyDecoder.character(UInt32(ch)).map(InputEvent.key)
    }

    // MARK: Drawing a cell

    private func put(_ cell: Cell, x: Int, y: Int) {
        let width = Int(cell.width)
        guard isUTF8 else {
            putText(AsciiFallback.map(cell.grapheme, width: width), x: x, y: y, style: cell.style)
            return
        }
        var chars = cell.grapheme.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        if chars.isEmpty { chars = [0x20] }
        let baseWidth = Int(mw_wcwidth(chars[0]))
        if baseWidth == 0 {
            chars.insert(0x20, at: 0)            // a lone mark: give it a base
        } else if baseWidth < 0 || baseWidth > width {
            // The C library cannot draw it, or thinks it is wider than the cell: never spill.
            chars = [width == 2 ? 0xFFFD : 0x3F]
        }
        chars.append(0)
        let (attrs, pair) = attributes(for: cell.style)
        _ = chars.withUnsafeBufferPointer { mw_put_cell(window, Int32(y), Int32(x), $0.baseAddress, attrs, pair) }
        if width == 2 && max(baseWidth, 1) == 1 {
            // The C library thinks it is narrow: fill the continuation so nothing stale shows.
            putText(" ", x: x + 1, y: y, style: cell.style)
        }
    }

    /// Writes narrow text one cell per character.
    private func putText(_ text: String, x: Int, y: Int, style: Style) {
        let (attrs, pair) = attributes(for: style)
        var col = x
        for scalar in text.unicodeScalars {
            let chars: [wchar_t] = [wchar_t(bitPattern: scalar.value), 0]
            _ = chars.withUnsafeBufferPointer { mw_put_cell(window, Int32(y), Int32(col), $0.baseAddress, attrs, pair) }
            col += 1
        }
    }

    private func attributes(for style: Style) -> (attr_t, Int32) {
        var a = mw_A_NORMAL()
        let at = style.attributes
        if at.contains(.bold) { a |= attrBold }
        if at.contains(.dim) { a |= attrDim }
        if at.contains(.italic) { a |= attrItalic }
        if at.contains(.underline) { a |= attrUnderline }
        if at.contains(.reverse) { a |= attrReverse }
        guard colorMode != .monochrome else { return (a, 0) }
        let resolved = Palette.resolve(style, mode: colorMode, colorCount: colorCount)
        if resolved.addBold { a |= attrBold }
        return (a, pair(foreground: resolved.foreground, background: resolved.background))
    }

    /// The color pair for (fg, bg), allocated on first use and reused after.
    /// When pairs run out, the default pair is used.
    private func pair(foreground: Int32, background: Int32) -> Int32 {
        var fg = foreground, bg = background
        if !hasDefaultColors {
            if fg < 0 { fg = COLOR_WHITE }
            if bg < 0 { bg = COLOR_BLACK }
            if fg == COLOR_WHITE && bg == COLOR_BLACK { return 0 }
        } else if fg < 0 && bg < 0 {
            return 0
        }
        let key = PairKey(fg: fg, bg: bg)
        if let p = pairs[key] { return p }
        guard nextPair < mw_COLOR_PAIRS(), init_extended_pair(nextPair, fg, bg) == OK else { return 0 }
        let p = nextPair
        nextPair += 1
        pairs[key] = p
        return p
    }

    /// How many color pairs have been allocated (for diagnostics).
    public var colorPairsInUse: Int { pairs.count }
}
