/// The closed chunks of a store ordered by their newest sample, oldest first: a binary
/// min-heap of references that are checked when popped (a chunk dropped by retention or with
/// its series leaves a stale entry behind, which the store skips and rebuilds away).
struct EvictionQueue: Sendable {
    struct Entry: Sendable {
        /// The chunk's newest timestamp: the eviction order.
        var maxTime: Int64
        /// The series slot and the incarnation of the series that held it when queued.
        var slot: Int32
        var incarnation: UInt64
        /// The chunk's sequence number within its series.
        var sequence: UInt64

        func before(_ other: Entry) -> Bool {
            (maxTime, incarnation, sequence) < (other.maxTime, other.incarnation, other.sequence)
        }
    }

    private(set) var entries: [Entry] = []

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    mutating func removeAll() { entries.removeAll(keepingCapacity: false) }

    mutating func push(_ e: Entry) {
        entries.append(e)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].before(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMin() -> Entry? {
        guard !entries.isEmpty else { return nil }
        let top = entries[0]
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < entries.count && entries[left].before(entries[smallest]) { smallest = left }
                if right < entries.count && entries[right].before(entries[smallest]) { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
