import Testing
@testable import Telemetry

/// Points at `index * step` from time zero, as `load <step>` in Prometheus test scripts.
private func series(step: Int64, _ values: [Double?]) -> [Point] {
    values.enumerated().compactMap { i, v in v.map { Point(t: Timestamp(milliseconds: Int64(i) * step), v: $0) } }
}
/// `a+bxn`: n+1 values a, a+b, ...
private func ramp(_ a: Double, _ b: Double, _ n: Int) -> [Double?] { (0...n).map { a + b * Double($0) } }
private let m: Int64 = 60_000
private func at(_ minutes: Int64) -> Timestamp { Timestamp(milliseconds: minutes * m) }
private func window(_ range: Int64, endingAt end: Int64) -> (Timestamp, Timestamp) { (at(end - range), at(end)) }

private func close(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return a == b || abs(a - b) <= 1e-6 * max(abs(a), abs(b))
}

/// Cases from Prometheus v3.5.0 `promql/promqltest/testdata/functions.test`.
@Suite struct RangeFunctionsTests {
    @Test func increaseWithAndWithoutExtrapolation() {
        let foo = series(step: 5 * m, ramp(0, 10, 10))
        let bar = series(step: 5 * m, ramp(0, 18, 5) + ramp(0, 18, 5))
        let dings = series(step: 5 * m, ramp(10, 10, 10))
        let bumms = series(step: 5 * m, ramp(1, 10, 10))
        var (s, e) = window(50, endingAt: 50)
        #expect(close(RangeFunctions.increase(foo, windowStart: s, windowEnd: e), 100))
        #expect(close(RangeFunctions.increase(bar, windowStart: s, windowEnd: e), 160))
        #expect(close(RangeFunctions.increase(dings, windowStart: s, windowEnd: e), 100))
        #expect(close(RangeFunctions.increase(bumms, windowStart: s, windowEnd: e), 100))
        (s, e) = window(100, endingAt: 50)
        #expect(close(RangeFunctions.increase(foo, windowStart: s, windowEnd: e), 100))
        #expect(close(RangeFunctions.increase(bar, windowStart: s, windowEnd: e), 162))
        #expect(close(RangeFunctions.increase(dings, windowStart: s, windowEnd: e), 105))
        #expect(close(RangeFunctions.increase(bumms, windowStart: s, windowEnd: e), 101))
    }

    @Test func increaseAcrossACounterReset() {
        let points = series(step: 5 * m, [0, 1, 2, 3, 2, 3, 4])
        let (s, e) = window(30, endingAt: 30)
        #expect(close(RangeFunctions.increase(points, windowStart: s, windowEnd: e), 7))
    }

    @Test func rateWithResetsInTheMiddleAndAtTheEnd() {
        let middle = series(step: 5 * m, ramp(0, 27, 4) + ramp(0, 27, 5))
        var (s, e) = window(50, endingAt: 50)
        #expect(close(RangeFunctions.rate(middle, windowStart: s, windowEnd: e), 0.08))

        let end = series(step: 5 * m, ramp(0, 10, 9) + [0, 10])
        (s, e) = window(5, endingAt: 50)
        #expect(RangeFunctions.rate(end, windowStart: s, windowEnd: e) == nil)  // one point in (45m, 50m]
        (s, e) = (Timestamp(milliseconds: 50 * m - 6 * m), at(50))
        #expect(RangeFunctions.rate(end, windowStart: s, windowEnd: e) == 0)
    }

    @Test func ratePerSecondAndWithOffset() {
        var (s, e) = window(50, endingAt: 50)
        #expect(close(RangeFunctions.rate(series(step: 5 * m, ramp(0, 80, 10)), windowStart: s, windowEnd: e), 0.26666666666666666))
        // rate(x[10m] offset 5m) at 50m is the window (35m, 45m].
        (s, e) = window(10, endingAt: 45)
        #expect(close(RangeFunctions.rate(series(step: 5 * m, ramp(0, 10, 10)), windowStart: s, windowEnd: e), 0.03333333333333333))
        #expect(close(RangeFunctions.rate(series(step: 5 * m, ramp(0, 20, 10)), windowStart: s, windowEnd: e), 0.06666666666666667))
    }

    @Test(arguments: [(0.0, 0.5, 0.6), (60, 0.55, 0.6), (120, 0.6, 0.6), (180, 0.6, 0.6), (240, 0.6, 0.6), (300, 0.6, 0.6)])
    func rateStopsExtrapolatingAtTheCounterZeroPoint(start: Double, at10m: Double, at50m: Double) {
        let points = series(step: 4 * m, ramp(start, 240, 10))
        var (s, e) = window(20, endingAt: 10)
        #expect(close(RangeFunctions.rate(points, windowStart: s, windowEnd: e), at10m))
        (s, e) = window(20, endingAt: 50)
        #expect(close(RangeFunctions.rate(points, windowStart: s, windowEnd: e), at50m))
    }

    @Test func irateUsesTheLastTwoPoints() {
        let foo = series(step: 5 * m, ramp(0, 10, 10))
        let bar = series(step: 5 * m, ramp(0, 10, 5) + ramp(0, 10, 5))
        var (s, e) = window(50, endingAt: 50)
        #expect(close(RangeFunctions.irate(foo, windowStart: s, windowEnd: e), 0.03333333333333333))
        #expect(close(RangeFunctions.irate(bar, windowStart: s, windowEnd: e), 0.03333333333333333))
        (s, e) = window(50, endingAt: 30)
        #expect(close(RangeFunctions.irate(foo, windowStart: s, windowEnd: e), 0.03333333333333333))
        #expect(RangeFunctions.irate(bar, windowStart: s, windowEnd: e) == 0)  // counter reset: 0 / 300s
        // irate(http_requests_nan[15m1s]) over 1 NaN NaN 5 11 at 0, 5m, ..., 20m: _ NaN NaN NaN 0.02
        let nan = series(step: 5 * m, [1, .nan, .nan, 5, 11])
        let expected: [Double?] = [nil, .nan, .nan, .nan, 0.02]
        for (i, want) in expected.enumerated() {
            let end = Timestamp(milliseconds: Int64(i) * 5 * m)
            let got = RangeFunctions.irate(nan, windowStart: end - Milliseconds(15 * m + 1000), windowEnd: end)
            if let want {
                if want.isNaN { #expect(got?.isNaN == true) } else { #expect(close(got, want)) }
            } else {
                #expect(got == nil)
            }
        }
    }

    @Test func deltaAndIdeltaForGauges() {
        let up = series(step: 5 * m, [0, 50, 100, 150, 200])
        let down = series(step: 5 * m, [200, 150, 100, 50, 0])
        let (s, e) = window(20, endingAt: 20)
        #expect(close(RangeFunctions.delta(up, windowStart: s, windowEnd: e), 200))
        #expect(close(RangeFunctions.delta(down, windowStart: s, windowEnd: e), -200))
        #expect(RangeFunctions.idelta(series(step: 5 * m, [0, 50, 100, 150]), windowStart: s, windowEnd: e) == 50)
        #expect(RangeFunctions.idelta(series(step: 5 * m, [0, 50, 100, 50]), windowStart: s, windowEnd: e) == -50)
    }

    @Test func windowIsLeftOpenRightClosedAndNeedsTwoPoints() {
        let points = series(step: 10_000, [0, 10, 20, 30])  // t = 0, 10s, 20s, 30s
        let ts = { (ms: Int64) in Timestamp(milliseconds: ms) }
        // (10s, 30s] holds 20s and 30s only: increase 10, spaced 10s; both edges within 1.1 intervals.
        #expect(RangeFunctions.increase(points, windowStart: ts(10_000), windowEnd: ts(30_000)) == 20)
        // (0, 10s] holds one point.
        #expect(RangeFunctions.rate(points, windowStart: ts(0), windowEnd: ts(10_000)) == nil)
        #expect(RangeFunctions.irate(points, windowStart: ts(0), windowEnd: ts(10_000)) == nil)
        #expect(RangeFunctions.delta([], windowStart: ts(0), windowEnd: ts(10_000)) == nil)
        // (-1ms, 30s] holds all four: the start edge extrapolates only to the counter's zero
        // point (t = 0), so the increase is 30 and the rate 30 / 30.001s.
        #expect(close(RangeFunctions.increase(points, windowStart: ts(-1), windowEnd: ts(30_000)), 30))
        #expect(close(RangeFunctions.rate(points, windowStart: ts(-1), windowEnd: ts(30_000)), 30 / 30.001))
    }
}
