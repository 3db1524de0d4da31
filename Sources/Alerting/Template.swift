import Foundation

/// A template error: at parse time it rejects the rule; at expansion time it becomes the text
/// `<error expanding template: ...>` as in Prometheus.
public struct TemplateError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The data a rule template sees: `$labels`/`.Labels`, `$value`/`.Value`, `$externalLabels`/`.ExternalLabels`.
public struct TemplateData: Sendable {
    public var labels: [String: String]
    public var value: Double
    public var externalLabels: [String: String]
    public var externalURL: String
    public init(labels: [String: String], value: Double, externalLabels: [String: String] = [:], externalURL: String = "") {
        self.labels = labels; self.value = value; self.externalLabels = externalLabels; self.externalURL = externalURL
    }
}

/// The subset of Go's text/template that Prometheus rule templates use: `{{ $labels.x }}`, `{{ $value }}`,
/// `{{ .Labels.x }}`, `{{ .Value }}`, pipes, `$x := ...`, trim markers, comments, and the functions
/// `humanize`, `humanize1024`, `humanizeDuration`, `humanizePercentage`, `printf`, `toUpper`, `toLower`,
/// `title`, `reReplaceAll`.
public struct Template: Sendable {
    enum Arg: Sendable {
        case string(String)
        case number(Double)
        case variable(String, [String])   // $name.field.field
        case field([String])              // .Field.field ("." alone is [])
        case function(String)
        case pipeline([[Arg]])
    }
    enum Node: Sendable {
        case text(String)
        case action(declare: String?, pipeline: [[Arg]])
        case ifBlock(condition: [[Arg]], then: [Node], otherwise: [Node])
        // Markers used while parsing only.
        case elseMarker(condition: [[Arg]]?)
        case endMarker
    }
    let nodes: [Node]
    public let source: String

    static let functions: Set<String> = ["humanize", "humanize1024", "humanizeDuration", "humanizePercentage",
                                         "printf", "toUpper", "toLower", "title", "reReplaceAll", "print",
                                         "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not"]

    public init(_ text: String) throws {
        source = text
        var nodes: [Node] = []
        var rest = Substring(text)
        var pendingText = ""
        while let open = rest.range(of: "{{") {
            var before = String(rest[..<open.lowerBound])
            var after = rest[open.upperBound...]
            if after.hasPrefix("- ") || after.hasPrefix("-\t") || after.hasPrefix("-\n") {
                while let l = before.last, l.isWhitespace { before.removeLast() }
                after = after.dropFirst()
            }
            pendingText += before
            guard let close = after.range(of: "}}") else { throw TemplateError("unclosed action") }
            var body = String(after[..<close.lowerBound])
            var next = after[close.upperBound...]
            if body.hasSuffix(" -") || body.hasSuffix("\t-") || body.hasSuffix("\n-") {
                body.removeLast()
                while let f = next.first, f.isWhitespace { next = next.dropFirst() }
            }
            rest = next
            let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("/*") {
                guard trimmed.hasSuffix("*/") else { throw TemplateError("unclosed comment") }
                continue
            }
            if !pendingText.isEmpty { nodes.append(.text(pendingText)); pendingText = "" }
            nodes.append(try Template.parseAction(trimmed))
        }
        pendingText += rest
        if !pendingText.isEmpty { nodes.append(.text(pendingText)) }
        var i = 0
        self.nodes = try Template.nest(nodes, &i, inIf: false)
        if i < nodes.count { throw TemplateError("unexpected {{end}} or {{else}}") }
    }

    static func parseAction(_ s: String) throws -> Node {
        var tokens = try tokenize(s)
        if tokens.isEmpty { throw TemplateError("missing value for command") }
        if case .word("if") = tokens[0] {
            var idx = 1
            return .ifBlock(condition: try parsePipeline(tokens, &idx), then: [], otherwise: [])
        }
        if case .word("end") = tokens[0], tokens.count == 1 { return .endMarker }
        if case .word("else") = tokens[0] {
            if tokens.count == 1 { return .elseMarker(condition: nil) }
            if case .word("if") = tokens[1] {
                var idx = 2
                return .elseMarker(condition: try parsePipeline(tokens, &idx))
            }
        }
        if case .word(let w) = tokens[0], ["if", "else", "end", "range", "with", "define", "template", "block"].contains(w) {
            throw TemplateError("unsupported template action \"\(w)\"")
        }
        var declare: String? = nil
        if tokens.count >= 2, case .word(let v) = tokens[0], v.hasPrefix("$"), case .declare = tokens[1] {
            declare = v
            tokens.removeFirst(2)
        }
        var idx = 0
        let p = try parsePipeline(tokens, &idx)
        if idx != tokens.count { throw TemplateError("unexpected \")\" in command") }
        return .action(declare: declare, pipeline: p)
    }

    enum Token { case word(String), string(String), number(Double), pipe, lparen, rparen, declare }

    /// Turns the flat list (with if/else/end markers) into nested `ifBlock`s.
    static func nest(_ flat: [Node], _ i: inout Int, inIf: Bool) throws -> [Node] {
        var out: [Node] = []
        while i < flat.count {
            switch flat[i] {
            case .ifBlock(let cond, _, _):
                i += 1
                out.append(try ifChain(cond, flat, &i))
            case .elseMarker, .endMarker:
                if !inIf { throw TemplateError("unexpected {{end}} or {{else}}") }
                return out
            default:
                out.append(flat[i]); i += 1
            }
        }
        if inIf { throw TemplateError("unexpected EOF: missing {{end}}") }
        return out
    }

    static func ifChain(_ cond: [[Arg]], _ flat: [Node], _ i: inout Int) throws -> Node {
        let then = try nest(flat, &i, inIf: true)
        switch flat[i] {
        case .endMarker:
            i += 1
            return .ifBlock(condition: cond, then: then, otherwise: [])
        case .elseMarker(let c?):
            i += 1
            return .ifBlock(condition: cond, then: then, otherwise: [try ifChain(c, flat, &i)])
        default:
            i += 1
            let otherwise = try nest(flat, &i, inIf: true)
            guard case .endMarker = flat[i] else { throw TemplateError("expected {{end}}") }
            i += 1
            return .ifBlock(condition: cond, then: then, otherwise: otherwise)
        }
    }

    static func tokenize(_ s: String) throws -> [Token] {
        var out: [Token] = []
        let c = Array(s)
        var i = 0
        while i < c.count {
            let ch = c[i]
            if ch.isWhitespace { i += 1; continue }
            if ch == "|" { out.append(.pipe); i += 1; continue }
            if ch == "(" { out.append(.lparen); i += 1; continue }
            if ch == ")" { out.append(.rparen); i += 1; continue }
            if ch == ":" && i + 1 < c.count && c[i + 1] == "=" { out.append(.declare); i += 2; continue }
            if ch == "\"" {
                var str = ""
                i += 1
                var closed = false
                while i < c.count {
                    if c[i] == "\\" && i + 1 < c.count {
                        switch c[i + 1] {
                        case "n": str.append("\n")
                        case "t": str.append("\t")
                        default: str.append(c[i + 1])
                        }
                        i += 2; continue
                    }
                    if c[i] == "\"" { closed = true; i += 1; break }
                    str.append(c[i]); i += 1
                }
                if !closed { throw TemplateError("unterminated quoted string") }
                out.append(.string(str)); continue
            }
            if ch == "`" {
                guard let end = c[(i + 1)...].firstIndex(of: "`") else { throw TemplateError("unterminated raw quoted string") }
                out.append(.string(String(c[(i + 1)..<end]))); i = end + 1; continue
            }
            var j = i
            while j < c.count, !c[j].isWhitespace, !"|()".contains(c[j]), !(c[j] == ":" && j + 1 < c.count && c[j + 1] == "=") { j += 1 }
            let word = String(c[i..<j])
            i = j
            if let first = word.first, first.isNumber || ((first == "-" || first == "+") && word.count > 1) {
                guard let d = Double(word) else { throw TemplateError("bad number syntax: \"\(word)\"") }
                out.append(.number(d))
            } else {
                out.append(.word(word))
            }
        }
        return out
    }

    static func parsePipeline(_ t: [Token], _ i: inout Int) throws -> [[Arg]] {
        var cmds: [[Arg]] = []
        var cmd: [Arg] = []
        while i < t.count {
            switch t[i] {
            case .pipe:
                if cmd.isEmpty { throw TemplateError("missing command") }
                cmds.append(cmd); cmd = []; i += 1
            case .rparen:
                if cmd.isEmpty { throw TemplateError("missing command") }
                cmds.append(cmd); return cmds
            case .lparen:
                i += 1
                let inner = try parsePipeline(t, &i)
                guard i < t.count, case .rparen = t[i] else { throw TemplateError("unclosed left paren") }
                i += 1
                cmd.append(.pipeline(inner))
            case .declare: throw TemplateError("unexpected \":=\"")
            case .string(let s): cmd.append(.string(s)); i += 1
            case .number(let d): cmd.append(.number(d)); i += 1
            case .word(let w):
                i += 1
                if w.hasPrefix("$") {
                    let parts = w.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                    cmd.append(.variable(parts[0], Array(parts.dropFirst())))
                } else if w.hasPrefix(".") {
                    cmd.append(.field(w == "." ? [] : w.dropFirst().split(separator: ".", omittingEmptySubsequences: false).map(String.init)))
                } else if functions.contains(w) {
                    cmd.append(.function(w))
                } else if w == "true" || w == "false" || w == "nil" {
                    cmd.append(.string(w))
                } else {
                    throw TemplateError("function \"\(w)\" not defined")
                }
            }
        }
        if cmd.isEmpty { throw TemplateError("missing command") }
        cmds.append(cmd)
        return cmds
    }

    // MARK: expansion

    enum TValue { case string(String), number(Double), map([String: String]), none }

    /// Expands the template; errors are returned as Prometheus does (the caller decides what to show).
    public func expand(_ data: TemplateData) throws -> String {
        var vars: [String: TValue] = [
            "$": .none,
            "$labels": .map(data.labels), "$value": .number(data.value),
            "$externalLabels": .map(data.externalLabels), "$externalURL": .string(data.externalURL),
        ]
        var out = ""
        try Template.render(nodes, data: data, vars: &vars, into: &out)
        return out
    }

    static func render(_ nodes: [Node], data: TemplateData, vars: inout [String: TValue], into out: inout String) throws {
        for n in nodes {
            switch n {
            case .text(let s): out += s
            case .action(let declare, let p):
                let v = try run(p, data: data, vars: vars)
                if let declare { vars[declare] = v } else { out += show(v) }
            case .ifBlock(let cond, let then, let otherwise):
                try render(truth(try run(cond, data: data, vars: vars)) ? then : otherwise, data: data, vars: &vars, into: &out)
            case .elseMarker, .endMarker: break
            }
        }
    }

    static func truth(_ v: TValue) -> Bool {
        switch v {
        case .string(let s): return !s.isEmpty && s != "false"
        case .number(let d): return d != 0
        case .map(let m): return !m.isEmpty
        case .none: return false
        }
    }

    /// Expands, turning an error into Prometheus's `<error expanding template: ...>` text.
    public func expandOrError(_ data: TemplateData, name: String) -> String {
        do { return try expand(data) } catch {
            return "<error expanding template: error executing template __alert_\(name): \(error)>"
        }
    }

    static func show(_ v: TValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(let d): return GoFormat.v(d)
        case .map(let m): return "map[" + m.keys.sorted().map { "\($0):\(m[$0]!)" }.joined(separator: " ") + "]"
        case .none: return "<no value>"
        }
    }

    static func run(_ p: [[Arg]], data: TemplateData, vars: [String: TValue]) throws -> TValue {
        var piped: TValue? = nil
        for cmd in p {
            piped = try runCommand(cmd, piped: piped, data: data, vars: vars)
        }
        return piped ?? .none
    }

    static func operand(_ a: Arg, data: TemplateData, vars: [String: TValue]) throws -> TValue {
        func lookup(_ base: TValue, _ path: [String]) throws -> TValue {
            var cur = base
            for f in path {
                guard case .map(let m) = cur else { throw TemplateError("can't evaluate field \(f)") }
                cur = .string(m[f] ?? "")
            }
            return cur
        }
        switch a {
        case .string(let s): return .string(s)
        case .number(let d): return .number(d)
        case .variable(let name, let path):
            guard let v = vars[name] else { throw TemplateError("undefined variable \"\(name)\"") }
            return try lookup(v, path)
        case .field(let path):
            guard let head = path.first else { return .none }
            let base: TValue
            switch head {
            case "Labels": base = .map(data.labels)
            case "Value": base = .number(data.value)
            case "ExternalLabels": base = .map(data.externalLabels)
            case "ExternalURL": base = .string(data.externalURL)
            default: throw TemplateError("can't evaluate field \(head)")
            }
            return try lookup(base, Array(path.dropFirst()))
        case .pipeline(let p): return try run(p, data: data, vars: vars)
        case .function(let f): throw TemplateError("function \(f) used as a value")
        }
    }

    static func runCommand(_ cmd: [Arg], piped: TValue?, data: TemplateData, vars: [String: TValue]) throws -> TValue {
        guard case .function(let f) = cmd[0] else {
            if cmd.count > 1 || piped != nil { throw TemplateError("can't give argument to non-function \(cmd[0])") }
            return try operand(cmd[0], data: data, vars: vars)
        }
        var args = try cmd.dropFirst().map { try operand($0, data: data, vars: vars) }
        if let piped { args.append(piped) }
        return try call(f, args)
    }

    static func number(_ v: TValue) throws -> Double {
        switch v {
        case .number(let d): return d
        case .string(let s):
            if let d = Double(s.trimmingCharacters(in: .whitespaces)) { return d }
            throw TemplateError("strconv.ParseFloat: parsing \"\(s)\": invalid syntax")
        default: throw TemplateError("can't convert to float")
        }
    }

    static func call(_ f: String, _ args: [TValue]) throws -> TValue {
        func one() throws -> TValue {
            guard args.count == 1 else { throw TemplateError("wrong number of args for \(f): want 1 got \(args.count)") }
            return args[0]
        }
        switch f {
        case "humanize": return .string(Humanize.humanize(try number(one())))
        case "humanize1024": return .string(Humanize.humanize1024(try number(one())))
        case "humanizeDuration": return .string(Humanize.duration(try number(one())))
        case "humanizePercentage": return .string(Humanize.percentage(try number(one())))
        case "toUpper": return .string(show(try one()).uppercased())
        case "toLower": return .string(show(try one()).lowercased())
        case "title": return .string(show(try one()).capitalized)
        case "print": return .string(args.map(show).joined())
        case "not": return .string(truth(try one()) ? "false" : "true")
        case "and":
            guard !args.isEmpty else { throw TemplateError("wrong number of args for and") }
            return args.first(where: { !truth($0) }) ?? args.last!
        case "or":
            guard !args.isEmpty else { throw TemplateError("wrong number of args for or") }
            return args.first(where: truth) ?? args.last!
        case "eq", "ne", "lt", "le", "gt", "ge":
            guard args.count == 2 else { throw TemplateError("wrong number of args for \(f): want 2 got \(args.count)") }
            let c: Int
            switch (args[0], args[1]) {
            case (.number(let a), .number(let b)): c = a < b ? -1 : (a > b ? 1 : 0)
            case (.string(let a), .string(let b)): c = a < b ? -1 : (a > b ? 1 : 0)
            default: throw TemplateError("incompatible types for comparison")
            }
            let r: Bool
            switch f {
            case "eq": r = c == 0
            case "ne": r = c != 0
            case "lt": r = c < 0
            case "le": r = c <= 0
            case "gt": r = c > 0
            default: r = c >= 0
            }
            return .string(r ? "true" : "false")
        case "printf":
            guard case .string(let fmt)? = args.first else { throw TemplateError("wrong type for value; expected string") }
            return .string(GoFormat.printf(fmt, Array(args.dropFirst())))
        case "reReplaceAll":
            guard args.count == 3 else { throw TemplateError("wrong number of args for reReplaceAll: want 3 got \(args.count)") }
            let re = try NSRegularExpression(pattern: show(args[0]))
            let s = show(args[2])
            let tmpl = show(args[1]).replacingOccurrences(of: "${", with: "$").replacingOccurrences(of: "}", with: "")
            return .string(re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: tmpl))
        default: throw TemplateError("function \"\(f)\" not defined")
        }
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

/// Go `fmt` number formatting, as far as templates need it.
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

    /// Go's `printf` for the verbs templates use.
    static func printf(_ format: String, _ args: [Template.TValue]) -> String {
        var out = ""
        let c = Array(format)
        var i = 0, argi = 0
        while i < c.count {
            if c[i] != "%" { out.append(c[i]); i += 1; continue }
            i += 1
            if i < c.count, c[i] == "%" { out += "%"; i += 1; continue }
            var spec = "%"
            while i < c.count, "+-# 0".contains(c[i]) { spec.append(c[i]); i += 1 }
            while i < c.count, c[i].isNumber { spec.append(c[i]); i += 1 }
            var precision: Int? = nil
            if i < c.count, c[i] == "." {
                spec.append("."); i += 1
                var p = ""
                while i < c.count, c[i].isNumber { p.append(c[i]); i += 1 }
                spec += p
                precision = Int(p) ?? 0
            }
            guard i < c.count else { out += "%!(NOVERB)"; break }
            let verb = c[i]; i += 1
            guard argi < args.count else { out += "%!\(verb)(MISSING)"; continue }
            let a = args[argi]; argi += 1
            switch (verb, a) {
            case ("f", .number(let d)), ("F", .number(let d)), ("e", .number(let d)):
                if d.isNaN { out += "NaN" } else if d.isInfinite { out += d > 0 ? "+Inf" : "-Inf" } else {
                    out += String(format: spec + String(verb), d)
                }
            case ("g", .number(let d)):
                if let precision { out += precision == 0 ? fmtG(d, prec: 1) : fmtG(d, prec: precision) } else { out += v(d) }
            case ("v", _), ("s", .string):
                out += Template.show(a)
            case ("d", .number(let d)):
                out += "%!d(float64=\(v(d)))"
            case ("q", .string(let s)):
                out += "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            case (_, .number(let d)):
                out += "%!\(verb)(float64=\(v(d)))"
            case (_, .string(let s)):
                out += "%!\(verb)(string=\(s))"
            default:
                out += "%!\(verb)(\(Template.show(a)))"
            }
        }
        if argi < args.count {
            out += "%!(EXTRA " + args[argi...].map { a -> String in
                if case .number(let d) = a { return "float64=\(v(d))" }
                return "string=\(Template.show(a))"
            }.joined(separator: ", ") + ")"
        }
        return out
    }
}
