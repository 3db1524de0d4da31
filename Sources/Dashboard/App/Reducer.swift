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
        var effects: [Effect] = [.schedule(after: .seconds(1), .tick)]
        for i in state.targets.indices {
            state.targets[i].inFlight = true
            effects.append(.scrape(state.targets[i].target))
            effects.append(.schedule(after: state.targets[i].target.interval, .scrapeDue(target: state.targets[i].target.name)))
        }
        if state.hasLogSources {
            effects.append(.readLogs)
            effects.append(.schedule(after: .seconds(1), .collectLogs))
        }
        return effects

    case .timerFired(let timer, let at):
        state.now = max(state.now, at)
        switch timer {
        case .tick:
            state.store.expire(before: at)
            return [.schedule(after: .seconds(1), .tick)]
        case .scrapeDue(let name):
            guard let i = state.targets.firstIndex(where: { $0.target.name == name }) else { return [] }
            let target = state.targets[i].target
            var effects: [Effect] = [.schedule(after: target.interval, .scrapeDue(target: name))]
            // A scrape still running is not started twice: a slow target never piles up requests.
            if !state.targets[i].inFlight {
                state.targets[i].inFlight = true
                effects.append(.scrape(target))
            }
            return effects
        case .collectLogs:
            return [.readLogs, .schedule(after: .seconds(1), .collectLogs)]
        }

    case .scrapeCompleted(let result):
        applyScrape(result, to: &state)
        return []

    case .logLinesArrived(let source, let lines, let at):
        state.now = max(state.now, at)
        for line in lines {
            state.logs.append(LogLineParser.parse(line, source: source, receivedAt: at))
        }
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
    }
}

func applyScrape(_ result: ScrapeResult, to state: inout State) {
    guard let i = state.targets.firstIndex(where: { $0.target.name == result.target }) else { return }
    let end = result.startedAt + result.duration
    state.now = max(state.now, end)
    var status = state.targets[i]
    status.inFlight = false
    status.lastScrape = result.startedAt
    status.lastDuration = result.duration
    let wasHealth = status.health
    switch result.outcome {
    case .success(let families):
        status.health = .up
        status.lastError = nil
        status.downSince = nil
        status.samplesScraped = families.reduce(0) { $0 + $1.samples.count }
        state.targets[i] = status
        let targetLabels = Labels(["job": result.target, "instance": instanceLabel(status.target.url)])
        state.store.ingest(families, at: result.startedAt, targetLabels: targetLabels)
        HealthEvaluator.evaluate(job: result.target, at: result.startedAt, state: &state)
    case .failure(let failure):
        status.health = .down
        status.lastError = failure
        status.samplesScraped = 0
        if status.downSince == nil { status.downSince = result.startedAt }
        state.targets[i] = status
        HealthEvaluator.targetChanged(job: result.target, at: result.startedAt, state: &state)
    }
    if wasHealth != status.health, wasHealth != .unknown || status.health == .down {
        let kind: TimelineEvent.Kind = status.health == .down ? .targetDown : .targetUp
        let detail = status.health == .down ? " (\(status.lastError?.description ?? "failed"))" : ""
        state.timeline.append(.init(time: result.startedAt, kind: kind, summary: "\(result.target) \(status.health == .down ? "down" : "up")\(detail)"))
    }
    syncSelection(&state)
}

/// `host:port` of a URL, as Prometheus's `instance` label; the URL itself when it has none.
public func instanceLabel(_ url: String) -> String {
    guard let scheme = url.range(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    let hostPort = rest.prefix { $0 != "/" }
    return hostPort.isEmpty ? url : String(hostPort)
}
