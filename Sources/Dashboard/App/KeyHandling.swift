import Models
import TerminalUI

/// Keys and mouse: turn input into navigation. Runs inside `reduce`.
func handleKey(_ key: Key, state: inout State) -> [Effect] {
    if state.ui.commandConfirmation != nil, !state.ui.showHelp {
        return RunbookActions.handleConfirmation(key, state: &state)
    }
    if state.ui.silenceForm != nil, !state.ui.showHelp {
        handleSilenceForm(key, state: &state)
        return []
    }
    if let prompt = state.ui.textPrompt, !state.ui.showHelp {
        switch prompt.purpose {
        case .logSearch: LogsKeys.handlePrompt(key, state: &state)
        case .command, .note: handleIncidentPrompt(key, state: &state)
        }
        return []
    }
    let context = state.ui.screen.keyContext
    guard let action = KeyMap.action(for: key, in: context) else { return [] }
    if state.ui.showHelp {
        switch action {
        case .quit: break
        case .toggleHelp, .back: state.ui.showHelp = false; return []
        default: return []
        }
    }
    if state.ui.screen == .runbook, RunbookActions.paneActions.contains(action) {
        return RunbookActions.handle(action, state: &state)
    }
    switch action {
    case .quit:
        if state.hasRunningCommand {
            AlertActions.notify("a command is still running: Ctrl-C cancels it, then q quits", state: &state)
            return []
        }
        state.quitting = true
        return [.quit]
    case .interrupt:
        if state.hasRunningCommand { return RunbookActions.cancelRunning(state: &state) }
        state.quitting = true
        return [.quit]
    case .openRunbook:
        if case .model(let key) = state.ui.screen {
            return RunbookActions.open(forModel: key, returnTo: state.ui.screen, state: &state)
        } else if case .alert(let alert)? = AlertsScreen.selectedRow(in: state), state.ui.screen == .alerts {
            return RunbookActions.open(for: alert, returnTo: .alerts, state: &state)
        } else if state.ui.screen == .alerts {
            AlertActions.notify("select an alert to open its runbook", state: &state)
        }
    case .toggleStep, .dryRun, .copy:
        break  // runbook-pane keys; bound nowhere else
    case .commandLine:
        state.ui.textPrompt = TextPrompt(label: ":", purpose: .command)
    case .addNote:
        state.ui.textPrompt = TextPrompt(label: "note: ", purpose: .note)
    case .toggleHelp:
        state.ui.showHelp.toggle()
    case .back:
        state.ui.screen = .overview
    case .reloadConfig:
        return [.reloadConfig]
    case .showTargets:
        state.ui.screen = state.ui.screen == .targets ? .overview : .targets
    case .showAlerts:
        // Opening the screen starts at the top: the worst alert first.
        if state.ui.screen != .alerts {
            state.ui.alertsTable = TableState(selected: 0)
            state.ui.selectedAlert = nil
        }
        state.ui.screen = .alerts
        AlertsScreen.syncSelection(&state)
    case .showLogs:
        state.ui.screen = state.ui.screen == .logs ? .overview : .logs
    case .logsOfSubject:
        if case .model(let key) = state.ui.screen {
            LogsKeys.open(model: key.name, around: nil, state: &state)
        } else if case .alert(let alert)? = AlertsScreen.selectedRow(in: state) {
            LogsKeys.open(model: alert.model, around: alert.activeSince, state: &state)
        }
    case _ where state.ui.screen == .logs:
        LogsKeys.handle(action, state: &state)
    case .toggleFollow, .cycleLevel, .cycleModel, .search, .nextMatch, .previousMatch, .toggleOnlyMatching,
         .scrollLeft, .scrollRight:
        break  // logs-screen keys; bound nowhere else
    case .longerRange:
        state.ui.chartRange = state.ui.chartRange.longer
    case .shorterRange:
        state.ui.chartRange = state.ui.chartRange.shorter
    case .acknowledge, .silence, .undo:
        handleAlertAction(action, state: &state)
    case _ where state.ui.screen == .alerts:
        handleAlertsNavigation(action, state: &state)
    case .moveUp where state.ui.screen == .targets:
        state.ui.targetsTable.moveUp(rowCount: state.targets.count, visibleRows: TargetsScreen.visibleRows(for: state))
    case .moveDown where state.ui.screen == .targets:
        state.ui.targetsTable.moveDown(rowCount: state.targets.count, visibleRows: TargetsScreen.visibleRows(for: state))
    case .moveUp: moveSelection(&state) { $0.moveUp(rowCount: $1, visibleRows: $2) }
    case .moveDown: moveSelection(&state) { $0.moveDown(rowCount: $1, visibleRows: $2) }
    case .pageUp: moveSelection(&state) { $0.pageUp(rowCount: $1, visibleRows: $2) }
    case .pageDown: moveSelection(&state) { $0.pageDown(rowCount: $1, visibleRows: $2) }
    case .moveHome: moveSelection(&state) { $0.home(rowCount: $1, visibleRows: $2) }
    case .moveEnd: moveSelection(&state) { $0.end(rowCount: $1, visibleRows: $2) }
    case .open:
        if let key = state.ui.selectedModel { state.ui.screen = .model(key) }
    case .previousModel, .nextModel:
        guard case .model(let current) = state.ui.screen else { break }
        let order = state.modelsWorstFirst.map(\.key)
        guard let i = order.firstIndex(of: current), !order.isEmpty else { break }
        let j = action == .nextModel ? min(order.count - 1, i + 1) : max(0, i - 1)
        state.ui.screen = .model(order[j])
        state.ui.selectedModel = order[j]
        syncSelection(&state)
    }
    return []
}

func handleMouse(_ event: MouseEvent, state: inout State) {
    guard case .overview = state.ui.screen, !state.ui.showHelp else { return }
    switch event.kind {
    case .scrollUp: moveSelection(&state) { $0.moveUp(rowCount: $1, visibleRows: $2) }
    case .scrollDown: moveSelection(&state) { $0.moveDown(rowCount: $1, visibleRows: $2) }
    case .press:
        let layout = OverviewScreen.layout(for: state)
        guard let row = layout.rowIndex(atY: event.y, offset: state.ui.overviewTable.offset) else { return }
        let order = state.modelsWorstFirst
        guard row < order.count else { return }
        if state.ui.selectedModel == order[row].key {
            state.ui.screen = .model(order[row].key)
        } else {
            state.ui.selectedModel = order[row].key
            syncSelection(&state)
        }
    case .release: break
    }
}

/// Moves the overview selection and remembers which model it is on.
func moveSelection(_ state: inout State, _ move: (inout TableState, Int, Int) -> Void) {
    let order = state.modelsWorstFirst
    var table = state.ui.overviewTable
    move(&table, order.count, OverviewScreen.layout(for: state).visibleRows)
    state.ui.overviewTable = table
    if let i = table.selected, i < order.count { state.ui.selectedModel = order[i].key }
}

/// After the order of models changes, keep the selection on the same model.
func syncSelection(_ state: inout State) {
    let order = state.modelsWorstFirst
    var table = state.ui.overviewTable
    let visible = OverviewScreen.layout(for: state).visibleRows
    if let key = state.ui.selectedModel, let i = order.firstIndex(where: { $0.key == key }) {
        table.select(i, rowCount: order.count, visibleRows: visible)
    } else if !order.isEmpty {
        table.select(0, rowCount: order.count, visibleRows: visible)
        state.ui.selectedModel = order[0].key
    }
    state.ui.overviewTable = table
}

/// Moving in the alerts table, and Enter to open the selected alert's model.
func handleAlertsNavigation(_ action: Action, state: inout State) {
    let count = AlertsScreen.rows(for: state).count
    let visible = AlertsScreen.visibleRows(for: state)
    var table = state.ui.alertsTable
    switch action {
    case .moveUp: table.moveUp(rowCount: count, visibleRows: visible)
    case .moveDown: table.moveDown(rowCount: count, visibleRows: visible)
    case .pageUp: table.pageUp(rowCount: count, visibleRows: visible)
    case .pageDown: table.pageDown(rowCount: count, visibleRows: visible)
    case .moveHome: table.home(rowCount: count, visibleRows: visible)
    case .moveEnd: table.end(rowCount: count, visibleRows: visible)
    case .open:
        guard case .alert(let alert)? = AlertsScreen.selectedRow(in: state) else { return }
        let candidates = state.models.keys.filter { alert.concerns($0) }.sorted()
        if let key = candidates.first {
            state.ui.screen = .model(key)
            state.ui.selectedModel = key
            syncSelection(&state)
        } else {
            AlertActions.notify("\(alert.name) is not about a model modelwatch knows", state: &state)
        }
    default: break
    }
    state.ui.alertsTable = table
    let rows = AlertsScreen.rows(for: state)
    state.ui.selectedAlert = table.selected.flatMap { $0 < rows.count ? AlertsScreen.key(of: rows[$0]) : nil }
}

/// `a`, `s` and `u` on the selected row of the alerts screen.
func handleAlertAction(_ action: Action, state: inout State) {
    switch (action, AlertsScreen.selectedRow(in: state)) {
    case (.acknowledge, .alert(let alert)?):
        AlertActions.acknowledge(alert, state: &state)
    case (.silence, .alert(let alert)?):
        if let silence = state.silence(for: alert) {
            AlertActions.notify("\(alert.name) is already silenced until \(Format.clock(silence.endsAt)) · u ends it", state: &state)
        } else {
            state.ui.silenceForm = SilenceForm(matchers: alert.labels, alertName: alert.name)
        }
    case (.undo, .alert(let alert)?):
        AlertActions.undo(alert, state: &state)
    case (.undo, .silence(let silence)?):
        AlertActions.expire(silence, state: &state)
    case (_, .silence?):
        AlertActions.notify("select an alert to acknowledge or silence it", state: &state)
    default:
        AlertActions.notify("no alert selected", state: &state)
    }
    AlertsScreen.syncSelection(&state)
}

/// Every key goes to the silence dialog while it is open.
func handleSilenceForm(_ key: Key, state: inout State) {
    guard var form = state.ui.silenceForm else { return }
    switch form.handle(key) {
    case .editing:
        state.ui.silenceForm = form
    case .cancelled:
        state.ui.silenceForm = nil
    case .submitted(let duration, let reason):
        state.ui.silenceForm = nil
        AlertActions.addSilence(matchers: form.matchers, alertName: form.alertName, model: form.matchers["model"],
                                duration: duration, reason: reason, state: &state)
        AlertsScreen.syncSelection(&state)
    }
}

extension UIState.Screen {
    /// The key bindings that apply on this screen (besides the global ones).
    var keyContext: KeyBinding.Context {
        switch self {
        case .overview: .overview
        case .model: .model
        case .targets: .targets
        case .alerts: .alerts
        case .logs: .logs
        case .runbook: .runbook
        }
    }
}

/// The `:` command line and the note prompt take every key while open.
func handleIncidentPrompt(_ key: Key, state: inout State) {
    guard var prompt = state.ui.textPrompt else { return }
    switch prompt.handle(key) {
    case .editing: state.ui.textPrompt = prompt
    case .cancelled: state.ui.textPrompt = nil
    case .submitted(let text):
        let error = prompt.purpose == .note ? IncidentCommands.addNote(text, state: &state)
                                            : IncidentCommands.run(text, state: &state)
        if let error {
            prompt.error = error
            state.ui.textPrompt = prompt
        } else {
            state.ui.textPrompt = nil
        }
    }
}
