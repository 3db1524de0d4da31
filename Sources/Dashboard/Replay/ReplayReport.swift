import Foundation
import Incidents
import Telemetry
import TerminalUI

/// What a replayed session prints without a terminal: its alert transitions, its timeline (as
/// text or Markdown for the post-incident review) and a summary. Pure: from a folded state.
public enum ReplayReport {
    /// One line per alert transition: `03:01:40Z  +1m40s  FIRING    ModelErrorRateHigh: summary`.
    public static func alerts(_ state: State, start: Timestamp) -> String {
        let kinds: [TimelineEvent.Kind] = [.alertPending, .alertFiring, .alertResolved]
        return state.timeline.events.filter { kinds.contains($0.kind) }.map { event in
            "\(Format.clock(event.time))Z  +\(Format.age(event.time - start))  \(EventList.label(event.kind))  \(clean(event.summary))"
        }.joined(separator: "\n") + "\n"
    }

    /// Every timeline event, one per line.
    public static func timeline(_ state: State, start: Timestamp) -> String {
        state.timeline.events.map { event in
            "\(Format.clock(event.time))Z  +\(Format.age(event.time - start))  \(EventList.label(event.kind))  \(clean(event.summary))"
        }.joined(separator: "\n") + "\n"
    }

    /// The timeline as a Markdown document for the post-incident review: a summary, then a table
    /// of every event. Cell text is escaped so that nothing from a label or a log line can break
    /// the table or inject markup.
    public static func markdown(_ state: State, start: Timestamp, end: Timestamp, title: String) -> String {
        var out = "# \(markdownText(title))\n\n"
        out += "- Recorded: \(Format.dateTime(start)) to \(Format.dateTime(end)) (\(Format.age(end - start)))\n"
        if let severity = state.incident.severity { out += "- Severity: SEV\(severity)\n" }
        if let started = state.incident.startedAt {
            let ended = state.incident.endedAt.map { "closed \(Format.dateTime($0)) after \(Format.age($0 - started))" } ?? "not closed"
            out += "- Incident declared: \(Format.dateTime(started)), \(ended)\n"
        }
        let counts = Dictionary(grouping: state.timeline.events, by: \.kind).mapValues(\.count)
        let fired = Set(state.timeline.events.filter { $0.kind == .alertFiring }.map { alertName($0.summary) }).sorted()
        out += "- Alerts that fired: " + (fired.isEmpty ? "none" : fired.map { "`\(markdownText($0))`" }.joined(separator: ", ")) + "\n"
        out += "- Deploys: \(counts[.deploy] ?? 0) · acknowledgements and silences: \((counts[.acknowledged] ?? 0) + (counts[.silenced] ?? 0))"
            + " · runbook steps: \(counts[.runbook] ?? 0) · commands: \(counts[.command] ?? 0) · notes: \(counts[.note] ?? 0)\n\n"
        out += "| time (UTC) | since start | event | model | what happened |\n|---|---|---|---|---|\n"
        for event in state.timeline.events {
            out += "| \(Format.clock(event.time)) | +\(Format.age(event.time - start)) | \(word(event.kind)) | "
                + "\(event.model.map(markdownText) ?? "") | \(markdownText(event.summary)) |\n"
        }
        if state.timeline.droppedCount > 0 {
            out += "\n\(state.timeline.droppedCount) earlier events were dropped from the timeline's memory.\n"
        }
        return out
    }

    /// Counts and operator actions, for scripts.
    public static func summary(_ state: State, start: Timestamp, end: Timestamp, messages: Int) -> String {
        let events = state.timeline.events
        func count(_ kind: TimelineEvent.Kind) -> Int { events.filter { $0.kind == kind }.count }
        var out = "recorded: \(Format.dateTime(start)) to \(Format.dateTime(end)) (\(Format.age(end - start))), \(messages) messages\n"
        out += "alerts: \(count(.alertPending)) pending, \(count(.alertFiring)) firing, \(count(.alertResolved)) resolved\n"
        out += "deploys: \(count(.deploy))\n"
        out += "operator: \(count(.acknowledged)) acknowledgement events, \(count(.silenced)) silence events, \(count(.runbook)) runbook events, "
            + "\(count(.command)) command events, \(count(.note)) notes\n"
        if let severity = state.incident.severity { out += "severity: SEV\(severity)\n" }
        out += "still firing at the end: \(state.firingAlerts.map(\.name).sorted().joined(separator: ", ").nonEmpty ?? "none")\n"
        return out
    }

    static func word(_ kind: TimelineEvent.Kind) -> String {
        EventList.label(kind).trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// `ModelErrorRateHigh firing: ...` → `ModelErrorRateHigh`.
    static func alertName(_ summary: String) -> String {
        String(summary.prefix { $0 != " " })
    }

    /// One line, control characters made visible.
    static func clean(_ text: String) -> String { Sanitizer.visible(text) }

    /// Text safe in a Markdown table cell: visible controls, `|` and markup characters escaped.
    static func markdownText(_ text: String) -> String {
        var out = ""
        for c in Sanitizer.visible(text) {
            if "\\`*_[]<>|#".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}


