import ArgumentParser
import Dashboard
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

    func run() throws {
        try TerminalSession.launch(configPath: nil, forceDemo: true, display: display, mouse: !noMouse)
    }
}
