/// A runbook command with `{{ ... }}` parameters, checked when it is parsed.
///
/// Parameters: `{{ $labels.NAME }}`, `{{ $annotations.NAME }}`, `{{ .previous_version }}`,
/// `{{ .current_version }}`, `{{ .target_url }}`, `{{ .model }}`. Every substituted value is
/// single-quoted with `ShellQuote`, so it is one literal word to `/bin/sh` whatever it contains.
///
/// Where a parameter sits in the shell text matters: inside a single-quoted string the quote is
/// closed around the value (`'a{{ x }}b'` becomes `'a''VALUE''b'`), inside a double-quoted one the
/// double quote is (`"a"'VALUE'"b"`), so the value stays literal either way. Places where quoting
/// cannot protect a value are refused when the template is parsed: a comment (a newline in the
/// value would end it), a backquoted command, `${...}`, `$((...))`, and anything after a
/// here-document operator `<<`.
public struct CommandTemplate: Hashable, Sendable, CustomStringConvertible {
    public enum Parameter: Hashable, Sendable, CustomStringConvertible {
        case label(String), annotation(String)
        case previousVersion, currentVersion, targetURL, model

        public var description: String {
            switch self {
            case .label(let n): "$labels.\(n)"
            case .annotation(let n): "$annotations.\(n)"
            case .previousVersion: ".previous_version"
            case .currentVersion: ".current_version"
            case .targetURL: ".target_url"
            case .model: ".model"
            }
        }
    }

    /// The shell context a parameter was found in; it decides how the quoted value is spliced in.
    public enum QuoteContext: Hashable, Sendable { case unquoted, singleQuoted, doubleQuoted }

    public enum Part: Hashable, Sendable {
        case text(String)
        case parameter(Parameter, QuoteContext)
    }

    /// The template as written.
    public let source: String
    public let parts: [Part]

    public var description: String { source }

    /// Every parameter the template uses, in order of appearance, without repeats.
    public var parameters: [Parameter] {
        var seen = Set<Parameter>(), out: [Parameter] = []
        for case .parameter(let p, _) in parts where seen.insert(p).inserted { out.append(p) }
        return out
    }

    /// A problem in a template, at a 1-based line and column inside the template text.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "\(line):\(column): \(message)" }
    }

    public static func parse(_ text: String) -> Result<CommandTemplate, ParseError> {
        var parts: [Part] = []
        var lexer = ShellContextLexer()
        var literal = ""
        var line = 1, column = 1
        var i = text.startIndex
        func advance(over s: Substring) {
            for c in s { if c == "\n" || c == "\r\n" { line += 1; column = 1 } else { column += 1 } }
        }
        while i < text.endIndex {
            if text[i...].hasPrefix("{{") {
                guard let close = text[i...].range(of: "}}") else {
                    return .failure(ParseError(line: line, column: column, message: "`{{` without a closing `}}`"))
                }
                let inner = text[text.index(i, offsetBy: 2)..<close.lowerBound]
                guard let parameter = Self.parameter(named: inner) else {
                    let shown = inner.trimmingSpaces
                    return .failure(ParseError(line: line, column: column, message: "unknown parameter `{{ \(shown) }}`; known: $labels.NAME, $annotations.NAME, .previous_version, .current_version, .target_url, .model"))
                }
                if !literal.isEmpty { lexer.feed(literal); parts.append(.text(literal)); literal = "" }
                let context: QuoteContext
                switch lexer.context {
                case .success(let c): context = c
                case .failure(let why):
                    return .failure(ParseError(line: line, column: column, message: "parameter {{ \(parameter) }} \(why): a quoted value cannot be kept literal there"))
                }
                parts.append(.parameter(parameter, context))
                lexer.noteParameter()
                advance(over: text[i..<close.upperBound])
                i = close.upperBound
            } else {
                literal.append(text[i])
                advance(over: text[i...i])
                i = text.index(after: i)
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return .success(CommandTemplate(source: text, parts: parts))
    }

    static func parameter(named raw: Substring) -> Parameter? {
        let name = raw.trimmingSpaces
        func ident(_ s: Substring) -> String? {
            guard let f = s.first, f == "_" || (f.isASCII && f.isLetter),
                  s.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else { return nil }
            return String(s)
        }
        if name.hasPrefix("$labels.") { return ident(name.dropFirst(8)).map(Parameter.label) }
        if name.hasPrefix("$annotations.") { return ident(name.dropFirst(13)).map(Parameter.annotation) }
        switch name {
        case ".previous_version": return .previousVersion
        case ".current_version": return .currentVersion
        case ".target_url": return .targetURL
        case ".model": return .model
        default: return nil
        }
    }

    /// Substitutes every parameter from `context`. A parameter without a value is an error naming
    /// it (never an empty string); so is a value with a NUL character, which no shell argument
    /// can carry.
    public func expand(_ context: CommandContext) -> Result<ExpandedCommand, ExpansionError> {
        var command = ""
        var spans: [(Parameter, String, Range<Int>)] = []   // offsets in Characters, mapped below
        var missing: [Parameter] = []
        for part in parts {
            switch part {
            case .text(let t): command += t
            case .parameter(let p, let ctx):
                guard let value = context.value(of: p) else { if !missing.contains(p) { missing.append(p) }; continue }
                if value.unicodeScalars.contains("\0") { return .failure(.nulInValue(p)) }
                let quoted = ShellQuote.quote(value)
                switch ctx {
                case .unquoted: break
                case .singleQuoted: command += "'"
                case .doubleQuoted: command += "\""
                }
                let start = command.unicodeScalars.count
                command += quoted
                spans.append((p, value, start..<command.unicodeScalars.count))
                switch ctx {
                case .unquoted: break
                case .singleQuoted: command += "'"
                case .doubleQuoted: command += "\""
                }
            }
        }
        if !missing.isEmpty { return .failure(.missing(missing)) }
        let scalars = command.unicodeScalars
        let subs = spans.map { p, v, r in
            ExpandedCommand.Substitution(
                parameter: p, value: v,
                range: scalars.index(scalars.startIndex, offsetBy: r.lowerBound)..<scalars.index(scalars.startIndex, offsetBy: r.upperBound))
        }
        return .success(ExpandedCommand(command: command, substitutions: subs))
    }
}

/// What the parameters of a command are filled from.
public struct CommandContext: Hashable, Sendable {
    public var labels: [String: String]
    public var annotations: [String: String]
    /// The model's name; defaults to the `model` label.
    public var model: String?
    public var previousVersion: String?
    public var currentVersion: String?
    public var targetURL: String?

    public init(labels: [String: String] = [:], annotations: [String: String] = [:], model: String? = nil,
                previousVersion: String? = nil, currentVersion: String? = nil, targetURL: String? = nil) {
        self.labels = labels; self.annotations = annotations
        self.model = model ?? labels["model"]
        self.previousVersion = previousVersion; self.currentVersion = currentVersion; self.targetURL = targetURL
    }

    public func value(of p: CommandTemplate.Parameter) -> String? {
        switch p {
        case .label(let n): labels[n]
        case .annotation(let n): annotations[n]
        case .previousVersion: previousVersion
        case .currentVersion: currentVersion
        case .targetURL: targetURL
        case .model: model
        }
    }
}

/// A command ready to show and to run with `/bin/sh -c`.
public struct ExpandedCommand: Hashable, Sendable {
    public struct Substitution: Hashable, Sendable {
        public var parameter: CommandTemplate.Parameter
        /// The raw value, before quoting.
        public var value: String
        /// Where the quoted value (quotes included) sits in `command`, for highlighting.
        public var range: Range<String.Index>
    }
    /// The exact text given to `/bin/sh -c`.
    public var command: String
    public var substitutions: [Substitution]
}

public enum ExpansionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Parameters with no value in the context, in order of appearance.
    case missing([CommandTemplate.Parameter])
    case nulInValue(CommandTemplate.Parameter)

    public var description: String {
        switch self {
        case .missing(let ps):
            "no value for " + ps.map { "{{ \($0) }}" }.joined(separator: ", ")
        case .nulInValue(let p):
            "the value of {{ \(p) }} contains a NUL character, which a shell argument cannot carry"
        }
    }
}

/// Follows enough of POSIX shell syntax to know, at any point of a command, whether a
/// single-quoted word spliced in there stays one literal word.
struct ShellContextLexer {
    private enum Frame { case code(parens: Int), single, double, ansiC, backtick, brace, arith(depth: Int), comment }
    private var stack: [Frame] = [.code(parens: 0)]
    private var escaped = false
    private var heredoc = false
    /// A word after which arguments are read as code (`eval`, `let`), or a `case` inside
    /// `$(...)`/`(...)` whose `)` patterns this lexer does not follow: no parameter after it.
    private var untracked: String?
    /// Whether the last character fed ends a word (for `#` starting a comment).
    private var atWordStart = true
    /// The last character fed was an unescaped `$` outside single quotes (`$'...'` is ANSI-C
    /// quoting in bash, which would read escapes inside the value).
    private var afterDollar = false

    mutating func feed(_ text: String) {
        // One element per Unicode scalar, as the shell reads bytes: a quote followed by a
        // combining mark is one Swift Character, and would otherwise not be seen as a quote.
        let chars = text.unicodeScalars.map(Character.init)
        var i = 0
        func peek(_ k: Int) -> Character? { i + k < chars.count ? chars[i + k] : nil }
        while i < chars.count {
            let c = chars[i]
            defer { i += 1 }
            afterDollar = false
            if escaped {
                escaped = false
                // A backslash-newline is removed by the shell: it neither starts nor ends a word.
                if c != "\n" { atWordStart = false }
                continue
            }
            switch stack.last! {
            case .code(let parens):
                if atWordStart, untracked == nil {
                    let word = Self.unquotedWord(chars[i...])
                    if word == "eval" || word == "let" { untracked = "follows `\(word)`, which runs its arguments as code" }
                    if word == "case", stack.count > 1 || parens > 0 {
                        untracked = "follows a `case` inside `(...)` or `$(...)`, which this check does not follow"
                    }
                }
                switch c {
                case "\\" where peek(1) == "\n": i += 1; continue   // a line continuation: as if absent
                case "\\": escaped = true
                case "'": stack.append(.single)
                case "\"": stack.append(.double)
                case "`": stack.append(.backtick)
                // No parameter after a comment at all: telling `a)#x` from `((a))#x` is not worth
                // the risk of a wrong guess about where the comment ends.
                case "#" where atWordStart || chars[i > 0 ? i - 1 : i] == ")":
                    untracked = untracked ?? "is inside or after a shell comment"
                case "$":
                    if peek(1) == "$" { i += 1 }   // `$$`, the shell's pid: the second `$` starts nothing
                    else if peek(1) == "(" && peek(2) == "(" { stack.append(.arith(depth: 0)); i += 2 }
                    else if peek(1) == "(" { stack.append(.code(parens: 0)); i += 1 }
                    else if peek(1) == "{" { stack.append(.brace); i += 1 }
                    else if peek(1) == "'" { stack.append(.ansiC); i += 1 }
                    else { afterDollar = true }
                case "(" where peek(1) == "(" && atWordStart: stack.append(.arith(depth: 0)); i += 1
                case "(": stack[stack.count - 1] = .code(parens: parens + 1)
                case ")":
                    if parens > 0 { stack[stack.count - 1] = .code(parens: parens - 1) }
                    else if stack.count > 1 { stack.removeLast() }
                case "<" where peek(1) == "<": heredoc = true; i += 1
                default: break
                }
                // The last character consumed (`(` after `$(`) decides whether a word starts next.
                let last = chars[i]
                atWordStart = last == " " || last == "\t" || last == "\n" || last == ";" || last == "|" || last == "&" || last == "(" || last == ")"
                continue
            case .single:
                if c == "'" { stack.removeLast() }
            case .double:
                switch c {
                case "\\": escaped = true
                case "\"": stack.removeLast()
                case "`": stack.append(.backtick)
                case "$":
                    if peek(1) == "$" { i += 1 }   // `$$`, the shell's pid: the second `$` starts nothing
                    else if peek(1) == "(" && peek(2) == "(" { stack.append(.arith(depth: 0)); i += 2 }
                    else if peek(1) == "(" { stack.append(.code(parens: 0)); i += 1 }
                    else if peek(1) == "{" { stack.append(.brace); i += 1 }
                    else { afterDollar = true }
                default: break
                }
            case .backtick:
                if c == "\\" { escaped = true } else if c == "`" { stack.removeLast() }
                else if c == "'" || c == "\"" { untracked = untracked ?? "follows quotes inside a backquoted command, which this check does not follow" }
            case .brace:
                if c == "}" { stack.removeLast() }
                else if c == "'" || c == "\"" || c == "\\" || c == "{" || c == "`" {
                    untracked = untracked ?? "follows quotes or nesting inside `${...}`, which this check does not follow"
                }
            case .ansiC:
                if c == "\\" { escaped = true } else if c == "'" { stack.removeLast() }
            case .arith(let depth):
                if c == "'" || c == "\"" || c == "`" || c == "\\" {
                    untracked = untracked ?? "follows quotes inside `$((...))`, which this check does not follow"
                } else if c == "(" { stack[stack.count - 1] = .arith(depth: depth + 1) }
                else if c == ")" && depth > 0 { stack[stack.count - 1] = .arith(depth: depth - 1) }
                else if c == ")" && peek(1) == ")" { stack.removeLast(); i += 1 }
            case .comment:
                if c == "\n" { stack.removeLast() }
            }
            // `$(` just opened a command, or a comment just ended: a word starts next.
            // After `))` a word may start too (`((a))#`): over-guessing only refuses more.
            if case .code = stack.last!, chars[i] == "(" || chars[i] == "\n" || chars[i] == ")" { atWordStart = true } else { atWordStart = false }
        }
    }

    /// The word starting at `s` after quote removal (`\\eval`, `'ev'al` and `"eval"` are `eval`).
    static func unquotedWord(_ s: ArraySlice<Character>) -> String {
        var out = "", i = s.startIndex
        while i < s.endIndex, out.count < 8 {
            let c = s[i]
            if " \t\n;|&()<>".contains(c) { break }
            if c == "\\" { i += 1; if i < s.endIndex, s[i] != "\n" { out.append(s[i]) }; i += 1; continue }
            if c == "'" || c == "\"" {
                i += 1
                while i < s.endIndex, s[i] != c { out.append(s[i]); i += 1 }
                i += 1; continue
            }
            out.append(c); i += 1
        }
        return out
    }

    /// A quoted value was spliced in here: it is part of a word.
    mutating func noteParameter() { atWordStart = false; afterDollar = false }

    /// The quoting context here, or why a parameter may not stand here.
    var context: Result<CommandTemplate.QuoteContext, Reason> {
        if heredoc { return .failure(Reason("follows a here-document `<<`")) }
        if let untracked { return .failure(Reason(untracked)) }
        for f in stack {
            switch f {
            case .backtick: return .failure(Reason("is inside a backquoted command"))
            case .brace: return .failure(Reason("is inside `${...}`"))
            case .arith: return .failure(Reason("is inside `$((...))` or `((...))`"))
            case .ansiC: return .failure(Reason("is inside `$'...'`"))
            case .comment: return .failure(Reason("is inside a shell comment"))
            default: continue
            }
        }
        if escaped { return .failure(Reason("follows a backslash")) }
        if afterDollar { return .failure(Reason("follows a `$`")) }
        switch stack.last! {
        case .single: return .success(.singleQuoted)
        case .double: return .success(.doubleQuoted)
        default: return .success(.unquoted)
        }
    }

    struct Reason: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
