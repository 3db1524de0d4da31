import Telemetry
import TerminalUI

/// Draws the whole screen from the state. Pure: the same state and size give the same buffer.
public enum View {
    public static let minimumSize = Size(width: 40, height: 10)

    public static func render(_ state: State, theme: Theme) -> ScreenBuffer {
        let size = state.ui.size
        var buffer = ScreenBuffer(size: size, fill: Cell(" ", width: 1, style: theme.style(.text)))
        guard size.width >= minimumSize.width, size.height >= minimumSize.height else {
            drawTooSmall(&buffer, theme: theme)
            return buffer
        }
        let area = buffer.area
        Header.render(state, theme: theme, into: &buffer, row: 0)
        var body = Rect(x: 0, y: 1, width: area.width, height: area.height - 2)
        if let banner = state.bannerText {
            buffer.fill(Rect(x: 0, y: 1, width: area.width, height: 1), with: Cell(" ", style: theme.style(.banner)))
            buffer.put(Line(" " + banner, style: theme.style(.banner)), x: 0, y: 1, width: area.width)
            body = Rect(x: 0, y: 2, width: area.width, height: area.height - 3)
        }
        switch state.ui.screen {
        case .overview:
            OverviewScreen.render(state, theme: theme, into: &buffer, area: body)
        case .model(let key):
            ModelScreen.render(state, key: key, theme: theme, into: &buffer, area: body)
        case .targets:
            TargetsScreen.render(state, theme: theme, into: &buffer, area: body)
        case .alerts:
            AlertsScreen.render(state, theme: theme, into: &buffer, area: body)
        case .logs:
            LogsScreen.render(state, theme: theme, into: &buffer, area: body)
        case .runbook:
            RunbookScreen.render(state, theme: theme, into: &buffer, area: body)
        }
        StatusLine.render(state, theme: theme, into: &buffer, row: area.height - 1)
        if let prompt = state.ui.textPrompt { PromptLine.render(prompt, theme: theme, into: &buffer, row: area.height - 1) }
        if let form = state.ui.silenceForm { SilenceDialog.render(form, theme: theme, into: &buffer) }
        if let dialog = state.ui.commandConfirmation { CommandDialog.render(dialog, state: state, theme: theme, into: &buffer) }
        if state.ui.showHelp { HelpOverlay.render(context: state.ui.screen.keyContext, theme: theme, into: &buffer) }
        return buffer
    }

    static func drawTooSmall(_ buffer: inout ScreenBuffer, theme: Theme) {
        let size = buffer.size
        let lines = [
            Line("window too small", style: theme.style(.title)),
            Line("\(size.width)x\(size.height), need \(minimumSize.width)x\(minimumSize.height)"),
            Line("q quits"),
        ]
        let top = max(0, size.height / 2 - 1)
        for (i, line) in lines.enumerated() where top + i < size.height {
            buffer.put(line, x: 0, y: top + i, width: size.width, alignment: .center)
        }
    }
}

/// The text prompt, drawn over the status line while it is open.
enum PromptLine {
    static func render(_ prompt: TextPrompt, theme: Theme, into buffer: inout ScreenBuffer, row: Int) {
        let width = buffer.size.width
        buffer.fill(Rect(x: 0, y: row, width: width, height: 1), with: Cell(" ", style: theme.style(.statusBar)))
        var spans = [Span(" " + prompt.label, style: theme.style(.statusBarKey)), Span(prompt.text + "▏", style: theme.style(.statusBar))]
        if let error = prompt.error { spans.append(Span("  ✖ " + error, style: theme.style(.statusCritical))) }
        switch prompt.purpose {
        case .logSearch: spans.append(Span("   ⏎ search · Esc cancel · empty clears", style: theme.style(.statusBar)))
        case .command: spans.append(Span("   ⏎ run · Esc cancel · " + IncidentCommands.help, style: theme.style(.statusBar)))
        case .note: spans.append(Span("   ⏎ add to the timeline · Esc cancel", style: theme.style(.statusBar)))
        }
        buffer.put(Line(spans), x: 0, y: row, width: width)
    }
}
