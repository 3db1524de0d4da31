/// A compressed run of samples of one series, in one of two encodings (see
/// docs/adr/0003-chunk-encodings.md). Both share the timestamp code:
///
/// - the first timestamp as a zig-zag varint, the second as a uvarint delta;
/// - every later one as the delta of the timestamp delta in a variable bit bucket: `0` when
///   the interval is unchanged; `10`+4 bits (scrape jitter of a few milliseconds); `110`+14,
///   `1110`+20, `1111`+64 bits. (Prometheus's XOR chunk has 14/17/20/64-bit buckets; a jitter
///   of a millisecond cost 16 bits there, 6 here.)
///
/// Values are encoded by one of:
///
/// - `xor`, Prometheus's XOR encoding after Facebook's Gorilla paper (Pelkonen et al., VLDB
///   2015): the first value as 64 raw bits, every later one XORed with the previous value: `0`
///   when equal; `10` + the meaningful bits when they fit the previous leading/trailing-zero
///   window; otherwise `11` + 5 bits of leading zeros + 6 bits of meaningful-bit count + the
///   meaningful bits. Any bit pattern: the default and the fallback.
/// - `decimal`, after VictoriaMetrics: when every value of the chunk is an exact decimal
///   `m / 10^scale` (an integer `m` with `|m| <= 2^53`, `scale` in 0...22, checked by computing
///   `Double(m) / 10^scale` and comparing bit patterns), the integers `m` are stored: the first as
///   a zig-zag varint, every later one as its delta (or delta of deltas), divided by a common
///   divisor, zig-zagged and Rice-coded with a per-chunk parameter `k` (optionally behind a
///   one-bit zero flag). The parameters (scale 5 bits, mode 2 bits, `k` 6 bits, divisor uvarint)
///   follow the first timestamp.
///
/// A chunk starts as `decimal` when its first value is an exact decimal (with the parameters of
/// the series' previous chunk as a starting guess); a value that needs a larger scale or a
/// smaller divisor re-encodes the chunk, and one that is no exact decimal at all (NaN, the stale
/// marker, -0, an arbitrary float) turns it into `xor` for good. After 16 samples (when started
/// without a guess) and when the chunk is closed, the mode, `k` and divisor are fitted to the
/// samples held; on closing, the chunk becomes `xor` if that is smaller. Either way every
/// timestamp and every value bit pattern comes back exactly.
///
/// Timestamp arithmetic wraps, so every pair of strictly increasing `Int64` timestamps round
/// trips exactly.
///
/// `skip` leading samples may be logically deleted (retention trims a chunk point by point
/// without re-encoding it); the readers leave them out, and `minTime`/`count` describe only the
/// live ones.
struct Chunk: Sendable {
    enum Encoding: UInt8, Sendable { case xor, decimal }

    /// The parameters of a decimal chunk.
    struct DecimalParameters: Equatable, Sendable {
        /// Values are `m / 10^scale`.
        var scale: Int
        /// Bit 0: the deltas of deltas of `m` are coded (else its deltas); bit 1: each is
        /// preceded by a bit that says whether it is zero.
        var mode: Int
        /// The Rice parameter: the low bits written as they are.
        var rice: Int
        /// Every delta of `m` is a multiple of it (at least 1).
        var divisor: UInt32

        static let fresh = DecimalParameters(scale: 0, mode: 0, rice: 0, divisor: 1)
    }

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

    // Appender state (also kept after the chunk is closed; with the above, 64 bytes).
    private var lastDelta: Int64 = 0
    /// xor: the last value's bits; decimal: the last `m`.
    private var lastValue: UInt64 = 0
    /// decimal: the last delta of `m`.
    private var lastValueDelta: Int64 = 0
    private var divisor: UInt32 = 1
    /// The encoding of the samples held (before the first sample: the one to try first).
    private(set) var encoding: Encoding
    private var scale: UInt8 = 0
    /// xor: the leading zeros of the last window; decimal: the Rice parameter.
    private var state0: UInt8 = 0xff
    /// xor: the trailing zeros of the last window; decimal: the mode, plus `untuned`.
    private var state1: UInt8 = 0

    private static let untuned: UInt8 = 0x80
    /// Samples after which an untuned decimal chunk fits its parameters.
    static let tuneAt = 16
    /// Rice codes with a quotient this large are escaped (6 bits of width, then the bits).
    private static let riceLimit: UInt64 = 16
    private static let maxScale = 22
    private static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { x, _ in x * 10 } }

    /// An empty chunk that tries the decimal encoding first (with `guess` as its starting
    /// parameters, when given) unless `decimal` is false.
    init(decimal: Bool = true, guess: DecimalParameters? = nil) {
        encoding = decimal ? .decimal : .xor
        if decimal {
            let p = guess ?? .fresh
            scale = UInt8(p.scale); state0 = UInt8(p.rice); divisor = p.divisor
            state1 = UInt8(p.mode) | (guess == nil ? Self.untuned : 0)
        }
    }

    /// An empty chunk to follow this one in a series: decimal, starting from this chunk's
    /// parameters when it is decimal.
    func successor() -> Chunk {
        encoding == .decimal && encoded > 0 ? Chunk(guess: parameters) : Chunk()
    }

    /// The parameters of a decimal chunk.
    var parameters: DecimalParameters {
        DecimalParameters(scale: Int(scale), mode: Int(state1 & 3), rice: Int(state0), divisor: divisor)
    }

    var encodedCount: Int { Int(encoded) }
    var skip: Int { Int(skipped) }
    /// The live samples.
    var count: Int { encodedCount - skip }
    var isEmpty: Bool { count == 0 }
    /// The size of the encoded samples in bytes.
    var byteCount: Int { stream.bytes.count }
    var bitCount: Int { stream.bitCount }

    /// The timestamp of the first sample ever appended (skipped or not).
    var startTime: Int64 {
        if skipped == 0 || encoded == 0 { return minTime }
        return stream.bytes.withUnsafeBufferPointer { b in var r = BitReader(b); return r.readVarint() }
    }

    // MARK: Appending

    /// Appends a sample. Returns false (and changes nothing) when `t` is not after `maxTime`.
    @discardableResult
    mutating func append(t: Int64, bits v: UInt64) -> Bool {
        guard encoded < .max else { return false }
        guard encoded == 0 || t > maxTime else { return false }
        if encoding == .decimal {
            if encoded == 0 {
                let p = parameters
                if let m = Self.decimal(v, scale: p.scale) {
                    startDecimal(t: t, m: m, p)
                } else if let (s, m) = Self.smallestScale(v) {
                    startDecimal(t: t, m: m, DecimalParameters(scale: s, mode: p.mode, rice: p.rice, divisor: p.divisor))
                } else {
                    encoding = .xor
                    state0 = 0xff; state1 = 0; scale = 0; divisor = 1
                    return append(t: t, bits: v)
                }
                return true
            }
            guard let m = Self.decimal(v, scale: Int(scale)) else {
                rescale(for: v)
                return append(t: t, bits: v)
            }
            let delta = m &- Int64(bitPattern: lastValue)
            if delta % Int64(divisor) != 0 {
                var p = parameters
                p.divisor = UInt32(Self.gcd(UInt64(p.divisor), delta.magnitude))
                reencode(decodedDecimal(), p)
                return append(t: t, bits: v)
            }
            writeTime(t)
            writeDecimal(m, delta)
            encoded += 1
            if encoded == Self.tuneAt && state1 & Self.untuned != 0 { tune() }
            return true
        }
        writeTime(t)
        if encoded == 0 { stream.writeBits(v, count: 64) } else { writeXOR(v) }
        lastValue = v
        encoded += 1
        return true
    }

    @discardableResult
    mutating func append(t: Int64, v: Double) -> Bool { append(t: t, bits: v.bitPattern) }

    /// Writes the timestamp of the next sample and moves `maxTime` (and `minTime` for the first).
    @inline(__always)
    private mutating func writeTime(_ t: Int64) {
        switch encoded {
        case 0:
            stream.writeVarint(t)
            minTime = t
        case 1:
            let delta = t &- maxTime
            stream.writeUvarint(UInt64(bitPattern: delta))
            lastDelta = delta
        default:
            let delta = t &- maxTime
            let dod = delta &- lastDelta
            if dod == 0 {
                stream.writeBit(false)
            } else if Self.fits(dod, 4) {
                stream.writeBits(0b10 << 4 | UInt64(bitPattern: dod) & 0xf, count: 6)
            } else if Self.fits(dod, 14) {
                stream.writeBits(0b110, count: 3); stream.writeBits(UInt64(bitPattern: dod), count: 14)
            } else if Self.fits(dod, 20) {
                stream.writeBits(0b1110, count: 4); stream.writeBits(UInt64(bitPattern: dod), count: 20)
            } else {
                stream.writeBits(0b1111, count: 4); stream.writeBits(UInt64(bitPattern: dod), count: 64)
            }
            lastDelta = delta
        }
        maxTime = t
    }

    /// Prometheus's `bitRange`: whether `x` fits a two's-complement field of `n` bits, with the
    /// range shifted up by one (`-(2^(n-1) - 1) ... 2^(n-1)`).
    @inline(__always)
    private static func fits(_ x: Int64, _ n: Int64) -> Bool {
        -((1 << (n - 1)) - 1) <= x && x <= 1 << (n - 1)
    }

    private mutating func writeXOR(_ v: UInt64) {
        let xor = v ^ lastValue
        if xor == 0 { stream.writeBit(false); return }
        let newLeading = UInt8(min(xor.leadingZeroBitCount, 31))
        let newTrailing = UInt8(xor.trailingZeroBitCount)
        if state0 != 0xff && newLeading >= state0 && newTrailing >= state1 {
            stream.writeBits(0b10, count: 2)
            stream.writeBits(xor >> UInt64(state1), count: 64 - Int(state0) - Int(state1))
            return
        }
        state0 = newLeading; state1 = newTrailing
        let significant = 64 - Int(newLeading) - Int(newTrailing)
        // `11`, 5 bits of leading zeros, 6 bits of count (64 is written as 0).
        stream.writeBits(0b11 << 11 | UInt64(newLeading) << 6 | UInt64(significant & 63), count: 13)
        stream.writeBits(xor >> UInt64(newTrailing), count: significant)
    }

    // MARK: Decimal values

    /// `m` with `Double(m) / 10^scale == v` bit for bit, if there is one with `|m| <= 2^53`.
    @inline(__always)
    static func decimal(_ v: Double, scale: Int) -> Int64? {
        let p = powersOfTen[scale]
        let x = (v * p).rounded()
        guard x.magnitude <= 9_007_199_254_740_992 else { return nil }   // also false for NaN
        let m = Int64(x)
        guard (Double(m) / p).bitPattern == v.bitPattern else { return nil }
        return m
    }

    @inline(__always)
    static func decimal(_ bits: UInt64, scale: Int) -> Int64? { decimal(Double(bitPattern: bits), scale: scale) }

    /// The smallest scale at which `v` is an exact decimal, with its `m`.
    static func smallestScale(_ bits: UInt64) -> (Int, Int64)? {
        let v = Double(bitPattern: bits)
        guard v.isFinite else { return nil }
        for s in 0...maxScale { if let m = decimal(v, scale: s) { return (s, m) } }
        return nil
    }

    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var a = a, b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    @inline(__always)
    private static func zigzag(_ x: Int64) -> UInt64 { UInt64(bitPattern: (x << 1) ^ (x >> 63)) }
    @inline(__always)
    private static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }

    private mutating func startDecimal(t: Int64, m: Int64, _ p: DecimalParameters) {
        writeTime(t)
        scale = UInt8(p.scale); state0 = UInt8(p.rice); divisor = p.divisor
        state1 = (state1 & Self.untuned) | UInt8(p.mode)
        stream.writeBits(UInt64(p.scale) << 8 | UInt64(p.mode) << 6 | UInt64(p.rice), count: 13)
        stream.writeUvarint(UInt64(p.divisor))
        stream.writeVarint(m)
        lastValue = UInt64(bitPattern: m)
        lastValueDelta = 0
        encoded = 1
    }

    @inline(__always)
    private mutating func writeDecimal(_ m: Int64, _ delta: Int64) {
        let mode = state1 & 3
        let x = mode & 1 != 0 ? delta &- lastValueDelta : delta
        let u = Self.zigzag(x / Int64(divisor))
        if mode & 2 != 0 {
            if u == 0 { stream.writeBit(false) } else { stream.writeBit(true); writeRice(u - 1) }
        } else {
            writeRice(u)
        }
        lastValue = UInt64(bitPattern: m)
        lastValueDelta = delta
    }

    @inline(__always)
    private mutating func writeRice(_ u: UInt64) {
        let k = UInt64(state0)
        let q = u >> k
        if q < Self.riceLimit {
            stream.writeBits(((1 << q) - 1) << 1, count: Int(q) + 1)   // q ones, a zero
            if k > 0 { stream.writeBits(u & ((1 << k) - 1), count: Int(k)) }
        } else {
            let width = 64 - u.leadingZeroBitCount
            stream.writeBits((1 << Self.riceLimit) - 1, count: Int(Self.riceLimit))
            stream.writeBits(UInt64(width - 1), count: 6)
            stream.writeBits(u, count: width)
        }
    }

    /// The bits `writeRice` spends on `u` with parameter `k`.
    @inline(__always)
    private static func riceBits(_ u: UInt64, _ k: Int) -> Int {
        let q = u >> UInt64(k)
        return q < riceLimit ? Int(q) + 1 + k : Int(riceLimit) + 6 + (64 - u.leadingZeroBitCount)
    }

    /// Re-encodes the samples held (skipped ones too) as decimal with `p`.
    private mutating func reencode(_ samples: [(t: Int64, m: Int64)], _ p: DecimalParameters) {
        let keepSkipped = skipped, keepMin = minTime, untuned = state1 & Self.untuned
        stream = BitWriter()
        encoded = 0
        state1 = untuned
        for (i, s) in samples.enumerated() {
            if i == 0 { startDecimal(t: s.t, m: s.m, p); continue }
            writeTime(s.t)
            writeDecimal(s.m, s.m &- Int64(bitPattern: lastValue))
            encoded += 1
        }
        skipped = keepSkipped
        if keepSkipped > 0 { minTime = keepMin }
    }

    /// Re-encodes the samples held as xor.
    private mutating func transcodeToXOR() {
        let samples = decoded()
        let keepSkipped = skipped, keepMin = minTime
        stream = BitWriter()
        encoded = 0
        encoding = .xor
        state0 = 0xff; state1 = 0; scale = 0; divisor = 1
        for s in samples { append(t: s.t, bits: s.v) }
        skipped = keepSkipped
        if keepSkipped > 0 { minTime = keepMin }
    }

    /// Makes room for `v`, which is no decimal at the current scale: re-encodes at a larger
    /// scale that fits it and every value held, or as xor.
    private mutating func rescale(for v: UInt64) {
        if let (s, _) = Self.smallestScale(v), s > Int(scale) {
            var rescaled: [(t: Int64, m: Int64)] = []
            rescaled.reserveCapacity(encodedCount + 1)
            var ok = true
            forEachEncoded { _, t, bits in
                guard let m = Self.decimal(bits, scale: s) else { ok = false; return false }
                rescaled.append((t, m))
                return true
            }
            if ok {
                var p = parameters
                p.scale = s
                p.divisor = 1   // the fitted divisor absorbs the extra factors of ten later
                reencode(rescaled, p)
                return
            }
        }
        transcodeToXOR()
    }

    /// The samples held as `(t, m)` (decimal chunks only).
    private func decodedDecimal() -> [(t: Int64, m: Int64)] {
        var out: [(t: Int64, m: Int64)] = []
        out.reserveCapacity(encodedCount + 1)
        forEachRaw { _, t, m in out.append((t, Int64(bitPattern: m))); return true }
        return out
    }

    /// Every sample held, skipped ones included, as `(t, bits)`.
    private func decoded() -> [(t: Int64, v: UInt64)] {
        var out: [(t: Int64, v: UInt64)] = []
        out.reserveCapacity(encodedCount + 1)
        forEachEncoded { _, t, v in out.append((t, v)); return true }
        return out
    }

    /// The decimal parameters (mode, Rice parameter, divisor) that spend the fewest bits on
    /// these values, with that number of bits (for the values after the first).
    static func bestParameters(_ ms: [Int64], scale: Int) -> (DecimalParameters, Int) {
        var g: UInt64 = 0
        for i in ms.indices.dropFirst() { g = gcd(g, (ms[i] &- ms[i - 1]).magnitude) }
        let d: UInt64 = g == 0 || g > UInt64(UInt32.max) ? 1 : g
        var best = (DecimalParameters(scale: scale, mode: 0, rice: 0, divisor: UInt32(d)), Int.max)
        guard ms.count > 1 else { return (best.0, 0) }
        var us = [UInt64](repeating: 0, count: ms.count - 1)
        for dod in [false, true] {
            var lastDelta: Int64 = 0
            var sum: UInt64 = 0, nonzero = 0
            for i in 1..<ms.count {
                let delta = ms[i] &- ms[i - 1]
                let u = zigzag((dod ? delta &- lastDelta : delta) / Int64(d))
                us[i - 1] = u
                sum &+= u
                if u != 0 { nonzero += 1 }
                lastDelta = delta
            }
            for zeroFlag in [false, true] {
                // The best k is near log2 of the mean coded value; try around it.
                let n = zeroFlag ? nonzero : us.count
                let mean = n == 0 ? 0 : (sum - (zeroFlag ? UInt64(nonzero) : 0)) / UInt64(n)
                let center = max(0, 63 - mean.leadingZeroBitCount)
                for k in max(0, center - 2)...min(63, center + 1) {
                    var bits = 0
                    for u in us {
                        if zeroFlag { bits += u == 0 ? 1 : 1 + riceBits(u - 1, k) } else { bits += riceBits(u, k) }
                    }
                    if bits < best.1 {
                        best = (DecimalParameters(scale: scale, mode: (dod ? 1 : 0) | (zeroFlag ? 2 : 0), rice: k, divisor: UInt32(d)), bits)
                    }
                }
            }
        }
        return best
    }

    /// Fits the decimal parameters to the samples held, re-encoding when that saves bits.
    private mutating func tune() {
        state1 &= ~Self.untuned
        let samples = decodedDecimal()
        let (best, bits) = Self.bestParameters(samples.map(\.m), scale: Int(scale))
        guard best != parameters else { return }
        // Compare whole encodings: the divisor's varint may differ.
        var candidate = self
        candidate.reencode(samples, best)
        if candidate.stream.bitCount < stream.bitCount { self = candidate }
        _ = bits
    }

    /// Closes the chunk: fits a decimal chunk's parameters, keeps the xor encoding instead when
    /// it is smaller, and gives back unused capacity.
    mutating func close() {
        if encoding == .decimal && encoded > 0 {
            if encoded > 1 { tune() }
            var xor = Chunk(decimal: false)
            forEachEncoded { _, t, v in xor.append(t: t, bits: v); return true }
            if xor.stream.bitCount < stream.bitCount {
                let keepSkipped = skipped, keepMin = minTime
                self = xor
                skipped = keepSkipped
                minTime = keepMin
            }
        }
        stream.shrinkToFit()
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

    // MARK: Reading

    /// Calls `body` with every live sample in time order until it returns false.
    @inline(__always)
    func forEach(_ body: (_ t: Int64, _ bits: UInt64) -> Bool) {
        let skip = self.skip
        forEachEncoded { index, t, v in index < skip ? true : body(t, v) }
    }

    /// Appends the live samples with `lo <= t <= hi` to `out` as points, stale markers only when
    /// `includingStale`. Returns false when it stopped at a sample after `hi` (so later chunks
    /// need not be read). The same samples as `forEach`, decoded without a closure call each.
    func appendPoints(from lo: Int64, through hi: Int64, includingStale: Bool, to out: inout [Point]) -> Bool {
        var visitor = PointCollector(lo: lo, hi: hi, skip: skip, includingStale: includingStale,
                                     divisor: encoding == .decimal ? Self.powersOfTen[Int(scale)] : 0, out: out)
        out = []
        let finished = forEachRaw(&visitor)
        out = visitor.out
        return finished
    }

    /// The last live sample with `t <= t0`, if any.
    func last(atOrBefore t0: Int64) -> (t: Int64, bits: UInt64)? {
        guard count > 0 else { return nil }
        // The usual question, "the latest sample now", is answered by the appender's state.
        if t0 >= maxTime {
            return (maxTime, valueBits(lastValue, encoding == .decimal ? Self.powersOfTen[Int(scale)] : 0))
        }
        var visitor = LastCollector(t0: t0, skip: skip, divisor: encoding == .decimal ? Self.powersOfTen[Int(scale)] : 0)
        _ = forEachRaw(&visitor)
        return visitor.result
    }

    /// Calls `body` with every encoded sample (skipped ones included) and its index.
    @inline(__always)
    private func forEachEncoded(_ body: (_ index: Int, _ t: Int64, _ bits: UInt64) -> Bool) {
        if encoding == .decimal {
            let p = Self.powersOfTen[Int(scale)]
            if scale == 0 {
                forEachRaw { i, t, m in body(i, t, Double(Int64(bitPattern: m)).bitPattern) }
            } else {
                forEachRaw { i, t, m in body(i, t, (Double(Int64(bitPattern: m)) / p).bitPattern) }
            }
        } else {
            forEachRaw(body)
        }
    }

    /// Calls `body` with every encoded sample: its timestamp and, for xor, its value's bits,
    /// for decimal, its `m`.
    @inline(__always)
    private func forEachRaw(_ body: (_ index: Int, _ t: Int64, _ raw: UInt64) -> Bool) {
        withoutActuallyEscaping(body) { body in
            var visitor = ClosureVisitor(body: body)
            _ = forEachRaw(&visitor)
        }
    }

    /// The decoder: hands every encoded sample (index, timestamp, raw value: the bits for xor,
    /// `m` for decimal) to `visitor` until it returns false. Returns whether it got to the end.
    /// Generic so that each visitor gets its own specialized loop without indirect calls.
    private func forEachRaw<V: RawSampleVisitor>(_ visitor: inout V) -> Bool {
        let n = encodedCount
        guard n > 0 else { return true }
        let decimal = encoding == .decimal
        return stream.bytes.withUnsafeBufferPointer { buffer in
            var r = BitReader(buffer)
            var t = r.readVarint()
            var v: UInt64
            var mode = 0, k = 0
            var d: Int64 = 1
            if decimal {
                let header = r.readBits(13)
                mode = Int(header >> 6) & 3
                k = Int(header & 63)
                d = Int64(r.readUvarint())
                v = UInt64(bitPattern: r.readVarint())
            } else {
                v = r.readBits(64)
            }
            guard visitor.visit(0, t, v) else { return false }
            guard n > 1 else { return true }
            var delta = Int64(bitPattern: r.readUvarint())
            t = t &+ delta
            var leading = 0, trailing = 0
            var valueDelta: Int64 = 0
            if decimal {
                (v, valueDelta) = Self.readDecimal(&r, v, valueDelta, mode, k, d)
            } else {
                v = Self.readXOR(&r, v, &leading, &trailing)
            }
            guard visitor.visit(1, t, v) else { return false }
            var i = 2
            while i < n {
                if r.readBit() {
                    var dod: Int64
                    if !r.readBit() {
                        dod = Self.signExtend(r.readBits(4), 4)
                    } else if !r.readBit() {
                        dod = Self.signExtend(r.readBits(14), 14)
                    } else if !r.readBit() {
                        dod = Self.signExtend(r.readBits(20), 20)
                    } else {
                        dod = Int64(bitPattern: r.readBits(64))
                    }
                    delta = delta &+ dod
                }
                t = t &+ delta
                if decimal {
                    (v, valueDelta) = Self.readDecimal(&r, v, valueDelta, mode, k, d)
                } else {
                    v = Self.readXOR(&r, v, &leading, &trailing)
                }
                guard visitor.visit(i, t, v) else { return false }
                i += 1
            }
            return true
        }
    }

    /// Sign-extends an `n`-bit field, with the range shifted up by one as in `fits`.
    @inline(__always)
    private static func signExtend(_ raw: UInt64, _ width: Int) -> Int64 {
        var signed = Int64(raw)
        if signed > 1 << (width - 1) { signed -= 1 << width }
        return signed
    }

    @inline(__always)
    private static func readXOR(_ r: inout BitReader, _ previous: UInt64, _ leading: inout Int, _ trailing: inout Int) -> UInt64 {
        guard r.readBit() else { return previous }
        if r.readBit() {
            let header = r.readBits(11)
            leading = Int(header >> 6)
            var significant = Int(header & 63)
            if significant == 0 { significant = 64 }
            trailing = 64 - leading - significant
        }
        let significant = 64 - leading - trailing
        return previous ^ (r.readBits(significant) << UInt64(trailing))
    }

    @inline(__always)
    private static func readDecimal(_ r: inout BitReader, _ previous: UInt64, _ lastDelta: Int64,
                                    _ mode: Int, _ k: Int, _ d: Int64) -> (UInt64, Int64) {
        var u: UInt64
        if mode & 2 != 0 {
            u = r.readBit() ? readRice(&r, k) + 1 : 0
        } else {
            u = readRice(&r, k)
        }
        let x = unzigzag(u) &* d
        let delta = mode & 1 != 0 ? lastDelta &+ x : x
        return (UInt64(bitPattern: Int64(bitPattern: previous) &+ delta), delta)
    }

    @inline(__always)
    private static func readRice(_ r: inout BitReader, _ k: Int) -> UInt64 {
        // The leading ones of the next bits: the quotient (escaped at `riceLimit`).
        let q = UInt64(min((~r.peek()).leadingZeroBitCount, Int(riceLimit)))
        if q < riceLimit { r.skip(Int(q) + 1); return q << UInt64(k) | r.readBits(k) }
        r.skip(Int(riceLimit))
        let width = Int(r.readBits(6)) + 1
        return r.readBits(width)
    }

    /// The live samples as points.
    func points() -> [Point] {
        var out: [Point] = []
        out.reserveCapacity(count)
        forEach { t, v in out.append(Point(t: Timestamp(milliseconds: t), v: Double(bitPattern: v))); return true }
        return out
    }
}

/// Receives the raw samples of a chunk from its decoder.
private protocol RawSampleVisitor {
    /// Returns false to stop.
    mutating func visit(_ index: Int, _ t: Int64, _ raw: UInt64) -> Bool
}

private struct ClosureVisitor: RawSampleVisitor {
    let body: (_ index: Int, _ t: Int64, _ raw: UInt64) -> Bool
    @inline(__always)
    mutating func visit(_ index: Int, _ t: Int64, _ raw: UInt64) -> Bool { body(index, t, raw) }
}

/// A raw value as the bits of its Double: as it is for xor (`divisor` 0), `m / divisor` for decimal.
@inline(__always)
private func valueBits(_ raw: UInt64, _ divisor: Double) -> UInt64 {
    if divisor == 0 { return raw }
    let m = Double(Int64(bitPattern: raw))
    return divisor == 1 ? m.bitPattern : (m / divisor).bitPattern
}

private struct PointCollector: RawSampleVisitor {
    let lo: Int64, hi: Int64, skip: Int
    let includingStale: Bool
    let divisor: Double
    var out: [Point]
    @inline(__always)
    mutating func visit(_ index: Int, _ t: Int64, _ raw: UInt64) -> Bool {
        if index < skip { return true }
        guard t <= hi else { return false }
        if t >= lo {
            let bits = valueBits(raw, divisor)
            if includingStale || bits != SeriesStore.staleMarkerBits {
                out.append(Point(t: Timestamp(milliseconds: t), v: Double(bitPattern: bits)))
            }
        }
        return true
    }
}

private struct LastCollector: RawSampleVisitor {
    let t0: Int64, skip: Int
    let divisor: Double
    var found: (t: Int64, bits: UInt64)?
    @inline(__always)
    mutating func visit(_ index: Int, _ t: Int64, _ raw: UInt64) -> Bool {
        if index < skip { return true }
        guard t <= t0 else { return false }
        found = (t, raw)
        return true
    }
    var result: (t: Int64, bits: UInt64)? { found.map { ($0.t, valueBits($0.bits, divisor)) } }
}
