import Foundation
import Testing
import TestSupport

/// The real `modelwatch` binary: `MODELWATCH_BIN`, or the debug build in this checkout.
/// A missing binary fails the test that needs it; it is never skipped.
func modelwatchBinary() throws -> String {
    let path = ProcessInfo.processInfo.environment["MODELWATCH_BIN"]
        ?? Fixtures.repositoryRoot.appendingPathComponent(".build/debug/modelwatch").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw E2EError("modelwatch binary not found at \(path): run `swift build` first (scripts/test does)")
    }
    return path
}

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion (or kills it after `timeout` seconds) and collects its output.
/// Uses posix_spawn and waitpid directly: Foundation's Process waits for every inheritor of its
/// pipes, and the tmux server it starts keeps them forever.
func runCommand(_ path: String, _ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 60,
                environment: [String: String] = [:]) throws -> CommandResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let inPath = dir.appendingPathComponent("in").path, outPath = dir.appendingPathComponent("out").path
    let errPath = dir.appendingPathComponent("err").path
    try (stdin ?? "").write(toFile: inPath, atomically: true, encoding: .utf8)

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }

    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard rc == 0 else { throw E2EError("cannot start \(path): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        let done = waitpid(pid, &status, WNOHANG)
        if done == pid { break }
        if Date() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            throw E2EError("\(path) \(arguments.joined(separator: " ")) did not finish within \(timeout)s")
        }
        usleep(10_000)
    }
    let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return CommandResult(status: exitCode,
                         stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}

/// A private tmux server (its own socket) running a shell, driven like a person would:
/// type keys, read the screen.
final class TmuxSession {
    let socket: String
    let name = "mw"

    init(width: Int = 120, height: Int = 40) throws {
        socket = "mw-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw E2EError("tmux is not installed (scripts/test installs it)")
        }
        // A plain shell with a known prompt, a UTF-8 locale and a 256-color terminal.
        try tmux(["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)",
                  "env", "-i", "PATH=/usr/bin:/bin", "HOME=\(NSTemporaryDirectory())", "TERM=tmux-256color",
                  "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "PS1=READY$ ", "bash", "--norc", "--noprofile"])
        try tmux(["set-option", "-t", name, "status", "off"])
        try waitFor("READY$")
    }

    deinit { _ = try? tmux(["kill-server"]) }

    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let result = try runCommand("/usr/bin/tmux", ["-u", "-L", socket] + args, timeout: 20)
        guard result.status == 0 else { throw E2EError("tmux \(args.joined(separator: " ")) failed: \(result.stderr)") }
        return result.stdout
    }

    /// Types text literally, then Enter if asked.
    func type(_ text: String, enter: Bool = true) throws {
        try tmux(["send-keys", "-t", name, "-l", text])
        if enter { try tmux(["send-keys", "-t", name, "Enter"]) }
    }

    /// Sends tmux key names (`Escape`, `C-c`, `Down`, `q`).
    func keys(_ names: String...) throws { try tmux(["send-keys", "-t", name] + names) }

    func screen() throws -> String { try tmux(["capture-pane", "-t", name, "-p"]) }

    func lines() throws -> [String] { try screen().components(separatedBy: "\n") }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Waits until the screen contains `text` (or `predicate` holds); fails with the screen.
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 20) throws -> String {
        try waitUntil("'\(text)'", timeout: timeout) { $0.contains(text) }
    }

    @discardableResult
    func waitUntil(_ what: String, timeout: TimeInterval = 20, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            usleep(100_000)
        }
        throw E2EError("timed out waiting for \(what); the screen was:\n\(last)")
    }

    /// The pid of `program` running as a child of this pane's shell.
    func childPID(named program: String) throws -> Int32? {
        let shell = try tmux(["display-message", "-p", "-t", name, "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try runCommand("/usr/bin/pgrep", ["-P", shell, "-x", program], timeout: 5)
        return Int32(result.stdout.split(separator: "\n").first ?? "")
    }
}
