/// Width-aware string helpers for plain (unstyled) text: truncation, wrapping, padding.
///
/// Every function first passes its input through ``Sanitizer/visible(_:)`` (except `wrap`,
/// which treats `\n` as a hard line break first), so the widths it computes are the widths
/// that ``ScreenBuffer/put(_:x:y:style:clip:)`` will draw. Widths come from ``DisplayWidth``.
public enum TextLayout {
    /// `s` if it fits in `width` columns; otherwise its longest prefix that fits in
    /// `width - 1` columns followed by `…`, so the result is exactly `width` columns wide.
    /// A wide glyph is never split: if only one column remains before it, that column
    /// becomes a space before the `…`. Returns "" when `width <= 0`.
    public static func truncate(_ s: String, toWidth width: Int) -> String {
        StyledText(s).truncated(toWidth: width).string
    }

    /// The longest prefix of `s` that fits in `width` columns, without an ellipsis.
    public static func clip(_ s: String, toWidth width: Int) -> String {
        StyledText(s).clipped(toWidth: max(0, width)).string
    }

    /// `s` broken into lines of at most `width` columns: at `\n` (hard breaks, kept even
    /// when empty), then at spaces (word wrap; the spaces at a break are dropped), and
    /// inside words longer than `width` (between graphemes, never inside one).
    /// Returns `[]` when `width <= 0`.
    public static func wrap(_ s: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var out: [String] = []
        for hard in s.split(separator: "\n", omittingEmptySubsequences: false) {
            var piece = Substring(hard)
            if piece.last == "\r" { piece = piece.dropLast() }
            out += StyledText(String(piece)).wrapped(toWidth: width).map(\.string)
        }
        return out
    }

    /// `s` fitted to exactly `width` columns: truncated with `…` when too wide, otherwise
    /// padded with spaces according to `alignment`.
    public static func pad(_ s: String, toWidth width: Int, alignment: Alignment = .left) -> String {
        guard width > 0 else { return "" }
        let t = truncate(s, toWidth: width)
        let used = DisplayWidth.of(t)
        let lead = alignment.leadingPadding(used: used, width: width)
        return String(repeating: " ", count: lead) + t + String(repeating: " ", count: width - used - lead)
    }

    /// Display width of `s` as drawn (after sanitizing).
    public static func width(_ s: String) -> Int { DisplayWidth.of(Sanitizer.visible(s)) }
}
