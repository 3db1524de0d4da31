import Telemetry
import Testing
@testable import PromQL

@Suite struct EvaluatorTests {
    func store(_ series: [(String, [(String, String)], [Double?])], step: Int64 = 60_000) -> SeriesStore {
        var s = SeriesStore(retention: Milliseconds(Int64.max / 4))
        for (name, labels, values) in series {
            for (i, v) in values.enumerated() {
                if let v { s.append(SeriesKey(name: name, labels: Labels(labels)), Point(t: Timestamp(milliseconds: Int64(i) * step), v: v)) }
            }
        }
        return s
    }

    func vector(_ q: String, _ s: SeriesStore, at seconds: Double, engine: Engine = Engine()) throws -> [String: Double] {
        guard case .vector(let v) = try engine.instantQuery(q, store: s, at: Timestamp(seconds: seconds)).value else {
            Issue.record("not a vector"); return [:]
        }
        return Dictionary(uniqueKeysWithValues: v.map { ($0.labels.description, $0.v) })
    }

    @Test func lookbackIsLeftOpenAndStaleMarkersEndSeries() throws {
        let s = store([("m", [], [1, nil, nil, nil, nil, nil, nil])])
        #expect(try vector("m", s, at: 299) == [#"{__name__="m"}"#: 1])
        #expect(try vector("m", s, at: 300).isEmpty)
        let st = store([("m", [], [1, SeriesStore.staleMarker, 2])])
        #expect(try vector("m", st, at: 90).isEmpty)
        #expect(try vector("count_over_time(m[3m])", st, at: 120) == ["{}": 2])
        // Range windows are left-open: a sample exactly at t - range is out.
        #expect(try vector("count_over_time(m[1m])", st, at: 120) == ["{}": 1])
    }

    @Test func arithmeticDropsNameComparisonFiltersBoolKeepsAll() throws {
        let s = store([("x", [("a", "1")], [5]), ("x", [("a", "2")], [10])])
        #expect(try vector("x * 2", s, at: 0) == [#"{a="1"}"#: 10, #"{a="2"}"#: 20])
        #expect(try vector("x > 6", s, at: 0) == [#"{__name__="x",a="2"}"#: 10])
        #expect(try vector("x > bool 6", s, at: 0) == [#"{a="1"}"#: 0, #"{a="2"}"#: 1])
        #expect(try vector("6 < x", s, at: 0) == [#"{__name__="x",a="2"}"#: 10])
    }

    @Test func vectorMatching() throws {
        let s = store([
            ("req", [("job", "a"), ("code", "200")], [10]), ("req", [("job", "a"), ("code", "500")], [2]),
            ("limit", [("job", "a")], [4]),
        ])
        #expect(try vector("req / on(job) group_left limit", s, at: 0) == [#"{code="200",job="a"}"#: 2.5, #"{code="500",job="a"}"#: 0.5])
        #expect(throws: PromQLError.self) { try vector("req / on(job) limit", s, at: 0) }
        do {
            _ = try vector("limit / on(job) req", s, at: 0)
            Issue.record("expected many-to-many error")
        } catch let e as PromQLError {
            #expect(e.message.contains("many-to-many matching not allowed"))
        }
        #expect(try vector("req and on(code) req{code=\"500\"}", s, at: 0).count == 1)
        #expect(try vector("req unless on(job) limit", s, at: 0).isEmpty)
        #expect(try vector("limit or on(job) req", s, at: 0).count == 1)
        #expect(try vector("limit or req", s, at: 0).count == 3)
    }

    @Test func aggregationsAndSorting() throws {
        let s = store([("x", [("a", "1"), ("g", "p")], [1]), ("x", [("a", "2"), ("g", "p")], [3]), ("x", [("a", "3"), ("g", "q")], [5])])
        #expect(try vector("sum by (g) (x)", s, at: 0) == [#"{g="p"}"#: 4, #"{g="q"}"#: 5])
        #expect(try vector("avg without (a) (x)", s, at: 0) == [#"{g="p"}"#: 2, #"{g="q"}"#: 5])
        #expect(try vector("topk(1, x)", s, at: 0) == [#"{__name__="x",a="3",g="q"}"#: 5])
        #expect(try vector(#"count_values("v", x)"#, s, at: 0) == [#"{v="1"}"#: 1, #"{v="3"}"#: 1, #"{v="5"}"#: 1])
        #expect(try vector("quantile(0.5, x)", s, at: 0) == ["{}": 3])
        guard case .vector(let sorted) = try Engine().instantQuery("sort_desc(x)", store: s, at: Timestamp(seconds: 0)).value else { return }
        #expect(sorted.map(\.v) == [5, 3, 1])
        #expect(try vector("topk(3, nothing)", s, at: 0).isEmpty)
    }

    @Test func absentAndLabelFunctions() throws {
        let s = store([("x", [("src", "a-b")], [1])])
        #expect(try vector(#"absent(nope{job="j", i=~"x"})"#, s, at: 0) == [#"{job="j"}"#: 1])
        #expect(try vector(#"label_replace(x, "dst", "$1", "src", "(.*)-.*")"#, s, at: 0) == [#"{__name__="x",dst="a",src="a-b"}"#: 1])
        #expect(try vector(#"label_join(x, "d", "+", "src", "src")"#, s, at: 0) == [#"{__name__="x",d="a-b+a-b",src="a-b"}"#: 1])
    }

    @Test func rangeQueryAndSubquery() throws {
        let s = store([("c_total", [], [0, 60, 120, 180, 240, 300])])
        let r = try Engine().rangeQuery("rate(c_total[2m])", store: s, start: Timestamp(seconds: 120), end: Timestamp(seconds: 300), step: Milliseconds(60_000))
        guard case .matrix(let m) = r.value else { Issue.record("not a matrix"); return }
        #expect(m.count == 1 && m[0].points.map(\.v) == [1, 1, 1, 1])
        #expect(try vector("max_over_time(rate(c_total[2m])[3m:1m])", s, at: 300) == ["{}": 1])
    }

    @Test func resultsAreBounded() throws {
        let s = store((0..<20).map { ("x", [("i", "\($0)")], [1]) })
        do {
            _ = try vector("x", s, at: 0, engine: Engine(maxSeries: 10))
            Issue.record("expected the bound to trip")
        } catch let e as PromQLError {
            #expect(e.message.contains("more than 10 series"))
        }
    }
}
