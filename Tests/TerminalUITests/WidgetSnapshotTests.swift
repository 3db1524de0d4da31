import Testing
import TerminalUI
import TestSupport

/// Whole-screen compositions compared with baselines under `Snapshots/`.
@Suite struct WidgetSnapshotTests {
    static let red = Style(foreground: .ansi(1), attributes: .bold)
    static let green = Style(foreground: .ansi(2))
    static let dim = Style(attributes: .dim)

    /// A small on-call screen: a models table, a latency sparkline, a status bar.
    static func dashboard(width: Int, height: Int) -> ScreenBuffer {
        var b = ScreenBuffer(size: Size(width: width, height: height))
        let parts = Layout.split(b.area, .vertical, [.fill(1), .fixed(4), .fixed(1)])
        let table = Table(
            columns: [Table.Column("Model", width: .min(10)),
                      Table.Column("State", width: .fixed(8)),
                      Table.Column("p99 ms", width: .fixed(7), alignment: .right)],
            rows: [
                Table.Row([Line("llama-3-70b-instruct"), Line([Span("● ok", style: green)]), Line("412")]),
                Table.Row([Line("embedder-日本語"), Line([Span("▲ FIRING", style: red)]), Line("1290")]),
                Table.Row([Line("ranker"), Line([Span("● ok", style: green)]), Line("38")]),
            ],
            highlightStyle: Style(attributes: .reverse), highlightSymbol: "▶ ",
            block: Block(title: " Models ", rightTitle: " 1 firing ", borderType: .rounded))
        var state = TableState(selected: 1)
        table.render(into: &b, area: parts[0], state: &state)

        let sparkBlock = Block(title: " p99 latency ", borderStyle: dim)
        sparkBlock.render(into: &b, area: parts[1])
        let latencies: [Double?] = [30, 32, 35, 31, nil, nil, 40, 55, 90, 140, 120, 80, 60, 45, 41, 39, 38, 40, 44, 52]
        Sparkline(latencies, mode: .braille, style: green).render(into: &b, area: sparkBlock.inner(parts[1]))

        StatusBar(left: [Span(" modelwatch "), Span("prod-us-east", style: Style(attributes: .bold))],
                  right: StatusBar.keyHints([("q", "quit"), ("?", "help")]) + [Span(" ")],
                  style: Style(attributes: .reverse)).render(into: &b, area: parts[2])
        return b
    }

    @Test func dashboardAt40x12() {
        assertSnapshot(Self.dashboard(width: 40, height: 12), named: "dashboard_40x12")
    }

    @Test func dashboardAt80x24() {
        assertSnapshot(Self.dashboard(width: 80, height: 24), named: "dashboard_80x24")
    }

    @Test func helpOverlayOverADashboard() {
        var b = Self.dashboard(width: 40, height: 12)
        let help = Overlay(width: 24, height: 6,
                           block: Block(title: " Help ", borderType: .rounded, borderStyle: Style(foreground: .ansi(6))),
                           body: Paragraph([Line("j/k  move"), Line("r    runbook"), Line("q    quit")]))
        help.render(into: &b, area: b.area)
        assertSnapshot(b, named: "help_overlay_40x12")
    }

    @Test func differenceReportShowsTheFirstDifferingLines() {
        let report = snapshotDifference(expected: "|ab|\n|cd|\n", actual: "|ab|\n|cx|\n")
        #expect(report == "line 2:\n  expected: |cd|\n  actual:   |cx|")
        let count = snapshotDifference(expected: "a\n", actual: "a\nb\n")
        #expect(count.hasPrefix("line count: expected 2, actual 3"))
    }
}
