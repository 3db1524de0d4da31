import Logs
import Telemetry

/// Counts the entries each log rule matched, per model and log source, in one-second buckets,
/// so a rule's window can be summed exactly without keeping the entries (the log buffer may drop
/// them from memory; the counts do not depend on it). Memory is bounded by the longest window in
/// seconds per key.
public struct LogMatchCounter: Hashable, Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var rule: Int
        public var model: String?
        public var source: String
        public static func < (a: Key, b: Key) -> Bool {
            (a.rule, a.model ?? "", a.source) < (b.rule, b.model ?? "", b.source)
        }
    }

    /// Per key: second → matches in that second.
    var buckets: [Key: [Int64: Int]] = [:]

    public init() {}

    /// Counts a match at the entry's own time (so old lines read at start-up count in their own
    /// past, not now), unless that time is after it arrived: a clock ahead or a wrong zone counts
    /// at arrival.
    public mutating func record(rule: Int, entry: LogEntry, receivedAt: Timestamp) {
        let key = Key(rule: rule, model: entry.model, source: entry.source)
        let time = entry.time > receivedAt ? receivedAt : entry.time
        let second = Int64((Double(time.milliseconds) / 1000).rounded(.down))
        buckets[key, default: [:]][second, default: 0] += 1
    }

    /// Matches of `key` in `(now - window, now]`, to the second; older buckets are dropped.
    public mutating func count(_ key: Key, window: Milliseconds, at now: Timestamp) -> Int {
        let nowSecond = Int64((Double(now.milliseconds) / 1000).rounded(.down))
        let first = nowSecond - max(1, window.value / 1000) + 1
        guard var b = buckets[key] else { return 0 }
        b = b.filter { $0.key >= first }
        buckets[key] = b
        return b.reduce(0) { $0 + ($1.key <= nowSecond ? $1.value : 0) }
    }

    public var keys: [Key] { buckets.keys.sorted() }
}
