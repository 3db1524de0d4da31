import TerminalUI

/// The `?` overlay, generated from the key-binding table plus a legend of status words.
enum HelpOverlay {
    static let keyColumn = 15

    static func bindingLines(_ context: KeyBinding.Context, theme: Theme) -> [Line] {
        var lines = [Line(context.rawValue, style: theme.style(.title))]
        for binding in KeyMap.bindings where binding.context == context {
            lines.append(Line([
                Span(" " + TextLayout.pad(binding.label, toWidth: keyColumn - 1), style: theme.style(.helpKey)),
                Span(binding.help, style: theme.style(.text)),
            ]))
        }
        return lines
    }

    static func legendLines(theme: Theme) -> [Line] {
        var lines = [Line("Status", style: theme.style(.title))]
        for status in HealthStatus.allCases.reversed() {
            lines.append(Line([
                Span(" " + TextLayout.pad("\(status.symbol) \(status.word)", toWidth: keyColumn - 1),
                     style: theme.style(OverviewScreen.statusRole(status))),
                Span(meaning(status), style: theme.style(.text)),
            ]))
        }
        lines.append(Line([Span(" " + TextLayout.pad("≈ 12ms", toWidth: keyColumn - 1), style: theme.style(.helpKey)),
                           Span("a mean, not a p99", style: theme.style(.text))]))
        return lines
    }

    /// The help text in one column, or two side by side when one would not fit the height.
    static func lines(theme: Theme, maxHeight: Int = .max, maxWidth: Int = .max) -> [Line] {
        let global = bindingLines(.global, theme: theme), overview = bindingLines(.overview, theme: theme)
        let model = bindingLines(.model, theme: theme), targets = bindingLines(.targets, theme: theme)
        let alerts = bindingLines(.alerts, theme: theme), logs = bindingLines(.logs, theme: theme)
        let legend = legendLines(theme: theme)
        let single = global + [""] + overview + [""] + model + [""] + alerts + [""] + logs + [""] + targets + [""] + legend
        guard single.count > maxHeight else { return single }
        let left = global + [""] + overview + [""] + model + [""] + targets, right = alerts + [""] + logs + [""] + legend
        let leftWidth = (left.map(\.width).max() ?? 0) + 2
        guard leftWidth + (right.map(\.width).max() ?? 0) <= maxWidth else { return single }
        return (0..<max(left.count, right.count)).map { i in
            let l = i < left.count ? left[i] : Line("")
            let r = i < right.count ? right[i] : Line("")
            return Line(l.spans + [Span(String(repeating: " ", count: leftWidth - l.width))] + r.spans)
        }
    }

    static func meaning(_ status: HealthStatus) -> String {
        switch status {
        case .down: return "target unreachable"
        case .critical: return "critical alert firing"
        case .warning: return "warning alert firing"
        case .noData: return "no rate yet"
        case .ok: return "serving, no alerts"
        }
    }

    static func render(theme: Theme, into buffer: inout ScreenBuffer) {
        let body = lines(theme: theme, maxHeight: buffer.size.height - 4, maxWidth: buffer.size.width - 6)
        let width = min(buffer.size.width - 2, max(56, (body.map(\.width).max() ?? 40) + 4))
        let height = min(buffer.size.height - 2, body.count + 2)
        let overlay = Overlay(width: width, height: height,
                              block: Block(title: Line(" Help — Esc or ? closes ", style: theme.style(.title)),
                                           borderType: .rounded, borderStyle: theme.style(.border)),
                              body: Paragraph(body, overflow: .truncate), style: theme.style(.text))
        overlay.render(into: &buffer, area: buffer.area)
    }
}
