import Foundation
import Incidents
import Telemetry

/// The `:` command line and the `n` note prompt: what an incident commander types during a Sev1.
/// Every command enters the timeline with who typed it. Runs inside `reduce`.
enum IncidentCommands {
    static let help = "commands: note TEXT · sev 1-4 · incident start · incident end"

    /// Runs one command line; the error to show in the prompt, if it was refused.
    static func run(_ line: String, state: inout State) -> String? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let verb = words.first?.lowercased() else { return nil }
        let rest = line.drop { $0 == " " }.dropFirst(verb.count).drop { $0 == " " }
        switch verb {
        case "note", "n":
            return addNote(String(rest), state: &state)
        case "sev", "severity":
            guard words.count == 2, let n = Int(words[1].lowercased().replacingOccurrences(of: "sev", with: "")),
                  (1...4).contains(n) else { return "sev takes 1, 2, 3 or 4" }
            let before = state.incident.severity
            state.incident.severity = n
            if state.incident.startedAt == nil { state.incident.startedAt = state.now }
            let change = before.map { "from SEV\($0) to SEV\(n)" } ?? "SEV\(n)"
            record("severity \(change) set by \(state.operatorName)", state: &state)
            return nil
        case "incident":
            switch words.dropFirst().first?.lowercased() {
            case "start"?:
                guard state.incident.startedAt == nil || state.incident.endedAt != nil else { return "the incident clock is already running" }
                state.incident.startedAt = state.now
                state.incident.endedAt = nil
                record("incident declared by \(state.operatorName)", state: &state)
            case "end"?, "close"?, "resolve"?:
                guard let start = state.incident.startedAt, state.incident.endedAt == nil else { return "no incident clock is running" }
                state.incident.endedAt = state.now
                record("incident closed by \(state.operatorName) after \(Format.age(state.now - start))", state: &state)
            default:
                return "incident start or incident end"
            }
            return nil
        case "help", "?":
            AlertActions.notify(help, state: &state)
            return nil
        default:
            return "unknown command '\(verb)': \(help)"
        }
    }

    static func addNote(_ text: String, state: inout State) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return "a note needs some text" }
        record("note by \(state.operatorName): \(trimmed)", state: &state)
        return nil
    }

    static func record(_ summary: String, state: inout State) {
        state.timeline.append(TimelineEvent(time: state.now, kind: .note, summary: summary))
        AlertActions.notify(summary, state: &state)
    }
}


