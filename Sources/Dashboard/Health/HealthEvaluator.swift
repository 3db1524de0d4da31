import Incidents
import Models
import Telemetry

/// Evaluates the built-in health rules after each scrape of a job: updates models' signals,
/// history, deploy markers, alerts (pending → firing → resolved) and statuses, and appends
/// what changed to the incident timeline.
enum HealthEvaluator {
    /// History kept per model: the longest chart range, and at most this many points.
    static let historySpan: Milliseconds = .minutes(6 * 60)
    static let historyLimit = 10_000

    static func evaluate(job: String, at now: Timestamp, state: inout State) {
        let interval = state.target(named: job)?.target.interval ?? .seconds(15)
        let window = Milliseconds(max(60_000, interval.value * 4))
        // Prometheus's lookback: the store's stale markers end a vanished series at once.
        let found = ModelRecognizer.signals(in: state.store, job: job, at: now, window: window, freshness: .minutes(5),
                                           mappings: state.modelMappings)
        for signals in found {
            var model = state.models[signals.key] ?? ModelState(key: signals.key, signals: signals, firstSeen: now)
            noteDeploys(of: &model, versions: signals.versions, at: now, timeline: &state.timeline)
            model.signals = signals
            model.history.append(SignalPoint(t: now, requestsPerSecond: signals.requestsPerSecond,
                                             errorRatio: signals.errorRatio, latencyP99: signals.latencyP99,
                                             latencyP50: signals.latency.p50.value, latencyP95: signals.latency.p95.value))
            let cutoff = now - historySpan
            if let keep = model.history.firstIndex(where: { $0.t > cutoff }), keep > 0 { model.history.removeFirst(keep) }
            if model.history.count > historyLimit { model.history.removeFirst(model.history.count - historyLimit) }
            state.models[signals.key] = model
        }
        // Models of this job that vanished keep their last signals but lose their traffic.
        let present = Set(found.map(\.key))
        for key in state.models.keys where key.job == job && !present.contains(key) {
            state.models[key]?.signals.requestsPerSecond = nil
        }
        updateAlerts(job: job, at: now, state: &state)
        updateStatuses(state: &state)
    }

    /// A target failed or recovered: alerts and statuses follow.
    static func targetChanged(job: String, at now: Timestamp, state: inout State) {
        updateAlerts(job: job, at: now, state: &state)
        updateStatuses(state: &state)
    }

    static func noteDeploys(of model: inout ModelState, versions: [String], at now: Timestamp, timeline: inout Timeline) {
        // A version that stops serving while another goes on: a rollback, a finished rollout,
        // or a canary taken out. The timeline says which versions remain.
        // When every remaining version is new (seen within the last minute), it is the deploy
        // that replaced it, already in the timeline as "deployed (was ...)".
        let gone = model.signals.versions.filter { !versions.contains($0) }
        let replacedByNew = versions.allSatisfy { v in model.versionFirstSeen[v].map { now - $0 <= .minutes(1) } ?? true }
        if !gone.isEmpty, !versions.isEmpty, !replacedByNew {
            for version in gone {
                timeline.append(TimelineEvent(time: now, kind: .deploy, model: model.key.name,
                                              summary: "\(model.key.name) version \(version) no longer serving (\(versions.joined(separator: ", ")) remains)"))
            }
        }
        let known = model.versionFirstSeen
        for version in versions where known[version] == nil {
            model.versionFirstSeen[version] = now
            guard !known.isEmpty else { continue }
            let previous = model.signals.versions.last(where: { $0 != version })
                ?? known.max(by: { $0.value < $1.value })?.key
            model.previousVersion = previous
            model.lastDeploy = now
            let from = previous.map { " (was \($0))" } ?? ""
            timeline.append(TimelineEvent(time: now, kind: .deploy, model: model.key.name,
                                          summary: "\(model.key.name) version \(version) deployed\(from)"))
        }
    }

    static func updateAlerts(job: String, at now: Timestamp, state: inout State) {
        let rules = state.rules
        var conditions: [(name: String, severity: HealthAlert.Severity, model: String?, value: Double, summary: String, hold: Milliseconds)] = []
        if !state.usesBuiltinRules {
            // Rule files are in charge; the built-in rules stay quiet.
        } else if let target = state.target(named: job), target.health == .down {
            conditions.append(("TargetDown", .critical, nil, 0,
                               "\(job) is down: \(target.lastError?.description ?? "scrape failed")", rules.targetDownFor))
        } else {
            for model in state.models.values.sorted(by: { $0.key < $1.key }) where model.key.job == job {
                let name = model.key.name
                if let ratio = model.signals.errorRatio, model.signals.requestsPerSecond != nil {
                    if ratio >= rules.errorRatioCritical {
                        conditions.append(("HighErrorRate", .critical, name, ratio,
                                           "\(name) errors at \(Format.percent(ratio))", rules.pendingFor))
                    } else if ratio >= rules.errorRatioWarning {
                        conditions.append(("ElevatedErrorRate", .warning, name, ratio,
                                           "\(name) errors at \(Format.percent(ratio))", rules.pendingFor))
                    }
                }
                if let p99 = model.signals.latencyP99, let base = baseline(of: model, at: now, rules: rules), base > 0,
                   p99 >= base * rules.latencyRegressionFactor {
                    conditions.append(("LatencyRegression", .warning, name, p99 / base,
                                       "\(name) p99 \(Format.latency(p99)) is \(Format.ratio(p99 / base)) its baseline \(Format.latency(base))",
                                       rules.pendingFor))
                }
            }
        }

        var kept: [HealthAlert] = state.alerts.filter { $0.job != job }
        let previous = Dictionary(state.alerts.filter { $0.job == job }.map { ($0.identity, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        for c in conditions {
            let fresh = HealthAlert(name: c.name, severity: c.severity, job: job, model: c.model,
                                    state: .pending, activeSince: now, firingSince: nil, value: c.value, summary: c.summary)
            let identity = fresh.identity
            guard seen.insert(identity).inserted else { continue }
            var alert = previous[identity] ?? fresh
            alert.value = c.value
            alert.summary = c.summary
            if previous[identity] == nil {
                state.timeline.append(TimelineEvent(time: now, kind: .alertPending, model: c.model,
                                                    summary: "\(c.name) pending: \(c.summary)"))
            }
            if alert.state == .pending, now - alert.activeSince >= c.hold {
                alert.state = .firing
                alert.firingSince = now
                state.timeline.append(TimelineEvent(time: now, kind: .alertFiring, model: c.model,
                                                    summary: "\(c.name) firing: \(c.summary)"))
            }
            kept.append(alert)
        }
        for (identity, alert) in previous.sorted(by: { $0.key < $1.key }) where !seen.contains(identity) {
            state.timeline.append(TimelineEvent(time: now, kind: .alertResolved, model: alert.model,
                                                summary: "\(alert.name) resolved\(alert.model.map { " for \($0)" } ?? " for \(job)")"))
        }
        state.alerts = kept.sorted { ($0.severity, $0.activeSince.milliseconds * -1, $0.identity) > ($1.severity, $1.activeSince.milliseconds * -1, $1.identity) }
        AlertActions.alertsChanged(at: now, state: &state)
    }

    /// The median p99 over the baseline window, leaving out the most recent minutes so a
    /// regression does not raise its own baseline.
    static func baseline(of model: ModelState, at now: Timestamp, rules: HealthRules) -> Double? {
        let from = now - rules.baselineWindow, to = now - rules.baselineExclude
        let values = model.history.filter { $0.t >= from && $0.t <= to }.compactMap(\.latencyP99).sorted()
        guard values.count >= rules.minimumBaselinePoints else { return nil }
        return values[values.count / 2]
    }

    static func updateStatuses(state: inout State) {
        for key in state.models.keys {
            guard var model = state.models[key] else { continue }
            // Information-only alerts do not change a model's status.
            let alerts = state.allAlerts.filter { $0.state == .firing && $0.severity >= .warning && $0.concerns(key) }
            if state.target(named: key.job)?.health == .down {
                model.status = .down
            } else if alerts.contains(where: { $0.severity == .critical }) {
                model.status = .critical
            } else if !alerts.isEmpty {
                model.status = .warning
            } else if model.signals.requestsPerSecond == nil {
                model.status = .noData
            } else {
                model.status = .ok
            }
            state.models[key] = model
        }
    }
}
