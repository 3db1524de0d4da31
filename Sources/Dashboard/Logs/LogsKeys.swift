import Logs
import Models
import Telemetry
import TerminalUI

/// Keys on the logs screen, and the jump to a model's log lines from the model view and the
/// alerts screen. Runs inside `reduce`.
enum LogsKeys {
    static func handle(_ action: Action, state: inout State) {
        var view = state.ui.logsView
        let selection = LogsSelection(state)
        let count = selection.entries.count
        let rows = LogsScreen.listRows(for: state)
        let maxBack = max(0, count - rows)
        func scroll(by delta: Int) {
            view.scrollBack = min(maxBack, max(0, (view.follow ? 0 : view.scrollBack) + delta))
            view.follow = view.scrollBack == 0 && delta < 0 ? view.follow : false
            if view.scrollBack == 0 && delta < 0 { view.follow = true }
        }
        switch action {
        case .moveUp: scroll(by: 1)
        case .moveDown: scroll(by: -1)
        case .pageUp: scroll(by: rows)
        case .pageDown: scroll(by: -rows)
        case .moveHome: view.follow = false; view.scrollBack = maxBack
        case .moveEnd: view.follow = true; view.scrollBack = 0
        case .toggleFollow:
            view.follow.toggle()
            if view.follow { view.scrollBack = 0 }
        case .cycleLevel:
            let steps = LogsViewState.levelSteps
            let i = steps.firstIndex(of: view.minimumLevel) ?? 0
            view.minimumLevel = steps[(i + 1) % steps.count]
            view.cursor = nil
        case .cycleModel:
            let models = Set(state.logs.visible.compactMap(\.model)).sorted()
            if let current = view.model, let i = models.firstIndex(of: current) {
                view.model = i + 1 < models.count ? models[i + 1] : nil
            } else {
                view.model = models.first
            }
            view.cursor = nil
        case .search:
            state.ui.textPrompt = TextPrompt(label: "search /", text: view.pattern ?? "")
        case .toggleOnlyMatching:
            if view.pattern == nil {
                AlertActions.notify("no search pattern: / sets one", state: &state)
            } else {
                view.onlyMatching.toggle()
                view.cursor = nil
            }
        case .nextMatch, .previousMatch:
            guard view.pattern != nil else {
                AlertActions.notify("no search pattern: / sets one", state: &state)
                break
            }
            let entries = selection.entries
            let first = LogsScreen.firstShown(count: count, rows: rows, scrollBack: view.follow ? 0 : view.scrollBack)
            let from = view.cursor ?? (action == .nextMatch ? first - 1 : first + rows)
            let candidates = action == .nextMatch
                ? Array(stride(from: from + 1, to: count, by: 1))
                : Array(stride(from: from - 1, through: 0, by: -1))
            if let hit = candidates.first(where: { $0 >= 0 && $0 < count && selection.matches(entries[$0]) }) {
                view.cursor = hit
                view.follow = false
                // Scroll right far enough to see the match in a long line, back left otherwise.
                let messageWidth = max(10, state.ui.size.width - 40)
                if let r = selection.matchRanges(in: entries[hit].message).first {
                    view.horizontalOffset = r.upperBound > messageWidth ? max(0, r.lowerBound - 10) : 0
                }
                // Show the hit a third of the way down the list.
                view.scrollBack = min(maxBack, max(0, count - hit - 1 - (rows * 2 / 3)))
            } else {
                AlertActions.notify("no \(action == .nextMatch ? "later" : "earlier") match for /\(view.pattern ?? "")/", state: &state)
            }
        case .scrollLeft: view.horizontalOffset = max(0, view.horizontalOffset - 20)
        case .scrollRight: view.horizontalOffset = min(100_000, view.horizontalOffset + 20)
        default: break
        }
        state.ui.logsView = view
    }

    /// The search prompt: Enter sets the pattern (a bad regular expression is refused and says why).
    static func handlePrompt(_ key: Key, state: inout State) {
        guard var prompt = state.ui.textPrompt else { return }
        switch prompt.handle(key) {
        case .editing: state.ui.textPrompt = prompt
        case .cancelled: state.ui.textPrompt = nil
        case .submitted(let text):
            if text.isEmpty {
                state.ui.logsView.pattern = nil
                state.ui.logsView.onlyMatching = false
                state.ui.textPrompt = nil
                return
            }
            do {
                _ = try Regex(text)
            } catch {
                prompt.error = "not a regular expression"
                state.ui.textPrompt = prompt
                return
            }
            state.ui.logsView.pattern = text
            state.ui.logsView.cursor = nil
            state.ui.textPrompt = nil
            handle(.nextMatch, state: &state)
        }
    }

    /// The logs screen on one model's lines: from the model view, the newest; from an alert,
    /// positioned a minute before the alert became active.
    static func open(model: String?, around time: Timestamp?, state: inout State) {
        var view = LogsViewState()
        view.minimumLevel = state.ui.logsView.minimumLevel
        view.model = model
        state.ui.logsView = view
        state.ui.screen = .logs
        guard let time else { return }
        let selection = LogsSelection(state)
        let count = selection.entries.count
        let rows = LogsScreen.listRows(for: state)
        let target = selection.entries.firstIndex { $0.time >= time - .minutes(1) } ?? count
        state.ui.logsView.follow = false
        state.ui.logsView.scrollBack = min(max(0, count - rows), max(0, count - target - rows))
    }
}
