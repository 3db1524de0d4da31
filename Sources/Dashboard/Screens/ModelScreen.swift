import Logs
import Models
import Telemetry
import TerminalUI

/// One model: its signals now, traffic, error and latency sparklines over the last 15
/// minutes with deploy markers, its alerts, timeline and recent log lines.
enum ModelScreen {
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
        let range = state.ui.chartRange
        let end = state.now, start = state.now - range.span

        var versionText = "version " + (s.versions.isEmpty ? Format.unknown : s.versions.joined(separator: ", "))
        if let deploy = model.lastDeploy {
            versionText += " · deployed \(Format.age(state.now - deploy)) ago"
            if let previous = model.previousVersion { versionText += " (was \(previous))" }
        }
        buffer.put(Line(versionText, style: theme.style(.text)), x: inner.x + 1, y: inner.y, width: inner.width - 2)
        buffer.put(Line([Span("range ", style: theme.style(.muted)), Span(range.label, style: theme.style(.text).adding(.bold)),
                         Span("  -/+ ", style: theme.style(.helpKey))]),
                   x: inner.x + 1, y: inner.y, width: inner.width - 2, alignment: .right)
        buffer.put(figures(s, theme: theme), x: inner.x + 1, y: inner.y + 1, width: inner.width - 2)

        let rest = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 2)
        guard rest.height >= 4 else { return }
        // The charts take about half of the height, with saturation, canary and problems beside
        // them when the window is wide; the lists below get the full width.
        let modelsOnJob = state.models.keys.filter { $0.job == key.job }.count
        let heatmapMetric = LatencyHeatmap.metric(for: key, signals: s, store: state.store, modelsOnJob: modelsOnJob)
        let chartHeight = max(3, min(10, rest.height * 2 / 7))
        let heatHeight = heatmapMetric == nil ? 0 : max(2, min(8, rest.height / 5))
        let sparkHeight = rest.height >= 30 ? 2 : 1
        var constraints: [Constraint] = [.fixed(chartHeight + 1)]
        if heatHeight > 0 { constraints.append(.fixed(heatHeight + 1)) }
        constraints += [.fixed(sparkHeight), .fixed(sparkHeight)]
        let chartsHeight = min(rest.height, constraints.reduce(0) { total, c in
            if case .fixed(let n) = c { return total + n } else { return total }
        })
        let chartsArea = Rect(x: rest.x, y: rest.y, width: rest.width, height: chartsHeight)
        let wide = rest.width >= 100
        let columns = wide ? Layout.split(chartsArea, .horizontal, [.fill(1), .fixed(38)], spacing: 1) : [chartsArea]
        let side = wide ? columns[1] : nil
        let parts = Layout.split(columns[0], .vertical, constraints, spacing: 0)
        var i = 0
        drawLatencyChart(model, start: start, end: end, theme: theme, into: &buffer, area: parts[i])
        if heatmapMetric == nil {
            // Say why there is no heatmap rather than leave a gap.
            buffer.put(Line("no latency histogram exported: no bucket heatmap", style: theme.style(.muted)),
                       x: parts[i].x + 1, y: parts[i].y, width: parts[i].width - 2, alignment: .right)
        }
        i += 1
        if heatHeight > 0, let metric = heatmapMetric {
            drawHeatmap(state, key: key, metric: metric, modelsOnJob: modelsOnJob, start: start, end: end,
                        theme: theme, into: &buffer, area: parts[i])
            i += 1
        }
        let history = model.history
        drawChart("traffic", value: Format.rate(s.requestsPerSecond) + "/s", history.map { ($0.t, $0.requestsPerSecond) },
                  start: start, end: end, role: .chartTraffic, deploys: deployTimes(model), theme: theme, into: &buffer, area: parts[i]); i += 1
        drawChart("errors", value: Format.percent(s.errorRatio), history.map { ($0.t, $0.errorRatio) },
                  start: start, end: end, role: .chartErrors, deploys: deployTimes(model), theme: theme, into: &buffer, area: parts[i])

        var lower = Rect(x: rest.x, y: chartsArea.maxY, width: rest.width, height: rest.maxY - chartsArea.maxY)
        if let side {
            renderSide(state, model: model, theme: theme, into: &buffer, area: side)
        } else if lower.height >= 6 {
            // Narrow: saturation and canary as text lines above the lists.
            let worstDrift = state.drift.filter { $0.job == key.job && ($0.model == nil || $0.model == key.name) }
                .compactMap { row in row.result.statistics.map { (row, $0) } }.max { $0.1.psi < $1.1.psi }
            var lines = saturationLine(s, theme: theme).map { [$0] } ?? []
            if let (row, st) = worstDrift {
                let role: ThemeRole = st.psiBand == .significant ? .statusCritical : (st.psiBand == .moderate ? .statusWarning : .statusOK)
                lines.append(Line([Span("drift ", style: theme.style(.muted)), Span(row.detail + " "),
                                   Span("PSI \(Format.fixedDecimals(st.psi, 2)) \(st.psiBand.rawValue)", style: theme.style(role))]))
            }
            if let problem = s.problems.first {
                let more = s.problems.count > 1 ? " (+\(s.problems.count - 1) more)" : ""
                lines.append(Line([Span("could not compute: ", style: theme.style(.statusWarning)),
                                   Span(problem.description + more, style: theme.style(.muted))]))
            }
            let canary = canaryLines(s, theme: theme, compact: true)
            for (n, line) in (lines + canary).prefix(3).enumerated() {
                buffer.put(line, x: lower.x + 1, y: lower.y + n, width: lower.width - 2)
            }
            let used = min(3, lines.count + canary.count)
            lower = Rect(x: lower.x, y: lower.y + used, width: lower.width, height: lower.height - used)
        }
        guard lower.height >= 3 else { return }
        let alerts = state.allAlerts.filter { $0.concerns(key) }
        let drift = state.drift.filter { $0.job == key.job && ($0.model == nil || $0.model == key.name) }
            .sorted { ($0.result.statistics?.psi ?? -1, $0.detail) > ($1.result.statistics?.psi ?? -1, $1.detail) }
        // Drift other tools compute, on this model's job: named by model, or job-wide.
        let external = state.externalDrift.filter { reading in
            guard reading.labels["job"] == key.job else { return false }
            let model = reading.labels["model"] ?? reading.labels["model_name"]
            return model == nil || model == key.name
        }
        let logs = recentLogs(state, for: key)
        // Firing alerts are what the on-call engineer came for: they get their rows first.
        let alertsHeight = alerts.isEmpty ? min(3, lower.height / 3 + 1) : max(3, min(lower.height / 2, alerts.count + 2))
        var lists: [Constraint] = [.fixed(alertsHeight)]
        let driftRows = drift.count + external.count
        if driftRows > 0 && lower.height >= 9 { lists.append(.fixed(min(lower.height / 2, driftRows + 3))) }
        lists.append(.fill(1))
        if lower.height < 8 && !alerts.isEmpty {
            // Too little room for three lists: the alerts get it all.
            AlertList.render(alerts, state: state, theme: theme, into: &buffer, area: lower, title: "Alerts")
            return
        }
        let listParts = Layout.split(lower, .vertical, lists)
        AlertList.render(alerts, state: state, theme: theme, into: &buffer, area: listParts[0], title: "Alerts")
        if listParts.count == 3 {
            renderDrift(drift, external: external, theme: theme, into: &buffer, area: listParts[1])
        }
        renderLogs(logs, theme: theme, into: &buffer, area: listParts[listParts.count - 1])
    }

    /// `req/s 208   errors 7.9% (BACKEND 7.8%)   p50 30ms   p95 90ms   p99 132ms`; a signal that
    /// could not be read shows its dash, never a guess.
    static func figures(_ s: ModelSignals, theme: Theme) -> Line {
        let muted = theme.style(.muted)
        var spans: [Span] = [Span("req/s ", style: muted), Span(Format.rate(s.requestsPerSecond) + "   "),
                             Span("errors ", style: muted), Span(Format.percent(s.errorRatio))]
        if let cause = s.errorCauses.first, s.errorRatio.map({ $0 > 0 }) == true {
            spans.append(Span(" (\(cause.cause))", style: muted))
        }
        spans.append(Span("   "))
        if s.latencyIsMean {
            spans += [Span("mean ", style: muted), Span(Format.latency(s.latencyP99) + "   ")]
        } else {
            for (name, v) in [("p50", s.latency.p50.value), ("p95", s.latency.p95.value), ("p99", s.latency.p99.value)] {
                spans += [Span(name + " ", style: muted), Span(Format.latency(v) + "   ")]
            }
        }
        if let queue = s.latency.queueTime.value {
            spans += [Span("queue ", style: muted), Span(Format.latency(queue))]
        }
        return Line(spans)
    }

    /// p50, p95 and p99 as lines over the range, with deploy markers.
    static func drawLatencyChart(_ model: ModelState, start: Timestamp, end: Timestamp, theme: Theme,
                                 into buffer: inout ScreenBuffer, area: Rect) {
        guard area.height >= 2 else { return }
        let mean = model.signals.latencyIsMean
        var legend: [Span] = [Span(mean ? "latency (mean; the server exports no quantiles)" : "latency ", style: theme.style(.muted))]
        if !mean {
            legend += [Span("p50 ", style: theme.style(.muted).adding(.bold)), Span("p95 ", style: theme.style(.chartTraffic)),
                       Span("p99", style: theme.style(.chartLatency).adding(.bold))]
        }
        buffer.put(Line(legend), x: area.x + 1, y: area.y, width: area.width - 2)
        let chartArea = Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: area.height - 1)
        var chart = LineChart(series: [], formatY: { $0 == 0 ? "0" : Format.latency($0) },
                              xLabels: (Format.clock(start), Format.clock(end)), minimumTop: 0.01,
                              axisStyle: theme.style(.muted))
        // The axis width depends on the values; sample once to size it, then for real.
        let history = model.history
        func series(_ slots: Int) -> [LineChart.Series] {
            var out: [LineChart.Series] = []
            if !mean {
                out.append(.init("p50", resample(history.map { ($0.t, $0.latencyP50) }, start: start, end: end, slots: slots),
                                 style: theme.style(.muted).adding(.bold)))
                out.append(.init("p95", resample(history.map { ($0.t, $0.latencyP95) }, start: start, end: end, slots: slots),
                                 style: theme.style(.chartTraffic)))
            }
            out.append(.init(mean ? "mean" : "p99", resample(history.map { ($0.t, $0.latencyP99) }, start: start, end: end, slots: slots),
                             style: theme.style(.chartLatency).adding(.bold)))
            return out
        }
        chart.series = series(2 * chartArea.width)
        let slots = chart.capacity(in: chartArea)
        chart.series = series(slots)
        let span = Double((end - start).value)
        // A deploy is a version that appeared after another one was already serving.
        let firstVersionSeen = model.versionFirstSeen.values.min()
        chart.markers = model.versionFirstSeen.sorted { $0.value < $1.value }
            .filter { $0.value > start && $0.value <= end && $0.value != firstVersionSeen }
            .map { version, t in
                LineChart.Marker(column: min(slots - 1, Int(Double((t - start).value) / span * Double(slots))),
                                 label: "▲" + version, style: theme.style(.statusWarning))
            }
        chart.render(into: &buffer, area: chartArea)
    }

    static func drawHeatmap(_ state: State, key: ModelKey, metric: String, modelsOnJob: Int, start: Timestamp, end: Timestamp,
                            theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        guard area.height >= 2 else { return }
        buffer.put(Line([Span("latency buckets ", style: theme.style(.muted)), Span(metric, style: theme.style(.muted).adding(.dim)),
                         Span("  ░▒▓█ share of the busiest cell", style: theme.style(.muted))]),
                   x: area.x + 1, y: area.y, width: area.width - 2)
        let mapArea = Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: area.height - 1)
        let probe = Heatmap(cells: [], rowLabels: ["≤1.25s", ">1.25s"])
        let slots = max(1, probe.capacity(in: mapArea))
        guard let heat = LatencyHeatmap.read(store: state.store, key: key, metric: metric, start: start, end: end,
                                             slots: slots, modelsOnJob: modelsOnJob)?.fitted(rows: mapArea.height) else {
            buffer.put(Line("no bucket counts in this range", style: theme.style(.muted)), x: mapArea.x, y: mapArea.y, width: mapArea.width)
            return
        }
        var map = Heatmap(cells: heat.cells, rowLabels: heat.labels, style: theme.style(.chartLatency), labelStyle: theme.style(.muted))
        // Re-read at the real label width so the columns line up with the range.
        let real = max(1, map.capacity(in: mapArea))
        if real != slots, let again = LatencyHeatmap.read(store: state.store, key: key, metric: metric, start: start, end: end,
                                                          slots: real, modelsOnJob: modelsOnJob)?.fitted(rows: mapArea.height) {
            map.cells = again.cells
            map.rowLabels = again.labels
        }
        map.render(into: &buffer, area: mapArea)
        // Deploys: their columns in the warning color, as on the other charts.
        let cellsArea = Rect(x: mapArea.x + map.labelWidth, y: mapArea.y, width: map.capacity(in: mapArea), height: mapArea.height)
        let span = Double((end - start).value)
        if let model = state.models[key], cellsArea.width > 0 {
            for t in deployTimes(model) where t > start && t <= end {
                let x = cellsArea.x + min(cellsArea.width - 1, Int(Double((t - start).value) / span * Double(cellsArea.width)))
                for y in cellsArea.y..<min(cellsArea.maxY, mapArea.y + map.rowLabels.count) {
                    let cell = buffer[x, cellsArea.maxY - 1 - (y - cellsArea.y)]
                    let glyph = cell.grapheme == " " || cell.grapheme.isEmpty ? "│" : cell.grapheme
                    buffer.put(glyph, x: x, y: cellsArea.maxY - 1 - (y - cellsArea.y), style: theme.style(.statusWarning))
                }
            }
        }
    }

    /// Saturation gauges, the canary comparison and the drift summary, beside the charts.
    static func renderSide(_ state: State, model: ModelState, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        let s = model.signals
        var y = area.y
        buffer.put(Line("saturation", style: theme.style(.title)), x: area.x, y: y, width: area.width); y += 1
        // What the server does not export at all is one line, not a column of empty gauges.
        let all = gauges(s, theme: theme)
        for gauge in all where gauge.text != "not exported" && y < area.maxY {
            gauge.render(into: &buffer, area: Rect(x: area.x, y: y, width: area.width, height: 1)); y += 1
        }
        let missing = all.filter { $0.text == "not exported" }.map(\.label)
        if !missing.isEmpty {
            for line in Line("not exported: " + missing.joined(separator: ", "), style: theme.style(.muted)).wrapped(toWidth: area.width)
            where y < area.maxY {
                buffer.put(line, x: area.x, y: y, width: area.width); y += 1
            }
        }
        let canary = canaryLines(s, theme: theme, compact: false)
        if !canary.isEmpty, y + 2 < area.maxY {
            y += 1
            for line in canary where y < area.maxY {
                buffer.put(line, x: area.x, y: y, width: area.width); y += 1
            }
        }
        let problems = s.problems.map(\.description)
        if !problems.isEmpty, y + 2 < area.maxY {
            y += 1
            buffer.put(Line("could not compute", style: theme.style(.title)), x: area.x, y: y, width: area.width); y += 1
            for p in problems where y < area.maxY {
                for line in Line(p, style: theme.style(.muted)).wrapped(toWidth: area.width) where y < area.maxY {
                    buffer.put(line, x: area.x, y: y, width: area.width); y += 1
                }
            }
        }
    }

    static func gauges(_ s: ModelSignals, theme: Theme) -> [Gauge] {
        let sat = s.saturationSignals
        func ratioGauge(_ label: String, _ v: SignalValue) -> Gauge {
            let ratio = v.value
            let role: ThemeRole = (ratio ?? 0) >= 0.9 ? .statusCritical : ((ratio ?? 0) >= 0.75 ? .statusWarning : .chartTraffic)
            return Gauge(label: label, ratio: ratio, text: ratio.map { Format.percent($0) } ?? short(v),
                         style: ratio == nil ? theme.style(.muted) : theme.style(role), labelStyle: theme.style(.muted), labelWidth: 10)
        }
        var out = [ratioGauge("GPU util", sat.gpuUtilization)]
        let memRatio = sat.gpuMemoryRatio
        out.append(Gauge(label: "GPU mem", ratio: memRatio,
                         text: memRatio.map { r in "\(Format.percent(r)) of \(Format.bytes(Int(sat.gpuMemoryTotal.value ?? 0)))" }
                            ?? short(sat.gpuMemoryUsed),
                         style: memRatio == nil ? theme.style(.muted)
                            : theme.style(memRatio! >= 0.9 ? .statusCritical : (memRatio! >= 0.75 ? .statusWarning : .chartTraffic)),
                         labelStyle: theme.style(.muted), labelWidth: 10))
        out.append(ratioGauge("KV cache", sat.kvCacheUsage))
        for (label, v) in [("queue", sat.queueDepth), ("in flight", sat.inFlight)] {
            out.append(Gauge(label: label, ratio: nil, text: v.value.map { Format.value($0) } ?? short(v),
                             style: v.value == nil ? theme.style(.muted) : theme.style(.text), labelStyle: theme.style(.muted),
                             labelWidth: 10))
        }
        return out
    }

    /// A reason short enough for a gauge: "not exported" rather than the full sentence.
    static func short(_ v: SignalValue) -> String {
        switch v {
        case .value(let x): return Format.value(x)
        case .notExported: return "not exported"
        case .unavailable: return "unavailable"
        }
    }

    static func saturationLine(_ s: ModelSignals, theme: Theme) -> Line? {
        let sat = s.saturationSignals
        var spans: [Span] = []
        func add(_ label: String, _ text: String?) {
            guard let text else { return }
            spans += [Span(label + " ", style: theme.style(.muted)), Span(text + "   ")]
        }
        add("GPU", sat.gpuUtilization.value.map { Format.percent($0) })
        add("GPU mem", sat.gpuMemoryRatio.map { Format.percent($0) })
        add("KV cache", sat.kvCacheUsage.value.map { Format.percent($0) })
        add("queue", sat.queueDepth.value.map { Format.value($0) })
        add("in flight", sat.inFlight.value.map { Format.value($0) })
        return spans.isEmpty ? nil : Line(spans)
    }

    /// Two versions serving at once, side by side: traffic share, error share, p99.
    static func canaryLines(_ s: ModelSignals, theme: Theme, compact: Bool) -> [Line] {
        let versions = s.byVersion.filter { ($0.traffic.value ?? 0) > 0 }
        guard versions.count >= 2 else { return [] }
        if compact {
            return [Line([Span("canary ", style: theme.style(.title))] + versions.flatMap { v in
                [Span("v\(v.version) ", style: theme.style(.text).adding(.bold)),
                 Span("\(Format.percent(v.trafficShare.value)) traffic, \(Format.percent(v.errors.value)) err, p99 \(Format.latency(v.latencyP99))   ")]
            })]
        }
        var lines = [Line("canary: \(versions.count) versions serving", style: theme.style(.title)),
                     Line("version  traffic   errors      p99", style: theme.style(.muted))]
        for v in versions {
            lines.append(Line([Span(TextLayout.pad("v" + v.version, toWidth: 8), style: theme.style(.text).adding(.bold)),
                               Span(TextLayout.pad(Format.percent(v.trafficShare.value), toWidth: 9, alignment: .right)),
                               Span(TextLayout.pad(Format.percent(v.errors.value), toWidth: 9, alignment: .right)),
                               Span(TextLayout.pad(Format.latency(v.latencyP99), toWidth: 9, alignment: .right))]))
        }
        return lines
    }

    /// The model's watched feature and score histograms: PSI, JS distance, KS and W1 against
    /// the reference window, or why they could not be computed.
    static func renderDrift(_ rows: [DriftRow], external: [ExternalDriftReading] = [], theme: Theme,
                            into buffer: inout ScreenBuffer, area: Rect) {
        let columns: [Table.Column] = [
            .init("HISTOGRAM", width: .fill(2)),
            .init("PSI", width: .fixed(6), alignment: .right),
            .init("JS", width: .fixed(5), alignment: .right),
            .init("KS", width: .fixed(5), alignment: .right),
            .init("W1", width: .fixed(8), alignment: .right),
            .init("BAND", width: .fixed(11)),
            .init("REFERENCE", width: .fill(1)),
        ]
        let tableRows = rows.map { row -> Table.Row in
            guard let st = row.result.statistics else {
                return Table.Row([Line(row.detail), Line(Format.unknown), Line(Format.unknown), Line(Format.unknown),
                                  Line(Format.unknown), Line("—", style: theme.style(.muted)),
                                  Line(row.result.problem?.description ?? "not computed", style: theme.style(.muted))])
            }
            let band = st.psiBand
            let role: ThemeRole = band == .significant ? .statusCritical : (band == .moderate ? .statusWarning : .statusOK)
            return Table.Row([
                Line(row.detail),
                Line(Format.fixedDecimals(st.psi, 3), style: theme.style(role).adding(.bold)),
                Line(Format.fixedDecimals(st.jsDistance, 2)),
                Line(Format.fixedDecimals(st.ks, 2)),
                Line(st.wasserstein.map { Format.value($0) } ?? Format.unknown),
                Line(band.rawValue, style: theme.style(role)),
                Line(DriftTracker.referenceText(row.result), style: theme.style(.muted)),
            ])
        }
        // Others' figures are shown as they are: a p-value or a verdict is not a PSI.
        let externalRows = external.map { reading -> Table.Row in
            let feature = reading.feature.map { " \($0)" } ?? ""
            let verdict = reading.indicatesDrift.map { $0 ? "drift" : "no drift" } ?? ""
            let role: ThemeRole = reading.indicatesDrift == true ? .statusCritical : .muted
            return Table.Row([Line("\(reading.source.rawValue) \(reading.kind.rawValue)\(feature): \(Format.value(reading.value))"),
                              Line(""), Line(""), Line(""), Line(""), Line(verdict, style: theme.style(role)),
                              Line(reading.metric, style: theme.style(.muted))])
        }
        // Computed statistics first (worst first), then others' figures, then what could not be
        // computed, so the rows that fit are the ones that say something.
        let computed = rows.filter { $0.result.statistics != nil }.count
        let allRows = Array(tableRows.prefix(computed)) + externalRows + Array(tableRows.dropFirst(computed))
        let block = Block(title: Line(" Drift (\(rows.count + external.count)) ", style: theme.style(.title)),
                          rightTitle: Line(" current window vs reference ", style: theme.style(.muted)),
                          borderType: .rounded, borderStyle: theme.style(.border))
        Table(columns: columns, rows: allRows, headerStyle: theme.style(.muted).adding(.bold), block: block)
            .render(into: &buffer, area: area)
    }

    static let labelWidth = 16

    /// A braille sparkline of `points` resampled to the chart width over `start...end`.
    static func drawChart(_ label: String, value: String, _ points: [(Timestamp, Double?)], start: Timestamp, end: Timestamp,
                          role: ThemeRole, deploys: [Timestamp] = [], theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
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
        // Deploys mark their column in the warning color; an empty cell gets a thin line.
        let span = Double((end - start).value)
        for t in deploys where t > start && t <= end && chartArea.width > 0 {
            let x = chartArea.x + min(chartArea.width - 1, Int(Double((t - start).value) / span * Double(chartArea.width)))
            for y in chartArea.y..<chartArea.maxY {
                let cell = buffer[x, y]
                let glyph = cell.grapheme == " " || cell.grapheme.isEmpty ? "│" : cell.grapheme
                buffer.put(glyph, x: x, y: y, style: theme.style(.statusWarning))
            }
        }
    }

    /// When each version after the first appeared: the deploys the charts mark.
    static func deployTimes(_ model: ModelState) -> [Timestamp] {
        let first = model.versionFirstSeen.values.min()
        return model.versionFirstSeen.values.filter { $0 != first }.sorted()
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
