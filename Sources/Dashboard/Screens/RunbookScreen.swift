import Incidents
import Telemetry
import TerminalUI

/// The runbook pane: the runbook's Markdown with its steps to tick and its commands expanded
/// for the alert it was opened for (substituted values highlighted), and below it the output
/// of the last command run from it.
enum RunbookScreen {
    /// Rows of the runbook's body, as drawn at `width`.
    static func bodyRows(_ runbook: Runbook, view: RunbookViewState, state: State, theme: Theme, width: Int)
        -> [MarkdownRenderer.RenderedLine] {
        var styles = MarkdownStyles()
        styles.heading1 = theme.style(.title).adding([.bold])
        styles.heading = theme.style(.title)
        styles.muted = theme.style(.muted)
        styles.done = theme.style(.muted)
        styles.link = theme.style(.text).adding(.underline)
        styles.code = theme.style(.helpKey)
        styles.codeBlock = theme.style(.text)
        styles.bullet = theme.style(.text)
        return MarkdownRenderer.render(runbook.body, firstLine: runbook.bodyLine, width: width, styles: styles,
                                       checked: { line in
                                           runbook.checklist.contains { $0.line == line }
                                               ? RunbookActions.isChecked(runbook, line: line, state: state) : nil
                                       },
                                       codeBlock: { block in
                                           guard let command = runbook.commands.first(where: { $0.line == block.fenceLine }) else {
                                               return nil
                                           }
                                           return commandRows(command, view: view, state: state, theme: theme, width: width)
                                       })
    }

    /// A command block: its kind and options, then the command expanded and wrapped (never
    /// cut: the operator must see all of what would run), or why it cannot be expanded.
    static func commandRows(_ command: RunbookCommand, view: RunbookViewState, state: State, theme: Theme,
                            width: Int) -> [Line] {
        let badge = theme.style(command.kind == .rollback ? .statusCritical : (command.kind == .mitigate ? .statusWarning : .statusOK))
            .adding(.bold)
        var head = [Span(command.kind.rawValue.uppercased(), style: badge)]
        let timeout = command.timeout.map { "timeout \(Format.duration($0))" } ?? "timeout \(Format.duration(RunbookActions.defaultTimeout)) (default)"
        head.append(Span(" · " + timeout, style: theme.style(.muted)))
        if command.kind == .rollback || command.confirm == .model {
            head.append(Span(" · type the model's name to confirm", style: theme.style(.muted)))
        }
        var rows: [Line] = [Line(head)]
        switch RunbookActions.expand(command, view: view, state: state) {
        case .success(let (expanded, _)):
            let lines = highlighted(expanded.command, ranges: expanded.substitutions.map { $0.range },
                                    base: theme.style(.text), highlight: theme.style(.selection).adding(.bold))
            for (i, spans) in lines.enumerated() {
                let prefix = Span(i == 0 ? "$ " : "  ", style: theme.style(.muted))
                rows += Line(spans).wrapped(toWidth: max(1, width - 2)).enumerated().map { k, row in
                    Line([k == 0 ? prefix : Span("  ")] + row.spans)
                }
            }
        case .failure(let why):
            rows.append(Line("✖ " + why.message, style: theme.style(.statusCritical)))
            for (i, line) in command.template.source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                rows.append(Line((i == 0 ? "$ " : "  ") + line, style: theme.style(.muted)))
            }
        }
        return rows
    }

    /// The command split into display lines at its own newlines (a newline inside a substituted
    /// value stays in its span, where it is drawn as a visible escape), values highlighted.
    static func highlighted(_ command: String, ranges: [Range<String.Index>], base: Style, highlight: Style) -> [[Span]] {
        var lines: [[Span]] = [[]]
        func plain(_ text: Substring) {
            for (i, part) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if i > 0 { lines.append([]) }
                if !part.isEmpty { lines[lines.count - 1].append(Span(String(part), style: base)) }
            }
        }
        var index = command.startIndex
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where range.lowerBound >= index {
            plain(command[index..<range.lowerBound])
            lines[lines.count - 1].append(Span(String(command[range]), style: highlight))
            index = range.upperBound
        }
        plain(command[index...])
        return lines
    }

    // MARK: Layout

    struct Layout {
        var header: Rect
        var body: Rect
        var output: Rect?
    }

    static func layout(_ state: State, area: Rect) -> Layout {
        let runs = state.commandRuns.filter { $0.request.runbook == state.ui.runbook?.file }
        let outputHeight = runs.isEmpty ? 0 : min(12, max(5, area.height / 3))
        let main = Rect(x: area.x, y: area.y, width: area.width, height: area.height - outputHeight)
        let inner = Rect(x: main.x + 1, y: main.y + 1, width: max(0, main.width - 2), height: max(0, main.height - 2))
        let headerHeight = min(3, inner.height)
        return Layout(header: Rect(x: inner.x + 1, y: inner.y, width: max(0, inner.width - 2), height: headerHeight),
                      body: Rect(x: inner.x, y: inner.y + headerHeight, width: inner.width, height: max(0, inner.height - headerHeight)),
                      output: outputHeight > 0 ? Rect(x: area.x, y: main.maxY, width: area.width, height: outputHeight) : nil)
    }

    static func bodyArea(_ state: State) -> Rect {
        let size = state.ui.size
        let top = state.bannerText == nil ? 1 : 2
        return layout(state, area: Rect(x: 0, y: top, width: size.width, height: size.height - top - 1)).body
    }

    static func bodyHeight(_ state: State) -> Int { max(1, bodyArea(state).height) }

    /// Rows of the body as the screen draws them, and which item each belongs to.
    static func rowsAndItems(_ state: State) -> (rows: [MarkdownRenderer.RenderedLine], items: [RunbookViewState.Item])? {
        guard let view = state.ui.runbook, let runbook = state.runbooks.runbook(file: view.file) else { return nil }
        let width = max(1, bodyArea(state).width - 2)
        return (bodyRows(runbook, view: view, state: state, theme: Theme.builtinMonochrome, width: width),
                RunbookViewState.items(of: runbook))
    }

    static func rowsOf(_ item: RunbookViewState.Item, in rows: [MarkdownRenderer.RenderedLine], runbook: Runbook) -> [Int] {
        rows.indices.filter { i in
            switch (item, rows[i].element) {
            case (.checklist(let line), .checklist(let rowLine)): return line == rowLine
            case (.command(let index), .code(let fence)): return runbook.commands[index].line == fence
            default: return false
            }
        }
    }

    /// Scrolls so that the selected item is on screen, with a little context above it.
    static func scrollToSelection(_ state: inout State) {
        guard let view = state.ui.runbook, let runbook = state.runbooks.runbook(file: view.file),
              let (rows, items) = rowsAndItems(state), items.indices.contains(view.selected) else { return }
        let itemRows = rowsOf(items[view.selected], in: rows, runbook: runbook)
        guard let first = itemRows.first, let last = itemRows.last else { return }
        let height = bodyHeight(state)
        var scroll = view.scroll
        if first < scroll { scroll = max(0, first - 2) }
        if last >= scroll + height { scroll = min(first, last - height + 1) }
        state.ui.runbook?.scroll = max(0, scroll)
    }

    static func clampScroll(_ state: inout State) {
        guard let (rows, _) = rowsAndItems(state), let view = state.ui.runbook else { return }
        let height = bodyHeight(state)
        state.ui.runbook?.scroll = max(0, min(view.scroll, rows.count - height))
    }

    // MARK: Drawing

    static func render(_ state: State, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        guard let view = state.ui.runbook, let runbook = state.runbooks.runbook(file: view.file) else {
            buffer.put(Line("no runbook open", style: theme.style(.muted)), x: area.x + 1, y: area.y, width: area.width - 2)
            return
        }
        let layout = layout(state, area: area)
        let main = Rect(x: area.x, y: area.y, width: area.width, height: area.height - (layout.output?.height ?? 0))
        var right = [runbook.owner.map { "owner \($0)" }, runbook.severity].compactMap { $0 }.joined(separator: " · ")
        if !right.isEmpty { right = " \(right) " }
        Block(title: Line(" Runbook · \(runbook.title) ", style: theme.style(.title)),
              rightTitle: Line(right, style: theme.style(.muted)), borderType: .rounded, borderStyle: theme.style(.border))
            .render(into: &buffer, area: main)

        let muted = theme.style(.muted), text = theme.style(.text)
        let subject = view.subject
        let context = subject.commandContext(in: state)
        var first: [Span] = []
        if let name = subject.alertName {
            let live = state.allAlerts.first { $0.identity == subject.alertIdentity }
            first += [Span("for ", style: muted), Span(name, style: text.adding(.bold)),
                      Span(live.map { " (\($0.state.rawValue))" } ?? " (resolved)", style: muted)]
        }
        first += [Span(" · \(runbook.file) · \(view.linkedBy)", style: muted)]
        buffer.put(Line(first), x: layout.header.x, y: layout.header.y, width: layout.header.width)
        var facts: [Span] = []
        func fact(_ name: String, _ value: String?) {
            guard let value else { return }
            if !facts.isEmpty { facts.append(Span(" · ", style: muted)) }
            facts += [Span(name + " ", style: muted), Span(value, style: text)]
        }
        fact("model", context.model)
        fact("current", context.currentVersion)
        fact("previous", context.previousVersion)
        fact("target", context.targetURL)
        if facts.isEmpty { facts = [Span("no model facts known for this alert", style: muted)] }
        if layout.header.height > 1 {
            buffer.put(Line(facts), x: layout.header.x, y: layout.header.y + 1, width: layout.header.width)
        }
        if layout.header.height > 2 {
            buffer.put(policyLine(state, theme: theme), x: layout.header.x, y: layout.header.y + 2, width: layout.header.width)
        }

        let body = layout.body
        guard body.height > 0, body.width > 2 else { return }
        let rows = bodyRows(runbook, view: view, state: state, theme: theme, width: body.width - 2)
        let items = RunbookViewState.items(of: runbook)
        let selectedRows = items.indices.contains(view.selected)
            ? Set(rowsOf(items[view.selected], in: rows, runbook: runbook)) : []
        let scroll = max(0, min(view.scroll, rows.count - body.height))
        for y in 0..<body.height {
            let i = scroll + y
            guard i < rows.count else { break }
            let selected = selectedRows.contains(i)
            if selected { buffer.put(Line("▌", style: theme.style(.selection)), x: body.x, y: body.y + y, width: 1) }
            buffer.put(rows[i].line, x: body.x + 2, y: body.y + y, width: body.width - 2,
                       baseStyle: selected ? theme.style(.text).adding(.bold) : .plain)
        }
        if rows.count > body.height {
            let more = "\(scroll + 1)-\(min(rows.count, scroll + body.height)) of \(rows.count) "
            buffer.put(Line(more, style: muted), x: main.x, y: main.maxY - 1, width: main.width - 1, alignment: .right)
        }
        if !state.runbookProblems.isEmpty {
            buffer.put(Line(" ⚠ \(state.runbookProblems.count) runbook file(s) could not be read: \(state.runbookProblems[0].description) ",
                            style: theme.style(.statusWarning)),
                       x: main.x + 1, y: main.maxY - 1, width: max(0, main.width / 2))
        }
        if let output = layout.output { renderOutput(state, runbook: runbook, theme: theme, into: &buffer, area: output) }
    }

    static func policyLine(_ state: State, theme: Theme) -> Line {
        let muted = theme.style(.muted)
        var spans: [Span]
        if state.mode == .replay {
            spans = [Span("REPLAY", style: theme.style(.statusWarning).adding(.bold)), Span(" commands never run: they are kept as your actions", style: muted)]
        } else {
            switch state.execution {
            case .run:
                spans = [Span("commands run", style: theme.style(.statusCritical).adding(.bold)),
                         Span(" after you confirm · ⏎ run · d dry run · y copy", style: muted)]
            case .dryRun(let reason):
                spans = [Span("DRY RUN", style: theme.style(.statusWarning).adding(.bold)),
                         Span(" \(reason): confirmed commands are shown and audited, never run", style: muted)]
            case .readOnly:
                spans = [Span("READ-ONLY", style: theme.style(.statusWarning).adding(.bold)),
                         Span(" commands cannot run in this session (--read-only) · d dry run · y copy", style: muted)]
            }
        }
        if let audit = state.auditLogPath { spans.append(Span(" · audit \(audit)", style: muted)) }
        return Line(spans)
    }

    static func renderOutput(_ state: State, runbook: Runbook, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        guard let run = state.commandRuns.last(where: { $0.request.runbook == runbook.file }) else { return }
        let muted = theme.style(.muted)
        let status: Line
        if let ending = run.ending {
            let took = run.duration.map { " · \(Format.duration($0))" } ?? ""
            let dry = run.request.dryRun ? "dry run, not run" : ending.description
            status = Line(" \(dry)\(took) ", style: theme.style(ending.succeeded ? .statusOK : .statusCritical).adding(.bold))
        } else {
            let running = Format.age(state.now - run.startedAt)
            status = Line(" running \(running) · Ctrl-C cancels ", style: theme.style(.statusWarning).adding(.bold))
        }
        // The outcome on the right must always show: the command in the title gives way.
        let titleRoom = max(10, area.width - status.width - 6)
        let title = TextLayout.truncate(" Output · \(RunbookActions.oneLine(run.request.command))", toWidth: titleRoom - 1) + " "
        let block = Block(title: Line(title, style: theme.style(.title)),
                          rightTitle: status, borderType: .rounded, borderStyle: theme.style(.border))
        block.render(into: &buffer, area: area)
        let inner = block.inner(area)
        guard inner.height > 0 else { return }
        var lines = run.output.map { Line($0, style: theme.style(.text)) }
        if run.droppedLines > 0 { lines.insert(Line("… \(run.droppedLines) earlier lines not kept", style: muted), at: 0) }
        if let problem = run.auditProblem { lines.append(Line("✖ audit log: \(problem)", style: theme.style(.statusCritical))) }
        if lines.isEmpty { lines = [Line(run.isRunning ? "(no output yet)" : "(no output)", style: muted)] }
        for (y, line) in lines.suffix(inner.height).enumerated() {
            buffer.put(line, x: inner.x + 1, y: inner.y + y, width: inner.width - 2)
        }
    }
}

/// The confirmation dialog: the exact command, where it comes from, and the name to type.
enum CommandDialog {
    static func render(_ dialog: CommandConfirmation, state: State, theme: Theme, into buffer: inout ScreenBuffer) {
        let muted = theme.style(.muted), text = theme.style(.text)
        let width = min(buffer.size.width - 2, 100)
        let inner = width - 4
        let request = dialog.request
        var body: [Line] = []
        let willRun = !request.dryRun && state.mode != .replay
        if state.mode == .replay {
            body.append(Line("REPLAY: this is recorded as your choice; nothing runs.", style: theme.style(.statusWarning).adding(.bold)))
        } else if request.dryRun {
            body.append(Line("DRY RUN: shown and written to the audit log, never run.", style: theme.style(.statusWarning).adding(.bold)))
        } else {
            body.append(Line("This runs through /bin/sh -c, as \(request.user):", style: text.adding(.bold)))
        }
        body.append(Line(""))
        let lines = RunbookScreen.highlighted(request.command, ranges: dialog.substitutions, base: text,
                                              highlight: theme.style(.selection).adding(.bold))
        for spans in lines { body += Line([Span("  ")] + spans).wrapped(toWidth: inner) }
        body.append(Line(""))
        func field(_ name: String, _ value: String) -> [Line] {
            Line([Span(TextLayout.pad(name, toWidth: 9), style: muted), Span(value, style: text)]).wrapped(toWidth: inner)
        }
        body += field("runbook", "\(request.runbook):\(request.line)" + (request.section.map { " · \($0)" } ?? ""))
        if let alert = request.subject.alertName {
            let labels = request.subject.labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ")
            body += field("alert", "\(alert) {\(labels)}")
        }
        var limits = "\(request.kind.rawValue) · timeout \(Format.duration(request.timeout))"
        if let audit = state.auditLogPath { limits += " · audit \(audit)" }
        body += field("", limits)
        body.append(Line(""))
        if let word = dialog.requiredWord {
            body.append(Line([Span("Type the model's name, ", style: text), Span(word, style: text.adding(.bold)),
                              Span(", to confirm:", style: text)]))
            var shown = dialog.typed
            while TextLayout.width(shown) > inner - 3 { shown.removeFirst() }
            body.append(Line([Span("  "), Span(TextLayout.pad(shown + "▏", toWidth: max(8, min(inner - 2, 40))), style: theme.style(.selection))]))
        }
        body.append(dialog.error.map { Line("✖ " + $0, style: theme.style(.statusCritical)) } ?? Line(""))
        body.append(Line([Span("⏎", style: theme.style(.helpKey)), Span(willRun ? " run  " : " record  ", style: muted),
                          Span("Esc", style: theme.style(.helpKey)), Span(" cancel, nothing runs", style: muted)]))
        let title = willRun ? " Run \(request.kind.rawValue)? " : " \(request.kind.rawValue.capitalized): would run "
        let overlay = Overlay(width: width, height: min(buffer.size.height - 2, body.count + 2),
                              block: Block(title: Line(title, style: theme.style(willRun ? .statusCritical : .title).adding(.bold)),
                                           borderType: .rounded, borderStyle: theme.style(.border)),
                              body: Paragraph(body, overflow: .truncate), style: text)
        overlay.render(into: &buffer, area: buffer.area)
    }
}
