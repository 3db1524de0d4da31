import Testing
import CursesBackend
import TerminalUI

@Suite struct KeyDecoderTests {
    @Test func printableCharacters() {
        #expect(KeyDecoder.character(UInt32(UInt8(ascii: "q"))) == .character("q"))
        #expect(KeyDecoder.character(32) == .character(" "))
        #expect(KeyDecoder.character(0xE9) == .character("é"))
        #expect(KeyDecoder.character(0x4E2D) == .character("中"))
        #expect(KeyDecoder.character(0x1F680) == .character("🚀"))
    }

    @Test func enterTabBackspaceEscape() {
        #expect(KeyDecoder.character(13) == .enter)
        #expect(KeyDecoder.character(10) == .enter)
        #expect(KeyDecoder.character(9) == .tab)
        #expect(KeyDecoder.character(127) == .backspace)
        #expect(KeyDecoder.character(8) == .backspace)
        #expect(KeyDecoder.character(27) == .escape)
    }

    @Test func controlLetters() {
        #expect(KeyDecoder.character(1) == .ctrl("a"))
        #expect(KeyDecoder.character(3) == .ctrl("c"))
        #expect(KeyDecoder.character(12) == .ctrl("l"))
        #expect(KeyDecoder.character(26) == .ctrl("z"))
        // Ctrl-H, Ctrl-I, Ctrl-J, Ctrl-M are Backspace, Tab, Enter, Enter.
        for code: UInt32 in [8, 9, 10, 13] {
            if case .ctrl = KeyDecoder.character(code) { Issue.record("\(code) decoded as ctrl") }
        }
    }

    @Test func meaninglessControlsAreNil() {
        #expect(KeyDecoder.character(0) == nil)
        #expect(KeyDecoder.character(28) == nil)
        #expect(KeyDecoder.character(31) == nil)
        #expect(KeyDecoder.character(0x85) == nil)
        #expect(KeyDecoder.character(0xD800) == nil)   // a surrogate is no scalar
    }

    @Test func functionKeyCodes() {
        typealias K = CursesKeyCode
        #expect(KeyDecoder.keyCode(K.up) == .key(.up))
        #expect(KeyDecoder.keyCode(K.down) == .key(.down))
        #expect(KeyDecoder.keyCode(K.left) == .key(.left))
        #expect(KeyDecoder.keyCode(K.right) == .key(.right))
        #expect(KeyDecoder.keyCode(K.enter) == .key(.enter))
        #expect(KeyDecoder.keyCode(K.backspace) == .key(.backspace))
        #expect(KeyDecoder.keyCode(K.delete) == .key(.delete))
        #expect(KeyDecoder.keyCode(K.backTab) == .key(.backTab))
        #expect(KeyDecoder.keyCode(K.pageUp) == .key(.pageUp))
        #expect(KeyDecoder.keyCode(K.pageDown) == .key(.pageDown))
        #expect(KeyDecoder.keyCode(K.mouse) == .mouse)
        #expect(KeyDecoder.keyCode(K.resize) == .resize)
    }

    @Test func homeAndEndVariants() {
        typealias K = CursesKeyCode
        for code in [K.home, K.find, K.keypadHome] { #expect(KeyDecoder.keyCode(code) == .key(.home)) }
        for code in [K.end, K.select, K.keypadEnd] { #expect(KeyDecoder.keyCode(code) == .key(.end)) }
        #expect(KeyDecoder.keyCode(K.keypadPageUp) == .key(.pageUp))
        #expect(KeyDecoder.keyCode(K.keypadPageDown) == .key(.pageDown))
    }

    @Test(arguments: 1...12) func functionKeys(n: Int) {
        #expect(KeyDecoder.keyCode(CursesKeyCode.function(n)) == .key(.function(n)))
    }

    @Test func unknownKeyCodesAreIgnored() {
        #expect(KeyDecoder.keyCode(CursesKeyCode.function(13)) == .ignored)
        #expect(KeyDecoder.keyCode(CursesKeyCode.function(0)) == .ignored)
        #expect(KeyDecoder.keyCode(0o777) == .ignored)
    }

    @Test func keyCodesMatchNcursesValues() {
        // The documented octal values from curses.h, to catch a broken shim.
        #expect(CursesKeyCode.down == 0o402)
        #expect(CursesKeyCode.up == 0o403)
        #expect(CursesKeyCode.home == 0o406)
        #expect(CursesKeyCode.backspace == 0o407)
        #expect(CursesKeyCode.function(1) == 0o411)
        #expect(CursesKeyCode.delete == 0o512)
        #expect(CursesKeyCode.enter == 0o527)
        #expect(CursesKeyCode.backTab == 0o541)
        #expect(CursesKeyCode.end == 0o550)
        #expect(CursesKeyCode.mouse == 0o631)
        #expect(CursesKeyCode.resize == 0o632)
    }

    @Test func mouseEvents() {
        typealias M = CursesMouseMask
        #expect(KeyDecoder.mouse(bstate: M.button1Pressed, x: 3, y: 4) == MouseEvent(kind: .press, x: 3, y: 4))
        #expect(KeyDecoder.mouse(bstate: M.button1Released, x: 3, y: 4) == MouseEvent(kind: .release, x: 3, y: 4))
        #expect(KeyDecoder.mouse(bstate: M.button1Clicked, x: 0, y: 0) == MouseEvent(kind: .press, x: 0, y: 0))
        #expect(KeyDecoder.mouse(bstate: M.wheelUp, x: 10, y: 2) == MouseEvent(kind: .scrollUp, x: 10, y: 2))
        #expect(KeyDecoder.mouse(bstate: M.wheelDown, x: 10, y: 2) == MouseEvent(kind: .scrollDown, x: 10, y: 2))
        #expect(KeyDecoder.mouse(bstate: M.reportPosition, x: 1, y: 1) == nil)
        #expect(KeyDecoder.mouse(bstate: 0, x: 1, y: 1) == nil)
    }
}
