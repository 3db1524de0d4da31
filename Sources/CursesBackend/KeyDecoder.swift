import CNcursesw
import TerminalUI

/// ncurses key codes (the values of the `KEY_*` macros), read through the shim.
public enum CursesKeyCode {
    public static let down = mw_KEY_DOWN()
    public static let up = mw_KEY_UP()
    public static let left = mw_KEY_LEFT()
    public static let right = mw_KEY_RIGHT()
    public static let home = mw_KEY_HOME()
    public static let end = mw_KEY_END()
    public static let find = mw_KEY_FIND()
    public static let select = mw_KEY_SELECT()
    public static let keypadHome = mw_KEY_A1()
    public static let keypadPageUp = mw_KEY_A3()
    public static let keypadEnd = mw_KEY_C1()
    public static let keypadPageDown = mw_KEY_C3()
    public static let pageUp = mw_KEY_PPAGE()
    public static let pageDown = mw_KEY_NPAGE()
    public static let backspace = mw_KEY_BACKSPACE()
    public static let delete = mw_KEY_DC()
    public static let enter = mw_KEY_ENTER()
    public static let backTab = mw_KEY_BTAB()
    public static let mouse = mw_KEY_MOUSE()
    public static let resize = mw_KEY_RESIZE()
    /// `KEY_F(n)`.
    public static func function(_ n: Int) -> Int32 { mw_KEY_F(Int32(n)) }
}

/// ncurses mouse button masks (the `BUTTON*` macros), read through the shim.
public enum CursesMouseMask {
    public static let button1Pressed = UInt(mw_BUTTON1_PRESSED())
    public static let button1Released = UInt(mw_BUTTON1_RELEASED())
    public static let button1Clicked = UInt(mw_BUTTON1_CLICKED())
    public static let wheelUp = UInt(mw_BUTTON4_PRESSED())
    public static let wheelDown = UInt(mw_BUTTON5_PRESSED())
    public static let reportPosition = UInt(mw_REPORT_MOUSE_POSITION())
}

/// The pure part of input decoding: what `wget_wch` returned, turned into a `Key`.
public enum KeyDecoder {
    /// What a function-key code means.
    public enum KeyCodeMeaning: Hashable, Sendable {
        case key(Key)
        /// `KEY_MOUSE`: call `getmouse` and decode with `mouse(bstate:x:y:)`.
        case mouse
        /// `KEY_RESIZE`: the terminal changed size.
        case resize
        /// A key this app has no use for.
        case ignored
    }

    /// Decodes a character `wget_wch` returned with `OK` (a Unicode scalar value).
    /// Returns nil for characters that mean nothing here (NUL, other C0/C1 controls).
    public static func character(_ code: UInt32) -> Key? {
        switch code {
        case 13, 10: return .enter          // Ctrl-M / Ctrl-J (nonl: Enter sends \r)
        case 9: return .tab                 // Ctrl-I
        case 8, 127: return .backspace      // Ctrl-H, DEL
        case 27: return .escape
        case 1...26:
            return .ctrl(Character(Unicode.Scalar(UInt8(code) + 0x60)))
        case 0..<32, 0x80..<0xA0: return nil
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return .character(Character(scalar))
        }
    }

    /// Decodes a key code `wget_wch` returned with `KEY_CODE_YES`.
    public static func keyCode(_ code: Int32) -> KeyCodeMeaning {
        typealias K = CursesKeyCode
        switch code {
        case K.mouse: return .mouse
        case K.resize: return .resize
        case K.up: return .key(.up)
        case K.down: return .key(.down)
        case K.left: return .key(.left)
        case K.right: return .key(.right)
        case K.home, K.find, K.keypadHome: return .key(.home)
        case K.end, K.select, K.keypadEnd: return .key(.end)
        case K.pageUp, K.keypadPageUp: return .key(.pageUp)
        case K.pageDown, K.keypadPageDown: return .key(.pageDown)
        case K.enter: return .key(.enter)
        case K.backspace: return .key(.backspace)
        case K.delete: return .key(.delete)
        case K.backTab: return .key(.backTab)
        default:
            let f0 = K.function(0)
            if code > f0 && code <= f0 + 12 { return .key(.function(Int(code - f0))) }
            return .ignored
        }
    }

    /// Decodes a mouse event's button state. Button 1 press/release (or a click, should
    /// ncurses synthesize one) and the wheel (buttons 4 and 5); everything else is nil.
    public static func mouse(bstate: UInt, x: Int, y: Int) -> MouseEvent? {
        typealias M = CursesMouseMask
        let kind: MouseEvent.Kind
        if bstate & M.wheelUp != 0 { kind = .scrollUp }
        else if bstate & M.wheelDown != 0 { kind = .scrollDown }
        else if bstate & (M.button1Pressed | M.button1Clicked) != 0 { kind = .press }
        else if bstate & M.button1Released != 0 { kind = .release }
        else { return nil }
        return MouseEvent(kind: kind, x: x, y: y)
    }
}
