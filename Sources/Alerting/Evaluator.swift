import Foundation
import PromQL
import Telemetry

/// The state of one alert (Prometheus's `rules.AlertState`).
public enum AlertState: String, Sendable, Equatable {
    case inactive, pending, firing
}

/// One alert instance of an alerting rule.
public struct Alert: Sendable, Equatable {
    public var labels: Labels
    public var annotations: [String: String]
    public var state: AlertState
    public var value: Double
    public var activeAt: Timestamp
    public var firedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var keepFiringSince: Timestamp?
    public static func == (a: Alert, b: Alert) -> Bool {
        a.labels == b.labels && a.annotations == b.annotations && a.state == b.state && a.activeAt == b.activeAt
            && a.firedAt == b.firedAt && a.resolvedAt == b.resolvedAt && a.keepFiringSince == b.keepFiringSince
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}

/// An error while evaluating one rule at one time; the rest of the group is still evaluated.
public struct RuleEvalError: Error, Sendable, CustomStringConvertible {
    public var rule: String
    public var at: Timestamp
    public var message: String
    public var description: String { "rule \(rule) at \(at.milliseconds / 1000)s: \(message)" }
}

/// Evaluates a rule group over a SeriesStore, keeping each alerting rule's alerts across evaluations.
public struct RuleGroupEvaluator: Sendable {
    /// How long resolved alerts are kept (Prometheus: 15 minutes).
    public static let resolvedRetention: Int64 = 15 * 60_000

    public var group: RuleGroup
    public var engine: Engine
    public var externalLabels: [String: String]
    public var externalURL: String
    /// Whether to write `ALERTS` / `ALERTS_FOR_STATE` (Prometheus writes them once the rule's for-state is restored).
    public var writeAlertSeries: Bool
    /// Active alerts per rule index, keyed by the alert's label set.
    public private(set) var active: [[Labels: Alert]]
    /// The last evaluation error of each rule (nil when it succeeded).
    public private(set) var lastErrors: [RuleEvalError?]
    /// Series each rule wrote at its previous evaluation (for stale markers).
    var previousSeries: [Set<SeriesKey>]

    public init(group: RuleGroup, engine: Engine = Engine(), externalLabels: [String: String] = [:], externalURL: String = "",
                writeAlertSeries: Bool = true) {
        self.group = group
        self.engine = engine
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.writeAlertSeries = writeAlertSeries
        self.active = Array(repeating: [:], count: group.rules.count)
        self.lastErrors = Array(repeating: nil, count: group.rules.count)
        self.previousSeries = Array(repeating: [], count: group.rules.count)
    }

    /// Alerts of the rule at `index`, sorted by labels.
    public func alerts(ofRule index: Int) -> [Alert] {
        active[index].values.sorted { $0.labels.description < $1.labels.description }
    }

    /// All pending and firing alerts of the group.
    public var activeAlerts: [(rule: String, alert: Alert)] {
        var out: [(String, Alert)] = []
        for (i, r) in group.rules.enumerated() where r.kind == .alerting {
            for a in alerts(ofRule: i) where a.state != .inactive { out.append((r.name, a)) }
        }
        return out
    }

    /// Evaluates every rule in order at `t`, writing results into `store`. Returns this evaluation's errors.
    @discardableResult
    public mutating func evaluate(at t: Timestamp, store: inout SeriesStore) -> [RuleEvalError] {
        var errors: [RuleEvalError] = []
        for i in group.rules.indices {
            let rule = group.rules[i]
            var written = Set<SeriesKey>()
            do {
                let samples: [(Labels, Double)]
                switch rule.kind {
                case .recording: samples = try evalRecording(rule, at: t, store: store)
                case .alerting: samples = try evalAlerting(i, at: t, store: store)
                }
                for (labels, v) in samples {
                    let name = labels["__name__"] ?? ""
                    let key = SeriesKey(name: name, labels: labels.removing(["__name__"]))
                    store.append(key, Point(t: t, v: v))
                    written.insert(key)
                }
                lastErrors[i] = nil
            } catch let e as RuleEvalError {
                errors.append(e); lastErrors[i] = e
            } catch {
                let e = RuleEvalError(rule: rule.name, at: t, message: "\(error)")
                errors.append(e); lastErrors[i] = e
            }
            // Stale markers for series that this rule no longer produces (as Prometheus's group does).
            for key in previousSeries[i] where !written.contains(key) {
                store.append(key, Point(t: t, v: SeriesStore.staleMarker))
            }
            previousSeries[i] = written
        }
        return errors
    }

    func query(_ rule: Rule, at t: Timestamp, store: SeriesStore) throws -> [(Labels, Double)] {
        let result = try engine.instantQuery(rule.expr, store: store, at: t)
        switch result.value {
        case .vector(let v): return v.map { ($0.labels, $0.v) }
        case .scalar(let s): return [(Labels(), s)]
        default: throw RuleEvalError(rule: rule.name, at: t, message: "rule result is not a vector or scalar")
        }
    }

    func evalRecording(_ rule: Rule, at t: Timestamp, store: SeriesStore) throws -> [(Labels, Double)] {
        var out: [(Labels, Double)] = []
        var seen = Set<Labels>()
        for (labels, v) in try query(rule, at: t, store: store) {
            var l = labels.setting("__name__", rule.name)
            for (name, tmpl) in rule.labels { l = l.setting(name, tmpl.source) }
            if !seen.insert(l).inserted {
                throw RuleEvalError(rule: rule.name, at: t, message: "vector contains metrics with the same labelset after applying rule labels")
            }
            out.append((l, v))
        }
        if group.limit > 0, out.count > group.limit {
            throw RuleEvalError(rule: rule.name, at: t, message: "exceeded limit \(group.limit) with \(out.count) series")
        }
        return out
    }

    mutating func evalAlerting(_ i: Int, at t: Timestamp, store: SeriesStore) throws -> [(Labels, Double)] {
        let rule = group.rules[i]
        let res = try query(rule, at: t, store: store)
        let querier = TemplateQuerier(engine: engine, store: store, time: t)
        var current: [Labels: Alert] = [:]
        for (sampleLabels, v) in res {
            let base = sampleLabels.removing(["__name__"])
            var labelMap: [String: String] = [:]   // as in Prometheus, templates see __name__ too
            for p in sampleLabels { labelMap[p.name] = p.value }
            let data = TemplateData(labels: labelMap, value: v, externalLabels: externalLabels, externalURL: externalURL,
                                    querier: querier)
            var l = base
            for (name, tmpl) in rule.labels { l = l.setting(name, tmpl.expandOrError(data, name: rule.name)) }
            l = l.setting("alertname", rule.name)
            var ann: [String: String] = [:]
            for (name, tmpl) in rule.annotations { ann[name] = tmpl.expandOrError(data, name: rule.name) }
            if current[l] != nil {
                throw RuleEvalError(rule: rule.name, at: t, message: "vector contains metrics with the same labelset after applying alert labels")
            }
            current[l] = Alert(labels: l, annotations: ann, state: .pending, value: v, activeAt: t)
        }
        var alerts = active[i]
        for (l, a) in current {
            if var existing = alerts[l], existing.state != .inactive {
                existing.value = a.value
                existing.annotations = a.annotations
                alerts[l] = existing
                continue
            }
            alerts[l] = a
        }
        var out: [(Labels, Double)] = []
        for l in alerts.keys.sorted(by: { $0.description < $1.description }) {
            guard var a = alerts[l] else { continue }
            if current[l] == nil {
                var keepFiring = false
                if a.state == .firing && rule.keepFiringFor > 0 {
                    if a.keepFiringSince == nil { a.keepFiringSince = t }
                    if (t - a.keepFiringSince!).value < rule.keepFiringFor { keepFiring = true }
                }
                if a.state == .pending || (a.resolvedAt != nil && (t - a.resolvedAt!).value > Self.resolvedRetention) {
                    alerts[l] = nil
                    continue
                }
                if a.state != .inactive && !keepFiring {
                    a.state = .inactive
                    a.resolvedAt = t
                }
                alerts[l] = a
                if !keepFiring { continue }
            } else {
                a.keepFiringSince = nil
            }
            if a.state == .pending && (t - a.activeAt).value >= rule.holdDuration {
                a.state = .firing
                a.firedAt = t
            }
            alerts[l] = a
            if writeAlertSeries {
                out.append((a.labels.setting("__name__", "ALERTS").setting("alertstate", a.state.rawValue), 1))
                out.append((a.labels.setting("__name__", "ALERTS_FOR_STATE"), Double(a.activeAt.milliseconds / 1000)))
            }
        }
        let numActivePending = alerts.values.filter { $0.state != .inactive }.count
        if group.limit > 0, numActivePending > group.limit {
            active[i] = [:]
            throw RuleEvalError(rule: rule.name, at: t, message: "exceeded limit of \(group.limit) with \(numActivePending) alerts")
        }
        active[i] = alerts
        return out
    }
}
