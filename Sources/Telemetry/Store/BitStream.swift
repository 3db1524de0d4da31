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

    /// The next 64 bits, without reading them: at least 57 of them are the stream's (those
    /// past its end are zero).
    @inline(__always)
    func peek() -> UInt64 {
        let i = position >> 3
        var word: UInt64 = 0
        if i + 8 <= bytes.count {
            word = UInt64(bigEndian: UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self))
        } else {
            for j in 0..<8 { word = word << 8 | (i + j < bytes.count ? UInt64(bytes[i + j]) : 0) }
        }
        return word << UInt64(position & 7)
    }

    /// Skips `count` bits.
    @inline(__always)
    mutating func skip(_ count: Int) { position += count }

    /// Reads `count` bits (0...64), most significant first.
    @inline(__always)
    mutating func readBits(_ count: Int) -> UInt64 {
        guard count > 0 else { return 0 }
        if count <= 56 {
            let result = peek() >> UInt64(64 - count)
            position += count
            return result
        }
        let high = readBits(count - 32)
        return high << 32 | readBits(32)
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
