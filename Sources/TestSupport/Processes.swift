import Foundation

/// Running real programs from tests. posix_spawn with files for the standard streams, not
/// Foundation's Process: Process waits for every inheritor of its pipes, and a server that a
/// test starts (tmux, prometheus) keeps them forever.

/// What a finished program left behind.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutData: Data
}

/// A program that could not be run, or did not finish in time.
public struct ProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The real `modelwatch` binary: `MODELWATCH_BIN`, or the debug build in this checkout.
/// A missing binary fails the test that needs it; it is never skipped.
public func modelwatchBinary() throws -> String {
    let path = ProcessInfo.processInfo.environment["MODELWATCH_BIN"]
        ?? Fixtures.repositoryRoot.appendingPathComponent(".build/debug/modelwatch").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw ProcessError("modelwatch binary not found at \(path): run `swift build` first (scripts/test does and sets MODELWATCH_BIN)")
    }
    return path
}

/// Starts `path` with its standard streams on files; returns the pid.
public func spawnProcess(_ path: String, _ arguments: [String], stdinPath: String = "/dev/null",
                         stdoutPath: String, stderrPath: String, environment: [String: String] = [:]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard rc == 0 else { throw ProcessError("cannot start \(path): \(String(cString: strerror(rc)))") }
    return pid
}

/// The shell's view of a wait status: the exit code, or 128 + the signal.
public func exitStatus(_ status: Int32) -> Int32 {
    (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

/// Runs a program to completion (killed after `timeout` seconds), with `stdin` text or the file
/// `stdinFile` on its standard input, and collects its output.
public func runProcess(_ path: String, _ arguments: [String], stdin: String? = nil, stdinFile: String? = nil,
                       timeout: TimeInterval = 60, environment: [String: String] = [:]) throws -> ProcessResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let outPath = dir.appendingPathComponent("out").path, errPath = dir.appendingPathComponent("err").path
    var inPath = stdinFile ?? "/dev/null"
    if let stdin {
        inPath = dir.appendingPathComponent("in").path
        try stdin.write(toFile: inPath, atomically: true, encoding: .utf8)
    }
    let pid = try spawnProcess(path, arguments, stdinPath: inPath, stdoutPath: outPath, stderrPath: errPath,
                               environment: environment)
    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(timeout)
    while waitpid(pid, &status, WNOHANG) != pid {
        if Date() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            throw ProcessError("\(path) \(arguments.joined(separator: " ")) did not finish within \(timeout)s")
        }
        usleep(2_000)
    }
    let out = FileManager.default.contents(atPath: outPath) ?? Data()
    let err = FileManager.default.contents(atPath: errPath) ?? Data()
    return ProcessResult(status: exitStatus(status), stdout: String(decoding: out, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self), stdoutData: out)
}
