import Telemetry
import TerminalUI

/// Every scrape target: state, last scrape age, duration, samples, bytes, and the selected
/// target's last error in full (the table only has room for its start).
public enum TargetsScreen {
    static let detailHeight = 7

    static func tableArea(for state: State) -> Rect {
        let size = state.ui.size
        let top = state.bannerText == nil ? 1 : 2
        let body = Rect(x: 0, y: top, width: size.width, height: max(0, size.height - top - 1))
        let tableHeight = max(4, min(state.targets.count + 3, body.height - detailHeight))
        return Rect(x: body.x, y: body.y, width: body.width, height: tableHeight)
    }

    public static func visibleRows(for state: State) -> Int { max(1, tableArea(for: state).height - 3) }

    static func render(_ state: State, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        let tableArea = tableArea(for: state)
        let up = state.targetsUp
        let columns: [Table.Column] = [
            .init("STATE", width: .fixed(8)),
            .init("TARGET", width: .min(12)),
            .init("LAST", width: .fixed(6), alignment: .right),
            .init("TOOK", width: .fixed(7), alignment: .right),
            .init("SAMPLES", width: .fixed(8), alignment: .right),
            .init("BYTES", width: .fixed(8), alignment: .right),
            .init("ERROR", width: .fill(2)),
        ]
        let rows = state.targets.map { target -> Table.Row in
            let (word, role) = describe(target)
            return Table.Row([
                Line(word, style: theme.style(role)),
                Line(target.target.name),
                Line(target.lastScrape.map { Format.age(state.now - $0) } ?? Format.unknown),
                Line(target.lastDuration.map { $0.value == 0 ? "<1ms" : Format.latency($0.seconds) } ?? Format.unknown),
                Line(target.lastScrape == nil ? Format.unknown : "\(target.samplesScraped)"),
                Line(target.lastScrape == nil ? Format.unknown : Format.bytes(target.bodyBytes)),
                Line(target.lastError?.description ?? "", style: theme.style(.statusCritical)),
            ])
        }
        let store = state.store
        var storeText = " \(store.seriesCount) series · \(store.pointCount) samples · \(Format.bytes(store.bytesUsed))"
        if let budget = store.memoryBudgetBytes { storeText += " of \(Format.bytes(budget))" }
        storeText += " · \(store.evictedChunks) chunks evicted "
        let block = Block(title: Line(" Targets (\(up)/\(state.targets.count) up) ", style: theme.style(.title)),
                          rightTitle: Line(storeText, style: theme.style(.muted)),
                          borderType: .rounded, borderStyle: theme.style(.border))
        var table = state.ui.targetsTable
        Table(columns: columns, rows: rows, headerStyle: theme.style(.muted).adding(.bold),
              highlightStyle: theme.style(.selection), block: block)
            .render(into: &buffer, area: tableArea, state: &table)

        let detailArea = Rect(x: area.x, y: tableArea.maxY, width: area.width, height: area.maxY - tableArea.maxY)
        guard detailArea.height >= 3 else { return }
        let selected = table.selected.flatMap { $0 < state.targets.count ? state.targets[$0] : nil }
        var lines: [Line] = []
        if let t = selected {
            lines.append(Line([Span("url       ", style: theme.style(.muted)), Span(t.target.url)]))
            lines.append(Line([Span("every     ", style: theme.style(.muted)),
                               Span("\(Format.age(t.target.interval)), timeout \(Format.age(t.target.timeout))"
                                    + (t.target.auth.map { " · \($0)" } ?? ""))]))
            if let error = t.lastError {
                lines.append(Line([Span("error     ", style: theme.style(.muted)),
                                   Span(error.description, style: theme.style(.statusCritical))]))
            }
        }
        Paragraph(lines, overflow: .wrap,
                  block: Block(title: Line(" \(selected?.target.name ?? "no target") ", style: theme.style(.title)),
                               borderType: .rounded, borderStyle: theme.style(.border)))
            .render(into: &buffer, area: detailArea)
    }

    static func describe(_ target: TargetStatus) -> (String, ThemeRole) {
        switch target.health {
        case .up: return ("✓ UP", .statusOK)
        case .down: return ("✖ DOWN", .statusCritical)
        case .unknown: return ("… WAIT", .statusNoData)
        }
    }
}
