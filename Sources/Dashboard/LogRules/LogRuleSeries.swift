import Telemetry

/// Writes each log rule's match counts into the store, just before the log rules' alerting group
/// is evaluated: one `modelwatch_log_matches` series per rule, model and log source, with the
/// count in the rule's window (0 once the matches leave it, so the alert resolves).
enum LogRuleSeries {
    static func write(at now: Timestamp, state: inout State) {
        for key in state.logMatches.keys where state.logRules.indices.contains(key.rule) {
            let rule = state.logRules[key.rule]
            let count = state.logMatches.count(key, window: rule.window, at: now)
            var labels: [String: String] = ["rule": rule.alert, "log_source": key.source]
            if let model = key.model { labels["model"] = model }
            if let job = state.logSourceJobs[key.source] { labels["job"] = job }
            state.store.append(SeriesKey(name: LogRuleFile.seriesName, labels: Labels(labels)), Point(t: now, v: Double(count)))
        }
    }
}
