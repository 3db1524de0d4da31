import Telemetry
import Testing
@testable import PromQL

/// Bad input is bounded and answered: a query that would return or hold too much, or that asks
/// for `topk` of nothing, gets a result or a clear error, never a crash or a hang. Where
/// Prometheus 3 defines the behaviour, the engine matches it.
@Suite struct BoundedQueryTests {
    /// `count` series `name{i="0"}`, `name{i="1"}`, ... (or another label) with `points` samples
    /// each, one a minute from 0, valued `i + minute`.
    func store(_ name: String = "x", count: Int, points: Int = 1, label: String = "i", into s: SeriesStore? = nil) -> SeriesStore {
        var s = s ?? SeriesStore(retention: Milliseconds(Int64.max / 4))
        for i in 0..<count {
            let key = SeriesKey(name: name, labels: Labels([(label, "\(i)")]))
            for p in 0..<points {
                s.append(key, Point(t: Timestamp(milliseconds: Int64(p) * 60_000), v: Double(i + p)))
            }
        }
        return s
    }

    func vector(_ q: String, _ s: SeriesStore, at seconds: Double = 0, engine: Engine = Engine()) throws -> [PromQL.Sample] {
        let r = try engine.instantQuery(q, store: s, at: Timestamp(seconds: seconds))
        guard case .vector(let v) = r.value else { Issue.record("\(q): not a vector"); return [] }
        return v
    }

    /// The message of the PromQLError that `body` throws, or nil (recorded as an issue) when it succeeds.
    func errorMessage(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            try body()
            Issue.record("expected an error", sourceLocation: sourceLocation)
            return nil
        } catch let e as PromQLError {
            return e.message
        } catch {
            Issue.record("expected a PromQLError, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    // MARK: topk / bottomk

    @Test func topkAndBottomkOfNothingAreEmpty() throws {
        let s = store(count: 3)
        for q in ["topk(3, nonexistent)", "bottomk(3, nonexistent)", "topk(3, x{i=\"none\"})",
                  "topk(3, sum by (j) (nonexistent))", "topk(1, x) and nonexistent"] {
            #expect(try vector(q, s).isEmpty, "\(q)")
        }
    }

    @Test func kIsTruncatedAndBelowOneSelectsNothing() throws {
        let s = store(count: 5)
        for q in ["topk(0, x)", "topk(-1, x)", "topk(0.9, x)", "bottomk(0, x)", "bottomk(-1e18, x)", "topk(-0.5, x)"] {
            #expect(try vector(q, s).isEmpty, "\(q)")
        }
        // As Go's int64(2.7): 2.
        #expect(try vector("topk(2.7, x)", s).map(\.v).sorted() == [3, 4])
        #expect(try vector("bottomk(2.7, x)", s).map(\.v).sorted() == [0, 1])
        // More than there are: all of them, once.
        #expect(try vector("topk(1e18, x)", s).count == 5)
        #expect(try vector("bottomk(9223372036854774784, x)", s).count == 5)
    }

    @Test func kThatIsNoInt64IsAnErrorAsInPrometheus() {
        let s = store(count: 3)
        let cases: [(String, String)] = [
            ("topk(NaN, x)", "Scalar value NaN overflows int64"),
            ("bottomk(NaN, x)", "Scalar value NaN overflows int64"),
            ("topk(Inf, x)", "Scalar value +Inf overflows int64"),
            ("bottomk(-Inf, x)", "Scalar value -Inf overflows int64"),
            ("topk(1e19, x)", "Scalar value 1e+19 overflows int64"),
            ("bottomk(-1e300, x)", "Scalar value -1e+300 overflows int64"),
            ("topk(scalar(nonexistent), x)", "Scalar value NaN overflows int64"),
        ]
        for (q, message) in cases {
            #expect(errorMessage { _ = try vector(q, s) } == message, "\(q)")
        }
    }

    // MARK: quantile, count_values

    @Test func quantileOutsideZeroToOneWarnsAndAnswers() throws {
        let s = store(count: 4)
        let nan = try Engine().instantQuery("quantile(NaN, x)", store: s, at: Timestamp(seconds: 0))
        guard case .vector(let v) = nan.value else { Issue.record("not a vector"); return }
        #expect(v.count == 1 && v[0].v.isNaN)
        #expect(nan.annotations.warnings.contains { $0.contains("quantile value should be between 0 and 1, got NaN") })
        #expect(try vector("quantile(2, x)", s).map(\.v) == [.infinity])
        #expect(try vector("quantile(-1, x)", s).map(\.v) == [-.infinity])
        #expect(try vector("quantile(0.5, nonexistent)", s).isEmpty)
    }

    @Test func countValuesWithHugeCardinalityIsAnsweredAndBounded() throws {
        // 20,000 distinct values: one output series each, answered.
        let s = store(count: 20_000)
        let v = try vector(#"count_values("value", x)"#, s)
        #expect(v.count == 20_000)
        #expect(v.allSatisfy { $0.v == 1 })
        // Its output never outgrows its input, which the series limit bounds.
        let message = errorMessage { _ = try vector(#"count_values("value", x)"#, s, engine: Engine(maxSeries: 5_000)) }
        #expect(message?.contains("more than 5000 series") == true)
    }

    // MARK: Selectors and results with too many series

    @Test func selectorMatchingEverySeriesIsBounded() throws {
        var s = SeriesStore(retention: Milliseconds(Int64.max / 4))
        for n in 0..<50 { s = store("m\(n)", count: 200, into: s) }
        #expect(s.seriesCount == 10_000)
        // Within the limit: answered in full.
        #expect(try vector(#"{__name__=~".+"}"#, s).count == 10_000)
        #expect(try vector(#"count({__name__=~".+"})"#, s).map(\.v) == [10_000])
        // Beyond it: a clear error, for the selector and for anything built on it.
        let engine = Engine(maxSeries: 1_000)
        for q in [#"{__name__=~".+"}"#, #"count({__name__=~".+"})"#, #"topk(1, {__name__=~"m.*"})"#,
                  #"rate({__name__=~".+"}[5m])"#] {
            let message = errorMessage { _ = try vector(q, s, engine: engine) }
            #expect(message?.contains("query would return more than 1000 series") == true, "\(q): \(message ?? "")")
        }
    }

    @Test func crossJoinsCannotExplode() throws {
        var s = store("x", count: 300)
        s = store("y", count: 300, label: "j", into: s)
        s = store("one", count: 1, into: s)
        // `on()` makes every sample match every other: many-to-many is refused.
        let message = errorMessage { _ = try vector("x * on() group_left y", s) }
        #expect(message?.contains("many-to-many matching not allowed") == true)
        #expect(errorMessage { _ = try vector("x * on() y", s) } != nil)
        // With one sample on the "one" side the result is as large as the "many" side, no larger.
        #expect(try vector("x * on() group_left one", s).count == 300)
        #expect(try vector("one * on() group_right x", s).count == 300)
        // Set operators are bounded by their inputs, and by the series limit.
        #expect(try vector("x and on() y", s).count == 300)
        #expect(try vector("x or y", s).count == 600)
        let bounded = errorMessage { _ = try vector("x or y", s, engine: Engine(maxSeries: 500)) }
        #expect(bounded?.contains("more than 500 series") == true)
    }

    // MARK: Samples: range selectors, subqueries, range queries

    @Test func rangeSelectorLoadingTooManySamplesIsRefused() throws {
        let s = store(count: 10, points: 60)  // 600 samples in the last hour
        let engine = Engine(maxSamples: 500)
        let message = errorMessage { _ = try vector("count_over_time(x[1h])", s, at: 3_540, engine: engine) }
        #expect(message == "query processing would load too many samples into memory in query execution")
        // Within the limit it is answered.
        #expect(try vector("count_over_time(x[30m])", s, at: 3_540, engine: engine).map(\.v) == Array(repeating: 30, count: 10))
        #expect(Engine().maxSamples == 50_000_000)
    }

    @Test func subqueryWithATinyStepIsRefusedBeforeItRuns() throws {
        let s = store(count: 3, points: 5)
        let clock = ContinuousClock()
        let began = clock.now
        // 1000 days at 1 ms: 86.4 billion steps.
        let message = errorMessage { _ = try vector("max_over_time(x[1000d:1ms])", s, at: 240) }
        #expect(message?.contains("subquery") == true && message?.contains("86400000000 steps") == true, "\(message ?? "")")
        // Nested subqueries count together.
        let nested = errorMessage {
            _ = try vector("max_over_time(max_over_time(x[10m:1s])[10m:1s])", s, at: 240, engine: Engine(maxSamples: 100_000))
        }
        #expect(nested?.contains("subquery") == true)
        #expect(clock.now - began < .seconds(30))
        // A reasonable subquery is answered.
        #expect(try vector("max_over_time(x[4m:1m])", s, at: 240).count == 3)
    }

    @Test func subqueryHoldingTooManySamplesIsRefused() throws {
        let s = store(count: 20, points: 11)
        // 20 series × 10 steps = 200 samples.
        let message = errorMessage { _ = try vector("max_over_time(x[10m:1m])", s, at: 600, engine: Engine(maxSamples: 150)) }
        #expect(message == "query processing would load too many samples into memory in query execution")
        #expect(try vector("max_over_time(x[10m:1m])", s, at: 600, engine: Engine(maxSamples: 250)).count == 20)
    }

    @Test func rangeQueryWithATinyStepIsRefusedAtOnce() throws {
        let s = store(count: 3, points: 5)
        let clock = ContinuousClock()
        let began = clock.now
        let message = errorMessage {
            _ = try Engine().rangeQuery("x", store: s, start: Timestamp(seconds: 0), end: Timestamp(seconds: 86_400),
                                        step: Milliseconds(1))
        }
        #expect(message == "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        #expect(clock.now - began < .seconds(5))
        // Extreme ends overflow nothing.
        #expect(errorMessage {
            _ = try Engine().rangeQuery("x", store: s, start: Timestamp(milliseconds: .min), end: Timestamp(milliseconds: .max),
                                        step: Milliseconds(1))
        } != nil)
        // As Prometheus's API, (end - start) / step may be 11,000: 11,001 points pass, 11,002 do not.
        let ok = try Engine().rangeQuery("vector(1)", store: s, start: Timestamp(seconds: 0), end: Timestamp(seconds: 11_000),
                                         step: Milliseconds(1_000))
        guard case .matrix(let m) = ok.value else { Issue.record("not a matrix"); return }
        #expect(m.count == 1 && m[0].points.count == 11_001)
        #expect(errorMessage {
            _ = try Engine().rangeQuery("vector(1)", store: s, start: Timestamp(seconds: 0), end: Timestamp(seconds: 11_001),
                                        step: Milliseconds(1_000))
        } != nil)
        #expect(errorMessage {
            _ = try Engine(maxResolution: 10).rangeQuery("x", store: s, start: Timestamp(seconds: 0), end: Timestamp(seconds: 660),
                                                         step: Milliseconds(60_000))
        } == "exceeded maximum resolution of 10 points per timeseries. Try decreasing the query resolution (?step=XX)")
    }

    @Test func rangeQueryEndBeforeStartIsAnError() {
        let s = store(count: 1)
        let message = errorMessage {
            _ = try Engine().rangeQuery("x", store: s, start: Timestamp(seconds: 100), end: Timestamp(seconds: 0), step: Milliseconds(1_000))
        }
        #expect(message == "end timestamp must not be before start time")
    }

    @Test func rangeQueryResultIsBoundedInSamplesAndSeries() throws {
        let s = store(count: 100, points: 30)
        // 100 series × 21 steps = 2,100 points.
        let message = errorMessage {
            _ = try Engine(maxSamples: 2_000).rangeQuery("x", store: s, start: Timestamp(seconds: 0), end: Timestamp(seconds: 1_200),
                                                         step: Milliseconds(60_000))
        }
        #expect(message == "query processing would load too many samples into memory in query execution")
        let r = try Engine(maxSamples: 2_100).rangeQuery("x", store: s, start: Timestamp(seconds: 0), end: Timestamp(seconds: 1_200),
                                                         step: Milliseconds(60_000))
        guard case .matrix(let m) = r.value else { Issue.record("not a matrix"); return }
        #expect(m.count == 100 && m.allSatisfy { $0.points.count == 21 })
        // A new series at every step: the series bound holds over the whole range.
        let growing = errorMessage {
            _ = try Engine(maxSeries: 10).rangeQuery(#"count_values("t", vector(time()))"#, store: s, start: Timestamp(seconds: 0),
                                                     end: Timestamp(seconds: 1_200), step: Milliseconds(60_000))
        }
        #expect(growing?.contains("more than 10 series") == true)
    }
}
