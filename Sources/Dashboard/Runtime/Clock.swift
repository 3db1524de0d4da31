import Synchronization
import Telemetry

/// The only source of time. Live mode reads the system clock (in the Sources module);
/// replay and tests use `VirtualClock` and advance it themselves.
public protocol Clock: Sendable {
    func now() -> Timestamp
}

/// A clock that moves only when told to.
public final class VirtualClock: Clock {
    private let current: Mutex<Int64>

    public init(start: Timestamp) { current = Mutex(start.milliseconds) }

    public func now() -> Timestamp { Timestamp(milliseconds: current.withLock { $0 }) }

    public func advance(by d: Milliseconds) { current.withLock { $0 += d.value } }

    public func set(_ t: Timestamp) { current.withLock { $0 = max($0, t.milliseconds) } }
}
