/// PromQL's `histogram_quantile` over the buckets of one classic histogram, computed exactly as
/// Prometheus 3.x's `BucketQuantile` does.
public enum HistogramQuantile {
    /// The `q`-quantile of a classic histogram given as cumulative buckets (`le` upper bound and
    /// cumulative count), in any order.
    ///
    /// - `q < 0` gives `-Inf`, `q > 1` gives `+Inf`, a NaN `q` gives NaN.
    /// - Buckets are sorted by upper bound; buckets with equal bounds (`le="0.2"` and
    ///   `le="2e-1"`) are merged by adding their counts. A `+Inf` bucket is required, and at
    ///   least two buckets, and a non-zero total count, or the result is NaN.
    /// - Counts are made monotonic: differences within a relative 1e-12 are treated as
    ///   rounding noise, and any decrease is replaced by the previous count.
    /// - The quantile is linearly interpolated within the bucket its rank falls into; the
    ///   lowest bucket is taken to start at 0 when its upper bound is positive (and its upper
    ///   bound is returned when it is not). A rank in the `+Inf` bucket returns the upper bound
    ///   of the second-highest bucket.
    ///
    /// Returns nil only when `buckets` is empty (Prometheus has no series then); every other
    /// case gives Prometheus's value, NaN included.
    public static func quantile(_ q: Double, buckets: [(upperBound: Double, count: Double)]) -> Double? {
        if buckets.isEmpty { return nil }
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }

        var sorted = buckets.sorted { $0.upperBound < $1.upperBound }
        guard let top = sorted.last, top.upperBound == .infinity else { return .nan }
        sorted = coalesce(sorted)
        ensureMonotonic(&sorted, tolerance: 1e-12)
        if sorted.count < 2 { return .nan }

        let observations = sorted[sorted.count - 1].count
        if observations == 0 { return .nan }
        var rank = q * observations
        // The first bucket (excluding +Inf) whose count reaches the rank.
        var low = 0, high = sorted.count - 1
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid].count >= rank { high = mid } else { low = mid + 1 }
        }
        let b = low

        if b == sorted.count - 1 { return sorted[sorted.count - 2].upperBound }
        if b == 0 && sorted[0].upperBound <= 0 { return sorted[0].upperBound }
        var bucketStart = 0.0
        let bucketEnd = sorted[b].upperBound
        var count = sorted[b].count
        if b > 0 {
            bucketStart = sorted[b - 1].upperBound
            count -= sorted[b - 1].count
            rank -= sorted[b - 1].count
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count)
    }

    /// Merges adjacent buckets with the same upper bound, adding their counts.
    public static func coalesce(_ buckets: [(upperBound: Double, count: Double)]) -> [(upperBound: Double, count: Double)] {
        var out: [(upperBound: Double, count: Double)] = []
        out.reserveCapacity(buckets.count)
        for bucket in buckets {
            if let last = out.last, last.upperBound == bucket.upperBound {
                out[out.count - 1].count += bucket.count
            } else {
                out.append(bucket)
            }
        }
        return out
    }

    /// Prometheus's `ensureMonotonicAndIgnoreSmallDeltas`.
    public static func ensureMonotonic(_ buckets: inout [(upperBound: Double, count: Double)], tolerance: Double) {
        guard var previous = buckets.first?.count else { return }
        for i in buckets.indices.dropFirst() {
            let current = buckets[i].count
            if current == previous { continue }
            if almostEqual(previous, current, epsilon: tolerance) || current < previous {
                buckets[i].count = previous
                continue
            }
            previous = current
        }
    }

    /// Prometheus's `almost.Equal`: relative comparison with special care near zero.
    public static func almostEqual(_ a: Double, _ b: Double, epsilon: Double) -> Bool {
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        let absSum = abs(a) + abs(b)
        let diff = abs(a - b)
        let minNormal = Double.leastNormalMagnitude
        if a == 0 || b == 0 || absSum < minNormal { return diff < epsilon * minNormal }
        return diff / min(absSum, Double.greatestFiniteMagnitude) < epsilon
    }
}
