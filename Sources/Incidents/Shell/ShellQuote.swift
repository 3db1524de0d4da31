/// POSIX shell quoting for values substituted into commands. A quoted value is always exactly
/// one word to `/bin/sh`, whatever it contains: quotes, `$()`, backticks, `;`, newlines.
public enum ShellQuote {
    /// `it's` becomes `'it'\''s'`; the empty string becomes `''`.
    public static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
