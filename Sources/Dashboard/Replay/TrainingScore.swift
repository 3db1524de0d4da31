import Incidents
import Telemetry

/// How a trainee did against the recorded incident: how long after the first alert fired they
/// acknowledged it, how long until they opened the runbook the on-call engineer opened, and
/// whether the command they chose is the one that was run. Read from the two timelines.
public struct TrainingScore: Hashable, Sendable {
    /// The first alert that fired in the recording.
    public var firstFiring: TimelineEvent?
    public var acknowledgedAfter: Milliseconds?
    /// The runbook the recorded operator opened first, and when the trainee opened it.
    public var expectedRunbook: String?
    public var runbookAfter: Milliseconds?
    /// The command the recorded operator confirmed first, and the trainee's first choice.
    public var expectedCommand: String?
    public var chosenCommand: String?

    public var commandMatches: Bool? {
        guard let expectedCommand else { return nil }
        return chosenCommand == expectedCommand
    }

    /// - Parameters:
    ///   - reference: the recorded session's timeline (its operator's actions included).
    ///   - trainee: the training replay's timeline (the recorded operator's actions left out).
    public static func compute(reference: [TimelineEvent], trainee: [TimelineEvent]) -> TrainingScore {
        var score = TrainingScore()
        score.firstFiring = reference.first { $0.kind == .alertFiring }
        let fired = score.firstFiring?.time
        if let fired, let ack = trainee.first(where: { $0.kind == .acknowledged && $0.summary.contains(" acknowledged by ") }) {
            score.acknowledgedAfter = ack.time - fired
        }
        score.expectedRunbook = reference.first { $0.kind == .runbook }.flatMap { runbookTitle($0.summary) }
        if let expected = score.expectedRunbook, let fired,
           let opened = trainee.first(where: { $0.kind == .runbook && runbookTitle($0.summary) == expected }) {
            score.runbookAfter = opened.time - fired
        }
        score.expectedCommand = reference.first { $0.kind == .command && $0.summary.contains(" confirmed by ") }
            .flatMap { event in event.summary.range(of: ": ").map { String(event.summary[$0.upperBound...]) } }
        let prefix = "would run (replay, nothing runs): "
        score.chosenCommand = trainee.first { $0.kind == .command && $0.summary.hasPrefix(prefix) }
            .map { event in
                let rest = event.summary.dropFirst(prefix.count)
                return rest.range(of: " by ", options: .backwards).map { String(rest[..<$0.lowerBound]) } ?? String(rest)
            }
        return score
    }

    /// `runbook "Title" opened by alice for X` → `Title`.
    static func runbookTitle(_ summary: String) -> String? {
        guard summary.hasPrefix("runbook \""), let end = summary.range(of: "\" opened by ") else { return nil }
        return String(summary[summary.index(summary.startIndex, offsetBy: 9)..<end.lowerBound])
    }

    /// The score as the trainee reads it at the end.
    public var report: String {
        var out = "Training score\n"
        if let first = firstFiring {
            out += "  first alert: \(first.summary) at \(Format.clock(first.time))Z\n"
            out += "  acknowledged: " + (acknowledgedAfter.map { $0.value < 0 ? "\(Format.age(Milliseconds(-$0.value))) before it fired (while pending)" : "\(Format.age($0)) after it fired" } ?? "never") + "\n"
        } else {
            out += "  no alert fired in this recording\n"
        }
        if let expected = expectedRunbook {
            out += "  runbook \"\(expected)\": " + (runbookAfter.map { "opened \(Format.age($0)) after the first alert" } ?? "never opened") + "\n"
        } else {
            out += "  runbook: the recorded operator opened none\n"
        }
        if let expected = expectedCommand {
            out += "  mitigation: " + (commandMatches == true ? "the same command as the one that was run" :
                (chosenCommand.map { "chose \($0), but \(expected) was run" } ?? "none chosen; \(expected) was run")) + "\n"
        } else {
            out += "  mitigation: the recorded operator ran no command" + (chosenCommand.map { "; you chose \($0)" } ?? "") + "\n"
        }
        return out
    }
}
