import Alerting
import Dashboard
import DemoFleet
import Foundation
import Incidents
import Models
import Sources
import Telemetry
import TerminalUI

/// Why modelwatch cannot start: a config or theme problem, named with file, line and key.
enum LaunchError: Error, CustomStringConvertible {
    case config(ConfigError)
    case unreadable(path: String, reason: String)
    case themeNotFound(String, searched: [String])

    var description: String {
        switch self {
        case .config(let e): return e.description
        case .unreadable(let path, let reason): return "\(path): \(reason)"
        case .themeNotFound(let name, let searched):
            return "theme '\(name)' not found (looked in \(searched.joined(separator: ", ")))"
        }
    }
}

/// Everything decided before the first frame: mode, targets, theme, banner.
struct Launch {
    var mode: Mode
    var targets: [ScrapeTarget]
    var theme: Theme
    var banner: String?
    var retention: Milliseconds
    var memoryBudget: Int? = AppConfig.defaultMemoryBudget
    var configPath: String?
    /// Rule groups that loaded, and the errors of the files that did not (file:line: rule: message).
    var ruleGroups: [RuleGroup] = []
    var ruleErrors: [String] = []
    /// The config's `model_metrics:` mappings and drift settings (the baseline file read).
    var modelMappings: [MetricMapping] = []
    var driftSettings = DriftSettings()
    /// Log rules that loaded (their errors join `ruleErrors`).
    var logRules: [LogRule] = []
    /// The config's `logs:` section: files to follow and how.
    var logs = LogsConfig()
    /// The runbooks folder as loaded, with what was wrong in it.
    var runbooks = RunbookIndex(directory: ".", runbooks: [])
    var runbookProblems: [RunbookError] = []
    var execution: ExecutionPolicy = .run
    /// Where confirmations and completions are written.
    var auditLogPath: String?
    /// The rule and log-rule files read, for a recording's header.
    var ruleFilePaths: [String] = []
    /// `--record FILE`: where the session is recorded.
    var recordPath: String?
    var logRuleFilePaths: [String] = []

    /// Demo targets: the simulated fleet, scraped every 5 s through the same parser path as HTTP.
    static let demoInterval: Milliseconds = .seconds(5)
    static var demoTargets: [ScrapeTarget] {
        Fleet.targetNames.map { ScrapeTarget(name: $0, url: "demo://\($0)", interval: demoInterval, timeout: .seconds(2)) }
    }

    static func resolve(configPath: String?, forceDemo: Bool, display: DisplayOptions) throws -> Launch {
        let searched = defaultConfigPaths()
        let path = forceDemo ? nil : (configPath ?? searched.first { FileManager.default.fileExists(atPath: $0) })
        var themeName = display.theme
        var launch: Launch
        if let path {
            let text = try readText(path)
            let config: AppConfig
            do { config = try AppConfig.parse(text, file: path) } catch { throw LaunchError.config(error) }
            themeName = themeName ?? config.theme
            launch = Launch(mode: .live, targets: config.targets, theme: .builtinMonochrome, banner: nil,
                            retention: config.retention, memoryBudget: config.memoryBudget, configPath: path)
            launch.modelMappings = config.modelMetrics
            launch.logs = config.logs
            launch.driftSettings = config.drift.settings(baseline: try config.drift.baselineFile.map(loadBaseline))
        } else {
            let banner = forceDemo
                ? "Demo: a simulated fleet with a scripted incident at +1m40s (no network). Press ? for help."
                : "No config found (\(searched.map(abbreviate).joined(separator: ", "))): showing the built-in demo. ? for help."
            launch = Launch(mode: .demo, targets: demoTargets, theme: .builtinMonochrome, banner: banner,
                            retention: .minutes(60), configPath: nil)
            launch.driftSettings = .demo
        }
        launch.theme = try loadTheme(themeName ?? "dark", explicit: themeName != nil, banner: &launch.banner)
        var ruleFiles = display.ruleFiles
        if let path, let text = try? readText(path), let config = try? AppConfig.parse(text, file: path) {
            ruleFiles += config.ruleFiles
        }
        if launch.mode == .demo && ruleFiles.isEmpty {
            // The demo's own alert pack, found like the themes; without it the built-in rules run.
            if let pack = dataDirectories("sample-data/rules").map({ $0 + "/" + demoRulePack })
                .first(where: { FileManager.default.fileExists(atPath: $0) }) {
                ruleFiles = [pack]
            } else {
                launch.banner = (launch.banner.map { $0 + " " } ?? "") + "(\(demoRulePack) not found: built-in health rules)"
            }
        }
        launch.loadRules(ruleFiles)
        launch.ruleFilePaths = ruleFiles
        var logRuleFiles = display.logRuleFiles
        if let path, let text = try? readText(path), let config = try? AppConfig.parse(text, file: path) {
            logRuleFiles += config.logRuleFiles
        }
        if launch.mode == .demo && logRuleFiles.isEmpty,
           let pack = dataDirectories("sample-data/rules").map({ $0 + "/" + demoLogRules })
            .first(where: { FileManager.default.fileExists(atPath: $0) }) {
            logRuleFiles = [pack]
        }
        launch.loadLogRules(logRuleFiles)
        launch.logRuleFilePaths = logRuleFiles
        var config: AppConfig?
        if let path, let text = try? readText(path) { config = try? AppConfig.parse(text, file: path) }
        launch.loadRunbooks(display: display, config: config)
        launch.recordPath = display.record
        if display.monochrome || !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty {
            launch.theme = launch.theme.monochrome()
        }
        return launch
    }

    static func defaultConfigPaths() -> [String] {
        let env = ProcessInfo.processInfo.environment
        var paths = ["modelwatch.yaml"]
        if let xdg = env["XDG_CONFIG_HOME"], !xdg.isEmpty { paths.append(xdg + "/modelwatch/config.yaml") }
        if let home = env["HOME"], !home.isEmpty { paths.append(home + "/.config/modelwatch/config.yaml") }
        return paths
    }

    static func abbreviate(_ path: String) -> String {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty, path.hasPrefix(home + "/") {
            return "~" + path.dropFirst(home.count)
        }
        return path.hasPrefix("/") ? path : "./" + path
    }

    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LaunchError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path)
                                         ? "permission denied" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LaunchError.unreadable(path: path, reason: "not valid UTF-8")
        }
        return text
    }

    /// Finds `themes/NAME.yaml` next to the working directory, the executable's checkout,
    /// or an installed share folder. A missing default theme falls back to monochrome with a
    /// notice; a missing theme the user named is an error.
    static func loadTheme(_ name: String, explicit: Bool, banner: inout String?) throws -> Theme {
        let candidates: [String]
        if name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            candidates = [name]
        } else {
            candidates = themeDirectories().map { "\($0)/\(name).yaml" }
        }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            if explicit { throw LaunchError.themeNotFound(name, searched: candidates) }
            banner = (banner.map { $0 + " " } ?? "") + "(theme '\(name)' not found: monochrome)"
            return .builtinMonochrome
        }
        do { return try ThemeParser.parse(try readText(path), file: path) } catch let e as ConfigError {
            throw LaunchError.config(e)
        }
    }

    /// The rule file the demo loads when no `--rules` is given.
    static let demoRulePack = "model-health.yaml"
    /// The log-rule file the demo loads when no `--log-rules` is given.
    static let demoLogRules = "log-rules.yaml"

    static func themeDirectories() -> [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["MODELWATCH_THEMES"], !env.isEmpty { dirs.append(env) }
        return dirs + dataDirectories("themes")
    }

    /// Where a data folder shipped with modelwatch (`themes`, `sample-data/rules`) can be: under
    /// the working directory, the checkout the executable was built in, or a share folder.
    static func dataDirectories(_ folder: String) -> [String] {
        var dirs = [folder]  // relative, so that messages name it as the user sees it
        // Walk up from the executable: .build/<triple>/debug/modelwatch lives 3 levels under the checkout.
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            var dir = exe.deletingLastPathComponent()
            for _ in 0..<5 {
                dirs.append(dir.appendingPathComponent(folder).path)
                dirs.append(dir.appendingPathComponent("share/modelwatch/" + folder).path)
                dir = dir.deletingLastPathComponent()
            }
        }
        dirs.append("/usr/local/share/modelwatch/" + folder)
        dirs.append("/usr/share/modelwatch/" + folder)
        var seen = Set<String>()
        return dirs.filter { seen.insert($0).inserted }
    }

    /// The runbooks folder, the audit log and whether commands run: flags over the config over
    /// the defaults. The demo is a dry run unless `--run-commands` says otherwise: its runbooks'
    /// kubectl commands must never reach whatever cluster the machine is logged in to.
    mutating func loadRunbooks(display: DisplayOptions, config: AppConfig?) {
        var directory = display.runbooks ?? config?.runbooks
        if directory == nil, mode == .demo {
            directory = Launch.dataDirectories("sample-data/runbooks").first { FileManager.default.fileExists(atPath: $0) }
        }
        if let directory {
            let folder = RunbookLoader.load(directory: directory)
            runbooks = folder.index
            runbookProblems = folder.problems
            if !runbookProblems.isEmpty {
                banner = (banner.map { $0 + " · " } ?? "")
                    + "runbooks: \(runbookProblems[0])" + (runbookProblems.count > 1 ? " (+\(runbookProblems.count - 1) more)" : "")
            }
        }
        auditLogPath = display.auditLog ?? config?.auditLog ?? Launch.defaultAuditLogPath()
        if display.readOnly {
            execution = .readOnly
        } else if display.dryRun {
            execution = .dryRun(reason: "--dry-run")
        } else if display.runCommands {
            execution = .run
        } else if mode == .demo {
            execution = .dryRun(reason: "demo (--run-commands lets them run)")
        } else {
            switch config?.commands ?? .run {
            case .run: execution = .run
            case .dryRun: execution = .dryRun(reason: "commands: dry-run in the config")
            case .readOnly: execution = .readOnly
            }
        }
    }

    /// `$XDG_STATE_HOME/modelwatch/audit.jsonl`, else `~/.local/state/modelwatch/audit.jsonl`.
    static func defaultAuditLogPath() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let state = env["XDG_STATE_HOME"], !state.isEmpty { return state + "/modelwatch/audit.jsonl" }
        if let home = env["HOME"], !home.isEmpty { return home + "/.local/state/modelwatch/audit.jsonl" }
        return nil
    }

    /// Loads every rule file; a bad one is reported (file, line, rule) and the others still load.
    mutating func loadRules(_ files: [String]) {
        loadRules(texts: files.map { file in (file, Result { try Launch.readText(file) }) })
    }

    /// Rule files given as their text (a recording's header holds them so).
    mutating func loadRules(texts: [(file: String, text: Result<String, any Error>)]) {
        for (file, read) in texts {
            let text: String
            switch read {
            case .success(let t): text = t
            case .failure(let error): ruleErrors.append("\(error)"); continue
            }
            switch RuleLoader.load(text: text, file: file) {
            case .success(let groups): ruleGroups += groups
            case .failure(let errors): ruleErrors += errors.errors.map(\.description)
            }
        }
        if let first = ruleErrors.first {
            let more = ruleErrors.count > 1 ? " (+\(ruleErrors.count - 1) more)" : ""
            banner = (banner.map { $0 + " · " } ?? "") + "rule file error: \(first)\(more)"
        }
    }

    /// A pinned drift baseline: an exposition file whose histograms are the reference counts.
    static func loadBaseline(_ path: String) throws -> DriftBaseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LaunchError.unreadable(path: path, reason: "drift baseline: cannot read the file")
        }
        let bytes = [UInt8](data)
        let format = ExpositionFormat.detect(bytes)
        do {
            return DriftBaseline(name: path, families: try Exposition.parse(bytes, format: format))
        } catch {
            if format == .openMetrics, let families = try? Exposition.parse(bytes, format: .text004) {
                return DriftBaseline(name: path, families: families)
            }
            throw LaunchError.unreadable(path: "\(path):\(error.line):\(error.column)", reason: "drift baseline: \(error.message)")
        }
    }

    /// Who acknowledges and silences: `$MODELWATCH_USER`, else `$USER`, else "operator".
    static func operatorName() -> String {
        let env = ProcessInfo.processInfo.environment
        for key in ["MODELWATCH_USER", "USER", "LOGNAME"] {
            if let value = env[key], !value.isEmpty { return String(Sanitizer.visible(value).prefix(32)) }
        }
        return "operator"
    }

    /// Loads every log-rule file; a bad one is reported (file, line, column) and the others load.
    mutating func loadLogRules(_ files: [String]) {
        loadLogRules(texts: files.map { file in (file, Result { try Launch.readText(file) }) })
    }

    mutating func loadLogRules(texts: [(file: String, text: Result<String, any Error>)]) {
        var names = Set<String>()
        for (file, read) in texts {
            do {
                let rules = try LogRuleFile.parse(try read.get(), file: file)
                for rule in rules where !names.insert(rule.alert).inserted {
                    ruleErrors.append("\(file):\(rule.line): log rule '\(rule.alert)' is defined twice")
                }
                logRules += rules.filter { rule in !logRules.contains { $0.alert == rule.alert } }
            } catch let error as ConfigError {
                ruleErrors.append(error.description)
            } catch {
                ruleErrors.append("\(error)")
            }
        }
        if !logRules.isEmpty, case .failure(let error) = LogRuleFile.ruleGroup(logRules) {
            ruleErrors.append(error.description)
            logRules = []
        }
    }

    func makeState(size: Size) -> State {
        var state = State(mode: mode, targets: targets, retention: retention, memoryBudget: memoryBudget,
                          logCapacity: logs.buffer, hasLogSources: mode == .demo || !logs.files.isEmpty,
                          banner: banner, size: size)
        state.customLogFormats = logs.formats
        state.ruleGroups = ruleGroups.map { RuleGroupEvaluator(group: $0) }
        if !logRules.isEmpty, case .success(let group) = LogRuleFile.ruleGroup(logRules) {
            state.logRules = logRules
            state.logRuleGroup = state.ruleGroups.count
            state.ruleGroups.append(RuleGroupEvaluator(group: group))
        }
        if mode == .demo {
            for target in targets { state.logSourceJobs[Fleet.logSource(for: target.name)] = target.name }
        }
        state.operatorName = Launch.operatorName()
        state.modelMappings = modelMappings
        state.driftSettings = driftSettings
        state.ruleErrors = ruleErrors
        state.runbooks = runbooks
        state.runbookProblems = runbookProblems
        state.execution = execution
        state.auditLogPath = auditLogPath.map(Launch.abbreviate)
        return state
    }
}
