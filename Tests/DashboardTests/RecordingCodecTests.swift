import Dashboard
import Foundation
import Incidents
import Logs
import Models
import Telemetry
import TerminalUI
import Testing
import TestSupport

/// The recording codec (`docs/recording-format.md`): every `Msg` comes back exactly, the demo's
/// scrape stream costs at most 2 bytes a sample, a replay of a recorded demo raises the same
/// alerts at the same times, and no byte string makes the reader trap.
@Suite struct RecordingCodecTests {

    static let header = RecordingHeader(created: Timestamp(milliseconds: 1_795_000_000_000), modelwatchVersion: "test",
                                        start: Fixtures.demoEpoch, mode: "test")

    /// A whole file for `messages`, written by a fresh encoder.
    static func file(_ messages: [Msg], header: RecordingHeader = header) -> [UInt8] {
        var encoder = RecordingEncoder(header: header)
        var bytes = encoder.fileStart()
        for m in messages { bytes += encoder.framed(m) }
        return bytes
    }

    /// The records' bytes for `messages` (the header left out): equal bytes mean equal content
    /// down to every value's bit pattern and every string's UTF-8, which `Msg`'s `==` does not
    /// look at (it takes NaNs as equal, ignores exemplars, and compares strings by canonical
    /// equivalence). The encoder writes every field (a test below counts them), so this is
    /// exact equality.
    static func recordBytes(_ messages: [Msg], header: RecordingHeader = header) -> [UInt8] {
        var encoder = RecordingEncoder(header: header)
        return messages.flatMap { encoder.framed($0) }
    }

    /// Writes and reads back; expects a clean read.
    static func roundTrip(_ messages: [Msg], header: RecordingHeader = header,
                          sourceLocation: SourceLocation = #_sourceLocation) -> [Msg] {
        let contents = RecordingReader.readAll(bytes: file(messages, header: header), file: "test.mwr")
        #expect(contents.problem == nil, "\(contents.problem?.description ?? "")", sourceLocation: sourceLocation)
        return contents.messages
    }

    static func expectExact(_ original: [Msg], _ decoded: [Msg], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(decoded.count == original.count, sourceLocation: sourceLocation)
        for (a, b) in zip(original, decoded) where a != b {
            Issue.record("decoded \(b)\nexpected \(a)", sourceLocation: sourceLocation)
            return
        }
        #expect(recordBytes(decoded) == recordBytes(original), "same Msgs by ==, different bytes", sourceLocation: sourceLocation)
    }

    // MARK: Every message

    /// The case of a message. Exhaustive, with no `default`: a case added to `Msg` stops this
    /// file from compiling until `everyMessage` below has an example of it.
    static func caseName(_ m: Msg) -> String {
        switch m {
        case .started: "started"
        case .resumed: "resumed"
        case .timerFired: "timerFired"
        case .scrapeCompleted: "scrapeCompleted"
        case .logLinesArrived: "logLinesArrived"
        case .logSourceStatus: "logSourceStatus"
        case .commandOutput: "commandOutput"
        case .commandFinished: "commandFinished"
        case .keyPressed: "keyPressed"
        case .mouse: "mouse"
        case .resized: "resized"
        case .configReloaded: "configReloaded"
        case .configReloadFailed: "configReloadFailed"
        }
    }
    static let allCaseNames: Set<String> = ["started", "resumed", "timerFired", "scrapeCompleted", "logLinesArrived", "logSourceStatus",
                                            "commandOutput", "commandFinished", "keyPressed", "mouse", "resized", "configReloaded",
                                            "configReloadFailed"]

    static let t0 = Fixtures.demoEpoch

    /// A config with every field away from its default, the drift baseline and custom log
    /// formats of every kind included.
    static func fullConfig() throws -> AppConfig {
        var c = AppConfig(theme: "dark", targets: [
            ScrapeTarget(name: "a", url: "http://127.0.0.1:8002/metrics", interval: .seconds(5), timeout: .seconds(2)),
            ScrapeTarget(name: "b", url: "https://h:8443/m", auth: .bearer(.file("/run/secrets/t"))),
            ScrapeTarget(name: "c", url: "http://10.0.0.7:9100/metrics", auth: .basic(username: "ops", password: .environment("PW"))),
            ScrapeTarget(name: "d", url: "file:///var/tmp/x.prom"),
        ], retention: .minutes(90), memoryBudget: 123_456)
        c.ruleFiles = ["/etc/r1.yaml", "r2.yaml"]
        c.logRuleFiles = ["lr.yaml"]
        c.modelMetrics = [
            MetricMapping(name: "fraud", match: ["job": "fraud-api", "env": "prod"], modelLabel: "model", versionLabel: "v",
                          requests: "req_total", errors: "err_total", errorReasonLabel: "reason", latencyHistogram: "lat_ms",
                          latencyUnit: .milliseconds, queueDepth: "q", inFlight: "inflight", gpuUtilization: "gpu",
                          gpuUtilizationUnit: .percent, gpuMemoryUsedBytes: "used", gpuMemoryTotalBytes: "total", kvCacheUsage: "kv"),
            MetricMapping(name: "other", requests: "r_total", errorLabel: "code", errorValues: ["5xx", "429"], latencySum: "s",
                          latencyCount: "c", latencyUnit: .nanoseconds),
        ]
        c.drift.window = .minutes(20)
        c.drift.interval = .seconds(45)
        c.drift.reference = .baseline(DriftBaseline(name: "base.prom", series: [
            HistogramSeries(metric: "score", labels: Labels(["model": "m"]), buckets: [RawBucket(le: "0.5", count: 3), RawBucket(le: nil, count: .infinity)]),
        ]))
        c.drift.baselineFile = "/tmp/base.prom"
        c.drift.minimumCount = 12.5
        c.drift.metricPatterns = ["feature", "score"]
        c.logs.files = ["/var/log/a.log", "/var/log/*.log"]
        c.logs.lines = 10
        c.logs.buffer = 777
        c.logs.formats = [
            try CustomLogFormat(name: "re", regex: #"(?<time>\S+) (?<level>\w+) (?<message>.*)"#, timeLayout: "%Y-%m-%dT%H:%M:%S"),
            try CustomLogFormat(name: "j", kind: .json, timeFields: ["ts"], levelFields: ["lvl"], messageFields: ["msg"], modelFields: ["m"],
                                versionFields: ["v"], requestIDFields: ["rid"], traceIDFields: ["tid"]),
            try CustomLogFormat(name: "l", kind: .logfmt, messageFields: ["message"]),
        ]
        c.runbooks = "/srv/runbooks"
        c.auditLog = "/var/log/audit.jsonl"
        c.commands = .dryRun
        return c
    }

    /// A scrape with every metric type, help and unit present and absent, label values with
    /// quotes, newlines, NUL and non-ASCII, explicit timestamps, exemplars, and values of every
    /// awkward kind.
    static func richScrape(at t: Timestamp, target: String = "triton-a", bump: Double = 0) -> ScrapeResult {
        let nanPayload = Double(bitPattern: 0x7ff8_0000_dead_beef)
        let families = [
            MetricFamily(name: "req_total", type: .counter, help: "Requests.", samples: [
                Sample(name: "req_total", labels: Labels(["model": "fraud", "code": "200"]), value: 1234 + bump),
                Sample(name: "req_total", labels: Labels(["model": "fraud", "code": "500"]), value: 7 + bump,
                       exemplar: Exemplar(labels: Labels(["trace_id": "abc"]), value: 0.25, timestamp: Timestamp(milliseconds: 1_700_000_000_123))),
            ]),
            MetricFamily(name: "temp", type: .gauge, help: "With \"quotes\"\nand a newline \\ back", unit: "celsius", samples: [
                Sample(name: "temp", labels: Labels(["where": "中文 ☃︎ é e\u{301}", "nul": "a\u{0}b", "esc": "\u{1B}[31m"]), value: 21.5 + bump / 3),
                Sample(name: "temp", labels: Labels(["where": ""]), value: -0.0),
            ]),
            MetricFamily(name: "lat", type: .histogram, samples: [
                Sample(name: "lat_bucket", labels: Labels(["le": "0.1"]), value: 3),
                Sample(name: "lat_bucket", labels: Labels(["le": "+Inf"]), value: 5 + bump,
                       exemplar: Exemplar(labels: Labels(), value: .nan, timestamp: nil)),
                Sample(name: "lat_sum", value: 0.123456789 + bump),
                Sample(name: "lat_count", value: 5 + bump),
                Sample(name: "lat_created", value: 1_700_000_000.5),
            ]),
            MetricFamily(name: "rpc", type: .summary, samples: [
                Sample(name: "rpc", labels: Labels(["quantile": "0.99"]), value: nanPayload),
                Sample(name: "rpc_sum", value: .infinity), Sample(name: "rpc_count", value: -.infinity),
            ]),
            MetricFamily(name: "misc", type: .untyped, samples: [
                Sample(name: "misc", value: SeriesStore.staleMarker, timestamp: Timestamp(milliseconds: t.milliseconds - 5)),
                Sample(name: "misc", labels: Labels(["x": "1"]), value: Double.leastNonzeroMagnitude, timestamp: Timestamp(milliseconds: -1)),
                Sample(name: "misc", labels: Labels(["x": "2"]), value: 9_007_199_254_740_993),
            ]),
            MetricFamily(name: "build", type: .info, samples: [Sample(name: "build_info", labels: Labels(["version": "1.2"]), value: 1)]),
            MetricFamily(name: "state", type: .stateset, samples: [Sample(name: "state", labels: Labels(["state": "a"]), value: 0)]),
            MetricFamily(name: "gh", type: .gaugehistogram, samples: [Sample(name: "gh_gcount", value: 2)]),
            MetricFamily(name: "unk", type: .unknown, unit: "bytes", samples: []),
        ]
        return ScrapeResult(target: target, startedAt: t, duration: Milliseconds(37), outcome: .success(families), bodyBytes: 4096)
    }

    static func everyMessage() throws -> [Msg] {
        var out: [Msg] = [
            .started(at: t0),
            .resized(Size(width: 120, height: 40)),
            .timerFired(.tick, at: t0 + .seconds(1)),
            .timerFired(.scrapeDue(target: "triton-a", generation: 3), at: t0 + .seconds(1)),
            .timerFired(.collectLogs, at: t0 + .seconds(1)),
            .timerFired(.evaluateRules(group: 2), at: t0 + .seconds(1)),
            .timerFired(.evaluateDrift, at: t0 + .seconds(1)),
            .scrapeCompleted(richScrape(at: t0 + .seconds(2))),
            .scrapeCompleted(richScrape(at: t0 + .seconds(7), bump: 3)),
            .logLinesArrived(source: "triton-a.log", lines: ["plain", "", "nul\u{0}inside", "bad \u{FFFD} bytes", "esc \u{1B}]0;x\u{7}",
                                                              "tab\there", "中文 🧪 e\u{301}", String(repeating: "x", count: 70_000)],
                             at: t0 + .seconds(3), cut: [7]),
            .logLinesArrived(source: "triton-a.log", lines: ["again"], at: t0 + .seconds(3)),
            .logSourceStatus(path: "/var/log/x.log", status: "waiting for it to appear", at: t0 + .seconds(4)),
            .commandOutput(runID: "r1", lines: ["out", "err\u{1B}[2J"], at: t0 + .seconds(5)),
            .commandFinished(runID: "r1", ending: .exited(0), duration: .milliseconds(1234), auditProblem: nil, at: t0 + .seconds(6)),
            .commandFinished(runID: "r2", ending: .exited(-3), duration: .zero, auditProblem: "disk full", at: t0 + .seconds(6)),
            .commandFinished(runID: "r3", ending: .signaled(9), duration: .seconds(125), auditProblem: nil, at: t0 + .seconds(6)),
            .commandFinished(runID: "r4", ending: .timedOut, duration: Duration(secondsComponent: 3, attosecondsComponent: 7), auditProblem: nil, at: t0),
            .commandFinished(runID: "r5", ending: .cancelled, duration: .nanoseconds(-5), auditProblem: nil, at: t0),
            .commandFinished(runID: "r6", ending: .failedToStart("no /bin/sh"), duration: .zero, auditProblem: nil, at: t0),
            .commandFinished(runID: "r7", ending: .statusUnknown("reaped"), duration: .zero, auditProblem: nil, at: t0),
            .mouse(MouseEvent(kind: .press, x: 3, y: 4)), .mouse(MouseEvent(kind: .release, x: 0, y: 0)),
            .mouse(MouseEvent(kind: .scrollUp, x: -1, y: 1000)), .mouse(MouseEvent(kind: .scrollDown, x: Int.max, y: Int.min)),
            .configReloaded(try fullConfig(), at: t0 + .seconds(8)),
            .configReloaded(AppConfig(), at: t0 + .seconds(8)),
            .configReloadFailed("modelwatch.yaml:3:5: 'x' is not a duration", at: t0 + .seconds(9)),
            .resumed(at: t0 + .seconds(10)),
            .scrapeCompleted(ScrapeResult(target: "b", startedAt: t0, duration: Milliseconds(10_000), outcome: .failure(.timeout(Milliseconds(10_000))))),
            .scrapeCompleted(ScrapeResult(target: "b", startedAt: t0, duration: Milliseconds(1), outcome: .failure(.http(status: 503)), bodyBytes: 12)),
            .scrapeCompleted(ScrapeResult(target: "b", startedAt: t0, duration: Milliseconds(1), outcome: .failure(.transport("connection refused")))),
            .scrapeCompleted(ScrapeResult(target: "b", startedAt: t0, duration: Milliseconds(1),
                                          outcome: .failure(.parse(ExpositionError(line: 3, column: 7, message: "bad \u{0} value"))))),
            .scrapeCompleted(ScrapeResult(target: "b", startedAt: t0, duration: Milliseconds(1), outcome: .failure(.tooLarge(limit: 64 << 20)))),
            .scrapeCompleted(ScrapeResult(target: "empty", startedAt: t0, duration: Milliseconds(0), outcome: .success([]))),
        ]
        let keys: [Key] = [.character("q"), .character(" "), .character("é"), .character("e\u{301}"), .character("👩‍👩‍👧"),
                           .character("\u{0}"), .enter, .escape, .tab, .backTab, .backspace, .delete, .up, .down, .left, .right,
                           .home, .end, .pageUp, .pageDown, .function(1), .function(12), .ctrl("c")]
        out += keys.map { .keyPressed($0) }
        return out
    }

    @Test func everyMessageCaseRoundTripsExactly() throws {
        let messages = try Self.everyMessage()
        #expect(Set(messages.map(Self.caseName)) == Self.allCaseNames, "every Msg case has an example")
        let decoded = Self.roundTrip(messages)
        Self.expectExact(messages, decoded)
        // Spot checks of what `==` does not see.
        guard case .scrapeCompleted(let r)? = decoded.first(where: { if case .scrapeCompleted = $0 { true } else { false } }),
              case .success(let families) = r.outcome else { Issue.record("no scrape"); return }
        #expect(families[3].samples[0].value.bitPattern == 0x7ff8_0000_dead_beef)
        #expect(families[4].samples[0].value.bitPattern == 0x7ff0_0000_0000_0002)
        #expect(families[1].samples[1].value.bitPattern == (-0.0).bitPattern)
        #expect(families[0].samples[1].exemplar == Exemplar(labels: Labels(["trace_id": "abc"]), value: 0.25,
                                                            timestamp: Timestamp(milliseconds: 1_700_000_000_123)))
        #expect(families[2].samples[1].exemplar?.value.isNaN == true)
        #expect(families[1].samples[0].labels["where"]?.utf8.elementsEqual("中文 ☃︎ é e\u{301}".utf8) == true)
    }

    @Test func eachMessageAloneRoundTrips() throws {
        // Alone, a message meets fresh dictionaries: every name and series is defined in it.
        for m in try Self.everyMessage() { Self.expectExact([m], Self.roundTrip([m])) }
    }

    @Test func messagesWithoutATimeTakeThePreviousRecordsTime() throws {
        let msgs: [Msg] = [.started(at: Self.t0 + .seconds(5)), .keyPressed(.enter), .resized(Size(width: 80, height: 24)),
                           .timerFired(.tick, at: Self.t0 + .seconds(6)), .mouse(MouseEvent(kind: .press, x: 1, y: 1))]
        let contents = RecordingReader.readAll(bytes: Self.file(msgs), file: "t")
        #expect(contents.entries.map(\.time.milliseconds) == [5, 5, 5, 6, 6].map { Self.t0.milliseconds + $0 * 1000 })
        // An explicit time is recorded as given, and the message's own time is kept.
        var encoder = RecordingEncoder(header: Self.header)
        var bytes = encoder.fileStart()
        bytes += encoder.framed(.keyPressed(.tab), at: Self.t0 + .seconds(60))
        bytes += encoder.framed(.started(at: Self.t0), at: Self.t0 + .seconds(61))
        let c2 = RecordingReader.readAll(bytes: bytes, file: "t")
        #expect(c2.entries.map(\.time) == [Self.t0 + .seconds(60), Self.t0 + .seconds(61)])
        #expect(c2.messages == [.keyPressed(.tab), .started(at: Self.t0)])
    }

    /// Every stored property of the types the codec writes field by field: a new one fails
    /// this until `ConfigCoding` / the scrape coding write it too.
    @Test func theCodecKnowsEveryField() throws {
        func fields(_ v: Any) -> [String] { Mirror(reflecting: v).children.compactMap(\.label) }
        #expect(fields(AppConfig()) == ["theme", "targets", "retention", "memoryBudget", "ruleFiles", "logRuleFiles", "modelMetrics",
                                        "drift", "logs", "runbooks", "auditLog", "commands"])
        #expect(fields(ScrapeTarget(name: "a", url: "b")) == ["name", "url", "interval", "timeout", "auth"])
        #expect(fields(MetricMapping(name: "m")).count == 21)
        #expect(fields(DriftConfig()) == ["window", "interval", "reference", "baselineFile", "minimumCount", "metricPatterns"])
        #expect(fields(LogsConfig()) == ["files", "lines", "buffer", "formats"])
        #expect(fields(try CustomLogFormat(name: "x", kind: .json)) == ["name", "kind", "timeFields", "levelFields", "messageFields",
                                                                         "modelFields", "versionFields", "requestIDFields",
                                                                         "traceIDFields", "timeLayout", "compiled"])
        #expect(fields(DriftBaseline(name: "b", series: [])) == ["name", "series"])
        #expect(fields(HistogramSeries(metric: "m", labels: Labels(), buckets: [])) == ["metric", "labels", "buckets"])
        #expect(fields(RawBucket(le: nil, count: 0)) == ["le", "count"])
        #expect(fields(ScrapeResult(target: "t", startedAt: Self.t0, duration: Milliseconds(0), outcome: .success([])))
                == ["target", "startedAt", "duration", "outcome", "bodyBytes"])
        #expect(fields(MetricFamily(name: "f")) == ["name", "type", "help", "unit", "samples"])
        #expect(fields(Sample(name: "s", value: 0)) == ["name", "labels", "value", "timestamp", "exemplar"])
        #expect(fields(Exemplar(value: 0)) == ["labels", "value", "timestamp"])
        #expect(fields(ExpositionError(line: 1, column: 1, message: "")) == ["line", "column", "message"])
        #expect(fields(MouseEvent(kind: .press, x: 0, y: 0)) == ["kind", "x", "y"])
        #expect(fields(Size(width: 0, height: 0)) == ["width", "height"])
    }

    @Test func aPasswordOrTokenInATargetURLIsRedacted() {
        var c = AppConfig(targets: [ScrapeTarget(name: "a", url: "https://ops:hunter2@h:8443/metrics?module=x&access_token=abc123"),
                                    ScrapeTarget(name: "b", url: "http://TOKENVALUE@h/metrics")])
        c.theme = "dark"
        let decoded = Self.roundTrip([.configReloaded(c, at: Self.t0)])
        guard case .configReloaded(let back, _)? = decoded.first else { Issue.record("no config"); return }
        #expect(back.targets.map(\.url) == ["https://ops:<redacted>@h:8443/metrics?module=x&access_token=<redacted>",
                                            "http://<redacted>@h/metrics"])
        #expect(!Self.file([.configReloaded(c, at: Self.t0)]).containsBytes(of: "hunter2"))
        #expect(!Self.file([.configReloaded(c, at: Self.t0)]).containsBytes(of: "abc123"))
    }

    @Test func theHeaderRoundTripsWithSecretsScrubbed() throws {
        let config = """
        targets:
          - url: https://ops:hunter2@models:8443/metrics
            authorization: { credentials_file: /run/secrets/token }
          - url: http://h/metrics?api_key=abcdef
        # token: s3cr3t-in-a-comment
        """
        let h = RecordingHeader(created: Timestamp(milliseconds: 1), modelwatchVersion: "9.9", start: Timestamp(milliseconds: -5),
                                mode: "live", config: .init(name: "modelwatch.yaml", text: config),
                                ruleFiles: [.init(name: "r.yaml", text: "groups: []\n")], logRuleFiles: [.init(name: "l.yaml", text: "x")],
                                attributes: [.init("seed", "42"), .init("k", "v\u{0}")], keyframeInterval: .seconds(30),
                                fullKeyframeInterval: .minutes(7))
        let bytes = Self.file([], header: h)
        let reader = try RecordingReader(bytes: bytes, file: "h.mwr")
        #expect(reader.header.config?.text == """
        targets:
          - url: https://ops:<redacted>@models:8443/metrics
            authorization: { credentials_file: /run/secrets/token }
          - url: http://h/metrics?api_key=<redacted>
        # token: <redacted>
        """)
        #expect(reader.header.redactions == 3)
        var expected = h
        expected.config = reader.header.config
        expected.redactions = 3
        #expect(reader.header == expected)
        #expect(reader.header[attribute: "seed"] == "42")
        for secret in ["hunter2", "abcdef", "s3cr3t"] { #expect(!bytes.containsBytes(of: secret)) }
    }

    @Test func theSampleConfigsAndRulesLoseNothingToTheScrubber() throws {
        // The scrubber's rules are heuristics: they must not mangle the files people really use.
        let root = Fixtures.repositoryRoot
        var paths = ["sample-data/rules/model-health.yaml", "sample-data/rules/log-rules.yaml"]
        for dir in ["sample-data/rules", "sample-data", "examples"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)) ?? []
            paths += names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { "\(dir)/\($0)" }
        }
        #expect(paths.count >= 2)
        for path in Set(paths) {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            let scrubbed = SecretScrubber.text(text)
            #expect(scrubbed.redactions == 0 && scrubbed.text == text, "\(path) changed by the scrubber")
        }
    }

    // MARK: Randomized scrapes

    /// Scrapes of several targets whose series come and go, whose metadata changes, with values
    /// of every kind, explicit timestamps and exemplars now and then; a seeded generator, so
    /// a failure reproduces.
    static func randomScrapes(seed: UInt64, count: Int) -> [Msg] {
        var rng = SplitMix(seed)
        let types: [MetricType] = [.counter, .gauge, .histogram, .summary, .untyped, .info, .stateset, .gaugehistogram, .unknown]
        let strings = ["", "a", "x\"y", "new\nline", "back\\slash", "nul\u{0}", "中文", "e\u{301}", "é", "🧪", "\u{1B}[31m", "{}=,"]
        func randomString() -> String { rng.next() % 3 == 0 ? strings[Int(rng.next() % UInt64(strings.count))] : "v\(rng.next() % 50)" }
        func randomValue(_ previous: Double?) -> Double {
            switch rng.next() % 12 {
            case 0: return Double(bitPattern: rng.next())   // any bit pattern: NaN payloads, subnormals
            case 1: return [Double.nan, .infinity, -.infinity, -0.0, 0, SeriesStore.staleMarker, .greatestFiniteMagnitude,
                            .leastNonzeroMagnitude, 9_007_199_254_740_992, -9_007_199_254_740_993][Int(rng.next() % 10)]
            case 2, 3: return Double(Int64(bitPattern: rng.next()) % 1_000_000)
            case 4: return Double(rng.next() % 1000) / 100
            case 5, 6, 7: return (previous.map { $0.isFinite ? $0 : 0 } ?? 0) + Double(rng.next() % 100)   // a counter
            case 8: return previous ?? 1
            default: return (previous ?? 0) + Double(rng.next() % 1000) / 7
            }
        }
        struct Series { var name: String; var labels: Labels; var value: Double }
        var targets: [[(name: String, type: MetricType, help: String?, unit: String?, series: [Series])]] = Array(repeating: [], count: 3)
        var out: [Msg] = []
        var now = Fixtures.demoEpoch
        for _ in 0..<count {
            now = now + Milliseconds(Int64(rng.next() % 3000))
            let ti = Int(rng.next() % 3)
            var fams = targets[ti]
            // Shape changes, now and then.
            if fams.isEmpty || rng.next() % 8 == 0 {
                let n = Int(rng.next() % 4)
                for k in 0..<n {
                    let name = "f\(rng.next() % 20)"
                    var series: [Series] = []
                    for j in 0..<Int(rng.next() % 6) {
                        var pairs: [(String, String)] = []
                        for l in 0..<Int(rng.next() % 4) { pairs.append(("l\(l)", randomString())) }
                        series.append(Series(name: name + ["", "_total", "_bucket", "_sum"][j % 4], labels: Labels(pairs), value: randomValue(nil)))
                    }
                    fams.insert((name, types[Int(rng.next() % UInt64(types.count))], rng.next() % 2 == 0 ? randomString() : nil,
                                 rng.next() % 4 == 0 ? "bytes" : nil, series), at: min(k, fams.count))
                }
            }
            if !fams.isEmpty && rng.next() % 10 == 0 { fams.remove(at: Int(rng.next() % UInt64(fams.count))) }
            if !fams.isEmpty && rng.next() % 10 == 0 { fams[Int(rng.next() % UInt64(fams.count))].help = randomString() }
            if !fams.isEmpty && rng.next() % 10 == 0 {
                let i = Int(rng.next() % UInt64(fams.count))
                if !fams[i].series.isEmpty { fams[i].series.removeLast() }
            }
            for i in fams.indices { for j in fams[i].series.indices { fams[i].series[j].value = randomValue(fams[i].series[j].value) } }
            targets[ti] = fams
            let families = fams.map { f in
                MetricFamily(name: f.name, type: f.type, help: f.help, unit: f.unit, samples: f.series.map { s in
                    var sample = Sample(name: s.name, labels: s.labels, value: s.value)
                    if rng.next() % 9 == 0 { sample.timestamp = Timestamp(milliseconds: Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)) }
                    if rng.next() % 11 == 0 {
                        sample.exemplar = Exemplar(labels: Labels(["trace_id": randomString()]), value: randomValue(nil),
                                                   timestamp: rng.next() % 2 == 0 ? now : nil)
                    }
                    return sample
                })
            }
            let outcome: ScrapeResult.Outcome = rng.next() % 15 == 0 ? .failure(.http(status: 500)) : .success(families)
            out.append(.scrapeCompleted(ScrapeResult(target: "t\(ti)", startedAt: now, duration: Milliseconds(Int64(rng.next() % 500)),
                                                     outcome: outcome, bodyBytes: Int(rng.next() % 100_000))))
            if rng.next() % 5 == 0 { out.append(.timerFired(.scrapeDue(target: "t\(ti)", generation: 0), at: now)) }
        }
        return out
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func randomScrapesRoundTripExactly(seed: UInt64) {
        let messages = Self.randomScrapes(seed: seed, count: 400)
        // Keyframes every few seconds of recorded time and full ones every minute: the resets
        // are exercised many times over.
        var header = Self.header
        header.keyframeInterval = .seconds(7)
        header.fullKeyframeInterval = .minutes(1)
        let decoded = Self.roundTrip(messages, header: header)
        Self.expectExact(messages, decoded)
        let plain = Self.roundTrip(messages)
        Self.expectExact(messages, plain)
    }

    // MARK: Seeking

    @Test func readingFromAnyKeyframeGivesTheSameMessagesAsReadingThrough() throws {
        let messages = Self.randomScrapes(seed: 9, count: 300)
        var header = Self.header
        header.keyframeInterval = .seconds(20)
        header.fullKeyframeInterval = .minutes(2)
        let bytes = Self.file(messages, header: header)
        let all = RecordingReader.readAll(bytes: bytes, file: "s")
        let keyframes = RecordingReader.keyframes(in: bytes, file: "s")
        #expect(keyframes.count > 10)
        #expect(keyframes.contains { $0.full } && keyframes.contains { !$0.full })
        #expect(keyframes.first?.messageIndex == 0)
        for k in keyframes {
            var reader = try RecordingReader(bytes: bytes, file: "s", from: k)
            var tail: [RecordingEntry] = []
            while let e = reader.next() { tail.append(e) }
            #expect(reader.problem == nil)
            #expect(tail == Array(all.entries[k.messageIndex...]), "from the keyframe at byte \(k.offset)")
            #expect(tail.first?.time ?? k.time >= k.time)
        }
    }

    // MARK: The demo

    @Test func aThirtyMinuteDemoRoundTripsCompactlyAndReplaysToTheSameAlerts() throws {
        let runtime = Fixtures.demoRuntime(at: .minutes(30))
        let bytes = Self.file(runtime.messages)
        let contents = RecordingReader.readAll(bytes: bytes, file: "demo.mwr")
        #expect(contents.problem == nil)
        Self.expectExact(runtime.messages, contents.messages)

        // Compactness: scrape record bytes (framing included) per sample.
        let stats = contents.stats
        let perSample = try #require(stats.bytesPerSample)
        print("30-minute demo: \(stats.samples) samples in \(stats.scrapeBytes) bytes of scrape records: "
              + "\(perSample) bytes per sample; whole file \(bytes.count) bytes")
        #expect(stats.samples > 150_000)
        #expect(perSample <= 2.0)

        // Replay: the same messages through `reduce` on a fresh state, effects dropped (their
        // answers are in the recording), raise the same alerts at the same times.
        var state = Fixtures.demoInitialState()
        for m in contents.messages { _ = reduce(&state, m) }
        let kinds: Set<TimelineEvent.Kind> = [.alertPending, .alertFiring, .alertResolved]
        let original = runtime.state.timeline.events.filter { kinds.contains($0.kind) }
        let replayed = state.timeline.events.filter { kinds.contains($0.kind) }
        #expect(original.count > 5, "the demo's incident raises alerts")
        #expect(original.contains { $0.kind == .alertFiring } && original.contains { $0.kind == .alertResolved })
        // Compared in a canonical order within each moment: `reduce` emits the transitions of
        // one evaluation in a Dictionary's order (RuleAlerts and HealthEvaluator iterate the
        // previous alerts by dictionary for "resolved"), which differs between two equal
        // dictionaries built differently, so the order within one timestamp is not the
        // recording's to keep. Times, kinds, models and texts must all be equal.
        func canonical(_ events: [TimelineEvent]) -> [TimelineEvent] {
            events.sorted { ($0.time.milliseconds, $0.kind.rawValue, $0.model ?? "", $0.summary)
                < ($1.time.milliseconds, $1.kind.rawValue, $1.model ?? "", $1.summary) }
        }
        #expect(replayed.map(\.time) == original.map(\.time))
        #expect(canonical(replayed) == canonical(original))
    }

    // MARK: Limits

    @Test func aScrapeTooLargeToRecordIsOmittedAndTheNextOneStillDecodes() {
        let many = (0...RecordingLimits.maxSamplesPerScrape).map { Sample(name: "x", labels: Labels(), value: Double($0)) }
        let huge = ScrapeResult(target: "t", startedAt: Self.t0, duration: Milliseconds(1), outcome: .success([MetricFamily(name: "x", samples: many)]))
        let after = Self.richScrape(at: Self.t0 + .seconds(1), target: "t")
        let contents = RecordingReader.readAll(bytes: Self.file([.scrapeCompleted(Self.richScrape(at: Self.t0, target: "t")),
                                                                  .scrapeCompleted(huge), .scrapeCompleted(after)]), file: "o")
        #expect(contents.problem == nil)
        #expect(contents.entries.count == 3)
        guard case .omitted(let type, let reason) = contents.entries[1].content else { Issue.record("not omitted"); return }
        #expect(type == RecordType.scrapeCompleted.rawValue)
        #expect(reason.contains("1048577 samples"))
        #expect(contents.stats.omitted == 1)
        Self.expectExact([.scrapeCompleted(after)], [contents.entries[2].message!])
    }

    // MARK: Versions and unknown records

    @Test func unknownRecordTypesAndHeaderFieldsAreSkipped() throws {
        var encoder = RecordingEncoder(header: Self.header)
        var bytes = encoder.fileStart()
        bytes += encoder.framed(.started(at: Self.t0))
        bytes += RecordFraming.frame(type: 0x7E, payload: [1, 2, 3])   // a newer minor version's record
        bytes += encoder.framed(.timerFired(.tick, at: Self.t0 + .seconds(1)))
        let contents = RecordingReader.readAll(bytes: bytes, file: "u")
        #expect(contents.problem == nil)
        #expect(contents.messages == [.started(at: Self.t0), .timerFired(.tick, at: Self.t0 + .seconds(1))])
        #expect(contents.stats.unknown == 1)

        // A header with a field of an unknown tag reads.
        var payload = encoder.headerRecord.payload
        payload += [99, 3, 7, 7, 7]
        let withField = RecordFraming.preamble() + RecordFraming.frame(type: RecordType.header.rawValue, payload: payload)
        #expect(try RecordingReader(bytes: withField, file: "f").header == encoder.header)
    }

    @Test func aNewerMajorVersionIsRefusedWithAMessage() {
        var bytes = Self.file([.started(at: Self.t0)])
        bytes[8] = 2; bytes[10] = 1
        let contents = RecordingReader.readAll(bytes: bytes, file: "future.mwr")
        #expect(contents.header == nil && contents.entries.isEmpty)
        #expect(contents.problem?.description
                == "future.mwr: recording format 2.1 is newer than this modelwatch reads (1.x): nothing was read; read it with a newer modelwatch")
        // A newer minor version of the same major reads.
        bytes[8] = 1; bytes[10] = 9
        let minor = RecordingReader.readAll(bytes: bytes, file: "minor.mwr")
        #expect(minor.problem == nil && minor.version == RecordingVersion(major: 1, minor: 9))
    }

    // MARK: Damage

    /// `kill -9` at any moment: the file ends somewhere inside the last record. Every record
    /// before the cut comes back; the message names the file, the record's offset and the time.
    @Test func aRecordingCutAtAnyByteReadsUpToItsLastCompleteRecord() throws {
        let messages = try Self.everyMessage().filter { if case .logLinesArrived = $0 { false } else { true } }
        let bytes = Self.file(messages)
        let whole = RecordingReader.readAll(bytes: bytes, file: "cut.mwr")
        let lastOffsets = whole.entries.suffix(4).map(\.offset)
        for cut in lastOffsets[0]..<bytes.count {
            let c = RecordingReader.readAll(bytes: Array(bytes[..<cut]), file: "cut.mwr")
            let complete = whole.entries.filter { e in e.offset < cut && (whole.entries.first { $0.offset > e.offset }?.offset ?? bytes.count) <= cut }
            #expect(c.entries == complete, "cut at \(cut): \(c.entries.count) entries, \(complete.count) expected, \(c.problem?.description ?? "")")
            let boundary = complete.last.map { e in whole.entries.first { $0.offset > e.offset }?.offset ?? bytes.count } ?? lastOffsets[0]
            if cut == boundary {
                #expect(c.problem == nil)
            } else {
                let p = try #require(c.problem, "cut at \(cut)")
                #expect(p.isTruncation)
                #expect(p.offset == boundary)
                #expect(c.readUpTo == boundary)
                #expect(p.description.hasPrefix("cut.mwr: record #"))
                #expect(p.description.contains("at byte \(boundary) is cut short"))
                #expect(p.description.hasSuffix("; read up to byte \(boundary), recorded time \(RecordingProblem.iso(complete.last!.time))"))
            }
        }
    }

    @Test func aFlippedByteIsACRCErrorNamingTheRecord() throws {
        let messages = Array(Fixtures.demoRuntime(at: .seconds(30)).messages)
        let bytes = Self.file(messages)
        let whole = RecordingReader.readAll(bytes: bytes, file: "d.mwr")
        let target = try #require(whole.entries.first { if case .message(.scrapeCompleted) = $0.content { true } else { false } })
        var damaged = bytes
        damaged[target.offset + 40] ^= 0x10
        let c = RecordingReader.readAll(bytes: damaged, file: "d.mwr")
        #expect(c.entries == whole.entries.filter { $0.offset < target.offset })
        let p = try #require(c.problem)
        guard case .badChecksum = p.kind else { Issue.record("\(p.kind)"); return }
        #expect(p.offset == target.offset && p.record == target.record)
        #expect(p.description.hasPrefix("d.mwr: record #\(target.record) at byte \(target.offset) (scrapeCompleted, "))
        #expect(p.description.contains("fails its CRC-32C check"))
        #expect(!p.isTruncation)
    }

    /// Payloads that pass their CRC but are garbage (what a buggy or hostile writer makes):
    /// the reader stops with a message or reads on, and never traps or allocates wildly.
    @Test func mutatedRecordsWithValidChecksumsNeverCrashTheReader() throws {
        var rng = SplitMix(77)
        let messages = try Self.everyMessage() + Self.randomScrapes(seed: 5, count: 60)
        let bytes = Self.file(messages)
        let frames = FrameScanner.scan(bytes, file: "m").frames
        var stopped = 0
        for round in 0..<3000 {
            var frameBytes = frames.map { Array(bytes[$0.offset..<$0.end]) }
            let i = 1 + Int(rng.next() % UInt64(frames.count - 1))
            var payload = Array(frameBytes[i][RecordFraming.frameHeaderSize...])
            switch round % 4 {
            case 0: if !payload.isEmpty { payload[Int(rng.next() % UInt64(payload.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            case 1: payload = Array(payload.prefix(Int(rng.next() % UInt64(payload.count + 1))))
            case 2: payload += (0..<Int(rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            default: payload = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            frameBytes[i] = RecordFraming.frame(type: frames[i].type, payload: payload)
            let mutated = RecordFraming.preamble() + frameBytes.joined()
            let c = RecordingReader.readAll(bytes: mutated, file: "m")
            if let p = c.problem {
                stopped += 1
                #expect(p.offset <= mutated.count)
                #expect(p.description.hasPrefix("m: "))
            }
        }
        #expect(stopped > 1000, "most mutations are caught")
    }

    @Test func randomBytesNeverCrashTheReader() {
        var rng = SplitMix(123)
        let valid = Self.file(Self.randomScrapes(seed: 6, count: 20))
        for round in 0..<2000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = RecordFraming.preamble() + (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = valid
                for _ in 0..<(1 + Int(rng.next() % 4)) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            let c = RecordingReader.readAll(bytes: bytes, file: "r")
            #expect(c.readUpTo <= bytes.count)
            _ = RecordingReader.keyframes(in: bytes, file: "r")
        }
    }
}

/// SplitMix64: a small seeded generator, so that randomized tests reproduce.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array where Element == UInt8 {
    /// Whether the UTF-8 of `text` occurs in these bytes.
    func containsBytes(of text: String) -> Bool {
        let needle = Array(text.utf8)
        guard needle.count <= count else { return false }
        for i in 0...(count - needle.count) where self[i..<i + needle.count].elementsEqual(needle) { return true }
        return false
    }
}
