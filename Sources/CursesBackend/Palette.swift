import TerminalUI

/// Pure color math: the xterm palettes and the degradation from `Color` to a palette index.
public enum Palette {
    /// The 16 standard xterm colors (xterm's defaults).
    public static let ansi16: [(r: Int, g: Int, b: Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
        (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
        (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// The six levels of the xterm 6x6x6 color cube.
    public static let cubeLevels = [0, 95, 135, 175, 215, 255]

    /// The RGB value of xterm 256-color palette entry `index`.
    public static func rgb(ofIndexed index: UInt8) -> (r: Int, g: Int, b: Int) {
        let i = Int(index)
        if i < 16 { return ansi16[i] }
        if i < 232 {
            let n = i - 16
            return (cubeLevels[n / 36], cubeLevels[(n / 6) % 6], cubeLevels[n % 6])
        }
        let v = 8 + 10 * (i - 232)
        return (v, v, v)
    }

    /// The nearest xterm 256-color entry to an RGB color, searching the color cube and the
    /// gray ramp (16-255). Entries 0-15 are skipped: terminals' themes redefine them.
    public static func nearest256(r: UInt8, g: UInt8, b: UInt8) -> UInt8 {
        let (ri, gi, bi) = (Int(r), Int(g), Int(b))
        // Nearest cube entry, per channel.
        func cubeIndex(_ v: Int) -> Int {
            var best = 0
            for (i, level) in cubeLevels.enumerated() where abs(level - v) < abs(cubeLevels[best] - v) { best = i }
            return best
        }
        let (cr, cg, cb) = (cubeIndex(ri), cubeIndex(gi), cubeIndex(bi))
        let cube = 16 + 36 * cr + 6 * cg + cb
        let cubeDist = distance((ri, gi, bi), (cubeLevels[cr], cubeLevels[cg], cubeLevels[cb]))
        // Nearest gray on the 24-step ramp.
        let avg = (ri + gi + bi) / 3
        let grayStep = max(0, min(23, Int((Double(avg - 8) / 10).rounded())))
        let gv = 8 + 10 * grayStep
        let grayDist = distance((ri, gi, bi), (gv, gv, gv))
        return UInt8(grayDist < cubeDist ? 232 + grayStep : cube)
    }

    /// The nearest of the 16 standard colors to an RGB color.
    public static func nearest16(r: Int, g: Int, b: Int) -> UInt8 {
        var best = 0
        var bestDist = Int.max
        for (i, c) in ansi16.enumerated() {
            let d = distance((r, g, b), (c.r, c.g, c.b))
            if d < bestDist { best = i; bestDist = d }
        }
        return UInt8(best)
    }

    /// A color as a palette index for `mode`: nil for the terminal default (and for
    /// everything in monochrome). In `.colors16`, the result is 0-15.
    public static func index(of color: Color, mode: ColorMode) -> Int? {
        switch mode {
        case .monochrome:
            return nil
        case .colors256:
            switch color {
            case .default: return nil
            case .ansi(let n): return Int(n & 15)
            case .indexed(let n): return Int(n)
            case .rgb(let r, let g, let b): return Int(nearest256(r: r, g: g, b: b))
            }
        case .colors16:
            switch color {
            case .default: return nil
            case .ansi(let n): return Int(n & 15)
            case .indexed(let n):
                if n < 16 { return Int(n) }
                let c = rgb(ofIndexed: n)
                return Int(nearest16(r: c.r, g: c.g, b: c.b))
            case .rgb(let r, let g, let b):
                return Int(nearest16(r: Int(r), g: Int(g), b: Int(b)))
            }
        }
    }

    /// A resolved style: palette indexes (-1 = terminal default) and whether a bright
    /// foreground on an 8-color terminal must be drawn as bold.
    public struct Resolved: Hashable, Sendable {
        public var foreground: Int32
        public var background: Int32
        public var addBold: Bool
        public init(foreground: Int32, background: Int32, addBold: Bool) {
            self.foreground = foreground; self.background = background; self.addBold = addBold
        }
    }

    /// Resolves a style's colors for a terminal with `colorCount` colors in `mode`.
    /// On an 8-color terminal, bright colors (8-15) become their normal counterpart,
    /// and a bright foreground adds bold.
    public static func resolve(_ style: Style, mode: ColorMode, colorCount: Int) -> Resolved {
        var fg = index(of: style.foreground, mode: mode).map(Int32.init) ?? -1
        var bg = index(of: style.background, mode: mode).map(Int32.init) ?? -1
        var bold = false
        if mode == .colors16 && colorCount < 16 {
            if fg >= 8 { fg -= 8; bold = true }
            if bg >= 8 { bg -= 8 }
        }
        return Resolved(foreground: fg, background: bg, addBold: bold)
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return dr * dr + dg * dg + db * db
    }
}
