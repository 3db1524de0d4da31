import Telemetry

/// The YAML config file, as documented in `docs/config.md`:
///
/// ```yaml
/// theme: dark
/// scrape:
///   interval: 15s
///   timeout: 10s
/// targets:
///   - name: triton
///     url: http://127.0.0.1:8002/metrics
///     interval: 5s
///   - name: saved
///     url: file:///var/tmp/metrics.prom
/// ```
public struct AppConfig: Hashable, Sendable {
    public var theme: String?
    public var targets: [ScrapeTarget]
    public var retention: Milliseconds

    public init(theme: String? = nil, targets: [ScrapeTarget] = [], retention: Milliseconds = .minutes(60)) {
        self.theme = theme; self.targets = targets; self.retention = retention
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> AppConfig {
        let root = try YAMLDocument.parse(text, file: file)
        try root.expectKeys(["theme", "scrape", "targets", "retention"])
        var config = AppConfig()
        config.theme = try root.optional("theme")?.string()
        if let r = try root.optional("retention") { config.retention = try duration(r) }
        var defaultInterval = Milliseconds.seconds(15), defaultTimeout = Milliseconds.seconds(10)
        if let scrape = try root.optional("scrape") {
            try scrape.expectKeys(["interval", "timeout"])
            if let v = try scrape.optional("interval") { defaultInterval = try duration(v) }
            if let v = try scrape.optional("timeout") { defaultTimeout = try duration(v) }
        }
        let targetsNode = try root.required("targets")
        let items = try targetsNode.sequence()
        if items.isEmpty { throw targetsNode.error("at least one target is needed") }
        var names = Set<String>()
        for item in items {
            try item.expectKeys(["name", "url", "interval", "timeout"])
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
            config.targets.append(ScrapeTarget(name: name, url: url, interval: interval, timeout: timeout))
        }
        return config
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
