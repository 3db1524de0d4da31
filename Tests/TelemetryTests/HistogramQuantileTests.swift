import Testing
@testable import Telemetry

private func q(_ quantile: Double, _ buckets: [(Double, Double)]) -> Double? {
    HistogramQuantile.quantile(quantile, buckets: buckets.map { (upperBound: $0.0, count: $0.1) })
}
private func close(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    if b.isNaN { return a.isNaN }
    return a == b || abs(a - b) <= 1e-6 * max(abs(a), abs(b))
}

/// Expected values from Prometheus v3.5.0 `promql/promqltest/testdata/histograms.test`, with the
/// bucket counts of each test histogram at the evaluation time.
@Suite struct HistogramQuantileTests {
    // testhistogram at 50m.
    static let positive: [(Double, Double)] = [(0.1, 50), (0.2, 70), (1, 110), (.infinity, 120)]
    static let negative: [(Double, Double)] = [(-0.2, 10), (-0.1, 20), (0.3, 20), (.infinity, 30)]
    // testhistogram3 at 50m.
    static let positive3: [(Double, Double)] = [(0, 0), (0.1, 50), (0.2, 70), (1, 110), (.infinity, 110)]
    static let negative3: [(Double, Double)] = [(-0.25, 0), (-0.2, 10), (-0.1, 20), (0.3, 20), (.infinity, 20)]

    @Test(arguments: [(0.0, 0.0, -0.2), (1, 1, 0.3), (0.2, 0.048, -0.2), (0.5, 0.15, -0.15), (0.8, 0.72, 0.3)])
    func testhistogram(quantile: Double, positive: Double, negative: Double) {
        #expect(close(q(quantile, Self.positive), positive))
        #expect(close(q(quantile, Self.negative), negative))
    }

    @Test(arguments: [(0.0, 0.0, -0.25), (0.25, 0.055, -0.225), (0.5, 0.125, -0.2), (0.75, 0.45, -0.15), (1, 1, -0.1)])
    func testhistogram3(quantile: Double, positive: Double, negative: Double) {
        #expect(close(q(quantile, Self.positive3), positive))
        #expect(close(q(quantile, Self.negative3), negative))
    }

    @Test func quantilesInTheMiddleOfBuckets() {
        let buckets: [(Double, Double)] = [(0, 0), (2, 1), (4, 2), (6, 3), (.infinity, 3)]  // testhistogram2 at 7m
        #expect(close(q(1.0 / 6.0, buckets), 1))
        #expect(close(q(0.5, buckets), 3))
        #expect(close(q(5.0 / 6.0, buckets), 5))
    }

    @Test func outOfRangeAndNaNQuantiles() {
        #expect(q(-0.1, Self.positive) == -.infinity)
        #expect(q(1.01, Self.positive) == .infinity)
        #expect(q(.nan, Self.positive)?.isNaN == true)
    }

    @Test func aggregatedRates() {
        // sum(rate(request_duration_seconds_bucket[10m])) by (le), scaled counts.
        let buckets: [(Double, Double)] = [(0.1, 10), (0.2, 19), (.infinity, 25)]
        #expect(close(q(0.3, buckets), 0.075))
        #expect(close(q(0.5, buckets), 0.1277777777777778))
    }

    @Test func nonMonotonicBucketsAreFixed() {
        let buckets: [(Double, Double)] = [(0.1, 20), (1, 10), (10, 50), (100, 40), (1000, 90), (.infinity, 80)]
        #expect(close(q(0.01, buckets), 0.0045))
        #expect(close(q(0.5, buckets), 8.5))
        #expect(close(q(0.99, buckets), 979.75))
    }

    @Test func equalUpperBoundsAreMergedAndBucketOrderDoesNotMatter() {
        // mixed_bucket: le="0.2", "2e-1", "2.0e-1" are one bound; inputs unsorted.
        let buckets: [(Double, Double)] = [(.infinity, 4), (0.2, 1), (0.1, 1), (0.2, 1), (0.2, 1)]
        #expect(close(q(0.5, buckets), 0.15))
        #expect(close(q(0.75, buckets), 0.2))
        #expect(close(q(1, buckets), 0.2))
    }

    @Test func degenerateHistogramsGiveNaNAndNoBucketsGiveNil() {
        #expect(q(0.5, [(.infinity, 0), (.infinity, 0)])?.isNaN == true)         // one bound after merging
        #expect(q(0.2, [(0.1, 0), (0.2, 0), (.infinity, 0)])?.isNaN == true)     // no observations
        #expect(q(0.5, [(0.1, 1), (0.2, 2)])?.isNaN == true)                     // no +Inf bucket
        #expect(q(0.5, []) == nil)
    }

    @Test func rankInTheInfBucketReturnsTheSecondHighestBound() {
        #expect(q(0.99, [(1, 10), (5, 50), (.infinity, 100)]) == 5)
    }

    @Test func tinyFloatingPointDecreasesAreIgnored() {
        // 10 then 10 - 1e-15 is noise: treated as equal, so the rank falls in the first bucket.
        let buckets: [(Double, Double)] = [(1, 10), (2, 10 - 1e-15), (.infinity, 20)]
        #expect(close(q(0.25, buckets), 0.5))
        #expect(HistogramQuantile.almostEqual(1, 1 + 1e-13, epsilon: 1e-12))
        #expect(!HistogramQuantile.almostEqual(1, 1 + 1e-11, epsilon: 1e-12))
        #expect(HistogramQuantile.almostEqual(0, 1e-321, epsilon: 1e-12))  // below 1e-12 * leastNormal
        #expect(!HistogramQuantile.almostEqual(0, 1e-300, epsilon: 1e-12))
    }
}
