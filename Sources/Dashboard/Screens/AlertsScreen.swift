import Incidents
import Telemetry
import TerminalUI

/// Every pending and firing alert, grouped by severity (worst first) and then by model, with
/// age, value, who has it and whether it has a runbook; silenced alerts last, muted; then the
/// active silences. Below, the selected row in full.
public enum AlertsScreen {
    /// A row of the table: an alert, or one of the active silences.
    public enum Row: Hashable, Sendable {
        case alert(HealthAlert)
        case silence(Silence)
    }

    static let detailHeight = 10

    /// The rows in screen order; drawing and key handling share it so they agree on the selection.
    public static func rows(for state: State) -> [Row] {
        let alerts = state.allAlerts
        let loud = alerts.filter { state.silence(for: $0) == nil }
        let muted = alerts.filter { state.silence(for: $0) != nil }
        let silences = state.silences.filter { $0.endsAt > state.now }.sorted { ($0.endsAt, $0.id) < ($1.endsAt, $1.id) }
        return sorted(loud).map(Row.alert) + sorted(muted).map(Row.alert) + silences.map(Row.silence)
    }

    static func sorted(_ alerts: [HealthAlert]) -> [HealthAlert] {
        alerts.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            let ma = a.model ?? "\u{10FFFF}" + a.job, mb = b.model ?? "\u{10FFFF}" + b.job
            if ma != mb { return ma < mb }
            if a.state != b.state { return a.state == .firing }
            if a.name != b.name { return a.name < b.name }
            return a.identity < b.identity
        }
    }

    /// What a row is, across refreshes: the selection stays on it when rows move.
    public static func key(of row: Row) -> String {
        switch row {
        case .alert(let alert): return alert.identity
        case .silence(let silence): return "silence \(silence.id)"
        }
    }

    /// After rows changed: select the row that was selected before, wherever it is now; if it
    /// is gone, the row now at its place.
    static func syncSelection(_ state: inout State) {
        let rows = rows(for: state)
        var table = state.ui.alertsTable
        if let key = state.ui.selectedAlert, let i = rows.firstIndex(where: { self.key(of: $0) == key }) {
            table.selected = i
        }
        table.scrollToSelection(rowCount: rows.count, visibleRows: visibleRows(for: state))
        if rows.isEmpty { table.selected = 0 }
        state.ui.alertsTable = table
        state.ui.selectedAlert = table.selected.flatMap { $0 < rows.count ? self.key(of: rows[$0]) : nil }
    }

    /// The row under the selection, if any.
    public static func selectedRow(in state: State) -> Row? {
        let rows = rows(for: state)
        guard let i = state.ui.alertsTable.selected, i < rows.count else { return nil }
        return rows[i]
    }

    static func tableArea(for state: State) -> Rect {
        let size = state.ui.size
        let top = state.bannerText == nil ? 1 : 2
        let body = Rect(x: 0, y: top, width: size.width, height: max(0, size.height - top - 1))
        let detail = body.height >= 16 ? detailHeight : max(0, body.height - 6)
        let wanted = max(1, rows(for: state).count) + 3
        let tableHeight = max(4, min(wanted, body.height - detail))
        return Rect(x: body.x, y: body.y, width: body.width, height: min(tableHeight, body.height))
    }

    public static func visibleRows(for state: State) -> Int { max(1, tableArea(for: state).height - 3) }

    static func render(_ state: State, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        let rows = rows(for: state)
        let tableArea = tableArea(for: state)
        // Names get the width of the longest one present, within limits; the summary the rest.
        let alertWidth = min(area.width >= 110 ? 28 : 20, max(12, rows.map { row -> Int in
            if case .alert(let a) = row { return TextLayout.width(a.name) } else { return 0 }
        }.max() ?? 0))
        let modelWidth = min(area.width >= 110 ? 22 : 14, max(10, rows.map { row -> Int in
            if case .alert(let a) = row { return TextLayout.width(a.model ?? "(\(a.job))") } else { return 0 }
        }.max() ?? 0))
        // Narrow windows drop what the row can do without: severity is also in the state
        // symbol and color, the value in the summary.
        let wide = area.width >= 110, medium = area.width >= 96
        var columns: [Table.Column] = []
        if medium { columns.append(.init("SEVERITY", width: .fixed(8))) }
        columns += [
            .init("STATE", width: .fixed(9)),
            .init("ALERT", width: .fixed(alertWidth)),
            .init("MODEL", width: .fixed(modelWidth)),
            .init("AGE", width: .fixed(6), alignment: .right),
        ]
        if wide { columns.append(.init("VALUE", width: .fixed(7), alignment: .right)) }
        columns.append(.init("HANDLED", width: .fixed(wide ? 14 : 9)))
        columns.append(wide ? .init("RUNBOOK", width: .fixed(7)) : .init("RB", width: .fixed(2)))
        columns.append(.init("SUMMARY", width: .fill(1)))
        var previousGroup: String?
        var previousModel: String?
        let tableRows = rows.map { row -> Table.Row in
            var cells: [Line]
            switch row {
            case .alert(let alert):
                let silenced = state.silence(for: alert)
                let group = silenced == nil ? alert.severity.word : "silenced"
                let subject = alert.model ?? (alert.job.isEmpty ? Format.unknown : "(\(alert.job))")
                let showGroup = group != previousGroup
                let showModel = showGroup || subject != previousModel
                previousGroup = group; previousModel = subject
                cells = alertCells(alert, state: state, silence: silenced, groupWord: showGroup ? group : "",
                                   subject: showModel ? subject : "", wide: wide, theme: theme)
            case .silence(let silence):
                let showGroup = previousGroup != "silences"
                previousGroup = "silences"; previousModel = nil
                cells = silenceCells(silence, state: state, groupWord: showGroup ? "silences" : "", wide: wide, theme: theme)
            }
            if !medium { cells.removeFirst() }
            if !wide { cells.remove(at: medium ? 5 : 4) }
            return Table.Row(cells)
        }
        let counts = summaryCounts(state)
        let block = Block(title: Line(" Alerts · \(counts) ", style: theme.style(.title)),
                          rightTitle: Line(" by severity, then model ", style: theme.style(.muted)),
                          borderType: .rounded, borderStyle: theme.style(.border))
        var table = state.ui.alertsTable
        Table(columns: columns, rows: tableRows, headerStyle: theme.style(.muted).adding(.bold),
              highlightStyle: theme.style(.selection), block: block)
            .render(into: &buffer, area: tableArea, state: &table)
        if rows.isEmpty {
            let inner = block.inner(tableArea)
            let text = state.usesBuiltinRules && state.ruleErrors.isEmpty
                ? "✓ no alerts (built-in health rules; --rules FILE loads Prometheus rules)"
                : "✓ no alerts"
            buffer.put(Line(text, style: theme.style(.statusOK)), x: inner.x + 1, y: inner.y + 1, width: inner.width - 2)
        }

        let detailArea = Rect(x: area.x, y: tableArea.maxY, width: area.width, height: area.maxY - tableArea.maxY)
        guard detailArea.height >= 3 else { return }
        let selected = table.selected.flatMap { $0 < rows.count ? rows[$0] : nil }
        renderDetail(selected, state: state, theme: theme, into: &buffer, area: detailArea)
    }

    static func summaryCounts(_ state: State) -> String {
        let alerts = state.allAlerts
        let silenced = alerts.filter { state.silence(for: $0) != nil }.count
        let firing = alerts.filter { $0.state == .firing && state.silence(for: $0) == nil }.count
        let pending = alerts.filter { $0.state == .pending && state.silence(for: $0) == nil }.count
        var parts = ["\(firing) firing", "\(pending) pending"]
        let acked = alerts.filter { state.acknowledgement(for: $0) != nil }.count
        if acked > 0 { parts.append("\(acked) acknowledged") }
        if silenced > 0 { parts.append("\(silenced) silenced") }
        return parts.joined(separator: " · ")
    }

    static func role(for alert: HealthAlert) -> ThemeRole {
        if alert.state == .pending { return .statusNoData }
        switch alert.severity {
        case .critical: return .statusCritical
        case .warning: return .statusWarning
        case .info: return .text
        }
    }

    static func stateWord(_ alert: HealthAlert) -> String {
        guard alert.state == .firing else { return "… PENDING" }
        switch alert.severity {
        case .critical: return "✖ FIRING"
        case .warning: return "▲ FIRING"
        case .info: return "● FIRING"
        }
    }

    /// Every cell of an alert's row, for the widest layout; `render` drops the ones that do not fit.
    static func alertCells(_ alert: HealthAlert, state: State, silence: Silence?, groupWord: String, subject: String,
                           wide: Bool, theme: Theme) -> [Line] {
        let muted = theme.style(.muted)
        let role = silence == nil ? theme.style(role(for: alert)) : muted
        let handled: Line
        if let silence {
            handled = Line("◌ " + Format.age(silence.endsAt - state.now) + (wide ? " left" : ""), style: muted)
        } else if let ack = state.acknowledgement(for: alert) {
            handled = Line("✔ " + ack.by, style: theme.style(.statusOK))
        } else {
            handled = Line("")
        }
        let text = silence == nil ? theme.style(.text) : muted
        let runbook: String
        switch RunbookActions.link(for: alert, in: state) {
        case .linked, .matched: runbook = wide ? "✓ yes" : "✓"
        case .external: runbook = wide ? "↗ web" : "↗"
        case .none: runbook = alert.runbookURL == nil ? "—" : (wide ? "✖ bad" : "✖")
        }
        return [
            Line(groupWord, style: role.adding(.bold)),
            Line(stateWord(alert), style: role),
            Line(alert.name, style: text.adding(.bold)),
            Line(subject, style: text),
            Line(Format.age(state.now - alert.activeSince), style: text),
            Line(Format.value(alert.value), style: text),
            handled,
            Line(runbook, style: runbook.hasPrefix("✖") ? theme.style(.statusWarning) : (runbook == "—" ? muted : text)),
            Line(alert.summary, style: text),
        ]
    }

    static func silenceCells(_ silence: Silence, state: State, groupWord: String, wide: Bool, theme: Theme) -> [Line] {
        let muted = theme.style(.muted)
        return [
            Line(groupWord, style: muted.adding(.bold)),
            Line("◌ ACTIVE", style: muted),
            Line(silence.matchers["alertname"] ?? "(any)", style: theme.style(.text)),
            Line(silence.matchers["model"] ?? silence.matchers["job"].map { "(\($0))" } ?? Format.unknown, style: muted),
            Line(Format.age(state.now - silence.createdAt), style: muted),
            Line(""),
            Line((wide ? "ends in " : "") + Format.age(silence.endsAt - state.now), style: muted),
            Line(""),
            Line("\(silence.createdBy): \(silence.reason)", style: theme.style(.text)),
        ]
    }

    /// Whether a timeline event is about this alert: its name, and its model when it has one.
    static func mentions(_ event: TimelineEvent, _ alert: HealthAlert) -> Bool {
        guard event.summary.hasPrefix(alert.name + " ") || event.summary.hasPrefix("silence of \(alert.name) ") else { return false }
        return alert.model == nil || event.model == nil || event.model == alert.model
    }

    static func renderDetail(_ row: Row?, state: State, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        let key = theme.style(.muted)
        func field(_ name: String, _ spans: [Span]) -> Line {
            Line([Span(TextLayout.pad(name, toWidth: 13), style: key)] + spans)
        }
        var lines: [Line] = []
        let title: Line
        switch row {
        case .alert(let alert)?:
            title = Line([Span(" \(alert.name)", style: theme.style(.title)),
                          Span(AlertActions.subject(alert) + " ", style: theme.style(.title))])
            lines.append(field("summary", [Span(alert.summary)]))
            if let description = alert.annotations["description"], description != alert.summary {
                lines.append(field("description", [Span(description)]))
            }
            var since = "\(Format.clock(alert.activeSince)) (\(Format.age(state.now - alert.activeSince)) ago)"
            if let firing = alert.firingSince { since += " · firing since \(Format.clock(firing))" }
            lines.append(field("active since", [Span(since), Span(" · value ", style: key), Span(Format.value(alert.value))]))
            let labelText = alert.labels.keys.sorted().map { "\($0)=\(alert.labels[$0]!)" }.joined(separator: " ")
            lines.append(field("labels", [Span(labelText)]))
            let runbook: [Span]
            switch RunbookActions.link(for: alert, in: state) {
            case .linked(let r, _), .matched(let r):
                runbook = [Span(r.title, style: theme.style(.text).adding(.bold)), Span(" (\(r.file)) · ", style: key),
                           Span("r", style: theme.style(.helpKey)), Span(" opens it", style: key)]
            case .external(let url):
                runbook = [Span(url, style: theme.style(.text).adding(.underline)), Span(" · ", style: key),
                           Span("r", style: theme.style(.helpKey)), Span(" copies it", style: key)]
            case .none(let reason):
                runbook = [Span(reason, style: alert.runbookURL == nil ? key : theme.style(.statusWarning))]
            }
            lines.append(field("runbook", runbook))
            lines.append(field("from", [Span(alert.origin)]))
            if let silence = state.silence(for: alert) {
                lines.append(field("silenced", [Span("by \(silence.createdBy) until \(Format.clock(silence.endsAt))"
                                                     + " (\(Format.age(silence.endsAt - state.now)) left): \(silence.reason)")]))
            }
            if let ack = state.acknowledgement(for: alert) {
                lines.append(field("acknowledged", [Span("by \(ack.by) at \(Format.clock(ack.at)), until it resolves",
                                                         style: theme.style(.statusOK))]))
            }
            lines.append(Line([Span("a", style: theme.style(.helpKey)), Span(" acknowledge  ", style: key),
                               Span("s", style: theme.style(.helpKey)), Span(" silence  ", style: key),
                               Span("u", style: theme.style(.helpKey)), Span(" undo  ", style: key),
                               Span("⏎", style: theme.style(.helpKey)), Span(" open the model", style: key)]))
            // The alert's own story so far, newest first, in what room is left.
            let history = state.timeline.events.reversed().filter { mentions($0, alert) }
            if !history.isEmpty, lines.count + 2 < area.height - 2 {
                lines.append(Line(""))
                lines.append(Line("history", style: key))
                for event in history.prefix(max(0, area.height - 2 - lines.count)) {
                    lines.append(Line([Span(Format.clock(event.time) + "  ", style: key),
                                       Span(EventList.label(event.kind), style: theme.style(EventList.role(event.kind))),
                                       Span("  " + event.summary)]))
                }
            }
        case .silence(let silence)?:
            title = Line(" Silence \(silence.id) ", style: theme.style(.title))
            lines.append(field("matches", [Span(silence.matcherText)]))
            lines.append(field("reason", [Span(silence.reason)]))
            lines.append(field("created", [Span("by \(silence.createdBy) at \(Format.clock(silence.createdAt))")]))
            lines.append(field("ends", [Span("\(Format.clock(silence.endsAt)) (in \(Format.age(silence.endsAt - state.now)))")]))
            lines.append(Line([Span("u", style: theme.style(.helpKey)), Span(" ends it now", style: key)]))
        case nil:
            title = Line(" no alert selected ", style: theme.style(.title))
            if !state.ruleErrors.isEmpty {
                for error in state.ruleErrors.prefix(area.height - 2) {
                    lines.append(Line(error, style: theme.style(.statusCritical)))
                }
            }
        }
        Paragraph(lines, overflow: .truncate,
                  block: Block(title: title, borderType: .rounded, borderStyle: theme.style(.border)))
            .render(into: &buffer, area: area)
    }
}
