import TerminalUI

/// What a key does. Each binding carries its own help text, and the help overlay is generated
/// from the table, so the two can never disagree.
public enum Action: Hashable, Sendable {
    case quit, toggleHelp, back
    case moveUp, moveDown, pageUp, pageDown, moveHome, moveEnd
    case open
    case previousModel, nextModel
    case showTargets
    case showAlerts
    case reloadConfig
    case acknowledge, silence, undo
    case longerRange, shorterRange
    case showLogs, logsOfSubject
    case toggleFollow, cycleLevel, cycleModel, search, nextMatch, previousMatch, toggleOnlyMatching
    case scrollLeft, scrollRight
    case openRunbook, toggleStep, dryRun, copy, interrupt
    case commandLine, addNote
}

public struct KeyBinding: Hashable, Sendable {
    public enum Context: String, Hashable, Sendable, CaseIterable {
        case global = "Everywhere"
        case overview = "Overview"
        case model = "Model view"
        case targets = "Targets"
        case alerts = "Alerts"
        case logs = "Logs"
        case runbook = "Runbook"
    }
    public var keys: [Key]
    public var action: Action
    public var help: String
    public var context: Context

    public init(_ keys: [Key], _ action: Action, _ help: String, in context: Context) {
        self.keys = keys; self.action = action; self.help = help; self.context = context
    }

    /// The keys as shown in help: `j/↓`.
    public var label: String { keys.map(\.description).joined(separator: "/") }
}

/// The key-binding table.
public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        KeyBinding([.character("?")], .toggleHelp, "toggle this help", in: .global),
        KeyBinding([.character("q")], .quit, "quit", in: .global),
        KeyBinding([.escape], .back, "close / go back", in: .global),
        KeyBinding([.character("a")], .showAlerts, "alerts: ack and silence", in: .global),
        KeyBinding([.character("t")], .showTargets, "targets and their errors", in: .global),
        KeyBinding([.character("l")], .showLogs, "logs of every source, merged", in: .global),
        KeyBinding([.character("R")], .reloadConfig, "reload the config file", in: .global),
        KeyBinding([.ctrl("c")], .interrupt, "cancel the running command (else quit)", in: .global),
        KeyBinding([.character("n")], .addNote, "add a note to the incident timeline", in: .global),
        KeyBinding([.character(":")], .commandLine, ":note, :sev 1-4, :incident start|end", in: .global),
        KeyBinding([.character("k"), .up], .moveUp, "move up", in: .overview),
        KeyBinding([.character("j"), .down], .moveDown, "move down", in: .overview),
        KeyBinding([.pageUp], .pageUp, "page up", in: .overview),
        KeyBinding([.pageDown], .pageDown, "page down", in: .overview),
        KeyBinding([.home, .character("g")], .moveHome, "first model", in: .overview),
        KeyBinding([.end, .character("G")], .moveEnd, "last model", in: .overview),
        KeyBinding([.enter], .open, "open the model", in: .overview),
        KeyBinding([.backspace, .character("h"), .left], .back, "back to overview", in: .model),
        KeyBinding([.character("["), .character("k"), .up], .previousModel, "previous model", in: .model),
        KeyBinding([.character("]"), .character("j"), .down], .nextModel, "next model", in: .model),
        KeyBinding([.character("l")], .logsOfSubject, "this model's log lines", in: .model),
        KeyBinding([.character("r")], .openRunbook, "runbook of its most urgent alert", in: .model),
        KeyBinding([.character("-")], .longerRange, "longer range (up to 6h)", in: .model),
        KeyBinding([.character("+"), .character("=")], .shorterRange, "shorter range (down to 5m)", in: .model),
        KeyBinding([.character("k"), .up], .moveUp, "previous target", in: .targets),
        KeyBinding([.character("j"), .down], .moveDown, "next target", in: .targets),
        KeyBinding([.backspace, .character("h"), .left], .back, "back to overview", in: .targets),
        KeyBinding([.character("k"), .up], .moveUp, "previous alert", in: .alerts),
        KeyBinding([.character("j"), .down], .moveDown, "next alert", in: .alerts),
        KeyBinding([.pageUp], .pageUp, "page up", in: .alerts),
        KeyBinding([.pageDown], .pageDown, "page down", in: .alerts),
        KeyBinding([.home, .character("g")], .moveHome, "first alert", in: .alerts),
        KeyBinding([.end, .character("G")], .moveEnd, "last alert", in: .alerts),
        KeyBinding([.character("a")], .acknowledge, "acknowledge, until it resolves", in: .alerts),
        KeyBinding([.character("s")], .silence, "silence, for a time, with a reason", in: .alerts),
        KeyBinding([.character("u")], .undo, "undo: end silence, take back ack", in: .alerts),
        KeyBinding([.enter], .open, "open the alert's model", in: .alerts),
        KeyBinding([.character("l")], .logsOfSubject, "its model's logs at its start", in: .alerts),
        KeyBinding([.character("r")], .openRunbook, "its runbook, commands filled in", in: .alerts),
        KeyBinding([.backspace, .character("h"), .left], .back, "back to overview", in: .alerts),
        KeyBinding([.character("k"), .up], .moveUp, "older", in: .logs),
        KeyBinding([.character("j"), .down], .moveDown, "newer", in: .logs),
        KeyBinding([.pageUp], .pageUp, "page older", in: .logs),
        KeyBinding([.pageDown], .pageDown, "page newer", in: .logs),
        KeyBinding([.home, .character("g")], .moveHome, "oldest", in: .logs),
        KeyBinding([.end, .character("G")], .moveEnd, "newest, and follow", in: .logs),
        KeyBinding([.character("f")], .toggleFollow, "follow on/off", in: .logs),
        KeyBinding([.character("L")], .cycleLevel, "level: all, info, warn, error", in: .logs),
        KeyBinding([.character("m")], .cycleModel, "one model, the next, all", in: .logs),
        KeyBinding([.character("/")], .search, "search (a regular expression)", in: .logs),
        KeyBinding([.character("n")], .nextMatch, "next match", in: .logs),
        KeyBinding([.character("N")], .previousMatch, "previous match", in: .logs),
        KeyBinding([.character("F")], .toggleOnlyMatching, "only matching lines", in: .logs),
        KeyBinding([.left, .character("h")], .scrollLeft, "scroll left", in: .logs),
        KeyBinding([.right], .scrollRight, "scroll right", in: .logs),
        KeyBinding([.backspace], .back, "back to overview", in: .logs),
        KeyBinding([.character("k"), .up], .moveUp, "previous step or command", in: .runbook),
        KeyBinding([.character("j"), .down], .moveDown, "next step or command", in: .runbook),
        KeyBinding([.pageUp], .pageUp, "page up", in: .runbook),
        KeyBinding([.pageDown], .pageDown, "page down", in: .runbook),
        KeyBinding([.home, .character("g")], .moveHome, "top", in: .runbook),
        KeyBinding([.end, .character("G")], .moveEnd, "last step", in: .runbook),
        KeyBinding([.character(" "), .character("x")], .toggleStep, "tick the step off (or back)", in: .runbook),
        KeyBinding([.enter], .open, "run the command (asks to confirm)", in: .runbook),
        KeyBinding([.character("d")], .dryRun, "dry run: show and audit, never run", in: .runbook),
        KeyBinding([.character("y")], .copy, "copy the command (OSC 52)", in: .runbook),
        KeyBinding([.backspace, .character("h"), .left], .back, "back", in: .runbook),
    ]

    /// The action for a key on the given screen: screen bindings first, then global ones.
    public static func action(for key: Key, in context: KeyBinding.Context) -> Action? {
        for binding in bindings where binding.context == context && binding.keys.contains(key) { return binding.action }
        for binding in bindings where binding.context == .global && binding.keys.contains(key) { return binding.action }
        return nil
    }
}
