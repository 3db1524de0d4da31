/// PromQL's range-vector functions over one series' points, computed exactly as Prometheus 3.x
/// does for float samples.
///
/// Every function takes the points of a series (in time order, as `SeriesStore.points`
/// returns them) and the window `(windowStart, windowEnd]`: left-open and right-closed, as a
/// range selector `x[d]` evaluated at `windowEnd` with `windowStart = windowEnd - d`. Points
/// outside the window are ignored, so a caller may pass a wider slice. Each returns nil where
/// Prometheus returns no sample (fewer than two points in the window).
public enum RangeFunctions {
    /// `rate(x[d])`: the per-second increase of a counter over the window, with counter resets
    /// accounted for and extrapolation to the window edges (see `increase`).
    public static func rate(_ points: [Point], windowStart: Timestamp, windowEnd: Timestamp) -> Double? {
        extrapolatedRate(points, windowStart: windowStart, windowEnd: windowEnd, isCounter: true, isRate: true)
    }

    /// `increase(x[d])`: how much a counter grew over the window.
    ///
    /// As Prometheus's `extrapolatedRate`: the difference between the last and first point,
    /// plus the value before every drop (a counter reset), is extrapolated from the sampled
    /// interval to the window edges. An edge is extrapolated to only when the first/last point
    /// lies within 1.1 average sample intervals of it, otherwise by half an average interval;
    /// and never back past the time where the counter would have been zero.
    public static func increase(_ points: [Point], windowStart: Timestamp, windowEnd: Timestamp) -> Double? {
        extrapolatedRate(points, windowStart: windowStart, windowEnd: windowEnd, isCounter: true, isRate: false)
    }

    /// `delta(x[d])`: the change of a gauge over the window, extrapolated like `increase` but
    /// without counter-reset handling or the zero limit.
    public static func delta(_ points: [Point], windowStart: Timestamp, windowEnd: Timestamp) -> Double? {
        extrapolatedRate(points, windowStart: windowStart, windowEnd: windowEnd, isCounter: false, isRate: false)
    }

    /// `irate(x[d])`: the per-second rate between the last two points of the window. After a
    /// counter reset (the last value below the one before) the rate is the last value over the
    /// interval.
    public static func irate(_ points: [Point], windowStart: Timestamp, windowEnd: Timestamp) -> Double? {
        instantValue(points, windowStart: windowStart, windowEnd: windowEnd, isRate: true)
    }

    /// `idelta(x[d])`: the difference between the last two points of the window.
    public static func idelta(_ points: [Point], windowStart: Timestamp, windowEnd: Timestamp) -> Double? {
        instantValue(points, windowStart: windowStart, windowEnd: windowEnd, isRate: false)
    }

    // MARK: Prometheus's algorithms

    /// The points with `windowStart < t <= windowEnd`.
    static func window(_ points: [Point], _ windowStart: Timestamp, _ windowEnd: Timestamp) -> ArraySlice<Point> {
        var low = 0, high = points.count
        while low < high {  // first index with t > windowStart
            let mid = (low + high) / 2
            if points[mid].t <= windowStart { low = mid + 1 } else { high = mid }
        }
        var end = low
        high = points.count
        while end < high {  // first index with t > windowEnd
            let mid = (end + high) / 2
            if points[mid].t <= windowEnd { end = mid + 1 } else { high = mid }
        }
        return points[low..<end]
    }

    /// Prometheus's `extrapolatedRate` (promql/functions.go), float samples only.
    static func extrapolatedRate(_ all: [Point], windowStart: Timestamp, windowEnd: Timestamp,
                                 isCounter: Bool, isRate: Bool) -> Double? {
        let samples = window(all, windowStart, windowEnd)
        guard samples.count >= 2, let first = samples.first, let last = samples.last else { return nil }

        var result = last.v - first.v
        if isCounter {
            var previous = first.v
            for point in samples.dropFirst() {
                if point.v < previous { result += previous }
                previous = point.v
            }
        }

        var durationToStart = Double(first.t.milliseconds - windowStart.milliseconds) / 1000
        var durationToEnd = Double(windowEnd.milliseconds - last.t.milliseconds) / 1000
        let sampledInterval = Double(last.t.milliseconds - first.t.milliseconds) / 1000
        let averageDurationBetweenSamples = sampledInterval / Double(samples.count - 1)
        let extrapolationThreshold = averageDurationBetweenSamples * 1.1

        if durationToStart >= extrapolationThreshold {
            durationToStart = averageDurationBetweenSamples / 2
        }
        if isCounter {
            // Counters cannot be negative: do not extrapolate back past the zero point.
            var durationToZero = durationToStart
            if result > 0 && first.v >= 0 {
                durationToZero = sampledInterval * (first.v / result)
            }
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        if durationToEnd >= extrapolationThreshold {
            durationToEnd = averageDurationBetweenSamples / 2
        }

        var factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval
        if isRate {
            factor /= Double(windowEnd.milliseconds - windowStart.milliseconds) / 1000
        }
        return result * factor
    }

    /// Prometheus's `instantValue` (irate/idelta), float samples only.
    static func instantValue(_ all: [Point], windowStart: Timestamp, windowEnd: Timestamp, isRate: Bool) -> Double? {
        let samples = window(all, windowStart, windowEnd)
        guard samples.count >= 2 else { return nil }
        let last = samples[samples.endIndex - 1]
        let previous = samples[samples.endIndex - 2]
        var result: Double
        if isRate && last.v < previous.v {
            result = last.v  // Counter reset.
        } else {
            result = last.v - previous.v
        }
        let sampledInterval = last.t.milliseconds - previous.t.milliseconds
        if sampledInterval == 0 { return nil }
        if isRate { result /= Double(sampledInterval) / 1000 }
        return result
    }
}
