/// A small chart of recent values, newest at the right edge.
///
/// - ``Mode/block``: one value per column, drawn with `▁▂▃▄▅▆▇█`; taller areas stack
///   full blocks, giving 8 levels per row.
/// - ``Mode/braille``: two values per column (left and right dot columns) and 4 dot rows
///   per row, drawn as filled bars of braille dots.
///
/// `nil` values are gaps (blank). Any present value draws at least the lowest level, so a
/// value at the bottom of the scale is told apart from a missing one. When there are more
/// values than fit, only the newest are drawn.
public struct Sparkline: Widget, Hashable, Sendable {
    public enum Mode: Hashable, Sendable { case block, braille }

    /// What values map to the bottom and the top of the area.
    public enum Scale: Hashable, Sendable {
        /// From the smallest to the largest drawn value.
        case auto
        /// From 0 (or the smallest value, if negative) to the largest drawn value.
        case zeroBased
        /// From 0 to a fixed maximum; larger values are clipped to the top.
        case fixedMax(Double)
        /// A fixed range; values outside are clipped.
        case fixed(min: Double, max: Double)
    }

    public var values: [Double?]
    public var mode: Mode
    public var scale: Scale
    public var style: Style

    public init(_ values: [Double?], mode: Mode = .block, scale: Scale = .zeroBased, style: Style = .plain) {
        self.values = values; self.mode = mode; self.scale = scale; self.style = style
    }

    /// How many values fit in `width` columns.
    public func capacity(width: Int) -> Int { mode == .block ? width : 2 * width }

    public func render(into buffer: inout ScreenBuffer, area: Rect) {
        let a = area.intersection(buffer.area)
        guard !a.isEmpty else { return }
        let shown = Array(values.suffix(capacity(width: a.width)))
        let levelsPerRow = mode == .block ? 8 : 4
        let levels = levels(for: shown, total: a.height * levelsPerRow)
        buffer.fill(a, with: Cell(" ", style: style))
        switch mode {
        case .block:
            let x0 = a.maxX - levels.count
            for (i, level) in levels.enumerated() {
                guard let level else { continue }
                for r in 0..<a.height {
                    let part = min(8, max(0, level - 8 * r))
                    if part > 0 { buffer.put(Self.blocks[part], x: x0 + i, y: a.maxY - 1 - r, style: style) }
                }
            }
        case .braille:
            // The newest value goes in the right dot column of the last cell.
            let slots = 2 * a.width
            let first = slots - levels.count
            for r in 0..<a.height {
                for cx in 0..<a.width {
                    var bits: UInt32 = 0
                    for side in 0..<2 {
                        let k = 2 * cx + side - first
                        guard k >= 0, k < levels.count, let level = levels[k] else { continue }
                        for dot in 0..<4 {  // dot 0 is the bottom dot row of this cell row
                            if level > 4 * r + dot { bits |= Self.brailleBits[side][dot] }
                        }
                    }
                    if bits != 0 {
                        buffer.put(String(Character(Unicode.Scalar(0x2800 + bits)!)), x: a.x + cx, y: a.maxY - 1 - r, style: style)
                    }
                }
            }
        }
    }

    /// Each value mapped to a level in 1...total (nil stays nil).
    func levels(for shown: [Double?], total: Int) -> [Int?] {
        let present = shown.compactMap { $0 }.filter { $0.isFinite }
        guard let dataMin = present.min(), let dataMax = present.max(), total > 0 else {
            return shown.map { _ in nil }
        }
        let lo: Double, hi: Double
        switch scale {
        case .auto: lo = dataMin; hi = dataMax
        case .zeroBased: lo = min(0, dataMin); hi = dataMax
        case .fixedMax(let m): lo = 0; hi = m
        case .fixed(let a, let b): lo = a; hi = b
        }
        return shown.map { v -> Int? in
            guard let v, v.isFinite else { return nil }
            let t = hi > lo ? min(1, max(0, (v - lo) / (hi - lo))) : 0
            return max(1, Int((t * Double(total)).rounded()))
        }
    }

    static let blocks = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// Braille dot bits by side (left, right) and dot row counted from the bottom.
    static let brailleBits: [[UInt32]] = [[0x40, 0x04, 0x02, 0x01], [0x80, 0x20, 0x10, 0x08]]
}
