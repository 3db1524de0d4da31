import Testing
import CursesBackend
import TerminalUI

@Suite struct PaletteTests {
    @Test func indexedPaletteValues() {
        #expect(Palette.rgb(ofIndexed: 16) == (0, 0, 0))
        #expect(Palette.rgb(ofIndexed: 196) == (255, 0, 0))
        #expect(Palette.rgb(ofIndexed: 231) == (255, 255, 255))
        #expect(Palette.rgb(ofIndexed: 232) == (8, 8, 8))
        #expect(Palette.rgb(ofIndexed: 255) == (238, 238, 238))
        #expect(Palette.rgb(ofIndexed: 9) == (255, 0, 0))
    }

    @Test func rgbToNearest256() {
        #expect(Palette.nearest256(r: 255, g: 0, b: 0) == 196)
        #expect(Palette.nearest256(r: 0, g: 0, b: 0) == 16)
        #expect(Palette.nearest256(r: 255, g: 255, b: 255) == 231)
        #expect(Palette.nearest256(r: 0, g: 135, b: 255) == 33)      // exact cube entry
        #expect(Palette.nearest256(r: 128, g: 128, b: 128) == 244)   // gray ramp beats the cube
        #expect(Palette.nearest256(r: 100, g: 100, b: 100) == 241)
        #expect(Palette.nearest256(r: 250, g: 130, b: 10) == 208)    // orange
    }

    @Test func every256EntryRoundTrips() {
        // An exact palette color maps back to an entry with the same RGB.
        for i in 16...255 {
            let c = Palette.rgb(ofIndexed: UInt8(i))
            let j = Palette.nearest256(r: UInt8(c.r), g: UInt8(c.g), b: UInt8(c.b))
            #expect(Palette.rgb(ofIndexed: j) == c, "index \(i) -> \(j)")
        }
    }

    @Test func degradeTo16() {
        #expect(Palette.index(of: .indexed(196), mode: .colors16) == 9)    // bright red
        #expect(Palette.index(of: .indexed(46), mode: .colors16) == 10)    // bright green
        #expect(Palette.index(of: .indexed(21), mode: .colors16) == 4)     // blue
        #expect(Palette.index(of: .indexed(226), mode: .colors16) == 11)   // yellow
        #expect(Palette.index(of: .indexed(16), mode: .colors16) == 0)
        #expect(Palette.index(of: .indexed(231), mode: .colors16) == 15)
        #expect(Palette.index(of: .indexed(244), mode: .colors16) == 8)    // mid gray
        #expect(Palette.index(of: .indexed(5), mode: .colors16) == 5)      // 0-15 kept
        #expect(Palette.index(of: .rgb(250, 10, 10), mode: .colors16) == 9)
        #expect(Palette.index(of: .rgb(0, 0, 120), mode: .colors16) == 4)
        #expect(Palette.index(of: .ansi(12), mode: .colors16) == 12)
        #expect(Palette.index(of: .default, mode: .colors16) == nil)
    }

    @Test func degradeIn256AndMonochrome() {
        #expect(Palette.index(of: .indexed(208), mode: .colors256) == 208)
        #expect(Palette.index(of: .rgb(255, 0, 0), mode: .colors256) == 196)
        #expect(Palette.index(of: .ansi(3), mode: .colors256) == 3)
        for color in [Color.ansi(1), .indexed(200), .rgb(1, 2, 3), .default] {
            #expect(Palette.index(of: color, mode: .monochrome) == nil)
        }
    }

    @Test func eightColorTerminalsUseBoldForBright() {
        let style = Style(foreground: .ansi(9), background: .ansi(12))
        let r8 = Palette.resolve(style, mode: .colors16, colorCount: 8)
        #expect(r8 == Palette.Resolved(foreground: 1, background: 4, addBold: true))
        let r16 = Palette.resolve(style, mode: .colors16, colorCount: 16)
        #expect(r16 == Palette.Resolved(foreground: 9, background: 12, addBold: false))
        let plain = Palette.resolve(.plain, mode: .colors256, colorCount: 256)
        #expect(plain == Palette.Resolved(foreground: -1, background: -1, addBold: false))
    }

    @Test func colorModeDetection() {
        #expect(ColorMode.detect(hasColors: true, colors: 256, noColor: nil, forceMonochrome: false) == .colors256)
        #expect(ColorMode.detect(hasColors: true, colors: 88, noColor: nil, forceMonochrome: false) == .colors16)
        #expect(ColorMode.detect(hasColors: true, colors: 16, noColor: nil, forceMonochrome: false) == .colors16)
        #expect(ColorMode.detect(hasColors: true, colors: 8, noColor: nil, forceMonochrome: false) == .colors16)
        #expect(ColorMode.detect(hasColors: false, colors: 0, noColor: nil, forceMonochrome: false) == .monochrome)
        #expect(ColorMode.detect(hasColors: true, colors: 256, noColor: "1", forceMonochrome: false) == .monochrome)
        #expect(ColorMode.detect(hasColors: true, colors: 256, noColor: "", forceMonochrome: false) == .colors256)
        #expect(ColorMode.detect(hasColors: true, colors: 256, noColor: nil, forceMonochrome: true) == .monochrome)
    }

    @Test func codesetDetection() {
        #expect(CursesTerminal.isUTF8Codeset("UTF-8"))
        #expect(CursesTerminal.isUTF8Codeset("utf8"))
        #expect(!CursesTerminal.isUTF8Codeset("ANSI_X3.4-1968"))
    }

    @Test func recordingTerminalReplaysEvents() {
        let t = RecordingTerminal(events: [.key(.character("q")), .resized(Size(width: 60, height: 15))])
        #expect(t.readEvent(timeoutMilliseconds: 0) == .key(.character("q")))
        #expect(t.readEvent(timeoutMilliseconds: 0) == .resized(Size(width: 60, height: 15)))
        #expect(t.size == Size(width: 60, height: 15))
        #expect(t.readEvent(timeoutMilliseconds: 0) == nil)
        t.draw(ScreenBuffer(size: t.size))
        #expect(t.drawn.count == 1)
    }
}
