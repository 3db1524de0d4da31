/// Spans become text only here: invalid UTF-8 becomes U+FFFD, escapes are undone, and nothing
/// else is changed (NUL, ESC and other control characters stay in the text for the screen's
/// sanitizer to make visible).
enum Decoding {
    static func string(_ b: Bytes, _ span: ValueSpan) -> String {
        guard span.isPresent, span.end > span.start else { return "" }
        let s = Int(span.start), e = min(Int(span.end), b.count)
        guard s < e else { return "" }
        switch span.encoding {
        case .raw:
            return String(decoding: b.slice(s, e), as: UTF8.self)
        case .json:
            return unescapeJSON(b, s, e)
        case .quoted:
            return unescapeQuoted(b, s, e)
        }
    }

    static func bytes(_ b: Bytes, _ span: ValueSpan) -> UnsafeBufferPointer<UInt8> {
        guard span.isPresent else { return UnsafeBufferPointer(start: nil, count: 0) }
        return b.slice(Int(span.start), min(Int(span.end), b.count))
    }

    static func hex(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 65...70: return UInt32(c - 55)
        case 97...102: return UInt32(c - 87)
        default: return nil
        }
    }

    static func hex4(_ b: Bytes, _ i: Int, _ e: Int) -> UInt32? {
        guard i + 4 <= e, let a = hex(b[i]), let c = hex(b[i + 1]), let d = hex(b[i + 2]), let f = hex(b[i + 3]) else { return nil }
        return a << 12 | c << 8 | d << 4 | f
    }

    static func appendScalar(_ v: UInt32, to out: inout [UInt8]) {
        let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
        out.append(contentsOf: UTF8.encode(scalar)!)
    }

    /// JSON string escapes; `\uXXXX` surrogate pairs joined, a lone surrogate becomes U+FFFD,
    /// an unknown escape is kept as written.
    static func unescapeJSON(_ b: Bytes, _ s: Int, _ e: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(e - s)
        var i = s
        while i < e {
            let c = b[i]
            guard c == 92, i + 1 < e else { out.append(c); i += 1; continue }
            let d = b[i + 1]
            switch d {
            case 34, 92, 47: out.append(d); i += 2
            case UInt8(ascii: "b"): out.append(8); i += 2
            case UInt8(ascii: "f"): out.append(12); i += 2
            case UInt8(ascii: "n"): out.append(10); i += 2
            case UInt8(ascii: "r"): out.append(13); i += 2
            case UInt8(ascii: "t"): out.append(9); i += 2
            case UInt8(ascii: "u"):
                guard let v = hex4(b, i + 2, e) else { out.append(c); i += 1; continue }
                i += 6
                if v >= 0xD800 && v < 0xDC00 {
                    if i + 1 < e, b[i] == 92, b[i + 1] == 117, let low = hex4(b, i + 2, e), low >= 0xDC00, low < 0xE000 {
                        appendScalar(0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00), to: &out)
                        i += 6
                    } else {
                        appendScalar(0xFFFD, to: &out)
                    }
                } else if v >= 0xDC00 && v < 0xE000 {
                    appendScalar(0xFFFD, to: &out)
                } else {
                    appendScalar(v, to: &out)
                }
            default:
                out.append(c); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// logfmt and RFC 5424 quoting: `\"`, `\\`, `\]`, `\n`, `\t`, `\r`; others kept as written.
    static func unescapeQuoted(_ b: Bytes, _ s: Int, _ e: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(e - s)
        var i = s
        while i < e {
            let c = b[i]
            guard c == 92, i + 1 < e else { out.append(c); i += 1; continue }
            let d = b[i + 1]
            switch d {
            case 34, 92, 93: out.append(d)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            default: out.append(c); out.append(d)
            }
            i += 2
        }
        return String(decoding: out, as: UTF8.self)
    }
}
