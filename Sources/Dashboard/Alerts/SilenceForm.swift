import Telemetry
import TerminalUI

/// The silence dialog being filled in: how long, and why. Nothing is silenced until it is
/// submitted with a valid duration and a reason.
public struct SilenceForm: Hashable, Sendable {
    public enum Field: Hashable, Sendable, CaseIterable { case duration, reason }

    /// The labels the silence will match: the alert's own, so it silences exactly that alert.
    public var matchers: [String: String]
    public var alertName: String
    public var duration = "1h"
    public var reason = ""
    public var focus: Field = .reason
    /// Why the last submit was refused, shown in the dialog.
    public var error: String?

    public static let maximumDuration = Milliseconds(30 * 86_400_000)
    static let maximumFieldLength = 200

    public init(matchers: [String: String], alertName: String) {
        self.matchers = matchers; self.alertName = alertName
    }

    /// What a key does to the form: edit the focused field, move between fields, submit or cancel.
    public enum Outcome: Hashable, Sendable { case editing, cancelled, submitted(duration: Milliseconds, reason: String) }

    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .escape:
            return .cancelled
        case .tab, .down, .backTab, .up:
            focus = focus == .duration ? .reason : .duration
        case .backspace, .delete:
            edit { if !$0.isEmpty { $0.removeLast() } }
        case .ctrl("u"):
            edit { $0 = "" }
        case .enter:
            return submit()
        case .character(let c) where !c.isNewline:
            edit { if $0.count < SilenceForm.maximumFieldLength { $0.append(c) } }
        default:
            break
        }
        return .editing
    }

    mutating func edit(_ change: (inout String) -> Void) {
        error = nil
        switch focus {
        case .duration: change(&duration)
        case .reason: change(&reason)
        }
    }

    mutating func submit() -> Outcome {
        let trimmed = SilenceForm.trim(reason)
        guard let d = AppConfig.parseDuration(SilenceForm.trim(duration)), d.value > 0 else {
            error = "duration '\(duration)' is not like 30m, 2h or 1d"
            focus = .duration
            return .editing
        }
        guard d.value <= SilenceForm.maximumDuration.value else {
            error = "at most 30d; a longer silence should be a change to the rule"
            focus = .duration
            return .editing
        }
        guard !trimmed.isEmpty else {
            error = "give a reason: the next person on call will read it"
            focus = .reason
            return .editing
        }
        return .submitted(duration: d, reason: trimmed)
    }

    static func trim(_ s: String) -> String {
        String(s.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
