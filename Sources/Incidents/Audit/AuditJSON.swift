/// The little JSON the audit log needs, written and read by hand rather than with
/// `JSONSerialization`: the reader must refuse what an audit log must never contain (duplicate
/// keys, which would let a line say two things; numbers that are not exact integers; lone
/// surrogate escapes) and say where a line is wrong, and the writer must produce one fixed key
/// order with every control character escaped, so that `cat` on the log is safe in a terminal.
public enum AuditJSON {
    /// A parsed value. Objects keep their key order; numbers keep their text.
    indirect enum Value: Hashable {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([Value])
        case object([(String, Value)])

        static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case (.null, .null): true
            case (.bool(let x), .bool(let y)): x == y
            case (.number(let x), .number(let y)): x == y
            case (.string(let x), .string(let y)): x == y
            case (.array(let x), .array(let y)): x == y
            case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: false
            }
        }

        func hash(into h: inout Hasher) {
            switch self {
            case .null: h.combine(0)
            case .bool(let b): h.combine(b)
            case .number(let n): h.combine(n)
            case .string(let s): h.combine(s)
            case .array(let a): h.combine(a)
            case .object(let o): for (k, v) in o { h.combine(k); h.combine(v) }
            }
        }
    }

    /// Why a line is not JSON, at a 1-based byte column. `endedEarly` is set when everything
    /// up to the end was a valid beginning of a value: what a write cut short by a crash leaves.
    struct SyntaxError: Error, Hashable {
        var column: Int
        var message: String
        var endedEarly: Bool
    }

    // MARK: Writing

    /// A JSON string literal. Escaped: `"`, `\`, every C0 control and DEL, the C1 controls
    /// (U+0080...U+009F, the 8-bit CSI among them), U+2028/U+2029 (line breaks to JavaScript)
    /// and the bidirectional controls that can reorder what a reader sees — so no byte of the
    /// log can drive a terminal, and a line never breaks.
    public static func string(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if needsEscape(u) {
                    out += "\\u" + hex4(u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
        return out
    }

    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
        if v < 0x61C { return false }
        return v == 0x61C || v == 0x200E || v == 0x200F || v == 0x2028 || v == 0x2029
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// Only called for the scalars above, which are all in the BMP: four digits suffice.
    private static func hex4(_ v: UInt32) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(v >> 12 & 0xF)], digits[Int(v >> 8 & 0xF)], digits[Int(v >> 4 & 0xF)], digits[Int(v & 0xF)]])
    }

    // MARK: Reading

    /// Parses one whole line (no newline in it) as one JSON value.
    static func parse(_ text: String) -> Result<Value, SyntaxError> {
        var p = Parser(bytes: Array(text.utf8))
        do {
            p.skipSpace()
            let v = try p.value(depth: 0)
            p.skipSpace()
            if p.i < p.bytes.count { throw p.error("text after the end of the JSON value") }
            return .success(v)
        } catch let e as SyntaxError {
            return .failure(e)
        } catch {
            return .failure(SyntaxError(column: 1, message: "\(error)", endedEarly: false))
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0
        /// Audit entries nest three deep; the limit keeps `[[[[...` from exhausting the stack.
        static let maxDepth = 32

        func error(_ message: String) -> SyntaxError {
            SyntaxError(column: i + 1, message: message, endedEarly: false)
        }
        func early(_ what: String) -> SyntaxError {
            SyntaxError(column: i + 1, message: "the line ends inside \(what)", endedEarly: true)
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D || bytes[i] == 0x0A { i += 1 }
        }

        mutating func value(depth: Int) throws -> Value {
            guard i < bytes.count else { throw early("a value") }
            if depth > Self.maxDepth { throw error("nested more than \(Self.maxDepth) deep") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected character \(Self.shown(bytes[i]))")
            }
        }

        static func shown(_ b: UInt8) -> String {
            (0x21...0x7E).contains(b) ? "`\(Character(Unicode.Scalar(b)))`" : "byte 0x" + String(b, radix: 16, uppercase: true)
        }

        mutating func literal(_ word: String) throws {
            for b in word.utf8 {
                guard i < bytes.count else { throw early("`\(word)`") }
                guard bytes[i] == b else { throw error("expected `\(word)`") }
                i += 1
            }
        }

        mutating func object(depth: Int) throws -> Value {
            i += 1
            var fields: [(String, Value)] = []
            var keys = Set<String>()
            skipSpace()
            guard i < bytes.count else { throw early("an object") }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
            while true {
                skipSpace()
                guard i < bytes.count else { throw early("an object") }
                guard bytes[i] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let keyColumn = i
                let key = try string()
                guard keys.insert(key).inserted else {
                    throw SyntaxError(column: keyColumn + 1, message: "the key \(AuditJSON.string(key)) appears twice", endedEarly: false)
                }
                skipSpace()
                guard i < bytes.count else { throw early("an object") }
                guard bytes[i] == UInt8(ascii: ":") else { throw error("expected `:` after a key") }
                i += 1
                skipSpace()
                fields.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard i < bytes.count else { throw early("an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
                throw error("expected `,` or `}` in an object")
            }
        }

        mutating func array(depth: Int) throws -> Value {
            i += 1
            var items: [Value] = []
            skipSpace()
            guard i < bytes.count else { throw early("an array") }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw early("an array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw error("expected `,` or `]` in an array")
            }
        }

        /// The bytes of `bytes` are valid UTF-8 (they came from a String); escapes are checked
        /// here, surrogate pairs joined and lone surrogates refused.
        mutating func string() throws -> String {
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw early("a string") }
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; break }
                if b < 0x20 { throw error("a raw control character (\(Self.shown(b))) inside a string") }
                if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { throw early("a string") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800...0xDBFF).contains(v) {
                        guard i < bytes.count else { throw early("a string") }
                        guard bytes[i] == UInt8(ascii: "\\") else { throw error("a high surrogate escape without its low half") }
                        i += 1
                        guard i < bytes.count else { throw early("a string") }
                        guard bytes[i] == UInt8(ascii: "u") else { throw error("a high surrogate escape without its low half") }
                        i += 1
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("a high surrogate escape without its low half") }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(v) {
                        throw error("a low surrogate escape without its high half")
                    }
                    out.append(contentsOf: String(Character(Unicode.Scalar(v)!)).utf8)
                default:
                    i -= 1
                    throw error("an unknown escape `\\\(Character(Unicode.Scalar(e)))`")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        mutating func hex4() throws -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard i < bytes.count else { throw early("a string") }
                let b = bytes[i]
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw error("`\\u` needs four hex digits")
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        /// The JSON number grammar, kept as text: the entry decides whether it wants an integer.
        mutating func number() throws -> String {
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            func digits() throws -> Int {
                let s = i
                while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
                return i - s
            }
            guard i < bytes.count else { throw early("a number") }
            if bytes[i] == UInt8(ascii: "0") { i += 1 } else if try digits() == 0 { throw error("expected a digit") }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard i < bytes.count else { throw early("a number") }
                if try digits() == 0 { throw error("expected a digit after `.`") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard i < bytes.count else { throw early("a number") }
                if try digits() == 0 { throw error("expected a digit in the exponent") }
            }
            // A number at the very end of the line may have been cut short ("12" of "1234,").
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
    }
}
