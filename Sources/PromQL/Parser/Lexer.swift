import Foundation

/// A token of PromQL text.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case number(Double)
        case duration(Int64)  // milliseconds
        case string(String)
        case identifier(String)  // metric names, label names, keywords, function names
        case punct(String)  // ( ) { } [ ] , : @ and operators
        case eof
    }
    var kind: Kind
    var position: SourcePosition
    /// The raw text of the token.
    var text: String
}

/// A hand-written PromQL lexer.
struct Lexer {
    private let chars: [Character]
    private var i = 0
    private var line = 1
    private var column = 1
    /// Inside `[...]`, `:` separates a subquery's range and step instead of starting a name.
    private var bracketDepth = 0

    init(_ text: String) { chars = Array(text) }

    private var position: SourcePosition { SourcePosition(offset: i, line: line, column: column) }

    private mutating func advance() {
        if chars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
        i += 1
    }

    private func peek(_ k: Int = 0) -> Character? { i + k < chars.count ? chars[i + k] : nil }

    static func isIdentStart(_ c: Character) -> Bool { c == "_" || c == ":" || (c.isASCII && c.isLetter) }
    static func isIdentChar(_ c: Character) -> Bool { isIdentStart(c) || (c.isASCII && c.isNumber) }

    mutating func tokenize() throws -> [Token] {
        var out: [Token] = []
        while true {
            let t = try next()
            out.append(t)
            if t.kind == .eof { return out }
        }
    }

    mutating func next() throws -> Token {
        // Whitespace and comments.
        while let c = peek() {
            if c.isWhitespace { advance(); continue }
            if c == "#" { while let d = peek(), d != "\n" { advance() }; continue }
            break
        }
        let start = position
        let startIndex = i
        guard let c = peek() else { return Token(kind: .eof, position: start, text: "") }
        func tok(_ k: Token.Kind) -> Token { Token(kind: k, position: start, text: String(chars[startIndex..<i])) }

        if c == "\"" || c == "'" || c == "`" {
            return tok(.string(try lexString(quote: c, start: start)))
        }
        if c.isASCII && c.isNumber || (c == "." && (peek(1)?.isASCII ?? false) && (peek(1)?.isNumber ?? false)) {
            return try lexNumberOrDuration(start: start, startIndex: startIndex)
        }
        if c == ":" && bracketDepth > 0 {
            advance()
            return tok(.punct(":"))
        }
        if Lexer.isIdentStart(c) {
            while let d = peek(), Lexer.isIdentChar(d) { advance() }
            let word = String(chars[startIndex..<i])
            let lower = word.lowercased()
            if lower == "inf" { return tok(.number(.infinity)) }
            if lower == "nan" { return tok(.number(.nan)) }
            return tok(.identifier(word))
        }
        let two = peek(1).map { String([c, $0]) } ?? ""
        if ["==", "!=", "=~", "!~", "<=", ">="].contains(two) {
            advance(); advance()
            return tok(.punct(two))
        }
        if "(){}[],:@=<>+-*/%^".contains(c) {
            if c == "[" { bracketDepth += 1 }
            if c == "]" { bracketDepth = max(0, bracketDepth - 1) }
            advance()
            return tok(.punct(String(c)))
        }
        throw PromQLError(position: start, message: "unexpected character: \(String(c).debugDescription)")
    }

    private mutating func lexString(quote: Character, start: SourcePosition) throws -> String {
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw PromQLError(position: start, message: "unterminated quoted string") }
            if c == quote { advance(); return String(out) }
            if quote != "`" && c == "\n" { throw PromQLError(position: start, message: "unterminated quoted string") }
            if quote != "`" && c == "\\" {
                let escPos = position
                advance()
                guard let e = peek() else { throw PromQLError(position: start, message: "unterminated quoted string") }
                advance()
                switch e {
                case "a": out.append("\u{07}")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "v": out.append("\u{0B}")
                case "\\": out.append("\\")
                case "\"", "'": if e == quote { out.append(contentsOf: String(e).unicodeScalars) } else {
                    throw PromQLError(position: escPos, message: "unknown escape sequence \\\(e)")
                }
                case "x", "u", "U", "0", "1", "2", "3", "4", "5", "6", "7":
                    let (count, radix): (Int, Int) = e == "x" ? (2, 16) : e == "u" ? (4, 16) : e == "U" ? (8, 16) : (2, 8)
                    var digits = e.isNumber && e != "x" ? String(e) : ""
                    for _ in 0..<count {
                        guard let d = peek(), d.isHexDigit else {
                            throw PromQLError(position: escPos, message: "invalid escape sequence")
                        }
                        digits.append(d); advance()
                    }
                    guard let v = UInt32(digits, radix: radix) else {
                        throw PromQLError(position: escPos, message: "invalid escape sequence")
                    }
                    if e == "x" || radix == 8 {
                        // A byte: only ASCII is representable as a scalar on its own; others are invalid UTF-8.
                        guard v < 0x80 else { throw PromQLError(position: escPos, message: "invalid UTF-8 in string") }
                    }
                    guard let u = Unicode.Scalar(v) else { throw PromQLError(position: escPos, message: "invalid escape sequence") }
                    out.append(u)
                default:
                    throw PromQLError(position: escPos, message: "unknown escape sequence \\\(e)")
                }
                continue
            }
            out.append(contentsOf: String(c).unicodeScalars)
            advance()
        }
    }

    static let unitMillis: [String: Int64] = ["ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
                                              "w": 604_800_000, "y": 31_536_000_000]

    private mutating func lexNumberOrDuration(start: SourcePosition, startIndex: Int) throws -> Token {
        // Hex.
        if peek() == "0", let x = peek(1), x == "x" || x == "X" {
            advance(); advance()
            while let d = peek(), d.isHexDigit { advance() }
            let text = String(chars[startIndex..<i])
            guard let v = UInt64(text.dropFirst(2), radix: 16) else {
                throw PromQLError(position: start, message: "bad number literal \(text)")
            }
            return Token(kind: .number(Double(v)), position: start, text: text)
        }
        while let d = peek(), d.isASCII && d.isNumber { advance() }
        // A duration: digits followed by a unit, possibly repeated (1h30m).
        if let u = peek(), "smhdwy".contains(u) {
            var total: Int64 = 0
            var segmentStart = startIndex
            while true {
                let digits = String(chars[segmentStart..<i])
                var unit = ""
                if peek() == "m" && peek(1) == "s" { unit = "ms"; advance(); advance() }
                else if let u = peek(), "smhdwy".contains(u) { unit = String(u); advance() }
                else { break }
                guard let n = Int64(digits), let m = Lexer.unitMillis[unit] else {
                    throw PromQLError(position: start, message: "bad duration")
                }
                total += n * m
                segmentStart = i
                guard let d = peek(), d.isASCII && d.isNumber else { break }
                while let d = peek(), d.isASCII && d.isNumber { advance() }
            }
            if segmentStart != i || (peek().map { Lexer.isIdentChar($0) && $0 != ":" } ?? false) {
                throw PromQLError(position: start, message: "bad number or duration syntax: \"\(String(chars[startIndex..<i]))\"")
            }
            return Token(kind: .duration(total), position: start, text: String(chars[startIndex..<i]))
        }
        if peek() == "." { advance(); while let d = peek(), d.isASCII && d.isNumber { advance() } }
        if let e = peek(), e == "e" || e == "E" {
            let save = (i, line, column)
            advance()
            if let s = peek(), s == "+" || s == "-" { advance() }
            if let d = peek(), d.isASCII && d.isNumber {
                while let d = peek(), d.isASCII && d.isNumber { advance() }
            } else {
                (i, line, column) = save
            }
        }
        let text = String(chars[startIndex..<i])
        if let d = peek(), Lexer.isIdentChar(d) {
            throw PromQLError(position: start, message: "bad number or duration syntax: \"\(text)\(d)\"")
        }
        guard let v = Double(text) else { throw PromQLError(position: start, message: "bad number literal \(text)") }
        return Token(kind: .number(v), position: start, text: text)
    }
}
