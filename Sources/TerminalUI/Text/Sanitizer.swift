/// Makes untrusted text (log lines, label values, anything from the outside) safe to draw.
///
/// No byte that a terminal could interpret survives: every C0 control (ESC, BEL, CR, LF,
/// TAB, ...) becomes caret notation (`^[`, `^G`, `^M`, `^J`, `^I`), DEL becomes `^?`,
/// C1 controls (U+0080...U+009F, including the 8-bit CSI U+009B) and the bidirectional
/// controls that can reorder what a reader sees (U+061C, U+200E, U+200F,
/// U+202A...U+202E, U+2066...U+2069) become `<U+XXXX>`. Everything else is unchanged.
///
/// The output contains only printable characters, so sanitizing twice changes nothing.
public enum Sanitizer {
    /// `text` with every control and bidi control made visible.
    public static func visible(_ text: String) -> String {
        // Fast path: nothing to replace (the common case for label values).
        if !text.unicodeScalars.contains(where: needsEscape) { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            let v = u.value
            if v < 0x20 {
                out.append("^")
                out.append(Unicode.Scalar(UInt8(v + 0x40)))
            } else if v == 0x7F {
                out.append("^")
                out.append("?")
            } else if needsEscape(u) {
                out.append(contentsOf: codePointNotation(v).unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    /// The same as ``visible(_:)``: line breaks are already shown as `^J`/`^M`, so the
    /// result always fits on one row.
    public static func singleLine(_ text: String) -> String { visible(text) }

    /// Whether `scalar` is replaced by ``visible(_:)``.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
        if v < 0x61C { return false }
        return v == 0x61C || v == 0x200E || v == 0x200F
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// `<U+XXXX>`, at least four uppercase hex digits.
    private static func codePointNotation(_ v: UInt32) -> String {
        let hex = String(v, radix: 16, uppercase: true)
        return "<U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ">"
    }
}
