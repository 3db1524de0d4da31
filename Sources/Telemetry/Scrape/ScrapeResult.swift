/// A place metrics are read from: an HTTP(S) endpoint, a `file://` path, or a built-in
/// demo server (`demo://NAME`).
public struct ScrapeTarget: Hashable, Sendable {
    public var name: String
    public var url: String
    public var interval: Milliseconds
    public var timeout: Milliseconds
    /// How to authenticate. Holds where the secret is, never the secret itself.
    public var auth: ScrapeAuth?

    public init(name: String, url: String, interval: Milliseconds = .seconds(15), timeout: Milliseconds = .seconds(10),
                auth: ScrapeAuth? = nil) {
        self.name = name; self.url = url; self.interval = interval; self.timeout = timeout; self.auth = auth
    }

    /// A fixed offset in `0..<interval` derived from the target's name and URL (FNV-1a, stable
    /// across runs), as Prometheus spreads its scrapes: many targets with the same interval do
    /// not all fire in the same millisecond, and a target keeps its phase after a reload.
    public var phase: Milliseconds {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (name + "\u{0}" + url).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Milliseconds(Int64(hash % UInt64(max(1, interval.value))))
    }
}

/// Credentials for a target, by reference: the secret is read from a file or an environment
/// variable at each scrape (so a rotated token is picked up) and is never stored, drawn,
/// logged or recorded.
public enum ScrapeAuth: Hashable, Sendable, CustomStringConvertible {
    case bearer(SecretSource)
    case basic(username: String, password: SecretSource)

    public var description: String {
        switch self {
        case .bearer(let source): return "bearer token from \(source)"
        case .basic(let user, let source): return "basic auth as \(user), password from \(source)"
        }
    }
}

/// Where a secret lives.
public enum SecretSource: Hashable, Sendable, CustomStringConvertible {
    case file(String)
    case environment(String)

    public var description: String {
        switch self {
        case .file(let path): return "file \(path)"
        case .environment(let name): return "$\(name)"
        }
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
