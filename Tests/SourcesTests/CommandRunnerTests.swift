import Foundation
@testable import Sources
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs commands for the tests and keeps what the callbacks received.
final class RunRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var _batches: [(at: ContinuousClock.Instant, output: CommandOutput)] = []
    private var _exits: [CommandOutcome] = []
    private var _exitAt: ContinuousClock.Instant?
    private var _outputAfterExit = false
    /// The shell's pid, once started.
    var pid: pid_t?

    var batches: [CommandOutput] { lock.withLock { _batches.map(\.output) } }
    var batchTimes: [ContinuousClock.Instant] { lock.withLock { _batches.map(\.at) } }
    var lines: [CommandOutputLine] { batches.flatMap(\.lines) }
    var texts: [String] { lines.map(\.text) }
    var exits: [CommandOutcome] { lock.withLock { _exits } }
    var exitAt: ContinuousClock.Instant? { lock.withLock { _exitAt } }
    var outputAfterExit: Bool { lock.withLock { _outputAfterExit } }

    func output(_ o: CommandOutput) {
        lock.withLock {
            if !_exits.isEmpty { _outputAfterExit = true }
            _batches.append((ContinuousClock.now, o))
        }
    }
    func exit(_ o: CommandOutcome) { lock.withLock { _exits.append(o); _exitAt = ContinuousClock.now } }

    /// Starts `command` and returns the run and its recorder.
    static func start(_ command: String, timeout: Duration = .seconds(30), killGrace: Duration = .seconds(5),
                      options: CommandRun.Options = CommandRun.Options()) -> (CommandRun, RunRecorder) {
        let r = RunRecorder()
        let run = CommandRun.start(command: command, timeout: timeout, killGrace: killGrace, options: options,
                                   onOutput: { r.output($0) }, onExit: { r.exit($0) })
        r.pid = run.processID
        return (run, r)
    }

    /// Runs `command` to its end (a test that hangs fails after a minute instead).
    static func run(_ command: String, timeout: Duration = .seconds(30), killGrace: Duration = .seconds(5),
                    options: CommandRun.Options = CommandRun.Options()) throws -> (CommandOutcome, RunRecorder) {
        let (run, r) = start(command, timeout: timeout, killGrace: killGrace, options: options)
        let outcome = try #require(run.wait(timeout: .seconds(60)), "the run did not end: \(command)")
        #expect(r.exits.count == 1, "onExit called \(r.exits.count) times")
        #expect(r.exits.first == outcome)
        #expect(!r.outputAfterExit, "output delivered after onExit")
        return (outcome, r)
    }
}

/// Processes whose process group is `pgid`, from /proc.
func processesInGroup(_ pgid: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
        guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After "pid (comm) ": state ppid pgrp ...
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 2, let pgrp = pid_t(fields[2]) else { return nil }
        return pgrp == pgid ? pid : nil
    }
}

func waitUntil(_ limit: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let end = ContinuousClock.now + limit
    while ContinuousClock.now < end {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

@Suite struct CommandRunnerTests {
    @Test(arguments: [Int32(0), 1, 3, 42, 255])
    func exitStatusesAreReported(_ code: Int32) throws {
        let (o, _) = try RunRecorder.run("exit \(code)")
        #expect(o.ending == .exited(code))
        #expect(o.termination == .exited(code))
        #expect(o.duration < .seconds(5))
    }

    @Test func deathByASignalIsReported() throws {
        let (o, _) = try RunRecorder.run("kill -USR1 $$")
        #expect(o.ending == .signaled(SIGUSR1))
        #expect(o.termination == .signaled(SIGUSR1))
        let (o2, _) = try RunRecorder.run("kill -SEGV $$")
        #expect(o2.ending == .signaled(SIGSEGV))
    }

    @Test func aTimeoutSendsSIGTERMToTheGroup() throws {
        let start = ContinuousClock.now
        let (o, _) = try RunRecorder.run("sleep 100", timeout: .milliseconds(300), killGrace: .seconds(20))
        let took = ContinuousClock.now - start
        #expect(o.ending == .timedOut)
        #expect(o.termination == .signaled(SIGTERM))
        #expect(o.duration >= .milliseconds(300))
        #expect(took < .seconds(5), "SIGTERM was enough; no wait for the 20 s grace")
    }

    @Test func aCommandThatTrapsSIGTERMStillEndsOnItsOwnTerms() throws {
        // The TERM trap runs and exits 0: the ending says why it stopped, the status how.
        let (o, r) = try RunRecorder.run("trap 'echo cleaning up; exit 0' TERM; echo started; sleep 100 & wait",
                                         timeout: .milliseconds(300), killGrace: .seconds(20))
        #expect(o.ending == .timedOut)
        #expect(o.termination == .exited(0))
        #expect(r.texts == ["started", "cleaning up"])
    }

    @Test func aCommandIgnoringSIGTERMGetsSIGKILLAfterTheGrace() throws {
        // The trap proves SIGTERM arrived first; ignoring it then keeps the loop going.
        let start = ContinuousClock.now
        let (o, r) = try RunRecorder.run("trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.05; done",
                                         timeout: .milliseconds(300), killGrace: .milliseconds(700))
        let took = ContinuousClock.now - start
        #expect(o.ending == .timedOut)
        #expect(o.termination == .signaled(SIGKILL))
        #expect(r.texts.first == "ready")
        #expect(r.texts.contains("got TERM"))
        #expect(o.duration >= .milliseconds(1000))
        #expect(took < .seconds(10))
        // `trap '' TERM` is inherited by the children too: only SIGKILL ends that group.
        let (o2, _) = try RunRecorder.run("trap '' TERM; sleep 100", timeout: .milliseconds(200), killGrace: .milliseconds(300))
        #expect(o2.ending == .timedOut)
        #expect(o2.termination == .signaled(SIGKILL))
    }

    @Test func cancelKillsTheWholePipeline() throws {
        let (run, r) = RunRecorder.start("echo go; sleep 100 | cat")
        let pid = try #require(run.processID)
        #expect(waitUntil { r.texts == ["go"] })
        // sh, sleep and cat are all in the group (the shell's pid is the group's id).
        #expect(waitUntil { processesInGroup(pid).count >= 3 }, "\(processesInGroup(pid))")
        let start = ContinuousClock.now
        run.cancel()
        let o = try #require(run.wait(timeout: .seconds(20)))
        #expect(o.ending == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(o.termination == .signaled(SIGTERM))
        #expect(waitUntil { processesInGroup(pid).isEmpty }, "left running: \(processesInGroup(pid))")
        #expect(!o.outputLeftOpen)
    }

    @Test func aSecondCancelKillsAtOnce() throws {
        let (run, r) = RunRecorder.start("trap '' TERM; echo ready; sleep 100", killGrace: .seconds(60))
        #expect(waitUntil { r.texts == ["ready"] })
        run.cancel()
        usleep(200_000)
        #expect(run.outcome == nil, "TERM is ignored: still running")
        let start = ContinuousClock.now
        run.cancel()
        let o = try #require(run.wait(timeout: .seconds(20)))
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(o.ending == .cancelled)
        #expect(o.termination == .signaled(SIGKILL))
        // After the end, cancel does nothing (and does not crash).
        run.cancel()
        #expect(run.outcome == o)
    }

    @Test func aStoppedProcessIsContinuedSoThatSIGTERMEndsIt() throws {
        let (run, r) = RunRecorder.start("echo ready; kill -STOP $$; echo resumed")
        #expect(waitUntil { r.texts == ["ready"] })
        usleep(100_000)
        run.cancel()
        let o = try #require(run.wait(timeout: .seconds(3)), "a stopped shell ignored SIGTERM until SIGKILL")
        #expect(o.ending == .cancelled)
    }

    @Test func outputStreamsInOrderAndBeforeTheEnd() throws {
        let (o, r) = try RunRecorder.run("echo first; sleep 0.6; echo second >&2; printf 'no newline'")
        #expect(r.texts == ["first", "second", "no newline"])
        #expect(o.outputLines == 3)
        #expect(o.outputBytes == "first\nsecond\nno newline".utf8.count)
        // "first" arrived while the command was still sleeping.
        let times = r.batchTimes
        let exit = try #require(r.exitAt)
        #expect(times.count >= 2)
        #expect(exit - times[0] >= .milliseconds(400))
        #expect(o.outputTail == ["first", "second", "no newline"])
    }

    @Test func manyLinesArriveInOrderInFewBatches() throws {
        var options = CommandRun.Options()
        options.maxLinesPerBatch = 1_000_000   // nothing skipped: all 3000 lines must arrive
        let (o, r) = try RunRecorder.run("i=1; while [ $i -le 3000 ]; do echo $i; i=$((i+1)); done", options: options)
        let texts = r.texts
        #expect(texts.count == 3000)
        #expect(texts == (1...3000).map(String.init), "first difference at \(String(describing: texts.indices.first { texts[$0] != String($0 + 1) }))")
        #expect(o.skippedLines == 0)
        // At most one batch per 50 ms (plus the first and the last).
        let seconds = Double(o.duration.components.seconds) + Double(o.duration.components.attoseconds) / 1e18
        #expect(Double(r.batches.count) <= seconds / 0.05 + 3, "\(r.batches.count) batches in \(seconds) s")
        #expect(o.outputTail == (2981...3000).map(String.init))
    }

    @Test func aFloodKeepsTheLastLinesOfEachBatchAndCountsTheRest() throws {
        var options = CommandRun.Options()
        options.maxLinesPerBatch = 100
        let (o, r) = try RunRecorder.run("seq 1 300000", options: options)
        let delivered = r.texts.map { Int($0)! }
        #expect(zip(delivered, delivered.dropFirst()).allSatisfy { $0 < $1 }, "out of order")
        #expect(delivered.last == 300_000)
        #expect(r.batches.allSatisfy { $0.lines.count <= 100 })
        let skipped = r.batches.map(\.skippedLines).reduce(0, +)
        #expect(skipped > 0)
        #expect(delivered.count + skipped == 300_000)
        #expect(o.outputLines == 300_000)
        #expect(o.skippedLines == skipped)
        // Within a batch the lines are consecutive: what is skipped comes before them.
        for b in r.batches where b.lines.count > 1 {
            let n = b.lines.map { Int($0.text)! }
            #expect(zip(n, n.dropFirst()).allSatisfy { $1 == $0 + 1 })
        }
        #expect(o.outputTail == (299_981...300_000).map(String.init))
    }

    @Test func hugeOutputIsReadWholeWithBoundedMemory() throws {
        let before = residentBytes()
        // 400 MB: one endless line, then many long lines.
        let (o, r) = try RunRecorder.run("head -c 200000000 /dev/zero | tr '\\0' x; echo; yes 0123456789abcdef0123456789abcdef | head -c 200000000")
        let after = residentBytes()
        #expect(o.ending == .exited(0))
        #expect(o.outputBytes == 400_000_001)
        #expect(r.lines.first?.cut == true)
        #expect(r.lines.first?.text.utf8.count == 4096)
        #expect(o.cutLines == 1)
        // Other tests run meanwhile, so only a gross leak (the output kept) can be told apart.
        #expect(after - before < 150_000_000, "resident memory grew by \(after - before) bytes")
    }

    @Test func aCommandThatClosesItsOutputEarlyIsStillWaitedFor() throws {
        let (o, r) = try RunRecorder.run("echo bye; exec >&- 2>&-; sleep 0.5; exit 7")
        #expect(o.ending == .exited(7))
        #expect(o.duration >= .milliseconds(500))
        #expect(r.texts == ["bye"])
        #expect(!o.outputLeftOpen)
    }

    @Test func aBackgroundProcessHoldingTheOutputDoesNotKeepTheRunGoing() throws {
        let (o, r) = try RunRecorder.run("sleep 30 & echo $!")
        #expect(o.ending == .exited(0))
        #expect(o.outputLeftOpen)
        let pid = try #require(pid_t(r.texts.first ?? ""))
        #expect(kill(pid, 0) == 0, "the background process was left running, as documented")
        kill(pid, SIGKILL)
    }

    @Test func cutLinesInvalidUTF8AndCarriageReturns() throws {
        // 4095 x then é (2 bytes): the cut moves back so the é is not split.
        let cmd = #"printf 'a\r\nb\377c\n'; printf '%4095s\303\251tail\n' '' | tr ' ' x; printf '%5000s\n' '' | tr ' ' y; printf 'last\r'"#
        let (o, r) = try RunRecorder.run(cmd)
        #expect(r.lines.count == 5)
        #expect(r.lines[0] == CommandOutputLine("a"))
        #expect(r.lines[1] == CommandOutputLine("b\u{FFFD}c"))
        #expect(r.lines[2] == CommandOutputLine(String(repeating: "x", count: 4095), cut: true))
        #expect(r.lines[3] == CommandOutputLine(String(repeating: "y", count: 4096), cut: true))
        #expect(r.lines[4] == CommandOutputLine("last\r"))
        #expect(o.cutLines == 2)
        // Escape sequences are passed on as they are: sanitizing is the UI's job.
        let (_, esc) = try RunRecorder.run(#"printf '\033[2J\033]0;title\007\n'"#)
        #expect(esc.texts == ["\u{1B}[2J\u{1B}]0;title\u{07}"])
    }

    @Test func theShellGetsDevNullNoOtherDescriptorsAndASessionOfItsOwn() throws {
        // A descriptor this process leaves inheritable must not reach the command.
        let leaky = open("/dev/null", O_RDONLY)
        defer { close(leaky) }
        #expect(leaky >= 0 && fcntl(leaky, F_GETFD) & FD_CLOEXEC == 0)
        let (o, r) = try RunRecorder.run("ls /proc/$$/fd; readlink /proc/$$/fd/0; cut -d' ' -f1,5,6 /proc/$$/stat; cat; :")
        #expect(o.ending == .exited(0))
        let pid = try #require(r.pid)
        // Descriptors 0, 1, 2 only; stdin /dev/null (cat read nothing); pid = group = session.
        #expect(r.texts == ["0", "1", "2", "/dev/null", "\(pid) \(pid) \(pid)"])
    }

    @Test func signalsIgnoredOrBlockedHereAreDefaultInTheCommand() throws {
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        // Started from a thread that blocks every signal, as dispatch's worker threads do.
        let started = DispatchSemaphore(value: 0)
        let box = NSLock()
        nonisolated(unsafe) var result: (CommandRun, RunRecorder)?
        let thread = Thread {
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            // With SIGPIPE ignored, `yes` would get EPIPE and print an error when head exits.
            let r = RunRecorder.start("yes | head -n 2; grep -E '^Sig(Blk|Ign)' /proc/self/status")
            box.withLock { result = r }
            started.signal()
        }
        thread.start()
        started.wait()
        let (run, r) = try #require(box.withLock { result })
        let o = try #require(run.wait(timeout: .seconds(30)))
        #expect(o.ending == .exited(0))
        let texts = r.texts
        #expect(texts.count == 4 && texts.prefix(2) == ["y", "y"], "\(texts)")
        // grep's own masks, inherited through dash: nothing blocked; no standard signal
        // ignored (glibc's posix_spawn ignores its internal signals 32 and 33 itself).
        #expect(texts.dropFirst(2).first == "SigBlk:\t0000000000000000")
        let ignored = UInt64(texts.last?.split(separator: "\t").last ?? "", radix: 16)
        #expect(ignored.map { $0 & 0x7FFF_FFFF } == 0, "\(texts)")
    }

    @Test func environmentAndWorkingDirectory() throws {
        var options = CommandRun.Options()
        options.environment = .only(["A": "b c", "PATH": "/usr/bin:/bin"])
        options.workingDirectory = "/proc"
        let (o, r) = try RunRecorder.run("echo \"$A|${HOME-unset}|$(pwd)\"", options: options)
        #expect(o.ending == .exited(0))
        #expect(r.texts == ["b c|unset|/proc"])
        setenv("MODELWATCH_RUNNER_TEST", "inherited", 1)
        let (_, inherited) = try RunRecorder.run("echo $MODELWATCH_RUNNER_TEST")
        #expect(inherited.texts == ["inherited"])
        guard case .only(let minimal) = CommandRun.Options.Environment.minimal() else { Issue.record("not .only"); return }
        #expect(minimal["PATH"] != nil && minimal["MODELWATCH_RUNNER_TEST"] == nil)
    }

    @Test func failuresToStartAreEndingsToo() throws {
        var options = CommandRun.Options()
        options.workingDirectory = "/nonexistent-\(UUID().uuidString)"
        let (o, _) = try RunRecorder.run("echo hi", options: options)
        guard case .failedToStart(let why) = o.ending else { Issue.record("\(o.ending)"); return }
        #expect(why.contains("No such file or directory") && why.contains("/nonexistent-"))
        #expect(o.termination == nil)
        let (n, _) = try RunRecorder.run("echo a\u{0}b")
        #expect(n.ending == .failedToStart("the command contains a NUL character"))
        var env = CommandRun.Options()
        env.environment = .only(["A=B": "x"])
        let (e, _) = try RunRecorder.run("true", options: env)
        guard case .failedToStart = e.ending else { Issue.record("\(e.ending)"); return }
    }

    @Test func aCommandStartingWithADashIsACommandNotAnOption() throws {
        let (o, r) = try RunRecorder.run("-x 2>/dev/null || echo not-an-option")
        #expect(o.ending == .exited(0))
        #expect(r.texts == ["not-an-option"])
    }

    @Test func fiftyRunsLeakNoDescriptorsAndLeaveNoZombies() throws {
        // Other suites open and close descriptors meanwhile, so the count is compared with a
        // margin: a leak of one descriptor per run would be 50 or more.
        let before = openDescriptors()
        var pids: [pid_t] = []
        for i in 0..<50 {
            let (o, r) = try RunRecorder.run(i % 5 == 4 ? "sleep 10" : "echo \(i); exit \(i % 3)",
                                            timeout: i % 5 == 4 ? .milliseconds(20) : .seconds(30))
            pids.append(try #require(r.pid))
            if i % 5 != 4 { #expect(r.texts == ["\(i)"] && o.ending == .exited(Int32(i % 3))) } else { #expect(o.ending == .timedOut) }
        }
        // Cancelled and failed runs too.
        for _ in 0..<10 {
            let (run, _) = RunRecorder.start("sleep 10")
            if let pid = run.processID { pids.append(pid) }
            run.cancel()
            run.wait()
        }
        var bad = CommandRun.Options()
        bad.workingDirectory = "/nonexistent"
        for _ in 0..<5 { _ = try RunRecorder.run("true", options: bad) }
        let after = openDescriptors()
        #expect(after - before < 20, "descriptors: \(before) before, \(after) after")
        // Every shell was reaped: none is a zombie child of this process.
        let me = getpid()
        for pid in pids {
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
                let f = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
                #expect(!(f[0] == "Z" && pid_t(f[1]) == me), "pid \(pid) is a zombie")
            }
        }
    }

    @Test func waitWithATimeoutGivesUp() throws {
        let (run, _) = RunRecorder.start("sleep 10")
        #expect(run.wait(timeout: .milliseconds(100)) == nil)
        run.cancel()
        #expect(run.wait(timeout: .seconds(10))?.ending == .cancelled)
    }
}

func openDescriptors() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb * 1024
}

/// The splitter alone, fed in every possible chunking.
@Suite struct OutputLineSplitterTests {
    static func split(_ bytes: [UInt8], chunks: [Int], max: Int) -> [CommandOutputLine] {
        var s = OutputLineSplitter(maxLineBytes: max)
        var out: [CommandOutputLine] = []
        var i = 0
        var k = 0
        while i < bytes.count {
            let n = Swift.min(chunks[k % chunks.count], bytes.count - i)
            k += 1
            bytes[i..<(i + n)].withUnsafeBytes { raw in
                for p in s.consume(raw) {
                    switch p {
                    case .text(let t, let cut): out.append(CommandOutputLine(t, cut: cut))
                    case .range(let r, let cut):
                        out.append(CommandOutputLine(String(decoding: UnsafeRawBufferPointer(rebasing: raw[r]), as: UTF8.self), cut: cut))
                    }
                }
            }
            #expect(s.pendingBytes <= max + 1)
            i += n
        }
        if let last = s.finish() { out.append(last) }
        return out
    }

    @Test func chunkingNeverChangesTheLines() {
        let text = "one\ntwo\r\n\nthree33333\nfourfourfourfour\r\nfïvé\n\u{0}six\rseven"
        let bytes = Array(text.utf8)
        let expected = split(bytes: bytes, whole: true)
        #expect(expected == [CommandOutputLine("one"), CommandOutputLine("two"), CommandOutputLine(""),
                             CommandOutputLine("three33333"), CommandOutputLine("fourfourfo", cut: true),
                             CommandOutputLine("fïvé"), CommandOutputLine("\u{0}six\rseven")])
        for size in 1...bytes.count {
            #expect(Self.split(bytes, chunks: [size], max: 10) == expected, "chunks of \(size)")
        }
        #expect(Self.split(bytes, chunks: [1, 3, 2, 7], max: 10) == expected)
    }

    func split(bytes: [UInt8], whole: Bool) -> [CommandOutputLine] { Self.split(bytes, chunks: [bytes.count], max: 10) }

    @Test func aCutNeverSplitsACharacter() {
        // "ab" then a 2-, 3- and 4-byte character across the limit of 4.
        for (text, want) in [("abcé\n", "abc"), ("ab€x\n", "ab"), ("a🚀x\n", "a"), ("abcd€\n", "abcd")] {
            for size in 1...text.utf8.count {
                let lines = Self.split(Array(text.utf8), chunks: [size], max: 4)
                #expect(lines == [CommandOutputLine(want, cut: true)], "\(text) in chunks of \(size)")
            }
        }
    }
}
