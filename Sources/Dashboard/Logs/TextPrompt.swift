import TerminalUI

/// A one-line text entry at the bottom of the screen (the logs screen's `/` search, the `:`
/// command line, the `n` note). It takes every key while open.
public struct TextPrompt: Hashable, Sendable {
    /// What Enter does with the text.
    public enum Purpose: Hashable, Sendable { case logSearch, command, note }
    public var purpose: Purpose = .logSearch
    public var label: String
    public var text: String
    /// Why the last submit was refused.
    public var error: String?

    public init(label: String, text: String = "", purpose: Purpose = .logSearch) {
        self.label = label; self.text = text; self.purpose = purpose
    }

    public enum Outcome: Hashable, Sendable { case editing, cancelled, submitted(String) }

    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .escape: return .cancelled
        case .enter: return .submitted(text)
        case .backspace, .delete:
            if !text.isEmpty { text.removeLast() }
        case .ctrl("u"): text = ""
        case .character(let c) where !c.isNewline:
            if text.count < 500 { text.append(c) }
        default: break
        }
        error = nil
        return .editing
    }
}
