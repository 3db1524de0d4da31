/// A compressed run of samples of one series, encoded as Prometheus's XOR chunk (after
/// Facebook's Gorilla paper, Pelkonen et al., VLDB 2015):
///
/// - the first sample: its timestamp as a zig-zag varint, its value as 64 raw bits;
/// - the second: the timestamp delta as a uvarint, the value XORed with the first;
/// - every later one: the delta of the timestamp delta in a variable bit bucket
///   (`0` when the interval is unchanged; `10`+14 bits, `110`+17, `1110`+20, `1111`+64),
///   and the value XORed with the previous value: `0` when equal; `10` + the meaningful bits
///   when they fit the previous leading/trailing-zero window; otherwise `11` + 5 bits of leading
///   zeros + 6 bits of meaningful-bit count + the meaningful bits.
///
/// Timestamp arithmetic wraps, so every pair of strictly increasing `Int64` timestamps round
/// trips exactly, and values are stored by bit pattern, so every `Double` (each NaN payload,
/// the stale marker, -0) comes back bit for bit.
///
/// `skip` leading samples may be logically deleted (retention trims a chunk point by point
/// without re-encoding it); the readers leave them out, and `minTime`/`count` describe only the
/// live ones.
struct XORChunk: Sendable {
    /// The encoded samples.
    private(set) var stream = BitWriter()
    /// Every sample ever appended, the skipped ones included (the store keeps this at most
    /// `SeriesStore.maxSamplesPerChunk`; a standalone chunk may hold up to 65,535).
    private var encoded: UInt16 = 0
    /// Leading samples that are logically deleted.
    private var skipped: UInt16 = 0
    /// The timestamp of the first live sample.
    private(set) var minTime: Int64 = 0
    /// The timestamp of the last sample.
    private(set) var maxTime: Int64 = 0
    /// The timestamp of the first sample ever appended (skipped or not).
    private(set) var startTime: Int64 = 0

    // Appender state (also kept after the chunk is closed; 24 bytes).
    private var lastDelta: Int64 = 0
    private var lastValue: UInt64 = 0
    private var leading: UInt8 = 0xff
    private var trailing: UInt8 = 0

    init() {}

    var encodedCount: Int { Int(encoded) }
    var skip: Int { Int(skipped) }
    /// The live samples.
    var count: Int { encodedCount - skip }
    var isEmpty: Bool { count == 0 }
    /// The size of the encoded samples in bytes.
    var byteCount: Int { stream.bytes.count }
    var bitCount: Int { stream.bitCount }

    /// Appends a sample. Returns false (and changes nothing) when `t` is not after `maxTime`.
    @discardableResult
    mutating func append(t: Int64, bits v: UInt64) -> Bool {
        guard encoded < .max else { return false }
        switch encoded {
        case 0:
            stream.writeVarint(t)
            stream.writeBits(v, count: 64)
            minTime = t
            startTime = t
        case 1:
            guard t > maxTime else { return false }
            let delta = t &- maxTime
            stream.writeUvarint(UInt64(bitPattern: delta))
            writeValue(v)
            lastDelta = delta
        default:
            guard t > maxTime else { return false }
            let delta = t &- maxTime
            let dod = delta &- lastDelta
            if dod == 0 {
                stream.writeBit(false)
            } else if Self.fits(dod, 14) {
                stream.writeBits(0b10, count: 2); stream.writeBits(UInt64(bitPattern: dod), count: 14)
            } else if Self.fits(dod, 17) {
                stream.writeBits(0b110, count: 3); stream.writeBits(UInt64(bitPattern: dod), count: 17)
            } else if Self.fits(dod, 20) {
                stream.writeBits(0b1110, count: 4); stream.writeBits(UInt64(bitPattern: dod), count: 20)
            } else {
                stream.writeBits(0b1111, count: 4); stream.writeBits(UInt64(bitPattern: dod), count: 64)
            }
            writeValue(v)
            lastDelta = delta
        }
        maxTime = t
        lastValue = v
        encoded += 1
        return true
    }

    @discardableResult
    mutating func append(t: Int64, v: Double) -> Bool { append(t: t, bits: v.bitPattern) }

    /// Prometheus's `bitRange`: whether `x` fits a two's-complement field of `n` bits, with the
    /// range shifted up by one (`-(2^(n-1) - 1) ... 2^(n-1)`).
    @inline(__always)
    private static func fits(_ x: Int64, _ n: Int64) -> Bool {
        -((1 << (n - 1)) - 1) <= x && x <= 1 << (n - 1)
    }

    private mutating func writeValue(_ v: UInt64) {
        let xor = v ^ lastValue
        if xor == 0 { stream.writeBit(false); return }
        stream.writeBit(true)
        let newLeading = UInt8(min(xor.leadingZeroBitCount, 31))
        let newTrailing = UInt8(xor.trailingZeroBitCount)
        if leading != 0xff && newLeading >= leading && newTrailing >= trailing {
            stream.writeBit(false)
            stream.writeBits(xor >> UInt64(trailing), count: 64 - Int(leading) - Int(trailing))
            return
        }
        leading = newLeading; trailing = newTrailing
        stream.writeBit(true)
        stream.writeBits(UInt64(newLeading), count: 5)
        let significant = 64 - Int(newLeading) - Int(newTrailing)
        stream.writeBits(UInt64(significant & 63), count: 6)   // 64 is written as 0
        stream.writeBits(xor >> UInt64(newTrailing), count: significant)
    }

    /// Logically deletes the live samples with `t < cutoff`. Returns how many.
    mutating func trim(before cutoff: Int64) -> Int {
        guard count > 0, minTime < cutoff else { return 0 }
        if maxTime < cutoff {
            let n = count
            skipped = encoded
            return n
        }
        var dropped = 0
        var newMin = maxTime
        forEachEncoded { index, t, _ in
            if index < skip { return true }
            if t < cutoff { dropped += 1; return true }
            newMin = t
            return false
        }
        skipped += UInt16(dropped)
        minTime = newMin
        return dropped
    }

    /// Gives back unused capacity once the chunk is closed.
    mutating func shrink() { stream.shrinkToFit() }

    // MARK: Reading

    /// Calls `body` with every live sample in time order until it returns false.
    func forEach(_ body: (_ t: Int64, _ bits: UInt64) -> Bool) {
        let skip = self.skip
        forEachEncoded { index, t, v in index < skip ? true : body(t, v) }
    }

    /// Calls `body` with every encoded sample (skipped ones included) and its index.
    private func forEachEncoded(_ body: (_ index: Int, _ t: Int64, _ bits: UInt64) -> Bool) {
        let n = encodedCount
        guard n > 0 else { return }
        stream.bytes.withUnsafeBufferPointer { buffer in
            var r = BitReader(buffer)
            var t = r.readVarint()
            var v = r.readBits(64)
            guard body(0, t, v), n > 1 else { return }
            var delta = Int64(bitPattern: r.readUvarint())
            t = t &+ delta
            var leading = 0, trailing = 0
            v = Self.readValue(&r, v, &leading, &trailing)
            guard body(1, t, v) else { return }
            var i = 2
            while i < n {
                var dod: Int64 = 0
                if r.readBit() {
                    var width = 64
                    if !r.readBit() { width = 14 }
                    else if !r.readBit() { width = 17 }
                    else if !r.readBit() { width = 20 }
                    let raw = r.readBits(width)
                    if width == 64 {
                        dod = Int64(bitPattern: raw)
                    } else {
                        // Sign-extend, with the range shifted up by one as in `fits`.
                        var signed = Int64(raw)
                        if signed > 1 << (width - 1) { signed -= 1 << width }
                        dod = signed
                    }
                }
                delta = delta &+ dod
                t = t &+ delta
                v = Self.readValue(&r, v, &leading, &trailing)
                guard body(i, t, v) else { return }
                i += 1
            }
        }
    }

    @inline(__always)
    private static func readValue(_ r: inout BitReader, _ previous: UInt64, _ leading: inout Int, _ trailing: inout Int) -> UInt64 {
        guard r.readBit() else { return previous }
        if r.readBit() {
            leading = Int(r.readBits(5))
            var significant = Int(r.readBits(6))
            if significant == 0 { significant = 64 }
            trailing = 64 - leading - significant
        }
        let significant = 64 - leading - trailing
        return previous ^ (r.readBits(significant) << UInt64(trailing))
    }

    /// The live samples as points.
    func points() -> [Point] {
        var out: [Point] = []
        out.reserveCapacity(count)
        forEach { t, v in out.append(Point(t: Timestamp(milliseconds: t), v: Double(bitPattern: v))); return true }
        return out
    }
}
