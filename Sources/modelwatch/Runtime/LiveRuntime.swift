import Dashboard
import Foundation
import Sources
import Telemetry

/// The app loop on the system clock: folds messages through `reduce` and performs the
/// effects it returns. Scrapes run concurrently and come back through the inbox, so a slow
/// target never holds up the screen or the other targets.
final class LiveRuntime {
    private(set) var state: State
    private var timers = TimerQueue()
    private let inbox = Inbox()
    private let clock: SystemClock
    private let scraper: Scraper
    private let demo: DemoSource?
    private let demoStart: Timestamp
    /// The config file to read again on SIGHUP or `R`; nil in the demo.
    private let configPath: String?
    private(set) var quitRequested = false
    /// Set whenever the state changed since the last frame was drawn.
    var needsRender = true

    /// Whether `state` comes from a fast-forward and goes on, rather than starting.
    private let resuming: Bool
    /// Follows the config's log files on its own thread; its batches come back through the inbox.
    private var logFollower: LogFollowerThread?
    /// Runs confirmed commands and writes the audit log.
    private let commands: CommandExecutor
    /// Puts text on the terminal's clipboard (OSC 52); set by the terminal session.
    var copyToClipboard: ((String) -> Void)?
    /// Writes every message folded, when the session is recorded.
    var recorder: SessionRecorder?
    private var reportedRecordingFailure = false

    /// `demoStart` is when the demo's script began (earlier than now after `demo --skip`);
    /// `resuming` says the state already ran up to now on virtual time.
    init(state: State, clock: SystemClock, scraper: Scraper, demo: DemoSource?, configPath: String? = nil,
         demoStart: Timestamp? = nil, resuming: Bool = false, auditLogPath: String? = nil) {
        self.commands = CommandExecutor(auditPath: auditLogPath, inbox: inbox, clock: clock)
        self.configPath = configPath
        self.state = state
        self.clock = clock
        self.scraper = scraper
        self.demo = demo
        self.demoStart = demoStart ?? clock.now()
        self.resuming = resuming
    }

    func start() {
        send(resuming ? .resumed(at: clock.now()) : .started(at: clock.now()))
    }

    /// Starts following `files` (paths and globs); lines and status changes arrive as messages.
    func followLogs(_ files: [String], start: LogStartPosition) {
        guard !files.isEmpty, logFollower == nil else { return }
        let inbox = self.inbox, clock = self.clock
        var options = LogFollowOptions()
        options.start = start
        let follower = LogFollowerThread(patterns: files, options: options) { batches in
            let now = clock.now()
            for batch in batches {
                for notice in batch.notices {
                    if case .statusChanged(let status) = notice {
                        inbox.post(.logSourceStatus(path: batch.path, status: status.description, at: now))
                    }
                }
                if !batch.lines.isEmpty {
                    let cut = batch.lines.indices.filter { batch.lines[$0].cut }
                    inbox.post(.logLinesArrived(source: batch.path, lines: batch.lines.map(\.text), at: now, cut: cut))
                }
            }
        }
        follower.start()
        logFollower = follower
    }

    deinit { logFollower?.stop() }

    func send(_ msg: Msg) {
        let at = clock.now()
        let effects = reduce(&state, msg)
        if let recorder {
            recorder.record(msg, at: max(at, state.now))
            if let failure = recorder.failure, !reportedRecordingFailure {
                reportedRecordingFailure = true
                state.notice = "recording stopped: \(failure) (the session goes on)"
                state.noticeUntil = state.now + .seconds(60)
            }
        }
        needsRender = true
        for effect in effects { perform(effect) }
    }

    /// Reads the config file again and folds in the outcome. The terminal and the store stay.
    func reloadConfig() {
        let now = clock.now()
        guard let configPath else {
            send(.configReloadFailed("no config file (this is the demo)", at: now))
            return
        }
        do {
            let text = try Launch.readText(configPath)
            send(.configReloaded(try AppConfig.parse(text, file: configPath), at: now))
        } catch let error as ConfigError {
            send(.configReloadFailed(error.description, at: now))
        } catch {
            send(.configReloadFailed("\(error)", at: now))
        }
    }

    /// Fires due timers and folds in finished scrapes.
    func pump() {
        let now = clock.now()
        while let fired = timers.popDue(at: now) { send(.timerFired(fired.timer, at: now)) }
        for msg in inbox.drain() { send(msg) }
    }

    /// Milliseconds until the next timer, capped so that finished scrapes are seen promptly.
    func waitBudget(cap: Int64 = 200) -> Int {
        guard let due = timers.nextDue else { return Int(cap) }
        return Int(max(0, min(cap, (due - clock.now()).value)))
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .scrape(let target):
            let start = clock.now()
            if let demo { demo.advance(to: start - demoStart) }
            let scraper = self.scraper, inbox = self.inbox
            Task.detached {
                let result = await scraper.scrape(target, at: start)
                inbox.post(.scrapeCompleted(result))
            }
        case .schedule(let after, let timer):
            timers.schedule(timer, at: clock.now() + after)
        case .readLogs:
            guard let demo else { return }
            let now = clock.now()
            demo.advance(to: now - demoStart)
            var bySource: [String: [String]] = [:]
            var order: [String] = []
            for line in demo.drainLogLines() {
                if bySource[line.source] == nil { order.append(line.source) }
                bySource[line.source, default: []].append(line.text)
            }
            for source in order { send(.logLinesArrived(source: source, lines: bySource[source]!, at: now)) }
        case .reloadConfig:
            reloadConfig()
        case .runCommand(let request):
            commands.run(request)
        case .cancelCommand(let runID):
            commands.cancel(runID: runID)
        case .recordDryRun(let request):
            commands.recordDryRun(request)
        case .copyToClipboard(let text):
            copyToClipboard?(text)
        case .quit:
            quitRequested = true
        }
    }
}
