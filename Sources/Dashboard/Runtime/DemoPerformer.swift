import DemoFleet
import Telemetry

/// Answers a virtual runtime's effects from the simulated fleet, on virtual time: the fleet
/// is advanced to the scrape's moment, and its exposition text goes through the same parser
/// as a live HTTP body. Deterministic for a given seed and start.
public final class DemoPerformer: EffectPerformer {
    private var fleet: Fleet
    private let start: Timestamp

    public init(start: Timestamp, seed: UInt64 = 42) {
        self.fleet = Fleet(seed: seed)
        self.start = start
    }

    public func scrape(_ target: ScrapeTarget, at: Timestamp) -> ScrapeResult {
        fleet.advance(to: (at - start).value)
        let name = target.url.hasPrefix("demo://") ? String(target.url.dropFirst("demo://".count)) : target.name
        guard let text = fleet.exposition(for: name) else {
            return ScrapeResult(target: target.name, startedAt: at, duration: Milliseconds(0),
                                outcome: .failure(.transport("no simulated server named '\(name)'")))
        }
        let outcome: ScrapeResult.Outcome
        do {
            outcome = .success(try TextFormatParser.parse(text))
        } catch {
            outcome = .failure(.parse(error))
        }
        return ScrapeResult(target: target.name, startedAt: at, duration: Milliseconds(0), outcome: outcome,
                            bodyBytes: text.utf8.count)
    }

    public func readLogs(at: Timestamp) -> [(source: String, lines: [String])] {
        fleet.advance(to: (at - start).value)
        var order: [String] = []
        var bySource: [String: [String]] = [:]
        for line in fleet.drainLogLines() {
            if bySource[line.source] == nil { order.append(line.source) }
            bySource[line.source, default: []].append(line.text)
        }
        return order.map { ($0, bySource[$0]!) }
    }
}
