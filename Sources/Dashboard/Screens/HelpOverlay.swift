import TerminalUI

/// The `?` overlay, generated from the key-binding table plus a legend of status words.
enum HelpOverlay {
    static func lines(theme: Theme) -> [Line] {
        var lines: [Line] = []
        for context in KeyBinding.Context.allCases {
            lines.append(Line(context.rawValue, style: theme.style(.title)))
            for binding in KeyMap.bindings where binding.context == context {
                let label = binding.label
                lines.append(Line([
                    Span("  " + label + String(repeating: " ", count: max(1, 18 - label.count)), style: theme.style(.helpKey)),
                    Span(binding.help, style: theme.style(.text)),
                ]))
            }
            lines.append(Line(""))
        }
        lines.append(Line("Status", style: theme.style(.title)))
        for status in HealthStatus.allCases.reversed() {
            lines.append(Line([
                Span("  \(status.symbol) \(status.word)" + String(repeating: " ", count: max(1, 16 - status.word.count)),
                     style: theme.style(OverviewScreen.statusRole(status))),
                Span(meaning(status), style: theme.style(.text)),
            ]))
        }
        lines.append(Line([Span("  ≈ before P99     ", style: theme.style(.helpKey)),
                           Span("the server exports only a mean", style: theme.style(.text))]))
        return lines
    }

    static func meaning(_ status: HealthStatus) -> String {
        switch status {
        case .down: return "its target cannot be scraped"
        case .critical: return "a critical alert is firing"
        case .warning: return "a warning alert is firing"
        case .noData: return "no rate yet (needs two scrapes)"
        case .ok: return "serving, no alert firing"
        }
    }

    static func render(theme: Theme, into buffer: inout ScreenBuffer) {
        let body = lines(theme: theme)
        let width = min(buffer.size.width - 2, max(56, (body.map(\.width).max() ?? 40) + 4))
        let height = min(buffer.size.height - 2, body.count + 2)
        let overlay = Overlay(width: width, height: height,
                              block: Block(title: Line(" Help — Esc or ? closes ", style: theme.style(.title)),
                                           borderType: .rounded, borderStyle: theme.style(.border)),
                              body: Paragraph(body, overflow: .truncate), style: theme.style(.text))
        overlay.render(into: &buffer, area: buffer.area)
    }
}
