/// One complete line read from a followed file.
public struct FollowedLine: Hashable, Sendable {
    /// 1, 2, 3... per followed path, carried across rotations of that path: a gap or a
    /// repeat would be a bug, so consumers (and tests) can check delivery is exactly-once.
    public var sequence: UInt64
    /// The line without its `\n` (and without one trailing `\r`), decoded as UTF-8 with
    /// invalid bytes as U+FFFD. NUL bytes inside a line are kept (the UI makes them visible);
    /// NUL bytes at the start of a line are dropped (the sparse hole a writer without
    /// `O_APPEND` leaves after copy-truncate).
    public var text: String
    /// The line was longer than `LogFollowOptions.maxLineBytes`: `text` is its first
    /// `maxLineBytes` bytes and the rest, up to the next newline, was skipped.
    public var cut: Bool
    /// The file ended (rotated away, deleted, truncated beyond recovery) with these bytes and
    /// no newline after them.
    public var unterminated: Bool

    public init(sequence: UInt64, text: String, cut: Bool = false, unterminated: Bool = false) {
        self.sequence = sequence; self.text = text; self.cut = cut; self.unterminated = unterminated
    }
}

/// Something that happened to a followed path, for the timeline and the status screen.
public enum LogFollowNotice: Hashable, Sendable {
    /// A file is being read, from this byte offset (the start position, or 0 for a file that
    /// appeared or replaced a rotated one).
    case opened(offset: Int64)
    /// The path now names another file, or none: the old one was read to its end and closed.
    case rotated
    /// The file shrank under the reader (copy-truncate). When the copy was found beside it,
    /// the bytes not yet read were read from the copy (`recoveredFrom` names it).
    case truncated(recoveredFrom: String?)
    case statusChanged(FollowedFileStatus)
    /// A glob matched this path for the first time.
    case discovered
    /// A glob-matched file is gone and finished; it is no longer followed.
    case forgotten
}

/// What was read from one path in one poll.
public struct LogBatch: Hashable, Sendable {
    public var path: String
    public var lines: [FollowedLine]
    public var notices: [LogFollowNotice]
    public init(path: String, lines: [FollowedLine] = [], notices: [LogFollowNotice] = []) {
        self.path = path; self.lines = lines; self.notices = notices
    }
}

/// The state of one followed path, each with a word for the status screen.
public enum FollowedFileStatus: Hashable, Sendable, CustomStringConvertible {
    /// Reading the file the path names.
    case following
    /// The path was renamed away or deleted; the old file is still read until a new file at
    /// the path has data, or it has been quiet for `LogFollowOptions.rotationGrace`.
    case draining
    /// Nothing at the path (yet); checked on every poll.
    case waiting
    /// The path or its directory cannot be read; retried on every poll.
    case permissionDenied
    /// A directory, FIFO, socket or device: never opened for reading (a FIFO would block or
    /// steal a writer's data); checked again on every poll.
    case notRegularFile(LogFileKind)
    /// NUL bytes among the first 4 KiB (after any leading NUL padding): not read until the
    /// path names another file or the file is truncated.
    case binary
    case failed(String)

    public var description: String {
        switch self {
        case .following: return "following"
        case .draining: return "draining rotated file"
        case .waiting: return "waiting for file"
        case .permissionDenied: return "permission denied"
        case .notRegularFile(let kind): return "not a regular file (\(kind.rawValue))"
        case .binary: return "binary file, not read"
        case .failed(let why): return "error: \(why)"
        }
    }

    /// Whether lines can be flowing from this path right now.
    public var isHealthy: Bool { self == .following || self == .draining }
}

/// One row of the status screen.
public struct FollowedFileReport: Hashable, Sendable {
    public var path: String
    /// The glob that matched it, or nil for a path given as such.
    public var pattern: String?
    public var status: FollowedFileStatus
    public var linesDelivered: UInt64
    public var bytesRead: UInt64
    public var rotations: Int
    public var truncations: Int
    public var cutLines: Int
    /// Bytes of a partial line held until its newline (never more than `maxLineBytes`).
    public var pendingBytes: Int
    /// The read offset in the current file, and that file's size at the last poll.
    public var offset: Int64
    public var size: Int64
}

/// Where reading starts in files that exist when following starts. Files that appear
/// later (created, or replacing a rotated file) are always read from their first byte.
public enum LogStartPosition: Hashable, Sendable {
    /// After the last newline: only lines completed from now on (a line being written when
    /// following starts is delivered whole).
    case end
    /// The last `n` complete lines, then everything after them (`tail -n N -F`).
    case lines(Int)
    /// The whole file.
    case beginning
}

public struct LogFollowOptions: Hashable, Sendable {
    public var start: LogStartPosition
    /// The longest line delivered whole; longer ones are cut here and marked. Also the most
    /// memory a partial line can hold.
    public var maxLineBytes: Int
    /// Use inotify (Linux) to wake up on changes; with it a slow safety poll still runs.
    public var useInotify: Bool
    /// Between polls without inotify (or when inotify is unavailable).
    public var pollIntervalMilliseconds: Int
    /// Between polls with inotify, for what inotify cannot see (network file systems,
    /// directories matched by a wildcard that did not exist yet).
    public var safetyPollMilliseconds: Int
    /// The least time between two polls after inotify wake-ups: batches a burst of writes.
    public var coalesceMilliseconds: Int
    /// How long a rotated-away or deleted file that no longer grows is kept open while its
    /// path is empty or missing (a writer may still be writing to it before reopening).
    public var rotationGraceMilliseconds: Int
    /// The most bytes read from one file in one poll, so one busy file cannot starve others.
    public var maxBytesPerPoll: Int
    /// Look for the copy after a copy-truncate (`NAME.1`, `NAME-20240101`, ... beside the
    /// file, matched by content) and read from it the bytes the truncation took away.
    public var recoverCopyTruncate: Bool

    public init(start: LogStartPosition = .end, maxLineBytes: Int = 1 << 20, useInotify: Bool = true,
                pollIntervalMilliseconds: Int = 100, safetyPollMilliseconds: Int = 1000,
                coalesceMilliseconds: Int = 10, rotationGraceMilliseconds: Int = 1000,
                maxBytesPerPoll: Int = 8 << 20, recoverCopyTruncate: Bool = true) {
        self.start = start
        self.maxLineBytes = max(1, maxLineBytes)
        self.useInotify = useInotify
        self.pollIntervalMilliseconds = max(1, pollIntervalMilliseconds)
        self.safetyPollMilliseconds = max(1, safetyPollMilliseconds)
        self.coalesceMilliseconds = max(0, coalesceMilliseconds)
        self.rotationGraceMilliseconds = max(0, rotationGraceMilliseconds)
        self.maxBytesPerPoll = max(4096, maxBytesPerPoll)
        self.recoverCopyTruncate = recoverCopyTruncate
    }
}
