import Telemetry
import TerminalUI

/// The top row: what this is, where the data comes from, the time, targets and alerts.
enum Header {
    static func render(_ state: State, theme: Theme, into buffer: inout ScreenBuffer, row: Int) {
        let width = buffer.size.width
        let style = theme.style(.header)
        buffer.fill(Rect(x: 0, y: row, width: width, height: 1), with: Cell(" ", style: style))
        let silenced = state.allAlerts.filter { state.silence(for: $0) != nil }.count
        let firing = state.firingAlerts.filter { state.silence(for: $0) == nil }.count
        let pending = state.allAlerts.filter { $0.state == .pending && state.silence(for: $0) == nil }.count
        var left: [Span] = [
            Span(" modelwatch ", style: style.adding(.bold)),
            Span(" \(state.mode.rawValue) ", style: theme.style(.headerMode)),
            Span("  " + (width >= 100 ? Format.dateTime(state.now) : Format.clock(state.now) + "Z"), style: style),
        ]
        if state.mode != .live {
            left.append(Span(" (+\(Format.age(state.now - state.startedAt)))", style: style))
        }
        if let incident = state.incident.headerText(now: state.now) {
            left.append(Span("  ", style: style))
            left.append(Span(" \(incident) ", style: theme.style(.statusCritical).with(background: style.background).adding(.bold)))
        }
        let targets = "targets \(state.targetsUp)/\(state.targets.count) up"
        let alerts = firing > 0 ? "✖ \(firing) firing" : "✓ 0 firing"
        var right: [Span] = [Span(targets + "  ", style: style)]
        right.append(Span(alerts, style: firing > 0 ? theme.style(.statusCritical).with(background: style.background).adding(.bold) : style))
        if pending > 0 { right.append(Span("  \(pending) pending", style: style)) }
        if silenced > 0 { right.append(Span("  \(silenced) silenced", style: style)) }
        right.append(Span(" ", style: style))
        StatusBar(left: left, right: right, style: style).render(into: &buffer, area: Rect(x: 0, y: row, width: width, height: 1))
    }
}

/// The bottom row: key hints on the left, data freshness on the right.
enum StatusLine {
    static func render(_ state: State, theme: Theme, into buffer: inout ScreenBuffer, row: Int) {
        let keyStyle = theme.style(.statusBarKey), labelStyle = theme.style(.statusBar)
        let hints: [(key: String, label: String)]
        switch state.ui.screen {
        case .overview: hints = [("↑↓", "move"), ("⏎", "open"), ("a", "alerts"), ("l", "logs"), ("t", "targets"), ("?", "help"), ("q", "quit")]
        case .model: hints = [("Esc", "back"), ("[ ]", "prev/next"), ("r", "runbook"), ("l", "logs"), ("?", "help"), ("q", "quit")]
        case .targets: hints = [("Esc", "back"), ("↑↓", "move"), ("?", "help"), ("q", "quit")]
        case .alerts: hints = [("Esc", "back"), ("↑↓", "move"), ("a", "ack"), ("s", "silence"), ("u", "undo"), ("r", "runbook"), ("l", "logs"), ("?", "help")]
        case .logs: hints = [("Esc", "back"), ("/", "search"), ("n N", "next/prev"), ("L", "level"), ("m", "model"), ("f", "follow"), ("?", "help")]
        case .runbook:
            hints = state.hasRunningCommand
                ? [("Ctrl-C", "cancel the command"), ("↑↓", "step"), ("Space", "tick"), ("Esc", "back")]
                : [("Esc", "back"), ("↑↓", "step"), ("Space", "tick"), ("⏎", "run"), ("d", "dry run"), ("y", "copy"), ("?", "help")]
        }
        var left = [Span(" ", style: labelStyle)]
        left += StatusBar.keyHints(hints, keyStyle: keyStyle, labelStyle: labelStyle)
        var rightText = "\(state.models.count) models"
        if let last = state.targets.compactMap(\.lastScrape).max() {
            rightText += " · scraped \(Format.age(state.now - last)) ago"
        }
        if state.logs.droppedCount > 0 { rightText += " · \(state.logs.droppedCount) log lines dropped from memory" }
        if state.store.evictedChunks > 0 {
            rightText += " · \(state.store.evictedChunks) old chunks evicted (memory budget)"
        }
        let right = [Span(rightText + " ", style: labelStyle)]
        StatusBar(left: left, right: right, style: labelStyle)
            .render(into: &buffer, area: Rect(x: 0, y: row, width: buffer.size.width, height: 1))
    }
}
