import ArgumentParser
import Dashboard
import Foundation
import Incidents
import Sources
import TerminalUI

/// `modelwatch runbooks lint|render`: checks a runbooks folder against the alert rules it
/// serves, and shows one runbook with its commands filled in from an alert's labels. See
/// docs/runbooks.md.
struct RunbooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbooks",
        abstract: "Check a runbooks folder against alert rules, or show one runbook with its commands filled in.",
        subcommands: [RunbooksLint.self, RunbooksRender.self]
    )
}

/// `modelwatch runbooks lint DIR [--rules FILE...] [--builtin]`.
struct RunbooksLint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check a runbooks folder against alert rules; print findings as FILE:line:column: message.",
        discussion: """
            Reads every *.md under DIR (at most 5,000 files of at most 1 MiB each) and the rule \
            files given with --rules: Prometheus rule files (groups:) and log-rule files \
            (log_rules:), told apart by content. Without --rules, the built-in health rules (the \
            ones the dashboard runs when no rule file is loaded) are checked; --builtin adds them \
            to the files'.

            Findings: files that cannot be loaded or parsed; alert rules with no runbook (neither \
            a runbook_url naming a loaded runbook nor a runbook whose alerts: matchers select the \
            labels the rule sets); command parameters {{ $labels.X }} that an alert served cannot \
            have (the labels are inferred from the rule's PromQL; when they cannot be, nothing is \
            said) and {{ $annotations.X }} the rule does not define; sh blocks without a kind; \
            local Markdown links to missing files. Give DIR and the rule files both relative or \
            both absolute, as runbook_url paths are resolved from the rule file's directory.

            Exit status: 0 when there is no finding, 1 when there is any.
            """
    )

    @Argument(help: "The runbooks folder.")
    var directory: String

    @Option(name: .customLong("rules"), parsing: .upToNextOption, help: "Rule files (Prometheus or log rules); several may follow one --rules.")
    var rules: [String] = []

    @Flag(help: "Also check the built-in health rules (the default when no --rules is given).")
    var builtin = false

    func run() throws {
        // runbook_url paths are joined to the rule file's directory and compared with the folder's
        // paths lexically: give both the same form.
        var folderPath = directory, rulePaths = rules
        if rules.contains(where: { $0.hasPrefix("/") != directory.hasPrefix("/") }) {
            let cwd = FileManager.default.currentDirectoryPath
            func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : RunbookIndex.normalize(cwd + "/" + p) }
            folderPath = absolute(directory); rulePaths = rules.map(absolute)
        }
        let folder = RunbookLoader.load(directory: folderPath)
        var ruleFiles: [LintedRuleFile] = []
        var ruleFindings: [RunbookLintFinding] = []
        for path in rulePaths {
            switch RunbookLoader.readText(path: path, maximumFileBytes: 16 << 20) {
            case .failure(let e):
                ruleFindings.append(RunbookLintFinding(file: path, line: e.line, column: e.column, kind: .ruleFileProblem, message: e.message))
            case .success(let text):
                switch LintedRuleFile.read(text: text, file: path) {
                case .success(let file): ruleFiles.append(file)
                case .failure(let problems): ruleFindings += problems.findings
                }
            }
        }
        var alertRules = LintedRuleFile.alertRules(of: ruleFiles)
        let checksBuiltin = builtin || rules.isEmpty
        if checksBuiltin { alertRules += LintedAlertRule.builtinHealthRules }
        let findings = RunbookLint.sorted(ruleFindings + RunbookLint.lint(runbooks: folder.index, problems: folder.problems, rules: alertRules,
                                                       fileExists: { FileManager.default.fileExists(atPath: $0) }))
        var out = ""
        for finding in findings { out += Sanitizer.visible(finding.description) + "\n" }
        let ruleSource = [ruleFiles.isEmpty && rules.isEmpty ? nil : "\(ruleFiles.count) rule file\(ruleFiles.count == 1 ? "" : "s")",
                          checksBuiltin ? "the built-in health rules" : nil].compactMap { $0 }.joined(separator: " and ")
        out += "\(folder.runbooks.count) runbook\(folder.runbooks.count == 1 ? "" : "s"), \(alertRules.count) alert rule\(alertRules.count == 1 ? "" : "s") (\(ruleSource)): "
        out += findings.isEmpty ? "no findings\n" : "\(findings.count) finding\(findings.count == 1 ? "" : "s") (\(Self.counts(findings)))\n"
        FileHandle.standardOutput.write(Data(out.utf8))
        if !findings.isEmpty { throw ExitCode(1) }
    }

    static func counts(_ findings: [RunbookLintFinding]) -> String {
        let words: [RunbookLintFinding.Kind: (String, String)] = [
            .loadProblem: ("load problem", "load problems"),
            .ruleFileProblem: ("rule file problem", "rule file problems"),
            .alertWithoutRunbook: ("alert without a runbook", "alerts without a runbook"),
            .impossibleLabel: ("label the alert cannot have", "labels the alerts cannot have"),
            .undefinedAnnotation: ("undefined annotation", "undefined annotations"),
            .shellBlockWithoutKind: ("sh block without a kind", "sh blocks without a kind"),
            .brokenLink: ("broken link", "broken links"),
        ]
        return RunbookLintFinding.Kind.allCases.compactMap { kind in
            let n = findings.filter { $0.kind == kind }.count
            guard n > 0, let w = words[kind] else { return nil }
            return "\(n) \(n == 1 ? w.0 : w.1)"
        }.joined(separator: ", ")
    }
}

/// When `render` highlights substituted values.
enum RenderColor: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

/// `modelwatch runbooks render FILE --labels k=v,... [...]`.
struct RunbooksRender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print a runbook as text with its command blocks filled in from an alert's labels and annotations.",
        discussion: """
            --labels and --annotations take comma-separated NAME=VALUE pairs. A value runs to the \
            next comma; to put a comma in it, double-quote the value: --labels 'model=m,query="a,b"' \
            (inside the quotes, \\" is a quote and \\\\ a backslash). An = in a value needs no \
            quotes. --label NAME=VALUE and --annotation NAME=VALUE (repeatable) take everything \
            after the first = literally, commas and quotes included.

            Every command block is expanded as it would be run: each value single-quoted for \
            /bin/sh. A command with a parameter that has no value is printed as written, with an \
            error naming the missing parameters on standard error, and the exit status is 1. \
            Nothing from the file or the values reaches the terminal raw: control characters are \
            shown as ^X or <U+XXXX>. On a terminal (or with --color always) substituted values are \
            shown in reverse video.

            Exit status: 0 when every command expanded; 1 when one did not, or the file cannot be \
            read or parsed.
            """
    )

    @Argument(help: "The runbook file.")
    var file: String

    @Option(name: .customLong("labels"), help: "Alert labels: NAME=VALUE,NAME=\"VALUE, with commas\",...")
    var labelLists: [String] = []

    @Option(name: .customLong("label"), help: "One alert label, NAME=VALUE, taken literally (repeatable).")
    var singleLabels: [String] = []

    @Option(name: .customLong("annotations"), help: "Alert annotations, as --labels.")
    var annotationLists: [String] = []

    @Option(name: .customLong("annotation"), help: "One alert annotation, NAME=VALUE, taken literally (repeatable).")
    var singleAnnotations: [String] = []

    @Option(name: .customLong("previous-version"), help: "{{ .previous_version }}")
    var previousVersion: String?

    @Option(name: .customLong("current-version"), help: "{{ .current_version }}")
    var currentVersion: String?

    @Option(name: .customLong("target-url"), help: "{{ .target_url }}")
    var targetURL: String?

    @Option(help: "{{ .model }} (default: the model label)")
    var model: String?

    @Option(help: "Highlight substituted values: auto (on a terminal), always, never.")
    var color: RenderColor = .auto

    func validate() throws {
        _ = try pairs()
    }

    /// Labels and annotations from every option, later ones winning.
    func pairs() throws -> (labels: [String: String], annotations: [String: String]) {
        var labels: [String: String] = [:], annotations: [String: String] = [:]
        for list in labelLists { for (k, v) in try PairList.parse(list, option: "--labels") { labels[k] = v } }
        for one in singleLabels { let (k, v) = try PairList.single(one, option: "--label"); labels[k] = v }
        for list in annotationLists { for (k, v) in try PairList.parse(list, option: "--annotations") { annotations[k] = v } }
        for one in singleAnnotations { let (k, v) = try PairList.single(one, option: "--annotation"); annotations[k] = v }
        return (labels, annotations)
    }

    func run() throws {
        let (labels, annotations) = try pairs()
        let text: String
        switch RunbookLoader.readText(path: file) {
        case .failure(let e):
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(e.description))\n".utf8))
            throw ExitCode(1)
        case .success(let t): text = t
        }
        let runbook: Runbook
        switch Runbook.parse(text: text, file: file) {
        case .failure(let e):
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(e.description))\n".utf8))
            throw ExitCode(1)
        case .success(let r): runbook = r
        }
        let styled: Bool
        switch color {
        case .always: styled = true
        case .never: styled = false
        case .auto: styled = isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        }
        let context = CommandContext(labels: labels, annotations: annotations, model: model, previousVersion: previousVersion,
                                     currentVersion: currentVersion, targetURL: targetURL)
        let rendered = RunbookText.render(runbook, context: context, styled: styled)
        FileHandle.standardOutput.write(Data(rendered.text.utf8))
        if !rendered.errors.isEmpty {
            FileHandle.standardError.write(Data(rendered.errors.map { "modelwatch: \($0)\n" }.joined().utf8))
            throw ExitCode(1)
        }
    }
}

/// `NAME=VALUE,NAME="VALUE, with commas"` lists for --labels and --annotations.
enum PairList {
    static func isName(_ s: Substring) -> Bool {
        guard let f = s.first, f == "_" || (f.isASCII && f.isLetter) else { return false }
        return s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// One `NAME=VALUE`, the value literal.
    static func single(_ text: String, option: String) throws -> (String, String) {
        guard let eq = text.firstIndex(of: "="), isName(text[..<eq]) else {
            throw ValidationError("\(option) \(Sanitizer.visible(text)): expected NAME=VALUE with NAME a label name")
        }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    static func parse(_ text: String, option: String) throws -> [(String, String)] {
        var out: [(String, String)] = []
        let chars = Array(text)
        var i = 0
        func fail(_ why: String) -> ValidationError {
            ValidationError("\(option) \(Sanitizer.visible(text)): \(why) at character \(i + 1)")
        }
        while i < chars.count {
            let nameStart = i
            while i < chars.count, chars[i] != "=", chars[i] != "," { i += 1 }
            let name = String(chars[nameStart..<i])
            guard i < chars.count, chars[i] == "=" else { throw fail("expected NAME=VALUE") }
            guard isName(Substring(name)) else { i = nameStart; throw fail("`\(Sanitizer.visible(name))` is not a label name") }
            i += 1
            var value = ""
            if i < chars.count, chars[i] == "\"" {
                i += 1
                var closed = false
                while i < chars.count {
                    let c = chars[i]
                    if c == "\\", i + 1 < chars.count, chars[i + 1] == "\"" || chars[i + 1] == "\\" { value.append(chars[i + 1]); i += 2; continue }
                    if c == "\"" { closed = true; i += 1; break }
                    value.append(c); i += 1
                }
                guard closed else { throw fail("a quoted value is not closed") }
                guard i == chars.count || chars[i] == "," else { throw fail("expected a comma after the quoted value") }
            } else {
                while i < chars.count, chars[i] != "," { value.append(chars[i]); i += 1 }
            }
            out.append((name, value))
            if i < chars.count { i += 1 }   // the comma
        }
        return out
    }
}

/// A runbook as plain text for a terminal: front matter summarized, Markdown simplified, each
/// command block expanded (or shown as written, with the reason, when a parameter is missing).
/// Everything from the file and every value goes through `Sanitizer.visible`; the only escape
/// sequences in the output are the highlighting ones added here when `styled`.
enum RunbookText {
    static let highlightOn = "\u{1B}[1;7m", bold = "\u{1B}[1m", reset = "\u{1B}[0m"

    struct Rendered { var text: String; var errors: [String] }

    static func render(_ runbook: Runbook, context: CommandContext, styled: Bool) -> Rendered {
        var out = ""
        var errors: [String] = []
        func line(_ s: String = "") { out += s + "\n" }
        func show(_ s: some StringProtocol) -> String { Sanitizer.visible(String(s).replacing("\t", with: "    ")) }

        line(styled ? bold + show(runbook.title) + reset : show(runbook.title))
        line(String(repeating: "=", count: max(3, show(runbook.title).count)))
        line("file:      " + show(runbook.file))
        if let owner = runbook.owner { line("owner:     " + show(owner)) }
        if let severity = runbook.severity { line("severity:  " + show(severity)) }
        line("alerts:    " + (runbook.matchers.isEmpty ? "(none: reached through runbook_url only)"
                                                       : runbook.matchers.map { show($0.description) }.joined(separator: " or ")))
        let kinds = RunbookCommand.Kind.allCases.compactMap { kind -> String? in
            let n = runbook.commands.filter { $0.kind == kind }.count
            return n == 0 ? nil : "\(n) \(kind.rawValue)"
        }
        line("commands:  " + (kinds.isEmpty ? "none" : kinds.joined(separator: ", ")))
        if !runbook.checklist.isEmpty {
            line("checklist: \(runbook.checklist.count) item\(runbook.checklist.count == 1 ? "" : "s"), \(runbook.checklist.filter(\.checked).count) done")
        }
        line()

        let lines = runbook.text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        let commandsByLine = Dictionary(runbook.commands.map { ($0.line, $0) }, uniquingKeysWith: { a, _ in a })
        var index = runbook.bodyLine - 1
        while index < lines.count {
            let raw = lines[index]
            let indent = raw.prefix { $0 == " " || $0 == "\t" }
            let rest = raw.dropFirst(indent.count)
            if let fenceChar = rest.first, fenceChar == "`" || fenceChar == "~", rest.prefix(while: { $0 == fenceChar }).count >= 3 {
                let length = rest.prefix { $0 == fenceChar }.count
                // The block's lines, up to its closing fence.
                var end = index + 1
                while end < lines.count {
                    let l = lines[end].drop { $0 == " " || $0 == "\t" }
                    let run = l.prefix { $0 == fenceChar }.count
                    if run >= length, l.dropFirst(run).allSatisfy({ $0 == " " || $0 == "\t" }) { break }
                    end += 1
                }
                if let command = commandsByLine[index + 1] {
                    var header = "  [\(command.kind.rawValue)"
                    if let t = command.timeout { header += ", timeout \(t.formatted(.units(allowed: [.hours, .minutes, .seconds, .milliseconds], width: .narrow)))" }
                    if command.confirm == .model {
                        switch command.requiredConfirmation(context) {
                        case .success(let word?): header += ", confirm by typing \(show(word))"
                        default: header += ", confirm by typing the model's name"
                        }
                    }
                    header += "]"
                    switch command.template.expand(context) {
                    case .success(let expanded):
                        line(header)
                        for l in expandedLines(expanded, styled: styled) { line("    " + l) }
                    case .failure(let error):
                        line(header + " NOT EXPANDED: " + show(error.description))
                        for l in command.template.source.split(separator: "\n", omittingEmptySubsequences: false) { line("    " + show(l)) }
                        errors.append("\(show(runbook.file)):\(command.line):\(indent.count + 1): \(command.kind.rawValue) command: \(show(error.description))\(hint(error))")
                    }
                } else {
                    let info = rest.dropFirst(length).trimmingCharacters(in: .whitespaces)
                    if !info.isEmpty { line("  [\(show(info))]") }
                    for l in lines[min(index + 1, lines.count)..<min(end, lines.count)] { line("    " + show(l.dropFirst(min(indent.count, l.prefix { $0 == " " || $0 == "\t" }.count)))) }
                }
                index = end + 1
                continue
            }
            line(prose(raw, context: context, styled: styled))
            index += 1
        }
        return Rendered(text: out, errors: errors)
    }

    /// Which option gives each missing parameter.
    static func hint(_ error: ExpansionError) -> String {
        guard case .missing(let parameters) = error else { return "" }
        let options = parameters.map { p -> String in
            switch p {
            case .label(let n): "--label \(n)=..."
            case .annotation(let n): "--annotation \(n)=..."
            case .previousVersion: "--previous-version"
            case .currentVersion: "--current-version"
            case .targetURL: "--target-url"
            case .model: "--model (or --label model=...)"
            }
        }
        return " (give \(options.joined(separator: ", ")))"
    }

    /// The command's lines, each value made visible (a newline in a value shows as ^J, so it can
    /// never look like a second command) and, when styled, highlighted.
    static func expandedLines(_ expanded: ExpandedCommand, styled: Bool) -> [String] {
        let scalars = expanded.command.unicodeScalars
        var out = ""
        var position = scalars.startIndex
        func template(_ s: String) -> String {
            s.split(separator: "\n", omittingEmptySubsequences: false)
                .map { Sanitizer.visible(String($0).replacing("\t", with: "    ")) }.joined(separator: "\n")
        }
        for sub in expanded.substitutions.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) where sub.range.lowerBound >= position {
            out += template(String(scalars[position..<sub.range.lowerBound]))
            let value = Sanitizer.visible(String(scalars[sub.range]))
            out += styled ? highlightOn + value + reset : value
            position = sub.range.upperBound
        }
        out += template(String(scalars[position...]))
        return out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// A Markdown line as text: headings underlined, check boxes as ☐/☑, links as `text <target>`,
    /// `**` and inline-code backquotes dropped, and `{{ ... }}` parameters that have a value
    /// filled in (as they are, not quoted: this is text to read, not to run).
    static func prose(_ raw: Substring, context: CommandContext, styled: Bool) -> String {
        var s = String(raw).replacing("\t", with: "    ")
        let indent = s.prefix { $0 == " " }
        var rest = s.dropFirst(indent.count)
        if rest.hasPrefix("#") {
            let hashes = rest.prefix { $0 == "#" }.count
            if hashes <= 6, rest.dropFirst(hashes).first.map({ $0 == " " }) ?? true {
                let title = withParameters(String(rest.dropFirst(hashes)).trimmingCharacters(in: .whitespaces), context: context, styled: false)
                let underline = String(repeating: hashes == 1 ? "=" : "-", count: max(3, title.count))
                return (styled ? bold + title + reset : title) + "\n" + underline
            }
        }
        if let marker = rest.first, "-*+".contains(marker), rest.dropFirst().hasPrefix(" ["), rest.count >= 5,
           rest.dropFirst(4).first == "]", let box = rest.dropFirst(3).first, " xX".contains(box) {
            rest = (box == " " ? "☐" : "☑") + rest.dropFirst(5)
            s = String(indent) + rest
        }
        s = s.replacing(/!?\[([^\]]*)\]\(<?([^)>\s]*)>?(?:\s+"[^"]*")?\)/) { m in "\(m.output.1) <\(m.output.2)>" }
        s = s.replacing("**", with: "").replacing(/`([^`]+)`/) { m in String(m.output.1) }
        return withParameters(s, context: context, styled: styled)
    }

    /// `text` made visible, with each `{{ ... }}` that has a value in `context` replaced by the
    /// value (made visible too, and highlighted when styled); the others stay as written.
    static func withParameters(_ text: String, context: CommandContext, styled: Bool) -> String {
        var out = ""
        var rest = text[...]
        while let match = rest.firstMatch(of: /\{\{\s*([^{}]*?)\s*\}\}/) {
            out += Sanitizer.visible(String(rest[..<match.range.lowerBound]))
            if let parameter = parameter(named: match.output.1), let value = context.value(of: parameter) {
                let shown = Sanitizer.visible(value)
                out += styled ? highlightOn + shown + reset : shown
            } else {
                out += Sanitizer.visible(String(match.output.0))
            }
            rest = rest[match.range.upperBound...]
        }
        return out + Sanitizer.visible(String(rest))
    }

    static func parameter(named name: Substring) -> CommandTemplate.Parameter? {
        func ident(_ s: Substring) -> String? { PairList.isName(s) ? String(s) : nil }
        if name.hasPrefix("$labels.") { return ident(name.dropFirst(8)).map(CommandTemplate.Parameter.label) }
        if name.hasPrefix("$annotations.") { return ident(name.dropFirst(13)).map(CommandTemplate.Parameter.annotation) }
        switch name {
        case ".previous_version": return .previousVersion
        case ".current_version": return .currentVersion
        case ".target_url": return .targetURL
        case ".model": return .model
        default: return nil
        }
    }
}
