import Foundation
import Testing
import TestSupport

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The shared runner (TestSupport), under the name these tests use.
func runCommand(_ path: String, _ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 60,
                environment: [String: String] = [:]) throws -> ProcessResult {
    try runProcess(path, arguments, stdin: stdin, timeout: timeout, environment: environment)
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
