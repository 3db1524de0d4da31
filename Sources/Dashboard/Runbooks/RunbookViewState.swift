import Incidents
import Telemetry

/// The runbook pane: which runbook, for which alert, and where the cursor is.
public struct RunbookViewState: Hashable, Sendable {
    /// The runbook's file, as `RunbookIndex` holds it.
    public var file: String
    public var subject: RunbookSubject
    /// How the runbook was found, in words: "runbook_url", "matched by its alerts: matchers".
    public var linkedBy: String
    /// The screen Esc goes back to.
    public var returnTo: UIState.Screen
    /// Index into `RunbookViewState.items(of:)`: the checklist item or command under the cursor.
    public var selected = 0
    /// First body row shown.
    public var scroll = 0

    public init(file: String, subject: RunbookSubject, linkedBy: String, returnTo: UIState.Screen) {
        self.file = file; self.subject = subject; self.linkedBy = linkedBy; self.returnTo = returnTo
    }

    /// What the cursor can rest on: checklist items and commands, in the order of the file.
    public enum Item: Hashable, Sendable {
        /// The checklist item whose box is on this line.
        case checklist(line: Int)
        /// `runbook.commands[index]`.
        case command(index: Int)
    }

    public static func items(of runbook: Runbook) -> [Item] {
        let checks = runbook.checklist.map { (line: $0.line, item: Item.checklist(line: $0.line)) }
        let commands = runbook.commands.enumerated().map { (line: $0.element.line, item: Item.command(index: $0.offset)) }
        return (checks + commands).sorted { $0.line < $1.line }.map(\.item)
    }
}

/// Whether confirmed commands really run.
public enum ExecutionPolicy: Hashable, Sendable {
    /// Confirmed commands run through `/bin/sh -c`.
    case run
    /// Every command is a dry run: shown, audited as a dry run, never started (`--dry-run`, and
    /// the demo unless told otherwise, so a demo never touches a real cluster).
    case dryRun(reason: String)
    /// Commands cannot even be confirmed (`--read-only`).
    case readOnly
}

/// How a command ended.
public enum CommandEnding: Hashable, Sendable {
    case exited(Int32)
    case signaled(Int32)
    /// Its timeout passed; it was sent SIGTERM (then SIGKILL).
    case timedOut
    /// Cancelled by the operator (Ctrl-C): SIGTERM, then SIGKILL after the grace period.
    case cancelled
    /// It never started, and why (the audit log could not be written, the shell was missing...).
    case failedToStart(String)
    /// It ran and ended, but its exit status was lost (something else reaped the process).
    case statusUnknown(String)

    public var succeeded: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        case .timedOut: return "timed out"
        case .cancelled: return "cancelled"
        case .failedToStart(let why): return "not started: \(why)"
        case .statusUnknown(let why): return "ended, exit status unknown (\(why))"
        }
    }
}

/// A command to run, as `reduce` hands it to the run loop. The run loop writes the
/// confirmation to the audit log (fsync'd) before it starts the command, and the completion
/// after it ends; if the audit log cannot be written, the command does not start.
public struct CommandRequest: Hashable, Sendable {
    public var runID: String
    /// The exact text given to `/bin/sh -c`.
    public var command: String
    public var kind: RunbookCommand.Kind
    public var timeout: Duration
    public var runbook: String
    /// The command block's fence line and the heading above it.
    public var line: Int
    public var section: String?
    public var subject: RunbookSubject
    public var user: String
    public var mode: Mode
    /// True for a dry run: audited, never started.
    public var dryRun: Bool
}

/// A command that ran (or is running), with its output, for the output pane and the timeline.
public struct CommandExecution: Hashable, Sendable {
    public var request: CommandRequest
    public var startedAt: Timestamp
    /// The last lines of output (at most `CommandExecution.keptLines`).
    public var output: [String] = []
    /// Lines dropped from the front of `output` to keep it bounded.
    public var droppedLines = 0
    public var ending: CommandEnding?
    public var duration: Duration?
    /// A problem writing the audit log after the command ended.
    public var auditProblem: String?

    public static let keptLines = 2_000

    public var isRunning: Bool { ending == nil }

    mutating func append(_ lines: [String]) {
        output += lines
        if output.count > CommandExecution.keptLines {
            let extra = output.count - CommandExecution.keptLines
            output.removeFirst(extra)
            droppedLines += extra
        }
    }
}
