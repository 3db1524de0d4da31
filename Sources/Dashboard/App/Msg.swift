import Telemetry
import TerminalUI

/// Facts that happened, in the past tense. Every change to `State` starts from one of these,
/// and a recording is the stream of them.
public enum Msg: Hashable, Sendable {
    /// The app started at this time (first message of every session).
    case started(at: Timestamp)
    /// A session fast-forwarded on virtual time (`demo --skip`) goes on in real time from here:
    /// timers start again, history and start time stay.
    case resumed(at: Timestamp)
    /// A timer that `reduce` asked for with `Effect.schedule` went off.
    case timerFired(Timer, at: Timestamp)
    /// A scrape of a target finished, with samples or a failure.
    case scrapeCompleted(ScrapeResult)
    /// New raw log lines were read from a source.
    /// `cut`: the indexes of lines the follower cut at its length limit (marked on their entries).
    case logLinesArrived(source: String, lines: [String], at: Timestamp, cut: [Int] = [])
    /// A followed log file changed state (following, waiting for it to appear, permission
    /// denied, not a regular file...).
    case logSourceStatus(path: String, status: String, at: Timestamp)
    /// Lines a running command printed (stdout and stderr, merged).
    case commandOutput(runID: String, lines: [String], at: Timestamp)
    /// A command ended (or never started), after `duration`; `auditProblem` says if its
    /// completion could not be written to the audit log.
    case commandFinished(runID: String, ending: CommandEnding, duration: Duration, auditProblem: String?, at: Timestamp)
    case keyPressed(Key)
    case mouse(MouseEvent)
    case resized(Size)
    /// The config file was read again (SIGHUP or `R`): targets change, history stays.
    case configReloaded(AppConfig, at: Timestamp)
    /// Reading the config again failed; the running config stays in force.
    case configReloadFailed(String, at: Timestamp)
}

/// The timers the app schedules.
public enum Timer: Hashable, Sendable {
    /// Once a second: advances the clock shown in the header.
    case tick
    /// A target is due for its next scrape. `generation` tells a chain of timers from the one
    /// a config reload replaced it with.
    case scrapeDue(target: String, generation: Int = 0)
    /// Time to read new log lines from the sources that have them.
    case collectLogs
    /// A rule group's evaluation interval came round (its index in `State.ruleGroups`).
    case evaluateRules(group: Int)
    /// Time to compute drift of the watched histograms.
    case evaluateDrift
}
