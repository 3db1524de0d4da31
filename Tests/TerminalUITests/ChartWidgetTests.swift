import Testing
import TerminalUI

/// The line chart, heatmap and gauge, drawn into small buffers and compared row by row.
@Suite struct ChartWidgetTests {
    static func ms(_ v: Double) -> String { "\(Int(v))ms" }

    @Test func aRisingLineIsJoinedAndTheAxisIsLabelled() {
        // 8 dot columns (4 cells) by 8 dot rows (2 cells); values 0...100 on a 0...100 scale.
        let chart = LineChart(series: [.init("p99", [0, 0, 0, 100, 100, 100, 100, 100])], formatY: Self.ms)
        let b = draw(chart, width: 4 + 7, height: 2)
        // Axis: "100ms" and "0ms" right-aligned in 5 columns, a space, then ┤.
        #expect(rows(b) == [
            "100ms ┤ ⢸⠉⠉",
            "  0ms ┤⣀⣸  ",
        ])
    }

    @Test func aGapBreaksTheLine() {
        let chart = LineChart(series: [.init("x", [10, nil, 10, 10])], formatY: { _ in "" })
        let b = draw(chart, width: 2, height: 1)
        // No axis labels (empty strings), so the plot takes the whole width; the gap column is empty.
        #expect(rows(b) == ["⠁⠉"])
    }

    @Test func laterSeriesWinTheCellsStyle() {
        let red = Style(foreground: .ansi(1)), blue = Style(foreground: .ansi(4))
        let chart = LineChart(series: [.init("a", [1, 1], style: red), .init("b", [1, 1], style: blue)],
                              formatY: { _ in "" })
        let b = draw(chart, width: 1, height: 1)
        #expect(b[0, 0].style == blue)
    }

    @Test func markersDrawAVerticalLineAndALabel() {
        let chart = LineChart(series: [.init("x", [1, 1, 1, 1, 1, 1])],
                              markers: [.init(column: 2, label: "▲4")], formatY: { _ in "" })
        let b = draw(chart, width: 3, height: 2)
        // The flat line runs along the top; the marker is the left dot column of the second cell.
        #expect(rows(b) == ["⠉▲4", " ⡇ "])
    }

    @Test func theTopIsRoundedToANiceNumberAndNeverBelowTheMinimum() {
        #expect(LineChart.niceCeiling(0.13) == 0.2)
        #expect(LineChart.niceCeiling(1) == 1)
        #expect(LineChart.niceCeiling(2.3) == 2.5)
        #expect(LineChart.niceCeiling(730) == 1000)
        #expect(LineChart.niceCeiling(42) == 50)
        let flat = LineChart(series: [.init("x", [0.001, 0.001])], formatY: Self.ms, minimumTop: 10)
        let b = draw(flat, width: 8, height: 2)
        #expect(rows(b)[0].hasPrefix("10ms"))
        #expect(rows(b)[1].hasSuffix("⣀"), "a tiny value sits on the bottom: \(rows(b))")
    }

    @Test func noDataDrawsNoAxisAndNoDots() {
        let chart = LineChart(series: [.init("x", [nil, nil])], formatY: Self.ms)
        let b = draw(chart, width: 6, height: 2)
        #expect(rows(b) == ["      ", "      "])
    }

    @Test func heatmapShadesAreRelativeToTheBusiestCellAndGapsAreDots() {
        // Two buckets (rows), three slots (columns).
        let map = Heatmap(cells: [[4, 0], [2, 1], [nil, nil]], rowLabels: ["10", "+Inf"])
        let b = draw(map, width: 8, height: 2)
        #expect(rows(b) == [
            "+Inf  ░·",
            "  10 █▒·",
        ])
        #expect(Heatmap.shade(0.0001, max: 100) == 1, "any count shows")
        #expect(Heatmap.shade(0, max: 100) == 0)
    }

    @Test func gaugeFillsInEighthsAndSaysWhyWhenUnknown() {
        #expect(Gauge.bar(0.5, width: 4) == "██░░")
        #expect(Gauge.bar(0.53125, width: 4) == "██▏░")
        #expect(Gauge.bar(1.2, width: 3) == "███")
        #expect(Gauge.bar(-1, width: 3) == "░░░")
        #expect(Gauge.bar(.nan, width: 2) == "░░")
        let g = Gauge(label: "GPU", ratio: 0.5, text: "50%", labelWidth: 4)
        #expect(rows(draw(g, width: 12, height: 1)) == ["GPU ██░░ 50%"])
        let unknown = Gauge(label: "KV", ratio: nil, text: "not exported", labelWidth: 3)
        #expect(rows(draw(unknown, width: 16, height: 1)) == ["KV not exported "])
    }
}
