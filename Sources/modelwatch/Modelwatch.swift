import ArgumentParser

/// The `modelwatch` command line.
@main
struct Modelwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelwatch",
        abstract: "A terminal dashboard for on-call machine-learning operations.",
        discussion: """
        With no config file found, modelwatch runs its built-in demo: a simulated model fleet \
        with a scripted incident. Config files are looked for at ./modelwatch.yaml and \
        ~/.config/modelwatch/config.yaml (see docs/config.md).
        """,
        version: "0.1.0",
        subcommands: [RunCommand.self, DemoCommand.self, SimulateCommand.self, SnapshotCommand.self, QueryCommand.self, ModelsCommand.self, CheckCommand.self, PromQLTestCommand.self, TestRulesCommand.self, DriftCommand.self, LogsCommand.self, AuditCommand.self, RunbooksCommand.self, RecordingCommand.self, ReplayCommand.self, TimelineCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
