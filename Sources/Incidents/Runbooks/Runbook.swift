import Yams

/// A runbook: a Markdown file with YAML front matter, free text, checklists and command blocks.
/// See docs/runbooks.md for the format.
public struct Runbook: Hashable, Sendable {
    /// The file it was read from, as given to `parse`.
    public var file: String
    public var title: String
    public var owner: String?
    public var severity: String?
    /// The `alerts:` entries; the runbook selects an alert when any of them matches.
    public var matchers: [AlertMatcher]
    /// The whole file text.
    public var text: String
    /// The Markdown after the front matter, and the file line it starts on (1-based).
    public var body: String
    public var bodyLine: Int
    public var checklist: [ChecklistItem]
    public var commands: [RunbookCommand]
    /// Lines of fenced `sh` blocks without a kind: shown as code, never run (lint reports them).
    public var shellBlocksWithoutKind: [Int]

    /// Whether any of the runbook's `alerts:` entries selects an alert with these labels.
    /// A runbook without entries selects nothing (it is reached through `runbook_url` only).
    public func matches(labels: [String: String]) -> Bool {
        matchers.contains { $0.matches(labels) }
    }
}

/// A `- [ ]` or `- [x]` item.
public struct ChecklistItem: Hashable, Sendable {
    /// 1-based line and column of the `[` in the file, so the box can be ticked in place.
    public var line: Int
    public var column: Int
    public var checked: Bool
    /// The item's text, continuation lines joined with a space.
    public var text: String
}

/// A fenced block whose info string is `sh KIND [timeout=DURATION] [confirm=model]`.
public struct RunbookCommand: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable { case rollback, diagnose, mitigate }
    public enum Confirm: String, Hashable, Sendable { case none, model }
    public var kind: Kind
    public var timeout: Duration?
    /// `.model`: the operator must type the model's name before it runs.
    public var confirm: Confirm
    public var template: CommandTemplate
    /// 1-based line of the opening fence.
    public var line: Int
    /// The nearest Markdown heading above the block, if any.
    public var section: String?

    /// What the operator must type to confirm, or nil if a plain confirmation suffices.
    /// Fails if the model's name is not known.
    public func requiredConfirmation(_ context: CommandContext) -> Result<String?, ExpansionError> {
        switch confirm {
        case .none: return .success(nil)
        case .model:
            guard let m = context.model, !m.isEmpty else { return .failure(.missing([.model])) }
            return .success(m)
        }
    }
}

/// A problem in a runbook file, with its place: `file:line:column: message`.
public struct RunbookError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case badFrontMatter, unknownKind, missingKind, badTimeout, badOption, unclosedFence, badTemplate
        /// Found by the loader that reads runbook folders (module Sources), not by `parse`: a
        /// folder or file that cannot be read, text that is not UTF-8 (or holds NUL), a file over
        /// the size limit, a directory/FIFO/socket named `*.md`, a symlink leading outside the
        /// folder, more files than the loader takes.
        case unreadable, notUTF8, tooLarge, notARegularFile, outsideFolder, tooManyFiles
    }
    public var file: String
    public var line: Int
    public var column: Int
    public var kind: Kind
    public var message: String
    public init(file: String, line: Int, column: Int, kind: Kind, message: String) {
        self.file = file; self.line = line; self.column = column; self.kind = kind; self.message = message
    }
    /// `file:line:column: message`, or `file: message` when the problem has no place in the
    /// file (line 0: a folder that cannot be read, too many files).
    public var description: String { line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)" }
}

extension Runbook {
    /// The longest timeout a command may ask for.
    public static let maximumTimeout: Duration = .seconds(24 * 3600)

    public static func parse(text: String, file: String) -> Result<Runbook, RunbookError> {
        func fail(_ line: Int, _ column: Int, _ kind: RunbookError.Kind, _ message: String) -> Result<Runbook, RunbookError> {
            .failure(RunbookError(file: file, line: line, column: column, kind: kind, message: message))
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { l -> Substring in
            l.hasSuffix("\r") ? l.dropLast() : l
        }
        var runbook = Runbook(file: file, title: "", owner: nil, severity: nil, matchers: [], text: text, body: text,
                              bodyLine: 1, checklist: [], commands: [], shellBlocksWithoutKind: [])
        var bodyStart = 0   // index into lines
        var hasTitle = false

        // Front matter.
        if let first = lines.first, first.trimmingTrailingSpaces == "---" {
            guard let end = lines.indices.dropFirst().first(where: { lines[$0].trimmingTrailingSpaces == "---" || lines[$0].trimmingTrailingSpaces == "..." }) else {
                return fail(1, 1, .badFrontMatter, "front matter opened with `---` is never closed")
            }
            let yaml = lines[1..<end].joined(separator: "\n")
            switch parseFrontMatter(yaml, lineOffset: 1) {
            case .failure(let e): return fail(e.line, e.column, .badFrontMatter, e.message)
            case .success(let fm):
                runbook.title = fm.title; runbook.owner = fm.owner; runbook.severity = fm.severity
                runbook.matchers = fm.matchers
                hasTitle = true
            }
            bodyStart = end + 1
        }
        runbook.bodyLine = bodyStart + 1
        runbook.body = lines[min(bodyStart, lines.count)...].joined(separator: "\n")

        // Body: fences, checklists, headings.
        var section: String?
        var i = bodyStart
        while i < lines.count {
            let line = lines[i]
            let indent = line.prefix { $0 == " " || $0 == "\t" }
            let rest = line.dropFirst(indent.count)
            if let fence = Fence(rest) {
                // Find the closing fence.
                var j = i + 1
                var closed = false
                var content: [Substring] = []
                while j < lines.count {
                    let l = lines[j].drop { $0 == " " || $0 == "\t" }
                    if l.hasPrefix(String(repeating: fence.char, count: fence.length)), l.allSatisfy({ $0 == fence.char || $0 == " " || $0 == "\t" }) {
                        closed = true; break
                    }
                    // Strip up to the fence's indentation.
                    var c = lines[j]; var n = indent.count
                    while n > 0, let f = c.first, f == " " || f == "\t" { c.removeFirst(); n -= 1 }
                    content.append(c)
                    j += 1
                }
                guard closed else {
                    return fail(i + 1, indent.count + 1, .unclosedFence, "code block opened here with \(String(repeating: fence.char, count: fence.length)) is never closed")
                }
                let infoColumn = indent.count + fence.length + 1 + fence.infoOffset
                switch commandInfo(fence.info, line: i + 1, column: infoColumn) {
                case .failure(let e): return .failure(RunbookError(file: file, line: e.line, column: e.column, kind: e.kind, message: e.message))
                case .success(.notShell): break
                case .success(.shellWithoutKind): runbook.shellBlocksWithoutKind.append(i + 1)
                case .success(.command(let kind, let timeout, let confirm)):
                    let source = content.joined(separator: "\n")
                    switch CommandTemplate.parse(source) {
                    case .failure(let e):
                        let col = indent.count + e.column
                        return fail(i + 1 + e.line, col, .badTemplate, e.message)
                    case .success(let template):
                        runbook.commands.append(RunbookCommand(kind: kind, timeout: timeout, confirm: confirm, template: template, line: i + 1, section: section))
                    }
                }
                i = j + 1
                continue
            }
            if rest.hasPrefix("#") {
                let hashes = rest.prefix { $0 == "#" }
                if hashes.count <= 6, rest.dropFirst(hashes.count).first.map({ $0 == " " }) ?? true {
                    let heading = String(rest.dropFirst(hashes.count).trimmingSpaces)
                    section = heading
                    if !hasTitle, hashes.count == 1 { runbook.title = heading; hasTitle = true }
                }
            }
            if let item = checklistItem(line, lineIndex: i, lines: lines) {
                runbook.checklist.append(item)
            }
            i += 1
        }
        if !hasTitle {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            runbook.title = name.hasSuffix(".md") ? String(name.dropLast(3)) : name
        }
        return .success(runbook)
    }

    /// The runbook text with the box of the checklist item on `line` set to `checked`, or nil if
    /// there is no checklist item on that line.
    public static func settingCheckbox(in text: String, line: Int, checked: Bool) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard line >= 1, line <= lines.count else { return nil }
        let l = lines[line - 1]
        let indent = l.prefix { $0 == " " || $0 == "\t" }
        let rest = l.dropFirst(indent.count)
        guard let m = rest.first, "-*+".contains(m), rest.dropFirst().hasPrefix(" ["),
              rest.count >= 5, rest.dropFirst(4).first == "]", " xX".contains(rest.dropFirst(3).first!) else { return nil }
        lines[line - 1] = String(indent) + String(rest.prefix(3)) + (checked ? "x" : " ") + String(rest.dropFirst(4))
        return lines.joined(separator: "\n")
    }

    private static func checklistItem(_ line: Substring, lineIndex: Int, lines: [Substring]) -> ChecklistItem? {
        let indent = line.prefix { $0 == " " || $0 == "\t" }
        let rest = line.dropFirst(indent.count)
        guard let marker = rest.first, "-*+".contains(marker) else { return nil }
        let afterMarker = rest.dropFirst()
        guard afterMarker.hasPrefix(" ["), afterMarker.count >= 4 else { return nil }
        let box = afterMarker.dropFirst(2).first!
        guard " xX".contains(box), afterMarker.dropFirst(3).first == "]" else { return nil }
        let after = afterMarker.dropFirst(4)
        guard after.isEmpty || after.first == " " else { return nil }
        var text = String(after.trimmingSpaces)
        // Continuation lines: indented deeper than the marker, not blank, not a new item or fence.
        var k = lineIndex + 1
        while k < lines.count {
            let next = lines[k]
            let nIndent = next.prefix { $0 == " " || $0 == "\t" }.count
            let nRest = next.dropFirst(nIndent)
            if nRest.isEmpty || nIndent <= indent.count || nRest.hasPrefix("```") || nRest.hasPrefix("~~~") { break }
            if let f = nRest.first, "-*+".contains(f), nRest.dropFirst().first == " " { break }
            text += " " + nRest.trimmingSpaces
            k += 1
        }
        return ChecklistItem(line: lineIndex + 1, column: indent.count + 3, checked: box != " ", text: text)
    }

    enum Info { case notShell, shellWithoutKind, command(RunbookCommand.Kind, Duration?, RunbookCommand.Confirm) }

    struct PlacedError: Error { var line: Int; var column: Int; var kind: RunbookError.Kind; var message: String }

    /// Reads `sh KIND key=value...`. Other languages are plain code blocks.
    static func commandInfo(_ info: Substring, line: Int, column: Int) -> Result<Info, PlacedError> {
        var words: [(Substring, Int)] = []   // word and its column
        var col = column
        var current: Substring? = nil, start = 0
        var idx = info.startIndex
        while idx <= info.endIndex {
            let c: Character? = idx < info.endIndex ? info[idx] : nil
            if c == nil || c == " " || c == "\t" {
                if let w = current { words.append((w, start)); current = nil }
            } else if current == nil {
                current = info[idx...idx]; start = col
            } else {
                current = info[current!.startIndex...idx]
            }
            if idx == info.endIndex { break }
            idx = info.index(after: idx); col += 1
        }
        guard let (lang, _) = words.first, ["sh", "shell", "bash"].contains(lang) else { return .success(.notShell) }
        guard words.count > 1 else { return .success(.shellWithoutKind) }
        let (kindWord, kindCol) = words[1]
        if kindWord.contains("=") {
            return .failure(PlacedError(line: line, column: kindCol, kind: .missingKind,
                                        message: "command block has options but no kind; write `\(lang) rollback`, `\(lang) diagnose` or `\(lang) mitigate` before them"))
        }
        guard lang == "sh" else {
            return .failure(PlacedError(line: line, column: column, kind: .badOption,
                                        message: "command blocks are run by /bin/sh: write `sh \(kindWord)`, not `\(lang) \(kindWord)`"))
        }
        guard let kind = RunbookCommand.Kind(rawValue: String(kindWord)) else {
            return .failure(PlacedError(line: line, column: kindCol, kind: .unknownKind,
                                        message: "unknown command kind `\(kindWord)`; known: rollback, diagnose, mitigate"))
        }
        var timeout: Duration?, confirm = RunbookCommand.Confirm.none
        var seen = Set<Substring>()
        for (word, wcol) in words.dropFirst(2) {
            guard let eq = word.firstIndex(of: "=") else {
                return .failure(PlacedError(line: line, column: wcol, kind: .badOption, message: "expected an option `key=value`, got `\(word)`"))
            }
            let key = word[..<eq], value = word[word.index(after: eq)...]
            guard seen.insert(key).inserted else {
                return .failure(PlacedError(line: line, column: wcol, kind: .badOption, message: "option `\(key)` given twice"))
            }
            switch key {
            case "timeout":
                guard let d = parseDuration(value), d > .zero, d <= maximumTimeout else {
                    return .failure(PlacedError(line: line, column: wcol, kind: .badTimeout,
                                                message: "bad timeout `\(value)`: expected a positive duration of at most 24h such as 500ms, 30s, 2m, 1h or 1m30s"))
                }
                timeout = d
            case "confirm":
                guard value == "model" else {
                    return .failure(PlacedError(line: line, column: wcol, kind: .badOption, message: "unknown confirm `\(value)`; the only one is confirm=model"))
                }
                confirm = .model
            default:
                return .failure(PlacedError(line: line, column: wcol, kind: .badOption, message: "unknown option `\(key)`; known: timeout, confirm"))
            }
        }
        return .success(.command(kind, timeout, confirm))
    }

    /// `500ms`, `30s`, `2m`, `1h`, `1h30m`, `1m30s`: units in decreasing order, each once.
    static func parseDuration(_ s: Substring) -> Duration? {
        let units: [(String, Int64)] = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        var rest = s, total: Int64 = 0, lastUnit = -1
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            guard let u = units.firstIndex(where: { $0.0 == unitText }), u > lastUnit else { return nil }
            lastUnit = u
            total += n * units[u].1
            rest = rest.dropFirst(unitText.count)
        }
        return .milliseconds(total)
    }

    struct FrontMatter { var title: String; var owner: String?; var severity: String?; var matchers: [AlertMatcher] }
    struct FrontMatterError: Error { var line: Int; var column: Int; var message: String }

    static func parseFrontMatter(_ yaml: String, lineOffset: Int) -> Result<FrontMatter, FrontMatterError> {
        func err(_ node: Node?, _ msg: String) -> Result<FrontMatter, FrontMatterError> {
            .failure(FrontMatterError(line: (node?.mark?.line ?? 1) + lineOffset, column: node?.mark?.column ?? 1, message: msg))
        }
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            var line = 1, column = 1, problem = "\(error)"
            if let y = error as? YamlError {
                switch y {
                case .scanner(_, let p, let mark, _), .parser(_, let p, let mark, _), .composer(_, let p, let mark, _):
                    line = mark.line; column = mark.column; problem = p
                default: break
                }
            }
            return .failure(FrontMatterError(line: line + lineOffset, column: column, message: "front matter is not valid YAML: \(problem)"))
        }
        guard let root, let map = root.mapping else { return err(root, "front matter must be a mapping with at least `title`") }
        var fm = FrontMatter(title: "", owner: nil, severity: nil, matchers: [])
        var hasTitle = false
        for (k, v) in map {
            guard let key = k.string else { return err(k, "front matter keys must be strings") }
            switch key {
            case "title", "owner", "severity":
                guard let s = v.scalar?.string, !s.isEmpty else { return err(v, "`\(key)` must be a non-empty string") }
                if key == "title" { fm.title = s; hasTitle = true } else if key == "owner" { fm.owner = s } else { fm.severity = s }
            case "alerts":
                if v.scalar?.string == "" || (v.scalar != nil && v.tag.description.hasSuffix("null")) { continue }
                guard let seq = v.sequence else { return err(v, "`alerts` must be a list of label matchers such as `- alertname: ModelErrorRateHigh`") }
                for entry in seq {
                    guard let m = entry.mapping, !m.isEmpty else { return err(entry, "each `alerts` entry must be a non-empty map of label name to value") }
                    var labels: [String: String] = [:]
                    for (lk, lv) in m {
                        guard let name = lk.string, CommandTemplate.parameter(named: Substring("$labels." + name)) != nil else {
                            return err(lk, "`\(lk.string ?? "?")` is not a label name")
                        }
                        guard let value = lv.scalar?.string else { return err(lv, "the value of label `\(name)` must be a string") }
                        labels[name] = value
                    }
                    do { fm.matchers.append(try AlertMatcher(labels)) } catch {
                        return err(m.first { $0.key.string == error.label }?.value ?? entry, error.message)
                    }
                }
            default:
                return err(k, "unknown front matter field `\(key)`; known: title, owner, severity, alerts")
            }
        }
        guard hasTitle else { return err(root, "front matter has no `title`") }
        return .success(fm)
    }
}

struct Fence {
    var char: Character
    var length: Int
    var info: Substring
    /// Columns between the fence's end and the info string's start.
    var infoOffset: Int

    init?(_ s: Substring) {
        guard let c = s.first, c == "`" || c == "~" else { return nil }
        let run = s.prefix { $0 == c }
        guard run.count >= 3 else { return nil }
        let after = s.dropFirst(run.count)
        if c == "`", after.contains("`") { return nil }
        char = c; length = run.count
        let lead = after.prefix { $0 == " " || $0 == "\t" }.count
        info = after.trimmingSpaces
        infoOffset = lead
    }
}

extension Substring {
    var trimmingTrailingSpaces: Substring {
        var s = self
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
