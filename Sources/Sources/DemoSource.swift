import DemoFleet
import Synchronization
import Telemetry

/// The demo fleet as a source: owns a `Fleet` behind a lock so that the run loop (advancing
/// time, draining logs) and concurrent scrapes (`demo://NAME`) can share it.
public final class DemoSource: Sendable {
    private let fleet: Mutex<Fleet>

    public init(seed: UInt64 = 42) {
        fleet = Mutex(Fleet(seed: seed))
    }

    public var targetNames: [String] { Fleet.targetNames }

    /// Advances the fleet to `elapsed` since the demo started (never backwards).
    public func advance(to elapsed: Milliseconds) {
        fleet.withLock { $0.advance(to: elapsed.value) }
    }

    /// The target's exposition text at the fleet's current time, or nil for an unknown name.
    public func exposition(for target: String) -> String? {
        fleet.withLock { $0.exposition(for: target) }
    }

    /// Log lines written since the last call, oldest first.
    public func drainLogLines() -> [DemoLogLine] {
        fleet.withLock { $0.drainLogLines() }
    }

    /// The scripted incident (offsets within each 600 s cycle).
    public var scenario: [ScenarioEvent] { fleet.withLock { $0.scenario } }

    /// How far the fleet has been advanced.
    public var elapsed: Milliseconds { fleet.withLock { Milliseconds($0.elapsedMilliseconds) } }
}

public extension DemoLogLine {
    /// When the line was written, since the demo start.
    var elapsed: Milliseconds { Milliseconds(elapsedMilliseconds) }
}

public extension Fleet {
    /// `advance(to:)` taking Telemetry's `Milliseconds`.
    mutating func advance(to elapsed: Milliseconds) { advance(to: elapsed.value) }
}
