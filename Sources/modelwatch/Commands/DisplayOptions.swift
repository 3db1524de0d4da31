import ArgumentParser

/// Options shared by the commands that draw screens.
struct DisplayOptions: ParsableArguments {
    @Option(help: "Theme name (from themes/) or path to a theme file.")
    var theme: String?

    @Flag(help: "Draw without colors (also when NO_COLOR is set).")
    var monochrome = false

    @Option(name: .customLong("rules"), help: "A Prometheus rule file to evaluate (repeatable; also `rule_files:` in the config).")
    var ruleFiles: [String] = []
}
