import Models
import TerminalUI

/// Keys and mouse: turn input into navigation. Runs inside `reduce`.
func handleKey(_ key: Key, state: inout State) -> [Effect] {
    let context: KeyBinding.Context
    switch state.ui.screen {
    case .overview: context = .overview
    case .model: context = .model
    case .targets: context = .targets
    }
    guard let action = KeyMap.action(for: key, in: context) else { return [] }
    if state.ui.showHelp {
        switch action {
        case .quit: break
        case .toggleHelp, .back: state.ui.showHelp = false; return []
        default: return []
        }
    }
    switch action {
    case .quit:
        state.quitting = true
        return [.quit]
    case .toggleHelp:
        state.ui.showHelp.toggle()
    case .back:
        state.ui.screen = .overview
    case .reloadConfig:
        return [.reloadConfig]
    case .showTargets:
        state.ui.screen = state.ui.screen == .targets ? .overview : .targets
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
