import Models
import Telemetry

/// The bucket counts of a model's latency histogram over time, for the model view's heatmap:
/// per time slot, how many requests fell in each bucket.
struct LatencyHeatmap: Hashable, Sendable {
    /// The histogram read (without `_bucket`).
    var metric: String
    /// `cells[slot][bucket]`: requests in that bucket during that slot; nil where the slot had
    /// no samples to measure from.
    var cells: [[Double?]]
    /// Bucket labels (`≤40ms`, …, `>1s`), lowest first.
    var labels: [String]

    /// What unit a latency histogram counts in, read from its name: Prometheus says seconds,
    /// but servers often use ms or µs and say so in the name.
    static func secondsPerUnit(_ metric: String) -> Double {
        let m = metric.lowercased()
        if m.hasSuffix("_ms") || m.contains("_ms_") || m.contains("millisecond") || m == "revision_app_request_latencies"
            || m.hasPrefix("ray_serve_") { return 0.001 }
        if m.hasSuffix("_us") || m.contains("_us_") || m.contains("microsecond") || m.hasPrefix(":tensorflow:serving:") { return 0.000_001 }
        return 1
    }

    /// The latency histogram of a model: one of the job's histograms whose name says latency or
    /// duration and whose `model`/`model_name` label is the model (or any, when the job serves
    /// one model only, as Knative's queue-proxy does). Feature and score histograms are not
    /// latency.
    static func metric(for key: ModelKey, signals: ModelSignals, store: SeriesStore, modelsOnJob: Int) -> String? {
        // The histogram the recognizer reads the p99 from, when it reads one.
        if let source = signals.sources[.latencyP99], source.contains("(histogram"),
           let first = source.split(separator: " ").first, first.hasSuffix("_bucket") {
            return String(first.dropLast("_bucket".count))
        }
        let latencyWords = ["latenc", "duration", "response", "seconds", "_ms", "_us"]
        let notLatency = ["feature", "prediction", "score", "token", "size", "bytes"]
        let names = DriftMonitor.histogramMetrics(in: store, job: key.job).filter { name in
            let lower = name.lowercased()
            return latencyWords.contains { lower.contains($0) } && !notLatency.contains { lower.contains($0) }
        }
        let labelled = names.filter { name in
            !store.series(named: name + "_bucket") { $0["job"] == key.job && ($0["model"] == key.name || $0["model_name"] == key.name) }.isEmpty
        }
        // Request latency end to end first: "request" and "e2e" in the name beat stage timings.
        func rank(_ name: String) -> Int {
            let lower = name.lowercased()
            return (lower.contains("e2e") || lower.contains("request") || lower.contains("first_response") ? 0 : 1)
        }
        if let best = labelled.sorted(by: { (rank($0), $0) < (rank($1), $1) }).first { return best }
        return modelsOnJob == 1 ? names.sorted(by: { (rank($0), $0) < (rank($1), $1) }).first : nil
    }

    /// Per slot of `(start, end]` split in `slots`, each bucket's increase (bucket by bucket, not
    /// cumulative), summed over the model's series (versions, codes). Counter resets count the
    /// value after the reset, as Prometheus's `increase` does.
    static func read(store: SeriesStore, key: ModelKey, metric: String, start: Timestamp, end: Timestamp,
                     slots: Int, modelsOnJob: Int) -> LatencyHeatmap? {
        guard slots > 0, end > start else { return nil }
        let keys = store.series(named: metric + "_bucket") { labels in
            labels["job"] == key.job && labels["le"] != nil
                && (labels["model"] == key.name || labels["model_name"] == key.name
                    || (modelsOnJob == 1 && labels["model"] == nil && labels["model_name"] == nil))
        }
        var bounds: [Double: String] = [:]
        for k in keys { if let le = k.labels["le"], let b = Double(le == "+Inf" ? "inf" : le) { bounds[b] = le } }
        let sortedBounds = bounds.keys.sorted()
        guard !sortedBounds.isEmpty else { return nil }
        let span = Double((end - start).value)
        func slotEnd(_ i: Int) -> Timestamp { start + Milliseconds(Int64((Double(i + 1) / Double(slots) * span).rounded())) }
        // cumulative[slot][boundIndex]
        var cumulative = [[Double]](repeating: [Double](repeating: 0, count: sortedBounds.count), count: slots)
        var seen = [Bool](repeating: false, count: slots)
        for k in keys {
            guard let le = k.labels["le"], let b = Double(le == "+Inf" ? "inf" : le),
                  let bi = sortedBounds.firstIndex(of: b) else { continue }
            let points = store.points(k, in: (start - .minutes(5))...end).filter { !$0.isStale && $0.v.isFinite }
            guard points.count >= 2 else { continue }
            var slot = 0
            var previous: Double?
            for p in points {
                if p.t <= start { previous = p.v; continue }
                while slot < slots - 1 && p.t > slotEnd(slot) { slot += 1 }
                if let prev = previous {
                    cumulative[slot][bi] += p.v >= prev ? p.v - prev : p.v
                    seen[slot] = true
                }
                previous = p.v
            }
        }
        let cells: [[Double?]] = (0..<slots).map { s in
            guard seen[s] else { return [Double?](repeating: nil, count: sortedBounds.count) }
            return sortedBounds.indices.map { i in max(0, cumulative[s][i] - (i > 0 ? cumulative[s][i - 1] : 0)) }
        }
        let unit = secondsPerUnit(metric)
        let labels = sortedBounds.enumerated().map { i, b -> String in
            if b.isInfinite { return ">" + (i > 0 ? Format.latency(sortedBounds[i - 1] * unit) : "0") }
            return "≤" + Format.latency(b * unit)
        }
        return LatencyHeatmap(metric: metric, cells: cells, labels: labels)
    }

    /// The same counts in at most `rows` rows: adjacent buckets merged, keeping the top label
    /// of each merged group.
    func fitted(rows: Int) -> LatencyHeatmap {
        // Buckets nothing fell in at the bottom and top take no rows: the rows go where the
        // requests are.
        let used = labels.indices.filter { i in cells.contains { ($0[i] ?? 0) > 0 } }
        if let lo = used.first, let hi = used.last, lo > 0 || hi < labels.count - 1 {
            let keep = max(0, lo - 1)...min(labels.count - 1, hi + 1)
            let trimmed = LatencyHeatmap(metric: metric, cells: cells.map { Array($0[keep]) }, labels: Array(labels[keep]))
            if trimmed.labels.count < labels.count { return trimmed.fitted(rows: rows) }
        }
        let n = labels.count
        guard rows > 0, n > rows else { return self }
        let groups = (0..<rows).map { r in (r * n / rows)..<((r + 1) * n / rows) }
        let merged = cells.map { column -> [Double?] in
            groups.map { g in
                let values = g.compactMap { column[$0] }
                return values.isEmpty ? nil : values.reduce(0, +)
            }
        }
        return LatencyHeatmap(metric: metric, cells: merged, labels: groups.map { labels[$0.upperBound - 1] })
    }
}
