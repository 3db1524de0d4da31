import Telemetry
import TerminalUI

/// The silence dialog over the alerts screen: what will be silenced, for how long, and why.
enum SilenceDialog {
    static func render(_ form: SilenceForm, theme: Theme, into buffer: inout ScreenBuffer) {
        let muted = theme.style(.muted), text = theme.style(.text)
        let input = theme.style(.selection)
        let width = min(buffer.size.width - 2, 72)
        let fieldWidth = max(8, width - 16)
        func field(_ name: String, _ value: String, focused: Bool) -> Line {
            // Show the end of a long value, where the cursor is.
            var shown = value
            while TextLayout.width(shown) > fieldWidth - 1 { shown.removeFirst() }
            let cursor = focused ? "▏" : " "
            let padded = TextLayout.pad(shown + cursor, toWidth: fieldWidth)
            return Line([Span(TextLayout.pad(name, toWidth: 11), style: focused ? text.adding(.bold) : muted),
                         Span(padded, style: focused ? input : text)])
        }
        let matches = Line([Span("matches    ", style: muted), Span(Silence.matcherText(form.matchers), style: text)])
        var body: [Line] = matches.wrapped(toWidth: width - 2) + [
            Line(""),
            field("for", form.duration, focused: form.focus == .duration),
            Line([Span("           ", style: muted), Span("30m, 2h, 1d (at most 30d)", style: muted)]),
            field("reason", form.reason, focused: form.focus == .reason),
            Line(""),
        ]
        if let error = form.error {
            body.append(Line("✖ " + error, style: theme.style(.statusCritical)))
        } else {
            body.append(Line(""))
        }
        body.append(Line([Span("⏎", style: theme.style(.helpKey)), Span(" silence  ", style: muted),
                          Span("Tab", style: theme.style(.helpKey)), Span(" next field  ", style: muted),
                          Span("Esc", style: theme.style(.helpKey)), Span(" cancel", style: muted)]))
        let overlay = Overlay(width: width, height: body.count + 2,
                              block: Block(title: Line(" Silence \(form.alertName) ", style: theme.style(.title)),
                                           borderType: .rounded, borderStyle: theme.style(.border)),
                              body: Paragraph(body, overflow: .truncate), style: text)
        overlay.render(into: &buffer, area: buffer.area)
    }
}
