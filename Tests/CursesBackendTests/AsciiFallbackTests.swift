import Testing
import CursesBackend

@Suite struct AsciiFallbackTests {
    @Test func asciiPassesThrough() {
        #expect(AsciiFallback.map("a", width: 1) == "a")
        #expect(AsciiFallback.map(" ", width: 1) == " ")
        #expect(AsciiFallback.map("~", width: 1) == "~")
        #expect(AsciiFallback.map("e\u{301}", width: 1) == "e")  // base letter kept
    }

    @Test(arguments: [
        ("─", "-"), ("━", "-"), ("═", "-"), ("╌", "-"),
        ("│", "|"), ("┃", "|"), ("║", "|"), ("╎", "|"),
        ("┌", "+"), ("┐", "+"), ("└", "+"), ("┘", "+"), ("├", "+"), ("┤", "+"),
        ("┬", "+"), ("┴", "+"), ("┼", "+"), ("╭", "+"), ("╮", "+"), ("╰", "+"), ("╯", "+"),
        ("╔", "+"), ("╝", "+"), ("╬", "+"),
    ])
    func boxDrawing(glyph: String, expected: String) {
        #expect(AsciiFallback.map(glyph, width: 1) == expected)
    }

    @Test func sparkBarsByHeight() {
        let bars = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"].map { AsciiFallback.map($0, width: 1) }
        #expect(bars == ["_", ".", ".", "-", "-", "=", "=", "#"])
        #expect(AsciiFallback.map("░", width: 1) == ".")
        #expect(AsciiFallback.map("▓", width: 1) == "#")
    }

    @Test func brailleByDotCount() {
        #expect(AsciiFallback.map("\u{2800}", width: 1) == " ")
        #expect(AsciiFallback.map("\u{2801}", width: 1) == ".")   // 1 dot
        #expect(AsciiFallback.map("\u{2803}", width: 1) == ".")   // 2 dots
        #expect(AsciiFallback.map("\u{2807}", width: 1) == ":")   // 3 dots
        #expect(AsciiFallback.map("\u{28FF}", width: 1) == ":")   // 8 dots
    }

    @Test(arguments: [
        ("↑", "^"), ("↓", "v"), ("←", "<"), ("→", ">"), ("▲", "^"), ("▼", "v"),
        ("…", "~"), ("—", "-"), ("–", "-"), ("✓", "v"), ("✔", "v"), ("✖", "x"), ("✗", "x"),
        ("●", "*"), ("•", "*"), ("○", "o"), ("·", "."), ("’", "'"), ("“", "\""),
    ])
    func symbols(glyph: String, expected: String) {
        #expect(AsciiFallback.map(glyph, width: 1) == expected)
    }

    @Test func unknownNarrowIsQuestionMark() {
        #expect(AsciiFallback.map("é", width: 1) == "?")
        #expect(AsciiFallback.map("λ", width: 1) == "?")
    }

    @Test func wideGlyphsFillBothCells() {
        #expect(AsciiFallback.map("中", width: 2) == "??")
        #expect(AsciiFallback.map("🚀", width: 2) == "??")
        #expect(AsciiFallback.map("❌", width: 2) == "x ")
    }

    @Test func resultIsAlwaysWidthAsciiCharacters() {
        let samples = ["a", "─", "中", "🚀", "👨‍👩‍👧", "🇺🇸", "⠿", "▆", "é", "…", "", "\u{301}"]
        for g in samples {
            for w in 0...2 {
                let out = AsciiFallback.map(g, width: w)
                #expect(out.unicodeScalars.count == w, "\(g) width \(w) -> \(out)")
                #expect(out.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F })
            }
        }
    }
}
