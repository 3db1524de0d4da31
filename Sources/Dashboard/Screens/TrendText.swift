import Telemetry

/// A one-row block sparkline as text, for table cells: one character per time slot over the
/// last 15 minutes, scaled from zero to the largest value shown, blank where there is no data.
enum TrendText {
    static let width = 16
    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    static func blocks(_ points: [(Timestamp, Double?)], end: Timestamp, span: Milliseconds = .minutes(15)) -> String {
        let values = ModelScreen.resample(points, start: end - span, end: end, slots: width)
        let top = values.compactMap { $0 }.max() ?? 0
        return String(values.map { v -> Character in
            guard let v else { return " " }
            guard top > 0 else { return levels[0] }
            return levels[min(levels.count - 1, max(0, Int((v / top) * Double(levels.count - 1) + 0.5)))]
        })
    }
}
