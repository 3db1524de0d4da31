import Telemetry

/// Timers waiting to fire, in due order (ties in the order they were scheduled).
public struct TimerQueue: Sendable {
    private var entries: [(due: Timestamp, sequence: Int, timer: Timer)] = []
    private var nextSequence = 0

    public init() {}

    public mutating func schedule(_ timer: Timer, at due: Timestamp) {
        let entry = (due: due, sequence: nextSequence, timer: timer)
        nextSequence += 1
        let index = entries.firstIndex { ($0.due, $0.sequence) > (due, entry.sequence) } ?? entries.count
        entries.insert(entry, at: index)
    }

    /// When the earliest timer is due.
    public var nextDue: Timestamp? { entries.first?.due }

    /// Removes and returns the earliest timer if it is due at or before `now`.
    public mutating func popDue(at now: Timestamp) -> (due: Timestamp, timer: Timer)? {
        guard let first = entries.first, first.due <= now else { return nil }
        entries.removeFirst()
        return (first.due, first.timer)
    }

    public var count: Int { entries.count }
}
