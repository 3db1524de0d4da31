import Foundation
import Models
import Telemetry
import Testing

/// Each drift statistic on small histograms computed by hand, and every input that must give a
/// reason instead of a number.
@Suite struct DriftStatisticsTests {
    func buckets(_ bounds: [Double], _ cumulative: [Double]) throws -> HistogramBuckets {
        try HistogramBuckets.validate(bounds: zip(bounds, cumulative).map { (upperBound: $0, count: $1) })
    }

    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test func identicalHistogramsHaveNoDrift() throws {
        let h = try buckets([1, 2, 5, .infinity], [10, 30, 90, 100])
        let s = try #require(DriftMath.compare(reference: h, current: h, minimumCount: 1).statistics)
        #expect(s.psi == 0 && s.jsDistance == 0 && s.ks == 0 && s.wasserstein == 0)
        #expect(s.referenceCount == 100 && s.currentCount == 100)
        #expect(s.referenceOverflowShare == 0.1 && s.currentOverflowShare == 0.1)
        #expect(s.psiBand == .stable)
    }

    /// Bounds 1, 2, +Inf. Reference bins 50/50/0, current 25/75/0.
    @Test func handComputedShift() throws {
        let ref = try buckets([1, 2, .infinity], [50, 100, 100])
        let cur = try buckets([1, 2, .infinity], [25, 100, 100])
        let s = try #require(DriftMath.compare(reference: ref, current: cur, minimumCount: 100).statistics)
        // PSI: (.25 − .5)·ln(.25/.5) + (.75 − .5)·ln(.75/.5) + 0 (the empty +Inf bin is ε on both
        // sides) = .25·ln 2 + .25·ln 1.5 = .25·ln 3.
        #expect(close(s.psi, 0.25 * log(3.0)))
        // JS: m = (.375, .625, 0).
        let left = 0.5 * log(0.5 / 0.375) + 0.5 * log(0.5 / 0.625)
        let right = 0.25 * log(0.25 / 0.375) + 0.75 * log(0.75 / 0.625)
        #expect(close(s.jsDistance, ((left + right) / 2 / log(2.0)).squareRoot()))
        // KS: the CDFs at le=1 are .5 and .25; at 2 and +Inf both 1.
        #expect(close(s.ks, 0.25))
        // W1: mass at the midpoints 0.5 and 1.5; |U − V| = .25 over a gap of 1.
        #expect(close(s.wasserstein, 0.25))
        #expect(s.referenceOverflowShare == 0 && s.currentOverflowShare == 0)
        #expect(s.psiBand == .significant)
    }

    /// Disjoint histograms: every zero share is replaced by ε = 1e-4, without renormalizing.
    @Test func epsilonForEmptyBins() throws {
        let ref = try buckets([1, 2, .infinity], [100, 100, 100])
        let cur = try buckets([1, 2, .infinity], [0, 100, 100])
        let s = try #require(DriftMath.compare(reference: ref, current: cur, minimumCount: 1).statistics)
        // (ε − 1)·ln(ε/1) + (1 − ε)·ln(1/ε) + (ε − ε)·ln 1 = 2(1 − ε)·ln(1/ε).
        let eps = DriftMath.psiEpsilon
        #expect(eps == 1e-4)
        #expect(close(s.psi, 2 * (1 - eps) * log(1 / eps)))
        #expect(close(s.jsDistance, 1))
        #expect(s.ks == 1)
        #expect(close(s.wasserstein, 1))
        #expect(close(DriftMath.psi(reference: [1, 0], current: [0, 1], epsilon: 0.01), 2 * 0.99 * log(100)))
    }

    @Test func overflowIsReportedAndLeftOutOfWasserstein() throws {
        // Reference: 50 ≤ 1, 50 in (1, 2], 100 above 2. Current: the same finite shape, no overflow.
        let ref = try buckets([1, 2, .infinity], [50, 100, 200])
        let cur = try buckets([1, 2, .infinity], [50, 100, 100])
        let s = try #require(DriftMath.compare(reference: ref, current: cur, minimumCount: 1).statistics)
        #expect(s.referenceOverflowShare == 0.5 && s.currentOverflowShare == 0)
        #expect(s.wasserstein == 0)  // the finite bins have the same shape
        #expect(s.psi > 0 && s.ks == 0.5)  // at le=2: .5 against 1
    }

    @Test func wassersteinUnavailableWhenOneSideIsAllOverflow() throws {
        let ref = try buckets([1, 2, .infinity], [0, 0, 150])
        let cur = try buckets([1, 2, .infinity], [50, 100, 150])
        let s = try #require(DriftMath.compare(reference: ref, current: cur, minimumCount: 1).statistics)
        #expect(s.wasserstein == nil)
        #expect(s.wassersteinProblem?.side == .reference)
        #expect(s.wassersteinProblem?.description.contains("+Inf") == true)
        #expect(s.referenceOverflowShare == 1)
    }

    @Test func representativePoints() {
        #expect(DriftMath.representativePoints(finiteUpperBounds: [1, 2, 4]) == [0.5, 1.5, 3])
        #expect(DriftMath.representativePoints(finiteUpperBounds: [-1, 0, 1]) == [-1, -0.5, 0.5])
        #expect(DriftMath.representativePoints(finiteUpperBounds: [0, 10]) == [0, 5])
    }

    @Test func wassersteinOnUnequalTotals() {
        // Weights are normalized per side: 1:3 and 2:6 are the same distribution.
        #expect(DriftMath.wasserstein1(points: [0, 10], uWeights: [1, 3], vWeights: [2, 6]) == 0)
        // All mass at 0 against all at 10: 10.
        #expect(DriftMath.wasserstein1(points: [0, 5, 10], uWeights: [4, 0, 0], vWeights: [0, 0, 7]) == 10)
    }

    @Test func minimumCountGuardsBothSides() throws {
        let big = try buckets([1, .infinity], [300, 500])
        let small = try buckets([1, .infinity], [20, 40])
        let p = try #require(DriftMath.compare(reference: big, current: small, minimumCount: 100).problem)
        #expect(p.kind == .tooFewObservations)
        #expect(p.side == .current)
        #expect(p.description == "cannot compute: current: too few observations: reference 500, current 40, at least 100 needed on each side")
        let q = try #require(DriftMath.compare(reference: small, current: big, minimumCount: 100).problem)
        #expect(q.side == .reference)
        // An empty side is never compared, even with a minimum of 0.
        let empty = try buckets([1, .infinity], [0, 0])
        #expect(DriftMath.compare(reference: empty, current: big, minimumCount: 0).problem?.kind == .tooFewObservations)
        #expect(DriftMath.compare(reference: big, current: big, minimumCount: 500).statistics != nil)
    }

    @Test func differentLayoutsAreNotCompared() throws {
        let a = try buckets([1, 2, .infinity], [10, 20, 30])
        let b = try buckets([1, 3, .infinity], [10, 20, 30])
        let c = try buckets([1, .infinity], [10, 30])
        let p = try #require(DriftMath.compare(reference: a, current: b, minimumCount: 1).problem)
        #expect(p.kind == .layoutMismatch)
        #expect(p.description == "cannot compute: bucket layouts differ: bucket 2 is le=\"2\" in the reference and le=\"3\" in the current")
        #expect(DriftMath.compare(reference: a, current: c, minimumCount: 1).problem?.kind == .layoutMismatch)
    }

    // MARK: Bad buckets

    func problem(_ raw: [(String?, Double)]) -> DriftProblem? {
        do {
            _ = try HistogramBuckets.validate(raw.map { RawBucket(le: $0.0, count: $0.1) })
            return nil
        } catch {
            return error
        }
    }

    @Test func badBucketsSayWhy() {
        #expect(problem([("1", 3), ("2", 5)])?.kind == .missingInfBucket)
        #expect(problem([("1", 3), ("2", 5)])?.description == "cannot compute: no le=\"+Inf\" bucket, so the total count is unknown")
        let backwards = problem([("1", 7), ("2", 5), ("+Inf", 9)])
        #expect(backwards?.kind == .bucketsGoBackwards)
        #expect(backwards?.detail == "buckets go backwards: le=\"2\" has count 5, less than le=\"1\" with 7")
        #expect(problem([("1", .nan), ("+Inf", 9)])?.kind == .nonFiniteCount)
        #expect(problem([("1", 1), ("+Inf", .infinity)])?.kind == .nonFiniteCount)
        #expect(problem([("1", -1), ("+Inf", 9)])?.kind == .negativeCount)
        let duplicate = problem([("0.5", 1), ("5e-1", 2), ("+Inf", 9)])
        #expect(duplicate?.kind == .duplicateBound)
        #expect(duplicate?.detail == "two buckets with the same upper bound: le=\"0.5\" and le=\"5e-1\"")
        #expect(problem([("abc", 1), ("+Inf", 9)])?.kind == .invalidBound)
        #expect(problem([("NaN", 1), ("+Inf", 9)])?.kind == .invalidBound)
        #expect(problem([("-Inf", 1), ("+Inf", 9)])?.kind == .invalidBound)
        #expect(problem([(nil, 1), ("+Inf", 9)])?.kind == .invalidBound)
        #expect(problem([("+Inf", 9)])?.kind == .noFiniteBuckets)
        #expect(problem([])?.kind == .noData)
    }

    @Test func bucketsInAnyOrderAndPrometheusSpellings() throws {
        let h = try HistogramBuckets.validate([RawBucket(le: "Inf", count: 10), RawBucket(le: "1e0", count: 4),
                                               RawBucket(le: "0.5", count: 1)])
        #expect(h.upperBounds == [0.5, 1, .infinity])
        #expect(h.cumulativeCounts == [1, 4, 10])
        #expect(h.binCounts == [1, 3, 6])
        #expect(h.total == 10 && h.overflowCount == 6)
        #expect(HistogramBuckets.parseBound("+Inf") == .infinity)
        #expect(HistogramBuckets.parseBound("-0.5") == -0.5)
        #expect(HistogramBuckets.parseBound("") == nil)
    }

    @Test func psiBands() {
        #expect(PSIBand(0.05) == .stable)
        #expect(PSIBand(0.1) == .moderate)
        #expect(PSIBand(0.2499) == .moderate)
        #expect(PSIBand(0.25) == .significant)
    }
}
