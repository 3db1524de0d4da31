import ArgumentParser
import Dashboard
import Telemetry
import Foundation

/// `modelwatch [--config FILE]`: the live dashboard, or the demo when no config is found.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the dashboard: live with a config file, the built-in demo without one."
    )

    @Option(name: .shortAndLong, help: "Config file (YAML). Without it, modelwatch looks in the usual places, then runs the demo.")
    var config: String?

    @OptionGroup var display: DisplayOptions

    @Flag(help: "Do not capture the mouse (keeps the terminal's own text selection).")
    var noMouse = false

    func run() throws {
        try TerminalSession.launch(configPath: config, forceDemo: false, display: display, mouse: !noMouse)
    }
}

/// `modelwatch demo`: the built-in demo, whatever config exists.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the dashboard on the built-in simulated fleet (no config, no network)."
    )

    @OptionGroup var display: DisplayOptions

    @Flag(help: "Do not capture the mouse.")
    var noMouse = false

    @Option(help: "Start this far into the demo's script, e.g. 1m30s (the incident begins at 1m40s; it repeats every 10m).")
    var skip: String?

    /// A skip is simulated at once before the first frame; an hour is six turns of the script.
    static let maximumSkip: Milliseconds = .minutes(60)

    func skipDuration() throws -> Milliseconds {
        guard let skip else { return Milliseconds(0) }
        guard let d = skip == "0" ? Milliseconds(0) : AppConfig.parseDuration(skip) else {
            throw ValidationError("--skip '\(skip)' is not a duration like 1m30s")
        }
        guard d.value <= DemoCommand.maximumSkip.value else { throw ValidationError("--skip is at most 60m (the script repeats every 10m)") }
        return d
    }

    func validate() throws { _ = try skipDuration() }

    func run() throws {
        let skipped = try skipDuration()
        try TerminalSession.launch(configPath: nil, forceDemo: true, display: display, mouse: !noMouse, skip: skipped)
    }
}
