import Incidents
import Models
import Telemetry
import TerminalUI

/// One row per model, worst first; below it the alerts and, when there is room, the
/// incident timeline.
public enum OverviewScreen {
    /// Where the overview's parts go for a given state and size; shared by drawing and by
    /// mouse hit-testing so the two agree.
    public struct Geometry: Hashable, Sendable {
        public var models: Rect
        public var alerts: Rect
        public var events: Rect?

        /// Data rows of the models table that fit.
        public var visibleRows: Int { max(0, models.height - 3) }

        /// The model row index under screen row `y`, if any.
        public func rowIndex(atY y: Int, offset: Int) -> Int? {
            let first = models.y + 2
            guard y >= first, y < models.maxY - 1 else { return nil }
            return y - first + offset
        }
    }

    public static func layout(for state: State) -> Geometry {
        let size = state.ui.size
        let top = state.bannerText == nil ? 1 : 2
        let body = Rect(x: 0, y: top, width: size.width, height: max(0, size.height - top - 1))
        let wantedModels = max(1, state.models.count) + 3
        let wantedAlerts = min(8, max(1, state.allAlerts.count)) + 2
        // The timeline gets what is left once models and alerts have what they need, if that
        // is a useful amount; otherwise the alerts take it.
        let modelsHeight = max(4, min(wantedModels, body.height - 3))
        let remaining = body.height - modelsHeight
        if remaining - wantedAlerts >= 5 {
            let parts = Layout.split(body, .vertical, [.fixed(modelsHeight), .fixed(wantedAlerts), .fill(1)])
            return Geometry(models: parts[0], alerts: parts[1], events: parts[2])
        }
        let parts = Layout.split(body, .vertical, [.fixed(modelsHeight), .fill(1)])
        return Geometry(models: parts[0], alerts: parts[1], events: nil)
    }

    static func render(_ state: State, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        let geometry = layout(for: state)
        renderModels(state, theme: theme, into: &buffer, area: geometry.models)
        AlertList.render(state.allAlerts, state: state, theme: theme, into: &buffer, area: geometry.alerts, title: "Alerts")
        if let events = geometry.events {
            EventList.render(state.timeline.events, theme: theme, into: &buffer, area: events, title: "Timeline")
        }
    }

    static func renderModels(_ state: State, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        let models = state.modelsWorstFirst
        // Optional columns appear only when the model name keeps at least 18 columns.
        let spare = area.width - 2 - (54 + 7 + 18)
        let showTrend = spare >= TrendText.width + 1
        let showTarget = spare >= TrendText.width + 1 + 15
        var columns: [Table.Column] = [
            .init("STATUS", width: .fixed(8)),
            .init("MODEL", width: .min(14)),
            .init("VERSION", width: .fixed(8)),
            .init("SERVER", width: .fixed(7)),
            .init("REQ/S", width: .fixed(7), alignment: .right),
            .init("ERR %", width: .fixed(7), alignment: .right),
            .init("P99", width: .fixed(8), alignment: .right),
            .init("DEPLOYED", width: .fixed(9), alignment: .right),
        ]
        if showTrend { columns.append(.init("P99 LAST 15M", width: .fixed(TrendText.width))) }
        if showTarget { columns.append(.init("TARGET", width: .fixed(14))) }
        let rows: [Table.Row] = models.map { model in
            let s = model.signals
            let statusStyle = theme.style(statusRole(model.status))
            var cells: [Line] = [
                Line("\(model.status.symbol) \(model.status.word)", style: statusStyle),
                Line(model.key.name),
                Line(s.versions.isEmpty ? Format.unknown : s.versions.joined(separator: ",")),
                Line(s.kind.rawValue),
                Line(Format.rate(s.requestsPerSecond)),
                Line(Format.percent(s.errorRatio), style: (s.errorRatio ?? 0) >= state.rules.errorRatioWarning ? statusStyle : .plain),
                Line((s.latencyIsMean && s.latencyP99 != nil ? "≈" : "") + Format.latency(s.latencyP99)),
                Line(model.lastDeploy.map { Format.age(state.now - $0) } ?? Format.unknown),
            ]
            if showTrend {
                let trend = TrendText.blocks(model.history.map { ($0.t, $0.latencyP99) }, end: state.now)
                cells.append(Line(trend, style: theme.style(.chartLatency)))
            }
            if showTarget { cells.append(Line(model.key.job, style: theme.style(.muted))) }
            return Table.Row(cells)
        }
        let block = Block(title: Line(" Models (\(models.count)) ", style: theme.style(.title)),
                          rightTitle: Line(" worst first ", style: theme.style(.muted)),
                          borderType: .rounded, borderStyle: theme.style(.border))
        let table = Table(columns: columns, rows: rows, columnSpacing: 1, headerStyle: theme.style(.muted).adding(.bold),
                          highlightStyle: theme.style(.selection), highlightSymbol: nil, block: block)
        var tableState = state.ui.overviewTable
        table.render(into: &buffer, area: area, state: &tableState)
        if models.isEmpty {
            let inner = block.inner(area)
            let waiting = state.targets.isEmpty ? "no targets configured" : "waiting for the first scrapes…"
            buffer.put(Line(waiting, style: theme.style(.muted)), x: inner.x + 1, y: inner.y + 1, width: inner.width - 2)
        }
    }

    static func statusRole(_ status: HealthStatus) -> ThemeRole {
        switch status {
        case .ok: return .statusOK
        case .noData: return .statusNoData
        case .warning: return .statusWarning
        case .critical: return .statusCritical
        case .down: return .statusDown
        }
    }
}

/// A bordered panel of one-line rows, with a placeholder when there are none.
enum ListPanel {
    /// Which rows stay when there are more than fit: the first ones, or the last ones.
    enum Keep { case first, last }

    static func render(title: Line, rows: [Line], empty: Line, keep: Keep = .first, theme: Theme,
                       into buffer: inout ScreenBuffer, area: Rect) {
        let block = Block(title: title, borderType: .rounded, borderStyle: theme.style(.border))
        block.render(into: &buffer, area: area)
        let inner = block.inner(area)
        guard !inner.isEmpty else { return }
        guard !rows.isEmpty else {
            buffer.put(empty, x: inner.x + 1, y: inner.y, width: inner.width - 1)
            return
        }
        let shown = keep == .first ? Array(rows.prefix(inner.height)) : Array(rows.suffix(inner.height))
        for (i, row) in shown.enumerated() { buffer.put(row, x: inner.x, y: inner.y + i, width: inner.width) }
    }
}

/// Alerts, firing first and worst first, each with state word, name, summary, age, and who has
/// it; silenced alerts last and muted.
enum AlertList {
    static func render(_ alerts: [HealthAlert], state: State, theme: Theme, into buffer: inout ScreenBuffer,
                       area: Rect, title: String) {
        let now = state.now
        func rank(_ a: HealthAlert) -> (Int, Int, HealthAlert.Severity) {
            (state.silence(for: a) == nil ? 1 : 0, a.state == .firing ? 1 : 0, a.severity)
        }
        let ordered = alerts.sorted { rank($0) > rank($1) }
        let loud = alerts.filter { state.silence(for: $0) == nil }
        let firing = loud.filter { $0.state == .firing }.count
        let rows = ordered.map { alert in
            let silence = state.silence(for: alert)
            let role: ThemeRole = silence != nil ? .muted : AlertsScreen.role(for: alert)
            let word = TextLayout.pad(AlertsScreen.stateWord(alert), toWidth: 9)
            let since = alert.firingSince ?? alert.activeSince
            // Who has it comes right after the name, where a narrow row still shows it.
            var spans = [
                Span(" \(word) ", style: theme.style(role)),
                Span(alert.name, style: theme.style(silence != nil ? .muted : .text).adding(.bold)),
            ]
            if let silence {
                spans.append(Span("  ◌ silenced by \(silence.createdBy)", style: theme.style(.muted)))
            } else if let ack = state.acknowledgement(for: alert) {
                spans.append(Span("  ✔ \(ack.by)", style: theme.style(.statusOK)))
            }
            spans.append(Span("  \(alert.summary)", style: theme.style(silence != nil ? .muted : .text)))
            spans.append(Span("  for \(Format.age(now - since))", style: theme.style(.muted)))
            return Line(spans)
        }
        var counts = "\(firing) firing, \(loud.count - firing) pending"
        if loud.count < alerts.count { counts += ", \(alerts.count - loud.count) silenced" }
        ListPanel.render(title: Line(" \(title) (\(counts)) ", style: theme.style(.title)),
                         rows: rows, empty: Line("✓ no alerts", style: theme.style(.statusOK)), theme: theme,
                         into: &buffer, area: area)
    }
}

/// The incident timeline, newest first.
enum EventList {
    static func render(_ events: [TimelineEvent], theme: Theme, into buffer: inout ScreenBuffer, area: Rect, title: String) {
        let rows = events.reversed().map { event in
            Line([
                Span(" " + Format.clock(event.time) + "  ", style: theme.style(.muted)),
                Span(label(event.kind), style: theme.style(role(event.kind))),
                Span("  " + event.summary, style: theme.style(.text)),
            ])
        }
        ListPanel.render(title: Line(" \(title) ", style: theme.style(.title)), rows: rows,
                         empty: Line("nothing yet", style: theme.style(.muted)), theme: theme, into: &buffer, area: area)
    }

    static func role(_ kind: TimelineEvent.Kind) -> ThemeRole {
        switch kind {
        case .alertFiring, .targetDown: return .statusCritical
        case .alertPending: return .statusWarning
        case .alertResolved, .targetUp, .acknowledged: return .statusOK
        case .deploy, .note, .runbook: return .text
        case .command: return .statusWarning
        case .silenced: return .muted
        }
    }

    static func label(_ kind: TimelineEvent.Kind) -> String {
        switch kind {
        case .deploy: return "DEPLOY  "
        case .alertPending: return "PENDING "
        case .alertFiring: return "FIRING  "
        case .alertResolved: return "RESOLVED"
        case .targetDown: return "DOWN    "
        case .targetUp: return "UP      "
        case .note: return "NOTE    "
        case .acknowledged: return "ACK     "
        case .silenced: return "SILENCE "
        case .runbook: return "RUNBOOK "
        case .command: return "COMMAND "
        }
    }
}
