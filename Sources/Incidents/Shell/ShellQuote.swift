/// POSIX shell quoting for values substituted into commands. A quoted value is always exactly
/// one word to `/bin/sh`, whatever it contains: quotes, `$()`, backticks, `;`, newlines.
public enum ShellQuote {
    /// `it's` becomes `'it'\''s'`; the empty string becomes `''`.
    ///
    /// Works on Unicode scalars, as the shell works on bytes: a `'` followed by a combining mark
    /// is one Swift `Character` but still a quote to `/bin/sh`, and must be escaped.
    public static func quote(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        out.append("'")
        for scalar in value.unicodeScalars {
            if scalar == "'" { out.append(contentsOf: "'\\''".unicodeScalars) } else { out.append(scalar) }
        }
        out.append("'")
        return String(out)
    }
}
