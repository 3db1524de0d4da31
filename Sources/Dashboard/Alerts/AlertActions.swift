import Incidents
import Telemetry

/// What operators do to alerts (acknowledge, silence, and undo both) and how those follow the
/// alerts' own life: an acknowledgement ends when its alert resolves, a silence when its time
/// is up. Every change enters the incident timeline with who did it. Runs inside `reduce`.
enum AlertActions {
    static func acknowledge(_ alert: HealthAlert, state: inout State) {
        if let ack = state.acknowledgements[alert.identity] {
            notify("\(alert.name) was already acknowledged by \(ack.by) at \(Format.clock(ack.at)) · u takes it back", state: &state)
            return
        }
        let now = state.now
        state.acknowledgements[alert.identity] = Acknowledgement(alertIdentity: alert.identity, alertName: alert.name,
                                                                 by: state.operatorName, at: now)
        let summary = "\(alert.name)\(subject(alert)) acknowledged by \(state.operatorName)"
        state.timeline.append(TimelineEvent(time: now, kind: .acknowledged, model: alert.model, summary: summary))
        notify(summary + " (until it resolves) · u takes it back", state: &state)
    }

    static func unacknowledge(_ alert: HealthAlert, state: inout State) -> Bool {
        guard state.acknowledgements.removeValue(forKey: alert.identity) != nil else { return false }
        let summary = "\(alert.name)\(subject(alert)) acknowledgement taken back by \(state.operatorName)"
        state.timeline.append(TimelineEvent(time: state.now, kind: .acknowledged, model: alert.model, summary: summary))
        notify(summary, state: &state)
        return true
    }

    static func addSilence(matchers: [String: String], alertName: String, model: String?, duration: Milliseconds,
                           reason: String, state: inout State) {
        let now = state.now
        let silence = Silence(id: state.nextSilenceID, matchers: matchers, reason: reason, createdBy: state.operatorName,
                              createdAt: now, endsAt: now + duration)
        state.nextSilenceID += 1
        state.silences.append(silence)
        let summary = "\(alertName) silenced for \(Format.age(duration)) by \(state.operatorName): \(reason)"
        state.timeline.append(TimelineEvent(time: now, kind: .silenced, model: model, summary: summary))
        notify(summary + " · u ends it", state: &state)
    }

    /// Ends a silence before its time (by the operator).
    static func expire(_ silence: Silence, state: inout State) {
        guard let i = state.silences.firstIndex(where: { $0.id == silence.id }) else { return }
        state.silences.remove(at: i)
        let summary = "silence of \(silence.matchers["alertname"] ?? silence.matcherText) ended early by \(state.operatorName)"
        state.timeline.append(TimelineEvent(time: state.now, kind: .silenced, model: silence.matchers["model"], summary: summary))
        notify(summary, state: &state)
    }

    /// Undo on an alert: its silence first (the louder change), else its acknowledgement.
    static func undo(_ alert: HealthAlert, state: inout State) {
        let matching = state.silences.filter { $0.matches(alert) && $0.endsAt > state.now }
        if !matching.isEmpty {
            for silence in matching { expire(silence, state: &state) }
        } else if !unacknowledge(alert, state: &state) {
            notify("\(alert.name) is neither acknowledged nor silenced", state: &state)
        }
    }

    /// After the set of alerts changed: acknowledgements of alerts that resolved end with them.
    static func alertsChanged(at now: Timestamp, state: inout State) {
        defer { AlertsScreen.syncSelection(&state) }
        guard !state.acknowledgements.isEmpty else { return }
        let current = Set(state.allAlerts.map(\.identity))
        for (identity, ack) in state.acknowledgements.sorted(by: { $0.key < $1.key }) where !current.contains(identity) {
            state.acknowledgements[identity] = nil
            state.timeline.append(TimelineEvent(time: now, kind: .acknowledged, model: nil,
                                                summary: "\(ack.alertName) resolved; acknowledgement by \(ack.by) ends"))
        }
    }

    /// On each tick: silences whose time is up end.
    static func expireSilences(at now: Timestamp, state: inout State) {
        guard state.silences.contains(where: { $0.endsAt <= now }) else { return }
        for silence in state.silences where silence.endsAt <= now {
            state.timeline.append(TimelineEvent(time: silence.endsAt, kind: .silenced, model: silence.matchers["model"],
                                                summary: "silence of \(silence.matchers["alertname"] ?? silence.matcherText) by \(silence.createdBy) expired"))
        }
        state.silences.removeAll { $0.endsAt <= now }
        AlertsScreen.syncSelection(&state)
    }

    static func subject(_ alert: HealthAlert) -> String {
        if let model = alert.model { return " on \(model)" }
        return alert.job.isEmpty ? "" : " on \(alert.job)"
    }

    static func notify(_ text: String, state: inout State) {
        state.notice = text
        state.noticeUntil = state.now + .seconds(8)
    }
}
