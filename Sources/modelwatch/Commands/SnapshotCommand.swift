import ArgumentParser
import Dashboard
import Foundation
import Models
import Sources
import Telemetry
import TerminalUI

/// `modelwatch snapshot`: one frame, rendered headless to stdout as plain text.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Render one frame to stdout as plain text, without a terminal.",
        discussion: """
        With --demo (the default when no --config is given), time is virtual: --at 90s folds \
        90 seconds of the simulated fleet through the app instantly and deterministically. \
        With --config, modelwatch scrapes the real targets for --at of wall-clock time \
        (0: one round of scrapes) and then renders.
        """
    )

    @OptionGroup var session: SessionOptions

    @Option(help: "How far into the session to render, e.g. 90s, 2m30s.")
    var at: String = "0s"

    @Option(help: "Screen size as WIDTHxHEIGHT.")
    var size: String = "120x40"

    @Option(help: "overview, alerts, logs, targets, model:NAME, or help.")
    var screen: String = "overview"

    @Flag(help: "Append the style runs after the text (the snapshot test format).")
    var styles = false

    @OptionGroup var display: DisplayOptions

    func validate() throws {
        _ = try SessionOptions.duration(at: at)
        guard parseSize(size) != nil else { throw ValidationError("--size '\(size)' is not WIDTHxHEIGHT") }
    }

    func parseSize(_ text: String) -> Size? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 1000, h <= 1000 else { return nil }
        return Size(width: w, height: h)
    }

    func run() throws {
        let size = parseSize(size)!
        let duration = try SessionOptions.duration(at: at)
        let launch: Launch
        do {
            launch = try Launch.resolve(configPath: session.config, forceDemo: session.config == nil, display: display)
        } catch let error as LaunchError {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var state = HeadlessSession.run(launch, size: size, duration: duration)
        state.banner = nil
        guard select(screen, in: &state) else {
            let names = state.modelsWorstFirst.map(\.key.name).joined(separator: ", ")
            FileHandle.standardError.write(Data("modelwatch: unknown screen '\(screen)' (overview, alerts, logs, targets, help, model:NAME with NAME one of: \(names))\n".utf8))
            throw ExitCode(2)
        }
        _ = reduce(&state, .resized(size))
        let buffer = View.render(state, theme: launch.theme)
        print(styles ? PlainTextRenderer.snapshot(buffer) : PlainTextRenderer.text(buffer))
    }

    func select(_ screen: String, in state: inout State) -> Bool {
        switch screen {
        case "overview": state.ui.screen = .overview
        case "alerts": state.ui.screen = .alerts
        case "targets": state.ui.screen = .targets
        case "logs": state.ui.screen = .logs
        case "help": state.ui.showHelp = true
        default:
            guard screen.hasPrefix("model:") else { return false }
            let name = String(screen.dropFirst("model:".count))
            guard let model = state.models.keys.first(where: { $0.name == name || $0.description == name }) else { return false }
            state.ui.screen = .model(model)
        }
        return true
    }
}
