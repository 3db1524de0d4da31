import Incidents
import Logs
import Models
import Telemetry
import TerminalUI

/// The only place state changes. Pure: no I/O, no clock; time arrives inside messages.
public func reduce(_ state: inout State, _ msg: Msg) -> [Effect] {
    switch msg {
    case .started(let at):
        state.startedAt = at
        state.now = at
        return startTimers(at: at, state: &state)

    case .resumed(let at):
        state.now = max(state.now, at)
        return startTimers(at: at, state: &state)

    case .timerFired(let timer, let at):
        state.now = max(state.now, at)
        switch timer {
        case .tick:
            state.store.expire(before: at)
            AlertActions.expireSilences(at: at, state: &state)
            if let until = state.noticeUntil, at >= until { state.notice = nil; state.noticeUntil = nil }
            return [.schedule(after: .seconds(1), .tick)]
        case .scrapeDue(let name, let generation):
            // A removed target, or a chain a reload replaced, stops here.
            guard let i = state.targets.firstIndex(where: { $0.target.name == name }),
                  state.targets[i].generation == generation else { return [] }
            let target = state.targets[i].target
            var effects: [Effect] = [.schedule(after: target.interval, .scrapeDue(target: name, generation: generation))]
            // A scrape still running is not started twice: a slow target never piles up requests.
            if !state.targets[i].inFlight {
                state.targets[i].inFlight = true
                effects.append(.scrape(target))
            }
            return effects
        case .collectLogs:
            // A record still waiting for continuation lines is let go once its source is idle.
            for source in state.logAssemblers.keys.sorted() {
                guard var assembler = state.logAssemblers[source], assembler.hasPendingRecord else { continue }
                let entry = assembler.flush(now: at)
                state.logAssemblers[source] = assembler
                if let entry { admit(entry, at: at, state: &state) }
            }
            return [.readLogs, .schedule(after: .seconds(1), .collectLogs)]
        case .evaluateRules(let i):
            guard state.ruleGroups.indices.contains(i) else { return [] }
            if i == state.logRuleGroup { LogRuleSeries.write(at: at, state: &state) }
            RuleAlerts.evaluate(group: i, at: at, state: &state)
            return [.schedule(after: Milliseconds(max(1_000, state.ruleGroups[i].group.interval)), .evaluateRules(group: i))]
        case .evaluateDrift:
            DriftTracker.evaluate(at: at, state: &state)
            return [.schedule(after: Milliseconds(max(1_000, state.driftSettings.interval.value)), .evaluateDrift)]
        }

    case .scrapeCompleted(let result):
        applyScrape(result, to: &state)
        return []

    case .logLinesArrived(let source, let lines, let at, let cut):
        state.now = max(state.now, at)
        var assembler = state.logAssemblers[source] ?? LogAssembler(source: source, customFormats: state.customLogFormats)
        let cutLines = Set(cut)
        var entries: [LogEntry] = []
        for (i, line) in lines.enumerated() {
            if let entry = assembler.append(line, receivedAt: at, truncated: cutLines.contains(i)) { entries.append(entry) }
        }
        state.logAssemblers[source] = assembler
        for entry in entries { admit(entry, at: at, state: &state) }
        return []

    case .logSourceStatus(let path, let status, let at):
        state.now = max(state.now, at)
        if state.logSourceStatus[path] != status, status != "following" || state.logSourceStatus[path] != nil {
            state.timeline.append(TimelineEvent(time: at, kind: .note, summary: "log \(path): \(status)"))
        }
        state.logSourceStatus[path] = status
        return []

    case .commandOutput(let runID, let lines, let at):
        state.now = max(state.now, at)
        RunbookActions.output(runID: runID, lines: lines, state: &state)
        return []

    case .commandFinished(let runID, let ending, let duration, let auditProblem, let at):
        state.now = max(state.now, at)
        RunbookActions.finished(runID: runID, ending: ending, duration: duration, auditProblem: auditProblem, state: &state)
        return []

    case .keyPressed(let key):
        return handleKey(key, state: &state)

    case .mouse(let event):
        handleMouse(event, state: &state)
        return []

    case .resized(let size):
        state.ui.size = size
        syncSelection(&state)
        return []

    case .configReloaded(let config, let at):
        state.now = max(state.now, at)
        return applyReload(config, at: at, state: &state)

    case .configReloadFailed(let message, let at):
        state.now = max(state.now, at)
        state.notice = "config reload failed, the running config stays: \(message)"
        state.noticeUntil = at + .seconds(30)
        state.timeline.append(TimelineEvent(time: at, kind: .note, summary: "config reload failed: \(message)"))
        return []
    }
}

/// A finished log entry: counted for the log rules on the way in (so a rule sees every line even
/// after the buffer drops it from memory), then kept in the buffer.
func admit(_ entry: LogEntry, at: Timestamp, state: inout State) {
    for (i, rule) in state.logRules.enumerated() where rule.matches(entry, compiled: state.logRuleMatchers[i]) {
        state.logMatches.record(rule: i, entry: entry, receivedAt: at)
    }
    state.logs.append(entry)
}

/// Every timer of a session, and a first scrape of every target at once so the screen fills;
/// after that each target is scraped on its own phase.
func startTimers(at: Timestamp, state: inout State) -> [Effect] {
    var effects: [Effect] = [.schedule(after: .seconds(1), .tick)]
    for i in state.targets.indices {
        let target = state.targets[i].target
        state.targets[i].inFlight = true
        effects.append(.scrape(target))
        effects.append(.schedule(after: untilNextPhase(of: target, from: at), .scrapeDue(target: target.name, generation: state.targets[i].generation)))
    }
    if state.hasLogSources {
        effects.append(.readLogs)
        effects.append(.schedule(after: .seconds(1), .collectLogs))
    }
    for (i, group) in state.ruleGroups.enumerated() {
        effects.append(.schedule(after: Milliseconds(max(1_000, group.group.interval)), .evaluateRules(group: i)))
    }
    effects.append(.schedule(after: Milliseconds(max(1_000, state.driftSettings.interval.value)), .evaluateDrift))
    return effects
}

/// Swaps in a reloaded config: kept targets keep their health and history, new ones are
/// scraped at once, removed ones stop (their models and alerts go). The store is untouched.
func applyReload(_ config: AppConfig, at: Timestamp, state: inout State) -> [Effect] {
    let old = Dictionary(state.targets.map { ($0.target.name, $0) }, uniquingKeysWith: { a, _ in a })
    let newNames = Set(config.targets.map(\.name))
    var effects: [Effect] = []
    var added = 0
    state.targets = config.targets.map { target in
        var status = old[target.name] ?? TargetStatus(target: target)
        let isNew = old[target.name] == nil
        status.target = target
        status.generation += 1
        if isNew {
            added += 1
            status.inFlight = true
            effects.append(.scrape(target))
        }
        effects.append(.schedule(after: untilNextPhase(of: target, from: at), .scrapeDue(target: target.name, generation: status.generation)))
        return status
    }
    let removed = old.keys.filter { !newNames.contains($0) }
    for job in removed {
        state.models = state.models.filter { $0.key.job != job }
        state.alerts.removeAll { $0.job == job }
    }
    state.store.retention = config.retention
    state.modelMappings = config.modelMetrics
    // The drift settings follow the config; a baseline file stays as read at launch.
    if case .baseline = state.driftSettings.reference, config.drift.baselineFile != nil {
        let baseline = state.driftSettings.reference
        state.driftSettings = config.drift.settings(baseline: nil)
        state.driftSettings.reference = baseline
    } else {
        state.driftSettings = config.drift.settings(baseline: nil)
    }
    state.store.memoryBudgetBytes = config.memoryBudget
    state.notice = "config reloaded: \(config.targets.count) targets (\(added) new, \(removed.count) removed); history kept"
    state.noticeUntil = at + .seconds(10)
    state.timeline.append(TimelineEvent(time: at, kind: .note, summary: state.notice!))
    syncSelection(&state)
    return effects
}

/// Time from `now` to the target's next phase slot: scrapes happen at `phase + k * interval`,
/// so targets with equal intervals spread over the interval instead of firing together.
func untilNextPhase(of target: ScrapeTarget, from now: Timestamp) -> Milliseconds {
    let interval = max(1, target.interval.value)
    let offset = ((now.milliseconds - target.phase.value) % interval + interval) % interval
    return Milliseconds(offset == 0 ? interval : interval - offset)
}

func applyScrape(_ result: ScrapeResult, to state: inout State) {
    guard let i = state.targets.firstIndex(where: { $0.target.name == result.target }) else { return }
    let end = result.startedAt + result.duration
    state.now = max(state.now, end)
    var status = state.targets[i]
    status.inFlight = false
    status.lastScrape = result.startedAt
    status.lastDuration = result.duration
    status.bodyBytes = result.bodyBytes
    let wasHealth = status.health
    switch result.outcome {
    case .success(let families):
        status.health = .up
        status.lastError = nil
        status.downSince = nil
        status.samplesScraped = families.reduce(0) { $0 + $1.samples.count }
        state.targets[i] = status
        state.store.ingestScrape(result, targetLabels: targetLabels(of: status.target))
        HealthEvaluator.evaluate(job: result.target, at: result.startedAt, state: &state)
    case .failure(let failure):
        status.health = .down
        status.lastError = failure
        status.samplesScraped = 0
        if status.downSince == nil { status.downSince = result.startedAt }
        state.targets[i] = status
        // Stale markers for the target's series, `up` 0: as Prometheus records a failed scrape.
        state.store.ingestScrape(result, targetLabels: targetLabels(of: status.target))
        HealthEvaluator.targetChanged(job: result.target, at: result.startedAt, state: &state)
    }
    if wasHealth != status.health, wasHealth != .unknown || status.health == .down {
        let kind: TimelineEvent.Kind = status.health == .down ? .targetDown : .targetUp
        let detail = status.health == .down ? " (\(status.lastError?.description ?? "failed"))" : ""
        state.timeline.append(.init(time: result.startedAt, kind: kind, summary: "\(result.target) \(status.health == .down ? "down" : "up")\(detail)"))
    }
    syncSelection(&state)
}

/// The labels Prometheus attaches to every series of a target: `job` and `instance`.
func targetLabels(of target: ScrapeTarget) -> Labels {
    Labels(["job": target.name, "instance": instanceLabel(target.url)])
}

/// `host:port` of a URL, as Prometheus's `instance` label; the URL itself when it has none.
public func instanceLabel(_ url: String) -> String {
    guard let scheme = url.range(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    let hostPort = rest.prefix { $0 != "/" }
    return hostPort.isEmpty ? url : String(hostPort)
}
