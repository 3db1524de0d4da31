import ArgumentParser
import Dashboard
import Foundation
import Logs
import Sources
import Telemetry
import TerminalUI

/// `modelwatch logs FILE...`: the dashboard's log reading without a screen. Files are read
/// whole (or followed like `tail -F` with `--follow`), their formats detected, multi-line
/// records folded, and each entry printed normalized and sanitized, as text or JSON lines.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Read log files as modelwatch does: formats detected, records folded, entries printed.",
        discussion: """
        Without --follow the files are read from their start and the command exits at their end. \
        With --follow it keeps reading as tail -F does (rotation, truncation, files that appear later), \
        starting at the end or --lines back, until interrupted. Globs are expanded (quote them). \
        Exit status: 0, or 1 when a file could not be read.
        """
    )

    @Argument(help: "Log files or globs.")
    var files: [String]

    @Flag(help: "Keep following the files, like tail -F.")
    var follow = false

    @Option(help: "With --follow, start this many lines back (default: at the end).")
    var lines: Int?

    @Option(help: "Only entries at this level or worse: trace, debug, info, warn, error, fatal.")
    var level: String?

    @Option(help: "Only entries whose message matches this regular expression.")
    var grep: String?

    @Flag(help: "One JSON object per entry.")
    var json = false

    func validate() throws {
        if let level, LogLevel(word: level) == nil { throw ValidationError("--level '\(level)' is not a log level") }
        if let grep, (try? Regex(grep)) == nil { throw ValidationError("--grep '\(grep)' is not a regular expression") }
        if let lines, lines < 0 { throw ValidationError("--lines must be 0 or more") }
        if lines != nil && !follow { throw ValidationError("--lines goes with --follow") }
    }

    func run() throws {
        let minimum = level.flatMap { LogLevel(word: $0) }
        let regex = grep.flatMap { try? Regex($0) }
        var options = LogFollowOptions()
        options.start = follow ? (lines.map { .lines($0) } ?? .end) : .beginning
        let follower = LogFollower(patterns: files, options: options)
        var assemblers: [String: LogAssembler] = [:]
        var failed = false
        let clock = SystemClock()

        func emit(_ entry: LogEntry) {
            if let minimum, entry.level == .unknown || entry.level < minimum { return }
            if let regex, (try? regex.firstMatch(in: entry.message)) == nil { return }
            // Written at once (not through print's buffer), so a reader of --follow sees each entry.
            FileHandle.standardOutput.write(Data(((json ? LogsOutput.json(entry) : LogsOutput.text(entry)) + "\n").utf8))
        }
        func take(_ batches: [LogBatch]) {
            let now = clock.now()
            for batch in batches {
                for notice in batch.notices {
                    guard case .statusChanged(let status) = notice, !status.isHealthy else { continue }
                    failed = true
                    FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(batch.path)): \(status)\n".utf8))
                }
                guard !batch.lines.isEmpty else { continue }
                var assembler = assemblers[batch.path] ?? LogAssembler(source: batch.path)
                for line in batch.lines {
                    if let entry = assembler.append(line.text, receivedAt: now, truncated: line.cut) { emit(entry) }
                }
                assemblers[batch.path] = assembler
            }
        }

        repeat {
            take(follower.poll())
        } while follower.hasMoreToRead
        guard follow else {
            // A last line without its newline is an entry too when reading a file whole.
            take(follower.finish())
            for source in assemblers.keys.sorted() {
                if var a = assemblers[source], let last = a.finish() { emit(last) }
            }
            let matched = follower.reports.filter { $0.status.isHealthy || $0.linesDelivered > 0 }
            if matched.isEmpty {
                FileHandle.standardError.write(Data("modelwatch: no readable file matches \(files.map(Sanitizer.visible).joined(separator: " "))\n".utf8))
                throw ExitCode(1)
            }
            if failed { throw ExitCode(1) }
            return
        }
        while true {
            var wait = follower.suggestedTimeoutMilliseconds
            if let fd = follower.wakeFileDescriptor {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                wait = min(wait, 250)
                _ = Glibc.poll(&pfd, 1, Int32(wait))
            } else {
                usleep(useconds_t(max(10, min(wait, 250)) * 1000))
            }
            take(follower.poll())
            let now = clock.now()
            for source in assemblers.keys.sorted() {
                guard var a = assemblers[source], a.hasPendingRecord else { continue }
                if let entry = a.flush(now: now) { emit(entry) }
                assemblers[source] = a
            }
        }
    }
}

/// How `logs` prints an entry. Everything from the file passes through `Sanitizer.visible`
/// (text) or JSON escaping (JSON): no escape sequence from a log reaches the terminal raw.
enum LogsOutput {
    static func text(_ e: LogEntry) -> String {
        var head = isoTime(e.statedTime ?? e.time) + " " + Sanitizer.visible(e.source) + " "
            + e.level.description.padding(toLength: 5, withPad: " ", startingAt: 0)
        if let model = e.model { head += " [" + Sanitizer.visible(model) + (e.version.map { "@" + Sanitizer.visible($0) } ?? "") + "]" }
        let lines = e.message.split(separator: "\n", omittingEmptySubsequences: false)
        var out = head + " " + Sanitizer.visible(String(lines.first ?? ""))
        for more in lines.dropFirst() { out += "\n    " + Sanitizer.visible(String(more)) }
        if e.truncated { out += " [line cut at the length limit]" }
        return out
    }

    static func json(_ e: LogEntry) -> String {
        var pairs: [(String, String)] = [
            ("time", quote(isoTime(e.time))),
            ("source", quote(e.source)),
            ("level", quote(e.level.description.lowercased())),
            ("message", quote(e.message)),
            ("format", quote("\(e.format)")),
            ("lines", "\(e.lineCount)"),
            ("truncated", e.truncated ? "true" : "false"),
        ]
        if let t = e.statedTime { pairs.insert(("stated_time", quote(isoTime(t))), at: 1) }
        for (k, v) in [("model", e.model), ("version", e.version), ("request_id", e.requestID), ("trace_id", e.traceID)] {
            if let v { pairs.append((k, quote(v))) }
        }
        if !e.fields.isEmpty {
            pairs.append(("fields", "{" + e.fields.keys.sorted().map { quote($0) + ":" + quote(e.fields[$0]!) }.joined(separator: ",") + "}"))
        }
        return JSONText.object(pairs)
    }

    static func quote(_ s: String) -> String { JSONText.string(s) }


    /// `2026-11-29T03:00:00.123Z`.
    static func isoTime(_ t: Timestamp) -> String {
        let ms = t.milliseconds
        let date = CivilDate(daysSinceEpoch: Int64((Double(ms) / 86_400_000).rounded(.down)))
        let dayMs = ((ms % 86_400_000) + 86_400_000) % 86_400_000
        func pad(_ v: Int64, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(Int64(date.year), 4))-\(pad(Int64(date.month), 2))-\(pad(Int64(date.day), 2))T"
            + "\(pad(dayMs / 3_600_000, 2)):\(pad(dayMs / 60_000 % 60, 2)):\(pad(dayMs / 1000 % 60, 2)).\(pad(dayMs % 1000, 3))Z"
    }
}
