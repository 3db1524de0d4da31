import Telemetry

/// The YAML config file, as documented in `docs/config.md`:
///
/// ```yaml
/// theme: dark
/// storage:
///   retention: 2h
///   memory_budget: 256MiB
/// scrape:
///   interval: 15s
///   timeout: 10s
/// targets:
///   - name: triton
///     url: http://127.0.0.1:8002/metrics
///     interval: 5s
///   - name: saved
///     url: file:///var/tmp/metrics.prom
///   - name: secured
///     url: https://models.internal:8443/metrics
///     authorization: { credentials_file: /run/secrets/scrape-token }
/// ```
public struct AppConfig: Hashable, Sendable {
    public var theme: String?
    public var targets: [ScrapeTarget]
    public var retention: Milliseconds
    /// The series store's memory budget in bytes; the oldest chunks go first past it.
    public var memoryBudget: Int?
    /// Prometheus rule files, relative to the config file's folder.
    public var ruleFiles: [String] = []

    public static let defaultMemoryBudget = 256 << 20

    public init(theme: String? = nil, targets: [ScrapeTarget] = [], retention: Milliseconds = .minutes(60),
                memoryBudget: Int? = AppConfig.defaultMemoryBudget) {
        self.theme = theme; self.targets = targets; self.retention = retention; self.memoryBudget = memoryBudget
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> AppConfig {
        let root = try YAMLDocument.parse(text, file: file)
        try root.expectKeys(["theme", "storage", "scrape", "targets", "rule_files"])
        var config = AppConfig()
        config.theme = try root.optional("theme")?.string()
        if let storage = try root.optional("storage") {
            try storage.expectKeys(["retention", "memory_budget"])
            if let r = try storage.optional("retention") { config.retention = try duration(r) }
            if let b = try storage.optional("memory_budget") { config.memoryBudget = try byteSize(b) }
        }
        var defaultInterval = Milliseconds.seconds(15), defaultTimeout = Milliseconds.seconds(10)
        if let scrape = try root.optional("scrape") {
            try scrape.expectKeys(["interval", "timeout"])
            if let v = try scrape.optional("interval") { defaultInterval = try duration(v) }
            if let v = try scrape.optional("timeout") { defaultTimeout = try duration(v) }
        }
        if let files = try root.optional("rule_files") {
            for item in try files.sequence() {
                let path = try item.string()
                let base = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
                config.ruleFiles.append(path.hasPrefix("/") ? path : base + "/" + path)
            }
        }
        let targetsNode = try root.required("targets")
        let items = try targetsNode.sequence()
        if items.isEmpty { throw targetsNode.error("at least one target is needed") }
        var names = Set<String>()
        for item in items {
            try item.expectKeys(["name", "url", "interval", "timeout", "authorization", "basic_auth"])
            let urlNode = try item.required("url")
            let url = try urlNode.string()
            guard let scheme = url.split(separator: ":", maxSplits: 1).first.map(String.init),
                  ["http", "https", "file", "demo"].contains(scheme.lowercased()), url.contains("://") else {
                throw urlNode.error("'\(url)' is not an http://, https://, file:// or demo:// URL")
            }
            let nameNode = try item.optional("name")
            let name = try nameNode?.string() ?? instanceLabel(url)
            guard names.insert(name).inserted else {
                throw (nameNode ?? urlNode).error("duplicate target name '\(name)'")
            }
            let interval = try item.optional("interval").map { v throws(ConfigError) in try duration(v) } ?? defaultInterval
            var timeout = try item.optional("timeout").map { v throws(ConfigError) in try duration(v) } ?? defaultTimeout
            timeout = min(timeout, interval)
            let auth = try self.auth(of: item)
            if auth != nil, !url.lowercased().hasPrefix("http") {
                throw urlNode.error("credentials are only sent to http:// and https:// targets")
            }
            config.targets.append(ScrapeTarget(name: name, url: url, interval: interval, timeout: timeout, auth: auth))
        }
        return config
    }

    /// `authorization:` (a bearer token) or `basic_auth:`, each naming where the secret is:
    /// a file (`credentials_file`, `password_file`) or an environment variable
    /// (`credentials_env`, `password_env`). Secrets written into the config are refused, so
    /// that a config file can be shared, shown and recorded without leaking them.
    static func auth(of item: YAMLValue) throws(ConfigError) -> ScrapeAuth? {
        let bearer = try item.optional("authorization"), basic = try item.optional("basic_auth")
        if let bearer, basic != nil { throw bearer.error("use either authorization or basic_auth, not both") }
        if let bearer {
            try bearer.expectKeys(["type", "credentials", "credentials_file", "credentials_env"])
            if let type = try bearer.optional("type"), try type.string().lowercased() != "bearer" {
                throw type.error("only the Bearer authorization type is supported")
            }
            return .bearer(try secret(in: bearer, stem: "credentials"))
        }
        if let basic {
            try basic.expectKeys(["username", "password", "password_file", "password_env"])
            let user = try basic.required("username").string()
            return .basic(username: user, password: try secret(in: basic, stem: "password"))
        }
        return nil
    }

    static func secret(in node: YAMLValue, stem: String) throws(ConfigError) -> SecretSource {
        if let inline = try node.optional(stem) {
            throw inline.error("secrets are not written into the config: use \(stem)_file or \(stem)_env")
        }
        let file = try node.optional("\(stem)_file"), env = try node.optional("\(stem)_env")
        switch (file, env) {
        case (let f?, nil): return .file(try f.string())
        case (nil, let e?): return .environment(try e.string())
        case (_?, _?): throw node.error("give \(stem)_file or \(stem)_env, not both")
        case (nil, nil): throw node.error("missing \(stem)_file or \(stem)_env")
        }
    }

    /// Sizes such as `512KiB`, `256MiB`, `2GiB`, `100MB` or a plain number of bytes.
    public static func byteSize(_ node: YAMLValue) throws(ConfigError) -> Int {
        let text = try node.string()
        guard let bytes = parseByteSize(text), bytes > 0 else {
            throw node.error("'\(text)' is not a size (like 512KiB, 256MiB, 2GiB)")
        }
        return bytes
    }

    public static func parseByteSize(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1_000), ("MB", 1_000_000),
                                      ("GB", 1_000_000_000), ("B", 1)]
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let n = Int(digits) else { return nil }
        let rest = text.dropFirst(digits.count)
        if rest.isEmpty { return n }
        guard let unit = units.first(where: { $0.0 == rest }) else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: unit.1)
        return overflow ? nil : product
    }

    /// Prometheus durations: `500ms`, `15s`, `5m`, `1h`, `1h30m`, `2d`.
    public static func duration(_ node: YAMLValue) throws(ConfigError) -> Milliseconds {
        let text = try node.string()
        guard let d = parseDuration(text), d.value > 0 else {
            throw node.error("'\(text)' is not a duration (like 500ms, 15s, 5m, 1h30m)")
        }
        return d
    }

    public static func parseDuration(_ text: String) -> Milliseconds? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000), ("y", 31_536_000_000)]
        var rest = Substring(text), total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            let (product, overflow) = n.multipliedReportingOverflow(by: unit.1)
            guard !overflow else { return nil }
            total += product
        }
        return Milliseconds(total)
    }
}
