import Testing
@testable import Telemetry

/// A seeded generator, so that every property test run sees the same series.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func decode(_ c: Chunk) -> [(Int64, UInt64)] {
    var out: [(Int64, UInt64)] = []
    c.forEach { t, v in out.append((t, v)); return true }
    return out
}

/// Encodes the samples into one chunk (they must be strictly increasing in time), decodes them,
/// and checks every timestamp and every value bit pattern.
/// Both ways: as a chunk that may use the decimal encoding, and as one kept to xor; and again
/// after each is closed (which may re-encode it).
private func expectRoundTrip(_ samples: [(Int64, UInt64)], sourceLocation: SourceLocation = #_sourceLocation) {
    for decimal in [true, false] {
        var c = Chunk(decimal: decimal)
        for (t, v) in samples {
            let accepted = c.append(t: t, bits: v)
            #expect(accepted, sourceLocation: sourceLocation)
        }
        if !decimal { #expect(c.encoding == .xor, sourceLocation: sourceLocation) }
        expectDecodes(c, samples, sourceLocation: sourceLocation)
        c.close()
        expectDecodes(c, samples, sourceLocation: sourceLocation)
    }
}

private func expectDecodes(_ c: Chunk, _ samples: [(Int64, UInt64)], sourceLocation: SourceLocation) {
    let back = decode(c)
    #expect(back.count == samples.count, sourceLocation: sourceLocation)
    #expect(c.count == samples.count, sourceLocation: sourceLocation)
    for (a, b) in zip(samples, back) where a != b {
        Issue.record("sample \(a) decoded as \(b)", sourceLocation: sourceLocation)
        return
    }
    if let first = samples.first, let last = samples.last {
        #expect(c.minTime == first.0 && c.maxTime == last.0, sourceLocation: sourceLocation)
    }
}

@Suite struct BitStreamTests {
    @Test func randomWidthsRoundTrip() {
        var rng = SplitMix64(seed: 7)
        var w = BitWriter()
        var written: [(UInt64, Int)] = []
        for _ in 0..<5_000 {
            let width = Int.random(in: 0...64, using: &rng)
            let value = width == 0 ? 0 : rng.next() >> UInt64(64 - width)
            written.append((value, width))
            if width == 1 { w.writeBit(value == 1) } else { w.writeBits(value, count: width) }
        }
        #expect(w.bitCount == written.reduce(0) { $0 + $1.1 })
        #expect(w.bytes.count == (w.bitCount + 7) / 8)
        w.bytes.withUnsafeBufferPointer { buf in
            var r = BitReader(buf)
            for (value, width) in written {
                let got = width == 1 ? (r.readBit() ? 1 : 0) : r.readBits(width)
                #expect(got == value)
                if got != value { return }
            }
        }
    }

    @Test func varintsRoundTrip() {
        let signed: [Int64] = [0, 1, -1, 63, -64, 64, 1 << 40, .max, .min, .min + 1, .max - 1]
        let unsigned: [UInt64] = [0, 127, 128, 300, .max, 1 << 63]
        var w = BitWriter()
        w.writeBit(true)  // misalign on purpose: varints sit in the bit stream
        for v in signed { w.writeVarint(v) }
        for v in unsigned { w.writeUvarint(v) }
        w.bytes.withUnsafeBufferPointer { buf in
            var r = BitReader(buf)
            let misaligned = r.readBit()
            #expect(misaligned)
            for v in signed { #expect(r.readVarint() == v) }
            for v in unsigned { #expect(r.readUvarint() == v) }
        }
    }
}

@Suite struct ChunkTests {
    static let edgeValues: [UInt64] = [
        (0.0).bitPattern, (-0.0).bitPattern, Double.infinity.bitPattern, (-Double.infinity).bitPattern,
        Double.nan.bitPattern, 0x7ff8_0000_0000_0001, 0xfff8_0000_0000_0000, 0x7ff0_0000_0000_0001,
        0x7fff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff, SeriesStore.staleMarker.bitPattern,
        Double.greatestFiniteMagnitude.bitPattern, Double.leastNonzeroMagnitude.bitPattern,
        (-Double.leastNormalMagnitude).bitPattern, Double.pi.bitPattern, (1.0).bitPattern, (1.0).bitPattern,
        0x8000_0000_0000_0001, 0x0000_0000_0000_0001, 0x8000_0000_0000_0000, (42.5).bitPattern,
    ]

    @Test func edgeValuesRoundTripBitForBit() {
        let samples = Self.edgeValues.enumerated().map { (Int64($0.offset) * 1000, $0.element) }
        expectRoundTrip(samples)
        // Every ordered pair, so that each value follows each other one (the XOR windows).
        var pairs: [(Int64, UInt64)] = []
        for a in Self.edgeValues { for b in Self.edgeValues { pairs.append((Int64(pairs.count), a)); pairs.append((Int64(pairs.count), b)) } }
        for start in stride(from: 0, to: pairs.count, by: 120) {
            expectRoundTrip(Array(pairs[start..<min(start + 120, pairs.count)]))
        }
    }

    @Test func staleMarkerKeepsItsBits() {
        var c = Chunk(decimal: false)
        c.append(t: 1, v: 5)
        c.append(t: 2, v: SeriesStore.staleMarker)
        c.append(t: 3, v: .nan)
        let points = c.points()
        #expect(points.map(\.isStale) == [false, true, false])
        #expect(points[1].v.bitPattern == 0x7ff0_0000_0000_0002)
        #expect(points[2].v.isNaN && !points[2].isStale)
    }

    @Test func extremeTimestampsRoundTrip() {
        expectRoundTrip([(.min, 1), (.min + 1, 2), (-1, 3), (0, 4), (1, 5), (.max - 1, 6), (.max, 7)])
        expectRoundTrip([(.min, 1), (.max, 2)])
        expectRoundTrip([(.min, 1), (0, 1), (.max, 1)])   // delta-of-delta overflows Int64: wraps exactly
        expectRoundTrip([(-5_000_000_000_000, 0), (-4_999_999_999_999, 0), (9_000_000_000_000_000, 0)])
    }

    @Test func everyDeltaOfDeltaBucketAndItsBoundaries() {
        // Deltas-of-deltas at the edges of the 4/14/20/64-bit buckets (the range of n bits is
        // -(2^(n-1) - 1) ... 2^(n-1)), and of Prometheus's 17-bit one.
        var dods: [Int64] = [0, 1, -1]
        for n in [4, 14, 17, 20] as [Int64] {
            let hi: Int64 = 1 << (n - 1)
            dods += [hi, hi + 1, -(hi - 1), -hi, -hi - 1]
        }
        dods += [1 << 40, -(1 << 40), 1 << 20, -(1 << 20)]
        var t: Int64 = 1_700_000_000_000
        var delta: Int64 = 1 << 42   // large enough that every delta stays positive
        var samples: [(Int64, UInt64)] = [(t, 0)]
        t += delta; samples.append((t, 1))
        for (i, dod) in dods.enumerated() {
            delta += dod
            t += delta
            samples.append((t, UInt64(i)))
        }
        expectRoundTrip(samples)
    }

    @Test func irregularIntervalsAndRandomSeriesMatchANaiveArray() {
        var rng = SplitMix64(seed: 0x5EED)
        for round in 0..<400 {
            let n = Int.random(in: 1...120, using: &rng)
            var t = Int64.random(in: -1 << 50 ... 1 << 50, using: &rng)
            var samples: [(Int64, UInt64)] = []
            var value = Double.random(in: -1e6...1e6, using: &rng)
            for _ in 0..<n {
                switch round % 4 {
                case 0: t += 15_000 + Int64.random(in: -3...3, using: &rng)            // jittered scrapes
                case 1: t += Int64.random(in: 1...1 << Int64.random(in: 1...40, using: &rng), using: &rng)
                case 2: t += 1                                                          // dense
                default: t += [1, 1_000, 86_400_000, 5][Int.random(in: 0...3, using: &rng)]
                }
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: break                                                           // repeat
                case 1: value += Double(Int.random(in: 0...20, using: &rng))            // counter
                case 2: value = (Double.random(in: 0...100, using: &rng) * 100).rounded() / 100
                case 3: value = Double(bitPattern: rng.next())                          // any bits, NaNs too
                case 4: value = -value
                default: value = Double(Int.random(in: -3...3, using: &rng))
                }
                samples.append((t, value.bitPattern))
            }
            expectRoundTrip(samples)
        }
    }

    @Test(arguments: [false, true]) func equalOrEarlierTimestampsAreRejectedWithoutChange(decimal: Bool) {
        var c = Chunk(decimal: decimal)
        do { let r = c.append(t: 1000, v: 1); #expect(r) }
        do { let r = c.append(t: 1000, v: 2); #expect(!r) }
        do { let r = c.append(t: 999, v: 2); #expect(!r) }
        do { let r = c.append(t: 2000, v: 3); #expect(r) }
        let bytes = c.byteCount, bits = c.bitCount
        do { let r = c.append(t: 2000, v: 4); #expect(!r) }
        do { let r = c.append(t: .min, v: 4); #expect(!r) }
        #expect(c.byteCount == bytes && c.bitCount == bits && c.count == 2)
        #expect(c.points() == [Point(t: Timestamp(milliseconds: 1000), v: 1), Point(t: Timestamp(milliseconds: 2000), v: 3)])
    }

    @Test(arguments: [false, true]) func regularConstantSeriesCompressToAboutTwoBitsASample(decimal: Bool) {
        var c = Chunk(decimal: decimal)
        for i in Int64(0)..<120 { c.append(t: 1_700_000_000_000 + i * 15_000, v: 1) }
        // 8 bytes of value and 6 of varint time, 3 bytes of delta, then 2 bits a sample.
        #expect(c.bitCount <= (8 + 6 + 3) * 8 + 2 + 118 * 2)
        #expect(c.byteCount < 50)
    }

    @Test(arguments: [false, true]) func trimSkipsLeadingSamplesPointExactly(decimal: Bool) {
        var c = Chunk(decimal: decimal)
        for i in Int64(1)...10 { c.append(t: i * 10, v: Double(i)) }
        do { let r = c.trim(before: 5); #expect(r == 0) }
        do { let r = c.trim(before: 35); #expect(r == 3) }
        #expect(c.count == 7 && c.minTime == 40)
        #expect(c.points().map(\.v) == [4, 5, 6, 7, 8, 9, 10])
        do { let r = c.trim(before: 40); #expect(r == 0) }
        // Appending goes on after a trim.
        do { let r = c.append(t: 110, v: 11); #expect(r) }
        #expect(c.points().map(\.v) == [4, 5, 6, 7, 8, 9, 10, 11])
        do { let r = c.trim(before: 1000); #expect(r == 8) }
        #expect(c.isEmpty)
    }
}
