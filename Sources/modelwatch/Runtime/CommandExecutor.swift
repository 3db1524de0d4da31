import Dashboard
import Foundation
import Incidents
import Sources
import Telemetry

/// Carries out the command effects of `reduce`: writes the confirmation to the audit log and
/// fsyncs it before the command starts (no audit entry, no run), runs it through `/bin/sh -c`,
/// streams its output back as messages, and writes the completion (fsync'd) when it ends.
final class CommandExecutor: @unchecked Sendable {
    private let auditPath: String?
    private let inbox: Inbox
    private let clock: SystemClock
    private let host: String
    private let lock = NSLock()
    private var writer: AuditLogWriter?
    private var runs: [String: CommandRun] = [:]
    /// How long a cancelled or timed-out command gets between SIGTERM and SIGKILL.
    static let killGrace: Duration = .seconds(5)

    init(auditPath: String?, inbox: Inbox, clock: SystemClock) {
        self.auditPath = auditPath
        self.inbox = inbox
        self.clock = clock
        self.host = AuditIdentity.currentHost()
    }

    func run(_ request: CommandRequest) {
        let confirmation = entry(.confirmed, request)
        if let problem = append(confirmation) {
            inbox.post(.commandFinished(runID: request.runID, ending: .failedToStart("the audit log could not be written (\(problem)), so the command was not run"),
                                        duration: .zero, auditProblem: problem, at: clock.now()))
            return
        }
        let inbox = self.inbox, clock = self.clock
        let run = CommandRun.start(command: request.command, timeout: request.timeout, killGrace: CommandExecutor.killGrace,
                                   onOutput: { output in
                                       var lines = output.lines.map { $0.cut ? $0.text + " …(line cut)" : $0.text }
                                       if output.skippedLines > 0 {
                                           lines.insert("… \(output.skippedLines) lines skipped (output too fast to show)", at: 0)
                                       }
                                       inbox.post(.commandOutput(runID: request.runID, lines: lines, at: clock.now()))
                                   },
                                   onExit: { [weak self] outcome in
                                       self?.finish(request, confirmation: confirmation, outcome: outcome)
                                   })
        lock.withLock { runs[request.runID] = run }
    }

    func cancel(runID: String) {
        let run = lock.withLock { runs[runID] }
        run?.cancel()
    }

    func recordDryRun(_ request: CommandRequest) {
        var dry = entry(.dryRun, request)
        dry.dryRun = true
        if let problem = append(dry) {
            inbox.post(.commandFinished(runID: request.runID, ending: .exited(0), duration: .zero,
                                        auditProblem: problem, at: clock.now()))
        }
    }

    private func finish(_ request: CommandRequest, confirmation: AuditEntry, outcome: CommandOutcome) {
        var completion = confirmation.completion(outcome, at: clock.now())
        if outcome.outputLeftOpen { completion.reason = "left processes running in the background; their later output was not read" }
        let problem = append(completion)
        lock.withLock { _ = runs.removeValue(forKey: request.runID) }
        inbox.post(.commandFinished(runID: request.runID, ending: CommandExecutor.ending(outcome.ending), duration: outcome.duration,
                                    auditProblem: problem, at: clock.now()))
    }

    static func ending(_ ending: CommandOutcome.Ending) -> CommandEnding {
        switch ending {
        case .exited(let code): .exited(code)
        case .signaled(let signal): .signaled(signal)
        case .timedOut: .timedOut
        case .cancelled: .cancelled
        case .failedToStart(let why): .failedToStart(why)
        case .statusUnknown(let why): .statusUnknown(why)
        }
    }

    private func entry(_ event: AuditEntry.Event, _ request: CommandRequest) -> AuditEntry {
        AuditEntry(event: event, runID: request.runID, time: clock.now(), user: request.user, host: host,
                   mode: request.mode.rawValue.lowercased(), alert: request.subject.alertName, labels: request.subject.labels,
                   runbook: request.runbook,
                   step: AuditEntry.Step(kind: request.kind.rawValue, line: request.line, section: request.section),
                   command: request.command, dryRun: request.dryRun)
    }

    /// Appends and fsyncs one entry; the problem, if it could not be written.
    private func append(_ entry: AuditEntry) -> String? {
        guard let auditPath else { return "no audit log is set (--audit-log FILE or audit_log: in the config)" }
        return lock.withLock { () -> String? in
            do {
                if writer == nil {
                    let dir = (auditPath as NSString).deletingLastPathComponent
                    if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
                        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                                attributes: [.posixPermissions: 0o700])
                    }
                    writer = try AuditLogWriter(path: auditPath)
                }
                try writer!.append(entry)
                return nil
            } catch {
                writer = nil
                return "\(error)"
            }
        }
    }
}
