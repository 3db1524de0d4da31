import Telemetry

/// Which side of a drift comparison something concerns.
public enum DriftSide: String, Sendable, Hashable {
    case reference, current
}

/// Why a drift statistic was not computed. Drift code never makes up a number: every input it
/// cannot read faithfully ends here, with a reason a person can act on.
public struct DriftProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Fewer observations than the minimum count in a window (or in the baseline): not an
        /// error in the data, just not enough of it yet.
        case tooFewObservations
        /// No `le="+Inf"` bucket: the total count is unknown.
        case missingInfBucket
        /// An `le` value that is missing, not a number, NaN or -Inf.
        case invalidBound
        /// Two buckets with the same upper bound (`le="0.5"` and `le="5e-1"`).
        case duplicateBound
        /// Only a `+Inf` bucket: there is no distribution to compare.
        case noFiniteBuckets
        /// A NaN or infinite count.
        case nonFiniteCount
        /// A negative count.
        case negativeCount
        /// A bucket with a smaller cumulative count than the bucket below it.
        case bucketsGoBackwards
        /// The two sides have different bucket bounds.
        case layoutMismatch
        /// A window's bucket increases that a counter reset cannot explain.
        case inconsistentReset
        /// No samples (or too few to measure an increase) where there should be some.
        case noData
        /// No reference to compare with: the deploy is too recent, no baseline series matches,
        /// the series is missing on one side.
        case noReference
        /// The metric exists but is not a histogram.
        case notAHistogram
    }

    public var kind: Kind
    /// The side the problem was found on, when it concerns one side.
    public var side: DriftSide?
    /// What went wrong, in words, with the offending values (untrusted text: sanitize before
    /// drawing).
    public var detail: String

    public init(_ kind: Kind, side: DriftSide? = nil, _ detail: String) {
        self.kind = kind; self.side = side; self.detail = detail
    }

    /// The same problem, attributed to `side` (unless it already names one).
    public func on(_ side: DriftSide) -> DriftProblem {
        var copy = self
        if copy.side == nil { copy.side = side }
        return copy
    }

    /// `cannot compute: reference: no le="+Inf" bucket`.
    public var description: String {
        "cannot compute: " + (side.map { "\($0.rawValue): " } ?? "") + detail
    }
}
