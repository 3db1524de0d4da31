#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Telemetry

/// The real clock: wall-clock time for timestamps, a monotonic clock for durations.
public struct SystemClock: Sendable {
    public init() {}

    /// Now, from `CLOCK_REALTIME`, in milliseconds since the Unix epoch.
    public func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// A `CLOCK_MONOTONIC` reading in nanoseconds: only differences mean anything.
    public func monotonicNanoseconds() -> UInt64 {
        SystemClock.monotonicNanoseconds()
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Milliseconds elapsed since an earlier `monotonicNanoseconds()` reading.
    public func millisecondsSince(_ start: UInt64) -> Milliseconds {
        let now = monotonicNanoseconds()
        return Milliseconds(Int64((now &- start) / 1_000_000))
    }
}
