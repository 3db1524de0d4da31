#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows files and globs like `tail -F`, one `poll()` at a time.
///
/// `poll()` never blocks: it stats every followed path, reads what is new (at most
/// `maxBytesPerPoll` per file), and returns complete lines with per-path sequence numbers.
/// When to call it: when `wakeFileDescriptor` (inotify) is readable, after
/// `suggestedTimeoutMilliseconds` otherwise, and at once while `hasMoreToRead`.
/// `LogFollowerThread` does exactly that on a thread of its own. To read files once and
/// stop (no following), call `poll()` while `hasMoreToRead`, then `finish()` for the last
/// lines without a newline.
///
/// Semantics, per path (`FollowedPath` has the state machine):
/// - rename or delete: the old file is read to its end through its open descriptor and kept
///   while the path is missing or empty and the old file still grows (a writer that has not
///   reopened yet), then closed; the new file is read from byte 0, after the old one's lines;
/// - copy-truncate: a file smaller than the offset, or whose bytes before the offset changed,
///   was truncated: what had not been read yet is read from the copy beside it when found
///   (`recoverCopyTruncate`), then the file from byte 0;
/// - missing, unreadable, not a regular file, binary: a status, checked again on every poll;
/// - lines over `maxLineBytes` (1 MiB) are cut and marked; memory per file stays bounded.
/// Known limits: two rotations of one path between two polls lose the middle file (as with
/// `tail -F`); bytes written to a rotated file after the new file has data are not read; a
/// copy compressed before the truncation is noticed cannot be recovered from.
///
/// Not thread-safe: one owner calls `poll()`.
public final class LogFollower {
    /// The paths and globs given (a glob has `*`, `?` or `[` in it).
    public let patterns: [String]
    public let options: LogFollowOptions
    private let fs: any LogFileSystem
    private var files: [String: FollowedPath] = [:]
    private var order: [String] = []
    /// Sequence numbers of glob-matched paths no longer followed, in case they come back.
    private var forgottenSequences: [String: UInt64] = [:]
    private let inotify: InotifyWatcher?
    private let scratch: UnsafeMutableRawBufferPointer
    private var polls = 0
    private var lastRescan: UInt64 = 0
    public private(set) var hasMoreToRead = false
    /// `finish()` was called: polls return nothing more.
    public private(set) var isFinished = false

    public init(patterns: [String], options: LogFollowOptions = LogFollowOptions(),
                fileSystem: any LogFileSystem = SystemLogFileSystem()) {
        self.patterns = patterns
        self.options = options
        self.fs = fileSystem
        self.inotify = options.useInotify ? InotifyWatcher() : nil
        self.scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        for pattern in patterns where !Self.isGlob(pattern) { add(pattern, pattern: nil, applyStart: true) }
    }

    deinit {
        for path in order { files[path]?.abandon(fs) }
        scratch.deallocate()
    }

    /// Readable when something changed in a watched directory; nil without inotify.
    public var wakeFileDescriptor: Int32? { inotify?.fd }

    /// Whether inotify is in use (else every poll is a timed one).
    public var usesInotify: Bool { inotify != nil }

    /// The longest the caller should wait before the next `poll()`.
    public var suggestedTimeoutMilliseconds: Int {
        if hasMoreToRead { return 0 }
        return timedPolling ? options.pollIntervalMilliseconds : options.safetyPollMilliseconds
    }

    /// Without inotify, or when a directory could not be watched (the watch limit, say),
    /// every poll is a timed one at the poll interval.
    private var timedPolling: Bool { inotify == nil || watchIncomplete }
    private var watchIncomplete = false

    /// One row per followed path, in the order given (glob matches sorted).
    public var reports: [FollowedFileReport] { order.compactMap { files[$0]?.report } }

    /// Directories inotify watches now (for diagnostics and tests).
    public var watchedDirectories: [String] { inotify?.watchedDirectories ?? [] }

    /// Reads what is new in every followed file. Batches come in path order, one per path
    /// that has lines or notices; within a batch lines are in file order.
    public func poll(now: UInt64 = SystemClock().monotonicNanoseconds()) -> [LogBatch] {
        guard !isFinished else { return [] }
        var rescan = polls == 0 || timedPolling
            || now &- lastRescan >= UInt64(options.safetyPollMilliseconds) * 1_000_000
        // Without a reason to look (a safety poll, a followed file written, entries changed,
        // more to read, a rotated file still draining), a wake-up costs no stat at all.
        var look = rescan || hasMoreToRead || order.contains { files[$0]?.status == .draining }
        if let inotify {
            let drained = inotify.drain(isRelevant: isRelevantName)
            if drained.entriesChanged { rescan = true }
            if drained.entriesChanged || drained.relevantChange { look = true }
        }
        guard look else { return [] }
        var batches: [LogBatch] = []
        if rescan {
            lastRescan = now
            expandGlobs(&batches)
            if let inotify { watchDirectories(inotify) }
        }
        let ctx = PollContext(fs: fs, options: options, now: now, scratch: scratch)
        var more = false
        var gone: [String] = []
        for path in order {
            guard var followed = files[path] else { continue }
            files[path] = nil  // keep the assembler's buffer uniquely referenced while it is mutated
            var batch = batches.firstIndex(where: { $0.path == path }).map { batches.remove(at: $0) } ?? LogBatch(path: path)
            if followed.poll(ctx, into: &batch) { more = true }
            if followed.isGone {
                batch.notices.append(.forgotten)
                forgottenSequences[path] = followed.nextSequence
                gone.append(path)
            } else {
                files[path] = followed
            }
            if !batch.lines.isEmpty || !batch.notices.isEmpty { batches.append(batch) }
        }
        if !gone.isEmpty { order.removeAll { gone.contains($0) } }
        hasMoreToRead = more
        polls += 1
        return batches
    }

    /// Ends reading (`modelwatch logs` without `--follow`, or a shutdown that wants every
    /// byte): reads what is left of every open file, delivers held partial lines (marked
    /// `unterminated`) and closes the files. Later polls return nothing.
    public func finish(now: UInt64 = SystemClock().monotonicNanoseconds()) -> [LogBatch] {
        guard !isFinished else { return [] }
        var batches = poll(now: now)
        let ctx = PollContext(fs: fs, options: options, now: now, scratch: scratch)
        for path in order {
            guard var followed = files[path] else { continue }
            files[path] = nil
            var batch = LogBatch(path: path)
            followed.finish(ctx, into: &batch)
            files[path] = followed
            guard !batch.lines.isEmpty || !batch.notices.isEmpty else { continue }
            if let i = batches.firstIndex(where: { $0.path == path }) {
                batches[i].lines += batch.lines
                batches[i].notices += batch.notices
            } else {
                batches.append(batch)
            }
        }
        isFinished = true
        hasMoreToRead = false
        return batches
    }

    private func add(_ path: String, pattern: String?, applyStart: Bool) {
        guard files[path] == nil else { return }
        followedNames.insert(splitPath(path).name)
        files[path] = FollowedPath(path: path, pattern: pattern, maxLineBytes: options.maxLineBytes,
                                   applyStart: applyStart,
                                   nextSequence: forgottenSequences.removeValue(forKey: path) ?? 1)
        order.append(path)
    }

    private func expandGlobs(_ batches: inout [LogBatch]) {
        for pattern in patterns where Self.isGlob(pattern) {
            for path in fs.globPaths(pattern) where files[path] == nil {
                add(path, pattern: pattern, applyStart: polls == 0)
                if polls > 0 { batches.append(LogBatch(path: path, notices: [.discovered])) }
            }
        }
    }

    /// Watches the directory of every followed path and the fixed part of every glob, or
    /// their nearest existing ancestor so that the directory's creation wakes us too.
    private func watchDirectories(_ inotify: InotifyWatcher) {
        var wanted: Set<String> = []
        for path in order {
            wanted.insert(splitPath(path).directory)
            // A symlink (Kubernetes' /var/log/containers/*.log) is written where it points.
            if let target = fs.resolvedPath(path), target != path {
                let (directory, name) = splitPath(target)
                wanted.insert(directory)
                followedNames.insert(name)
            }
        }
        for pattern in patterns where Self.isGlob(pattern) { wanted.insert(Self.fixedDirectory(of: pattern)) }
        var incomplete = false
        for directory in wanted.sorted() {
            var dir = directory
            while true {
                if case .info(let i) = fs.statPath(dir), i.kind == .directory {
                    if inotify.watch(dir) { break }
                    incomplete = true  // it exists but cannot be watched
                    break
                }
                let parent = splitPath(dir).directory
                if parent == dir {
                    incomplete = true
                    break
                }
                dir = parent
            }
        }
        watchIncomplete = incomplete
    }

    /// Whether a name in a watched directory may be a followed file: one of their names, or
    /// a match for the last component of a glob.
    private func isRelevantName(_ name: String) -> Bool {
        if followedNames.contains(name) { return true }
        return globNames.contains { fnmatch($0, name, 0) == 0 }
    }

    private var followedNames: Set<String> = []
    private lazy var globNames: [String] = patterns.filter(Self.isGlob).map { splitPath($0).name }

    static func isGlob(_ pattern: String) -> Bool { pattern.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    /// The directory a glob starts in: its components before the first with a wildcard.
    static func fixedDirectory(of pattern: String) -> String {
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        var fixed: [Substring] = []
        for part in parts.dropLast() {
            if isGlob(String(part)) { break }
            fixed.append(part)
        }
        if fixed.isEmpty { return pattern.hasPrefix("/") ? "/" : "." }
        let joined = fixed.joined(separator: "/")
        return joined.isEmpty ? "/" : joined
    }
}
