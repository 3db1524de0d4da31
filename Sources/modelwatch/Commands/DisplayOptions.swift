import ArgumentParser
import Dashboard
import Telemetry

/// Where a headless command's data comes from: the demo on virtual time, or a config's
/// targets scraped for real. Shared by `snapshot` and `query`.
struct SessionOptions: ParsableArguments {
    @Flag(help: "Use the built-in demo fleet (default without --config).")
    var demo = false

    @Option(name: .shortAndLong, help: "Config file (YAML) with live targets.")
    var config: String?

    func validate() throws {
        if demo && config != nil { throw ValidationError("--demo and --config exclude each other") }
    }

    /// `--at` read as a duration (`0` and `0s` included), or a validation error naming it.
    static func duration(at: String) throws -> Milliseconds {
        if at == "0" || at == "0s" { return Milliseconds(0) }
        guard let d = AppConfig.parseDuration(at) else { throw ValidationError("--at '\(at)' is not a duration like 90s") }
        return d
    }
}

/// Options shared by the commands that draw screens.
struct DisplayOptions: ParsableArguments {
    @Option(help: "Theme name (from themes/) or path to a theme file.")
    var theme: String?

    @Flag(help: "Draw without colors (also when NO_COLOR is set).")
    var monochrome = false

    @Option(name: .customLong("rules"), help: "A Prometheus rule file to evaluate (repeatable; also `rule_files:` in the config).")
    var ruleFiles: [String] = []

    @Option(name: .customLong("log-rules"), help: "A log-rule file (repeatable; also `log_rule_files:` in the config).")
    var logRuleFiles: [String] = []

    @Option(help: "The runbooks folder (also `runbooks:` in the config; the demo uses sample-data/runbooks).")
    var runbooks: String?

    @Option(name: .customLong("audit-log"), help: "Where confirmed commands are recorded, as JSON lines (default ~/.local/state/modelwatch/audit.jsonl).")
    var auditLog: String?

    @Flag(name: .customLong("dry-run"), help: "Confirmed commands are shown and audited, never run.")
    var dryRun = false

    @Flag(name: .customLong("read-only"), help: "Commands cannot be confirmed at all.")
    var readOnly = false

    @Option(help: "Record the session to this file (a new file; read it with `modelwatch replay FILE`).")
    var record: String?

    @Flag(name: .customLong("run-commands"), help: "In the demo, let confirmed commands really run (the demo is a dry run by default).")
    var runCommands = false

    func validate() throws {
        if dryRun && readOnly { throw ValidationError("--dry-run and --read-only exclude each other") }
        if runCommands && (dryRun || readOnly) { throw ValidationError("--run-commands excludes --dry-run and --read-only") }
    }
}
