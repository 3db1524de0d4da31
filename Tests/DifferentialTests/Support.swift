import Foundation
import Testing
import TestSupport

/// Helpers shared by the differential tests: finding the real tools (a missing tool fails the
/// test with a message saying how to get it; it is never skipped), running them to completion,
/// running servers on loopback ports of their own, temporary folders.

struct DiffError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// How to get every tool these tests need.
let installHint = "run scripts/test, which installs it (apt-get install prometheus prometheus-node-exporter; python3 -m pip install prometheus_client)"

/// The absolute path of `name` on PATH (or in the usual system folders), or a failure that says
/// what to install.
func requireTool(_ name: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let dirs = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
    for dir in dirs where !dir.isEmpty {
        let candidate = (dir as NSString).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw DiffError("required tool `\(name)` is not installed: \(installHint)")
}

/// python3 with prometheus_client importable; fails clearly otherwise.
func requirePythonWithPrometheusClient() throws -> String {
    let python = try requireTool("python3")
    let check = try run(python, ["-c", "import prometheus_client"], timeout: 60)
    guard check.status == 0 else {
        let reason = check.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(check.status)"
        throw DiffError("\(python) cannot import prometheus_client (\(reason)): \(installHint)")
    }
    return python
}

/// The first line of `--version` output, for the report.
func toolVersion(_ path: String, _ args: [String] = ["--version"]) -> String {
    guard let r = try? run(path, args, timeout: 30) else { return "unknown" }
    let text = r.stdout.isEmpty ? r.stderr : r.stdout
    return text.split(separator: "\n").first.map(String.init) ?? "unknown"
}

/// A temporary folder removed by `remove()`.
struct TempDir {
    let url: URL
    init(_ prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

typealias CommandResult = ProcessResult

/// Runs a program to completion (killed after `timeout` seconds) with `stdinFile` (or nothing)
/// on its standard input, and collects its output.
func run(_ path: String, _ arguments: [String], stdinFile: String? = nil, timeout: TimeInterval = 60) throws -> CommandResult {
    try runProcess(path, arguments, stdinFile: stdinFile, timeout: timeout)
}

/// A long-running server started for one test. `stop()` (call it in a `defer`) sends SIGTERM,
/// then SIGKILL after 5 s, and reaps it.
final class ServerProcess {
    let pid: pid_t
    let name: String
    let logPath: String
    private var stopped = false

    init(_ path: String, _ arguments: [String], logDir: TempDir) throws {
        name = (path as NSString).lastPathComponent
        logPath = logDir.path("\(name).log")
        pid = try spawnProcess(path, arguments, stdoutPath: logDir.path("\(name).out"), stderrPath: logPath)
    }

    /// Whether the process has exited (reaps it if so).
    var hasExited: Bool {
        if stopped { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { stopped = true; return true }
        return false
    }

    var log: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(text.suffix(3000))
    }

    func stop() {
        if stopped { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) != pid {
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            usleep(20_000)
        }
        stopped = true
    }

    deinit { stop() }
}

/// A loopback TCP port that was free a moment ago (the kernel's choice for port 0). A server may
/// still lose a race for it: callers retry with a new port when their server exits at once.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw DiffError("socket() failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    guard bound == 0 else { throw DiffError("bind(127.0.0.1:0) failed") }
    let named = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    guard named == 0 else { throw DiffError("getsockname failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Where the corpus lives.
var expositionCorpus: URL { Fixtures.repositoryRoot.appendingPathComponent("sample-data/expositions") }
