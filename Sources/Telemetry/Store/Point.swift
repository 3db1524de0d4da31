/// One stored sample of a series: a timestamp and a value.
///
/// Two points are equal when their timestamps are equal and their values are equal or both NaN.
public struct Point: Hashable, Sendable, CustomStringConvertible {
    /// When the sample was taken.
    public var t: Timestamp
    /// The sample value.
    public var v: Double

    /// A point with value `v` at time `t`.
    public init(t: Timestamp, v: Double) { self.t = t; self.v = v }

    public static func == (a: Point, b: Point) -> Bool {
        a.t == b.t && (a.v == b.v || (a.v.isNaN && b.v.isNaN))
    }
    public func hash(into h: inout Hasher) {
        h.combine(t)
        // Equal values must hash equally: fold -0 into 0 and every NaN into one.
        h.combine(v.isNaN ? Double.nan.bitPattern : (v == 0 ? 0 : v.bitPattern))
    }

    /// Whether this is a staleness marker (`SeriesStore.staleMarker`, compared by bit pattern):
    /// the series ended here.
    public var isStale: Bool { v.bitPattern == SeriesStore.staleMarkerBits }

    public var description: String { "\(ExpositionWriter.formatValue(v)) @\(t.milliseconds)" }
}
