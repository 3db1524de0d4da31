import Alerting
import Incidents
import Telemetry

/// Runs the loaded Prometheus rule groups inside `reduce` and turns their alerts into the
/// alerts the screens show, with the same pending → firing life cycle as the built-in ones.
enum RuleAlerts {
    static func evaluate(group i: Int, at now: Timestamp, state: inout State) {
        var evaluator = state.ruleGroups[i]
        let errors = evaluator.evaluate(at: now, store: &state.store)
        state.ruleGroups[i] = evaluator
        let before = Dictionary(state.ruleAlerts.map { ($0.identity, $0) }, uniquingKeysWith: { a, _ in a })
        state.ruleAlerts = state.ruleGroups.flatMap { evaluator in
            evaluator.activeAlerts.compactMap { active -> HealthAlert? in
                var alert = convert(active.alert, origin: origin(of: evaluator.group))
                alert?.ruleFile = evaluator.group.file
                return alert
            }
        }
        state.ruleErrors = state.ruleGroups.flatMap { $0.lastErrors.compactMap { $0?.description } }
        for alert in state.ruleAlerts where before[alert.identity]?.state != alert.state {
            state.timeline.append(TimelineEvent(time: now, kind: alert.state == .firing ? .alertFiring : .alertPending,
                                                model: alert.model, summary: "\(alert.name) \(alert.state.rawValue): \(alert.summary)"))
        }
        let current = Set(state.ruleAlerts.map(\.identity))
        for (identity, alert) in before.sorted(by: { $0.key < $1.key }) where !current.contains(identity) {
            state.timeline.append(TimelineEvent(time: now, kind: .alertResolved, model: alert.model,
                                                summary: "\(alert.name) resolved\(AlertActions.subject(alert))"))
        }
        for error in errors {
            state.timeline.append(TimelineEvent(time: now, kind: .note, summary: "rule error: \(error.description)"))
        }
        AlertActions.alertsChanged(at: now, state: &state)
        HealthEvaluator.updateStatuses(state: &state)
    }

    static func origin(of group: RuleGroup) -> String {
        group.file.isEmpty ? "group \(group.name)" : "\(group.file) · group \(group.name)"
    }

    /// A rule alert as the screens show it: `severity` picks critical or warning, `job` and
    /// `model` (or `model_name`) say what it is about, `summary` (or `description`) what it says.
    static func convert(_ alert: Alert, origin: String = "") -> HealthAlert? {
        let state: HealthAlert.AlertState
        switch alert.state {
        case .pending: state = .pending
        case .firing: state = .firing
        case .inactive: return nil
        }
        let name = alert.labels["alertname"] ?? "alert"
        var labels: [String: String] = [:]
        for (key, value) in alert.labels { labels[key] = value }
        return HealthAlert(name: name,
                           severity: HealthAlert.Severity(label: alert.labels["severity"]),
                           job: alert.labels["job"] ?? "",
                           model: alert.labels["model"] ?? alert.labels["model_name"],
                           state: state, activeSince: alert.activeAt, firingSince: alert.firedAt, value: alert.value,
                           summary: alert.annotations["summary"] ?? alert.annotations["description"] ?? name,
                           labels: labels, annotations: alert.annotations, origin: origin)
    }
}
