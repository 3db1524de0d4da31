import Testing
@testable import Telemetry

private func t(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: ms) }
private func key(_ name: String, _ labels: [String: String] = [:]) -> SeriesKey { SeriesKey(name: name, labels: Labels(labels)) }

/// The store's semantics over plain sorted arrays: what the chunked store must agree with.
private struct NaiveStore {
    var points: [SeriesKey: [Point]] = [:]
    var rejected = 0
    var count: Int { points.values.reduce(0) { $0 + $1.count } }

    mutating func append(_ k: SeriesKey, _ p: Point) {
        if let last = points[k]?.last, p.t <= last.t { rejected += 1; return }
        points[k, default: []].append(p)
    }
    mutating func expire(olderThan cutoff: Timestamp) {
        for (k, ps) in points {
            let kept = ps.filter { $0.t >= cutoff }
            points[k] = kept.isEmpty ? nil : kept
        }
    }
    func range(_ k: SeriesKey, _ r: ClosedRange<Timestamp>, stale: Bool) -> [Point] {
        (points[k] ?? []).filter { r.contains($0.t) && (stale || !$0.isStale) }
    }
    func latest(_ k: SeriesKey, at: Timestamp, lookback: Milliseconds) -> Point? {
        guard let p = (points[k] ?? []).last(where: { $0.t <= at }), p.t > at - lookback, !p.isStale else { return nil }
        return p
    }
}

/// Points equal by timestamp and value bits (`Point ==` treats all NaNs as equal).
private func sameBits(_ a: [Point], _ b: [Point]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.t == $1.t && $0.v.bitPattern == $1.v.bitPattern }
}

@Suite struct StoreChunkedTests {
    @Test func randomOperationsMatchTheNaiveStore() {
        var rng = SplitMix64(seed: 2024)
        let keys = (0..<12).map { key("m\($0 % 3)", ["i": "\($0)"]) }
        for round in 0..<6 {
            var store = SeriesStore(retention: .minutes(60))
            var naive = NaiveStore()
            var clock: Int64 = Int64(round) * 1_000_000 - 500_000
            for step in 0..<6_000 {
                let k = keys[Int.random(in: 0..<keys.count, using: &rng)]
                let roll = Int.random(in: 0..<1000, using: &rng)
                if roll < 900 {
                    clock += Int64.random(in: 0...3_000, using: &rng)
                    // Mostly in order; sometimes back in time or equal (to be rejected).
                    let ts = roll < 860 ? clock : clock - Int64.random(in: 0...50_000, using: &rng)
                    let v: Double
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: v = SeriesStore.staleMarker
                    case 1: v = Double(bitPattern: rng.next())
                    default: v = Double(Int.random(in: 0...1000, using: &rng))
                    }
                    store.append(k, Point(t: t(ts), v: v))
                    naive.append(k, Point(t: t(ts), v: v))
                } else if roll < 905 {
                    let cutoff = t(clock - Int64.random(in: 0...400_000, using: &rng))
                    store.expire(olderThan: cutoff)
                    naive.expire(olderThan: cutoff)
                } else {
                    let lo = clock - Int64.random(in: -10_000...500_000, using: &rng)
                    let hi = lo + Int64.random(in: 0...300_000, using: &rng)
                    let got = store.points(k, in: t(lo)...t(hi))
                    if !sameBits(got, naive.range(k, t(lo)...t(hi), stale: false)) {
                        Issue.record("round \(round) step \(step): points(\(k), \(lo)...\(hi)) differ"); return
                    }
                    #expect(sameBits(store.pointsIncludingStale(k, in: t(lo)...t(hi)), naive.range(k, t(lo)...t(hi), stale: true)))
                    let lookback = Milliseconds(Int64.random(in: 1...400_000, using: &rng))
                    let a = store.latest(k, at: t(hi), lookback: lookback), b = naive.latest(k, at: t(hi), lookback: lookback)
                    #expect(a?.t == b?.t && a?.v.bitPattern == b?.v.bitPattern)
                }
            }
            #expect(store.pointCount == naive.count)
            #expect(store.seriesCount == naive.points.count)
            #expect(store.rejectedOutOfOrder == naive.rejected)
            #expect(store.names == Set(naive.points.keys.map(\.name)).sorted())
            let recount = store.recount()
            #expect(store.bytesUsed == recount.bytes && store.pointCount == recount.points)
            for k in keys {
                #expect(sameBits(store.pointsIncludingStale(k, in: t(.min)...t(.max)), naive.range(k, t(.min)...t(.max), stale: true)))
            }
        }
    }

    @Test func chunksHoldAtMost120SamplesOrTwoHours() {
        var store = SeriesStore(retention: .minutes(600))
        let dense = key("dense")
        for i in Int64(0)..<250 { store.append(dense, Point(t: t(i * 1000), v: Double(i))) }
        #expect(store.chunkSampleCounts(dense) == [120, 120, 10])
        let sparse = key("sparse")
        // One sample every 25 minutes: a chunk may span less than two hours, so 5 a chunk.
        for i in Int64(0)..<12 { store.append(sparse, Point(t: t(i * 25 * 60_000), v: 1)) }
        #expect(store.chunkSampleCounts(sparse) == [5, 5, 2])
        #expect(store.chunksHeld == 6)
        #expect(store.points(dense, in: t(119_000)...t(121_000)).map(\.v) == [119, 120, 121])
        #expect(store.latest(dense, at: t(240_500))?.v == 240)
        #expect(store.latest(dense, at: t(119_999))?.v == 119)
    }

    @Test func bytesUsedCountsChunksAndSeriesOverhead() {
        // The documented estimate: a 64-byte chunk record and a 32-byte buffer header.
        #expect(SeriesStore.chunkOverheadBytes == 96)
        var store = SeriesStore(retention: .minutes(600))
        #expect(store.bytesUsed == 0)
        let k = key("requests_total", ["job": "api"])
        store.append(k, Point(t: t(1000), v: 1))
        let seriesCost = SeriesStore.seriesOverheadBytes + "requests_total".utf8.count + 16 + "job".utf8.count + "api".utf8.count
        // One (decimal) chunk: overhead, 2 varint bytes of timestamp, 13 bits of parameters, a
        // byte of divisor and one of value: 6 bytes.
        #expect(store.bytesUsed == seriesCost + SeriesStore.chunkOverheadBytes + 6)
        for i in Int64(2)...240 { store.append(k, Point(t: t(i * 1000), v: 1)) }
        #expect(store.chunkSampleCounts(k) == [120, 120])
        #expect(store.bytesUsed == seriesCost + 2 * SeriesStore.chunkOverheadBytes + store.compressedBytes)
        // A constant series at a steady interval costs well under a byte a sample.
        #expect(store.compressedBytes < 240 / 2)
        store.expire(olderThan: t(1_000_000))
        #expect(store.bytesUsed == 0 && store.seriesCount == 0 && store.pointCount == 0)
    }

    @Test func retentionDropsWholeChunksAndTrimsTheStraddlingOnePointExactly() {
        var store = SeriesStore(retention: .seconds(100))
        let k = key("x")
        for i in Int64(0)..<300 { store.append(k, Point(t: t(i * 1000), v: Double(i))) }
        let before = store.bytesUsed
        store.expire(before: t(250_500))   // keeps t >= 150_500, i.e. 151...299
        #expect(store.chunkSampleCounts(k) == [89, 60])
        #expect(store.pointCount == 149)
        #expect(store.bytesUsed < before)
        #expect(store.points(k, in: t(0)...t(400_000)).first == Point(t: t(151_000), v: 151))
        #expect(store.latest(k, at: t(150_999), lookback: .minutes(60)) == nil)
        #expect(store.latest(k, at: t(151_000))?.v == 151)
        // Trimming the same cutoff again changes nothing; a later one trims further.
        store.expire(olderThan: t(150_500))
        #expect(store.pointCount == 149)
        store.expire(olderThan: t(298_000))
        #expect(store.chunkSampleCounts(k) == [2])
        #expect(store.points(k, in: t(0)...t(400_000)).map(\.v) == [298, 299])
        let recount = store.recount()
        #expect(store.bytesUsed == recount.bytes && store.pointCount == recount.points)
    }

    @Test func rangeEndsAtTheExtremesOfTime() {
        var store = SeriesStore(retention: .minutes(60))
        let k = key("x")
        store.append(k, Point(t: t(.min), v: 1))
        store.append(k, Point(t: t(0), v: 2))
        store.append(k, Point(t: t(.max), v: 3))
        #expect(store.points(k, in: t(.min)...t(.max)).map(\.v) == [1, 2, 3])
        #expect(store.points(k, in: t(.max)...t(.max)).map(\.v) == [3])
        #expect(store.latest(k, at: t(.max), lookback: Milliseconds(1))?.v == 3)
    }
}
