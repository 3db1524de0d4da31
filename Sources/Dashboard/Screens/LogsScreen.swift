import Logs
import Telemetry
import TerminalUI

/// One merged timeline of every log source: a level histogram over time on top (like lnav's),
/// then the entries (time, source, level as a word and a color, message), filtered by level,
/// model and pattern, with the pattern's matches highlighted.
public enum LogsScreen {
    static let histogramHeight = 3

    /// The rows the list has for entries at the current size.
    public static func listRows(for state: State) -> Int {
        let size = state.ui.size
        let top = state.bannerText == nil ? 1 : 2
        let body = max(0, size.height - top - 1)
        return max(1, body - histogramHeight - 1 - 2)
    }

    /// The first filtered entry shown, given the scroll position.
    static func firstShown(count: Int, rows: Int, scrollBack: Int) -> Int {
        max(0, count - rows - scrollBack)
    }

    static func render(_ state: State, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        let view = state.ui.logsView
        let selection = LogsSelection(state)
        let entries = selection.entries
        let parts = Layout.split(area, .vertical, [.fixed(histogramHeight + 1), .fill(1)])
        renderHistogram(entries, now: state.now, theme: theme, into: &buffer, area: parts[0])

        let rows = max(1, parts[1].height - 2)
        let first = firstShown(count: entries.count, rows: rows, scrollBack: view.follow ? 0 : view.scrollBack)
        let shown = entries[first..<min(entries.count, first + rows)]
        var right = " \(view.filterDescription) · \(view.follow ? "following" : "paused")"
        if state.logs.droppedCount > 0 { right += " · \(state.logs.droppedCount) dropped from memory" }
        let title = Line([Span(" Logs ", style: theme.style(.title)),
                          Span("\(entries.count) of \(state.logs.visible.count) ", style: theme.style(.muted))])
        let block = Block(title: title, rightTitle: Line(right + " ", style: theme.style(.muted)),
                          borderType: .rounded, borderStyle: theme.style(.border))
        block.render(into: &buffer, area: parts[1])
        let inner = block.inner(parts[1])
        guard !inner.isEmpty else { return }
        if entries.isEmpty {
            let why = state.logs.visible.isEmpty
                ? (state.hasLogSources ? "no log lines yet" : "no log sources (the config's logs: section, or the demo)")
                : "no entry matches \(view.filterDescription)"
            buffer.put(Line(why, style: theme.style(.muted)), x: inner.x + 1, y: inner.y, width: inner.width - 1)
            return
        }
        let sourceWidth = min(18, max(6, shown.map { TextLayout.width($0.source) }.max() ?? 6))
        for (row, entry) in shown.enumerated() {
            let index = first + row
            let y = inner.y + row
            let role: ThemeRole = entry.level >= .error && entry.level != .unknown ? .logError
                : (entry.level == .warn ? .logWarning : .text)
            var spans: [Span] = [
                Span(Format.clock(entry.time) + " ", style: theme.style(.muted)),
                Span(TextLayout.pad(entry.source, toWidth: sourceWidth) + " ", style: theme.style(.muted)),
                Span(TextLayout.pad(entry.level.description, toWidth: 6), style: theme.style(role).adding(.bold)),
            ]
            spans += messageSpans(entry.message, offset: view.horizontalOffset, selection: selection,
                                  style: theme.style(role == .text ? .text : role), highlight: theme.style(.selection))
            if entry.truncated { spans.insert(Span("✂ ", style: theme.style(.logWarning)), at: 3) }
            var line = Line(spans)
            if view.cursor == index { line = Line(line.spans.map { Span($0.text, style: $0.style.adding(.underline)) }) }
            buffer.put(line, x: inner.x, y: y, width: inner.width)
        }
    }

    /// The message from `offset` characters on, with the pattern's matches in the highlight style.
    static func messageSpans(_ message: String, offset: Int, selection: LogsSelection, style: Style, highlight: Style) -> [Span] {
        let ranges = selection.matchRanges(in: message)
        let chars = Array(message)
        guard offset < chars.count else { return [Span(offset > 0 && !chars.isEmpty ? "…" : "", style: style)] }
        var spans: [Span] = offset > 0 ? [Span("…", style: style)] : []
        var i = offset
        for r in ranges where r.upperBound > i {
            if r.lowerBound > i { spans.append(Span(String(chars[i..<r.lowerBound]), style: style)) }
            let lo = max(i, r.lowerBound)
            spans.append(Span(String(chars[lo..<r.upperBound]), style: highlight))
            i = r.upperBound
        }
        if i < chars.count { spans.append(Span(String(chars[i...]), style: style)) }
        return spans
    }

    /// Entries per time slot over the buffer's span: all of them (muted) and warnings and errors
    /// (in the error color), so bursts stand out.
    static func renderHistogram(_ entries: [LogEntry], now: Timestamp, theme: Theme, into buffer: inout ScreenBuffer, area: Rect) {
        guard area.height >= 2, area.width > 20 else { return }
        // The last 15 minutes, or less when the entries do not reach that far back, so the
        // bars fill the width.
        let oldest = entries.map(\.time).min() ?? now
        let start = max(now - .minutes(15), min(oldest, now - .minutes(1)))
        let span = now - start
        buffer.put(Line([Span(" levels, last \(Format.age(span)): ", style: theme.style(.muted)),
                         Span("all", style: theme.style(.muted).adding(.bold)), Span(" · ", style: theme.style(.muted)),
                         Span("warn+error", style: theme.style(.logError).adding(.bold))]),
                   x: area.x, y: area.y, width: area.width)
        let chart = Rect(x: area.x + 1, y: area.y + 1, width: area.width - 2, height: area.height - 1)
        let slots = chart.width
        var all = [Double](repeating: 0, count: slots), bad = [Double](repeating: 0, count: slots)
        let width = Double(span.value)
        for entry in entries where entry.time > start && entry.time <= now {
            let slot = min(slots - 1, Int(Double((entry.time - start).value) / width * Double(slots)))
            all[slot] += 1
            if entry.level >= .warn && entry.level != .unknown { bad[slot] += 1 }
        }
        let top = all.max() ?? 0
        guard top > 0 else { return }
        let totalArea = Rect(x: chart.x, y: chart.y, width: chart.width, height: max(1, chart.height - 1))
        Sparkline(all.map { $0 > 0 ? $0 : nil }, mode: .block, scale: .fixedMax(top), style: theme.style(.muted))
            .render(into: &buffer, area: totalArea)
        let badArea = Rect(x: chart.x, y: chart.maxY - 1, width: chart.width, height: 1)
        Sparkline(bad.map { $0 > 0 ? $0 : nil }, mode: .block, scale: .fixedMax(max(1, bad.max() ?? 1)),
                  style: theme.style(.logError)).render(into: &buffer, area: badArea)
    }
}
