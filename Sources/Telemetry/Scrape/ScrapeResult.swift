/// A place metrics are read from: an HTTP(S) endpoint, a `file://` path, or a built-in
/// demo server (`demo://NAME`).
public struct ScrapeTarget: Hashable, Sendable {
    public var name: String
    public var url: String
    public var interval: Milliseconds
    public var timeout: Milliseconds

    public init(name: String, url: String, interval: Milliseconds = .seconds(15), timeout: Milliseconds = .seconds(10)) {
        self.name = name; self.url = url; self.interval = interval; self.timeout = timeout
    }
}

/// Why a scrape produced no samples.
public enum ScrapeFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The body was not a valid exposition.
    case parse(ExpositionError)
    /// The server answered with a non-2xx status.
    case http(status: Int)
    /// Connection refused, DNS failure, file missing, ...
    case transport(String)
    /// No complete answer within the target's timeout.
    case timeout(Milliseconds)
    /// The body was larger than the limit.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .parse(let e): return "parse error at \(e.line):\(e.column): \(e.message)"
        case .http(let s): return "HTTP status \(s)"
        case .transport(let m): return m
        case .timeout(let t): return "timed out after \(t.seconds)s"
        case .tooLarge(let limit): return "body larger than \(limit) bytes"
        }
    }
}

/// The result of reading one target once: when it started, how long it took, and either the
/// parsed families or why it failed.
public struct ScrapeResult: Sendable, Hashable {
    public var target: String
    public var startedAt: Timestamp
    public var duration: Milliseconds
    public var outcome: Outcome
    public var bodyBytes: Int

    public enum Outcome: Sendable, Hashable {
        case success([MetricFamily])
        case failure(ScrapeFailure)
    }

    public init(target: String, startedAt: Timestamp, duration: Milliseconds, outcome: Outcome, bodyBytes: Int = 0) {
        self.target = target; self.startedAt = startedAt; self.duration = duration
        self.outcome = outcome; self.bodyBytes = bodyBytes
    }
}
