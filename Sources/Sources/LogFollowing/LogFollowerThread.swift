#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Runs a `LogFollower` on a thread of its own and hands each poll's batches to `deliver`
/// (called on that thread), the way scrapes come back: the run loop's `deliver` posts
/// `.logLinesArrived` messages to its inbox, and the next `pump()` folds them in.
///
/// The thread sleeps in `poll(2)` on the inotify descriptor and a wake pipe, with the
/// follower's suggested timeout (the safety poll with inotify, the poll interval without),
/// and lets `coalesceMilliseconds` pass after an inotify wake-up so that a burst of writes
/// becomes one batch.
public final class LogFollowerThread: Sendable {
    public typealias Deliver = @Sendable ([LogBatch]) -> Void

    private struct Shared {
        var reports: [FollowedFileReport] = []
        var usesInotify = false
        var polls = 0
        var started = false
        var stopped = false
    }

    public let patterns: [String]
    public let options: LogFollowOptions
    private let fileSystem: any LogFileSystem
    private let deliver: Deliver
    private let shared = Mutex(Shared())
    private let stopRequested = Atomic<Bool>(false)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let finished = DispatchSemaphore(value: 0)

    public init(patterns: [String], options: LogFollowOptions = LogFollowOptions(),
                fileSystem: any LogFileSystem = SystemLogFileSystem(), deliver: @escaping Deliver) {
        self.patterns = patterns
        self.options = options
        self.fileSystem = fileSystem
        self.deliver = deliver
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds where fd >= 0 {
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        stop()
        if wakeRead >= 0 { _ = close(wakeRead) }
        if wakeWrite >= 0 { _ = close(wakeWrite) }
    }

    /// Starts the thread (once).
    public func start() {
        let first = shared.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        let thread = Thread { [self] in self.run() }
        thread.name = "modelwatch log follower"
        thread.start()
    }

    /// Stops the thread and waits for it; open files are closed. No `deliver` call happens
    /// after this returns.
    public func stop() {
        let running = shared.withLock { s -> Bool in
            defer { s.stopped = true }
            return s.started && !s.stopped
        }
        guard running else { return }
        stopRequested.store(true, ordering: .releasing)
        wake()
        finished.wait()
    }

    /// Polls as soon as possible.
    public func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// The status of every followed path as of the last poll.
    public var reports: [FollowedFileReport] { shared.withLock { $0.reports } }
    /// Whether inotify is in use (known after the first poll).
    public var usesInotify: Bool { shared.withLock { $0.usesInotify } }
    /// Polls done so far.
    public var polls: Int { shared.withLock { $0.polls } }

    private func run() {
        runLoop()  // the follower (and its open files) is gone when this returns
        finished.signal()
    }

    private func runLoop() {
        let follower = LogFollower(patterns: patterns, options: options, fileSystem: fileSystem)
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: follower.wakeFileDescriptor ?? -1, events: Int16(POLLIN), revents: 0)]
        let usesInotify = follower.usesInotify
        var drain = [UInt8](repeating: 0, count: 64)
        while !stopRequested.load(ordering: .acquiring) {
            let batches = follower.poll()
            let reports = follower.reports
            shared.withLock { s in
                s.reports = reports
                s.usesInotify = usesInotify
                s.polls += 1
            }
            if !batches.isEmpty { deliver(batches) }
            if follower.hasMoreToRead { continue }
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count),
                                                                 Int32(follower.suggestedTimeoutMilliseconds)) }
            if ready <= 0 { continue }
            if fds[0].revents != 0 {
                _ = drain.withUnsafeMutableBytes { read(wakeRead, $0.baseAddress, $0.count) }
            }
            if fds[1].revents != 0 && options.coalesceMilliseconds > 0 && !stopRequested.load(ordering: .acquiring) {
                usleep(UInt32(options.coalesceMilliseconds) * 1000)
            }
        }
    }
}
