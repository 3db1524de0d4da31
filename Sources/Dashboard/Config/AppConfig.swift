import Logs
import Models
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
/// model_metrics:
///   - name: fraud-api
///     match: { job: fraud-api }
///     model_label: model
///     requests: fraud_requests_total
///     errors: fraud_errors_total
///     latency_histogram: fraud_latency_ms
///     latency_unit: ms
/// ```
public struct AppConfig: Hashable, Sendable {
    public var theme: String?
    public var targets: [ScrapeTarget]
    public var retention: Milliseconds
    /// The series store's memory budget in bytes; the oldest chunks go first past it.
    public var memoryBudget: Int?
    /// Prometheus rule files, relative to the config file's folder.
    public var ruleFiles: [String] = []
    /// Log-rule files (`log_rule_files:`), relative to the config file.
    public var logRuleFiles: [String] = []
    /// Other exporters' metric names mapped onto the model signals (`model_metrics:`).
    public var modelMetrics: [MetricMapping] = []
    /// The `drift:` section: how feature and score histograms are watched.
    public var drift = DriftConfig()
    /// The `logs:` section: files to follow and how to read them.
    public var logs = LogsConfig()
    /// The runbooks folder (`runbooks:`), relative to the config file.
    public var runbooks: String?
    /// The audit log of confirmed commands (`audit_log:`), relative to the config file.
    public var auditLog: String?
    /// `commands: run | dry-run | read-only`: whether confirmed runbook commands run.
    public var commands: CommandsSetting = .run

    /// What the `commands:` key allows.
    public enum CommandsSetting: String, Hashable, Sendable, CaseIterable {
        case run
        case dryRun = "dry-run"
        case readOnly = "read-only"
    }

    public static let defaultMemoryBudget = 256 << 20

    public init(theme: String? = nil, targets: [ScrapeTarget] = [], retention: Milliseconds = .minutes(60),
                memoryBudget: Int? = AppConfig.defaultMemoryBudget) {
        self.theme = theme; self.targets = targets; self.retention = retention; self.memoryBudget = memoryBudget
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> AppConfig {
        let root = try YAMLDocument.parse(text, file: file)
        try root.expectKeys(["theme", "storage", "scrape", "targets", "rule_files", "log_rule_files", "model_metrics", "drift", "logs",
                             "runbooks", "audit_log", "commands"])
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
        if let files = try root.optional("log_rule_files") {
            for item in try files.sequence() {
                let path = try item.string()
                let base = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
                config.logRuleFiles.append(path.hasPrefix("/") ? path : base + "/" + path)
            }
        }
        if let mappings = try root.optional("model_metrics") { config.modelMetrics = try modelMetrics(mappings) }
        if let drift = try root.optional("drift") { config.drift = try driftConfig(drift, file: file) }
        if let logs = try root.optional("logs") { config.logs = try logsConfig(logs) }
        let base = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
        if let dir = try root.optional("runbooks") {
            let path = try dir.string()
            config.runbooks = path.hasPrefix("/") ? path : base + "/" + path
        }
        if let log = try root.optional("audit_log") {
            let path = try log.string()
            config.auditLog = path.hasPrefix("/") ? path : base + "/" + path
        }
        if let node = try root.optional("commands") {
            let word = try node.string()
            guard let setting = CommandsSetting(rawValue: word) else {
                throw node.error("commands: '\(word)' is not one of run, dry-run, read-only")
            }
            config.commands = setting
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

    /// `logs:` with `files` (paths and globs), `lines` (start that many lines back), `buffer`
    /// (entries kept in memory) and `formats` (custom formats, tried before the built-in ones).
    static func logsConfig(_ node: YAMLValue) throws(ConfigError) -> LogsConfig {
        try node.expectKeys(["files", "lines", "buffer", "formats"])
        var out = LogsConfig()
        if let v = try node.optional("files") {
            out.files = try v.sequence().map { item throws(ConfigError) in
                let path = try item.string()
                guard !path.isEmpty else { throw item.error("an empty path") }
                return path
            }
        }
        if let v = try node.optional("lines") {
            let n = try v.int()
            guard n >= 0, n <= 1_000_000 else { throw v.error("lines is 0...1000000") }
            out.lines = n
        }
        if let v = try node.optional("buffer") {
            let n = try v.int()
            guard n >= 100, n <= 10_000_000 else { throw v.error("buffer is 100...10000000 entries") }
            out.buffer = n
        }
        if let v = try node.optional("formats") {
            for item in try v.sequence() {
                try item.expectKeys(["name", "regex", "json", "logfmt", "time_layout"])
                let name = try item.required("name").string()
                let layout = try item.optional("time_layout")?.string()
                func make(_ build: () throws(CustomLogFormatError) -> CustomLogFormat) throws(ConfigError) -> CustomLogFormat {
                    do { return try build() } catch { throw item.error("format '\(name)': \(error)") }
                }
                if let r = try item.optional("regex") {
                    let pattern = try r.string()
                    out.formats.append(try make { () throws(CustomLogFormatError) in
                        try CustomLogFormat(name: name, regex: pattern, timeLayout: layout)
                    })
                } else if let fieldsNode = try fieldsOf(item) {
                    let isJSON = try item.optional("json") != nil
                    try fieldsNode.expectKeys(["time", "level", "message", "model", "version", "request_id", "trace_id"])
                    func names(_ key: String) throws(ConfigError) -> [String] {
                        guard let f = try fieldsNode.optional(key) else { return [] }
                        return [try f.string()]
                    }
                    let time = try names("time"), level = try names("level"), message = try names("message")
                    let model = try names("model"), version = try names("version")
                    let request = try names("request_id"), trace = try names("trace_id")
                    out.formats.append(try make { () throws(CustomLogFormatError) in
                        try CustomLogFormat(name: name, kind: isJSON ? .json : .logfmt, timeFields: time, levelFields: level,
                                            messageFields: message, modelFields: model, versionFields: version,
                                            requestIDFields: request, traceIDFields: trace, timeLayout: layout)
                    })
                } else {
                    throw item.error("a format needs regex, json or logfmt")
                }
            }
        }
        return out
    }

    /// A custom format's `json:` or `logfmt:` field names.
    static func fieldsOf(_ item: YAMLValue) throws(ConfigError) -> YAMLValue? {
        if let json = try item.optional("json") { return json }
        return try item.optional("logfmt")
    }

    /// `drift:` with `window`, `interval`, `reference` (`after_deploy`, `day_before`,
    /// `week_before`, or a duration to look back), `baseline` (an exposition file; relative to
    /// the config), `minimum_count` and `histograms` (name fragments that mark a watched
    /// histogram).
    static func driftConfig(_ node: YAMLValue, file: String) throws(ConfigError) -> DriftConfig {
        try node.expectKeys(["window", "interval", "reference", "baseline", "minimum_count", "histograms"])
        var out = DriftConfig()
        if let v = try node.optional("window") { out.window = try duration(v) }
        if let v = try node.optional("interval") { out.interval = try duration(v) }
        if let v = try node.optional("reference") {
            let text = try v.string()
            switch text {
            case "after_deploy": out.reference = .afterDeploy
            case "day_before": out.reference = .offset(.minutes(24 * 60))
            case "week_before": out.reference = .offset(.minutes(7 * 24 * 60))
            default:
                guard let d = parseDuration(text), d.value > 0 else {
                    throw v.error("'\(text)' is not a reference: after_deploy, day_before, week_before or a duration like 1d")
                }
                out.reference = .offset(d)
            }
        }
        if let v = try node.optional("baseline") {
            if try node.optional("reference") != nil { throw v.error("give either reference or baseline, not both") }
            let path = try v.string()
            let base = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
            out.baselineFile = path.hasPrefix("/") ? path : base + "/" + path
        }
        if let v = try node.optional("minimum_count") {
            let n = try v.int()
            guard n >= 1 else { throw v.error("minimum_count must be at least 1") }
            out.minimumCount = Double(n)
        }
        if let v = try node.optional("histograms") {
            let patterns = try v.sequence().map { item throws(ConfigError) in try item.string() }
            guard !patterns.isEmpty, !patterns.contains(where: \.isEmpty) else { throw v.error("histograms needs non-empty name fragments") }
            out.metricPatterns = patterns
        }
        return out
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

// MARK: model_metrics

extension AppConfig {
    /// The keys of one `model_metrics:` entry (see `docs/config.md`).
    static let modelMetricsKeys: Set<String> = [
        "name", "match", "model_label", "version_label", "requests", "errors", "error_reason_label", "error_label",
        "error_values", "latency_histogram", "latency_summary", "latency_sum", "latency_count", "latency_unit",
        "queue_depth", "in_flight", "gpu_utilization", "gpu_utilization_unit", "gpu_memory_used_bytes",
        "gpu_memory_total_bytes", "kv_cache_usage",
    ]

    /// `model_metrics:`: a list of mappings from another exporter's metric names onto the model
    /// signals. Every metric and label name is checked for Prometheus syntax, and combinations
    /// that cannot be read (an error label without values, a latency sum without a divisor) are
    /// errors at the key that is wrong.
    public static func modelMetrics(_ node: YAMLValue) throws(ConfigError) -> [MetricMapping] {
        var mappings: [MetricMapping] = []
        var names = Set<String>()
        for item in try node.sequence() {
            try item.expectKeys(modelMetricsKeys)
            func metric(_ key: String) throws(ConfigError) -> String? {
                guard let value = try item.optional(key) else { return nil }
                let text = try value.string()
                guard isMetricName(text) else {
                    throw value.error("'\(text)' is not a metric name (letters, digits, _ and :, not starting with a digit; no labels or braces)")
                }
                return text
            }
            func label(_ key: String) throws(ConfigError) -> String? {
                guard let value = try item.optional(key) else { return nil }
                let text = try value.string()
                guard isLabelName(text) else { throw value.error("'\(text)' is not a label name") }
                return text
            }
            var mapping = MetricMapping(name: "")
            mapping.modelLabel = try label("model_label")
            mapping.versionLabel = try label("version_label")
            mapping.requests = try metric("requests")
            mapping.errors = try metric("errors")
            mapping.errorReasonLabel = try label("error_reason_label")
            mapping.errorLabel = try label("error_label")
            mapping.latencyHistogram = try metric("latency_histogram")
            mapping.latencySummary = try metric("latency_summary")
            mapping.latencySum = try metric("latency_sum")
            mapping.latencyCount = try metric("latency_count")
            mapping.queueDepth = try metric("queue_depth")
            mapping.inFlight = try metric("in_flight")
            mapping.gpuUtilization = try metric("gpu_utilization")
            mapping.gpuMemoryUsedBytes = try metric("gpu_memory_used_bytes")
            mapping.gpuMemoryTotalBytes = try metric("gpu_memory_total_bytes")
            mapping.kvCacheUsage = try metric("kv_cache_usage")
            if let match = try item.optional("match") {
                for (key, value) in try match.mapping() {
                    guard isLabelName(key.text) else { throw key.error("'\(key.text)' is not a label name") }
                    mapping.match[key.text] = try value.string()
                }
            }
            if let values = try item.optional("error_values") {
                if case .sequence = values.kind {
                    for v in try values.sequence() { mapping.errorValues.append(try v.string()) }
                } else {
                    mapping.errorValues = [try values.string()]
                }
                if mapping.errorValues.isEmpty { throw values.error("give at least one value, like 5xx or 503") }
            }
            if let unit = try item.optional("latency_unit") {
                let text = try unit.string()
                guard let parsed = LatencyUnit(text: text) else { throw unit.error("'\(text)' is not a time unit (s, ms, us, ns)") }
                mapping.latencyUnit = parsed
            }
            if let unit = try item.optional("gpu_utilization_unit") {
                let text = try unit.string()
                guard let parsed = UtilizationUnit(rawValue: text.lowercased()) else {
                    throw unit.error("'\(text)' is not a utilization unit (ratio for 0-1, percent for 0-100)")
                }
                mapping.gpuUtilizationUnit = parsed
            }
            // Combinations that would read nothing, or read it two ways.
            if mapping.requests == nil && mapping.latencyHistogram == nil && mapping.latencySummary == nil && mapping.latencyCount == nil {
                throw item.error("name at least requests, latency_histogram, latency_summary or latency_count: the models are found by it")
            }
            if let errors = try item.optional("errors"), mapping.errorLabel != nil {
                throw errors.error("use either errors (a counter of failures) or error_label with error_values, not both")
            }
            if mapping.errorLabel != nil && mapping.errorValues.isEmpty {
                throw try item.required("error_label").error("error_label needs error_values (like [5xx])")
            }
            if !mapping.errorValues.isEmpty && mapping.errorLabel == nil {
                throw try item.required("error_values").error("error_values needs error_label, the label they are values of")
            }
            if mapping.errorLabel != nil && mapping.requests == nil {
                throw try item.required("error_label").error("error_label picks failed requests out of requests, which is missing")
            }
            if let count = try item.optional("latency_count"), mapping.latencySum == nil {
                throw count.error("latency_count divides latency_sum, which is missing")
            }
            if mapping.latencySum != nil && mapping.latencyCount == nil && mapping.requests == nil {
                throw try item.required("latency_sum").error("latency_sum needs latency_count or requests to divide by")
            }
            let nameNode = try item.optional("name")
            let name = try nameNode?.string() ?? mapping.requests ?? mapping.latencyHistogram ?? mapping.latencySummary ?? mapping.latencyCount ?? ""
            guard names.insert(name).inserted else {
                throw (nameNode ?? item).error("duplicate model_metrics name '\(name)'")
            }
            mapping.name = name
            mappings.append(mapping)
        }
        return mappings
    }

    /// Prometheus's metric name syntax: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isMetricName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        func allowed(_ u: Unicode.Scalar) -> Bool { u.isASCII && (u.properties.isAlphabetic || u == "_" || u == ":") }
        return allowed(first) && text.unicodeScalars.allSatisfy { allowed($0) || ("0"..."9").contains($0) }
    }

    /// Prometheus's label name syntax: `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isLabelName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        func allowed(_ u: Unicode.Scalar) -> Bool { u.isASCII && (u.properties.isAlphabetic || u == "_") }
        return allowed(first) && text.unicodeScalars.allSatisfy { allowed($0) || ("0"..."9").contains($0) }
    }
}

/// The `drift:` section as written; the baseline file is read at launch.
public struct DriftConfig: Hashable, Sendable {
    public var window: Milliseconds = .minutes(10)
    public var interval: Milliseconds = .seconds(30)
    public var reference: DriftSettings.Reference = .afterDeploy
    public var baselineFile: String?
    public var minimumCount: Double = DriftSettings().minimumCount
    public var metricPatterns: [String] = DriftSettings().metricPatterns

    public init() {}

    /// The settings, given the baseline (parsed by the caller from `baselineFile`).
    public func settings(baseline: DriftBaseline?) -> DriftSettings {
        var s = DriftSettings()
        s.window = window; s.interval = interval; s.minimumCount = minimumCount; s.metricPatterns = metricPatterns
        s.reference = baseline.map { .baseline($0) } ?? reference
        return s
    }
}

/// The `logs:` section as written.
public struct LogsConfig: Hashable, Sendable {
    public var files: [String] = []
    /// Start this many lines back in files that exist at start (0: at their end).
    public var lines = 0
    /// Entries kept in memory; older ones are dropped from memory (and counted), never skipped.
    public var buffer = 5_000
    public var formats: [CustomLogFormat] = []

    public init() {}
}
