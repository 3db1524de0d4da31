/// Writes a bit stream, most significant bit first within each byte (as Telemetry's
/// `BitWriter` and Prometheus's `bstream`). The last byte's unused low bits are zero.
///
/// Not Telemetry's `BitWriter`/`BitReader`: those serve the series store, whose chunks are
/// trusted, and their reader traps past the end by design. A recording is untrusted, so
/// `BitSource` checks every read.
struct BitSink {
    private(set) var bytes: [UInt8] = []
    private(set) var bitCount = 0

    @inline(__always)
    mutating func bit(_ b: Bool) {
        let offset = bitCount & 7
        if offset == 0 { bytes.append(b ? 0x80 : 0) } else if b { bytes[bytes.count - 1] |= UInt8(0x80) >> UInt8(offset) }
        bitCount += 1
    }

    /// The low `count` bits of `value` (0...64), most significant first.
    mutating func bits(_ value: UInt64, _ count: Int) {
        var remaining = count
        while remaining > 0 {
            let offset = bitCount & 7
            if offset == 0 { bytes.append(0) }
            let free = 8 - offset
            let take = min(free, remaining)
            let piece = UInt8(truncatingIfNeeded: (value >> UInt64(remaining - take)) & ((1 << UInt64(take)) - 1))
            bytes[bytes.count - 1] |= piece << UInt8(free - take)
            remaining -= take
            bitCount += take
        }
    }
}

/// Reads a bit stream that `BitSink` wrote, over borrowed bytes; reading past the end throws.
struct BitSource: ~Copyable {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private let limit: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.limit = bytes.count * 8
    }

    var bitsLeft: Int { limit - position }

    @inline(__always)
    mutating func bit() throws(RecordingDecodeError) -> Bool {
        guard position < limit else { throw RecordingDecodeError("the value bits end early (\(limit) bits)") }
        let b = (bytes[position >> 3] << UInt8(position & 7)) & 0x80 != 0
        position += 1
        return b
    }

    /// `count` bits (0...64), most significant first.
    mutating func bits(_ count: Int) throws(RecordingDecodeError) -> UInt64 {
        guard count >= 0, count <= 64 else { throw RecordingDecodeError("a field of \(count) bits") }
        guard count <= limit - position else { throw RecordingDecodeError("the value bits end early (\(limit) bits)") }
        var v: UInt64 = 0
        var left = count
        while left > 0 {
            let offset = position & 7
            let available = 8 - offset
            let take = min(available, left)
            let byte = UInt64(bytes[position >> 3])
            let piece = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            v = (v << UInt64(take)) | piece
            position += take
            left -= take
        }
        return v
    }

    /// Counts `1` bits before a `0`, up to `limit` (then no `0` is read).
    mutating func ones(upTo max: Int) throws(RecordingDecodeError) -> Int {
        var n = 0
        while n < max, try bit() { n += 1 }
        return n
    }
}
