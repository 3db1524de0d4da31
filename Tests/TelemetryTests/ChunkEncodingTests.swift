import Foundation
import Testing
@testable import Telemetry

/// The two chunk encodings and the switch between them: every timestamp and every value bit
/// pattern must come back, whichever encoding a chunk ends in and however it got there.
@Suite struct ChunkEncodingTests {
    private func decode(_ c: Chunk) -> [(Int64, UInt64)] {
        var out: [(Int64, UInt64)] = []
        c.forEach { t, v in out.append((t, v)); return true }
        return out
    }

    private func expectSame(_ c: Chunk, _ samples: [(Int64, UInt64)], _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let back = decode(c)
        guard back.count == samples.count else {
            Issue.record("\(what): \(back.count) samples back of \(samples.count)", sourceLocation: sourceLocation)
            return false
        }
        for (i, (a, b)) in zip(samples, back).enumerated() where a != b {
            Issue.record("\(what): sample \(i) \(a) decoded as \(b) (\(c.encoding))", sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// A value of one of several kinds: exact decimals at scales 0...22 (small and near the 2^53
    /// bound), integers, and arbitrary bit patterns (NaNs, the stale marker, -0, infinities).
    private func value(_ kind: Int, _ previous: Double, using rng: inout SplitMix64) -> Double {
        switch kind {
        case 0: return previous
        case 1: return previous + Double(Int.random(in: 0...300, using: &rng))            // counter
        case 2:                                                                          // quantized gauge
            let digits = Int.random(in: 0...3, using: &rng)
            return Double(String(format: "%.\(digits)f", Double.random(in: -100...100, using: &rng)))!
        case 3: return Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &rng))      // near the bound
        case 4:                                                                          // any scale
            let s = Int.random(in: 0...22, using: &rng)
            let m = Int64.random(in: -(1 << 53)...(1 << 53), using: &rng) >> Int64.random(in: 0...53, using: &rng)
            return Double(m) / pow(10, Double(s))
        case 5: return Double(bitPattern: rng.next())                                    // any bits
        case 6:
            let odd: [Double] = [SeriesStore.staleMarker, -0.0, .nan, .infinity, -.infinity, 1e-300, 2e300,
                                 9_007_199_254_740_994, 0.30000000000000004, 4_096_012_288]
            return odd[Int.random(in: 0..<odd.count, using: &rng)]
        default: return (previous * 100).rounded() / 100 + Double(Int.random(in: -3...3, using: &rng)) / 100
        }
    }

    @Test func randomMixesRoundTripThroughEverySwitchAndClose() {
        var rng = SplitMix64(seed: 0xDEC1_4A1)
        var guess: Chunk.DecimalParameters?
        var counts: [Chunk.Encoding: Int] = [:]
        for round in 0..<3_000 {
            let n = Int.random(in: 1...240, using: &rng)
            var t = Int64.random(in: -1 << 50 ... 1 << 50, using: &rng)
            // Mostly one kind a chunk (so most stay decimal), sometimes a switch part way.
            let kinds = [Int.random(in: 0...7, using: &rng), Int.random(in: 0...7, using: &rng)]
            let switchAt = round % 3 == 0 ? Int.random(in: 0..<n, using: &rng) : n
            var v = Double(Int.random(in: 0...1000, using: &rng))
            var samples: [(Int64, UInt64)] = []
            for i in 0..<n {
                t += round % 5 == 0 ? Int64.random(in: 1...1 << 40, using: &rng) : 5_000 + Int64.random(in: -3...3, using: &rng)
                let stray = round % 2 == 0 && Int.random(in: 0..<20, using: &rng) == 0
                let kind = stray ? Int.random(in: 0...7, using: &rng) : kinds[i < switchAt ? 0 : 1]
                v = value(kind, v, using: &rng)
                samples.append((t, v.bitPattern))
            }
            var c = guess.map { Chunk(guess: $0) } ?? Chunk()
            var xor = Chunk(decimal: false)
            for (t, v) in samples {
                let accepted = c.append(t: t, bits: v)
                xor.append(t: t, bits: v)
                #expect(accepted)
            }
            guard expectSame(c, samples, "open, round \(round)") else { return }
            // A trim before closing, sometimes: skipped samples are re-encoded with the rest.
            var trimmed = 0
            if round % 4 == 1 && n > 2 { trimmed = c.trim(before: samples[n / 2].0) }
            c.close()
            guard expectSame(c, Array(samples.dropFirst(trimmed)), "closed, round \(round)") else { return }
            #expect(c.bitCount <= xor.bitCount, "a closed chunk is never larger than xor")
            #expect(c.encodedCount == n && c.count == n - trimmed)
            counts[c.encoding, default: 0] += 1
            // The next chunk starts from this one's parameters, as in the store.
            let next = c.successor()
            guess = next.encoding == .decimal && c.encoding == .decimal ? c.parameters : nil
        }
        #expect(counts[.decimal, default: 0] > 500 && counts[.xor, default: 0] > 500, "\(counts)")
    }

    @Test func everyDecimalPrintedWithUpToFifteenSignificantDigitsIsFound() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            // Up to 3 digits before the point and 12 after: m stays under 2^53.
            let digits = Int.random(in: 0...12, using: &rng)
            let x = Double.random(in: -1e3...1e3, using: &rng)
            let v = Double(String(format: "%.\(digits)f", x))!
            guard v != 0 || v.sign == .plus else { continue }   // -0 is not a decimal
            guard let (s, m) = Chunk.smallestScale(v.bitPattern) else {
                Issue.record("\(v) (\(digits) digits) not found"); return
            }
            #expect(s <= digits)
            #expect((Double(m) / pow(10, Double(s))).bitPattern == v.bitPattern)
        }
    }

    @Test func nonDecimalsAreRejected() {
        // 0.1 + 0.2 is 0.30000000000000004: 17 digits, past 2^53.
        for v in [Double.nan, SeriesStore.staleMarker, -0.0, .infinity, -.infinity, Double(1 << 53) + 2,
                  Double.leastNonzeroMagnitude, 0.1 + 0.2, 1e-23] {
            #expect(Chunk.smallestScale(v.bitPattern) == nil, "\(v)")
        }
        // Doubles whose shortest form has up to 16 digits are decimals, if long ones.
        #expect(Chunk.smallestScale(Double.pi.bitPattern)! == (15, 3_141_592_653_589_793))
        #expect(Chunk.smallestScale((57 * 0.01).bitPattern)! == (16, 5_700_000_000_000_001))
        #expect(Chunk.smallestScale((0.57).bitPattern)! == (2, 57))
        #expect(Chunk.smallestScale((1e-22).bitPattern)! == (22, 1))
        #expect(Chunk.smallestScale(Double(1 << 53).bitPattern)! == (0, 1 << 53))
    }

    /// A regular series of the given values, closed.
    private func closed(_ values: [Double], guess: Chunk.DecimalParameters? = nil) -> Chunk {
        var c = guess.map { Chunk(guess: $0) } ?? Chunk()
        for (i, v) in values.enumerated() { c.append(t: 1_767_225_600_000 + Int64(i) * 5_000, v: v) }
        c.close()
        return c
    }

    @Test func quantizedGaugesAndCountersBecomeSmallDecimalChunks() {
        var rng = SplitMix64(seed: 9)
        var gauge = 0.57, cpu = 123_456.78, counter = 1_000_000.0
        var gauges: [Double] = [], cpus: [Double] = [], counters: [Double] = []
        for _ in 0..<120 {
            gauge = (gauge * 100 + Double(Int.random(in: -2...2, using: &rng))).rounded() / 100
            cpu = ((cpu * 100).rounded() + Double(Int.random(in: 200...300, using: &rng))) / 100
            counter += Double(Int.random(in: 0...10, using: &rng))
            gauges.append(gauge); cpus.append(cpu); counters.append(counter)
        }
        for (name, values, maxBits) in [("gauge", gauges, 6), ("cpu", cpus, 10), ("counter", counters, 7)] {
            let c = closed(values)
            #expect(c.encoding == .decimal, "\(name)")
            // The header (about 14 bytes), then at most `maxBits` a sample with the timestamp.
            #expect(c.bitCount <= 14 * 8 + 119 * maxBits, "\(name): \(c.bitCount) bits")
            #expect(decode(c).map { Double(bitPattern: $0.1) } == values)
        }
        // A counter's parameters: deltas of deltas; scale 2 for the CPU seconds.
        #expect(closed(cpus).parameters.mode & 1 == 1 && closed(cpus).parameters.scale == 2)
    }

    @Test func aValueThatIsNoDecimalTurnsTheChunkToXOR() {
        var c = Chunk()
        for i in 0..<50 { c.append(t: Int64(i), v: Double(i) / 10) }
        #expect(c.encoding == .decimal && c.parameters.scale == 1)
        c.append(t: 50, v: 0.125)      // a larger scale: re-encoded at 3
        #expect(c.encoding == .decimal && c.parameters.scale == 3)
        c.append(t: 51, v: SeriesStore.staleMarker)
        #expect(c.encoding == .xor)
        c.append(t: 52, v: 7)
        let back = c.points()
        #expect(back.count == 53 && back[50].v == 0.125 && back[51].isStale && back[52].v == 7)
        #expect(back[..<50].map(\.v) == (0..<50).map { Double($0) / 10 })
    }

    @Test func aDeltaOffTheDivisorReencodes() {
        // A 4 KiB-page gauge: the divisor 4096 is found, then a byte-sized step lowers it.
        var values = (0..<40).map { Double((1 << 32) + ($0 % 7) * 4096) }
        let c = closed(values)
        #expect(c.encoding == .decimal && c.parameters.divisor == 4096)
        var next = Chunk(guess: c.parameters)
        values += [Double((1 << 32) + 3), 5, 5e15]
        for (i, v) in values.enumerated() { next.append(t: Int64(i), v: v) }
        #expect(next.encoding == .decimal && next.parameters.divisor == 1)
        #expect(next.points().map(\.v) == values)
    }

    @Test func closingKeepsXORWhenItIsSmaller() {
        // Integers that jump by a large random amount, at a power of two: XOR stores the few
        // varying mantissa bits; the decimal deltas are as wide as the values.
        var rng = SplitMix64(seed: 3)
        let values = (0..<120).map { _ in Double(UInt64.random(in: 0..<16, using: &rng) << 48) }
        let c = closed(values)
        var xor = Chunk(decimal: false)
        for (i, v) in values.enumerated() { xor.append(t: 1_767_225_600_000 + Int64(i) * 5_000, v: v) }
        #expect(c.bitCount <= xor.bitCount)
        #expect(c.points().map(\.v) == values)
    }

    @Test func theChunkRecordStaysSixtyFourBytes() {
        #expect(MemoryLayout<Chunk>.stride == 64)
    }
}
