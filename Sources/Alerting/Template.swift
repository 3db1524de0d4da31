import Foundation
import PromQL
import Telemetry

#if canImport(Glibc)
import Glibc
#endif

// Prometheus rule templates: Go's text/template (as built into Prometheus 2.42) with Prometheus's
// template functions. The parser and the executor follow text/template's own structure (lexer items,
// pipelines of commands, a variable stack, `s.at(node)` for error context) so that the rendered text
// and the error texts agree with `promtool test rules`.

// MARK: - Errors and data

/// A template error: at parse time it rejects the rule; at expansion time it becomes the text
/// `<error expanding template: ...>` as in Prometheus.
public struct TemplateError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    /// Execution errors only: the 1-based line of the failing node in the template text.
    public var line: Int?
    /// Execution errors only: Go's column of the failing node (0-based, in bytes from the start of its line).
    public var column: Int?
    /// Execution errors only: Go's rendering of the failing node, as in `at <first>`.
    public var context: String?

    public init(_ message: String) { self.message = message }
    init(_ message: String, line: Int, column: Int, context: String) {
        self.message = message; self.line = line; self.column = column; self.context = context
    }
    public var description: String {
        guard let line, let column, let context else { return message }
        return "\(line):\(column): executing at <\(context)>: \(message)"
    }
}

/// The data a rule template sees: `$labels`/`.Labels`, `$value`/`.Value`, `$externalLabels`/`.ExternalLabels`,
/// `$externalURL`/`.ExternalURL`, and what the `query` function runs against.
public struct TemplateData: Sendable {
    public var labels: [String: String]
    public var value: Double
    public var externalLabels: [String: String]
    public var externalURL: String
    /// The store and time that `query` uses; nil makes every `query` call an error.
    public var querier: TemplateQuerier?
    public init(labels: [String: String], value: Double, externalLabels: [String: String] = [:], externalURL: String = "",
                querier: TemplateQuerier? = nil) {
        self.labels = labels; self.value = value; self.externalLabels = externalLabels; self.externalURL = externalURL
        self.querier = querier
    }
}

/// What a template's `query "..."` runs against: the rule's engine and store, at the rule's evaluation time
/// (Prometheus's `rules.EngineQueryFunc`).
public struct TemplateQuerier: Sendable {
    /// A query in a template that returns more samples than this is an error.
    public static let defaultMaxSamples = 10_000

    public var engine: Engine
    public var store: SeriesStore
    public var time: Timestamp
    public var maxSamples: Int

    public init(engine: Engine, store: SeriesStore, time: Timestamp, maxSamples: Int = TemplateQuerier.defaultMaxSamples) {
        self.engine = engine; self.store = store; self.time = time; self.maxSamples = maxSamples
    }

    /// Runs `query` at `time`: a vector as it is, a scalar as one sample without labels, anything else an error.
    func run(_ query: String) throws -> [TemplateSample] {
        let expr: Expr
        do { expr = try Parser.parse(query) } catch let e as PromQLError {
            if let p = e.position { throw TemplateError("\(p.line):\(p.column): parse error: \(e.message)") }
            throw TemplateError("parse error: \(e.message)")
        }
        let result = try engine.instantQuery(expr, store: store, at: time)
        switch result.value {
        case .vector(let samples):
            guard samples.count <= maxSamples else {
                throw TemplateError("query returned \(samples.count) samples, more than the limit of \(maxSamples) for a template query")
            }
            return samples.map { s in
                var labels: [String: String] = [:]
                for p in s.labels { labels[p.name] = p.value }
                return TemplateSample(labels: labels, value: s.v)
            }
        case .scalar(let v):
            return [TemplateSample(labels: [:], value: v)]
        default:
            throw TemplateError("rule result is not a vector or scalar")
        }
    }
}

/// One element of a `query` result (Prometheus's `*template.sample`: `.Labels`, `.Value`).
struct TemplateSample: Sendable, Equatable {
    var labels: [String: String]
    var value: Double
}

// MARK: - Template

/// Go's text/template as Prometheus rule templates use it: text, `{{ pipeline }}` actions with trim markers and
/// comments, variables (`$x := ...`, `$x = ...`), `if`/`else if`/`else`, `range` (with `$k, $v :=`, `else`,
/// `break`, `continue`), `with`/`else`, parenthesized pipelines, field chains; Go's builtins (`and`, `or`, `not`,
/// `eq`..`ge`, `len`, `index`, `slice`, `print`, `printf`, `println`, `html`, `js`, `urlquery`, `call`) and
/// Prometheus's functions (`query`, `first`, `label`, `value`, `strvalue`, `sortByLabel`, `args`, the `humanize`
/// family, `humanizeTimestamp`, `toTime`, `parseDuration`, `toUpper`, `toLower`, `title`, `match`, `reReplaceAll`,
/// `safeHtml`, `stripPort`, `stripDomain`, `graphLink`, `tableLink`, `externalURL`, `pathPrefix`).
/// `define`, `template` and `block` are rejected at parse time.
public struct Template: Sendable {
    public let source: String
    let nodes: [Node]

    /// Prometheus prepends `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`
    /// (112 bytes) to every rule template, so Go's error columns on the first line count it.
    static let prometheusPrefixLength = 112
    /// The variables that prefix declares, and Go's `$`.
    static let predeclared = ["$", "$labels", "$externalLabels", "$externalURL", "$value"]
    /// Nesting of control structures and parentheses deeper than this is a parse error (keeps recursion bounded).
    static let maxNesting = 200
    /// Bounds on one expansion, so that a template cannot hang rule evaluation.
    static let maxRangeIterations = 100_000
    static let maxOutputBytes = 1 << 20
    static let maxQueryCalls = 1_000
    static let maxQuerySamplesTotal = 100_000

    public init(_ text: String) throws {
        source = text
        var lexer = Lexer(text)
        let items = try lexer.lex()
        var parser = TemplateParser(items: items, source: lexer.bytes)
        nodes = try parser.parseTemplate()
    }

    /// Expands the template; errors are returned as Prometheus does (the caller decides what to show).
    public func expand(_ data: TemplateData) throws -> String {
        var ex = Executor(data: data)
        do {
            try ex.walkList(.root(data), nodes)
        } catch let e as ExecError {
            let bytes = Array(source.utf8)
            let pos = min(e.pos, bytes.count)
            let before = bytes[..<pos]
            let line = 1 + before.filter { $0 == 0x0A }.count
            let column = before.lastIndex(of: 0x0A).map { pos - $0 - 1 } ?? pos
            throw TemplateError(e.message, line: line, column: column, context: e.context)
        }
        return ex.out
    }

    /// Expands, turning an error into Prometheus's `<error expanding template: ...>` text
    /// (with Go's `template: NAME:LINE:COL: executing "NAME" at <NODE>: ...` for execution errors).
    public func expandOrError(_ data: TemplateData, name: String) -> String {
        do { return try expand(data) } catch {
            let n = "__alert_\(name)"
            if let e = error as? TemplateError, let line = e.line, let column = e.column, let context = e.context {
                let col = line == 1 ? column + Template.prometheusPrefixLength : column
                return "<error expanding template: error executing template \(n): template: \(n):\(line):\(col): executing \"\(n)\" at <\(context)>: \(e.message)>"
            }
            return "<error expanding template: error executing template \(n): \(error)>"
        }
    }

    /// A parse error at byte offset `pos` of `source`; multi-line templates also name the line.
    static func parseError(_ message: String, at pos: Int, in source: [UInt8]) -> TemplateError {
        guard source.contains(0x0A) else { return TemplateError(message) }
        let line = 1 + source[..<min(pos, source.count)].filter { $0 == 0x0A }.count
        return TemplateError("\(message) (template line \(line))")
    }
}

// MARK: - Parse tree

extension Template {
    indirect enum Node: Sendable {
        case text(String)
        case action(Pipe)
        case ifNode(Pipe, [Node], [Node]?)
        case rangeNode(Pipe, [Node], [Node]?)
        case withNode(Pipe, [Node], [Node]?)
        case breakNode
        case continueNode
    }

    /// `$a, $b := cmd | cmd` (Go's PipeNode).
    struct Pipe: Sendable {
        var pos: Int
        var decls: [String]
        var isAssign: Bool
        var cmds: [Command]
        var render: String {
            (decls.isEmpty ? "" : decls.joined(separator: ", ") + " := ") + cmds.map(\.render).joined(separator: " | ")
        }
    }

    /// One stage of a pipeline: a function or value followed by its arguments (Go's CommandNode).
    struct Command: Sendable {
        var pos: Int
        var args: [Operand]
        var render: String { args.map(\.renderInCommand).joined(separator: " ") }
    }

    /// Go's literal number: its text and the constant that an `interface{}` argument receives.
    struct NumberLit: Sendable {
        var text: String
        var ideal: TValue?   // nil: a number that overflows int
    }

    indirect enum Operand: Sendable {
        case string(String, quoted: String, pos: Int)
        case number(NumberLit, pos: Int)
        case bool(Bool, pos: Int)
        case nilValue(pos: Int)
        case dot(pos: Int)
        case field([String], pos: Int)          // .A.b
        case variable([String], pos: Int)       // $x.a.b ("$x" first)
        case identifier(String, pos: Int)       // a function name
        case pipe(Pipe)                         // ( pipeline )
        case chain(Operand, [String], pos: Int) // (pipeline).A.b

        var pos: Int {
            switch self {
            case .string(_, _, let p), .number(_, let p), .bool(_, let p), .nilValue(let p), .dot(let p),
                 .field(_, let p), .variable(_, let p), .identifier(_, let p), .chain(_, _, let p): return p
            case .pipe(let p): return p.pos
            }
        }
        /// Go's `Node.String()`.
        var render: String {
            switch self {
            case .string(_, let q, _): return q
            case .number(let n, _): return n.text
            case .bool(let b, _): return b ? "true" : "false"
            case .nilValue: return "nil"
            case .dot: return "."
            case .field(let ids, _): return ids.map { "." + $0 }.joined()
            case .variable(let ids, _): return ids.joined(separator: ".")
            case .identifier(let n, _): return n
            case .pipe(let p): return p.render
            case .chain(let node, let fields, _):
                let head: String
                if case .pipe(let p) = node { head = "(" + p.render + ")" } else { head = node.render }
                return head + fields.map { "." + $0 }.joined()
            }
        }
        var renderInCommand: String {
            if case .pipe(let p) = self { return "(" + p.render + ")" }
            return render
        }
    }
}

// MARK: - Lexer (text/template's lex.go)

struct LexItem: Sendable {
    enum Kind: Sendable, Equatable {
        case text, leftDelim, rightDelim, space, assign, declare, pipe, leftParen, rightParen, char
        case string, rawString, charConstant, number, bool, dot, field, variable, identifier, keyword, nilKeyword, eof
    }
    var kind: Kind
    var val: String
    var pos: Int

    /// As Go's `item.String()` in "unexpected X in Y".
    var describe: String {
        switch kind {
        case .eof: return "EOF"
        case .keyword, .nilKeyword, .dot: return "<\(val)>"
        default:
            if val.count > 10 { return GoFormat.quote(String(val.prefix(10))) + "..." }
            return GoFormat.quote(val)
        }
    }
}

struct Lexer {
    let bytes: [UInt8]
    var i = 0
    var items: [LexItem] = []
    var parenDepth = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    static let keywords: Set<String> = ["block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"]

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isAlphaNumeric(_ c: UInt8) -> Bool {
        c == 0x5F || isDigit(c) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c >= 0x80
    }

    func has(_ s: StaticString, at j: Int) -> Bool {
        let n = s.utf8CodeUnitCount
        guard j >= 0, j + n <= bytes.count else { return false }
        let p = s.utf8Start
        for k in 0..<n where bytes[j + k] != p[k] { return false }
        return true
    }
    func find(_ s: StaticString, from j: Int) -> Int? {
        var k = j
        while k + s.utf8CodeUnitCount <= bytes.count {
            if has(s, at: k) { return k }
            k += 1
        }
        return nil
    }
    func text(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }
    func error(_ message: String, _ pos: Int) -> TemplateError { Template.parseError(message, at: pos, in: bytes) }
    mutating func emit(_ kind: LexItem.Kind, from start: Int) { items.append(LexItem(kind: kind, val: text(start..<i), pos: start)) }

    /// `}}` or ` -}}` at `j`: (is a right delimiter, has a trim marker).
    func atRightDelim(_ j: Int) -> (Bool, Bool) {
        if j + 1 < bytes.count, Lexer.isSpace(bytes[j]), bytes[j + 1] == UInt8(ascii: "-"), has("}}", at: j + 2) { return (true, true) }
        return (has("}}", at: j), false)
    }
    func atTerminator(_ j: Int) -> Bool {
        guard j < bytes.count else { return true }
        let c = bytes[j]
        if Lexer.isSpace(c) { return true }
        switch c {
        case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: ":"), UInt8(ascii: ")"), UInt8(ascii: "("): return true
        default: return has("}}", at: j)
        }
    }
    func badCharacter(_ j: Int) -> TemplateError {
        let scalar = j < bytes.count ? String(decoding: bytes[j...].prefix(4), as: UTF8.self).unicodeScalars.first : nil
        let code = scalar.map { String(format: "U+%04X '%@'", $0.value, String($0)) } ?? "EOF"
        return error("bad character \(code)", j)
    }

    mutating func lex() throws -> [LexItem] {
        while i < bytes.count, let open = find("{{", from: i) {
            let afterDelim = open + 2
            let trimLeft = afterDelim + 1 < bytes.count && bytes[afterDelim] == UInt8(ascii: "-") && Lexer.isSpace(bytes[afterDelim + 1])
            var textEnd = open
            if trimLeft { while textEnd > i, Lexer.isSpace(bytes[textEnd - 1]) { textEnd -= 1 } }
            if textEnd > i { items.append(LexItem(kind: .text, val: text(i..<textEnd), pos: i)) }
            i = afterDelim + (trimLeft ? 2 : 0)
            if has("/*", at: i) {
                try lexComment(open)
            } else {
                items.append(LexItem(kind: .leftDelim, val: "{{", pos: open))
                parenDepth = 0
                try lexInsideAction(open)
            }
        }
        if i < bytes.count { items.append(LexItem(kind: .text, val: text(i..<bytes.count), pos: i)) }
        items.append(LexItem(kind: .eof, val: "", pos: bytes.count))
        return items
    }

    mutating func lexComment(_ open: Int) throws {
        i += 2
        guard let end = find("*/", from: i) else { throw error("unclosed comment", open) }
        i = end + 2
        let (delim, trim) = atRightDelim(i)
        guard delim else { throw error("comment ends before closing delimiter", open) }
        i += (trim ? 2 : 0) + 2
        if trim { while i < bytes.count, Lexer.isSpace(bytes[i]) { i += 1 } }
    }

    mutating func lexInsideAction(_ open: Int) throws {
        while true {
            let (delim, trim) = atRightDelim(i)
            if delim {
                guard parenDepth == 0 else { throw error("unclosed left paren", open) }
                if trim { i += 2 }
                items.append(LexItem(kind: .rightDelim, val: "}}", pos: i))
                i += 2
                if trim { while i < bytes.count, Lexer.isSpace(bytes[i]) { i += 1 } }
                return
            }
            guard i < bytes.count else { throw error("unclosed action: no closing \"}}\"", open) }
            let start = i
            let c = bytes[i]
            switch c {
            case _ where Lexer.isSpace(c):
                var n = 0
                while i < bytes.count, Lexer.isSpace(bytes[i]) { i += 1; n += 1 }
                // In ` -}}` the last space belongs to the trim marker.
                if i < bytes.count, bytes[i] == UInt8(ascii: "-"), has("}}", at: i + 1) {
                    i -= 1
                    if n == 1 { continue }
                }
                emit(.space, from: start)
            case UInt8(ascii: "="):
                i += 1; emit(.assign, from: start)
            case UInt8(ascii: ":"):
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "=") else { throw error("expected :=", i) }
                i += 2; emit(.declare, from: start)
            case UInt8(ascii: "|"):
                i += 1; emit(.pipe, from: start)
            case UInt8(ascii: "\""):
                try lexQuote(UInt8(ascii: "\""), "unterminated quoted string")
                emit(.string, from: start)
            case UInt8(ascii: "'"):
                try lexQuote(UInt8(ascii: "'"), "unterminated character constant")
                emit(.charConstant, from: start)
            case UInt8(ascii: "`"):
                guard let end = bytes[(i + 1)...].firstIndex(of: UInt8(ascii: "`")) else { throw error("unterminated raw quoted string", i) }
                i = end + 1; emit(.rawString, from: start)
            case UInt8(ascii: "$"):
                i += 1
                if !atTerminator(i) {
                    while i < bytes.count, Lexer.isAlphaNumeric(bytes[i]) { i += 1 }
                    guard atTerminator(i) else { throw badCharacter(i) }
                }
                emit(.variable, from: start)
            case UInt8(ascii: ".") where !(i + 1 < bytes.count && Lexer.isDigit(bytes[i + 1])):
                i += 1
                if atTerminator(i) { emit(.dot, from: start); continue }
                while i < bytes.count, Lexer.isAlphaNumeric(bytes[i]) { i += 1 }
                guard atTerminator(i) else { throw badCharacter(i) }
                emit(.field, from: start)
            case UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard scanNumber() else { throw error("bad number syntax: \(GoFormat.quote(text(start..<i)))", start) }
                emit(.number, from: start)
            case _ where Lexer.isAlphaNumeric(c):
                while i < bytes.count, Lexer.isAlphaNumeric(bytes[i]) { i += 1 }
                guard atTerminator(i) else { throw badCharacter(i) }
                let word = text(start..<i)
                if Lexer.keywords.contains(word) { emit(.keyword, from: start) } else if word == "nil" { emit(.nilKeyword, from: start) } else if word == "true" || word == "false" { emit(.bool, from: start) } else { emit(.identifier, from: start) }
            case UInt8(ascii: "("):
                i += 1; parenDepth += 1; emit(.leftParen, from: start)
            case UInt8(ascii: ")"):
                i += 1; parenDepth -= 1
                guard parenDepth >= 0 else { throw error("unexpected right paren", start) }
                emit(.rightParen, from: start)
            case 0x21...0x7E:
                i += 1; emit(.char, from: start)
            default:
                throw error("unrecognized character in action: U+\(String(format: "%04X", c))", start)
            }
        }
    }

    mutating func lexQuote(_ quote: UInt8, _ unterminated: String) throws {
        let start = i
        i += 1
        while true {
            guard i < bytes.count else { throw error(unterminated, start) }
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\\") {
                guard i < bytes.count, bytes[i] != 0x0A else { throw error(unterminated, start) }
                i += 1
            } else if c == 0x0A {
                throw error(unterminated, start)
            } else if c == quote {
                return
            }
        }
    }

    /// Go's `scanNumber`: sign, base prefix, digits with `_`, fraction, exponent; nothing alphanumeric after.
    mutating func scanNumber() -> Bool {
        func accept(_ set: String) -> Bool {
            if i < bytes.count, set.utf8.contains(bytes[i]) { i += 1; return true }
            return false
        }
        func acceptRun(_ set: String) { while accept(set) {} }
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") { digits = "0123456789abcdefABCDEF_" } else if accept("oO") { digits = "01234567_" } else if accept("bB") { digits = "01_" }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11, accept("eE") { _ = accept("+-"); acceptRun("0123456789_") }
        if digits.count == 23, accept("pP") { _ = accept("+-"); acceptRun("0123456789_") }
        _ = accept("i")
        if i < bytes.count, Lexer.isAlphaNumeric(bytes[i]) { i += 1; return false }
        return true
    }
}

// MARK: - Parser (text/template's parse.go)

struct TemplateParser {
    typealias Node = Template.Node
    typealias Pipe = Template.Pipe
    typealias Command = Template.Command
    typealias Operand = Template.Operand

    enum Parsed { case node(Node), end(Int), elseMarker(Int) }

    let items: [LexItem]
    let source: [UInt8]
    var p = 0
    /// Variables in scope (Go checks every use at parse time).
    var vars: [String] = Template.predeclared
    var rangeDepth = 0
    var depth = 0

    init(items: [LexItem], source: [UInt8]) { self.items = items; self.source = source }

    func peek() -> LexItem { items[min(p, items.count - 1)] }
    mutating func next() -> LexItem { let t = peek(); p += 1; return t }
    mutating func backup() { p -= 1 }
    mutating func nextNonSpace() -> LexItem {
        var t = next()
        while t.kind == .space { t = next() }
        return t
    }
    mutating func peekNonSpace() -> LexItem { let t = nextNonSpace(); backup(); return t }

    func fail(_ message: String, _ pos: Int) -> TemplateError { Template.parseError(message, at: pos, in: source) }
    func unexpected(_ t: LexItem, _ context: String) -> TemplateError { fail("unexpected \(t.describe) in \(context)", t.pos) }
    /// "line L, column C" (1-based, in characters) of a byte offset, for messages about where a block opened.
    func location(_ pos: Int) -> String {
        let before = source[..<min(pos, source.count)]
        let line = 1 + before.filter { $0 == 0x0A }.count
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = String(decoding: source[lineStart..<min(pos, source.count)], as: UTF8.self).count + 1
        return "line \(line), column \(column)"
    }

    mutating func expect(_ kind: LexItem.Kind, _ context: String) throws -> LexItem {
        let t = nextNonSpace()
        guard t.kind == kind else { throw unexpected(t, context) }
        return t
    }

    mutating func parseTemplate() throws -> [Node] {
        var out: [Node] = []
        while peek().kind != .eof {
            switch try textOrAction() {
            case .node(let n): out.append(n)
            case .end(let pos): throw fail("unexpected {{end}}", pos)
            case .elseMarker(let pos): throw fail("unexpected {{else}}", pos)
            }
        }
        return out
    }

    mutating func textOrAction() throws -> Parsed {
        let t = nextNonSpace()
        switch t.kind {
        case .text: return .node(.text(t.val))
        case .leftDelim: return try action()
        default: throw unexpected(t, "input")
        }
    }

    mutating func action() throws -> Parsed {
        let t = nextNonSpace()
        if t.kind == .keyword {
            switch t.val {
            case "break", "continue":
                _ = try expect(.rightDelim, "{{\(t.val)}}")
                guard rangeDepth > 0 else { throw fail("{{\(t.val)}} outside {{range}}", t.pos) }
                return .node(t.val == "break" ? .breakNode : .continueNode)
            case "else":
                let n = peekNonSpace()
                if n.kind == .keyword, n.val == "if" { return .elseMarker(t.pos) }
                _ = try expect(.rightDelim, "else")
                return .elseMarker(t.pos)
            case "end":
                _ = try expect(.rightDelim, "end")
                return .end(t.pos)
            case "if":
                let (pipe, list, elseList) = try parseControl(allowElseIf: true, "if", t.pos)
                return .node(.ifNode(pipe, list, elseList))
            case "range":
                let (pipe, list, elseList) = try parseControl(allowElseIf: false, "range", t.pos)
                return .node(.rangeNode(pipe, list, elseList))
            case "with":
                let (pipe, list, elseList) = try parseControl(allowElseIf: false, "with", t.pos)
                return .node(.withNode(pipe, list, elseList))
            default:
                throw fail("{{\(t.val)}} is not supported in rule templates", t.pos)
            }
        }
        backup()
        return .node(.action(try pipeline("command", end: .rightDelim)))
    }

    mutating func parseControl(allowElseIf: Bool, _ context: String, _ openPos: Int) throws -> (Pipe, [Node], [Node]?) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Template.maxNesting else { throw fail("control structures nested more than \(Template.maxNesting) deep", openPos) }
        let mark = vars.count
        defer { vars.removeSubrange(mark...) }
        let pipe = try pipeline(context, end: .rightDelim)
        if context == "range" { rangeDepth += 1 }
        let (list, next) = try itemList(context, openPos)
        if context == "range" { rangeDepth -= 1 }
        guard case .elseMarker = next else { return (pipe, list, nil) }
        if allowElseIf, peek().kind == .keyword, peek().val == "if" {
            // {{if a}}..{{else if b}}..{{end}} is {{if a}}..{{else}}{{if b}}..{{end}}{{end}}, with one {{end}}.
            let ifTok = self.next()
            let (p2, l2, e2) = try parseControl(allowElseIf: true, "if", ifTok.pos)
            return (pipe, list, [.ifNode(p2, l2, e2)])
        }
        let (elseList, end) = try itemList(context, openPos)
        switch end {
        case .end: return (pipe, list, elseList)
        case .elseMarker(let pos): throw fail("expected {{end}}; found a second {{else}} in {{\(context)}}", pos)
        case .node: throw fail("expected {{end}}", openPos)
        }
    }

    mutating func itemList(_ context: String, _ openPos: Int) throws -> ([Node], Parsed) {
        var list: [Node] = []
        while peekNonSpace().kind != .eof {
            let n = try textOrAction()
            if case .node(let x) = n { list.append(x) } else { return (list, n) }
        }
        throw fail("unexpected EOF: {{\(context)}} opened at \(location(openPos)) has no matching {{end}}", openPos)
    }

    mutating func pipeline(_ context: String, end: LexItem.Kind) throws -> Pipe {
        var pipe = Pipe(pos: peekNonSpace().pos, decls: [], isAssign: false, cmds: [])
        decls: while true {
            let save = p
            let v = nextNonSpace()
            guard v.kind == .variable else { p = save; break }
            let n = nextNonSpace()
            switch n.kind {
            case .assign, .declare:
                pipe.isAssign = n.kind == .assign
                pipe.decls.append(v.val); vars.append(v.val)
                break decls
            case .char where n.val == ",":
                pipe.decls.append(v.val); vars.append(v.val)
                if context == "range", pipe.decls.count < 2 {
                    switch peekNonSpace().kind {
                    case .variable, .rightDelim, .rightParen: continue decls
                    default: throw fail("range can only initialize variables", n.pos)
                    }
                }
                throw fail("too many declarations in \(context)", n.pos)
            default:
                p = save
                break decls
            }
        }
        while true {
            let t = nextNonSpace()
            if t.kind == end {
                guard !pipe.cmds.isEmpty else { throw fail("missing value for \(context)", t.pos) }
                for (k, c) in pipe.cmds.enumerated().dropFirst() {
                    switch c.args[0] {
                    case .bool, .dot, .nilValue, .number, .string:
                        throw fail("non executable command in pipeline stage \(k + 1)", c.pos)
                    default: break
                    }
                }
                return pipe
            }
            switch t.kind {
            case .bool, .charConstant, .number, .dot, .field, .identifier, .nilKeyword, .rawString, .string, .variable, .leftParen:
                backup()
                pipe.cmds.append(try command())
            default:
                throw unexpected(t, context)
            }
        }
    }

    mutating func command() throws -> Command {
        var cmd = Command(pos: peekNonSpace().pos, args: [])
        loop: while true {
            _ = peekNonSpace()
            if let op = try operand() { cmd.args.append(op) }
            let t = next()
            switch t.kind {
            case .space: continue loop
            case .rightDelim, .rightParen: backup()
            case .pipe: break
            default: throw unexpected(t, "operand")
            }
            break
        }
        guard !cmd.args.isEmpty else { throw fail("empty command", cmd.pos) }
        return cmd
    }

    mutating func operand() throws -> Operand? {
        guard let node = try term() else { return nil }
        guard peek().kind == .field else { return node }
        let chainPos = peek().pos
        var fields: [String] = []
        while peek().kind == .field { fields.append(String(next().val.dropFirst())) }
        switch node {
        case .field(let ids, _): return .field(ids + fields, pos: chainPos)
        case .variable(let ids, _): return .variable(ids + fields, pos: chainPos)
        case .bool, .string, .number, .nilValue, .dot: throw fail("unexpected . after term \(GoFormat.quote(node.render))", chainPos)
        default: return .chain(node, fields, pos: chainPos)
        }
    }

    mutating func term() throws -> Operand? {
        let t = nextNonSpace()
        switch t.kind {
        case .identifier:
            guard Template.signatures[t.val] != nil else { throw fail("function \(GoFormat.quote(t.val)) not defined", t.pos) }
            return .identifier(t.val, pos: t.pos)
        case .dot: return .dot(pos: t.pos)
        case .nilKeyword: return .nilValue(pos: t.pos)
        case .variable:
            guard vars.contains(t.val) else { throw fail("undefined variable \(GoFormat.quote(t.val))", t.pos) }
            return .variable([t.val], pos: t.pos)
        case .field: return .field([String(t.val.dropFirst())], pos: t.pos)
        case .bool: return .bool(t.val == "true", pos: t.pos)
        case .number, .charConstant: return .number(try number(t), pos: t.pos)
        case .leftParen:
            depth += 1
            defer { depth -= 1 }
            guard depth <= Template.maxNesting else { throw fail("parentheses nested more than \(Template.maxNesting) deep", t.pos) }
            return .pipe(try pipeline("parenthesized pipeline", end: .rightParen))
        case .string, .rawString:
            guard let s = GoFormat.unquote(t.val) else { throw fail("invalid syntax in string \(t.val)", t.pos) }
            return .string(s, quoted: t.val, pos: t.pos)
        default:
            backup()
            return nil
        }
    }

    /// Go's `newNumber` and `idealConstant`: `1` is an int, `1.0`/`1e3` a float64, `'a'` an int (the rune).
    func number(_ t: LexItem) throws -> Template.NumberLit {
        let text = t.val
        if t.kind == .charConstant {
            guard let s = GoFormat.unquote(text), s.unicodeScalars.count == 1 else { throw fail("malformed character constant: \(text)", t.pos) }
            return .init(text: text, ideal: .int(Int(s.unicodeScalars.first!.value)))
        }
        if text.hasSuffix("i") { throw fail("complex numbers are not supported: \(GoFormat.quote(text))", t.pos) }
        let isHexInt = text.count > 2 && (text.hasPrefix("0x") || text.hasPrefix("0X")) && !text.contains(where: { $0 == "p" || $0 == "P" })
        let looksFloat = !isHexInt && text.contains(where: { ".eEpP".contains($0) })
        if let n = GoFormat.parseInt(text) {
            return .init(text: text, ideal: looksFloat ? .float(Double(n)) : .int(n))
        }
        if GoFormat.parseUnsigned(text) != nil { return .init(text: text, ideal: nil) }
        if let f = GoFormat.parseFloat(text.replacingOccurrences(of: "_", with: "")) {
            guard looksFloat else { throw fail("integer overflow: \(GoFormat.quote(text))", t.pos) }
            return .init(text: text, ideal: .float(f))
        }
        throw fail("illegal number syntax: \(GoFormat.quote(text))", t.pos)
    }
}

// MARK: - Values

extension Template {
    /// A value during expansion, standing for the Go value Prometheus's template would hold.
    enum TValue: Sendable {
        case invalid                        // Go's invalid reflect.Value (nil): prints <no value>
        case string(String)
        case float(Double)                  // float64
        case int(Int)                       // int (integer literals, range indexes, len)
        case bool(Bool)
        case stringMap([String: String])    // map[string]string (labels)
        case anyMap([String: TValue])       // map[string]interface {} (args)
        case sample(TemplateSample?)        // *template.sample
        case samples([TemplateSample])      // template.queryResult
        case time(Int64)                    // *time.Time (milliseconds since the epoch), from toTime
        case root(TemplateData)             // the alert data struct

        static let rootTypeName = "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"

        /// Go's type name, as `%T` and error messages print it.
        var typeName: String {
            switch self {
            case .invalid: return "<nil>"
            case .string: return "string"
            case .float: return "float64"
            case .int: return "int"
            case .bool: return "bool"
            case .stringMap: return "map[string]string"
            case .anyMap: return "map[string]interface {}"
            case .sample: return "*template.sample"
            case .samples: return "template.queryResult"
            case .time: return "*time.Time"
            case .root: return TValue.rootTypeName
            }
        }

        var isInvalid: Bool { if case .invalid = self { return true } else { return false } }
        var isString: Bool { if case .string = self { return true } else { return false } }

        /// Go's `isTrue`: the zero value, nil and empty collections are false; structs and non-nil pointers true.
        var truth: Bool {
            switch self {
            case .invalid: return false
            case .string(let s): return !s.isEmpty
            case .float(let d): return d != 0
            case .int(let i): return i != 0
            case .bool(let b): return b
            case .stringMap(let m): return !m.isEmpty
            case .anyMap(let m): return !m.isEmpty
            case .sample(let s): return s != nil
            case .samples(let xs): return !xs.isEmpty
            case .time, .root: return true
            }
        }

        /// `fmt.Sprint` (`%v`).
        var formatted: String {
            switch self {
            case .invalid: return "<nil>"
            case .string(let s): return s
            case .float(let d): return GoFormat.v(d)
            case .int(let i): return String(i)
            case .bool(let b): return b ? "true" : "false"
            case .stringMap(let m): return "map[" + Template.sortedKeys(m).map { "\($0):\(m[$0]!)" }.joined(separator: " ") + "]"
            case .anyMap(let m): return "map[" + Template.sortedKeys(m).map { "\($0):\(m[$0]!.formatted)" }.joined(separator: " ") + "]"
            case .sample(let s): return s.map { "&" + TValue.sampleStruct($0) } ?? "<nil>"
            // Go prints the pointers' addresses here; the samples themselves are more use.
            case .samples(let xs): return "[" + xs.map { "&" + TValue.sampleStruct($0) }.joined(separator: " ") + "]"
            case .time(let ms): return GoFormat.time(milliseconds: ms)
            case .root(let d):
                return "{\(TValue.stringMap(d.labels).formatted) \(TValue.stringMap(d.externalLabels).formatted) \(d.externalURL) \(GoFormat.v(d.value))}"
            }
        }

        /// What an action prints: text/template's `printableValue` dereferences pointers; nil is `<no value>`.
        var printed: String {
            switch self {
            case .invalid, .sample(nil): return "<no value>"
            case .sample(let s?): return TValue.sampleStruct(s)
            default: return formatted
            }
        }

        static func sampleStruct(_ s: TemplateSample) -> String {
            "{\(TValue.stringMap(s.labels).formatted) \(GoFormat.v(s.value))}"
        }
    }

    /// Map keys in Go's order (bytewise).
    static func sortedKeys<V>(_ m: [String: V]) -> [String] {
        m.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Parameter types of template functions, as far as Go's argument checks tell them apart.
    enum ParamType: Sendable {
        case any, reflectValue, string, sample, samples
        var goName: String {
            switch self {
            case .any: return "interface {}"
            case .reflectValue: return "reflect.Value"
            case .string: return "string"
            case .sample: return "*template.sample"
            case .samples: return "template.queryResult"
            }
        }
        var canBeNil: Bool { self == .any || self == .sample || self == .samples }
    }

    struct Signature: Sendable {
        var fixed: [ParamType]
        var variadic: ParamType?
        init(_ fixed: [ParamType], _ variadic: ParamType? = nil) { self.fixed = fixed; self.variadic = variadic }
    }

    /// Every function a rule template may call: Go's builtins and Prometheus 2.42's template functions.
    static let signatures: [String: Signature] = [
        // text/template builtins
        "and": .init([.reflectValue], .reflectValue), "or": .init([.reflectValue], .reflectValue), "not": .init([.reflectValue]),
        "len": .init([.reflectValue]), "index": .init([.reflectValue], .reflectValue), "slice": .init([.reflectValue], .reflectValue),
        "call": .init([.reflectValue], .reflectValue),
        "eq": .init([.reflectValue], .reflectValue), "ne": .init([.reflectValue, .reflectValue]),
        "lt": .init([.reflectValue, .reflectValue]), "le": .init([.reflectValue, .reflectValue]),
        "gt": .init([.reflectValue, .reflectValue]), "ge": .init([.reflectValue, .reflectValue]),
        "print": .init([], .any), "printf": .init([.string], .any), "println": .init([], .any),
        "html": .init([], .any), "js": .init([], .any), "urlquery": .init([], .any),
        // Prometheus
        "query": .init([.string]), "first": .init([.samples]), "label": .init([.string, .sample]),
        "value": .init([.sample]), "strvalue": .init([.sample]), "sortByLabel": .init([.string, .samples]),
        "args": .init([], .any),
        "reReplaceAll": .init([.string, .string, .string]), "match": .init([.string, .string]), "safeHtml": .init([.string]),
        "title": .init([.string]), "toUpper": .init([.string]), "toLower": .init([.string]),
        "graphLink": .init([.string]), "tableLink": .init([.string]),
        "stripPort": .init([.string]), "stripDomain": .init([.string]),
        "humanize": .init([.any]), "humanize1024": .init([.any]), "humanizeDuration": .init([.any]),
        "humanizePercentage": .init([.any]), "humanizeTimestamp": .init([.any]), "toTime": .init([.any]),
        "parseDuration": .init([.string]), "pathPrefix": .init([]), "externalURL": .init([]),
    ]
}

// MARK: - Execution (text/template's exec.go)

/// An execution error with text/template's context: the node last visited (`s.at(node)`).
struct ExecError: Error {
    var message: String
    var pos: Int
    var context: String
}

/// An error a function returns; the executor reports it as `error calling NAME: ...`.
struct FuncError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// `{{break}}` and `{{continue}}` unwinding to the enclosing range.
enum LoopSignal: Error { case breakLoop, continueLoop }

struct Executor {
    typealias TValue = Template.TValue
    typealias Operand = Template.Operand
    typealias Pipe = Template.Pipe
    typealias Command = Template.Command

    enum AtNode {
        case none, pipe(Pipe), command(Command), operand(Operand)
        var pos: Int {
            switch self {
            case .none: return 0
            case .pipe(let p): return p.pos
            case .command(let c): return c.pos
            case .operand(let o): return o.pos
            }
        }
        var render: String {
            switch self {
            case .none: return ""
            case .pipe(let p): return p.render
            case .command(let c): return c.render
            case .operand(let o): return o.render
            }
        }
    }

    let data: TemplateData
    var vars: [(name: String, value: TValue)]
    var out = ""
    var atNode = AtNode.none
    var rangeIterations = 0
    var queryCalls = 0
    var querySamples = 0

    init(data: TemplateData) {
        self.data = data
        vars = [("$", .root(data)), ("$labels", .stringMap(data.labels)), ("$externalLabels", .stringMap(data.externalLabels)),
                ("$externalURL", .string(data.externalURL)), ("$value", .float(data.value))]
    }

    mutating func at(_ n: AtNode) { atNode = n }
    func fail(_ message: String) -> ExecError { ExecError(message: message, pos: atNode.pos, context: atNode.render) }

    mutating func write(_ s: String) throws {
        out += s
        if out.utf8.count > Template.maxOutputBytes { throw fail("template output is longer than \(Template.maxOutputBytes) bytes") }
    }

    func varValue(_ name: String) throws -> TValue {
        guard let v = vars.last(where: { $0.name == name }) else { throw fail("undefined variable: \(name)") }
        return v.value
    }
    mutating func setVar(_ name: String, _ value: TValue) throws {
        guard let k = vars.lastIndex(where: { $0.name == name }) else { throw fail("undefined variable: \(name)") }
        vars[k].value = value
    }
    mutating func pop(_ mark: Int) { if vars.count > mark { vars.removeSubrange(mark...) } }

    // MARK: walking the tree

    mutating func walkList(_ dot: TValue, _ nodes: [Template.Node]) throws {
        for n in nodes { try walk(dot, n) }
    }

    mutating func walk(_ dot: TValue, _ node: Template.Node) throws {
        switch node {
        case .text(let s):
            try write(s)
        case .action(let pipe):
            let v = try evalPipeline(dot, pipe)
            if pipe.decls.isEmpty { try write(v.printed) }
        case .ifNode(let pipe, let list, let elseList):
            try walkIfOrWith(isWith: false, dot, pipe, list, elseList)
        case .withNode(let pipe, let list, let elseList):
            try walkIfOrWith(isWith: true, dot, pipe, list, elseList)
        case .rangeNode(let pipe, let list, let elseList):
            try walkRange(dot, pipe, list, elseList)
        case .breakNode:
            throw LoopSignal.breakLoop
        case .continueNode:
            throw LoopSignal.continueLoop
        }
    }

    mutating func walkIfOrWith(isWith: Bool, _ dot: TValue, _ pipe: Pipe, _ list: [Template.Node], _ elseList: [Template.Node]?) throws {
        let mark = vars.count
        defer { pop(mark) }
        let val = try evalPipeline(dot, pipe)
        if val.truth {
            try walkList(isWith ? val : dot, list)
        } else if let elseList {
            try walkList(dot, elseList)
        }
    }

    mutating func walkRange(_ dot: TValue, _ pipe: Pipe, _ list: [Template.Node], _ elseList: [Template.Node]?) throws {
        let mark = vars.count
        defer { pop(mark) }
        let val = try evalPipeline(dot, pipe)
        let bodyMark = vars.count
        // Sets the declared variables (the last one to the element, the one before to the index or key), walks the body.
        func iteration(_ ex: inout Executor, _ index: TValue, _ elem: TValue) throws {
            ex.rangeIterations += 1
            if ex.rangeIterations > Template.maxRangeIterations {
                throw ex.fail("more than \(Template.maxRangeIterations) range iterations in one template expansion")
            }
            if !pipe.decls.isEmpty { ex.vars[bodyMark - 1].value = elem }
            if pipe.decls.count > 1 { ex.vars[bodyMark - 2].value = index }
            defer { ex.pop(bodyMark) }
            do { try ex.walkList(elem, list) } catch LoopSignal.continueLoop {}
        }
        do {
            switch val {
            case .samples(let xs) where !xs.isEmpty:
                for (k, s) in xs.enumerated() { try iteration(&self, .int(k), .sample(s)) }
                return
            case .stringMap(let m) where !m.isEmpty:
                for k in Template.sortedKeys(m) { try iteration(&self, .string(k), .string(m[k]!)) }
                return
            case .anyMap(let m) where !m.isEmpty:
                for k in Template.sortedKeys(m) { try iteration(&self, .string(k), m[k]!) }
                return
            case .samples, .stringMap, .anyMap, .invalid:
                break
            default:
                throw fail("range can't iterate over \(val.formatted)")
            }
        } catch LoopSignal.breakLoop {
            return
        }
        if let elseList { try walkList(dot, elseList) }
    }

    // MARK: evaluating pipelines

    mutating func evalPipeline(_ dot: TValue, _ pipe: Pipe) throws -> TValue {
        at(.pipe(pipe))
        var value: TValue? = nil
        for cmd in pipe.cmds { value = try evalCommand(dot, cmd, final: value) }
        let v = value ?? .invalid
        for name in pipe.decls {
            if pipe.isAssign { try setVar(name, v) } else { vars.append((name, v)) }
        }
        return v
    }

    mutating func evalCommand(_ dot: TValue, _ cmd: Command, final: TValue?) throws -> TValue {
        let first = cmd.args[0]
        switch first {
        case .field(let ids, _):
            at(.operand(first))
            return try evalFieldChain(dot, dot, ids[...], args: cmd.args.count, final: final)
        case .chain(let node, let fields, _):
            at(.operand(first))
            let receiver = try evalChainHead(dot, node)
            return try evalFieldChain(dot, receiver, fields[...], args: cmd.args.count, final: final)
        case .identifier(let name, _):
            at(.operand(first))
            return try evalCall(dot, name, node: .command(cmd), args: Array(cmd.args.dropFirst()), final: final)
        case .pipe(let p):
            try notAFunction(cmd, final)
            return try evalPipeline(dot, p)
        case .variable(let ids, _):
            at(.operand(first))
            let value = try varValue(ids[0])
            if ids.count == 1 {
                try notAFunction(cmd, final)
                return value
            }
            return try evalFieldChain(dot, value, ids.dropFirst(), args: cmd.args.count, final: final)
        case .bool, .dot, .nilValue, .number, .string:
            at(.operand(first))
            try notAFunction(cmd, final)
            if case .nilValue = first { throw fail("nil is not a command") }
            return try literal(dot, first)
        }
    }

    func notAFunction(_ cmd: Command, _ final: TValue?) throws {
        if cmd.args.count > 1 || final != nil { throw fail("can't give argument to non-function \(cmd.args[0].render)") }
    }

    func literal(_ dot: TValue, _ op: Operand) throws -> TValue {
        switch op {
        case .bool(let b, _): return .bool(b)
        case .dot: return dot
        case .string(let s, _, _): return .string(s)
        case .number(let n, _):
            guard let v = n.ideal else { throw fail("\(n.text) overflows int") }
            return v
        default: return .invalid
        }
    }

    /// The value before the fields of a chain: `(pipeline)` or a function call.
    mutating func evalChainHead(_ dot: TValue, _ node: Operand) throws -> TValue {
        at(.operand(node))
        switch node {
        case .pipe(let p): return try evalPipeline(dot, p)
        case .identifier(let name, _): return try evalCall(dot, name, node: .operand(node), args: [], final: nil)
        case .nilValue: throw fail("indirection through explicit nil in \(node.render)")
        default: return try literal(dot, node)
        }
    }

    /// `receiver.a.b.c`; `args` is the command's length, so that only the last field sees arguments.
    func evalFieldChain(_ dot: TValue, _ receiver: TValue, _ ids: ArraySlice<String>, args: Int, final: TValue?) throws -> TValue {
        var r = receiver
        for id in ids.dropLast() { r = try evalField(id, hasArgs: false, r) }
        return try evalField(ids.last!, hasArgs: args > 1 || final != nil, r)
    }

    func evalField(_ name: String, hasArgs: Bool, _ receiver: TValue) throws -> TValue {
        switch receiver {
        case .invalid:
            return .invalid
        case .root(let d):
            let v: TValue
            switch name {
            case "Labels": v = .stringMap(d.labels)
            case "ExternalLabels": v = .stringMap(d.externalLabels)
            case "ExternalURL": v = .string(d.externalURL)
            case "Value": v = .float(d.value)
            default: throw fail("can't evaluate field \(name) in type \(TValue.rootTypeName)")
            }
            if hasArgs { throw fail("\(name) has arguments but cannot be invoked as function") }
            return v
        case .sample(let s):
            guard name == "Labels" || name == "Value" else { throw fail("can't evaluate field \(name) in type *template.sample") }
            guard let s else { throw fail("nil pointer evaluating *template.sample.\(name)") }
            if hasArgs { throw fail("\(name) has arguments but cannot be invoked as function") }
            return name == "Labels" ? .stringMap(s.labels) : .float(s.value)
        case .stringMap(let m):
            if hasArgs { throw fail("\(name) is not a method but has arguments") }
            return .string(m[name] ?? "")
        case .anyMap(let m):
            if hasArgs { throw fail("\(name) is not a method but has arguments") }
            return m[name] ?? .invalid
        default:
            throw fail("can't evaluate field \(name) in type \(receiver.typeName)")
        }
    }

    // MARK: calling functions

    mutating func evalCall(_ dot: TValue, _ name: String, node: AtNode, args: [Operand], final: TValue?) throws -> TValue {
        let sig = Template.signatures[name]!
        let numIn = args.count + (final == nil ? 0 : 1)
        if sig.variadic != nil {
            if numIn < sig.fixed.count { throw fail("wrong number of args for \(name): want at least \(sig.fixed.count) got \(args.count)") }
        } else if numIn != sig.fixed.count {
            throw fail("wrong number of args for \(name): want \(sig.fixed.count) got \(numIn)")
        }
        func paramType(_ k: Int) -> Template.ParamType { k < sig.fixed.count ? sig.fixed[k] : sig.variadic! }
        // `and` and `or` evaluate their arguments only until the result is known.
        if name == "and" || name == "or" {
            var v = TValue.invalid
            for a in args {
                v = try evalArg(dot, .reflectValue, a)
                if v.truth == (name == "or") { return v }
            }
            if let final { v = final }
            return v
        }
        var argv: [TValue] = []
        for (k, a) in args.enumerated() { argv.append(try evalArg(dot, paramType(k), a)) }
        if let final { argv.append(try validate(final, paramType(argv.count))) }
        do {
            return try callFunction(name, argv)
        } catch let e as ExecError {
            throw e
        } catch {
            at(node)
            throw fail("error calling \(name): \(error)")
        }
    }

    mutating func evalArg(_ dot: TValue, _ type: Template.ParamType, _ op: Operand) throws -> TValue {
        at(.operand(op))
        switch op {
        case .dot:
            return try validate(dot, type)
        case .nilValue:
            guard type.canBeNil else { throw fail("cannot assign nil to \(type.goName)") }
            return try validate(.invalid, type)
        case .field(let ids, _):
            return try validate(try evalFieldChain(dot, dot, ids[...], args: 1, final: nil), type)
        case .variable(let ids, _):
            let v = try varValue(ids[0])
            return try validate(ids.count == 1 ? v : try evalFieldChain(dot, v, ids.dropFirst(), args: 1, final: nil), type)
        case .pipe(let p):
            return try validate(try evalPipeline(dot, p), type)
        case .identifier(let name, _):
            return try validate(try evalCall(dot, name, node: .operand(op), args: [], final: nil), type)
        case .chain(let node, let fields, _):
            let head = try evalChainHead(dot, node)
            at(.operand(op))
            return try validate(try evalFieldChain(dot, head, fields[...], args: 1, final: nil), type)
        case .bool, .number, .string:
            switch type {
            case .string:
                guard case .string(let s, _, _) = op else { throw fail("expected string; found \(op.render)") }
                return .string(s)
            case .any, .reflectValue:
                return try literal(dot, op)
            case .sample, .samples:
                throw fail("can't handle \(op.render) for arg of type \(type.goName)")
            }
        }
    }

    /// Go's `validateType`: does the value fit the parameter?
    func validate(_ v: TValue, _ type: Template.ParamType) throws -> TValue {
        switch (type, v) {
        case (.any, _), (.reflectValue, _): return v
        case (.string, .string), (.sample, .sample), (.samples, .samples): return v
        case (.sample, .invalid): return .sample(nil)
        case (.samples, .invalid): return .samples([])
        case (.string, .invalid): throw fail("invalid value; expected string")
        default: throw fail("wrong type for value; expected \(type.goName); got \(v.typeName)")
        }
    }
}

// MARK: - Functions

extension Executor {
    /// Runs function `name` on arguments already checked against its signature.
    mutating func callFunction(_ name: String, _ a: [TValue]) throws -> TValue {
        func str(_ k: Int) -> String { if case .string(let s) = a[k] { return s } else { return "" } }
        func samples(_ k: Int) -> [TemplateSample] { if case .samples(let xs) = a[k] { return xs } else { return [] } }
        func sample(_ k: Int) throws -> TemplateSample {
            guard case .sample(let s?) = a[k] else { throw FuncError("runtime error: invalid memory address or nil pointer dereference") }
            return s
        }
        switch name {
        // text/template builtins
        case "not": return .bool(!a[0].truth)
        case "len": return .int(try Template.length(a[0]))
        case "index": return try Template.index(a[0], Array(a.dropFirst()))
        case "slice": return try Template.slice(a[0], Array(a.dropFirst()))
        case "call": throw FuncError(a[0].isInvalid ? "call of nil" : "non-function of type \(a[0].typeName)")
        case "eq": return .bool(try Template.eq(a[0], Array(a.dropFirst())))
        case "ne": return .bool(!(try Template.eq(a[0], [a[1]])))
        case "lt": return .bool(try Template.lt(a[0], a[1]))
        case "le": return .bool(try Template.le(a[0], a[1]))
        case "gt": return .bool(!(try Template.le(a[0], a[1])))
        case "ge": return .bool(!(try Template.lt(a[0], a[1])))
        case "print": return .string(Template.sprint(a.map { ($0.formatted, $0.isString) }))
        case "println": return .string(a.map(\.formatted).joined(separator: " ") + "\n")
        case "printf": return .string(GoFormat.printf(str(0), Array(a.dropFirst())))
        case "html": return .string(GoFormat.htmlEscape(Template.evalArgs(a)))
        case "js": return .string(GoFormat.jsEscape(Template.evalArgs(a)))
        case "urlquery": return .string(GoFormat.queryEscape(Template.evalArgs(a)))
        // Prometheus: queries and their samples
        case "query":
            guard let querier = data.querier else { throw FuncError("no store to query: this template is expanded without one") }
            queryCalls += 1
            if queryCalls > Template.maxQueryCalls { throw FuncError("more than \(Template.maxQueryCalls) queries in one template expansion") }
            let xs = try querier.run(str(0))
            querySamples += xs.count
            if querySamples > Template.maxQuerySamplesTotal {
                throw FuncError("queries returned more than \(Template.maxQuerySamplesTotal) samples in one template expansion")
            }
            return .samples(xs)
        case "first":
            guard let s = samples(0).first else { throw FuncError("first() called on vector with no elements") }
            return .sample(s)
        case "label": return .string(try sample(1).labels[str(0)] ?? "")
        case "value": return .float(try sample(0).value)
        case "strvalue": return .string(try sample(0).labels["__value__"] ?? "")
        case "sortByLabel":
            let by = str(0)
            let sorted = samples(1).enumerated().sorted { l, r in
                let x = l.element.labels[by] ?? "", y = r.element.labels[by] ?? ""
                return x == y ? l.offset < r.offset : x.utf8.lexicographicallyPrecedes(y.utf8)
            }
            return .samples(sorted.map(\.element))
        case "args":
            var m: [String: TValue] = [:]
            for (k, v) in a.enumerated() { m["arg\(k)"] = v }
            return .anyMap(m)
        // Prometheus: strings
        case "reReplaceAll": return .string(try GoRegexp(str(0), mustCompile: true).replaceAll(str(2), with: str(1)))
        case "match": return .bool(try GoRegexp(str(0), mustCompile: false).matches(str(1)))
        case "safeHtml": return .string(str(0))
        case "title": return .string(GoFormat.title(str(0)))
        case "toUpper": return .string(GoFormat.mapScalars(str(0)) { $0.properties.uppercaseMapping })
        case "toLower": return .string(GoFormat.mapScalars(str(0)) { $0.properties.lowercaseMapping })
        case "graphLink": return .string("/graph?g0.expr=\(GoFormat.queryEscape(str(0)))&g0.tab=0")
        case "tableLink": return .string("/graph?g0.expr=\(GoFormat.queryEscape(str(0)))&g0.tab=1")
        case "stripPort": return .string(GoNet.splitHostPort(str(0))?.host ?? str(0))
        case "stripDomain":
            let hostPort = str(0)
            var host = hostPort, port = ""
            if let hp = GoNet.splitHostPort(hostPort) { host = hp.host; port = hp.port }
            if GoNet.isIP(host) { return .string(hostPort) }
            host = String(host.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
            return .string(port.isEmpty ? host : GoNet.joinHostPort(host, port))
        // Prometheus: numbers and times
        case "humanize": return .string(Humanize.humanize(try Template.toFloat(a[0])))
        case "humanize1024": return .string(Humanize.humanize1024(try Template.toFloat(a[0])))
        case "humanizeDuration": return .string(Humanize.duration(try Template.toFloat(a[0])))
        case "humanizePercentage": return .string(Humanize.percentage(try Template.toFloat(a[0])))
        case "humanizeTimestamp":
            let v = try Template.toFloat(a[0])
            if !v.isFinite { return .string(Humanize.g4(v)) }
            return .string(GoFormat.time(milliseconds: try Template.milliseconds(fromSeconds: v)))
        case "toTime":
            let v = try Template.toFloat(a[0])
            guard v.isFinite else { throw FuncError("value is NaN or Inf") }
            return .time(try Template.milliseconds(fromSeconds: v))
        case "parseDuration": return .float(try GoFormat.parseModelDuration(str(0)))
        case "externalURL": return .string(data.externalURL)
        case "pathPrefix": return .string(URLComponents(string: data.externalURL)?.path ?? "")
        default: throw FuncError("function \(name) is not implemented")
        }
    }
}

extension Template {
    /// Prometheus's `convertToFloat`: float64, int, or a string that `strconv.ParseFloat` accepts.
    static func toFloat(_ v: TValue) throws -> Double {
        switch v {
        case .float(let d): return d
        case .int(let i): return Double(i)
        case .string(let s):
            guard let d = GoFormat.parseFloat(s) else { throw FuncError("strconv.ParseFloat: parsing \(GoFormat.quote(s)): invalid syntax") }
            if d.isInfinite, !s.lowercased().contains("inf") {
                throw FuncError("strconv.ParseFloat: parsing \(GoFormat.quote(s)): value out of range")
            }
            return d
        default: throw FuncError("can't convert \(v.typeName) to float")
        }
    }

    /// Seconds to milliseconds as Prometheus's `floatToTime` does it (through int64 nanoseconds, truncating).
    static func milliseconds(fromSeconds v: Double) throws -> Int64 {
        let ns = v * 1e9
        guard ns < 9.223372036854775807e18, ns >= -9.223372036854775808e18 else {
            throw FuncError("\(GoFormat.v(v)) cannot be represented as a nanoseconds timestamp since it overflows int64")
        }
        return Int64(ns) / 1_000_000
    }

    /// `fmt.Sprint`: a space between operands when neither is a string.
    static func sprint(_ parts: [(text: String, isString: Bool)]) -> String {
        var s = ""
        for (k, p) in parts.enumerated() {
            if k > 0, !p.isString, !parts[k - 1].isString { s += " " }
            s += p.text
        }
        return s
    }

    /// text/template's `evalArgs` for `html`, `js` and `urlquery`.
    static func evalArgs(_ a: [TValue]) -> String {
        if a.count == 1, case .string(let s) = a[0] { return s }
        return sprint(a.map { v in
            switch v {
            case .invalid, .sample(nil): return ("<no value>", true)
            default: return (v.printed, v.isString)
            }
        })
    }

    static func length(_ v: TValue) throws -> Int {
        switch v {
        case .string(let s): return s.utf8.count
        case .stringMap(let m): return m.count
        case .anyMap(let m): return m.count
        case .samples(let xs): return xs.count
        case .sample(nil): throw FuncError("len of nil pointer")
        case .sample: throw FuncError("len of type template.sample")
        case .invalid: throw FuncError("len of untyped nil")
        default: throw FuncError("len of type \(v.typeName)")
        }
    }

    static func intIndex(_ i: TValue, count: Int, inclusive: Bool = false) throws -> Int {
        guard case .int(let k) = i else {
            if i.isInvalid { throw FuncError("cannot index slice/array with nil") }
            throw FuncError("cannot index slice/array with type \(i.typeName)")
        }
        guard k >= 0, inclusive ? k <= count : k < count else { throw FuncError("index out of range: \(k)") }
        return k
    }

    static func mapKey(_ i: TValue) throws -> String {
        guard case .string(let key) = i else {
            if i.isInvalid { throw FuncError("value is nil; should be of type string") }
            throw FuncError("value has type \(i.typeName); should be string")
        }
        return key
    }

    static func index(_ item: TValue, _ indexes: [TValue]) throws -> TValue {
        var v = item
        for i in indexes {
            switch v {
            case .invalid: throw FuncError("index of untyped nil")
            case .samples(let xs): v = .sample(xs[try intIndex(i, count: xs.count)])
            case .string(let s):
                let b = Array(s.utf8)
                v = .int(Int(b[try intIndex(i, count: b.count)]))
            case .stringMap(let m): v = .string(m[try mapKey(i)] ?? "")
            case .anyMap(let m): v = m[try mapKey(i)] ?? .invalid
            default: throw FuncError("can't index item of type \(v.typeName)")
            }
        }
        return v
    }

    static func slice(_ item: TValue, _ indexes: [TValue]) throws -> TValue {
        if item.isInvalid { throw FuncError("slice of untyped nil") }
        if indexes.count > 3 { throw FuncError("too many slice indexes: \(indexes.count)") }
        let count: Int
        switch item {
        case .string(let s):
            if indexes.count == 3 { throw FuncError("cannot 3-index slice a string") }
            count = s.utf8.count
        case .samples(let xs): count = xs.count
        default: throw FuncError("can't slice item of type \(item.typeName)")
        }
        var ix = [0, count]
        for (k, i) in indexes.prefix(2).enumerated() { ix[k] = try intIndex(i, count: count, inclusive: true) }
        guard ix[0] <= ix[1] else { throw FuncError("invalid slice index: \(ix[0]) > \(ix[1])") }
        switch item {
        case .string(let s): return .string(String(decoding: Array(s.utf8)[ix[0]..<ix[1]], as: UTF8.self))
        case .samples(let xs): return .samples(Array(xs[ix[0]..<ix[1]]))
        default: return .invalid
        }
    }

    enum BasicKind { case bool, int, float, string }
    static func basicKind(_ v: TValue) -> BasicKind? {
        switch v {
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        case .string: return .string
        default: return nil
        }
    }

    /// Go's `eq arg1 arg2...`: true when arg1 equals any of the others; mixing kinds (int and float64 too) is an error.
    static func eq(_ a: TValue, _ others: [TValue]) throws -> Bool {
        guard !others.isEmpty else { throw FuncError("missing argument for comparison") }
        let k1 = basicKind(a)
        for b in others {
            let k2 = basicKind(b)
            var truth = false
            if let k1, k1 == k2 {
                switch (a, b) {
                case (.bool(let x), .bool(let y)): truth = x == y
                case (.int(let x), .int(let y)): truth = x == y
                case (.float(let x), .float(let y)): truth = x == y
                case (.string(let x), .string(let y)): truth = x.utf8.elementsEqual(y.utf8)
                default: break
                }
            } else if k1 != k2 {
                if !a.isInvalid, !b.isInvalid { throw FuncError("incompatible types for comparison") }
            } else {
                switch (a, b) {
                case (.invalid, .invalid): truth = true
                case (.invalid, _), (_, .invalid): truth = false
                case (.sample(let x), .sample(let y)): truth = x == y
                default: throw FuncError("non-comparable types \(a.formatted): \(a.typeName), \(b.typeName): \(b.formatted)")
                }
            }
            if truth { return true }
        }
        return false
    }

    static func lt(_ a: TValue, _ b: TValue) throws -> Bool {
        guard let k1 = basicKind(a), let k2 = basicKind(b) else { throw FuncError("invalid type for comparison") }
        guard k1 == k2 else { throw FuncError("incompatible types for comparison") }
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.float(let x), .float(let y)): return x < y
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        default: throw FuncError("invalid type for comparison")
        }
    }

    static func le(_ a: TValue, _ b: TValue) throws -> Bool {
        try lt(a, b) || eq(a, [b])
    }
}

// MARK: - Go's regexp, on NSRegularExpression

/// A Go (RE2) regular expression as far as ICU agrees with it, with Go's `$1`/`${name}` replacement expansion
/// and Go's rule that an empty match right after a match is skipped.
struct GoRegexp {
    let re: NSRegularExpression
    let names: [String: Int]

    init(_ pattern: String, mustCompile: Bool) throws {
        do {
            re = try NSRegularExpression(pattern: pattern.replacingOccurrences(of: "(?P<", with: "(?<"))
        } catch {
            let reason = "error parsing regexp: invalid or unsupported syntax: \(GoFormat.backquote(pattern))"
            throw FuncError(mustCompile ? "regexp: Compile(\(GoFormat.backquote(pattern))): \(reason)" : reason)
        }
        names = GoRegexp.groupNames(pattern)
    }

    /// Capture group numbers of `(?P<name>...)` / `(?<name>...)` groups.
    static func groupNames(_ pattern: String) -> [String: Int] {
        let c = Array(pattern.unicodeScalars)
        var names: [String: Int] = [:]
        var group = 0, i = 0, inClass = false
        while i < c.count {
            let ch = c[i]
            if ch == "\\" { i += 2; continue }
            if inClass {
                if ch == "]" { inClass = false }
                i += 1; continue
            }
            if ch == "[" {
                inClass = true
                i += 1
                if i < c.count, c[i] == "^" { i += 1 }
                if i < c.count, c[i] == "]" { i += 1 }
                continue
            }
            if ch == "(" {
                if i + 1 < c.count, c[i + 1] == "?" {
                    var j = i + 2
                    if j < c.count, c[j] == "P" { j += 1 }
                    if j < c.count, c[j] == "<", j + 1 < c.count, c[j + 1] != "=", c[j + 1] != "!" {
                        group += 1
                        var name = ""
                        j += 1
                        while j < c.count, c[j] != ">" { name.unicodeScalars.append(c[j]); j += 1 }
                        if names[name] == nil { names[name] = group }
                    }
                } else {
                    group += 1
                }
            }
            i += 1
        }
        return names
    }

    func matches(_ s: String) -> Bool {
        re.firstMatch(in: s, range: NSRange(location: 0, length: (s as NSString).length)) != nil
    }

    func replaceAll(_ src: String, with template: String) -> String {
        let ns = src as NSString
        var out = ""
        var last = 0, previousEnd = -1
        for m in re.matches(in: src, range: NSRange(location: 0, length: ns.length)) {
            let r = m.range
            if r.length == 0, r.location == previousEnd { continue }
            out += ns.substring(with: NSRange(location: last, length: r.location - last))
            out += expand(template, m, ns)
            last = r.location + r.length
            previousEnd = last
        }
        return out + ns.substring(from: last)
    }

    /// Go's `Regexp.Expand`: `$$`, `$1`, `$name`, `${1}`, `${name}`; `$1x` is the group named `1x`.
    func expand(_ template: String, _ m: NSTextCheckingResult, _ ns: NSString) -> String {
        func group(_ k: Int) -> String {
            guard k >= 0, k < m.numberOfRanges else { return "" }
            let r = m.range(at: k)
            return r.location == NSNotFound ? "" : ns.substring(with: r)
        }
        let t = Array(template.unicodeScalars)
        var out = ""
        var i = 0
        while i < t.count {
            guard t[i] == "$" else { out.unicodeScalars.append(t[i]); i += 1; continue }
            i += 1
            if i < t.count, t[i] == "$" { out += "$"; i += 1; continue }
            var j = i
            let brace = j < t.count && t[j] == "{"
            if brace { j += 1 }
            var name = ""
            while j < t.count, t[j].properties.isAlphabetic || t[j].properties.numericType != nil || t[j] == "_" {
                name.unicodeScalars.append(t[j]); j += 1
            }
            if name.isEmpty || (brace && !(j < t.count && t[j] == "}")) {
                out += "$"   // malformed: the $ is literal text
                continue
            }
            if brace { j += 1 }
            i = j
            if let n = Int(name), name.allSatisfy(\.isASCII), !(name.hasPrefix("0") && name.count > 1), n < 100_000_000 {
                out += group(n)
            } else if let k = names[name] {
                out += group(k)
            }
        }
        return out
    }
}

// MARK: - Go's net host:port helpers

enum GoNet {
    /// `net.SplitHostPort`; nil where Go returns an error.
    static func splitHostPort(_ s: String) -> (host: String, port: String)? {
        let b = Array(s.utf8)
        guard let i = b.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        let host: ArraySlice<UInt8>
        var j = 0, k = 0
        if b.first == UInt8(ascii: "[") {
            guard let end = b.firstIndex(of: UInt8(ascii: "]")), end + 1 != b.count, end + 1 == i else { return nil }
            host = b[1..<end]
            j = 1; k = end + 1
        } else {
            host = b[..<i]
            if host.contains(UInt8(ascii: ":")) { return nil }
        }
        if b[j...].contains(UInt8(ascii: "[")) || b[k...].contains(UInt8(ascii: "]")) { return nil }
        return (String(decoding: host, as: UTF8.self), String(decoding: b[(i + 1)...], as: UTF8.self))
    }

    static func joinHostPort(_ host: String, _ port: String) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `net.ParseIP(s) != nil`.
    static func isIP(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy { $0.isASCII && $0.isNumber } && Int(p)! <= 255 && !(p.count > 1 && p.hasPrefix("0"))
        }) {
            return true
        }
        guard s.contains(":") else { return false }
        var addr = in6_addr()
        return inet_pton(AF_INET6, s, &addr) == 1
    }
}

/// Prometheus's humanize functions, formatted as Go's `%.4g`.
public enum Humanize {
    static func g4(_ v: Double) -> String { GoFormat.fmtG(v, prec: 4) }

    public static func humanize(_ value: Double) -> String {
        var v = value
        if v == 0 || v.isNaN || v.isInfinite { return g4(v) }
        if abs(v) >= 1 {
            var prefix = ""
            for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(v) < 1000 { break }
                prefix = p; v /= 1000
            }
            return g4(v) + prefix
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p; v *= 1000
        }
        return g4(v) + prefix
    }

    public static func humanize1024(_ value: Double) -> String {
        var v = value
        if abs(v) <= 1 || v.isNaN || v.isInfinite { return g4(v) }
        var prefix = ""
        for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(v) < 1024 { break }
            prefix = p; v /= 1024
        }
        return g4(v) + prefix
    }

    public static func duration(_ value: Double) -> String {
        var v = value
        if v.isNaN || v.isInfinite { return g4(v) }
        if v == 0 { return g4(v) + "s" }
        if abs(v) >= 1 {
            var sign = ""
            if v < 0 { sign = "-"; v = -v }
            let d = Int64(v)
            let seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 3600) % 24, days = d / 86400
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(v) + "s"
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p; v *= 1000
        }
        return g4(v) + prefix + "s"
    }

    public static func percentage(_ v: Double) -> String { g4(v * 100) + "%" }
}

/// Go `fmt` and `strconv` behaviour, as far as templates need it.
public enum GoFormat {
    /// Go's `%v` for a float64: shortest digits, `%e` form when the exponent is < -4 or >= 6.
    public static func v(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (neg, digits, dp) = shortestDigits(d)
        let exp = dp - 1
        let body: String
        if exp < -4 || exp >= 6 {
            body = eForm(digits, exp)
        } else {
            body = fForm(digits, dp)
        }
        return (neg ? "-" : "") + body
    }

    static func eForm(_ digits: [Character], _ exp: Int) -> String {
        var s = String(digits[0])
        if digits.count > 1 { s += "." + String(digits[1...]) }
        let e = abs(exp)
        return s + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0\(e)" : "\(e)")
    }

    static func fForm(_ digits: [Character], _ dp: Int) -> String {
        if dp <= 0 { return "0." + String(repeating: "0", count: -dp) + String(digits) }
        if dp >= digits.count { return String(digits) + String(repeating: "0", count: dp - digits.count) }
        return String(digits[..<dp]) + "." + String(digits[dp...])
    }

    /// Shortest round-trip decimal digits of |d| and the decimal point position.
    static func shortestDigits(_ d: Double) -> (Bool, [Character], Int) {
        var s = "\(abs(d))"
        var exp = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp = Int(s[s.index(after: e)...])!
            s = String(s[..<e])
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0]), frac = parts.count > 1 ? String(parts[1]) : ""
        var digits = Array(intPart + frac)
        var dp = intPart.count + exp
        while let f = digits.first, f == "0", digits.count > 1 { digits.removeFirst(); dp -= 1 }
        while let l = digits.last, l == "0", digits.count > 1 { digits.removeLast() }
        return (d < 0, digits, dp)
    }

    /// Go's `%.Ng` (prec > 0): C's `%g` rounding and trailing-zero removal.
    public static func fmtG(_ d: Double, prec: Int) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        return String(format: "%.\(prec)g", d)
    }

    /// Flags, width and precision of one `%` verb.
    struct Spec {
        var plus = false, minus = false, sharp = false, space = false, zero = false
        var width: Int?
        var precision: Int?
    }

    /// Go's `fmt.Sprintf` for the values templates have: bad verbs, missing and extra arguments print as Go prints them.
    static func printf(_ format: String, _ args: [Template.TValue]) -> String {
        var out = ""
        let c = Array(format.unicodeScalars)
        var i = 0, argi = 0
        func digit(_ k: Int) -> Int? { k < c.count && ("0"..."9").contains(c[k]) ? Int(c[k].value - 48) : nil }
        while i < c.count {
            if c[i] != "%" { out.unicodeScalars.append(c[i]); i += 1; continue }
            i += 1
            var f = Spec()
            flags: while i < c.count {
                switch c[i] {
                case "+": f.plus = true
                case "-": f.minus = true; f.zero = false
                case "#": f.sharp = true
                case " ": f.space = true
                case "0": f.zero = !f.minus
                default: break flags
                }
                i += 1
            }
            if i < c.count, c[i] == "*" {
                i += 1
                if argi < args.count, case .int(let w) = args[argi] {
                    f.width = abs(w)
                    if w < 0 { f.minus = true; f.zero = false }
                } else {
                    out += "%!(BADWIDTH)"
                }
                argi += 1
            } else {
                var w: Int? = nil
                while let d = digit(i) { w = (w ?? 0) * 10 + d; i += 1 }
                f.width = w
            }
            if i < c.count, c[i] == "." {
                i += 1
                if i < c.count, c[i] == "*" {
                    i += 1
                    if argi < args.count, case .int(let p) = args[argi] {
                        f.precision = p >= 0 ? p : nil
                    } else {
                        out += "%!(BADPREC)"
                    }
                    argi += 1
                } else {
                    var p = 0
                    while let d = digit(i) { p = p * 10 + d; i += 1 }
                    f.precision = p
                }
            }
            guard i < c.count else { out += "%!(NOVERB)"; break }
            let verb = c[i]
            i += 1
            if verb == "%" { out += "%"; continue }
            guard argi < args.count else { out += "%!\(verb)(MISSING)"; continue }
            out += formatArg(args[argi], verb, f)
            argi += 1
        }
        if argi < args.count {
            out += "%!(EXTRA " + args[argi...].map { $0.isInvalid ? "<nil>" : "\($0.typeName)=\($0.formatted)" }.joined(separator: ", ") + ")"
        }
        return out
    }

    static func formatArg(_ a: Template.TValue, _ verb: Unicode.Scalar, _ f: Spec) -> String {
        let bad: String
        if a.isInvalid { bad = "%!\(verb)(<nil>)" } else { bad = "%!\(verb)(\(a.typeName)=\(a.formatted))" }
        if verb == "T" { return pad(a.typeName, f) }
        switch a {
        case .invalid:
            return verb == "v" ? pad("<nil>", f) : bad
        case .bool(let b):
            return verb == "t" || verb == "v" ? pad(b ? "true" : "false", f) : bad
        case .int(let n):
            switch verb {
            case "d", "v": return formatInt(n, 10, upper: false, f)
            case "b": return formatInt(n, 2, upper: false, f)
            case "o": return formatInt(n, 8, upper: false, f)
            case "O": return formatInt(n, 8, upper: false, f, prefix: "0o")
            case "x": return formatInt(n, 16, upper: false, f)
            case "X": return formatInt(n, 16, upper: true, f)
            case "c": return pad(String(Unicode.Scalar(UInt32(truncatingIfNeeded: n)) ?? "\u{FFFD}"), f)
            case "q": return pad(quote(String(Unicode.Scalar(UInt32(truncatingIfNeeded: n)) ?? "\u{FFFD}"), delimiter: "'"), f)
            case "U": return pad("U+" + String(format: "%04X", n), f)
            default: return bad
            }
        case .float(let d):
            switch verb {
            case "v", "g", "G", "e", "E", "f", "F": return formatFloat(d, verb, f)
            default: return bad
            }
        case .string(let s):
            switch verb {
            case "s", "v":
                if let p = f.precision { return pad(String(String.UnicodeScalarView(s.unicodeScalars.prefix(p))), f) }
                return pad(s, f)
            case "q": return pad(quote(s), f)
            case "x", "X":
                let hex = s.utf8.map { String(format: verb == "x" ? "%02x" : "%02X", $0) }
                return pad((f.sharp ? (verb == "x" ? "0x" : "0X") : "") + hex.joined(separator: f.space ? " " : ""), f)
            default: return bad
            }
        default:
            return verb == "v" || verb == "s" ? pad(a.formatted, f) : bad
        }
    }

    /// Pads to the width with spaces (left, or right with `-`); `zeros` pads numbers with zeros after their sign.
    static func pad(_ s: String, _ f: Spec, sign: String = "", zeros: Bool = false) -> String {
        guard let w = f.width else { return sign + s }
        let n = sign.unicodeScalars.count + s.unicodeScalars.count
        guard w > n else { return sign + s }
        let fill = String(repeating: zeros && f.zero && !f.minus ? "0" : " ", count: w - n)
        if f.minus { return sign + s + fill }
        return zeros && f.zero ? sign + fill + s : fill + sign + s
    }

    static func formatInt(_ n: Int, _ base: Int, upper: Bool, _ f: Spec, prefix fixedPrefix: String? = nil) -> String {
        var digits = String(n.magnitude, radix: base, uppercase: upper)
        if let p = f.precision {
            if p == 0 && n == 0 { digits = "" }
            while digits.count < p { digits = "0" + digits }
        }
        var prefix = fixedPrefix ?? ""
        if f.sharp, fixedPrefix == nil {
            switch base {
            case 16: prefix = upper ? "0X" : "0x"
            case 8: if !digits.hasPrefix("0") { prefix = "0" }
            case 2: prefix = "0b"
            default: break
            }
        }
        let sign = n < 0 ? "-" : (f.plus ? "+" : (f.space ? " " : ""))
        var g = f
        if f.precision != nil { g.zero = false }
        return pad(prefix + digits, g, sign: sign, zeros: true)
    }

    static func formatFloat(_ d: Double, _ verb: Unicode.Scalar, _ f: Spec) -> String {
        var g = f
        if d.isNaN || d.isInfinite {
            g.zero = false
            let body = d.isNaN ? "NaN" : "Inf"
            let sign = d < 0 ? "-" : (f.plus ? "+" : (f.space ? " " : (d.isNaN ? "" : "+")))
            return pad(body, g, sign: sign)
        }
        let sign = d.sign == .minus ? "-" : (f.plus ? "+" : (f.space ? " " : ""))
        let m = abs(d)
        var body: String
        switch verb {
        case "e", "E", "f", "F":
            body = String(format: "%.\(f.precision ?? 6)\(verb == "F" ? "f" : String(verb))", m)
        default:
            if let p = f.precision { body = fmtG(m, prec: max(p, 1)) } else { body = v(m) }
            if verb == "G" { body = body.uppercased() }
        }
        return pad(body, g, sign: sign, zeros: true)
    }

    /// Go's `strconv.Quote` (or `QuoteRune` with `'`).
    static func quote(_ s: String, delimiter: Character = "\"") -> String {
        var out = String(delimiter)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if Character(u) == delimiter {
                    out += "\\" + String(delimiter)
                } else if u.value < 0x20 || u.value == 0x7F {
                    out += String(format: "\\x%02x", u.value)
                } else if u.value < 0x80 || isPrint(u) {
                    out.unicodeScalars.append(u)
                } else if u.value < 0x10000 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out += String(format: "\\U%08x", u.value)
                }
            }
        }
        return out + String(delimiter)
    }

    /// Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols, ASCII space).
    static func isPrint(_ u: Unicode.Scalar) -> Bool {
        if u == " " { return true }
        switch u.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator: return false
        default: return true
        }
    }

    /// How Go's regexp package quotes a pattern in messages: backquoted when it can be.
    static func backquote(_ s: String) -> String {
        let ok = s.unicodeScalars.allSatisfy { $0 != "`" && $0 != "\u{FEFF}" && ($0 == "\t" || !($0.value < 0x20 || $0.value == 0x7F)) }
        return ok ? "`" + s + "`" : quote(s)
    }

    /// Go's `strconv.Unquote` for `"..."`, `` `...` `` and `'...'` literals; nil when malformed.
    static func unquote(_ s: String) -> String? {
        let b = Array(s.utf8)
        guard b.count >= 2, let q = b.first, b.last == q else { return nil }
        let body = b[1..<(b.count - 1)]
        if q == UInt8(ascii: "`") {
            guard !body.contains(q) else { return nil }
            return String(decoding: body.filter { $0 != 0x0D }, as: UTF8.self)
        }
        guard q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") else { return nil }
        var out: [UInt8] = []
        var i = body.startIndex
        func hex(_ n: Int) -> UInt32? {
            guard i + n <= body.endIndex, let v = UInt32(String(decoding: body[i..<(i + n)], as: UTF8.self), radix: 16) else { return nil }
            i += n
            return v
        }
        while i < body.endIndex {
            let c = body[i]
            i += 1
            if c == q || c == 0x0A { return nil }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < body.endIndex else { return nil }
            let e = body[i]
            i += 1
            switch e {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "\\"): out.append(e)
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                guard e == q else { return nil }
                out.append(e)
            case UInt8(ascii: "x"):
                guard let v = hex(2) else { return nil }
                out.append(UInt8(v))
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                guard let v = hex(e == UInt8(ascii: "u") ? 4 : 8), let u = Unicode.Scalar(v) else { return nil }
                out += Array(String(u).utf8)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard i + 2 <= body.endIndex, let v = UInt32(String(decoding: body[(i - 1)..<(i + 2)], as: UTF8.self), radix: 8), v <= 255 else { return nil }
                i += 2
                out.append(UInt8(v))
            default:
                return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `strconv.ParseUint(s, 0, 64)` without a sign: `0x`, `0o`, `0b`, leading-0 octal, `_` between digits.
    static func parseUnsigned(_ s: String) -> UInt64? {
        var body = Substring(s)
        var base = 10
        let lower = s.lowercased()
        if lower.hasPrefix("0x") { base = 16; body = body.dropFirst(2) } else if lower.hasPrefix("0o") { base = 8; body = body.dropFirst(2) } else if lower.hasPrefix("0b") { base = 2; body = body.dropFirst(2) } else if s.hasPrefix("0"), s.count > 1 { base = 8; body = body.dropFirst() }
        guard !body.isEmpty, !body.hasPrefix("_"), !body.hasSuffix("_"), !body.contains("__") else { return nil }
        return UInt64(body.replacingOccurrences(of: "_", with: ""), radix: base)
    }

    /// `strconv.ParseInt(s, 0, 64)`.
    static func parseInt(_ s: String) -> Int? {
        var body = s
        var negative = false
        if let f = body.first, f == "+" || f == "-" { negative = f == "-"; body.removeFirst() }
        guard !body.hasPrefix("+"), !body.hasPrefix("-"), let m = parseUnsigned(body) else { return nil }
        if negative {
            guard m <= UInt64(Int64.max) + 1 else { return nil }
            return m == UInt64(Int64.max) + 1 ? Int(Int64.min) : -Int(m)
        }
        guard m <= UInt64(Int64.max) else { return nil }
        return Int(m)
    }

    /// `strconv.ParseFloat(s, 64)`: no spaces; `inf`, `infinity`, `nan` in any case; hex needs a `p` exponent.
    static func parseFloat(_ s: String) -> Double? {
        guard !s.isEmpty, !s.unicodeScalars.contains(where: { $0.properties.isWhitespace }), !s.contains("_") else { return nil }
        let lower = s.lowercased()
        var body = Substring(lower)
        var negative = false
        if let f = body.first, f == "+" || f == "-" { negative = f == "-"; body = body.dropFirst() }
        if body == "inf" || body == "infinity" { return negative ? -.infinity : .infinity }
        if lower == "nan" { return .nan }
        if body.hasPrefix("inf") || body.hasPrefix("nan") || body.hasPrefix("+") || body.hasPrefix("-") { return nil }
        if body.hasPrefix("0x"), !body.contains("p") { return nil }
        guard body.allSatisfy({ $0.isASCII && ($0.isHexDigit || ".xp+-".contains($0)) }), let d = Double(String(body)) else { return nil }
        return negative ? -d : d
    }

    /// Prometheus's `model.ParseDuration` (`1y2w3d4h5m6s7ms`, units in that order, or `0`), in seconds.
    static func parseModelDuration(_ s: String) throws -> Double {
        if s == "0" { return 0 }
        if s.isEmpty { throw FuncError("empty duration string") }
        let units: [(String, Int64)] = [("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        let invalid = FuncError("not a valid duration string: \(quote(s))")
        var rest = Substring(s)
        var total: Int64 = 0
        var nextUnit = 0
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let n = Int64(digits) else { throw invalid }
            rest = rest.dropFirst(digits.count)
            let name = rest.hasPrefix("ms") ? "ms" : String(rest.prefix(1))
            guard let u = units.firstIndex(where: { $0.0 == name }), u >= nextUnit else { throw invalid }
            let (part, o1) = n.multipliedReportingOverflow(by: units[u].1)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 { throw FuncError("duration out of range") }
            total = sum
            nextUnit = u + 1
            rest = rest.dropFirst(name.count)
        }
        return Double(total) / 1000
    }

    /// Go's `time.Time.String()` for a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`.
    static func time(milliseconds ms: Int64) -> String {
        let secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)
        let frac = ms - secs * 1000
        let days = secs >= 0 ? secs / 86_400 : -((-secs + 86_399) / 86_400)
        let rem = secs - days * 86_400
        let date = CivilDate(daysSinceEpoch: days)
        var s = String(format: "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", date.year, date.month, date.day, rem / 3600, rem / 60 % 60, rem % 60)
        if frac != 0 {
            var f = String(format: "%03lld", frac)
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s + " +0000 UTC"
    }

    /// text/template's `html`.
    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// text/template's `js`.
    static func jsEscape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04X", u.value) } else if u.value < 0x80 || isPrint(u) { out.unicodeScalars.append(u) } else { out += String(format: "\\u%04X", u.value) }
            }
        }
        return out
    }

    /// Go's `url.QueryEscape`.
    static func queryEscape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: " "): out += "+"
            default: out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// Maps each scalar through a case mapping when it is one scalar (Go's simple case mapping), else keeps it.
    static func mapScalars(_ s: String, _ mapping: (Unicode.Scalar) -> String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let m = mapping(u).unicodeScalars
            if m.count == 1 { out.append(m.first!) } else { out.append(u) }
        }
        return String(out)
    }

    /// Go's `strings.Title`: the first letter of every word to title case, the rest unchanged.
    static func title(_ s: String) -> String {
        func isSeparator(_ u: Unicode.Scalar) -> Bool {
            if u.isASCII {
                return !(("0"..."9").contains(u) || ("a"..."z").contains(u) || ("A"..."Z").contains(u) || u == "_")
            }
            if u.properties.isAlphabetic || u.properties.numericType == .decimal { return false }
            return u.properties.isWhitespace
        }
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar = " "
        for u in s.unicodeScalars {
            if isSeparator(previous) {
                let m = u.properties.titlecaseMapping.unicodeScalars
                out.append(m.count == 1 ? m.first! : u)
            } else {
                out.append(u)
            }
            previous = u
        }
        return String(out)
    }
}
