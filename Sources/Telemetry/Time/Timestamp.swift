/// A point in time, in milliseconds since the Unix epoch, as Prometheus stores it.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public init(seconds: Double) { self.milliseconds = Int64((seconds * 1000).rounded()) }

    public var seconds: Double { Double(milliseconds) / 1000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }
    public static func + (t: Timestamp, d: Milliseconds) -> Timestamp { Timestamp(milliseconds: t.milliseconds + d.value) }
    public static func - (t: Timestamp, d: Milliseconds) -> Timestamp { Timestamp(milliseconds: t.milliseconds - d.value) }
    public static func - (a: Timestamp, b: Timestamp) -> Milliseconds { Milliseconds(a.milliseconds - b.milliseconds) }

    public var description: String { "\(milliseconds)ms" }
}

/// A span of time in milliseconds. Kept separate from `Swift.Duration` so that arithmetic on
/// timestamps stays integral and exact, as in Prometheus.
public struct Milliseconds: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: Int64
    public init(_ value: Int64) { self.value = value }

    public static func seconds(_ s: Int64) -> Milliseconds { Milliseconds(s * 1000) }
    public static func minutes(_ m: Int64) -> Milliseconds { Milliseconds(m * 60_000) }
    public var seconds: Double { Double(value) / 1000 }

    public static func < (a: Milliseconds, b: Milliseconds) -> Bool { a.value < b.value }
    public static func + (a: Milliseconds, b: Milliseconds) -> Milliseconds { Milliseconds(a.value + b.value) }
    public static func * (a: Milliseconds, k: Int64) -> Milliseconds { Milliseconds(a.value * k) }

    public var description: String { "\(value)ms" }
}
