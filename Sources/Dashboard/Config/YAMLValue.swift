import Yams

/// A YAML node with its position and key path, so that every error can say where it is.
/// Wraps Yams' composed tree; nothing outside this file sees Yams types.
public struct YAMLValue: Sendable {
    enum Kind: Sendable {
        case scalar(String)
        case mapping([(key: YAMLValue, value: YAMLValue)])
        case sequence([YAMLValue])
        case null
    }
    let kind: Kind
    public let file: String
    public let line: Int
    public let column: Int
    public let keyPath: String

    /// The scalar text (for mapping keys and scalars).
    public var text: String {
        if case .scalar(let s) = kind { return s }
        return ""
    }

    public func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, keyPath: keyPath, message: message)
    }

    public func string() throws(ConfigError) -> String {
        guard case .scalar(let s) = kind else { throw error("expected a string, found \(kindName)") }
        return s
    }

    public func int() throws(ConfigError) -> Int {
        guard case .scalar(let s) = kind, let v = Int(s) else { throw error("expected an integer, found \(describe)") }
        return v
    }

    public func bool() throws(ConfigError) -> Bool {
        guard case .scalar(let s) = kind else { throw error("expected true or false, found \(kindName)") }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, found '\(s)'")
        }
    }

    public func mapping() throws(ConfigError) -> [(key: YAMLValue, value: YAMLValue)] {
        switch kind {
        case .mapping(let pairs): return pairs
        case .null: return []
        default: throw error("expected a mapping (key: value), found \(kindName)")
        }
    }

    public func sequence() throws(ConfigError) -> [YAMLValue] {
        switch kind {
        case .sequence(let items): return items
        case .null: return []
        default: throw error("expected a list, found \(kindName)")
        }
    }

    /// The value under `key` in a mapping, if present.
    public func optional(_ key: String) throws(ConfigError) -> YAMLValue? {
        try mapping().first { $0.key.text == key }?.value
    }

    public func required(_ key: String) throws(ConfigError) -> YAMLValue {
        guard let v = try optional(key) else { throw error("missing required key '\(key)'") }
        return v
    }

    /// Rejects keys outside `allowed`, as Prometheus does with its config: a typo is an error,
    /// not a silently ignored setting.
    public func expectKeys(_ allowed: Set<String>) throws(ConfigError) {
        for (key, _) in try mapping() where !allowed.contains(key.text) {
            throw key.error("unknown key '\(key.text)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    var kindName: String {
        switch kind {
        case .scalar: return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .null: return "nothing"
        }
    }
    var describe: String {
        if case .scalar(let s) = kind { return "'\(s)'" }
        return kindName
    }
}

/// Parses YAML text into `YAMLValue`s.
public enum YAMLDocument {
    public static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw convert(error, file: file)
        } catch {
            throw ConfigError(file: file, line: 1, column: 1, keyPath: "", message: "\(error)")
        }
        guard let node else { return YAMLValue(kind: .null, file: file, line: 1, column: 1, keyPath: "") }
        return wrap(node, file: file, path: "")
    }

    static func wrap(_ node: Node, file: String, path: String) -> YAMLValue {
        let line = node.mark?.line ?? 1, column = node.mark?.column ?? 1
        switch node {
        case .scalar(let s):
            if s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) { return YAMLValue(kind: .null, file: file, line: line, column: column, keyPath: path) }
            return YAMLValue(kind: .scalar(s.string), file: file, line: line, column: column, keyPath: path)
        case .mapping(let m):
            let pairs = m.map { pair -> (key: YAMLValue, value: YAMLValue) in
                let keyText = pair.key.scalar?.string ?? "?"
                let childPath = path.isEmpty ? keyText : "\(path).\(keyText)"
                return (wrap(pair.key, file: file, path: childPath), wrap(pair.value, file: file, path: childPath))
            }
            return YAMLValue(kind: .mapping(pairs), file: file, line: line, column: column, keyPath: path)
        case .sequence(let seq):
            let items = seq.enumerated().map { wrap($0.element, file: file, path: "\(path)[\($0.offset)]") }
            return YAMLValue(kind: .sequence(items), file: file, line: line, column: column, keyPath: path)
        case .alias:
            return YAMLValue(kind: .null, file: file, line: line, column: column, keyPath: path)
        }
    }

    static func convert(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            return ConfigError(file: file, line: mark.line, column: mark.column, keyPath: "", message: "invalid YAML: \(detail)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(file: file, line: context.mark.line, column: context.mark.column, keyPath: "",
                               message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return ConfigError(file: file, line: 1, column: 1, keyPath: "", message: "invalid YAML: \(error)")
        }
    }
}
