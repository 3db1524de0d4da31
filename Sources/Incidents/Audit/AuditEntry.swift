import Telemetry

/// One line of the audit log: a runbook command confirmed, completed, dry-run or refused.
///
/// The log is JSON lines (`docs/audit-log.md`), written by `AuditLogWriter` in the Sources
/// module: one entry when the operator confirms a command (written and fsync'd before the
/// command starts) and one when it ends, the two tied by `runID`. Every entry carries the
/// whole context (who, where, which alert, which runbook step, the exact command), so either
/// line can be read on its own after a crash that lost the other.
///
/// Values here are untrusted (label values, command output): `jsonLine()` escapes every
/// control character, and a reader must still sanitize them before a terminal shows them.
public struct AuditEntry: Hashable, Sendable {
    /// The version written in every line; a reader refuses lines of another version.
    public static let formatVersion = 1
    /// At most this many lines of output are kept, the last ones.
    public static let maxOutputLines = 20
    /// Each kept output line is cut to this many Unicode scalars (a cut line ends in `…`),
    /// scalars rather than characters so that a line's size in bytes is bounded too.
    public static let maxOutputLineScalars = 500

    public enum Event: String, Hashable, Sendable, CaseIterable {
        /// The operator confirmed the command; it is about to start.
        case confirmed
        /// The command ended (or could not start); `ending` says how.
        case completed
        /// The command was shown as it would run, and not run.
        case dryRun = "dry_run"
        /// The command was asked for and not allowed (read-only mode, say); `reason` says why.
        case refused
    }

    /// Why the command ended. `exitStatus` and `signal` say how the process itself ended:
    /// a command that timed out may still have exited 0 from its TERM trap.
    public enum Ending: Hashable, Sendable {
        case exited
        /// Killed by a signal nobody in modelwatch sent.
        case signaled
        /// Ran past its timeout: sent SIGTERM, then SIGKILL after a grace period.
        case timedOut
        /// Cancelled by the operator (Ctrl-C): SIGTERM, then SIGKILL after a grace period.
        case cancelled
        /// `/bin/sh` could not be started; the message says why.
        case failedToStart(String)
        /// The process ended but its status could not be collected; the message says why.
        case statusUnknown(String)

        /// The word written in the log.
        public var name: String {
            switch self {
            case .exited: "exited"
            case .signaled: "signaled"
            case .timedOut: "timed_out"
            case .cancelled: "cancelled"
            case .failedToStart: "failed_to_start"
            case .statusUnknown: "status_unknown"
            }
        }

        /// The message of `failedToStart` and `statusUnknown`, written as `error`.
        public var message: String? {
            switch self {
            case .failedToStart(let m), .statusUnknown(let m): m
            default: nil
            }
        }
    }

    /// The runbook step a command came from.
    public struct Step: Hashable, Sendable {
        /// `rollback`, `diagnose` or `mitigate` (a string, so a later kind stays readable).
        public var kind: String
        /// The 1-based line of the block's opening fence in the runbook file.
        public var line: Int
        /// The nearest heading above the block, if any.
        public var section: String?

        public init(kind: String, line: Int, section: String? = nil) {
            self.kind = kind; self.line = line; self.section = section
        }
    }

    public var event: Event
    /// Ties a confirmation to its completion: the same in both.
    public var runID: String
    public var time: Timestamp
    public var user: String
    public var host: String
    /// `live`, `demo` or `replay`.
    public var mode: String
    /// The alert's `alertname`, if the command was run for an alert.
    public var alert: String?
    public var labels: [String: String]
    /// The runbook file.
    public var runbook: String?
    public var step: Step?
    /// The exact text given to `/bin/sh -c`, parameters expanded and quoted.
    public var command: String
    /// True when the command was not handed to `/bin/sh` for real: every `.dryRun` entry, and
    /// the entries of a run that was only simulated (the demo, say).
    public var dryRun: Bool
    /// Completions only.
    public var ending: Ending?
    /// The exit status, when the process exited (whatever the ending).
    public var exitStatus: Int32?
    /// The signal that killed the process, when one did (whatever the ending).
    public var signal: Int32?
    /// From start to exit, on a monotonic clock; completions only.
    public var durationMilliseconds: Int64?
    /// Why a command was refused (`.refused`), or any note the caller wants kept.
    public var reason: String?
    /// The last lines of output (completions), at most `maxOutputLines`, each at most
    /// `maxOutputLineScalars` scalars; longer input is cut by `init` and by `jsonLine()`.
    public var outputTail: [String]

    public init(event: Event, runID: String, time: Timestamp, user: String, host: String, mode: String,
                alert: String? = nil, labels: [String: String] = [:], runbook: String? = nil, step: Step? = nil,
                command: String, dryRun: Bool, ending: Ending? = nil, exitStatus: Int32? = nil, signal: Int32? = nil,
                durationMilliseconds: Int64? = nil, reason: String? = nil, outputTail: [String] = []) {
        self.event = event; self.runID = runID; self.time = time; self.user = user; self.host = host
        self.mode = mode; self.alert = alert; self.labels = labels; self.runbook = runbook; self.step = step
        self.command = command; self.dryRun = dryRun; self.ending = ending; self.exitStatus = exitStatus
        self.signal = signal; self.durationMilliseconds = durationMilliseconds; self.reason = reason
        self.outputTail = Self.tail(outputTail)
    }

    /// The completion of this (confirmation) entry: the same context and run id, a new time
    /// and event, and how the command ended.
    public func completion(time: Timestamp, ending: Ending, exitStatus: Int32?, signal: Int32?,
                           durationMilliseconds: Int64, outputTail: [String]) -> AuditEntry {
        var e = self
        e.event = .completed
        e.time = time
        e.ending = ending
        e.exitStatus = exitStatus
        e.signal = signal
        e.durationMilliseconds = durationMilliseconds
        e.outputTail = Self.tail(outputTail)
        return e
    }

    /// The last `maxOutputLines` lines, each cut to `maxOutputLineScalars` scalars (ending in
    /// `…` when cut).
    public static func tail(_ lines: [String]) -> [String] {
        lines.suffix(maxOutputLines).map { line in
            let scalars = line.unicodeScalars
            guard scalars.count > maxOutputLineScalars else { return line }
            var cut = String.UnicodeScalarView(scalars.prefix(maxOutputLineScalars - 1))
            cut.append("…")
            return String(cut)
        }
    }

    // MARK: Writing

    /// The entry as one JSON line, without the newline: keys always present and always in this
    /// order (null where they do not apply), labels sorted by name, every control character
    /// escaped (so the line has no raw newline and is safe to `cat`).
    ///
    /// `version, event, run_id, time, user, host, mode, alert, labels, runbook, step, command,
    /// dry_run, ending, exit_status, signal, duration_ms, error, reason, output_tail`
    public func jsonLine() -> String {
        let s = AuditJSON.string
        func opt(_ v: String?) -> String { v.map(s) ?? "null" }
        func int<I: BinaryInteger>(_ v: I?) -> String { v.map { "\($0)" } ?? "null" }
        let labelText = "{" + labels.keys.sorted().map { s($0) + ":" + s(labels[$0]!) }.joined(separator: ",") + "}"
        let stepText = step.map { "{\"kind\":\(s($0.kind)),\"line\":\($0.line),\"section\":\(opt($0.section))}" } ?? "null"
        let errorText = ending?.message
        var out = "{\"version\":\(Self.formatVersion)"
        out += ",\"event\":" + s(event.rawValue)
        out += ",\"run_id\":" + s(runID)
        out += ",\"time\":\(time.milliseconds)"
        out += ",\"user\":" + s(user)
        out += ",\"host\":" + s(host)
        out += ",\"mode\":" + s(mode)
        out += ",\"alert\":" + opt(alert)
        out += ",\"labels\":" + labelText
        out += ",\"runbook\":" + opt(runbook)
        out += ",\"step\":" + stepText
        out += ",\"command\":" + s(command)
        out += ",\"dry_run\":" + (dryRun ? "true" : "false")
        out += ",\"ending\":" + opt(ending?.name)
        out += ",\"exit_status\":" + int(exitStatus)
        out += ",\"signal\":" + int(signal)
        out += ",\"duration_ms\":" + int(durationMilliseconds)
        out += ",\"error\":" + opt(errorText)
        out += ",\"reason\":" + opt(reason)
        out += ",\"output_tail\":[" + Self.tail(outputTail).map(s).joined(separator: ",") + "]"
        out += "}"
        return out
    }

    // MARK: Reading

    /// The keys of a version-1 line, in the order `jsonLine()` writes them.
    public static let keys = ["version", "event", "run_id", "time", "user", "host", "mode", "alert", "labels",
                              "runbook", "step", "command", "dry_run", "ending", "exit_status", "signal",
                              "duration_ms", "error", "reason", "output_tail"]

    /// Parses one line (without its newline). Strict: every key of version 1 present, no other
    /// key, no key twice, the right type for each, and the fields consistent with the event
    /// (a completion has an ending, a confirmation has none, `failed_to_start` has an error...).
    public static func parse(line: String) -> Result<AuditEntry, AuditParseError> {
        switch AuditJSON.parse(line) {
        case .failure(let e):
            return .failure(AuditParseError(column: e.column, message: "not JSON at column \(e.column): \(e.message)",
                                            endedEarly: e.endedEarly))
        case .success(let value):
            do { return .success(try decode(value)) } catch let e as AuditParseError { return .failure(e) } catch {
                return .failure(AuditParseError(message: "\(error)"))
            }
        }
    }

    private static func decode(_ value: AuditJSON.Value) throws -> AuditEntry {
        guard case .object(let fields) = value else { throw AuditParseError(message: "not a JSON object") }
        var byKey: [String: AuditJSON.Value] = [:]
        for (k, v) in fields { byKey[k] = v }
        // The version first: a line of a later version is reported as such, not as odd fields.
        guard let versionValue = byKey["version"] else { throw AuditParseError(message: "no `version` field") }
        guard case .number(let vt) = versionValue, let version = Int(vt) else {
            throw AuditParseError(message: "`version` is not an integer")
        }
        guard version == formatVersion else {
            throw AuditParseError(message: "version \(version); this reader knows version \(formatVersion)")
        }
        if let unknown = fields.map(\.0).first(where: { !keys.contains($0) }) {
            throw AuditParseError(message: "unknown field \(AuditJSON.string(unknown))")
        }
        if let missing = keys.first(where: { byKey[$0] == nil }) {
            throw AuditParseError(message: "no `\(missing)` field")
        }
        func string(_ k: String) throws -> String {
            guard case .string(let s) = byKey[k]! else { throw AuditParseError(message: "`\(k)` is not a string") }
            return s
        }
        func optString(_ k: String) throws -> String? {
            if case .null = byKey[k]! { return nil }
            return try string(k)
        }
        func integer<I: FixedWidthInteger>(_ v: AuditJSON.Value, _ k: String, _: I.Type) throws -> I? {
            if case .null = v { return nil }
            // Only plain integers: `1e3` or `2.0` would be a different writer, or a tampered line.
            guard case .number(let t) = v, let n = I(t) else {
                throw AuditParseError(message: "`\(k)` is not an integer in range")
            }
            return n
        }

        guard let event = Event(rawValue: try string("event")) else {
            throw AuditParseError(message: "unknown event \(AuditJSON.string(try string("event")))")
        }
        guard let time = try integer(byKey["time"]!, "time", Int64.self) else { throw AuditParseError(message: "`time` is null") }

        guard case .object(let labelFields) = byKey["labels"]! else { throw AuditParseError(message: "`labels` is not an object") }
        var labels: [String: String] = [:]
        for (k, v) in labelFields {
            guard case .string(let s) = v else { throw AuditParseError(message: "label \(AuditJSON.string(k)) is not a string") }
            labels[k] = s
        }

        var step: Step? = nil
        switch byKey["step"]! {
        case .null: break
        case .object(let sf):
            var sm: [String: AuditJSON.Value] = [:]
            for (k, v) in sf { sm[k] = v }
            if let unknown = sf.map(\.0).first(where: { !["kind", "line", "section"].contains($0) }) {
                throw AuditParseError(message: "unknown field \(AuditJSON.string(unknown)) in `step`")
            }
            guard case .string(let kind)? = sm["kind"] else { throw AuditParseError(message: "`step.kind` is not a string") }
            guard let lv = sm["line"], let line = try integer(lv, "step.line", Int.self), line >= 1 else {
                throw AuditParseError(message: "`step.line` is not a line number")
            }
            var section: String? = nil
            switch sm["section"] {
            case .string(let s)?: section = s
            case .null?: break
            default: throw AuditParseError(message: "`step.section` is not a string or null")
            }
            step = Step(kind: kind, line: line, section: section)
        default: throw AuditParseError(message: "`step` is not an object or null")
        }

        guard case .bool(let dryRun) = byKey["dry_run"]! else { throw AuditParseError(message: "`dry_run` is not true or false") }
        let exitStatus = try integer(byKey["exit_status"]!, "exit_status", Int32.self)
        let signal = try integer(byKey["signal"]!, "signal", Int32.self)
        let duration = try integer(byKey["duration_ms"]!, "duration_ms", Int64.self)
        let error = try optString("error")

        var ending: Ending? = nil
        if let name = try optString("ending") {
            switch name {
            case "exited": ending = .exited
            case "signaled": ending = .signaled
            case "timed_out": ending = .timedOut
            case "cancelled": ending = .cancelled
            case "failed_to_start":
                guard let error else { throw AuditParseError(message: "`failed_to_start` without an `error`") }
                ending = .failedToStart(error)
            case "status_unknown":
                guard let error else { throw AuditParseError(message: "`status_unknown` without an `error`") }
                ending = .statusUnknown(error)
            default: throw AuditParseError(message: "unknown ending \(AuditJSON.string(name))")
            }
        }

        guard case .array(let tailValues) = byKey["output_tail"]! else {
            throw AuditParseError(message: "`output_tail` is not an array")
        }
        var tail: [String] = []
        for v in tailValues {
            guard case .string(let s) = v else { throw AuditParseError(message: "`output_tail` holds a value that is not a string") }
            tail.append(s)
        }

        // Consistency: what each event must and must not carry.
        if event == .completed {
            guard let ending else { throw AuditParseError(message: "a completion without an `ending`") }
            guard duration != nil else { throw AuditParseError(message: "a completion without `duration_ms`") }
            if ending == .exited && exitStatus == nil { throw AuditParseError(message: "`exited` without an `exit_status`") }
            if ending == .signaled && signal == nil { throw AuditParseError(message: "`signaled` without a `signal`") }
        } else {
            if ending != nil || exitStatus != nil || signal != nil || duration != nil {
                throw AuditParseError(message: "a `\(event.rawValue)` entry with completion fields")
            }
        }
        if event == .dryRun && !dryRun { throw AuditParseError(message: "a `dry_run` event with `dry_run` false") }
        if error != nil, ending?.message == nil {
            throw AuditParseError(message: "an `error` without `failed_to_start` or `status_unknown`")
        }
        if exitStatus != nil && signal != nil { throw AuditParseError(message: "both an `exit_status` and a `signal`") }
        if let signal, !(1...64).contains(signal) { throw AuditParseError(message: "`signal` \(signal) is not a signal number") }
        if let duration, duration < 0 { throw AuditParseError(message: "`duration_ms` is negative") }

        var entry = AuditEntry(
            event: event, runID: try string("run_id"), time: Timestamp(milliseconds: time), user: try string("user"),
            host: try string("host"), mode: try string("mode"), alert: try optString("alert"), labels: labels,
            runbook: try optString("runbook"), step: step, command: try string("command"), dryRun: dryRun,
            ending: ending, exitStatus: exitStatus, signal: signal, durationMilliseconds: duration,
            reason: try optString("reason"))
        // Kept as read, not cut again: the reader shows what the file says.
        entry.outputTail = tail
        return entry
    }
}

/// Why a line is not an audit entry. `column` (1-based, in bytes) when the JSON itself is
/// broken; `endedEarly` when everything up to the end of the line was a valid beginning of an
/// entry, which is what a write cut short by a crash leaves behind.
public struct AuditParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var column: Int?
    public var message: String
    public var endedEarly: Bool

    public init(column: Int? = nil, message: String, endedEarly: Bool = false) {
        self.column = column; self.message = message; self.endedEarly = endedEarly
    }

    /// The message; it names the column when there is one.
    public var description: String { message }
}
