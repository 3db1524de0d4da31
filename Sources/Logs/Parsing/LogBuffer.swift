/// The log entries kept in memory: the newest `capacity` entries, with a count of those that
/// were dropped from memory (never from the way in: every line is parsed and counted).
public struct LogBuffer: Hashable, Sendable {
    public private(set) var entries: [LogEntry] = []
    public private(set) var droppedCount = 0
    public private(set) var receivedCount = 0
    public let capacity: Int

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public mutating func append(_ entry: LogEntry) {
        entries.append(entry)
        receivedCount += 1
        // Trim in batches so appends stay amortized O(1).
        if entries.count > capacity + capacity / 4 {
            let excess = entries.count - capacity
            entries.removeFirst(excess)
            droppedCount += excess
        }
    }

    /// The kept entries, oldest first, without the ones past capacity still awaiting a trim.
    public var visible: ArraySlice<LogEntry> { entries.suffix(capacity) }
}
