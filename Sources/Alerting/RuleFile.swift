import Foundation
import PromQL
import Telemetry
import Yams

/// One rule of a group: alerting (`alert:`) or recording (`record:`).
public struct Rule: Sendable {
    public enum Kind: Sendable, Equatable { case alerting, recording }
    public var kind: Kind
    /// The alert name or the recorded metric name.
    public var name: String
    public var exprText: String
    public var expr: Expr
    /// `for:` in milliseconds (alerting only).
    public var holdDuration: Int64
    /// `keep_firing_for:` in milliseconds (alerting only).
    public var keepFiringFor: Int64
    /// Label templates (alerting) or literal labels (recording), sorted by name.
    public var labels: [(name: String, template: Template)]
    /// Annotation templates, sorted by name.
    public var annotations: [(name: String, template: Template)]
    /// Where the rule starts in its file (1-based line).
    public var line: Int
}

/// A `groups:` entry.
public struct RuleGroup: Sendable {
    public var name: String
    public var file: String
    /// Evaluation interval in milliseconds (the file's `interval:` or the default).
    public var interval: Int64
    /// `limit:`: at most this many alerts/series per rule, 0 means none.
    public var limit: Int
    public var rules: [Rule]
    public var line: Int
}

/// A problem in a rule file, naming file, line and (if known) the rule.
public struct RuleFileError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var rule: String?
    public var message: String
    public init(file: String, line: Int, rule: String?, message: String) {
        self.file = file; self.line = line; self.rule = rule; self.message = message
    }
    public var description: String {
        "\(file):\(line): " + (rule.map { "rule \"\($0)\": " } ?? "") + message
    }
}

/// All the errors of one rule file.
public struct RuleFileErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [RuleFileError]
    public init(errors: [RuleFileError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Loads Prometheus rule files.
public enum RuleLoader {
    /// Parses one rule file. All errors of the file are collected; any error rejects the file.
    public static func load(text: String, file: String, defaultInterval: Int64 = 60_000) -> Result<[RuleGroup], RuleFileErrors> {
        var errors: [RuleFileError] = []
        func err(_ node: Node?, _ rule: String?, _ msg: String) {
            errors.append(RuleFileError(file: file, line: node?.mark?.line ?? 1, rule: rule, message: msg))
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            let line = lineOf(yamlError: error)
            return .failure(RuleFileErrors(errors: [RuleFileError(file: file, line: line, rule: nil, message: "YAML syntax error: \(error)")]))
        }
        guard let root else { return .success([]) }
        guard let map = root.mapping else { err(root, nil, "a rule file must be a mapping with `groups`"); return .failure(RuleFileErrors(errors: errors)) }
        for (k, _) in map where k.string != "groups" {
            err(k, nil, "field \(k.string ?? "?") not found in type rulefmt.RuleGroups")
        }
        guard let groupsNode = map["groups"] else { return errors.isEmpty ? .success([]) : .failure(RuleFileErrors(errors: errors)) }
        guard let groupSeq = groupsNode.sequence else { err(groupsNode, nil, "`groups` must be a list"); return .failure(RuleFileErrors(errors: errors)) }
        var groups: [RuleGroup] = []
        var seenGroups = Set<String>()
        for g in groupSeq {
            guard let gm = g.mapping else { err(g, nil, "a group must be a mapping"); continue }
            for (k, _) in gm where !["name", "interval", "limit", "rules", "query_offset"].contains(k.string ?? "") {
                err(k, nil, "field \(k.string ?? "?") not found in type rulefmt.RuleGroup")
            }
            guard let name = gm["name"]?.string, !name.isEmpty else { err(g, nil, "groupname must not be empty"); continue }
            if !seenGroups.insert(name).inserted { err(g, nil, "\(name): repeated in the same file") }
            var interval = defaultInterval
            if let iv = gm["interval"] {
                if let s = iv.string, let d = try? Parser.parseDuration(s), d > 0 { interval = d } else { err(iv, nil, "group \(name): bad interval \(iv.string ?? "")") }
            }
            var limit = 0
            if let l = gm["limit"] { if let n = l.int, n >= 0 { limit = n } else { err(l, nil, "group \(name): bad limit") } }
            var rules: [Rule] = []
            for r in gm["rules"]?.sequence.map(Array.init) ?? [] {
                if let rule = parseRule(r, err: err) { rules.append(rule) }
            }
            groups.append(RuleGroup(name: name, file: file, interval: interval, limit: limit, rules: rules, line: g.mark?.line ?? 1))
        }
        return errors.isEmpty ? .success(groups) : .failure(RuleFileErrors(errors: errors))
    }

    /// Loads several files; a bad file never stops the others.
    public static func load(files: [String]) -> (groups: [RuleGroup], errors: [RuleFileError]) {
        var groups: [RuleGroup] = [], errors: [RuleFileError] = []
        for f in files {
            guard let text = try? String(contentsOfFile: f, encoding: .utf8) else {
                errors.append(RuleFileError(file: f, line: 0, rule: nil, message: "cannot read file")); continue
            }
            switch load(text: text, file: f) {
            case .success(let g): groups += g
            case .failure(let e): errors += e.errors
            }
        }
        return (groups, errors)
    }

    static func lineOf(yamlError: Error) -> Int {
        if let y = yamlError as? YamlError {
            switch y {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
            default: break
            }
        }
        return 1
    }

    static func parseRule(_ r: Node, err: (Node?, String?, String) -> Void) -> Rule? {
        guard let m = r.mapping else { err(r, nil, "a rule must be a mapping"); return nil }
        let alert = m["alert"]?.string, record = m["record"]?.string
        let ruleName = alert ?? record
        var ok = true
        func fail(_ n: Node?, _ msg: String) { err(n ?? r, ruleName, msg); ok = false }
        for (k, _) in m where !["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"].contains(k.string ?? "") {
            fail(k, "field \(k.string ?? "?") not found in type rulefmt.Rule")
        }
        if alert != nil && record != nil { fail(r, "only one of 'record' and 'alert' must be set") }
        if alert == nil && record == nil { fail(r, "one of 'record' or 'alert' must be set") }
        if let a = alert, a.isEmpty { fail(m["alert"], "alert name must not be empty") }
        if let rec = record, !isValidMetricName(rec) { fail(m["record"], "invalid recording rule name: \(rec)") }
        let exprNode = m["expr"]
        let exprText = exprNode?.string ?? ""
        var expr: Expr? = nil
        if exprText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { fail(exprNode, "field 'expr' must be set in rule") } else {
            do { expr = try Parser.parse(exprText) } catch {
                fail(exprNode, "could not parse expression: \(error)")
            }
        }
        func duration(_ key: String) -> Int64 {
            guard let n = m[key] else { return 0 }
            if record != nil { fail(n, "invalid field '\(key)' in recording rule"); return 0 }
            guard let s = n.string, let d = try? Parser.parseDuration(s), d >= 0 else {
                fail(n, "bad \(key) duration \(n.string.map { "\"\($0)\"" } ?? "")"); return 0
            }
            return d
        }
        let hold = duration("for"), keep = duration("keep_firing_for")
        func templates(_ key: String) -> [(name: String, template: Template)] {
            guard let n = m[key] else { return [] }
            guard let mm = n.mapping else { fail(n, "\(key) must be a mapping"); return [] }
            var out: [(name: String, template: Template)] = []
            for (k, v) in mm {
                let name = k.string ?? ""
                if key == "labels" && (!isValidLabelName(name) || name == "__name__") { fail(k, "invalid label name: \(name)") }
                let text = v.string ?? ""
                do { out.append((name: name, template: try Template(text))) } catch {
                    fail(v, "template error in \(key).\(name): \(error)")
                }
            }
            return out.sorted { $0.name < $1.name }
        }
        let labels = templates("labels")
        let annotations = templates("annotations")
        if record != nil, m["annotations"] != nil { fail(m["annotations"], "invalid field 'annotations' in recording rule") }
        guard ok, let expr, let ruleName else { return nil }
        return Rule(kind: alert != nil ? .alerting : .recording, name: ruleName, exprText: exprText, expr: expr,
                    holdDuration: hold, keepFiringFor: keep, labels: labels, annotations: annotations, line: r.mark?.line ?? 1)
    }

    static func isValidMetricName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f.isASCIILetterOrUnderscore || f == ":" else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIILetterOrUnderscore || $0 == ":" || ("0"..."9").contains($0) }
    }
    static func isValidLabelName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f.isASCIILetterOrUnderscore else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIILetterOrUnderscore || ("0"..."9").contains($0) }
    }
}

extension Unicode.Scalar {
    var isASCIILetterOrUnderscore: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) || self == "_" }
}
