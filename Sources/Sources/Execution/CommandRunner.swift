#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Lines of output delivered together.
public struct CommandOutput: Hashable, Sendable {
    /// In output order.
    public var lines: [CommandOutputLine]
    /// Lines that came before `lines` since the previous delivery and were dropped: more than
    /// `maxLinesPerBatch` arrived within one batch interval. Their bytes were read (the command
    /// was not slowed down); only the last lines of such a burst are kept.
    public var skippedLines: Int

    public init(lines: [CommandOutputLine], skippedLines: Int = 0) {
        self.lines = lines; self.skippedLines = skippedLines
    }
}

/// How a command run ended.
public struct CommandOutcome: Hashable, Sendable {
    /// How the shell process itself ended.
    public enum Termination: Hashable, Sendable {
        case exited(Int32)
        case signaled(Int32)
    }

    public enum Ending: Hashable, Sendable {
        /// The shell exited by itself with this status.
        case exited(Int32)
        /// The shell was killed by a signal that the runner did not send.
        case signaled(Int32)
        /// The timeout passed: SIGTERM to the process group, SIGKILL after the grace period.
        case timedOut
        /// `cancel()`: SIGTERM to the process group, SIGKILL after the grace period.
        case cancelled
        /// `/bin/sh` was not started; why.
        case failedToStart(String)
        /// The shell ended but its status could not be collected: something else in this
        /// process reaped it (`SIGCHLD` ignored, or a `waitpid(-1)` elsewhere).
        case statusUnknown(String)
    }

    public var ending: Ending
    /// How the process ended, also when the runner ended it (a command that traps SIGTERM and
    /// exits 0 after a timeout is `.timedOut` with `.exited(0)`). Nil when it never started or
    /// its status is unknown.
    public var termination: Termination?
    /// From the spawn to the exit, on a monotonic clock.
    public var duration: Duration
    /// Every byte read from the command's stdout and stderr.
    public var outputBytes: Int
    /// Every line, delivered or skipped (a partial last line counts).
    public var outputLines: Int
    /// Lines not delivered (see `CommandOutput.skippedLines`).
    public var skippedLines: Int
    /// Lines cut at `maxLineBytes`.
    public var cutLines: Int
    /// The last `tailLines` lines of output, as delivered (for the audit log).
    public var outputTail: [String]
    /// Output was still open when the shell had exited and the drain period passed: the
    /// command left processes running in the background, whose later output was not read.
    public var outputLeftOpen: Bool

    public init(ending: Ending, termination: Termination? = nil, duration: Duration = .zero, outputBytes: Int = 0,
                outputLines: Int = 0, skippedLines: Int = 0, cutLines: Int = 0, outputTail: [String] = [],
                outputLeftOpen: Bool = false) {
        self.ending = ending; self.termination = termination; self.duration = duration
        self.outputBytes = outputBytes; self.outputLines = outputLines; self.skippedLines = skippedLines
        self.cutLines = cutLines; self.outputTail = outputTail; self.outputLeftOpen = outputLeftOpen
    }
}

/// One run of `/bin/sh -c COMMAND`, with a timeout, streamed output and cancellation.
///
/// How the shell is started (`posix_spawn`, not `Foundation.Process`, so that each of these is
/// under our control):
/// - argv is `/bin/sh -c -- COMMAND` (`--` so that a command starting with `-` is not read as
///   an option); `COMMAND` is used exactly as given — quoting is `CommandTemplate`'s job.
/// - a new session (`setsid`, hence a new process group whose id is the shell's pid): signals
///   sent to the group reach every process of a pipeline, and the command has no controlling
///   terminal, so it can neither read the operator's keystrokes nor stop on SIGTTIN/SIGTTOU;
///   `ssh`/`sudo` prompts fail at once instead of hanging until the timeout.
/// - stdin is `/dev/null`; stdout and stderr are one pipe; every other descriptor is closed in
///   the child (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34; without it, the ones
///   this code opens are close-on-exec and others are inherited).
/// - an empty signal mask and every signal at its default action (an ignored SIGPIPE in the
///   app must not leak into `yes | head`).
/// - the environment is inherited unless `Options.environment` says otherwise.
///
/// A thread of its own reads the output, checks the process about every 10 ms (`waitpid`
/// with `WNOHANG`), enforces the timeout and delivers:
/// - `onOutput` with batches of lines (without their newline, nor one `\r` before it), at most
///   one batch per `batchInterval` (50 ms) and at most `maxLinesPerBatch` lines in one: when
///   more arrive within one interval only the last ones are delivered, and the batch says how
///   many were skipped (their bytes were read: the command is not slowed down). A line longer
///   than `maxLineBytes` is cut at a character boundary and marked `cut`. A partial last line
///   is delivered at the end. Text is decoded as UTF-8 with replacement characters and **not
///   sanitized**: escape sequences and control characters arrive as the command wrote them,
///   and the UI must make them visible.
/// - `onExit` once, after the last `onOutput`.
/// Both are called on the runner's thread, one at a time; they must not block for long (output
/// is not read meanwhile, and the command may block writing) and must not call `wait()`.
///
/// Memory is bounded whatever the command prints: a 64 KiB read buffer, one partial line, and
/// at most `2 × maxLinesPerBatch` lines waiting for the next delivery.
///
/// When the shell exits, output is read until its end or for `drainAfterExit` (250 ms) more, so
/// that a background process (`sleep 100 &`) that keeps the pipe open does not keep the run
/// going; such processes are left running (`outputLeftOpen`). After a cancellation or timeout
/// the SIGKILL is still sent to the group at the end of the grace period if the output is
/// still open, since a member that trapped SIGTERM holds it.
public final class CommandRun: Sendable {
    public struct Options: Sendable {
        public enum Environment: Hashable, Sendable {
            /// This process's environment.
            case inherit
            /// Exactly these variables.
            case only([String: String])

            /// `PATH` (a system default when unset), and `HOME`, `USER`, `LOGNAME`, `LANG`,
            /// `LC_ALL`, `LC_CTYPE`, `TZ`, `KUBECONFIG` from this process when set.
            public static func minimal() -> Environment {
                let mine = ProcessInfo.processInfo.environment
                var env: [String: String] = ["PATH": mine["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]
                for k in ["HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "KUBECONFIG"] {
                    if let v = mine[k] { env[k] = v }
                }
                return .only(env)
            }
        }

        public var environment: Environment = .inherit
        /// The directory the command starts in; nil for this process's.
        public var workingDirectory: String?
        public var batchInterval: Duration = .milliseconds(50)
        public var maxLinesPerBatch = 1000
        public var maxLineBytes = 4096
        /// Lines kept for `CommandOutcome.outputTail`.
        public var tailLines = 20
        public var drainAfterExit: Duration = .milliseconds(250)

        public init() {}
    }

    private struct Shared {
        var cancelRequests = 0
        var outcome: CommandOutcome?
        /// The write end of the wake pipe, -1 once the run is over (so `cancel()` never writes
        /// to a descriptor number that has been closed and reused).
        var wakeWrite: Int32 = -1
        var processID: pid_t?
    }

    public let command: String
    public let timeout: Duration
    public let killGrace: Duration
    public let options: Options
    private let shared = Mutex(Shared())
    private let done = DispatchGroup()

    private init(command: String, timeout: Duration, killGrace: Duration, options: Options) {
        self.command = command; self.timeout = timeout; self.killGrace = killGrace; self.options = options
    }

    /// Starts `/bin/sh -c -- command` and returns at once; see the type's documentation. A
    /// start that fails (no `/bin/sh`, no such working directory, out of descriptors) is
    /// reported through `onExit` as `.failedToStart`, like every other ending.
    public static func start(command: String, timeout: Duration, killGrace: Duration = .seconds(5),
                             options: Options = Options(),
                             onOutput: @escaping @Sendable (CommandOutput) -> Void,
                             onExit: @escaping @Sendable (CommandOutcome) -> Void) -> CommandRun {
        let run = CommandRun(command: command, timeout: timeout, killGrace: killGrace, options: options)
        run.done.enter()
        let clock = ContinuousClock()
        let startedAt = clock.now
        let spawned = spawn(command: command, options: options)
        let wake = PosixExtras.cloexecPipe()
        var monitor: Monitor?
        switch (spawned, wake) {
        case (.success(let child), .success(let (wakeRead, wakeWrite))):
            _ = fcntl(wakeRead, F_SETFL, O_NONBLOCK)
            _ = fcntl(wakeWrite, F_SETFL, O_NONBLOCK)
            run.shared.withLock { $0.wakeWrite = wakeWrite; $0.processID = child.pid }
            monitor = Monitor(run: run, pid: child.pid, output: child.output, wakeRead: wakeRead, startedAt: startedAt,
                              onOutput: onOutput, onExit: onExit)
        case (.success(let child), .failure(let e)):
            // No wake pipe: the child is already running, so it is killed and reaped here.
            _ = kill(-child.pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
            _ = close(child.output)
            monitor = nil
            run.finishWithoutMonitor(CommandOutcome(ending: .failedToStart("pipe: \(e.text)")), onExit: onExit)
        case (.failure(let failure), let w):
            if case .success(let (r, wr)) = w { _ = close(r); _ = close(wr) }
            run.finishWithoutMonitor(CommandOutcome(ending: .failedToStart(failure.message), duration: clock.now - startedAt), onExit: onExit)
        }
        if let monitor {
            let thread = Thread { monitor.run() }
            thread.name = "modelwatch command"
            thread.start()
        }
        return run
    }

    /// Ctrl-C: SIGTERM to the command's process group, then SIGKILL after `killGrace` if it has
    /// not exited. A second call sends SIGKILL at once. Nothing once the run has ended.
    public func cancel() {
        shared.withLock { s in
            guard s.outcome == nil, s.wakeWrite >= 0 else { return }
            s.cancelRequests += 1
            var byte: UInt8 = 1
            _ = write(s.wakeWrite, &byte, 1)
        }
    }

    /// The shell's process id (also its process group and session id); nil if it did not start.
    public var processID: pid_t? { shared.withLock { $0.processID } }

    /// How the run ended; nil while it runs.
    public var outcome: CommandOutcome? { shared.withLock { $0.outcome } }

    /// Blocks until the run has ended and `onExit` has returned. Not from `onOutput`/`onExit`.
    @discardableResult
    public func wait() -> CommandOutcome {
        done.wait()
        return outcome!
    }

    /// As `wait()`, giving up after `limit`.
    public func wait(timeout limit: Duration) -> CommandOutcome? {
        let c = limit.components
        let ns = max(0, c.seconds) * 1_000_000_000 + max(0, c.attoseconds / 1_000_000_000)
        guard done.wait(timeout: .now() + .nanoseconds(Int(ns))) == .success else { return nil }
        return outcome
    }

    private func finishWithoutMonitor(_ outcome: CommandOutcome, onExit: @escaping @Sendable (CommandOutcome) -> Void) {
        shared.withLock { $0.outcome = outcome }
        // On a thread, as every other onExit call: the caller of start() may hold a lock that
        // onExit needs.
        let thread = Thread { [self] in
            onExit(outcome)
            done.leave()
        }
        thread.name = "modelwatch command"
        thread.start()
    }

    // MARK: Spawning

    private struct Child { var pid: pid_t; var output: Int32 }
    private struct SpawnFailure: Error, ExpressibleByStringInterpolation {
        var message: String
        init(stringLiteral value: String) { message = value }
    }

    private static func spawn(command: String, options: Options) -> Result<Child, SpawnFailure> {
        if command.utf8.contains(0) { return .failure("the command contains a NUL character") }
        if let dir = options.workingDirectory {
            if dir.utf8.contains(0) { return .failure("the working directory contains a NUL character") }
            var st = stat()
            if stat(dir, &st) != 0 { return .failure("working directory \(dir): \(PosixExtras.errorText(errno))") }
            if st.st_mode & S_IFMT != S_IFDIR { return .failure("working directory \(dir): not a directory") }
        }
        var environment: [String]? = nil
        if case .only(let vars) = options.environment {
            for (k, v) in vars where k.isEmpty || k.contains("=") || k.utf8.contains(0) || v.utf8.contains(0) {
                return .failure("environment variable \(k.debugDescription) cannot be passed")
            }
            environment = vars.keys.sorted().map { "\($0)=\(vars[$0]!)" }
        }

        let pipeEnds: (Int32, Int32)
        switch PosixExtras.cloexecPipe() {
        case .success(let p): pipeEnds = p
        case .failure(let e): return .failure("pipe: \(e.text)")
        }
        let (readEnd, writeEnd) = pipeEnds

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var setupError: Int32 = 0
        func check(_ r: Int32) { if r != 0 && setupError == 0 { setupError = r } }
        if let dir = options.workingDirectory { check(PosixExtras.addChdir(&actions, dir)) }
        check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0))
        check(posix_spawn_file_actions_adddup2(&actions, writeEnd, 1))
        check(posix_spawn_file_actions_adddup2(&actions, writeEnd, 2))
        _ = PosixExtras.addCloseFrom(&actions, 3)

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        check(posix_spawnattr_setsigmask(&attributes, &noSignals))
        check(posix_spawnattr_setsigdefault(&attributes, &allSignals))
        check(posix_spawnattr_setflags(&attributes, Int16(PosixExtras.spawnSetSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
        if setupError != 0 {
            _ = close(readEnd); _ = close(writeEnd)
            return .failure("posix_spawn setup: \(PosixExtras.errorText(setupError))")
        }

        let arguments: [String] = ["/bin/sh", "-c", "--", command]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment?.map { strdup($0) }
        defer { envp?.forEach { free($0) } }

        var pid: pid_t = 0
        let result: Int32 = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            if let envp {
                return (envp + [nil]).withUnsafeBufferPointer { envBuffer in
                    posix_spawn(&pid, "/bin/sh", &actions, &attributes, argvBuffer.baseAddress!, envBuffer.baseAddress!)
                }
            }
            return posix_spawn(&pid, "/bin/sh", &actions, &attributes, argvBuffer.baseAddress!, environ)
        }
        // The child has its copy; ours must go, or the pipe never reaches end-of-file.
        _ = close(writeEnd)
        if result != 0 {
            _ = close(readEnd)
            return .failure("cannot start /bin/sh: \(PosixExtras.errorText(result))")
        }
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
        return .success(Child(pid: pid, output: readEnd))
    }

    // MARK: The monitor thread

    /// Everything the runner's thread owns; nothing here is touched by another thread.
    private final class Monitor: @unchecked Sendable {
        let owner: CommandRun
        let pid: pid_t
        let output: Int32
        let wakeRead: Int32
        let startedAt: ContinuousClock.Instant
        let onOutput: @Sendable (CommandOutput) -> Void
        let onExit: @Sendable (CommandOutcome) -> Void
        let clock = ContinuousClock()

        var splitter: OutputLineSplitter
        var batch: [CommandOutputLine] = []
        var skipped = 0
        var tail: [String] = []
        var totals = (bytes: 0, lines: 0, skipped: 0, cut: 0)
        var lastDelivery: ContinuousClock.Instant

        init(run: CommandRun, pid: pid_t, output: Int32, wakeRead: Int32, startedAt: ContinuousClock.Instant,
             onOutput: @escaping @Sendable (CommandOutput) -> Void, onExit: @escaping @Sendable (CommandOutcome) -> Void) {
            self.owner = run; self.pid = pid; self.output = output; self.wakeRead = wakeRead; self.startedAt = startedAt
            self.onOutput = onOutput; self.onExit = onExit
            self.splitter = OutputLineSplitter(maxLineBytes: owner.options.maxLineBytes)
            // The first lines go out at once; the interval applies between deliveries.
            self.lastDelivery = startedAt - owner.options.batchInterval
        }

        func run() {
            let options = owner.options
            let deadline = startedAt + owner.timeout
            var reason: CommandOutcome.Ending? = nil          // .timedOut or .cancelled, once decided
            var termSentAt: ContinuousClock.Instant? = nil
            var killSent = false
            var cancelsSeen = 0
            var termination: CommandOutcome.Termination? = nil
            var statusLost = false
            var exitedAt: ContinuousClock.Instant? = nil
            var endOfOutput = false
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
            defer { buffer.deallocate() }
            var fds = [pollfd(fd: output, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]

            func signalGroup(_ sig: Int32) { _ = kill(-pid, sig) }
            func terminate(_ now: ContinuousClock.Instant) {
                signalGroup(SIGTERM)
                // A stopped process acts on SIGTERM only once continued.
                signalGroup(SIGCONT)
                termSentAt = now
            }

            while true {
                let now = clock.now
                let reaped = exitedAt != nil
                // Signals go to the group only while the shell is unreaped (so its pid, which
                // is the group's id, cannot have been reused), or — after a SIGTERM — while the
                // output is still open, held by a member of the group that outlived the shell.
                let maySignal = !reaped || (termSentAt != nil && !endOfOutput)
                if maySignal {
                    let cancels = owner.shared.withLock { $0.cancelRequests }
                    if cancels > cancelsSeen {
                        if reason == nil { reason = .cancelled }
                        if termSentAt == nil { terminate(now) } else if !killSent { signalGroup(SIGKILL); killSent = true }
                        cancelsSeen = cancels
                    }
                    if !reaped, termSentAt == nil, now >= deadline {
                        reason = .timedOut
                        terminate(now)
                    }
                    if let t = termSentAt, !killSent, now >= t + owner.killGrace {
                        signalGroup(SIGKILL)
                        killSent = true
                    }
                }
                if !reaped {
                    var status: Int32 = 0
                    let r = waitpid(pid, &status, WNOHANG)
                    if r == pid {
                        exitedAt = clock.now
                        termination = Self.termination(status)
                    } else if r < 0 && errno == ECHILD {
                        exitedAt = clock.now
                        statusLost = true
                    }
                }
                if let exitedAt {
                    if endOfOutput { break }
                    var drainUntil = exitedAt + options.drainAfterExit
                    if let t = termSentAt, !killSent { drainUntil = max(drainUntil, t + owner.killGrace + options.drainAfterExit) }
                    if now >= drainUntil { break }
                }
                if !batch.isEmpty, now >= lastDelivery + options.batchInterval { deliver(now) }

                // Sleep until something to read, a wake-up, or the next thing to do.
                var next = now + .milliseconds(10)
                if exitedAt != nil { next = now + options.drainAfterExit }
                if !batch.isEmpty { next = min(next, lastDelivery + options.batchInterval) }
                if termSentAt == nil { next = min(next, deadline) }
                if let t = termSentAt, !killSent { next = min(next, t + owner.killGrace) }
                if let exitedAt { next = min(next, exitedAt + options.drainAfterExit) }
                let wait = max(.zero, next - clock.now)
                let ms = Int32(min(1000, (wait.components.seconds * 1000) + (wait.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
                fds[0].fd = endOfOutput ? -1 : output   // a negative fd is ignored by poll
                fds[0].revents = 0
                fds[1].revents = 0
                let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), ms) }
                if ready <= 0 { continue }
                if fds[1].revents != 0 {
                    var sink = [UInt8](repeating: 0, count: 64)
                    _ = sink.withUnsafeMutableBytes { read(wakeRead, $0.baseAddress, $0.count) }
                }
                if !endOfOutput && fds[0].revents != 0 {
                    endOfOutput = readAvailable(buffer)
                }
            }

            if let last = splitter.finish() { add([last]) }
            deliver(clock.now)
            _ = close(output)

            let ending: CommandOutcome.Ending
            if let reason { ending = reason }
            else if statusLost { ending = .statusUnknown("the exit status of /bin/sh (pid \(pid)) was collected elsewhere in this process") }
            else {
                switch termination! {
                case .exited(let c): ending = .exited(c)
                case .signaled(let s): ending = .signaled(s)
                }
            }
            let outcome = CommandOutcome(
                ending: ending, termination: termination, duration: (exitedAt ?? clock.now) - startedAt,
                outputBytes: totals.bytes, outputLines: totals.lines, skippedLines: totals.skipped, cutLines: totals.cut,
                outputTail: tail, outputLeftOpen: !endOfOutput)
            // The wake pipe is closed under the lock, after which cancel() writes nothing.
            owner.shared.withLock { s in
                s.outcome = outcome
                if s.wakeWrite >= 0 { _ = close(s.wakeWrite) }
                s.wakeWrite = -1
            }
            _ = close(wakeRead)
            onExit(outcome)
            owner.done.leave()
        }

        static func termination(_ status: Int32) -> CommandOutcome.Termination {
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which are C macros Swift does not import.
            let low = status & 0x7F
            if low == 0 { return .exited((status >> 8) & 0xFF) }
            return .signaled(low)
        }

        /// Reads what the pipe has now (up to 1 MiB, then the loop looks at its timers again).
        /// Returns whether the output has ended.
        func readAvailable(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
            var total = 0
            while total < 1 << 20 {
                let n = read(output, buffer.baseAddress, buffer.count)
                if n > 0 {
                    total += n
                    totals.bytes += n
                    let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                    take(splitter.consume(chunk), chunk)
                    continue
                }
                if n == 0 { return true }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return false
                default: return true   // EIO and the like: nothing more will come
                }
            }
            return false
        }

        /// Keeps the last `maxLinesPerBatch` lines of a chunk, making Strings of those alone.
        func take(_ pieces: [OutputLineSplitter.Piece], _ chunk: UnsafeRawBufferPointer) {
            let limit = owner.options.maxLinesPerBatch
            let drop = max(0, pieces.count - limit)
            totals.lines += drop
            totals.skipped += drop
            skipped += drop
            for piece in pieces[drop...] {
                switch piece {
                case .text(let t, let cut): append(CommandOutputLine(t, cut: cut))
                case .range(let r, let cut):
                    append(CommandOutputLine(String(decoding: UnsafeRawBufferPointer(rebasing: chunk[r]), as: UTF8.self), cut: cut))
                }
            }
            for piece in pieces[..<drop] {
                switch piece { case .text(_, let cut), .range(_, let cut): if cut { totals.cut += 1 } }
            }
        }

        func add(_ lines: [CommandOutputLine]) { lines.forEach(append) }

        private func append(_ line: CommandOutputLine) {
            totals.lines += 1
            if line.cut { totals.cut += 1 }
            batch.append(line)
            let limit = owner.options.maxLinesPerBatch
            // Dropping from the front in bulk keeps this amortized O(1) per line.
            if batch.count >= 2 * limit {
                let drop = batch.count - limit
                batch.removeFirst(drop)
                skipped += drop
                totals.skipped += drop
            }
        }

        func deliver(_ now: ContinuousClock.Instant) {
            let limit = owner.options.maxLinesPerBatch
            if batch.count > limit {
                let drop = batch.count - limit
                batch.removeFirst(drop)
                skipped += drop
                totals.skipped += drop
            }
            guard !batch.isEmpty || skipped > 0 else { return }
            let keep = owner.options.tailLines
            tail = Array((tail + batch.suffix(keep).map(\.text)).suffix(keep))
            let out = CommandOutput(lines: batch, skippedLines: skipped)
            batch.removeAll(keepingCapacity: true)
            skipped = 0
            lastDelivery = now
            onOutput(out)
        }
    }
}
