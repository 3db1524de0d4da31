/// A record payload that does not decode: what was wrong, for `RecordingProblem.malformed`.
struct RecordingDecodeError: Error, Hashable, Sendable {
    var detail: String
    init(_ detail: String) { self.detail = detail }
}

/// Writes the byte-level fields of a record payload (`docs/recording-format.md`, "Field
/// encodings"): unsigned LEB128 varints, zig-zag signed varints, length-prefixed UTF-8.
struct ByteSink {
    var bytes: [UInt8] = []

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Unsigned LEB128 (Go's `PutUvarint`, protobuf's varint): 7 bits a byte, low first.
    mutating func uvarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zig-zag then LEB128 (Go's `PutVarint`): small magnitudes of either sign stay short.
    mutating func varint(_ value: Int64) { uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }
    mutating func int(_ value: Int) { varint(Int64(value)) }
    mutating func count(_ n: Int) { uvarint(UInt64(n)) }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            uvarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// `0` for none, `1` then the string.
    mutating func optionalString(_ s: String?) {
        if let s { byte(1); string(s) } else { byte(0) }
    }

    mutating func strings(_ list: [String]) {
        count(list.count)
        for s in list { string(s) }
    }

    /// Eight bytes, little-endian (a Double's bit pattern).
    mutating func u64(_ v: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    mutating func bool(_ b: Bool) { byte(b ? 1 : 0) }
}

/// Reads what `ByteSink` wrote, trusting nothing: every read is checked against the bytes
/// left, a count is refused when there are not enough bytes left for that many elements (so
/// no allocation is larger than the input could justify), and a varint may not run past ten
/// bytes or overflow 64 bits.
struct ByteSource: ~Copyable {
    private let bytes: UnsafeRawBufferPointer
    private(set) var position: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes; self.position = position
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }

    mutating func byte() throws(RecordingDecodeError) -> UInt8 {
        guard position < bytes.count else { throw RecordingDecodeError("the payload ends at byte \(position) of \(bytes.count) where more was expected") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func uvarint() throws(RecordingDecodeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw RecordingDecodeError("a varint at byte \(position - 1) overflows 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw RecordingDecodeError("a varint at byte \(position - 1) is longer than 10 bytes") }
        }
    }

    mutating func varint() throws(RecordingDecodeError) -> Int64 {
        let u = try uvarint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    mutating func int() throws(RecordingDecodeError) -> Int { Int(truncatingIfNeeded: try varint()) }

    /// An `Int32` (an exit status, a signal), refused when out of range.
    mutating func int32() throws(RecordingDecodeError) -> Int32 {
        let v = try varint()
        guard let x = Int32(exactly: v) else { throw RecordingDecodeError("\(v) is out of range for a 32-bit value") }
        return x
    }

    /// A count of elements each at least `minimumSize` bytes long, refused when the bytes
    /// left could not hold that many.
    mutating func count(minimumSize: Int = 1) throws(RecordingDecodeError) -> Int {
        let at = position
        let n = try uvarint()
        guard n <= UInt64(remaining / max(1, minimumSize)) else {
            throw RecordingDecodeError("a count of \(n) at byte \(at) is more than the \(remaining) bytes left can hold")
        }
        return Int(n)
    }

    mutating func bytes(_ n: Int) throws(RecordingDecodeError) -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else { throw RecordingDecodeError("\(n) bytes at byte \(position), with \(remaining) left") }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + n])
    }

    /// A length-prefixed string, which must be valid UTF-8 (the encoder writes nothing else).
    mutating func string() throws(RecordingDecodeError) -> String {
        let at = position
        let n = try count()
        let raw = try bytes(n)
        guard let s = String(validating: raw, as: UTF8.self) else { throw RecordingDecodeError("the string at byte \(at) is not valid UTF-8") }
        return s
    }

    mutating func optionalString() throws(RecordingDecodeError) -> String? {
        switch try byte() {
        case 0: return nil
        case 1: return try string()
        case let b: throw RecordingDecodeError("optional-string flag \(b) at byte \(position - 1) (0 or 1)")
        }
    }

    mutating func strings() throws(RecordingDecodeError) -> [String] {
        let n = try count()
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try string()) }
        return out
    }

    mutating func u64() throws(RecordingDecodeError) -> UInt64 {
        let raw = try bytes(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(raw[i]) << (8 * UInt64(i)) }
        return v
    }

    mutating func bool() throws(RecordingDecodeError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let b: throw RecordingDecodeError("flag \(b) at byte \(position - 1) (0 or 1)")
        }
    }

    /// Refuses bytes left over after the last field: a record is exactly its fields.
    func expectEnd() throws(RecordingDecodeError) {
        guard isAtEnd else { throw RecordingDecodeError("\(remaining) unexpected bytes after the last field, at byte \(position)") }
    }
}
