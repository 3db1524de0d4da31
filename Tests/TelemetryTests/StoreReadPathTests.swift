import Testing
@testable import Telemetry

/// The read paths the PromQL engine uses: series handles, the series-set version, and the label
/// operations that keep pairs sorted without re-sorting.
@Suite struct StoreReadPathTests {
    private func t(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: ms) }
    private func key(_ name: String, _ labels: [String: String]) -> SeriesKey { SeriesKey(name: name, labels: Labels(labels)) }

    @Test func handlesReadWhatKeysRead() {
        var s = SeriesStore(retention: .minutes(60))
        var rng = SplitMix64(seed: 7)
        let keys = (0..<40).map { key("m\($0 % 2)", ["i": "\($0)", "g": "\($0 % 3)"]) }
        for step in 0..<400 {
            for (j, k) in keys.enumerated() where (step + j) % 3 != 0 {
                // Integers (decimal chunks), decimals with a scale, arbitrary bits (xor), stale markers.
                let v: Double
                switch (step + j) % 7 {
                case 0: v = Double(bitPattern: rng.next())
                case 1: v = SeriesStore.staleMarker
                case 2: v = Double(step) / 100
                default: v = Double(step * j)
                }
                s.append(k, Point(t: t(Int64(step) * 15_000 + Int64(j)), v: v))
            }
        }
        for name in ["m0", "m1"] {
            let refs = s.seriesRefs(named: name, equal: [(name: "g", value: "1")], where: nil)
            #expect(refs.map(\.key) == s.series(named: name, equal: [(name: "g", value: "1")], where: { _ in true }))
            #expect(refs.map(\.key) == s.series(named: name).filter { $0.labels["g"] == "1" })
            for (ref, k) in refs {
                for (lo, hi) in [(0, 6_000_000), (1_000_000, 1_300_000), (5_900_000, 7_000_000), (-5, 10)] as [(Int64, Int64)] {
                    #expect(s.points(ref, in: t(lo)...t(hi)) == s.points(k, in: t(lo)...t(hi)))
                }
                for at in [0, 14_999, 3_000_000, 5_985_000, 5_999_999, 9_000_000] as [Int64] {
                    let a = s.latest(ref, at: t(at), lookback: .minutes(5)), b = s.latest(k, at: t(at), lookback: .minutes(5))
                    #expect(a?.t == b?.t && a?.v.bitPattern == b?.v.bitPattern)
                }
            }
        }
        // The predicate filters; equality pairs with an empty value are left to it.
        let odd = s.seriesRefs(named: "m1", equal: [(name: "absent", value: "")], where: { Int($0["i"]!)! % 4 == 1 })
        #expect(odd.count == 10)
        #expect(odd.map(\.key) == s.series(named: "m1").filter { Int($0.labels["i"]!)! % 4 == 1 })
    }

    @Test func latestAtOrAfterTheLastSampleIsTheLastSample() {
        var s = SeriesStore(retention: .minutes(600))
        let k = key("m", ["a": "1"])
        // A decimal chunk with scale 2, then an xor one (a value that is no decimal).
        for i in 0..<130 { s.append(k, Point(t: t(Int64(i) * 1_000), v: Double(i) / 100)) }
        #expect(s.latest(k, at: t(129_000))?.v == 1.29)
        #expect(s.latest(k, at: t(200_000))?.v == 1.29)
        #expect(s.latest(k, at: t(128_500))?.v == 1.28)
        s.append(k, Point(t: t(130_000), v: .pi))
        #expect(s.latest(k, at: t(130_000))?.v == .pi)
        s.append(k, Point(t: t(131_000), v: SeriesStore.staleMarker))
        #expect(s.latest(k, at: t(131_000)) == nil)
        #expect(s.latest(k, at: t(130_999))?.v == .pi)
        // Trimmed by retention: a fully trimmed chunk has nothing to offer.
        s.expire(olderThan: t(125_000))
        #expect(s.latest(k, at: t(124_000)) == nil)
        #expect(s.latest(k, at: t(125_000))?.v == 1.25)
    }

    @Test func aDroppedSeriesHandleReadsAsUnknownEvenWhenItsSlotIsReused() {
        var s = SeriesStore(retention: .minutes(1))
        let a = key("m", ["x": "a"]), b = key("m", ["x": "b"])
        s.append(a, Point(t: t(0), v: 1))
        let ref = s.seriesRefs(named: "m", equal: [], where: nil)[0].ref
        #expect(s.points(ref, in: t(0)...t(10)).count == 1)
        s.expire(olderThan: t(1))
        s.append(b, Point(t: t(100_000), v: 2))   // takes the freed slot
        #expect(s.points(ref, in: t(0)...t(1_000_000)).isEmpty)
        #expect(s.latest(ref, at: t(100_000)) == nil)
        #expect(s.points(b, in: t(0)...t(1_000_000)).count == 1)
    }

    @Test func seriesSetVersionMovesWithTheSeriesNotWithSamples() {
        var s = SeriesStore(retention: .minutes(1))
        let v0 = s.seriesSetVersion
        s.append(key("m", ["x": "a"]), Point(t: t(0), v: 1))
        let v1 = s.seriesSetVersion, m1 = s.seriesSetVersion(named: "m")
        #expect(v1 != v0 && m1 != 0)
        s.append(key("m", ["x": "a"]), Point(t: t(1_000), v: 2))
        #expect(s.seriesSetVersion == v1)
        s.append(key("other", [:]), Point(t: t(1_000), v: 2))
        #expect(s.seriesSetVersion != v1)
        #expect(s.seriesSetVersion(named: "m") == m1)
        #expect(s.seriesSetVersion(named: "never") == 0)
        // Two copies that diverge get different versions; the same history gives the same one.
        var c1 = s, c2 = s, c3 = s
        c1.append(key("m", ["x": "b"]), Point(t: t(2_000), v: 1))
        c2.append(key("m", ["x": "c"]), Point(t: t(2_000), v: 1))
        c3.append(key("m", ["x": "b"]), Point(t: t(3_000), v: 7))
        #expect(c1.seriesSetVersion(named: "m") != c2.seriesSetVersion(named: "m"))
        #expect(c1.seriesSetVersion(named: "m") == c3.seriesSetVersion(named: "m"))
        // Dropped and created again: a new version (the handles differ).
        var d = s
        d.expire(olderThan: t(5_000))
        #expect(d.seriesCount == 0 && d.seriesSetVersion(named: "m") == 0)
        d.append(key("m", ["x": "a"]), Point(t: t(10_000), v: 1))
        #expect(d.seriesSetVersion(named: "m") != m1)
    }

    @Test func labelOperationsAgreeWithSortingFromScratch() {
        var rng = SplitMix64(seed: 99)
        let names = ["__name__", "a", "b", "code", "instance", "job", "le", "A", "z_1"]
        for _ in 0..<500 {
            var pairs: [(String, String)] = []
            for n in names where Bool.random(using: &rng) { pairs.append((n, "v\(Int.random(in: 0..<3, using: &rng))")) }
            pairs.shuffle(using: &rng)
            let l = Labels(pairs)
            #expect(l.pairs.map(\.name) == pairs.map(\.0).sorted())
            let n = names.randomElement(using: &rng)!, v = "w\(Int.random(in: 0..<3, using: &rng))"
            var dict = Dictionary(pairs, uniquingKeysWith: { _, b in b })
            dict[n] = v
            #expect(l.setting(n, v) == Labels(dict))
            let drop = Set(names.filter { _ in Bool.random(using: &rng) })
            #expect(l.removing(drop) == Labels(pairs.filter { !drop.contains($0.0) }))
            #expect(l.removing(n) == Labels(pairs.filter { $0.0 != n }))
            let keep = Array(drop).sorted()
            #expect(l.keeping(sortedNames: keep) == Labels(pairs.filter { drop.contains($0.0) }))
        }
        // A set built with a repeated name: `setting` collapses it as before (the last value wins).
        let repeated = Labels([("a", "1"), ("a", "2"), ("b", "3")])
        #expect(repeated.setting("c", "4") == Labels([("a", "2"), ("b", "3"), ("c", "4")]))
    }
}
