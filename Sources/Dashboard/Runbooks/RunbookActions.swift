import Incidents
import Models
import Telemetry
import TerminalUI

/// From an alert to its runbook, and from a runbook's command to a confirmed run: opening the
/// pane, ticking steps, the confirmation dialog, dry runs, copying, cancelling, and the output
/// and outcome of runs as they arrive. Runs inside `reduce`; running is an `Effect`.
enum RunbookActions {
    // MARK: Opening

    /// Opens the runbook of an alert: its `runbook_url`, else the first runbook whose matchers
    /// select it. An http(s) link is shown and copied; no runbook is said plainly.
    /// The runbook an alert leads to, or why none.
    static func link(for alert: HealthAlert, in state: State) -> RunbookIndex.Link {
        state.runbooks.runbook(labels: alert.labels, annotations: alert.annotations, ruleDirectory: ruleDirectory(of: alert, in: state))
    }

    /// A relative `runbook_url` is read from the rule file's directory (built-in rules: the runbooks folder).
    static func ruleDirectory(of alert: HealthAlert, in state: State) -> String {
        alert.ruleFile.isEmpty ? state.runbooks.directory : directoryOf(alert.ruleFile)
    }

    static func open(for alert: HealthAlert, returnTo: UIState.Screen, state: inout State) -> [Effect] {
        switch link(for: alert, in: state) {
        case .linked(let runbook, _):
            show(runbook, subject: RunbookSubject(alert: alert), linkedBy: "its runbook_url", returnTo: returnTo, state: &state)
        case .matched(let runbook):
            show(runbook, subject: RunbookSubject(alert: alert), linkedBy: "matched by the runbook's alerts: list",
                 returnTo: returnTo, state: &state)
        case .external(let url):
            AlertActions.notify("\(alert.name)'s runbook is on the web: \(url) (copied to the clipboard)", state: &state)
            return [.copyToClipboard(url)]
        case .none(let reason):
            // A runbook_url naming a file that failed to load says why it failed.
            if case .file(let path, _)? = state.runbooks.localTarget(annotations: alert.annotations,
                                                                      ruleDirectory: ruleDirectory(of: alert, in: state)),
               let problem = state.runbookProblems.first(where: { $0.file == path }) {
                AlertActions.notify("\(alert.name)'s runbook could not be read: \(problem)", state: &state)
            } else {
                AlertActions.notify(reason, state: &state)
            }
        }
        return []
    }

    /// From the model view: the runbook of the model's most urgent alert.
    static func open(forModel key: ModelKey, returnTo: UIState.Screen, state: inout State) -> [Effect] {
        let alerts = AlertsScreen.sorted(state.allAlerts.filter { $0.concerns(key) })
        guard let alert = alerts.first else {
            AlertActions.notify("no alert on \(key.name): runbooks open from an alert", state: &state)
            return []
        }
        return open(for: alert, returnTo: returnTo, state: &state)
    }

    static func show(_ runbook: Runbook, subject: RunbookSubject, linkedBy: String, returnTo: UIState.Screen,
                     state: inout State) {
        var view = RunbookViewState(file: runbook.file, subject: subject, linkedBy: linkedBy, returnTo: returnTo)
        // Start on the first step not yet done.
        let items = RunbookViewState.items(of: runbook)
        view.selected = items.firstIndex { item in
            if case .checklist(let line) = item { return !isChecked(runbook, line: line, state: state) }
            return true
        } ?? 0
        state.ui.runbook = view
        state.ui.screen = .runbook
        state.timeline.append(TimelineEvent(time: state.now, kind: .runbook, model: subject.model,
                                            summary: "runbook \"\(runbook.title)\" opened by \(state.operatorName)"
                                                + (subject.alertName.map { " for \($0)" } ?? "")))
    }

    static func directoryOf(_ file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }

    // MARK: The pane's keys

    /// The actions the runbook pane takes before the global ones.
    static let paneActions: Set<Action> = [.back, .moveUp, .moveDown, .pageUp, .pageDown, .moveHome, .moveEnd,
                                           .toggleStep, .open, .dryRun, .copy]

    static func handle(_ action: Action, state: inout State) -> [Effect] {
        guard let view = state.ui.runbook, let runbook = state.runbooks.runbook(file: view.file) else {
            state.ui.screen = .alerts
            return []
        }
        let items = RunbookViewState.items(of: runbook)
        switch action {
        case .back:
            state.ui.screen = view.returnTo
        case .moveUp:
            state.ui.runbook?.selected = max(0, view.selected - 1)
            RunbookScreen.scrollToSelection(&state)
        case .moveDown:
            state.ui.runbook?.selected = min(max(0, items.count - 1), view.selected + 1)
            RunbookScreen.scrollToSelection(&state)
        case .pageUp:
            let height = RunbookScreen.bodyHeight(state)
            state.ui.runbook?.scroll = max(0, view.scroll - height)
        case .pageDown:
            let height = RunbookScreen.bodyHeight(state)
            state.ui.runbook?.scroll = view.scroll + height
            RunbookScreen.clampScroll(&state)
        case .moveHome:
            state.ui.runbook?.selected = 0; state.ui.runbook?.scroll = 0
        case .moveEnd:
            state.ui.runbook?.selected = max(0, items.count - 1)
            RunbookScreen.scrollToSelection(&state)
        case .toggleStep:
            guard items.indices.contains(view.selected) else { return [] }
            switch items[view.selected] {
            case .checklist(let line):
                toggle(runbook, line: line, state: &state)
            case .command:
                AlertActions.notify("Enter runs the command · d dry run · y copies it", state: &state)
            }
        case .open, .dryRun, .copy:
            guard items.indices.contains(view.selected), case .command(let i) = items[view.selected] else {
                AlertActions.notify("select a command (↑/↓) to run, dry-run or copy it", state: &state)
                return []
            }
            return commandAction(action, command: runbook.commands[i], runbook: runbook, view: view, state: &state)
        default:
            break
        }
        return []
    }

    // MARK: Checklists

    static func isChecked(_ runbook: Runbook, line: Int, state: State) -> Bool {
        if let ticked = state.runbookTicks[runbook.file]?[line] { return ticked }
        return runbook.checklist.first { $0.line == line }?.checked ?? false
    }

    static func toggle(_ runbook: Runbook, line: Int, state: inout State) {
        let now = !isChecked(runbook, line: line, state: state)
        state.runbookTicks[runbook.file, default: [:]][line] = now
        let text = runbook.checklist.first { $0.line == line }?.text ?? "line \(line)"
        state.timeline.append(TimelineEvent(time: state.now, kind: .runbook, model: state.ui.runbook?.subject.model,
                                            summary: "\(now ? "done" : "not done"): \(text) (\(runbook.title), by \(state.operatorName))"))
    }

    // MARK: Commands

    /// Why a command cannot be offered for running, if it cannot.
    static func expand(_ command: RunbookCommand, view: RunbookViewState, state: State)
        -> Result<(ExpandedCommand, String?), CommandRefusal> {
        let context = view.subject.commandContext(in: state)
        let expanded: ExpandedCommand
        switch command.template.expand(context) {
        case .success(let e): expanded = e
        case .failure(let error): return .failure(CommandRefusal("\(error): this command cannot run for this alert"))
        }
        // A rollback always asks for the model's name, whatever its block says.
        if command.kind == .rollback {
            guard let model = context.model, !model.isEmpty else {
                return .failure(CommandRefusal("a rollback needs the model's name typed to confirm, and this alert names no model"))
            }
            return .success((expanded, model))
        }
        switch command.requiredConfirmation(context) {
        case .success(let word): return .success((expanded, word))
        case .failure(let error): return .failure(CommandRefusal("\(error): this command cannot be confirmed"))
        }
    }

    static func commandAction(_ action: Action, command: RunbookCommand, runbook: Runbook, view: RunbookViewState,
                              state: inout State) -> [Effect] {
        let expanded: ExpandedCommand, word: String?
        switch expand(command, view: view, state: state) {
        case .success(let pair): (expanded, word) = pair
        case .failure(let why):
            AlertActions.notify(why.message, state: &state)
            return []
        }
        switch action {
        case .copy:
            AlertActions.notify("copied the command to the clipboard (OSC 52, where the terminal allows it)", state: &state)
            return [.copyToClipboard(expanded.command)]
        case .dryRun:
            var request = makeRequest(command, expanded: expanded, runbook: runbook, view: view, state: &state)
            request.dryRun = true
            return record(dryRun: request, because: "dry run (d)", state: &state)
        default:
            if state.execution == .readOnly {
                AlertActions.notify("read-only session (--read-only): commands cannot run here · d shows a dry run", state: &state)
                return []
            }
            var request = makeRequest(command, expanded: expanded, runbook: runbook, view: view, state: &state)
            if case .dryRun = state.execution { request.dryRun = true }
            if state.mode == .replay { request.dryRun = true }
            state.ui.commandConfirmation = CommandConfirmation(request: request,
                                                               substitutions: expanded.substitutions.map(\.range),
                                                               requiredWord: word)
            return []
        }
    }

    static func makeRequest(_ command: RunbookCommand, expanded: ExpandedCommand, runbook: Runbook,
                            view: RunbookViewState, state: inout State) -> CommandRequest {
        state.nextRunNumber += 1
        return CommandRequest(runID: "\(state.startedAt.milliseconds)-\(state.nextRunNumber)",
                              command: expanded.command, kind: command.kind,
                              timeout: command.timeout ?? RunbookActions.defaultTimeout,
                              runbook: runbook.file, line: command.line, section: command.section,
                              subject: view.subject, user: state.operatorName, mode: state.mode, dryRun: false)
    }

    /// Commands without a `timeout=` get this long.
    static let defaultTimeout: Duration = .seconds(300)

    /// Every key goes to the confirmation dialog while it is open.
    static func handleConfirmation(_ key: Key, state: inout State) -> [Effect] {
        guard var dialog = state.ui.commandConfirmation else { return [] }
        switch dialog.handle(key) {
        case .editing:
            state.ui.commandConfirmation = dialog
            return []
        case .cancelled:
            state.ui.commandConfirmation = nil
            AlertActions.notify("cancelled: nothing was run", state: &state)
            return []
        case .confirmed:
            state.ui.commandConfirmation = nil
            return confirmed(dialog.request, state: &state)
        }
    }

    static func confirmed(_ request: CommandRequest, state: inout State) -> [Effect] {
        if state.mode == .replay {
            state.timeline.append(TimelineEvent(time: state.now, kind: .command, model: request.subject.model,
                                                summary: "would run (replay, nothing runs): \(oneLine(request.command)) by \(request.user)"))
            AlertActions.notify("replay: would run \(oneLine(request.command)) · kept as your action, nothing ran", state: &state)
            return []
        }
        if request.dryRun {
            let why: String
            if case .dryRun(let reason) = state.execution { why = reason } else { why = "dry run" }
            return record(dryRun: request, because: why, state: &state)
        }
        guard state.execution == .run else { return [] }
        state.commandRuns.append(CommandExecution(request: request, startedAt: state.now))
        if state.commandRuns.count > State.keptCommandRuns { state.commandRuns.removeFirst(state.commandRuns.count - State.keptCommandRuns) }
        state.timeline.append(TimelineEvent(time: state.now, kind: .command, model: request.subject.model,
                                            summary: "\(request.kind.rawValue) confirmed by \(request.user): \(oneLine(request.command))"))
        AlertActions.notify("running: \(oneLine(request.command)) · Ctrl-C cancels", state: &state)
        return [.runCommand(request)]
    }

    static func record(dryRun request: CommandRequest, because why: String, state: inout State) -> [Effect] {
        var execution = CommandExecution(request: request, startedAt: state.now)
        execution.output = ["would run, through /bin/sh -c:"] + request.command.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        execution.ending = .exited(0)
        execution.duration = .zero
        state.commandRuns.append(execution)
        if state.commandRuns.count > State.keptCommandRuns { state.commandRuns.removeFirst(state.commandRuns.count - State.keptCommandRuns) }
        state.timeline.append(TimelineEvent(time: state.now, kind: .command, model: request.subject.model,
                                            summary: "\(why), not run: \(oneLine(request.command)) (\(request.user))"))
        AlertActions.notify("\(why): would run \(oneLine(request.command))", state: &state)
        return [.recordDryRun(request)]
    }

    /// Ctrl-C: cancels the running commands, newest first; the run loop sends SIGTERM, then SIGKILL.
    static func cancelRunning(state: inout State) -> [Effect] {
        let running = state.commandRuns.filter(\.isRunning)
        guard !running.isEmpty else { return [] }
        AlertActions.notify("cancelling \(oneLine(running.last!.request.command)): SIGTERM, then SIGKILL", state: &state)
        return running.reversed().map { .cancelCommand(runID: $0.request.runID) }
    }

    // MARK: What the run loop reports

    static func output(runID: String, lines: [String], state: inout State) {
        guard let i = state.commandRuns.lastIndex(where: { $0.request.runID == runID }) else { return }
        state.commandRuns[i].append(lines)
    }

    static func finished(runID: String, ending: CommandEnding, duration: Duration, auditProblem: String?, state: inout State) {
        guard let i = state.commandRuns.lastIndex(where: { $0.request.runID == runID }) else { return }
        state.commandRuns[i].ending = ending
        state.commandRuns[i].duration = duration
        state.commandRuns[i].auditProblem = auditProblem
        let request = state.commandRuns[i].request
        var summary = "\(request.kind.rawValue) \(ending.description) after \(Format.duration(duration)): \(oneLine(request.command))"
        if let auditProblem { summary += " · audit log: \(auditProblem)" }
        state.timeline.append(TimelineEvent(time: state.now, kind: .command, model: request.subject.model, summary: summary))
        AlertActions.notify(summary, state: &state)
    }

    static func oneLine(_ command: String) -> String {
        let first = command.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return command.contains("\n") ? first + " …" : first
    }
}

/// Why a command cannot be offered: a parameter without a value, no model name to confirm with.
struct CommandRefusal: Error, Hashable, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

extension RunbookIndex {
    /// The loaded runbook read from `file`.
    func runbook(file: String) -> Runbook? { runbooks.first { $0.file == file } }
}
