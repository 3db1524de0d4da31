import Incidents
import Models
import Telemetry

/// How the dashboard watches feature and prediction-score histograms for drift.
public struct DriftSettings: Hashable, Sendable {
    /// What the current window is compared with.
    public enum Reference: Hashable, Sendable {
        /// The same-length window from the model's last deploy (or from when modelwatch first
        /// saw it, when no deploy has been seen).
        case afterDeploy
        /// The same window this long earlier (a day, a week).
        case offset(Milliseconds)
        /// A pinned baseline exposition, parsed at launch.
        case baseline(DriftBaseline)
    }

    /// The current window: `(now - window, now]`.
    public var window: Milliseconds = .minutes(10)
    /// How often drift is computed.
    public var interval: Milliseconds = .seconds(30)
    public var reference: Reference = .afterDeploy
    /// Fewer observations than this in either window: no statistic, a reason.
    public var minimumCount: Double = DriftMath.defaultMinimumCount
    /// A histogram is watched when its name contains one of these (case-insensitive).
    public var metricPatterns: [String] = ["feature", "prediction", "score"]

    public init() {}

    /// The demo's settings: its script is ten minutes long, so a two-minute window evaluated
    /// every 15 s (the reference is the first window after each model appeared).
    public static var demo: DriftSettings {
        var s = DriftSettings()
        s.window = .minutes(2)
        s.interval = .seconds(15)
        return s
    }

    public func watches(_ metric: String) -> Bool {
        let lower = metric.lowercased()
        return metricPatterns.contains { lower.contains($0.lowercased()) }
    }
}

/// One watched histogram series group at the last evaluation.
public struct DriftRow: Hashable, Sendable {
    public var job: String
    /// The model the histogram belongs to, by its `model` or `model_name` label.
    public var model: String?
    public var result: DriftResult
    public var evaluatedAt: Timestamp

    /// The labels that tell this row from its siblings (feature, output…), without job,
    /// instance and model.
    public var detail: String {
        let skip: Set<String> = ["job", "instance", "model", "model_name"]
        let parts = result.labels.filter { !skip.contains($0.name) }.map { "\($0.name)=\($0.value)" }
        return parts.isEmpty ? result.metric : result.metric + "{" + parts.joined(separator: ",") + "}"
    }
}

/// Computes drift for every watched histogram inside `reduce` on its own timer, keeps the rows
/// for the screens, and writes the statistics into the store as series, so rules can alert on
/// them like on any metric: `modelwatch_drift_psi`, `modelwatch_drift_js_distance`,
/// `modelwatch_drift_ks` and `modelwatch_drift_wasserstein`, labelled with the histogram's own
/// labels plus `histogram` (its name) and `model`.
enum DriftTracker {
    static let seriesNames = (psi: "modelwatch_drift_psi", js: "modelwatch_drift_js_distance",
                              ks: "modelwatch_drift_ks", wasserstein: "modelwatch_drift_wasserstein")

    static func evaluate(at now: Timestamp, state: inout State) {
        let settings = state.driftSettings
        var rows: [DriftRow] = []
        var written = Set<SeriesKey>()
        for job in Set(state.targets.map(\.target.name)).sorted() {
            for metric in DriftMonitor.histogramMetrics(in: state.store, job: job) where settings.watches(metric) {
                rows += evaluate(metric: metric, job: job, at: now, settings: settings, state: state)
            }
        }
        for row in rows {
            guard let stats = row.result.statistics else { continue }
            var labels = row.result.labels.setting("histogram", row.result.metric)
            if let model = row.model { labels = labels.setting("model", model) }
            let values: [(String, Double?)] = [(seriesNames.psi, stats.psi), (seriesNames.js, stats.jsDistance),
                                               (seriesNames.ks, stats.ks), (seriesNames.wasserstein, stats.wasserstein)]
            for (name, value) in values {
                guard let value, value.isFinite else { continue }
                let key = SeriesKey(name: name, labels: labels)
                state.store.append(key, Point(t: now, v: value))
                written.insert(key)
            }
        }
        // A statistic that can no longer be computed ends its series, as a vanished scrape
        // series does: no stale number keeps an alert firing.
        for key in state.driftSeries where !written.contains(key) {
            state.store.append(key, Point(t: now, v: SeriesStore.staleMarker))
        }
        state.driftSeries = written
        noteChanges(from: state.drift, to: rows, at: now, timeline: &state.timeline)
        state.drift = rows
        state.externalDrift = ExternalDrift.readings(in: state.store, job: nil, at: now)
    }

    static func evaluate(metric: String, job: String, at now: Timestamp, settings: DriftSettings, state: State) -> [DriftRow] {
        let sample = state.store.series(named: metric + "_bucket") { $0["job"] == job }.first
        let modelLabel = ["model", "model_name"].first { sample?.labels[$0] != nil }
        func reference(for model: String?) -> DriftReference {
            switch settings.reference {
            case .offset(let d): return .offset(d)
            case .baseline(let b): return .baseline(b)
            case .afterDeploy:
                let models = state.models.values.filter { $0.key.job == job && (model == nil || $0.key.name == model) }
                let since = models.compactMap { $0.lastDeploy ?? $0.firstSeen }.max() ?? state.startedAt
                return .afterDeploy(since)
            }
        }
        guard let modelLabel else {
            return DriftMonitor.compare(store: state.store, job: job, metric: metric, at: now, window: settings.window,
                                        reference: reference(for: nil), minimumCount: settings.minimumCount)
                .map { DriftRow(job: job, model: nil, result: $0, evaluatedAt: now) }
        }
        let names = Set(state.store.series(named: metric + "_bucket") { $0["job"] == job }.compactMap { $0.labels[modelLabel] })
        return names.sorted().flatMap { name in
            DriftMonitor.compare(store: state.store, job: job, metric: metric, labels: [modelLabel: name], at: now,
                                 window: settings.window, reference: reference(for: name), minimumCount: settings.minimumCount)
                .map { DriftRow(job: job, model: name, result: $0, evaluatedAt: now) }
        }
    }

    /// A histogram crossing into or out of the significant PSI band enters the timeline.
    static func noteChanges(from old: [DriftRow], to new: [DriftRow], at now: Timestamp, timeline: inout Timeline) {
        func band(_ row: DriftRow) -> PSIBand? { row.result.statistics?.psiBand }
        let before = Dictionary(old.map { ("\($0.job)|\($0.result.labels)|\($0.result.metric)", $0) }, uniquingKeysWith: { a, _ in a })
        for row in new {
            let id = "\(row.job)|\(row.result.labels)|\(row.result.metric)"
            let was = before[id].flatMap(band), current = band(row)
            guard was != current, was == .significant || current == .significant,
                  let stats = row.result.statistics ?? before[id]?.result.statistics else { continue }
            let summary = current == .significant
                ? "drift on \(row.detail): PSI \(Format.value(stats.psi)) against \(referenceText(row.result))"
                : "drift on \(row.detail) back under 0.25"
            timeline.append(TimelineEvent(time: now, kind: .note, model: row.model, summary: summary))
        }
    }

    static func referenceText(_ result: DriftResult) -> String {
        guard let w = result.referenceWindow else { return "the baseline" }
        return "\(Format.clock(w.start))–\(Format.clock(w.end))"
    }
}
