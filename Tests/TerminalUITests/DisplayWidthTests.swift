import Testing
import TerminalUI

@Suite struct DisplayWidthTests {
    @Test func asciiIsOneColumn() {
        #expect(DisplayWidth.of("a" as Character) == 1)
        #expect(DisplayWidth.of("hello, world") == 12)
        #expect(DisplayWidth.of("") == 0)
    }

    @Test func cjkHangulAndFullwidthAreTwoColumns() {
        #expect(DisplayWidth.of("中" as Character) == 2)
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("ひらがな") == 8)
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.of("Ａ" as Character) == 2)          // U+FF21 fullwidth A
        #expect(DisplayWidth.of("｡" as Character) == 1)           // U+FF61 halfwidth ideographic full stop
        #expect(DisplayWidth.of("\u{20000}" as Character) == 2)   // CJK extension B
        #expect(DisplayWidth.of("\u{3000}" as Character) == 2)    // ideographic space
    }

    @Test func hangulJamoSequenceIsOneWideCluster() {
        let g: Character = "\u{1100}\u{1161}\u{11A8}"   // ᄀ + ᅡ + ᆨ composes 각
        #expect(DisplayWidth.of(g) == 2)
        #expect(DisplayWidth.of("\u{1161}" as Character) == 0)  // a lone medial vowel
    }

    @Test func emojiWithPresentationAreTwoColumns() {
        #expect(DisplayWidth.of("😀" as Character) == 2)
        #expect(DisplayWidth.of("🚀" as Character) == 2)
        #expect(DisplayWidth.of("\u{1FAE8}" as Character) == 2)  // shaking face, Unicode 15
    }

    @Test func textPresentationSymbolsAreOneColumnUnlessVS16() {
        #expect(DisplayWidth.of("\u{2764}" as Character) == 1)          // ❤ text style
        #expect(DisplayWidth.of("\u{2764}\u{FE0F}" as Character) == 2)  // ❤️ emoji style
        #expect(DisplayWidth.of("1\u{FE0F}\u{20E3}" as Character) == 2) // keycap 1️⃣
        #expect(DisplayWidth.of("©" as Character) == 1)
    }

    @Test func zwjSequencesAndModifiersAreTwoColumns() {
        let family: Character = "👨\u{200D}👩\u{200D}👧\u{200D}👦"
        #expect(DisplayWidth.of(family) == 2)
        #expect(DisplayWidth.of("🏳\u{FE0F}\u{200D}🌈" as Character) == 2)  // rainbow flag
        #expect(DisplayWidth.of("👍🏽" as Character) == 2)                 // skin tone modifier
        #expect(DisplayWidth.of("a👨\u{200D}💻b") == 4)
    }

    @Test func flagsAreTwoColumns() {
        #expect(DisplayWidth.of("🇯🇵" as Character) == 2)
        #expect(DisplayWidth.of("🇺🇸🇫🇷") == 4)
        // A lone regional indicator has Emoji_Presentation: 2, like the pair.
        #expect(DisplayWidth.of("\u{1F1E6}" as Character) == 2)
        #expect(DisplayWidth.of("\u{1F1E6}\u{1F1E6}\u{1F1E6}") == 4)  // a flag, then a lone indicator
    }

    @Test func combiningMarksTakeTheBaseWidth() {
        #expect(DisplayWidth.of("e\u{301}" as Character) == 1)
        #expect(DisplayWidth.of("cafe\u{301}") == 4)
        #expect(DisplayWidth.of("a\u{300}\u{316}\u{35C}" as Character) == 1)
        #expect(DisplayWidth.of("中\u{301}" as Character) == 2)
    }

    @Test func zeroWidthAndFormatCharactersAloneAreZero() {
        #expect(DisplayWidth.of("\u{301}" as Character) == 0)   // lone combining acute (Mn)
        #expect(DisplayWidth.of("\u{20DD}" as Character) == 0)  // lone enclosing circle (Me)
        #expect(DisplayWidth.of("\u{200B}" as Character) == 0)  // zero width space (Cf)
        #expect(DisplayWidth.of("\u{200D}" as Character) == 0)  // ZWJ (Cf)
        #expect(DisplayWidth.of("\u{FEFF}" as Character) == 0)  // BOM (Cf)
        #expect(DisplayWidth.of("a\u{200B}b") == 2)
        #expect(DisplayWidth.of("\u{AD}" as Character) == 1)    // soft hyphen, as wcwidth
    }

    @Test func controlsAreZero() {
        #expect(DisplayWidth.of("\u{1B}" as Character) == 0)
        #expect(DisplayWidth.of("\r\n" as Character) == 0)
        #expect(DisplayWidth.of("\u{9B}" as Character) == 0)
        #expect(DisplayWidth.of("\u{7F}" as Character) == 0)
    }

    @Test func tableBoundariesAreExact() {
        #expect(DisplayWidth.of("\u{10FF}" as Character) == 1)
        #expect(DisplayWidth.of("\u{1100}" as Character) == 2)
        #expect(DisplayWidth.of("\u{115F}" as Character) == 2)
        #expect(DisplayWidth.of("\u{D7A3}" as Character) == 2)  // last Hangul syllable
        #expect(DisplayWidth.of("\u{D7A4}" as Character) == 1)
        #expect(DisplayWidth.of("\u{FF60}" as Character) == 2)
        #expect(DisplayWidth.of("\u{FF61}" as Character) == 1)
        #expect(DisplayWidth.isWide("\u{3FFFD}"))
        #expect(!DisplayWidth.isWide("\u{40000}"))
    }
}
