/// Display width of graphemes in terminal columns. PLACEHOLDER: to be replaced by a full
/// East-Asian-Width and emoji aware implementation.
public enum DisplayWidth {
    public static func of(_ g: Character) -> Int {
        guard let s = g.unicodeScalars.first else { return 0 }
        if s.properties.isEmojiPresentation { return 2 }
        if (0x1100...0x115F).contains(s.value) || (0x2E80...0xA4CF).contains(s.value)
            || (0xAC00...0xD7A3).contains(s.value) || (0xF900...0xFAFF).contains(s.value)
            || (0xFF00...0xFF60).contains(s.value) || (0xFFE0...0xFFE6).contains(s.value) { return 2 }
        return 1
    }
    public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }
}
