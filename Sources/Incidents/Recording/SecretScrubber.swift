/// Takes secret-looking text out of what a recording keeps (the config and rule files' text,
/// target URLs), replacing it with `<redacted>`.
///
/// modelwatch's config names *where* a secret is (`credentials_file`, `password_env`) and
/// refuses one written inline, so a parsed config holds none; but a URL can carry a password
/// (`https://user:pw@host/`) or a token in its query (`?access_token=...`), and a file's text can
/// hold anything, comments included. What is taken out, by rule, and nothing else:
///
/// - in a URL (`scheme://...`): the password of its user info (`user:pw@` → `user:<redacted>@`),
///   or the whole user info when there is no password (`TOKEN@host`: how tokens ride in URLs);
///   and the value of every query parameter whose name contains `token`, `secret`, `pass`,
///   `pwd`, `key`, `auth`, `sig`, `credential` or `session` (any case);
/// - `KEY: VALUE` (white space after the colon, as YAML has it) or `KEY=VALUE` where KEY contains `password`, `passwd`, `secret`, `token`,
///   `credential`, `api_key`, `apikey`, `access_key` or `private_key` and does not end in `_file`,
///   `_env` or `_path` (those say where a secret is): the value, quoted or up to `,`, `}`, `&`, a quote,
///   white space before `#`, or the end of the line;
/// - the word after `Bearer ` or `Basic ` (any case) when it looks like a credential: 12 or more
///   characters of base64 or token alphabet, with a digit, a capital, `+`, `/` or `=`.
///
/// It works on UTF-8 bytes and cuts only at ASCII delimiters, so the text stays valid UTF-8.
/// A secret that matches none of these rules (a bare token in a comment) is not found: the
/// rules are heuristics, and `docs/recording-format.md` says so.
public enum SecretScrubber {
    public static let mark = "<redacted>"

    /// `text` with every secret-looking part replaced, and how many were.
    public static func text(_ text: String) -> (text: String, redactions: Int) {
        var b = Array(text.utf8)
        var count = 0
        count += scrubURLs(&b)
        count += scrubKeyValues(&b)
        count += scrubAuthSchemes(&b)
        return (String(decoding: b, as: UTF8.self), count)
    }

    /// A URL with its password or user info and its secret-looking query values replaced.
    public static func url(_ url: String) -> (text: String, redactions: Int) {
        var b = Array(url.utf8)
        let n = scrubURLs(&b)
        return (String(decoding: b, as: UTF8.self), n)
    }

    private static let markBytes = Array(mark.utf8)

    private static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
    private static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }
    private static func isWord(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
    }

    /// Whether the lowercased `name` contains one of `words`.
    private static func contains(_ name: ArraySlice<UInt8>, _ words: [[UInt8]]) -> Bool {
        let l = name.map(lower)
        return words.contains { w in
            guard l.count >= w.count else { return false }
            for i in 0...(l.count - w.count) where l[i..<i + w.count].elementsEqual(w) { return true }
            return false
        }
    }

    private static let queryWords: [[UInt8]] = ["token", "secret", "pass", "pwd", "key", "auth", "sig", "credential", "session"].map { Array($0.utf8) }
    private static let keyWords: [[UInt8]] = ["password", "passwd", "secret", "token", "credential", "api_key", "apikey", "access_key",
                                              "private_key"].map { Array($0.utf8) }

    /// Replaces `b[range]` with the mark, returning the shift in later offsets.
    private static func redact(_ b: inout [UInt8], _ range: Range<Int>) -> Int {
        b.replaceSubrange(range, with: markBytes)
        return markBytes.count - range.count
    }

    /// Every `scheme://authority/path?query` in `b`.
    private static func scrubURLs(_ b: inout [UInt8]) -> Int {
        var count = 0
        var i = 0
        while i + 3 <= b.count {
            guard b[i] == 58, b[i + 1] == 47, b[i + 2] == 47, i > 0, isWord(b[i - 1]) else { i += 1; continue }  // "://"
            // The URL's end: white space, a quote, or a bracket that closes around it.
            var end = i + 3
            while end < b.count, !isSpace(b[end]), ![34, 39, 96, 60, 62, 41, 93, 125].contains(b[end]) { end += 1 }
            let start = i + 3
            var authorityEnd = start
            while authorityEnd < end, ![47, 63, 35].contains(b[authorityEnd]) { authorityEnd += 1 }  // / ? #
            if let at = b[start..<authorityEnd].lastIndex(of: 64) {  // @
                if let colon = b[start..<at].firstIndex(of: 58) {
                    if colon + 1 < at {
                        let shift = redact(&b, colon + 1..<at)
                        end += shift; authorityEnd += shift; count += 1
                    }
                } else if at > start {
                    let shift = redact(&b, start..<at)
                    end += shift; authorityEnd += shift; count += 1
                }
            }
            if let q = b[authorityEnd..<end].firstIndex(of: 63) {  // ?
                var p = q + 1
                while p < end, b[p] != 35 {
                    var stop = p
                    while stop < end, b[stop] != 38, b[stop] != 35 { stop += 1 }  // & #
                    if let eq = b[p..<stop].firstIndex(of: 61), eq + 1 < stop, contains(b[p..<eq], queryWords) {
                        let shift = redact(&b, eq + 1..<stop)
                        stop += shift; end += shift; count += 1
                    }
                    p = stop < end && b[stop] == 38 ? stop + 1 : stop
                }
            }
            i = max(end, i + 3)
        }
        return count
    }

    /// `KEY: VALUE` and `KEY=VALUE` with a secret-looking KEY.
    private static func scrubKeyValues(_ b: inout [UInt8]) -> Int {
        var count = 0
        var i = 0
        while i < b.count {
            guard isWord(b[i]), i == 0 || !isWord(b[i - 1]) else { i += 1; continue }
            var keyEnd = i
            while keyEnd < b.count, isWord(b[keyEnd]) { keyEnd += 1 }
            let key = b[i..<keyEnd]
            var j = keyEnd
            if j < b.count, b[j] == 34 || b[j] == 39 { j += 1 }  // a quoted key's closing quote
            while j < b.count, b[j] == 32 || b[j] == 9 { j += 1 }
            // YAML's `key: value` needs white space after the colon, which keeps a recording
            // rule name (`job:tokens:rate5m`) in an expression from looking like a key.
            let colon = j < b.count && b[j] == 58 && (j + 1 == b.count || isSpace(b[j + 1]))
            guard j < b.count, colon || b[j] == 61, contains(key, keyWords),
                  !["_file", "_env", "_path"].contains(where: { key.map(lower).reversed().starts(with: Array($0.utf8).reversed()) }) else {
                i = keyEnd; continue
            }
            j += 1
            while j < b.count, b[j] == 32 || b[j] == 9 { j += 1 }
            guard j < b.count, b[j] != 10, b[j] != 13, b[j] != 35 else { i = j; continue }
            var valueStart = j, valueEnd: Int
            if b[j] == 34 || b[j] == 39 {
                let quote = b[j]
                valueStart = j + 1
                valueEnd = valueStart
                while valueEnd < b.count, b[valueEnd] != quote, b[valueEnd] != 10 { valueEnd += 1 }
            } else {
                if [123, 91, 124, 62].contains(b[j]) { i = j; continue }  // a mapping, list or block scalar follows
                valueEnd = j
                while valueEnd < b.count, ![10, 13, 44, 125, 38, 34, 39].contains(b[valueEnd]),
                      !(b[valueEnd] == 35 && valueEnd > j && isSpace(b[valueEnd - 1])) { valueEnd += 1 }
                while valueEnd > j, isSpace(b[valueEnd - 1]) { valueEnd -= 1 }
            }
            if valueEnd > valueStart, !b[valueStart..<valueEnd].elementsEqual(markBytes) {
                valueEnd += redact(&b, valueStart..<valueEnd)
                count += 1
            }
            i = valueEnd
        }
        return count
    }

    /// The credentials after `Bearer ` and `Basic `.
    private static func scrubAuthSchemes(_ b: inout [UInt8]) -> Int {
        var count = 0
        for scheme in ["bearer", "basic"].map({ Array($0.utf8) }) {
            var i = 0
            while i + scheme.count < b.count {
                guard i == 0 || !isWord(b[i - 1]), b[i..<i + scheme.count].map(lower).elementsEqual(scheme),
                      b[i + scheme.count] == 32 else { i += 1; continue }
                let start = i + scheme.count + 1
                var end = start
                while end < b.count, !isSpace(b[end]), ![34, 39, 44, 125].contains(b[end]) { end += 1 }
                // A credential is long and not a plain word ("Basic checks" is prose).
                let word = b[start..<end]
                if word.count >= 12, !word.elementsEqual(markBytes),
                   word.allSatisfy({ isWord($0) || $0 == 43 || $0 == 47 || $0 == 61 || $0 == 126 }),
                   word.contains(where: { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || $0 == 43 || $0 == 47 || $0 == 61 }) {
                    end += redact(&b, start..<end)
                    count += 1
                }
                i = end
            }
        }
        return count
    }
}
