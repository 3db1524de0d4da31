/// Turns a ``ScreenBuffer`` into plain text: for `modelwatch snapshot`, for logs, and for
/// the screen snapshot tests. No escape sequences are ever produced.
public enum PlainTextRenderer {
    /// The rows joined by `\n`, continuation cells skipped, trailing spaces trimmed per row.
    public static func text(_ buffer: ScreenBuffer) -> String {
        (0..<buffer.size.height).map { y in
            var row = buffer.rowText(y)
            while row.last == " " { row.removeLast() }
            return row
        }.joined(separator: "\n")
    }

    /// The snapshot format: every row exactly as drawn between `|` markers (so trailing
    /// spaces show), then `--- styles ---`, then one line per run of equal non-plain style:
    ///
    /// ```
    /// |┌Models──┐|
    /// |│ok      │|
    /// |└────────┘|
    /// --- styles ---
    /// 1:1-2 fg=ansi(2) bg=default attrs=bold
    /// ```
    ///
    /// A run is `row:firstCol-lastCol` (0-based, inclusive), merged across adjacent cells of
    /// equal style within a row; a wide glyph's continuation cell belongs to its run. Colors
    /// read `default`, `ansi(n)`, `idx(n)`, `rgb(r,g,b)`; attributes `none` or a comma list
    /// in the order bold, dim, italic, underline, reverse. Ends with a newline.
    public static func snapshot(_ buffer: ScreenBuffer) -> String {
        var out = ""
        for y in 0..<buffer.size.height { out += "|" + buffer.rowText(y) + "|\n" }
        out += "--- styles ---\n"
        for run in styleRuns(buffer) {
            out += "\(run.row):\(run.start)-\(run.end) \(describe(run.style))\n"
        }
        return out
    }

    /// A run of equal non-plain style on one row, columns `start...end`.
    public struct StyleRun: Hashable, Sendable {
        public var row: Int
        public var start: Int
        public var end: Int
        public var style: Style
    }

    /// The runs of non-plain style, row by row, left to right.
    public static func styleRuns(_ buffer: ScreenBuffer) -> [StyleRun] {
        var runs: [StyleRun] = []
        for y in 0..<buffer.size.height {
            var x = 0
            while x < buffer.size.width {
                let style = buffer[x, y].style
                var end = x
                while end + 1 < buffer.size.width && buffer[end + 1, y].style == style { end += 1 }
                if style != .plain { runs.append(StyleRun(row: y, start: x, end: end, style: style)) }
                x = end + 1
            }
        }
        return runs
    }

    /// `fg=<color> bg=<color> attrs=<list>`.
    public static func describe(_ style: Style) -> String {
        "fg=\(describe(style.foreground)) bg=\(describe(style.background)) attrs=\(describe(style.attributes))"
    }

    /// `default`, `ansi(n)`, `idx(n)` or `rgb(r,g,b)`.
    public static func describe(_ color: Color) -> String {
        switch color {
        case .default: return "default"
        case .ansi(let n): return "ansi(\(n))"
        case .indexed(let n): return "idx(\(n))"
        case .rgb(let r, let g, let b): return "rgb(\(r),\(g),\(b))"
        }
    }

    /// `none` or e.g. `bold,reverse`.
    public static func describe(_ attributes: Attributes) -> String {
        let names: [(Attributes, String)] = [(.bold, "bold"), (.dim, "dim"), (.italic, "italic"),
                                             (.underline, "underline"), (.reverse, "reverse")]
        let list = names.filter { attributes.contains($0.0) }.map(\.1)
        return list.isEmpty ? "none" : list.joined(separator: ",")
    }
}
