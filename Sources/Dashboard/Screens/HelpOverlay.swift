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

    /// The sections, the current screen's first, then the global keys and the status legend: what
    /// can be done here comes before what can be done elsewhere, so a small window cuts the least
    /// useful part.
    static func sections(for context: KeyBinding.Context, theme: Theme) -> [[Line]] {
        let order: [KeyBinding.Context] = [.overview, .model, .alerts, .runbook, .logs, .targets]
        let others = order.filter { $0 != context }
        var sections = [bindingLines(context, theme: theme)]
        if context != .global { sections.append(bindingLines(.global, theme: theme)) }
        // The status legend is short and explains what every screen shows.
        sections.append(legendLines(theme: theme))
        sections += others.map { bindingLines($0, theme: theme) }
        return sections
    }

    /// The sections flowed into as many columns as fit `maxWidth`, each filled top to bottom
    /// up to `maxHeight`; what does not fit is left out (the last sections).
    static func lines(for context: KeyBinding.Context = .overview, theme: Theme, maxHeight: Int = .max,
                      maxWidth: Int = .max) -> [Line] {
        let sections = sections(for: context, theme: theme)
        let single = sections.enumerated().flatMap { i, section in i == 0 ? section : [Line("")] + section }
        guard single.count > maxHeight else { return single }
        let columnWidth = (sections.flatMap { $0 }.map(\.width).max() ?? 40) + 2
        let columnCount = max(1, min(sections.count, (maxWidth + 2) / columnWidth))
        var columns: [[Line]] = [[]]
        for section in sections {
            let needed = (columns[columns.count - 1].isEmpty ? 0 : 1) + section.count
            if columns[columns.count - 1].count + needed > maxHeight, !columns[columns.count - 1].isEmpty {
                guard columns.count < columnCount else { break }
                columns.append([])
            }
            if !columns[columns.count - 1].isEmpty { columns[columns.count - 1].append(Line("")) }
            columns[columns.count - 1] += section
        }
        let height = min(maxHeight, columns.map(\.count).max() ?? 0)
        return (0..<height).map { row in
            var spans: [Span] = []
            for (c, column) in columns.enumerated() {
                let line = row < column.count ? column[row] : Line("")
                spans += line.spans
                if c < columns.count - 1 { spans.append(Span(String(repeating: " ", count: max(0, columnWidth - line.width)))) }
            }
            return Line(spans)
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

    static func render(context: KeyBinding.Context, theme: Theme, into buffer: inout ScreenBuffer) {
        let body = lines(for: context, theme: theme, maxHeight: buffer.size.height - 4, maxWidth: buffer.size.width - 6)
        let width = min(buffer.size.width - 2, max(56, (body.map(\.width).max() ?? 40) + 4))
        let height = min(buffer.size.height - 2, body.count + 2)
        let overlay = Overlay(width: width, height: height,
                              block: Block(title: Line(" Help — Esc or ? closes ", style: theme.style(.title)),
                                           borderType: .rounded, borderStyle: theme.style(.border)),
                              body: Paragraph(body, overflow: .truncate), style: theme.style(.text))
        overlay.render(into: &buffer, area: buffer.area)
    }
}
