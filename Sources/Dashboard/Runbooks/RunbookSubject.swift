import Incidents
import Models
import Telemetry

/// The alert a runbook was opened for, copied when it was opened: the runbook's commands keep
/// their values after the alert resolves, which is when the operator is most likely to run one.
public struct RunbookSubject: Hashable, Sendable {
    public var alertName: String?
    /// `HealthAlert.identity`, to find the live alert again (nil when opened without one).
    public var alertIdentity: String?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var model: String?
    public var job: String?

    public init(alertName: String?, alertIdentity: String?, labels: [String: String], annotations: [String: String],
                model: String?, job: String?) {
        self.alertName = alertName; self.alertIdentity = alertIdentity; self.labels = labels
        self.annotations = annotations; self.model = model; self.job = job
    }

    public init(alert: HealthAlert) {
        self.init(alertName: alert.name, alertIdentity: alert.identity, labels: alert.labels,
                  annotations: alert.annotations, model: alert.model, job: alert.job.isEmpty ? nil : alert.job)
    }

    /// What a command's parameters are filled from: the alert's labels and annotations, and what
    /// modelwatch knows of its model now (versions from the deploy markers, the target's URL).
    public func commandContext(in state: State) -> CommandContext {
        let model = self.model ?? labels["model"]
        let modelState = model.flatMap { name in
            state.models.values.filter { $0.key.name == name && (job == nil || $0.key.job == job) }
                .min { $0.key < $1.key }
        }
        var current: String?
        if let m = modelState {
            // With a canary, several versions serve: the newest one is "current".
            current = m.signals.versions.max { (m.versionFirstSeen[$0] ?? m.firstSeen, $0) < (m.versionFirstSeen[$1] ?? m.firstSeen, $1) }
        }
        let targetName = modelState?.key.job ?? job
        let targetURL = targetName.flatMap { state.target(named: $0)?.target.url }
        return CommandContext(labels: labels, annotations: annotations, model: model,
                              previousVersion: modelState?.previousVersion, currentVersion: current, targetURL: targetURL)
    }
}
