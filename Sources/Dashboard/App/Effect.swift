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
    /// Write the confirmation to the audit log (fsync'd), then run the command through
    /// `/bin/sh -c`; answered with `Msg.commandOutput` and `Msg.commandFinished`. If the audit
    /// log cannot be written the command does not start.
    case runCommand(CommandRequest)
    /// SIGTERM to the command's process group, SIGKILL after the grace period.
    case cancelCommand(runID: String)
    /// Write a dry run to the audit log; nothing is started.
    case recordDryRun(CommandRequest)
    /// Put text on the terminal's clipboard (OSC 52), where the terminal allows it.
    case copyToClipboard(String)
    /// End the session: restore the terminal and exit.
    case quit
}
