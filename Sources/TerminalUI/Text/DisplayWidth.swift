/// Display width of graphemes in terminal columns, in the manner of `wcwidth`/`wcswidth`
/// extended to whole grapheme clusters.
///
/// Rules, in order, for one grapheme cluster:
/// - C0/C1 controls and DEL: 0 (``Sanitizer`` turns them into visible text before drawing).
/// - A cluster whose first scalar is a combining or format mark (general categories
///   Mn, Me, Cf, Hangul medial vowels and final consonants) is 0: a mark drawn alone
///   takes no column. Soft hyphen (U+00AD) is the `wcwidth` exception: 1.
/// - Emoji sequences are 2: a ZWJ sequence that starts with an emoji, or an emoji followed
///   by VS16 (U+FE0F, emoji presentation). A flag (a pair of regional indicators, one
///   cluster) is 2 because regional indicators have Emoji_Presentation (so is a lone one).
/// - Otherwise the width is that of the base scalar: 2 when it is East Asian Wide or
///   Fullwidth (the table below, from Unicode's EastAsianWidth.txt, plus any scalar with
///   the Emoji_Presentation property), else 1. Marks that follow the base add nothing.
public enum DisplayWidth {
    /// The number of terminal columns `g` takes: 0, 1 or 2.
    public static func of(_ g: Character) -> Int {
        let scalars = g.unicodeScalars
        guard let base = scalars.first else { return 0 }
        let v = base.value
        // Fast path: printable ASCII.
        if v >= 0x20 && v < 0x7F { return scalars.count == 1 ? 1 : clusterWidth(scalars, base: base) }
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if isZeroWidth(base) { return 0 }
        return clusterWidth(scalars, base: base)
    }

    /// The number of terminal columns `s` takes: the sum over its grapheme clusters.
    public static func of(_ s: String) -> Int {
        var total = 0
        for g in s { total += of(g) }
        return total
    }

    /// Whether `scalar` is East Asian Wide or Fullwidth, or has emoji presentation by default.
    public static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        if inWideTable(scalar.value) { return true }
        return scalar.value >= 0x2000 && scalar.properties.isEmojiPresentation
    }

    /// Whether `scalar` takes no column when it stands alone (combining and format marks).
    public static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v == 0xAD { return false }
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return true }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return true
        default: return false
        }
    }

    private static func clusterWidth(_ scalars: String.UnicodeScalarView, base: Unicode.Scalar) -> Int {
        if isWide(base) { return 2 }
        if scalars.count == 1 { return 1 }
        var sawEmojiVariation = false
        var sawZWJ = false
        for s in scalars {
            if s.value == 0xFE0F { sawEmojiVariation = true }
            if s.value == 0x200D { sawZWJ = true }
        }
        let baseIsEmoji = base.properties.isEmoji
        if baseIsEmoji && (sawEmojiVariation || sawZWJ) { return 2 }
        return 1
    }

    private static func inWideTable(_ v: UInt32) -> Bool {
        if v < wide[0].lo { return false }
        var lo = 0, hi = wide.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = wide[mid]
            if v < r.lo { hi = mid - 1 } else if v > r.hi { lo = mid + 1 } else { return true }
        }
        return false
    }

    /// East Asian Width W and F ranges (assigned code points, Unicode 14, generated from
    /// EastAsianWidth.txt) merged with the default-wide CJK planes. Sorted, non-overlapping.
    /// Newer wide emoji are caught by the Emoji_Presentation property in ``isWide(_:)``.
    private static let wide: [(lo: UInt32, hi: UInt32)] = [
        (0x1100, 0x115F), (0x231A, 0x231B), (0x2329, 0x232A), (0x23E9, 0x23EC), (0x23F0, 0x23F0),
        (0x23F3, 0x23F3), (0x25FD, 0x25FE), (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F),
        (0x2693, 0x2693), (0x26A1, 0x26A1), (0x26AA, 0x26AB), (0x26BD, 0x26BE), (0x26C4, 0x26C5),
        (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA), (0x26F2, 0x26F3), (0x26F5, 0x26F5),
        (0x26FA, 0x26FA), (0x26FD, 0x26FD), (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728),
        (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
        (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
        (0x2E80, 0x2E99), (0x2E9B, 0x2EF3), (0x2F00, 0x2FD5), (0x2FF0, 0x2FFB), (0x3000, 0x303E),
        (0x3041, 0x3096), (0x3099, 0x30FF), (0x3105, 0x312F), (0x3131, 0x318E), (0x3190, 0x31E3),
        (0x31F0, 0x321E), (0x3220, 0x3247), (0x3250, 0x4DBF), (0x4E00, 0xA48C), (0xA490, 0xA4C6),
        (0xA960, 0xA97C), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE10, 0xFE19), (0xFE30, 0xFE52),
        (0xFE54, 0xFE66), (0xFE68, 0xFE6B), (0xFF01, 0xFF60), (0xFFE0, 0xFFE6), (0x16FE0, 0x16FE4),
        (0x16FF0, 0x16FF1), (0x17000, 0x187F7), (0x18800, 0x18CD5), (0x18D00, 0x18D08), (0x1AFF0, 0x1AFF3),
        (0x1AFF5, 0x1AFFB), (0x1AFFD, 0x1AFFE), (0x1B000, 0x1B122), (0x1B150, 0x1B152), (0x1B164, 0x1B167),
        (0x1B170, 0x1B2FB), (0x1F004, 0x1F004), (0x1F0CF, 0x1F0CF), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A),
        (0x1F200, 0x1F202), (0x1F210, 0x1F23B), (0x1F240, 0x1F248), (0x1F250, 0x1F251), (0x1F260, 0x1F265),
        (0x1F300, 0x1F320), (0x1F32D, 0x1F335), (0x1F337, 0x1F37C), (0x1F37E, 0x1F393), (0x1F3A0, 0x1F3CA),
        (0x1F3CF, 0x1F3D3), (0x1F3E0, 0x1F3F0), (0x1F3F4, 0x1F3F4), (0x1F3F8, 0x1F43E), (0x1F440, 0x1F440),
        (0x1F442, 0x1F4FC), (0x1F4FF, 0x1F53D), (0x1F54B, 0x1F54E), (0x1F550, 0x1F567), (0x1F57A, 0x1F57A),
        (0x1F595, 0x1F596), (0x1F5A4, 0x1F5A4), (0x1F5FB, 0x1F64F), (0x1F680, 0x1F6C5), (0x1F6CC, 0x1F6CC),
        (0x1F6D0, 0x1F6D2), (0x1F6D5, 0x1F6D7), (0x1F6DD, 0x1F6DF), (0x1F6EB, 0x1F6EC), (0x1F6F4, 0x1F6FC),
        (0x1F7E0, 0x1F7EB), (0x1F7F0, 0x1F7F0), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1F9FF),
        (0x1FA70, 0x1FA74), (0x1FA78, 0x1FA7C), (0x1FA80, 0x1FA86), (0x1FA90, 0x1FAAC), (0x1FAB0, 0x1FABA),
        (0x1FAC0, 0x1FAC5), (0x1FAD0, 0x1FAD9), (0x1FAE0, 0x1FAE7), (0x1FAF0, 0x1FAF6), (0x20000, 0x2FFFD),
        (0x30000, 0x3FFFD)
    ]
}
