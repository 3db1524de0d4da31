import Foundation
import Telemetry

/// The drift statistics between two histograms with the same buckets. See `docs/drift.md` for
/// every formula; the SciPy agreement test (`Tests/DifferentialTests/DriftAgreementTests.swift`)
/// checks each one.
public struct DriftStatistics: Sendable, Hashable {
    /// Population Stability Index over all bins, the `+Inf` overflow bin included, with zero
    /// shares replaced by `DriftMath.psiEpsilon`.
    public var psi: Double
    /// Jensen–Shannon distance, base 2 (0...1), over all bins, the overflow bin included.
    public var jsDistance: Double
    /// Two-sample Kolmogorov–Smirnov statistic on the cumulative bucket fractions (0...1).
    public var ks: Double
    /// Wasserstein-1 distance over the finite bins, each bin's mass at its representative point
    /// (`DriftMath.representativePoints`), in the histogram's unit. Nil when either side has
    /// no observation in a finite bin (`wassersteinProblem` says so).
    public var wasserstein: Double?
    /// Why `wasserstein` is nil.
    public var wassersteinProblem: DriftProblem?
    /// Observations on each side (the `+Inf` bucket's count or increase).
    public var referenceCount: Double
    public var currentCount: Double
    /// The share of each side's observations above the highest finite bound (0...1), which
    /// Wasserstein-1 leaves out.
    public var referenceOverflowShare: Double
    public var currentOverflowShare: Double
    /// The shared upper bounds (the last is `+Inf`).
    public var upperBounds: [Double]

    public init(psi: Double, jsDistance: Double, ks: Double, wasserstein: Double?, wassersteinProblem: DriftProblem?,
                referenceCount: Double, currentCount: Double, referenceOverflowShare: Double,
                currentOverflowShare: Double, upperBounds: [Double]) {
        self.psi = psi; self.jsDistance = jsDistance; self.ks = ks
        self.wasserstein = wasserstein; self.wassersteinProblem = wassersteinProblem
        self.referenceCount = referenceCount; self.currentCount = currentCount
        self.referenceOverflowShare = referenceOverflowShare; self.currentOverflowShare = currentOverflowShare
        self.upperBounds = upperBounds
    }

    /// The usual reading of PSI: below 0.1 stable, 0.1 up to 0.25 a moderate shift, from 0.25 a
    /// significant one.
    public var psiBand: PSIBand { PSIBand(psi) }
}

/// The rule-of-thumb bands of the Population Stability Index.
public enum PSIBand: String, Sendable, Hashable {
    case stable, moderate, significant

    public init(_ psi: Double) {
        self = psi < 0.1 ? .stable : (psi < 0.25 ? .moderate : .significant)
    }
}

/// Either the statistics or the reason there are none.
public enum DriftOutcome: Sendable, Hashable {
    case computed(DriftStatistics)
    case unavailable(DriftProblem)

    public var statistics: DriftStatistics? {
        if case .computed(let s) = self { return s }
        return nil
    }
    public var problem: DriftProblem? {
        if case .unavailable(let p) = self { return p }
        return nil
    }
}

/// The statistics themselves, on plain arrays, so that each can be tested alone.
public enum DriftMath {
    /// The share that replaces a zero share in PSI (1e-4, as common implementations do). Shares
    /// are not renormalized after the replacement.
    public static let psiEpsilon = 1e-4

    /// The default minimum number of observations on each side.
    public static let defaultMinimumCount = 100.0

    /// All four statistics between two validated histograms. Both totals must reach
    /// `minimumCount` and the bounds must be identical.
    public static func compare(reference: HistogramBuckets, current: HistogramBuckets,
                               minimumCount: Double = defaultMinimumCount) -> DriftOutcome {
        guard reference.upperBounds == current.upperBounds else {
            return .unavailable(DriftProblem(.layoutMismatch, layoutDifference(reference.upperBounds, current.upperBounds)))
        }
        let minimum = max(minimumCount, 0)
        if reference.total < minimum || current.total < minimum || reference.total <= 0 || current.total <= 0 {
            let side: DriftSide? = reference.total < minimum || reference.total <= 0
                ? (current.total < minimum || current.total <= 0 ? nil : .reference) : .current
            return .unavailable(DriftProblem(
                .tooFewObservations, side: side,
                "too few observations: reference \(HistogramBuckets.format(reference.total)), "
                    + "current \(HistogramBuckets.format(current.total)), at least \(HistogramBuckets.format(max(minimum, 1))) needed on each side"))
        }
        let refBins = reference.binCounts, curBins = current.binCounts
        let psiValue = psi(reference: refBins, current: curBins)
        let js = jensenShannonDistance(refBins, curBins)
        let ksValue = ks(referenceCumulative: reference.cumulativeCounts, currentCumulative: current.cumulativeCounts)

        let finite = refBins.count - 1
        let refFinite = Array(refBins[0..<finite]), curFinite = Array(curBins[0..<finite])
        var w1: Double?
        var w1Problem: DriftProblem?
        let refFiniteTotal = reference.cumulativeCounts[finite - 1], curFiniteTotal = current.cumulativeCounts[finite - 1]
        if refFiniteTotal <= 0 {
            w1Problem = DriftProblem(.noData, side: .reference, "every observation is above the highest finite bound (in +Inf)")
        } else if curFiniteTotal <= 0 {
            w1Problem = DriftProblem(.noData, side: .current, "every observation is above the highest finite bound (in +Inf)")
        } else {
            let points = representativePoints(finiteUpperBounds: Array(reference.finiteUpperBounds))
            w1 = wasserstein1(points: points, uWeights: refFinite, vWeights: curFinite)
        }
        return .computed(DriftStatistics(
            psi: psiValue, jsDistance: js, ks: ksValue, wasserstein: w1, wassersteinProblem: w1Problem,
            referenceCount: reference.total, currentCount: current.total,
            referenceOverflowShare: reference.overflowCount / reference.total,
            currentOverflowShare: current.overflowCount / current.total,
            upperBounds: reference.upperBounds))
    }

    /// PSI = Σ (qᵢ − pᵢ) · ln(qᵢ / pᵢ), with pᵢ = reference binᵢ / reference total and qᵢ the
    /// same for the current side; a share that is exactly 0 is replaced by `epsilon` (no
    /// renormalization). A bin empty on both sides contributes 0.
    public static func psi(reference: [Double], current: [Double], epsilon: Double = psiEpsilon) -> Double {
        precondition(reference.count == current.count, "PSI needs bins of the same layout")
        let p = shares(reference), q = shares(current)
        var sum = 0.0
        for i in p.indices {
            let pi = p[i] == 0 ? epsilon : p[i]
            let qi = q[i] == 0 ? epsilon : q[i]
            sum += (qi - pi) * log(qi / pi)
        }
        return sum
    }

    /// Jensen–Shannon distance in base 2, as `scipy.spatial.distance.jensenshannon(p, q, base=2)`:
    /// both count vectors normalized to sum 1, m = (p + q) / 2,
    /// JS = sqrt((Σ rel_entr(p, m) + Σ rel_entr(q, m)) / 2 / ln 2), where rel_entr(x, y) is
    /// x·ln(x/y) for x > 0 and 0 for x = 0. In [0, 1]. A rounding-negative divergence reads as 0.
    public static func jensenShannonDistance(_ pCounts: [Double], _ qCounts: [Double]) -> Double {
        precondition(pCounts.count == qCounts.count, "JS needs bins of the same layout")
        let p = shares(pCounts), q = shares(qCounts)
        var left = 0.0, right = 0.0
        for i in p.indices {
            let m = (p[i] + q[i]) / 2
            if p[i] > 0 { left += p[i] * log(p[i] / m) }
            if q[i] > 0 { right += q[i] * log(q[i] / m) }
        }
        let divergence = (left + right) / log(2.0) / 2
        return divergence > 0 ? divergence.squareRoot() : 0
    }

    /// max over the bucket bounds of |F_ref(b) − F_cur(b)|, with F(b) = cumulative(b) / total.
    /// (At `+Inf` both are 1.)
    public static func ks(referenceCumulative: [Double], currentCumulative: [Double]) -> Double {
        precondition(referenceCumulative.count == currentCumulative.count, "KS needs bins of the same layout")
        guard let refTotal = referenceCumulative.last, let curTotal = currentCumulative.last,
              refTotal > 0, curTotal > 0 else { return .nan }
        var d = 0.0
        for i in referenceCumulative.indices {
            d = max(d, abs(referenceCumulative[i] / refTotal - currentCumulative[i] / curTotal))
        }
        return d
    }

    /// Where Wasserstein-1 puts each finite bin's mass: its midpoint. The first bin's lower edge
    /// is 0 when its upper bound is positive (Prometheus's `histogram_quantile` assumption); when
    /// the first bound is 0 or negative, the first bin's point is the bound itself.
    public static func representativePoints(finiteUpperBounds bounds: [Double]) -> [Double] {
        var points: [Double] = []
        points.reserveCapacity(bounds.count)
        for (i, b) in bounds.enumerated() {
            if i == 0 {
                points.append(b > 0 ? b / 2 : b)
            } else {
                points.append((bounds[i - 1] + b) / 2)
            }
        }
        return points
    }

    /// Wasserstein-1 between two weighted distributions on the same ascending points, as
    /// `scipy.stats.wasserstein_distance(points, points, u_weights, v_weights)`:
    /// Σᵢ |Uᵢ − Vᵢ| · (xᵢ₊₁ − xᵢ), with Uᵢ = Σ_{j≤i} uⱼ / Σ u (and V likewise).
    public static func wasserstein1(points: [Double], uWeights: [Double], vWeights: [Double]) -> Double {
        precondition(points.count == uWeights.count && points.count == vWeights.count, "W1 needs one weight per point")
        guard points.count > 1 else { return 0 }
        var uCumulative = [Double](repeating: 0, count: points.count)
        var vCumulative = [Double](repeating: 0, count: points.count)
        var u = 0.0, v = 0.0
        for i in points.indices {
            u += uWeights[i]; v += vWeights[i]
            uCumulative[i] = u; vCumulative[i] = v
        }
        var sum = 0.0
        for i in 0..<(points.count - 1) {
            sum += abs(uCumulative[i] / u - vCumulative[i] / v) * (points[i + 1] - points[i])
        }
        return sum
    }

    /// Counts divided by their sum (all zeros stay zeros).
    static func shares(_ counts: [Double]) -> [Double] {
        let total = counts.reduce(0, +)
        guard total > 0 else { return counts.map { _ in 0 } }
        return counts.map { $0 / total }
    }

    /// Where two bucket layouts part.
    static func layoutDifference(_ a: [Double], _ b: [Double]) -> String {
        let show = { (bounds: [Double]) in bounds.map(HistogramBuckets.format).joined(separator: ", ") }
        if a.count != b.count {
            return "bucket layouts differ: reference has \(a.count) buckets (\(show(a))), current \(b.count) (\(show(b)))"
        }
        let i = a.indices.first { a[$0] != b[$0] } ?? 0
        return "bucket layouts differ: bucket \(i + 1) is le=\"\(HistogramBuckets.format(a[i]))\" in the reference "
            + "and le=\"\(HistogramBuckets.format(b[i]))\" in the current"
    }
}
