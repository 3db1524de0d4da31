import Alerting
import Foundation
import Incidents
import PromQL
import Yams

/// One thing `runbooks lint` found, at `file:line:column` (line 0: no place in the file).
public struct RunbookLintFinding: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// The runbooks folder or a runbook could not be loaded (the loader's or parser's error).
        case loadProblem
        /// A rule file could not be read or parsed.
        case ruleFileProblem
        /// An alert rule that neither a `runbook_url` nor any runbook's `alerts:` matchers cover.
        case alertWithoutRunbook
        /// A command names `{{ $labels.X }}` that an alert it serves cannot have.
        case impossibleLabel
        /// A command names `{{ $annotations.X }}` that an alert it serves does not define.
        case undefinedAnnotation
        /// A fenced `sh` block without a kind: shown, never run.
        case shellBlockWithoutKind
        /// A local Markdown link to a file that does not exist.
        case brokenLink
    }
    public var file: String
    public var line: Int
    public var column: Int
    public var kind: Kind
    public var message: String

    public init(file: String, line: Int, column: Int, kind: Kind, message: String) {
        self.file = file; self.line = line; self.column = column; self.kind = kind; self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)" }
}

/// An alerting rule as lint sees it: where it is, what labels and annotations it sets, and the
/// labels its expression can give its alerts.
public struct LintedAlertRule: Sendable {
    public var name: String
    public var file: String
    public var line: Int
    public var column: Int
    /// The directory `runbook_url` paths are relative to (the rule file's).
    public var ruleDirectory: String
    /// `labels:` whose value is plain text, plus `alertname`.
    public var staticLabels: [String: String]
    /// `labels:` whose value is a template: present on every alert, value unknown.
    public var templatedLabels: Set<String>
    /// `annotations:` as written (templates unexpanded).
    public var annotations: [String: String]
    /// Every label the rule's alerts can carry: the expression's, the rule's, `alertname`.
    public var possibleLabels: InferredLabels

    public init(name: String, file: String, line: Int, column: Int, ruleDirectory: String, staticLabels: [String: String],
                templatedLabels: Set<String> = [], annotations: [String: String], possibleLabels: InferredLabels) {
        self.name = name; self.file = file; self.line = line; self.column = column; self.ruleDirectory = ruleDirectory
        self.staticLabels = staticLabels; self.templatedLabels = templatedLabels; self.annotations = annotations
        self.possibleLabels = possibleLabels
    }

    /// Where the rule is, for messages.
    public var place: String { line > 0 ? "\(file):\(line)" : file }

    /// The built-in health rules (Sources/Dashboard/Health/HealthEvaluator.swift), which run when
    /// no rule file is loaded: their alerts carry `alertname`, `severity`, `job` and, but for
    /// TargetDown, `model`; no annotations.
    public static let builtinHealthRules: [LintedAlertRule] = [
        ("TargetDown", "critical", ["alertname", "severity", "job"]),
        ("HighErrorRate", "critical", ["alertname", "severity", "job", "model"]),
        ("ElevatedErrorRate", "warning", ["alertname", "severity", "job", "model"]),
        ("LatencyRegression", "warning", ["alertname", "severity", "job", "model"]),
    ].map { name, severity, labels in
        LintedAlertRule(name: name, file: "built-in health rule \(name)", line: 0, column: 0, ruleDirectory: ".",
                        staticLabels: ["alertname": name, "severity": severity], annotations: [:],
                        possibleLabels: .atMost(Set(labels)))
    }
}

/// A rule file read for lint: a Prometheus rule file (`groups:`) or a log-rule file
/// (`log_rules:`, turned into its generated rule group), told apart by content.
public struct LintedRuleFile: Sendable {
    public enum Kind: String, Sendable { case prometheus, logRules }
    public var file: String
    public var kind: Kind
    public var groups: [RuleGroup]
    /// The file's text, to place rules at the column of their `alert:` key.
    public var text: String

    /// Why a rule file cannot be used, as findings (one per error the loader found).
    public struct Problems: Error, Sendable { public var findings: [RunbookLintFinding] }

    /// Reads a rule file's text. Errors are findings at the file's line and column.
    public static func read(text: String, file: String) -> Result<LintedRuleFile, LintedRuleFile.Problems> {
        func problem(_ line: Int, _ column: Int, _ message: String) -> Result<LintedRuleFile, LintedRuleFile.Problems> {
            .failure(Problems(findings: [RunbookLintFinding(file: file, line: line, column: column, kind: .ruleFileProblem, message: message)]))
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            var line = 1, column = 1
            if let y = error as? YamlError {
                switch y {
                case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                    line = mark.line; column = mark.column
                default: break
                }
            }
            return problem(line, column, "not YAML: \(error)")
        }
        let keys = Set(root?.mapping?.keys.compactMap(\.string) ?? [])
        if keys.contains("log_rules") {
            do {
                let rules = try LogRuleFile.parse(text, file: file)
                if rules.isEmpty { return .success(LintedRuleFile(file: file, kind: .logRules, groups: [], text: text)) }
                switch LogRuleFile.ruleGroup(rules) {
                case .success(let group): return .success(LintedRuleFile(file: file, kind: .logRules, groups: [group], text: text))
                case .failure(let e): return problem(e.line, e.column, e.message)
                }
            } catch {
                return problem(error.line, error.column, (error.keyPath.isEmpty ? "" : "\(error.keyPath): ") + error.message)
            }
        }
        if keys.contains("groups") {
            switch RuleLoader.load(text: text, file: file) {
            case .success(let groups): return .success(LintedRuleFile(file: file, kind: .prometheus, groups: groups, text: text))
            case .failure(let errors):
                return .failure(Problems(findings: errors.errors.map {
                    RunbookLintFinding(file: file, line: $0.line, column: 1, kind: .ruleFileProblem,
                                       message: ($0.rule.map { "rule \"\($0)\": " } ?? "") + $0.message)
                }))
            }
        }
        return problem(1, 1, "neither a Prometheus rule file (a mapping with `groups:`) nor a log-rule file (with `log_rules:`)")
    }

    /// The alerting rules of `files`, their labels inferred with the recording rules of all of them.
    public static func alertRules(of files: [LintedRuleFile]) -> [LintedAlertRule] {
        let inference = AlertLabelInference(recordingRules: files.flatMap { $0.groups.flatMap(\.rules) }.filter { $0.kind == .recording })
        var out: [LintedAlertRule] = []
        for file in files {
            let lines = file.text.split(separator: "\n", omittingEmptySubsequences: false)
            let directory = (file.file as NSString).deletingLastPathComponent
            for group in file.groups {
                for rule in group.rules where rule.kind == .alerting {
                    var staticLabels = ["alertname": rule.name]
                    var templated = Set<String>()
                    for (name, template) in rule.labels {
                        if template.source.contains("{{") { templated.insert(name) } else { staticLabels[name] = template.source }
                    }
                    // A rule's labels override the expression's; `alertname` is always set.
                    let possible = inference.labels(of: rule.expr).adding(rule.labels.map(\.name)).adding(["alertname"])
                    var column = 1
                    if rule.line >= 1, rule.line <= lines.count, let r = lines[rule.line - 1].range(of: "alert") {
                        column = lines[rule.line - 1].distance(from: lines[rule.line - 1].startIndex, to: r.lowerBound) + 1
                    }
                    out.append(LintedAlertRule(name: rule.name, file: file.file, line: rule.line, column: column,
                                               ruleDirectory: directory.isEmpty ? "." : directory, staticLabels: staticLabels,
                                               templatedLabels: templated,
                                               annotations: Dictionary(rule.annotations.map { ($0.name, $0.template.source) }, uniquingKeysWith: { a, _ in a }),
                                               possibleLabels: possible))
                }
            }
        }
        return out
    }
}

/// Checks a runbooks folder against the alert rules it serves. Pure but for `fileExists`, which
/// the caller gives (the CLI checks the file system; tests give a set).
///
/// Findings: every load problem; every alert rule without a runbook (neither a `runbook_url`
/// that resolves to a loaded runbook nor a runbook whose `alerts:` matchers select the labels the
/// rule is known to set); every command parameter `{{ $labels.X }}` that an alert it serves cannot
/// have (by `AlertLabelInference`; when the labels cannot be inferred nothing is said) and every
/// `{{ $annotations.X }}` the rule does not define; every `sh` block without a kind; every local
/// Markdown link to a missing file. A runbook no rule selects is not a finding.
public enum RunbookLint {
    public static func lint(runbooks index: RunbookIndex, problems: [RunbookError], rules: [LintedAlertRule],
                            fileExists: (String) -> Bool) -> [RunbookLintFinding] {
        var findings = problems.map {
            RunbookLintFinding(file: $0.file, line: $0.line, column: $0.column, kind: .loadProblem, message: $0.message)
        }
        // Which runbook each rule gets, as the dashboard would choose it.
        var served: [String: [LintedAlertRule]] = [:]   // runbook file → rules
        for rule in rules {
            let link = link(for: rule, in: index)
            // Without runbook_url, a runbook whose matchers depend on labels the expression sets
            // (`model: fraud-detector`) is chosen for some of the rule's alerts, if it comes
            // before the one that matches them all: it serves the rule too.
            let partial = rule.annotations["runbook_url"] == nil ? partialMatches(rule, in: index) : []
            switch link {
            case .linked(let r, _):
                served[r.file, default: []].append(rule)
            case .matched(let r):
                for p in partial where p.runbook.file < r.file { served[p.runbook.file, default: []].append(rule) }
                served[r.file, default: []].append(rule)
            case .external: break
            case .none(let reason):
                for p in partial { served[p.runbook.file, default: []].append(rule) }
                var message = "alert \(rule.name) has no runbook: " + (reason.hasPrefix("no runbook: ") ? String(reason.dropFirst(12)) : reason)
                if !partial.isEmpty {
                    message += "; " + partial.map {
                        "\($0.runbook.file) selects it only when \($0.matcher) holds for \($0.labels.joined(separator: ", ")), which the rule does not set itself"
                    }.joined(separator: "; ")
                }
                findings.append(RunbookLintFinding(file: rule.file, line: rule.line, column: rule.column, kind: .alertWithoutRunbook, message: message))
            }
        }
        for runbook in index.runbooks {
            let lines = runbook.text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
            if let rulesServed = served[runbook.file] {
                findings += parameterFindings(runbook, lines: lines, rules: rulesServed)
            }
            for line in runbook.shellBlocksWithoutKind {
                let column = line <= lines.count ? lines[line - 1].prefix { $0 == " " || $0 == "\t" }.count + 1 : 1
                findings.append(RunbookLintFinding(file: runbook.file, line: line, column: column, kind: .shellBlockWithoutKind,
                                                   message: "`sh` block without a kind is shown but never run: write `sh diagnose`, `sh mitigate` or `sh rollback` (or tag an example `text`)"))
            }
            findings += brokenLinks(runbook, lines: lines, fileExists: fileExists)
        }
        return sorted(findings)
    }

    /// Findings without a place first, then by file, line and column (stable otherwise).
    public static func sorted(_ findings: [RunbookLintFinding]) -> [RunbookLintFinding] {
        findings.enumerated().sorted { a, b in
            let x = a.element, y = b.element
            if (x.line == 0) != (y.line == 0) { return x.line == 0 }
            if x.file != y.file { return x.file < y.file }
            if x.line != y.line { return x.line < y.line }
            if x.column != y.column { return x.column < y.column }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The runbook the dashboard would open for the rule's alerts, from what lint knows: the
    /// rule's static labels and its `runbook_url` (a templated one expanded with those labels).
    public static func link(for rule: LintedAlertRule, in index: RunbookIndex) -> RunbookIndex.Link {
        var annotations: [String: String] = [:]
        if let url = rule.annotations["runbook_url"] {
            if url.contains("{{") {
                guard let template = try? Template(url),
                      let expanded = try? template.expand(TemplateData(labels: rule.staticLabels, value: 0)) else {
                    return .none(reason: "its runbook_url template \(url) cannot be expanded with the rule's own labels")
                }
                annotations["runbook_url"] = expanded
            } else {
                annotations["runbook_url"] = url
            }
        }
        return index.runbook(labels: rule.staticLabels, annotations: annotations, ruleDirectory: rule.ruleDirectory)
    }

    /// A runbook matcher that selects some of a rule's alerts, depending on labels only the
    /// expression (or a templated rule label) sets.
    struct PartialMatch { var runbook: Runbook; var matcher: AlertMatcher; var labels: [String] }

    /// Runbooks whose matchers would select some of the rule's alerts, depending on labels the
    /// expression sets (which lint cannot know the values of); one entry per runbook.
    static func partialMatches(_ rule: LintedAlertRule, in index: RunbookIndex) -> [PartialMatch] {
        var out: [PartialMatch] = []
        for runbook in index.runbooks {
            for matcher in runbook.matchers {
                var depends: [String] = []
                var possible = true
                for (index, condition) in matcher.conditions.enumerated() {
                    let label = condition.label
                    if let value = rule.staticLabels[label] {
                        if !matcher.holds(index, for: value) { possible = false; break }
                    } else if rule.templatedLabels.contains(label) || rule.possibleLabels.mayHave(label) {
                        depends.append(label)
                    } else if !matcher.holds(index, for: "") {
                        possible = false; break
                    }
                }
                if possible, !depends.isEmpty {
                    out.append(PartialMatch(runbook: runbook, matcher: matcher, labels: depends))
                    break
                }
            }
        }
        return out
    }

    // MARK: - Parameters

    static func parameterFindings(_ runbook: Runbook, lines: [Substring], rules: [LintedAlertRule]) -> [RunbookLintFinding] {
        var findings: [RunbookLintFinding] = []
        for command in runbook.commands {
            var reported = Set<CommandTemplate.Parameter>()
            for place in parameterPlaces(command, lines: lines) where reported.insert(place.parameter).inserted {
                switch place.parameter {
                case .label(let name):
                    let failing = rules.filter { !$0.possibleLabels.mayHave(name) }
                    guard !failing.isEmpty else { continue }
                    let what = failing.map { rule in
                        "\(rule.name) (\(rule.place)) can have only \(rule.possibleLabels.description.dropFirst().dropLast())"
                    }.joined(separator: "; ")
                    findings.append(RunbookLintFinding(
                        file: runbook.file, line: place.line, column: place.column, kind: .impossibleLabel,
                        message: "{{ $labels.\(name) }} in this \(command.kind.rawValue) command: \(failing.count == 1 ? "the alert" : "the alerts") it serves cannot have label \(name): \(what)"))
                case .annotation(let name):
                    let failing = rules.filter { $0.annotations[name] == nil }
                    guard !failing.isEmpty else { continue }
                    let what = failing.map { rule in
                        "\(rule.name) (\(rule.place)) defines " + (rule.annotations.isEmpty ? "none" : rule.annotations.keys.sorted().joined(separator: ", "))
                    }.joined(separator: "; ")
                    findings.append(RunbookLintFinding(
                        file: runbook.file, line: place.line, column: place.column, kind: .undefinedAnnotation,
                        message: "{{ $annotations.\(name) }} in this \(command.kind.rawValue) command: \(failing.count == 1 ? "the alert" : "the alerts") it serves \(failing.count == 1 ? "defines" : "define") no annotation \(name): \(what)"))
                default:
                    continue
                }
            }
        }
        return findings
    }

    struct ParameterPlace { var parameter: CommandTemplate.Parameter; var line: Int; var column: Int }

    /// Where each `{{ ... }}` of a command block is in the file (the block's lines follow its
    /// opening fence). `Runbook.parse` has already refused any parameter it does not know.
    static func parameterPlaces(_ command: RunbookCommand, lines: [Substring]) -> [ParameterPlace] {
        var out: [ParameterPlace] = []
        let count = command.template.source.split(separator: "\n", omittingEmptySubsequences: false).count
        for lineNumber in (command.line + 1)..<(command.line + 1 + count) where lineNumber <= lines.count {
            let line = lines[lineNumber - 1]
            var rest = line[...]
            while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
                let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                let column = line.distance(from: line.startIndex, to: open.lowerBound) + 1
                if inner.hasPrefix("$labels.") {
                    out.append(ParameterPlace(parameter: .label(String(inner.dropFirst(8))), line: lineNumber, column: column))
                } else if inner.hasPrefix("$annotations.") {
                    out.append(ParameterPlace(parameter: .annotation(String(inner.dropFirst(13))), line: lineNumber, column: column))
                }
                rest = rest[close.upperBound...]
            }
        }
        return out
    }

    // MARK: - Links

    /// Local links of the Markdown body (`[text](path)`, `![alt](path)`, `[ref]: path`, and
    /// `file://` URLs) whose file does not exist. http(s), mailto and other URL schemes and
    /// `#anchors` are not checked; code blocks and inline code are skipped.
    static func brokenLinks(_ runbook: Runbook, lines: [Substring], fileExists: (String) -> Bool) -> [RunbookLintFinding] {
        var findings: [RunbookLintFinding] = []
        let directory = (runbook.file as NSString).deletingLastPathComponent
        var fence: (char: Character, length: Int)?
        for index in (runbook.bodyLine - 1)..<lines.count where index >= 0 {
            let raw = lines[index]
            let trimmed = raw.drop { $0 == " " || $0 == "\t" }
            if let f = fence {
                let run = trimmed.prefix { $0 == f.char }
                if run.count >= f.length, trimmed.dropFirst(run.count).allSatisfy({ $0 == " " || $0 == "\t" }) { fence = nil }
                continue
            }
            if let c = trimmed.first, c == "`" || c == "~" {
                let run = trimmed.prefix { $0 == c }
                if run.count >= 3 { fence = (c, run.count); continue }
            }
            for (target, column) in linkTargets(in: withoutInlineCode(raw)) {
                guard let path = localPath(of: target, relativeTo: directory) else { continue }
                if !fileExists(path) {
                    findings.append(RunbookLintFinding(file: runbook.file, line: index + 1, column: column, kind: .brokenLink,
                                                       message: "link to \(target): \(path) does not exist"))
                }
            }
        }
        return findings
    }

    /// The line with inline code spans blanked out (same length, so columns stay right).
    static func withoutInlineCode(_ line: Substring) -> [Character] {
        var chars = Array(line)
        var i = 0
        while i < chars.count {
            guard chars[i] == "`" else { i += 1; continue }
            var run = 0
            while i + run < chars.count, chars[i + run] == "`" { run += 1 }
            // Find a closing run of the same length.
            var j = i + run, closed: Int?
            while j < chars.count {
                if chars[j] == "`" {
                    var r = 0
                    while j + r < chars.count, chars[j + r] == "`" { r += 1 }
                    if r == run { closed = j; break }
                    j += r
                } else { j += 1 }
            }
            guard let end = closed else { i += run; continue }
            for k in i..<(end + run) { chars[k] = " " }
            i = end + run
        }
        return chars
    }

    /// Link targets and their 1-based columns: inline links `](target)` and reference
    /// definitions `[ref]: target`.
    static func linkTargets(in chars: [Character]) -> [(String, Int)] {
        var out: [(String, Int)] = []
        // A reference definition: up to three spaces, [label]: target.
        let lead = chars.prefix { $0 == " " }.count
        if lead <= 3, lead < chars.count, chars[lead] == "[", let close = chars[lead...].firstIndex(of: "]"),
           close + 1 < chars.count, chars[close + 1] == ":" {
            var s = close + 2
            while s < chars.count, chars[s] == " " || chars[s] == "\t" { s += 1 }
            if let (target, _) = target(chars, from: s) { out.append((target, s + 1)) }
            return out
        }
        var i = 0
        while i + 1 < chars.count {
            if chars[i] == "]", chars[i + 1] == "(" {
                let s = i + 2
                if let (target, end) = target(chars, from: s, closing: ")") {
                    out.append((target, s + 1)); i = end; continue
                }
            }
            i += 1
        }
        return out
    }

    /// A destination at `start`: `<...>`, or up to whitespace (or the unbalanced `closing`).
    static func target(_ chars: [Character], from start: Int, closing: Character? = nil) -> (String, Int)? {
        guard start < chars.count else { return nil }
        if chars[start] == "<" {
            guard let end = chars[(start + 1)...].firstIndex(of: ">") else { return nil }
            return (String(chars[(start + 1)..<end]), end + 1)
        }
        var depth = 0, i = start
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" { break }
            if c == "(" { depth += 1 }
            if c == ")" { if depth == 0 { break } else { depth -= 1 } }
            i += 1
        }
        if let closing, !(i < chars.count && (chars[i] == closing || chars[i] == " " || chars[i] == "\t")) { return nil }
        guard i > start else { return nil }
        return (String(chars[start..<i]), i)
    }

    /// The file a link target names, or nil when it is not a local file (a URL of another
    /// scheme, an anchor in the same page).
    static func localPath(of target: String, relativeTo directory: String) -> String? {
        if target.hasPrefix("#") || target.isEmpty { return nil }
        let lower = target.lowercased()
        if lower.hasPrefix("file:") {
            guard let url = URL(string: target), !url.path.isEmpty else { return target }
            return url.path
        }
        // Any other scheme (http, https, mailto, ftp, ...): not a file.
        if let colon = target.firstIndex(of: ":"), let first = target.first, first.isLetter,
           target[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            return nil
        }
        var path = target
        if let cut = path.firstIndex(where: { $0 == "#" || $0 == "?" }) { path = String(path[..<cut]) }
        path = path.removingPercentEncoding ?? path
        if path.isEmpty { return nil }
        let joined = path.hasPrefix("/") ? path : (directory.isEmpty ? path : directory + "/" + path)
        return RunbookIndex.normalize(joined)
    }
}
