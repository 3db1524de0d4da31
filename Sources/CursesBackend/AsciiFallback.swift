/// ASCII stand-ins for graphemes, for terminals whose locale is not UTF-8 (LANG=C, a
/// serial console). Pure: the result is always exactly `width` ASCII characters.
public enum AsciiFallback {
    /// The ASCII text to draw for `grapheme` in a cell `width` columns wide (0, 1 or 2).
    /// Printable ASCII is kept; line drawing, blocks, braille, arrows and common symbols
    /// map to look-alikes; anything else becomes `?` (`??` when wide).
    public static func map(_ grapheme: String, width: Int) -> String {
        guard width > 0 else { return "" }
        guard let base = grapheme.unicodeScalars.first else { return String(repeating: " ", count: width) }
        let mapped: Character
        if base.value >= 0x20 && base.value < 0x7F {
            // ASCII, possibly followed by combining marks: keep the base letter.
            mapped = Character(base)
        } else {
            mapped = symbol(base) ?? "?"
        }
        if width == 1 { return String(mapped) }
        // A wide cell: an unknown glyph is `??`, a known one is padded.
        return mapped == "?" ? String(repeating: "?", count: width)
            : String(mapped) + String(repeating: " ", count: width - 1)
    }

    /// The look-alike for one scalar, or nil.
    static func symbol(_ s: Unicode.Scalar) -> Character? {
        let v = s.value
        switch v {
        case 0x2500...0x257F: return boxDrawing(v)
        case 0x2580...0x259F: return block(v)
        case 0x2800...0x28FF:
            let dots = (v - 0x2800).nonzeroBitCount
            return dots == 0 ? " " : (dots <= 2 ? "." : ":")
        default: break
        }
        switch s {
        case "\u{A0}", "\u{2002}", "\u{2003}", "\u{2009}", "\u{3000}": return " "
        case "←", "⇐", "◀", "◂", "◄", "‹", "«": return "<"
        case "→", "⇒", "▶", "▸", "►", "›", "»": return ">"
        case "↑", "⇑", "▲", "▴", "△", "⬆": return "^"
        case "↓", "⇓", "▼", "▾", "▽", "⬇": return "v"
        case "↗", "↙": return "/"
        case "↖", "↘": return "\\"
        case "↔", "⇔": return "-"
        case "↕", "⇕": return "|"
        case "…", "⋯": return "~"
        case "—", "–", "‒", "―", "−", "‐", "‑": return "-"
        case "✓", "✔", "☑": return "v"
        case "✖", "✗", "✘", "×", "☒", "❌": return "x"
        case "●", "•", "◉", "◆", "★", "✱", "∙", "⬤": return "*"
        case "○", "◯", "◦", "◇", "☆", "°": return "o"
        case "■", "▪", "◼": return "#"
        case "□", "▫", "◻": return "o"
        case "·", "⋅": return "."
        case "‘", "’", "‚", "′": return "'"
        case "“", "”", "„", "″": return "\""
        case "≤": return "<"
        case "≥": return ">"
        case "≠": return "#"
        case "≈", "∼": return "~"
        case "±": return "+"
        case "÷": return "/"
        case "⚠", "❗", "‼": return "!"
        case "❓", "¿": return "?"
        case "µ", "μ": return "u"
        case "¦": return "|"
        default: return nil
        }
    }

    private static func boxDrawing(_ v: UInt32) -> Character {
        switch v {
        // ─ ━ ┄ ┅ ┈ ┉ ╌ ╍ ═ ╴ ╶ ╸ ╺ ╼ ╾
        case 0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254C, 0x254D, 0x2550,
             0x2574, 0x2576, 0x2578, 0x257A, 0x257C, 0x257E:
            return "-"
        // │ ┃ ┆ ┇ ┊ ┋ ╎ ╏ ║ ╵ ╷ ╹ ╻ ╽ ╿
        case 0x2502, 0x2503, 0x2506, 0x2507, 0x250A, 0x250B, 0x254E, 0x254F, 0x2551,
             0x2575, 0x2577, 0x2579, 0x257B, 0x257D, 0x257F:
            return "|"
        case 0x2571: return "/"
        case 0x2572: return "\\"
        case 0x2573: return "X"
        default: return "+" // corners, tees, crosses, rounded corners
        }
    }

    private static func block(_ v: UInt32) -> Character {
        switch v {
        case 0x2581: return "_"                 // ▁
        case 0x2582, 0x2583: return "."         // ▂ ▃
        case 0x2584, 0x2585: return "-"         // ▄ ▅
        case 0x2586, 0x2587: return "="         // ▆ ▇
        case 0x2588: return "#"                 // █
        case 0x2580, 0x2594: return "-"         // ▀ ▔ (upper half, upper eighth)
        case 0x2589...0x258C, 0x2590: return "#" // ▉ ▊ ▋ ▌ ▐
        case 0x258D...0x258F, 0x2595: return "|" // ▍ ▎ ▏ ▕
        case 0x2591: return "."                 // ░
        case 0x2592: return "="                 // ▒
        case 0x2593: return "#"                 // ▓
        default: return "#"                     // quadrants
        }
    }
}
