import Telemetry

/// One bucket as read: its `le` label text and its cumulative count (or, for a window, the
/// cumulative bucket's increase).
public struct RawBucket: Sendable, Hashable {
    /// The `le` label value; nil when the bucket sample has no `le` label.
    public var le: String?
    public var count: Double

    public init(le: String?, count: Double) { self.le = le; self.count = count }
}

/// A classic (cumulative) histogram's buckets, checked: bounds ascending and distinct, the last
/// one `+Inf`, at least one finite bound, counts finite, non-negative and non-decreasing.
///
/// Build one with `HistogramBuckets.validate(_:)`, which says what is wrong instead of repairing
/// it: drift from a histogram that was not read faithfully would be a made-up number.
public struct HistogramBuckets: Sendable, Hashable {
    /// Upper bounds, ascending; the last is `+Inf`.
    public let upperBounds: [Double]
    /// Cumulative counts, one per bound; the last is the total.
    public let cumulativeCounts: [Double]

    /// The total number of observations (the `+Inf` bucket's count).
    public var total: Double { cumulativeCounts[cumulativeCounts.count - 1] }

    /// Counts per bin: bin `i` holds the observations in `(upperBounds[i-1], upperBounds[i]]`
    /// (bin 0: everything up to `upperBounds[0]`; the last bin: the `+Inf` overflow). Computed as
    /// `cumulative[i] - cumulative[i-1]`.
    public var binCounts: [Double] {
        var out = [Double](repeating: 0, count: cumulativeCounts.count)
        var previous = 0.0
        for (i, c) in cumulativeCounts.enumerated() {
            out[i] = c - previous
            previous = c
        }
        return out
    }

    /// The finite upper bounds (all but `+Inf`).
    public var finiteUpperBounds: ArraySlice<Double> { upperBounds.dropLast() }

    /// The observations above the highest finite bound (the `+Inf` bin).
    public var overflowCount: Double { total - cumulativeCounts[cumulativeCounts.count - 2] }

    /// Buckets already known to be valid (used by `validate`).
    init(checkedBounds: [Double], counts: [Double]) {
        upperBounds = checkedBounds; cumulativeCounts = counts
    }

    /// Checks numeric buckets, in any order. `what` names the counts in messages ("count" for an
    /// exposition, "increase" for a window).
    public static func validate(bounds: [(upperBound: Double, count: Double)],
                                what: String = "count") throws(DriftProblem) -> HistogramBuckets {
        try validate(bounds.map { (le: format($0.upperBound), bound: $0.upperBound, count: $0.count) }, what: what)
    }

    /// Checks buckets read from an exposition or a window: parses each `le`, then checks the
    /// layout and the counts.
    public static func validate(_ raw: [RawBucket], what: String = "count") throws(DriftProblem) -> HistogramBuckets {
        var parsed: [(le: String, bound: Double, count: Double)] = []
        parsed.reserveCapacity(raw.count)
        for bucket in raw {
            guard let le = bucket.le else {
                throw DriftProblem(.invalidBound, "a bucket sample has no le label")
            }
            guard let bound = parseBound(le) else {
                throw DriftProblem(.invalidBound, "le=\"\(le)\" is not a valid upper bound")
            }
            parsed.append((le: le, bound: bound, count: bucket.count))
        }
        return try validate(parsed, what: what)
    }

    private static func validate(_ input: [(le: String, bound: Double, count: Double)],
                                 what: String) throws(DriftProblem) -> HistogramBuckets {
        guard !input.isEmpty else { throw DriftProblem(.noData, "no buckets") }
        let sorted = input.sorted { $0.bound < $1.bound }
        for i in sorted.indices.dropFirst() where sorted[i].bound == sorted[i - 1].bound {
            throw DriftProblem(.duplicateBound,
                               "two buckets with the same upper bound: le=\"\(sorted[i - 1].le)\" and le=\"\(sorted[i].le)\"")
        }
        guard let top = sorted.last, top.bound == .infinity else {
            throw DriftProblem(.missingInfBucket, "no le=\"+Inf\" bucket, so the total count is unknown")
        }
        guard sorted.count >= 2 else {
            throw DriftProblem(.noFiniteBuckets, "only a le=\"+Inf\" bucket: no distribution to compare")
        }
        for b in sorted {
            if !b.count.isFinite {
                throw DriftProblem(.nonFiniteCount, "bucket le=\"\(b.le)\" has \(what) \(format(b.count))")
            }
            if b.count < 0 {
                throw DriftProblem(.negativeCount, "bucket le=\"\(b.le)\" has a negative \(what) \(format(b.count))")
            }
        }
        for i in sorted.indices.dropFirst() where sorted[i].count < sorted[i - 1].count {
            throw DriftProblem(.bucketsGoBackwards,
                               "buckets go backwards: le=\"\(sorted[i].le)\" has \(what) \(format(sorted[i].count)), "
                                   + "less than le=\"\(sorted[i - 1].le)\" with \(format(sorted[i - 1].count))")
        }
        return HistogramBuckets(checkedBounds: sorted.map(\.bound), counts: sorted.map(\.count))
    }

    /// An `le` value as Prometheus reads it (Go's `strconv.ParseFloat`: decimal, exponent,
    /// `+Inf`/`Inf`/`infinity` in any case); nil for text that is not a number, for NaN and for
    /// `-Inf` (no observation is at most -Inf).
    public static func parseBound(_ text: String) -> Double? {
        let trimmed = text
        guard !trimmed.isEmpty, let v = Double(trimmed) else { return nil }
        if v.isNaN || v == -.infinity { return nil }
        return v
    }

    /// A bound or count for a message: integers without a fraction, `+Inf`, `NaN`.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v == .infinity { return "+Inf" }
        if v == -.infinity { return "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
