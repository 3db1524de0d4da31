import Incidents
import TerminalUI

/// The confirmation dialog of one command: it shows the exact command and, for a rollback or a
/// `confirm=model` block, asks for the model's name to be typed. Nothing runs until it is
/// submitted; Esc, or any submit without the right name, runs nothing.
public struct CommandConfirmation: Hashable, Sendable {
    /// The request that runs if the operator confirms (its `dryRun` says whether it would only be shown).
    public var request: CommandRequest
    /// Where each substituted value sits in `request.command`, for highlighting.
    public var substitutions: [Range<String.Index>]
    /// What must be typed to confirm, or nil when Enter alone confirms.
    public var requiredWord: String?
    public var typed = ""
    /// Why the last submit was refused.
    public var error: String?

    static let maximumTyped = 200

    public init(request: CommandRequest, substitutions: [Range<String.Index>], requiredWord: String?) {
        self.request = request; self.substitutions = substitutions; self.requiredWord = requiredWord
    }

    public enum Outcome: Hashable, Sendable { case editing, cancelled, confirmed }

    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .escape, .ctrl("c"):
            return .cancelled
        case .enter:
            guard let word = requiredWord else { return .confirmed }
            if typed == word { return .confirmed }
            error = typed.isEmpty ? "type \(word) to confirm" : "'\(typed)' is not \(word): nothing was run"
            return .editing
        case .backspace, .delete:
            if !typed.isEmpty { typed.removeLast() }
            error = nil
        case .ctrl("u"):
            typed = ""; error = nil
        case .character(let c) where requiredWord != nil && !c.isNewline:
            // A paste of the whole name is fine; a paste with a newline is not a confirmation.
            if typed.count < CommandConfirmation.maximumTyped { typed.append(c) }
            error = nil
        default:
            break
        }
        return .editing
    }
}
