import Telemetry

/// Imperatives, as data, for the run loop to carry out. `reduce` never performs I/O itself.
public enum Effect: Hashable, Sendable {
    /// Read the target once; the run loop answers with `Msg.scrapeCompleted`.
    case scrape(ScrapeTarget)
    /// Deliver `Msg.timerFired(timer, at:)` after the given delay.
    case schedule(after: Milliseconds, Timer)
    /// Read new log lines from every log source; answered with `Msg.logLinesArrived`.
    case readLogs
    /// Read the config file again; answered with `Msg.configReloaded` or `.configReloadFailed`.
    case reloadConfig
    /// End the session: restore the terminal and exit.
    case quit
}
