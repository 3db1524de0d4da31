/// A deterministic, simulated fleet of model servers for `modelwatch --demo` and `simulate`.
///
/// Pure: no I/O, no system clock, no networking. Everything is a function of the seed and the
/// virtual time given to `advance(to:)`. Counters are integrated in fixed one-second steps, each
/// step drawing from its own generator derived from (seed, second, target), so the state after
/// `advance(to: t)` does not depend on how many calls it took to get there.
///
/// Times are milliseconds since the start of the demo, as `Int64` (this target has no dependency
/// on Telemetry, so it cannot name `Telemetry.Milliseconds`; pass `elapsed.value`).
public struct Fleet: Sendable {
    /// The demo's targets, in display order. Each has its own exposition and log file.
    public static let targetNames: [String] = ["triton-a", "vllm-0", "kserve-churn", "kserve-credit"]

    /// The scripted scenario (the Triton incident and the credit-scorer drift) repeats with this period.
    public static let cycleMilliseconds: Int64 = 600_000

    /// The log file name a target writes to, e.g. `triton-a.log`.
    public static func logSource(for target: String) -> String { target + ".log" }

    public let seed: UInt64

    /// Whole seconds integrated so far; the exposition shows the state at this time.
    public private(set) var integratedSeconds: Int64 = 0

    var triton: TritonServer
    var vllm: VLLMServer
    var churn: KServeServer
    var credit: KServeServer
    var pendingLines: [DemoLogLine] = []

    /// Undrained log lines beyond this many are dropped, oldest first.
    static let maxPendingLines = 20_000

    public init(seed: UInt64 = 42) {
        self.seed = seed
        triton = TritonServer()
        vllm = VLLMServer()
        churn = KServeServer.churn
        credit = KServeServer.credit
    }

    /// The elapsed time the exposition reflects (whole seconds, in milliseconds).
    public var elapsedMilliseconds: Int64 { integratedSeconds * 1000 }

    /// Moves the simulation forward to `elapsed` milliseconds since the demo start. Integrates
    /// whole seconds only; a time before the current one is ignored (time never goes backwards).
    public mutating func advance(to elapsed: Int64) {
        let target = elapsed / 1000
        while integratedSeconds < target {
            step(second: integratedSeconds)
            integratedSeconds += 1
        }
    }

    /// The target's current Prometheus text exposition (format 0.0.4, HELP and TYPE lines), or nil
    /// for an unknown target name.
    public func exposition(for target: String) -> String? {
        switch target {
        case "triton-a": return triton.exposition(now: integratedSeconds)
        case "vllm-0": return vllm.exposition()
        case "kserve-churn": return churn.exposition(now: integratedSeconds)
        case "kserve-credit": return credit.exposition()
        default: return nil
        }
    }

    /// Returns the log lines written since the last call, oldest first, and forgets them.
    public mutating func drainLogLines() -> [DemoLogLine] {
        defer { pendingLines.removeAll(keepingCapacity: true) }
        return pendingLines
    }

    /// The scripted scenario, as offsets within each 600 s cycle: the fraud-detector incident on
    /// triton-a (100-400 s), the silent input drift of credit-scorer on kserve-credit (180-520 s)
    /// and churn-predictor's canary on kserve-churn (440-560 s).
    public var scenario: [ScenarioEvent] { Fleet.scriptedScenario }

    /// The events of the cycle that contains `elapsed`, placed on the absolute demo timeline.
    public func scenarioEvents(inCycleContaining elapsed: Int64) -> [ScenarioEvent] {
        let start = (max(0, elapsed) / Fleet.cycleMilliseconds) * Fleet.cycleMilliseconds
        return Fleet.scriptedScenario.map {
            var e = $0
            e.atMilliseconds += start
            e.endMilliseconds = e.endMilliseconds.map { $0 + start }
            return e
        }
    }

    static let scriptedScenario: [ScenarioEvent] = [
        ScenarioEvent(at: 0, target: "*", description: "All four model servers healthy: steady traffic, error share 0.1-0.5%."),
        ScenarioEvent(at: 99_000, target: "triton-a",
                      description: "fraud-detector version 4 is loaded on triton-a; version 3 is unloaded at 100 s (its series leave the exposition, v4 series start from 0)."),
        ScenarioEvent(at: 100_000, end: 400_000, target: "triton-a",
                      description: "fraud-detector v4: latency triples (p99 about 40 ms -> 120 ms, in the summary and in the first-response histogram's buckets), BACKEND failures climb to about 8%; GPU memory climbs steadily."),
        ScenarioEvent(at: 120_000, target: "triton-a",
                      description: "First 'CUDA out of memory' error in triton-a.log; more errors and warnings follow."),
        ScenarioEvent(at: 180_000, end: 520_000, target: "kserve-credit",
                      description: "credit-scorer input drift: the upstream bureau feed's new schema counts revolving minimum payments in monthly_debt, so debt_to_income shifts up (median about 0.31 -> 0.42; PSI against the window before about 0.6) and prediction scores rise a little. No errors, no latency change: only the feature histograms show it; one warning in kserve-credit.log at 180 s."),
        ScenarioEvent(at: 399_000, target: "triton-a",
                      description: "Rollback: fraud-detector version 3 is loaded again; version 4 is unloaded at 400 s. Latency, errors and GPU memory recover."),
        ScenarioEvent(at: 440_000, end: 560_000, target: "kserve-churn",
                      description: "churn-predictor canary (canaryTrafficPercent: 20): revision churn-predictor-predictor-00008 serves about 20% of the requests next to 00007, each with its own pod and queue-proxy series. The canary is a little slower (p99 from the queue-proxy's buckets about +15%, 38 -> 44 ms) and answers about 1.5% of its requests with 500 (00007: about 0.1%). Its pod's start-up lines are in kserve-churn.log at 439 s."),
        ScenarioEvent(at: 520_000, target: "kserve-credit",
                      description: "The bureau feed is back on its previous schema: credit-scorer's debt_to_income and scores return to their usual distribution."),
        ScenarioEvent(at: 560_000, target: "kserve-churn",
                      description: "Canary rollback: all of churn-predictor's traffic goes back to revision 00007; the 00008 pod stops (shutdown lines in kserve-churn.log) and its queue-proxy series leave the exposition."),
        ScenarioEvent(at: 600_000, target: "*", description: "The cycle repeats."),
    ]

    // MARK: - Stepping

    mutating func step(second: Int64) {
        var lines: [DemoLogLine] = []
        if second == 0 {  // the servers' start-up lines, within the first second
            triton.startupLogs(into: &lines)
            vllm.startupLogs(into: &lines)
            churn.startupLogs(into: &lines)
            credit.startupLogs(into: &lines)
        }
        var r0 = SplitMix64(seed: seed, second: second, stream: 1)
        triton.step(second: second, rng: &r0, logs: &lines)
        var r1 = SplitMix64(seed: seed, second: second, stream: 2)
        vllm.step(second: second, rng: &r1, logs: &lines)
        var r2 = SplitMix64(seed: seed, second: second, stream: 3)
        var r5 = SplitMix64(seed: seed, second: second, stream: 6)  // churn-predictor's canary alone
        churn.step(second: second, rng: &r2, canaryRng: &r5, logs: &lines)
        var r3 = SplitMix64(seed: seed, second: second, stream: 4)
        let scored = credit.step(second: second, rng: &r3, logs: &lines)
        var r4 = SplitMix64(seed: seed, second: second, stream: 5)
        credit.observeFeatures(second: second, scored: scored, rng: &r4, logs: &lines)
        append(lines)
    }

    mutating func append(_ lines: [DemoLogLine]) {
        // Stable sort by time: lines of one second interleave across files as they would.
        let sorted = lines.enumerated().sorted {
            $0.element.elapsedMilliseconds != $1.element.elapsedMilliseconds
                ? $0.element.elapsedMilliseconds < $1.element.elapsedMilliseconds : $0.offset < $1.offset
        }.map(\.element)
        pendingLines.append(contentsOf: sorted)
        if pendingLines.count > Fleet.maxPendingLines {
            pendingLines.removeFirst(pendingLines.count - Fleet.maxPendingLines)
        }
    }

    /// Seconds since the start of the current 600 s cycle.
    static func cycleSecond(_ second: Int64) -> Int64 { second % (cycleMilliseconds / 1000) }
}

/// One raw log line, as the server would have written it to its log file.
public struct DemoLogLine: Sendable, Hashable {
    /// A file-like name, e.g. `triton-a.log`.
    public var source: String
    /// Milliseconds since the demo start.
    public var elapsedMilliseconds: Int64
    /// The raw line, without a trailing newline.
    public var text: String

    public init(source: String, elapsedMilliseconds: Int64, text: String) {
        self.source = source; self.elapsedMilliseconds = elapsedMilliseconds; self.text = text
    }
}

/// A point (or span) of the scripted incident, so the UI can say what is about to happen.
public struct ScenarioEvent: Sendable, Hashable {
    /// Milliseconds from the start of the cycle (or of the demo, from `scenarioEvents(inCycleContaining:)`).
    public var atMilliseconds: Int64
    /// End of the span, if the event lasts.
    public var endMilliseconds: Int64?
    /// The target concerned, or `*` for the whole fleet.
    public var target: String
    public var description: String

    public init(at: Int64, end: Int64? = nil, target: String, description: String) {
        self.atMilliseconds = at; self.endMilliseconds = end; self.target = target; self.description = description
    }
}
