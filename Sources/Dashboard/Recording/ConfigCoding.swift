import Incidents
import Logs
import Models
import Telemetry

/// `AppConfig` field by field, for `configReloaded` records: the parsed config, not its
/// text, because the message carries only the parsed value and must come back equal. Target
/// URLs pass through `SecretScrubber.url` (a password in a URL's user info or a token in its
/// query is the one way a secret could be in a parsed config: credentials themselves are
/// only ever named by file or variable), so a URL with one comes back with `<redacted>` in
/// its place, the one difference from the message recorded.
///
/// A test (`RecordingCodecTests`) counts the stored properties of every type here, so a field
/// added to one of them fails it until it is coded here too.
enum ConfigCoding {
    static func encode(_ c: AppConfig, into out: inout ByteSink) {
        out.optionalString(c.theme)
        out.count(c.targets.count)
        for t in c.targets {
            out.string(t.name)
            out.string(SecretScrubber.url(t.url).text)
            out.varint(t.interval.value)
            out.varint(t.timeout.value)
            switch t.auth {
            case nil: out.byte(0)
            case .bearer(let source)?: out.byte(1); secret(source, &out)
            case .basic(let user, let source)?: out.byte(2); out.string(user); secret(source, &out)
            }
        }
        out.varint(c.retention.value)
        if let b = c.memoryBudget { out.byte(1); out.int(b) } else { out.byte(0) }
        out.strings(c.ruleFiles)
        out.strings(c.logRuleFiles)
        out.count(c.modelMetrics.count)
        for m in c.modelMetrics { mapping(m, &out) }
        drift(c.drift, &out)
        out.strings(c.logs.files)
        out.int(c.logs.lines)
        out.int(c.logs.buffer)
        out.count(c.logs.formats.count)
        for f in c.logs.formats { format(f, &out) }
        out.optionalString(c.runbooks)
        out.optionalString(c.auditLog)
        out.string(c.commands.rawValue)
    }

    static func decode(from input: inout ByteSource) throws(RecordingDecodeError) -> AppConfig {
        var c = AppConfig()
        c.theme = try input.optionalString()
        let n = try input.count(minimumSize: 5)
        c.targets = []
        for _ in 0..<n {
            let name = try input.string(), url = try input.string()
            let interval = Milliseconds(try input.varint()), timeout = Milliseconds(try input.varint())
            let auth: ScrapeAuth?
            switch try input.byte() {
            case 0: auth = nil
            case 1: auth = .bearer(try secret(&input))
            case 2: auth = .basic(username: try input.string(), password: try secret(&input))
            case let b: throw RecordingDecodeError("target auth kind \(b) (0...2)")
            }
            c.targets.append(ScrapeTarget(name: name, url: url, interval: interval, timeout: timeout, auth: auth))
        }
        c.retention = Milliseconds(try input.varint())
        c.memoryBudget = try input.bool() ? try input.int() : nil
        c.ruleFiles = try input.strings()
        c.logRuleFiles = try input.strings()
        let mappings = try input.count(minimumSize: 20)
        c.modelMetrics = []
        for _ in 0..<mappings { c.modelMetrics.append(try mapping(&input)) }
        c.drift = try drift(&input)
        c.logs.files = try input.strings()
        c.logs.lines = try input.int()
        c.logs.buffer = try input.int()
        let formats = try input.count(minimumSize: 10)
        c.logs.formats = []
        for _ in 0..<formats { c.logs.formats.append(try format(&input)) }
        c.runbooks = try input.optionalString()
        c.auditLog = try input.optionalString()
        let word = try input.string()
        guard let commands = AppConfig.CommandsSetting(rawValue: word) else { throw RecordingDecodeError("commands setting '\(word)'") }
        c.commands = commands
        return c
    }

    // MARK: Parts

    private static func secret(_ s: SecretSource, _ out: inout ByteSink) {
        switch s {
        case .file(let path): out.byte(0); out.string(path)
        case .environment(let name): out.byte(1); out.string(name)
        }
    }

    private static func secret(_ input: inout ByteSource) throws(RecordingDecodeError) -> SecretSource {
        switch try input.byte() {
        case 0: return .file(try input.string())
        case 1: return .environment(try input.string())
        case let b: throw RecordingDecodeError("secret source kind \(b) (0 or 1)")
        }
    }

    private static func mapping(_ m: MetricMapping, _ out: inout ByteSink) {
        out.string(m.name)
        let match = m.match.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        out.count(match.count)
        for (k, v) in match { out.string(k); out.string(v) }
        for s in [m.modelLabel, m.versionLabel, m.requests, m.errors, m.errorReasonLabel, m.errorLabel] { out.optionalString(s) }
        out.strings(m.errorValues)
        for s in [m.latencyHistogram, m.latencySummary, m.latencySum, m.latencyCount] { out.optionalString(s) }
        out.string(m.latencyUnit.rawValue)
        for s in [m.queueDepth, m.inFlight, m.gpuUtilization] { out.optionalString(s) }
        out.string(m.gpuUtilizationUnit.rawValue)
        for s in [m.gpuMemoryUsedBytes, m.gpuMemoryTotalBytes, m.kvCacheUsage] { out.optionalString(s) }
    }

    private static func mapping(_ input: inout ByteSource) throws(RecordingDecodeError) -> MetricMapping {
        let name = try input.string()
        let n = try input.count(minimumSize: 2)
        var match: [String: String] = [:]
        for _ in 0..<n { let k = try input.string(); match[k] = try input.string() }
        let modelLabel = try input.optionalString(), versionLabel = try input.optionalString()
        let requests = try input.optionalString(), errors = try input.optionalString()
        let errorReasonLabel = try input.optionalString(), errorLabel = try input.optionalString()
        let errorValues = try input.strings()
        let latencyHistogram = try input.optionalString(), latencySummary = try input.optionalString()
        let latencySum = try input.optionalString(), latencyCount = try input.optionalString()
        let unitText = try input.string()
        guard let latencyUnit = LatencyUnit(rawValue: unitText) else { throw RecordingDecodeError("latency unit '\(unitText)'") }
        let queueDepth = try input.optionalString(), inFlight = try input.optionalString(), gpuUtilization = try input.optionalString()
        let utilText = try input.string()
        guard let gpuUtilizationUnit = UtilizationUnit(rawValue: utilText) else { throw RecordingDecodeError("utilization unit '\(utilText)'") }
        let used = try input.optionalString(), total = try input.optionalString(), kv = try input.optionalString()
        return MetricMapping(name: name, match: match, modelLabel: modelLabel, versionLabel: versionLabel, requests: requests,
                             errors: errors, errorReasonLabel: errorReasonLabel, errorLabel: errorLabel, errorValues: errorValues,
                             latencyHistogram: latencyHistogram, latencySummary: latencySummary, latencySum: latencySum,
                             latencyCount: latencyCount, latencyUnit: latencyUnit, queueDepth: queueDepth, inFlight: inFlight,
                             gpuUtilization: gpuUtilization, gpuUtilizationUnit: gpuUtilizationUnit, gpuMemoryUsedBytes: used,
                             gpuMemoryTotalBytes: total, kvCacheUsage: kv)
    }

    private static func drift(_ d: DriftConfig, _ out: inout ByteSink) {
        out.varint(d.window.value)
        out.varint(d.interval.value)
        switch d.reference {
        case .afterDeploy: out.byte(0)
        case .offset(let ms): out.byte(1); out.varint(ms.value)
        case .baseline(let b):
            out.byte(2)
            out.string(b.name)
            out.count(b.series.count)
            for s in b.series {
                out.string(s.metric)
                out.count(s.labels.count)
                for p in s.labels { out.string(p.name); out.string(p.value) }
                out.count(s.buckets.count)
                for bucket in s.buckets { out.optionalString(bucket.le); out.u64(bucket.count.bitPattern) }
            }
        }
        out.optionalString(d.baselineFile)
        out.u64(d.minimumCount.bitPattern)
        out.strings(d.metricPatterns)
    }

    private static func drift(_ input: inout ByteSource) throws(RecordingDecodeError) -> DriftConfig {
        var d = DriftConfig()
        d.window = Milliseconds(try input.varint())
        d.interval = Milliseconds(try input.varint())
        switch try input.byte() {
        case 0: d.reference = .afterDeploy
        case 1: d.reference = .offset(Milliseconds(try input.varint()))
        case 2:
            let name = try input.string()
            let n = try input.count(minimumSize: 3)
            var series: [HistogramSeries] = []
            for _ in 0..<n {
                let metric = try input.string()
                let labelCount = try input.count(minimumSize: 2)
                var pairs: [(String, String)] = []
                for _ in 0..<labelCount { pairs.append((try input.string(), try input.string())) }
                let bucketCount = try input.count(minimumSize: 9)
                var buckets: [RawBucket] = []
                for _ in 0..<bucketCount { buckets.append(RawBucket(le: try input.optionalString(), count: Double(bitPattern: try input.u64()))) }
                series.append(HistogramSeries(metric: metric, labels: Labels(pairs), buckets: buckets))
            }
            d.reference = .baseline(DriftBaseline(name: name, series: series))
        case let b: throw RecordingDecodeError("drift reference kind \(b) (0...2)")
        }
        d.baselineFile = try input.optionalString()
        d.minimumCount = Double(bitPattern: try input.u64())
        d.metricPatterns = try input.strings()
        return d
    }

    private static func format(_ f: CustomLogFormat, _ out: inout ByteSink) {
        out.string(f.name)
        switch f.kind {
        case .regex(let pattern): out.byte(0); out.string(pattern)
        case .json: out.byte(1)
        case .logfmt: out.byte(2)
        }
        for list in [f.timeFields, f.levelFields, f.messageFields, f.modelFields, f.versionFields, f.requestIDFields, f.traceIDFields] {
            out.strings(list)
        }
        out.optionalString(f.timeLayout)
    }

    private static func format(_ input: inout ByteSource) throws(RecordingDecodeError) -> CustomLogFormat {
        let name = try input.string()
        let kind: CustomLogFormat.Kind
        switch try input.byte() {
        case 0: kind = .regex(try input.string())
        case 1: kind = .json
        case 2: kind = .logfmt
        case let b: throw RecordingDecodeError("log format kind \(b) (0...2)")
        }
        var lists: [[String]] = []
        for _ in 0..<7 { lists.append(try input.strings()) }
        let layout = try input.optionalString()
        do {
            return try CustomLogFormat(name: name, kind: kind, timeFields: lists[0], levelFields: lists[1], messageFields: lists[2],
                                       modelFields: lists[3], versionFields: lists[4], requestIDFields: lists[5],
                                       traceIDFields: lists[6], timeLayout: layout)
        } catch {
            // The writer's config had compiled: the text must have changed on the way.
            throw RecordingDecodeError("log format '\(name)' does not compile: \(error)")
        }
    }
}
