/// A growable stream of bits, written most significant bit first into bytes (as Prometheus's
/// `bstream`). The last byte may be partly used; `bitCount` says how much.
struct BitWriter: Sendable, Equatable {
    private(set) var bytes: [UInt8] = []
    /// Bits written so far (32 bits keep the chunk record small; a chunk holds at most 120
    /// samples of at most 156 bits).
    private var bits: UInt32 = 0
    var bitCount: Int { Int(bits) }

    init() {}

    /// Writes one bit.
    @inline(__always)
    mutating func writeBit(_ bit: Bool) {
        let offset = bits & 7
        if offset == 0 { bytes.append(bit ? 0x80 : 0) }
        else if bit { bytes[bytes.count - 1] |= UInt8(0x80) >> UInt8(offset) }
        bits += 1
    }

    /// Writes the low `count` bits of `value` (0...64), most significant first.
    mutating func writeBits(_ value: UInt64, count: Int) {
        precondition(count >= 0 && count <= 64)
        var remaining = count
        while remaining > 0 {
            let offset = Int(bits & 7)
            if offset == 0 { bytes.append(0) }
            let free = 8 - offset
            let take = min(free, remaining)
            // The next `take` bits of the value, from the top of what remains.
            let piece = UInt8(truncatingIfNeeded: (value >> UInt64(remaining - take)) & ((1 << UInt64(take)) - 1))
            bytes[bytes.count - 1] |= piece << UInt8(free - take)
            remaining -= take
            bits += UInt32(take)
        }
    }

    /// Writes an unsigned LEB128 varint, one byte (8 bits) at a time, as Go's `PutUvarint`.
    mutating func writeUvarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writeBits(UInt64(UInt8(truncatingIfNeeded: v) | 0x80), count: 8)
            v >>= 7
        }
        writeBits(v, count: 8)
    }

    /// Writes a zig-zag signed varint, as Go's `PutVarint`.
    mutating func writeVarint(_ value: Int64) {
        writeUvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Gives back unused capacity (for a chunk that will not grow again).
    mutating func shrinkToFit() {
        if bytes.capacity > bytes.count { bytes = Array(unsafeUninitializedCapacity: bytes.count) { buf, n in
            _ = buf.initialize(from: bytes); n = bytes.count
        } }
    }
}

/// Reads bits written by `BitWriter` over a borrowed buffer. Reading past the end is a
/// programming error (the chunk knows how many samples it holds).
struct BitReader {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The next bit to read.
    private(set) var position: Int = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    @inline(__always)
    mutating func readBit() -> Bool {
        let byte = bytes[position >> 3]
        let bit = (byte << UInt8(position & 7)) & 0x80 != 0
        position += 1
        return bit
    }

    /// Reads `count` bits (0...64), most significant first.
    mutating func readBits(_ count: Int) -> UInt64 {
        var result: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let offset = position & 7
            let available = 8 - offset
            let take = min(available, remaining)
            let byte = UInt64(bytes[position >> 3])
            let piece = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            result = (result << UInt64(take)) | piece
            remaining -= take
            position += take
        }
        return result
    }

    mutating func readUvarint() -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = readBits(8)
            result |= (byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    mutating func readVarint() -> Int64 {
        let u = readUvarint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }
}
