import Logs
import Models
import Telemetry
import TerminalUI

/// One model: its signals now, traffic, error and latency sparklines over the last 15
/// minutes with deploy markers, its alerts, timeline and recent log lines.
enum ModelScreen {
    static let chartSpan: Milliseconds = .minutes(15)

    static func render(_ state: State, key: ModelKey, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        guard let model = state.models[key] else {
            buffer.put(Line("model \(key.name) is not known (yet)", style: theme.style(.muted)), x: 1, y: area.y + 1, width: area.width - 2)
            return
        }
        let s = model.signals
        let statusRole = OverviewScreen.statusRole(model.status)
        let block = Block(title: Line([Span(" \(key.name) ", style: theme.style(.title)),
                                       Span("· \(s.kind.rawValue) · \(key.job) ", style: theme.style(.muted))]),
                          rightTitle: Line(" \(model.status.symbol) \(model.status.word) ", style: theme.style(statusRole)),
                          borderType: .rounded, borderStyle: theme.style(.border))
        block.render(into: &buffer, area: area)
        let inner = block.inner(area)
        guard inner.height >= 3 else { return }

        var versionText = "version " + (s.versions.isEmpty ? Format.unknown : s.versions.joined(separator: ", "))
        if let deploy = model.lastDeploy {
            versionText += " · deployed \(Format.age(state.now - deploy)) ago"
            if let previous = model.previousVersion { versionText += " (was \(previous))" }
        }
        buffer.put(Line(versionText, style: theme.style(.text)), x: inner.x + 1, y: inner.y, width: inner.width - 2)
        let latencyLabel = s.latencyIsMean ? "mean" : "p99"
        var figures: [Span] = [
            Span("req/s ", style: theme.style(.muted)), Span(Format.rate(s.requestsPerSecond) + "   "),
            Span("errors ", style: theme.style(.muted)), Span(Format.percent(s.errorRatio) + "   "),
            Span("p50 ", style: theme.style(.muted)), Span(Format.latency(s.latencyP50) + "   "),
            Span("\(latencyLabel) ", style: theme.style(.muted)), Span(Format.latency(s.latencyP99) + "   "),
        ]
        if let sat = s.saturation {
            figures += [Span(s.kind == .vllm ? "KV cache " : "GPU ", style: theme.style(.muted)), Span(Format.percent(sat))]
        }
        buffer.put(Line(figures), x: inner.x + 1, y: inner.y + 1, width: inner.width - 2)

        // Charts take what is left after a minimum for the lists below.
        let rest = Rect(x: inner.x, y: inner.y + 3, width: inner.width, height: inner.height - 3)
        let chartHeight = rest.height >= 24 ? 3 : (rest.height >= 14 ? 2 : 1)
        let charts = Layout.split(rest, .vertical, [.fixed(chartHeight), .fixed(chartHeight), .fixed(chartHeight), .fixed(1), .fill(1)], spacing: 0)
        let history = model.history
        let end = state.now, start = state.now - chartSpan
        drawChart("traffic", value: Format.rate(s.requestsPerSecond) + "/s", history.map { ($0.t, $0.requestsPerSecond) },
                  start: start, end: end, role: .chartTraffic, theme: theme, into: &buffer, area: charts[0])
        drawChart("errors", value: Format.percent(s.errorRatio), history.map { ($0.t, $0.errorRatio) },
                  start: start, end: end, role: .chartErrors, theme: theme, into: &buffer, area: charts[1])
        drawChart(latencyLabel, value: Format.latency(s.latencyP99), history.map { ($0.t, $0.latencyP99) },
                  start: start, end: end, role: .chartLatency, theme: theme, into: &buffer, area: charts[2])
        drawDeployMarkers(model, start: start, end: end, theme: theme, into: &buffer, area: charts[3])

        let lower = charts[4]
        guard lower.height >= 3 else { return }
        let alerts = state.allAlerts.filter { $0.concerns(key) }
        let logs = recentLogs(state, for: key)
        let parts = Layout.split(lower, .vertical, [.fixed(min(lower.height / 3 + 1, max(3, alerts.count + 2))), .fill(1)])
        AlertList.render(alerts, state: state, theme: theme, into: &buffer, area: parts[0], title: "Alerts")
        renderLogs(logs, theme: theme, into: &buffer, area: parts[1])
    }

    static let labelWidth = 16

    /// A braille sparkline of `points` resampled to the chart width over `start...end`.
    static func drawChart(_ label: String, value: String, _ points: [(Timestamp, Double?)], start: Timestamp, end: Timestamp,
                          role: ThemeRole, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        guard area.height > 0, area.width > labelWidth + 4 else { return }
        buffer.put(Line(label, style: theme.style(.muted)), x: area.x + 1, y: area.y, width: labelWidth - 1)
        if area.height > 1 {
            buffer.put(Line(value, style: theme.style(role).adding(.bold)), x: area.x + 1, y: area.y + 1, width: labelWidth - 1)
        } else {
            buffer.put(Line(value, style: theme.style(role).adding(.bold)), x: area.x + 8, y: area.y, width: labelWidth - 8, alignment: .right)
        }
        let chartArea = Rect(x: area.x + labelWidth, y: area.y, width: area.width - labelWidth - 1, height: area.height)
        let sparkline = Sparkline([], mode: .braille, scale: .zeroBased, style: theme.style(role))
        let slots = sparkline.capacity(width: chartArea.width)
        let values = resample(points, start: start, end: end, slots: slots)
        var chart = sparkline
        chart.values = values
        chart.render(into: &buffer, area: chartArea)
    }

    /// The last value in each of `slots` equal time buckets. A slot narrower than the scrape
    /// interval that no point fell in holds the previous value, up to `hold` after it, so the
    /// chart has no false gaps; longer silences stay gaps (nil).
    static func resample(_ points: [(Timestamp, Double?)], start: Timestamp, end: Timestamp, slots: Int,
                         hold: Milliseconds = .seconds(16)) -> [Double?] {
        guard slots > 0, end > start else { return [] }
        var values = [Double?](repeating: nil, count: slots)
        var stamps = [Timestamp?](repeating: nil, count: slots)
        let span = Double((end - start).value)
        for (t, v) in points where t > start && t <= end {
            guard let v, v.isFinite else { continue }
            let slot = min(slots - 1, Int(Double((t - start).value) / span * Double(slots)))
            values[slot] = v
            stamps[slot] = t
        }
        var last: (Timestamp, Double)?
        for slot in 0..<slots {
            if let t = stamps[slot], let v = values[slot] { last = (t, v); continue }
            let slotEnd = start + Milliseconds(Int64(Double(slot + 1) / Double(slots) * span))
            if let (t, v) = last, slotEnd - t <= hold, slotEnd <= end, t < slotEnd,
               stamps[(slot + 1)...].contains(where: { $0 != nil }) {
                values[slot] = v
            }
        }
        return values
    }

    /// `▲4` under the charts where a version was first seen.
    static func drawDeployMarkers(_ model: ModelState, start: Timestamp, end: Timestamp, theme: Theme,
                                  into buffer: inout ScreenBuffer, area: Rect) {
        guard area.height > 0, area.width > labelWidth + 4 else { return }
        buffer.put(Line("deploys", style: theme.style(.muted)), x: area.x + 1, y: area.y, width: labelWidth - 1)
        let width = area.width - labelWidth - 1
        let span = Double((end - start).value)
        var drew = false
        for (version, t) in model.versionFirstSeen.sorted(by: { $0.value < $1.value }) where t > start && t <= end && t != model.firstSeen {
            let col = area.x + labelWidth + min(width - 1, Int(Double((t - start).value) / span * Double(width)))
            buffer.put(Line("▲" + version, style: theme.style(.statusWarning)), x: col, y: area.y, width: max(1, area.maxX - col))
            drew = true
        }
        if !drew {
            buffer.put(Line("none in the last 15m", style: theme.style(.muted)), x: area.x + labelWidth, y: area.y, width: width)
        }
    }

    /// The model's own log lines, or its server's lines that name no model.
    static func recentLogs(_ state: State, for key: ModelKey) -> [LogEntry] {
        state.logs.visible.filter { entry in
            if let m = entry.model { return m == key.name }
            return entry.source.hasPrefix(key.job)
        }
    }

    static func renderLogs(_ logs: [LogEntry], theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        let rows = logs.map { entry in
            let role: ThemeRole = entry.level >= .error ? .logError : (entry.level == .warn ? .logWarning : .text)
            return Line([
                Span(" " + Format.clock(entry.time) + " ", style: theme.style(.muted)),
                Span(TextLayout.pad(entry.level.description, toWidth: 6), style: theme.style(role)),
                Span(entry.message, style: theme.style(.text)),
            ])
        }
        ListPanel.render(title: Line(" Logs (\(logs.count)) ", style: theme.style(.title)), rows: rows,
                         empty: Line("no log lines for this model", style: theme.style(.muted)), keep: .last,
                         theme: theme, into: &buffer, area: area)
    }
}
