import Telemetry
import Testing
@testable import PromQL

/// The engine keeps which series each selector matched while the store's series set is the same:
/// a result must never come from a stale selection.
@Suite struct SelectionCacheTests {
    func labelsOf(_ q: String, _ s: SeriesStore, at ms: Int64, _ engine: Engine) throws -> [String] {
        guard case .vector(let v) = try engine.instantQuery(q, store: s, at: Timestamp(milliseconds: ms)).value else { return [] }
        return v.map { "\($0.labels) \(formatValue($0.v))" }
    }

    @Test func newAndDroppedSeriesAreSeenAtOnce() throws {
        let engine = Engine()
        var s = SeriesStore(retention: .minutes(10))
        s.append(SeriesKey(name: "up", labels: Labels([("i", "a")])), Point(t: Timestamp(milliseconds: 0), v: 1))
        #expect(try labelsOf("up", s, at: 0, engine) == [#"{__name__="up",i="a"} 1"#])
        #expect(try labelsOf("sum(up)", s, at: 0, engine) == ["{} 1"])
        // A new sample of a known series: the selection still holds, the value is new.
        s.append(SeriesKey(name: "up", labels: Labels([("i", "a")])), Point(t: Timestamp(milliseconds: 1_000), v: 0))
        #expect(try labelsOf("up", s, at: 1_000, engine) == [#"{__name__="up",i="a"} 0"#])
        // A new series of the same name.
        s.append(SeriesKey(name: "up", labels: Labels([("i", "b")])), Point(t: Timestamp(milliseconds: 2_000), v: 1))
        #expect(try labelsOf("up", s, at: 2_000, engine) == [#"{__name__="up",i="a"} 0"#, #"{__name__="up",i="b"} 1"#])
        #expect(try labelsOf("sum(up)", s, at: 2_000, engine) == ["{} 1"])
        // A new name: selectors without a literal name see it.
        s.append(SeriesKey(name: "down", labels: Labels([("i", "a")])), Point(t: Timestamp(milliseconds: 3_000), v: 5))
        #expect(try labelsOf(#"{i="a"}"#, s, at: 3_000, engine) == [#"{__name__="down",i="a"} 5"#, #"{__name__="up",i="a"} 0"#])
        // Dropped by retention, then created again in the freed slot.
        s.expire(olderThan: Timestamp(milliseconds: 1_500))
        #expect(try labelsOf("up", s, at: 3_000, engine) == [#"{__name__="up",i="b"} 1"#])
        #expect(try labelsOf(#"{i="a"}"#, s, at: 3_000, engine) == [#"{__name__="down",i="a"} 5"#])
        s.append(SeriesKey(name: "up", labels: Labels([("i", "c")])), Point(t: Timestamp(milliseconds: 4_000), v: 3))
        #expect(try labelsOf("up", s, at: 4_000, engine) == [#"{__name__="up",i="b"} 1"#, #"{__name__="up",i="c"} 3"#])
        #expect(try labelsOf("rate(up[1m])", s, at: 4_000, engine).isEmpty)
    }

    @Test func oneEngineOverDivergingCopiesOfAStore() throws {
        let engine = Engine()
        var base = SeriesStore(retention: .minutes(10))
        base.append(SeriesKey(name: "m", labels: Labels([("k", "0")])), Point(t: Timestamp(milliseconds: 0), v: 0))
        var a = base, b = base
        a.append(SeriesKey(name: "m", labels: Labels([("k", "a")])), Point(t: Timestamp(milliseconds: 1_000), v: 1))
        b.append(SeriesKey(name: "m", labels: Labels([("k", "b")])), Point(t: Timestamp(milliseconds: 1_000), v: 2))
        for _ in 0..<2 {
            #expect(try labelsOf("m", a, at: 1_000, engine) == [#"{__name__="m",k="0"} 0"#, #"{__name__="m",k="a"} 1"#])
            #expect(try labelsOf("m", b, at: 1_000, engine) == [#"{__name__="m",k="0"} 0"#, #"{__name__="m",k="b"} 2"#])
            #expect(try labelsOf("m", base, at: 1_000, engine) == [#"{__name__="m",k="0"} 0"#])
        }
    }

    @Test func cachedAndUncachedEnginesAgree() throws {
        var s = SeriesStore(retention: .minutes(60))
        var uncached = Engine()
        uncached.cachesSelections = false
        let cached = Engine()
        let queries = [#"sum by (g) (rate(c_total{g=~"[ab]"}[5m]))"#, "c_total", #"{__name__=~"c_.*", g!="a"}"#,
                       "count(c_total) by (g)", "topk(2, c_total)"]
        for step in 0..<40 {
            let t = Int64(step) * 15_000
            // A new series every 10 steps; the first one ends at step 20 and is dropped at step 25.
            for i in 0..<(5 + step / 10) where !(i == 0 && step > 20) {
                s.append(SeriesKey(name: "c_total", labels: Labels([("i", "\(i)"), ("g", ["a", "b", "c"][i % 3])])),
                         Point(t: Timestamp(milliseconds: t), v: Double(step * (i + 1))))
            }
            if step == 25 { s.expire(olderThan: Timestamp(milliseconds: t - 60_000)) }
            for q in queries {
                #expect(try labelsOf(q, s, at: t, cached) == labelsOf(q, s, at: t, uncached), "\(q) at step \(step)")
            }
        }
    }
}
