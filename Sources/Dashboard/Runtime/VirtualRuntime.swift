import Telemetry

/// Performs the I/O effects for a runtime: a live implementation talks to the network and
/// files; the demo and tests answer from a simulated fleet.
public protocol EffectPerformer {
    /// Reads a target synchronously at virtual time `at`.
    func scrape(_ target: ScrapeTarget, at: Timestamp) -> ScrapeResult
    /// New log lines from every source, as of `at`.
    func readLogs(at: Timestamp) -> [(source: String, lines: [String])]
    /// The config read again: a new config, or why it could not be read.
    func reloadConfig() -> Result<AppConfig, ConfigError>?
    /// What running a command yields on virtual time (by default: it is not run).
    func runCommand(_ request: CommandRequest, at: Timestamp) -> [Msg]
}

extension EffectPerformer {
    /// No config to reload (the demo).
    public func reloadConfig() -> Result<AppConfig, ConfigError>? { nil }

    /// Virtual time (snapshots, `demo --skip`, tests, replay) never runs a real command.
    public func runCommand(_ request: CommandRequest, at: Timestamp) -> [Msg] {
        [.commandFinished(runID: request.runID, ending: .failedToStart("commands never run on virtual time"),
                          duration: .zero, auditProblem: nil, at: at)]
    }
}

/// Runs the app loop on virtual time, deterministically: like swift-nio's embedded event loop,
/// time moves only through `advance(by:)`, and every timer due in between fires in order,
/// with its own due time. Used by `snapshot`, by replay and by tests.
public struct VirtualRuntime {
    public private(set) var state: State
    public private(set) var now: Timestamp
    /// Every message folded into the state, in order (what a recording would hold).
    public private(set) var messages: [Msg] = []
    /// The same messages with the virtual time each was folded at: a recording.
    public private(set) var recorded: [RecordedMsg] = []
    public private(set) var quitRequested = false
    private var timers = TimerQueue()
    private let performer: any EffectPerformer

    public init(state: State, start: Timestamp, performer: any EffectPerformer) {
        self.state = state
        self.now = start
        self.performer = performer
    }

    public mutating func start() { send(.started(at: now)) }

    /// Folds one message and carries out the effects it returns (and theirs, in order).
    public mutating func send(_ msg: Msg) {
        var queue = [msg]
        while !queue.isEmpty {
            let next = queue.removeFirst()
            messages.append(next)
            recorded.append(RecordedMsg(time: now, msg: next))
            for effect in reduce(&state, next) {
                switch effect {
                case .scrape(let target):
                    queue.append(.scrapeCompleted(performer.scrape(target, at: now)))
                case .schedule(let after, let timer):
                    timers.schedule(timer, at: now + after)
                case .readLogs:
                    for batch in performer.readLogs(at: now) where !batch.lines.isEmpty {
                        queue.append(.logLinesArrived(source: batch.source, lines: batch.lines, at: now))
                    }
                case .reloadConfig:
                    switch performer.reloadConfig() {
                    case .success(let config)?: queue.append(.configReloaded(config, at: now))
                    case .failure(let error)?: queue.append(.configReloadFailed(error.description, at: now))
                    case nil: queue.append(.configReloadFailed("no config file (this is the demo)", at: now))
                    }
                case .runCommand(let request):
                    queue += performer.runCommand(request, at: now)
                case .cancelCommand, .recordDryRun, .copyToClipboard:
                    break
                case .quit:
                    quitRequested = true
                }
            }
        }
    }

    /// Moves virtual time forward, firing every timer that falls due, each at its own time.
    public mutating func advance(by d: Milliseconds) {
        let end = now + d
        while let due = timers.nextDue, due <= end {
            guard let fired = timers.popDue(at: due) else { break }
            now = max(now, fired.due)
            send(.timerFired(fired.timer, at: now))
        }
        now = end
    }
}
