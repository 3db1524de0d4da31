import ArgumentParser
import Dashboard
import Foundation
import Models
import Sources
import Telemetry
import TerminalUI

/// `modelwatch models [FILE [FILE2] | URL | --demo] [--config FILE]`: which model servers,
/// models and versions a target exposes, and which signals modelwatch reads from them (or why
/// not), as tables.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model servers, models and versions found in an exposition, and which signals were recognized.",
        discussion: """
        A FILE is one scrape: it holds counters' totals since the server started, so instant \
        values (gauges, summary quantiles) show and rates (traffic, errors, latency from \
        histograms and counters) are reported as needing a second scrape. Give two files \
        (the same server, --interval apart) for rates. A URL is scraped twice, --interval \
        apart (--once: once). With --config and no FILE or URL, the config's targets are \
        scraped that way, and its model_metrics: mappings apply to every input. --demo lists \
        the built-in fleet at --at on virtual time. \
        Exit status: 0 with the listing (even when nothing is recognized), 1 when an input \
        cannot be read or parsed, 2 for a bad config.
        """
    )

    @Argument(help: "An exposition file (one, or two scrapes of the same server in time order) or an http(s):// URL.")
    var sources: [String] = []

    @Flag(help: "List the built-in demo fleet's models.")
    var demo = false

    @Option(name: .shortAndLong, help: "Config file: its model_metrics: mappings, and its targets when no FILE or URL is given.")
    var config: String?

    @Option(help: "Time between two scrapes: real for URLs and targets, assumed for two files (e.g. 5s, 15s).")
    var interval: String?

    @Flag(help: "Scrape a URL or the config's targets once (instant values only).")
    var once = false

    @Option(help: "With --demo: how far into the demo, e.g. 90s, 3m.")
    var at: String = "90s"

    @Option(help: "The job name the input is labelled with (default: the file's name or the URL's host:port).")
    var job: String?

    @Flag(help: "Only the one-line-per-model table.")
    var summary = false

    func validate() throws {
        if demo && !sources.isEmpty { throw ValidationError("--demo takes no FILE or URL") }
        if demo && config != nil { throw ValidationError("--demo and --config exclude each other") }
        if !demo && sources.isEmpty && config == nil { throw ValidationError("give a FILE, a URL, --config or --demo") }
        if sources.count > 2 { throw ValidationError("give one URL, or one or two files (two scrapes of the same server)") }
        let urls = sources.filter(Self.isURL)
        if !urls.isEmpty && sources.count > 1 { throw ValidationError("a URL is scraped twice by itself: give it alone") }
        if let interval, Self.duration(interval) == nil { throw ValidationError("--interval '\(interval)' is not a duration like 5s") }
        _ = try SessionOptions.duration(at: at)
    }

    static func isURL(_ s: String) -> Bool {
        let lower = s.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://")
    }

    static func duration(_ text: String) -> Milliseconds? {
        guard let d = AppConfig.parseDuration(text), d.value > 0 else { return nil }
        return d
    }

    func run() async throws {
        var mappings: [MetricMapping] = []
        var configTargets: [ScrapeTarget] = []
        if let config {
            do {
                let parsed = try AppConfig.parse(try Launch.readText(config), file: config)
                mappings = parsed.modelMetrics
                configTargets = parsed.targets
            } catch {
                // A config error quotes the file: made visible like everything from outside.
                fail(Sanitizer.visible("\(error)"), status: 2)
            }
        }
        if demo {
            try printDemo()
            return
        }
        let listing: Listing
        if sources.isEmpty {
            listing = try await scrapeTargets(configTargets, mappings: mappings)
        } else if Self.isURL(sources[0]) {
            let url = sources[0]
            let target = ScrapeTarget(name: job ?? instanceLabel(url), url: url, interval: .seconds(15), timeout: .seconds(10))
            listing = try await scrapeTargets([target], mappings: mappings)
        } else {
            listing = try await readFiles(mappings: mappings)
        }
        print(ModelsReport.render(listing, summaryOnly: summary), terminator: "")
    }

    // MARK: Inputs

    /// Two files as two scrapes of one target, `--interval` (15 s) apart on virtual time; one
    /// file as one scrape.
    func readFiles(mappings: [MetricMapping]) async throws -> Listing {
        let spacing = interval.flatMap(Self.duration) ?? .seconds(15)
        let name = job ?? Self.jobName(ofFile: sources[0])
        let scraper = Scraper()
        var store = SeriesStore(retention: .minutes(60))
        var types = MetricTypes()
        let start = Timestamp(milliseconds: 1_733_000_000_000)
        var at = start
        for (index, file) in sources.enumerated() {
            let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { fail("\(Sanitizer.visible(file)): no such file", status: 1) }
            at = start + spacing * Int64(index)
            let target = ScrapeTarget(name: name, url: "file://" + path)
            let result = await scraper.scrape(target, at: at)
            switch result.outcome {
            case .success(let families): types.record(families)
            case .failure(let failure): fail(describe(failure, input: file), status: 1)
            }
            store.ingestScrape(result, targetLabels: Labels(["job": name, "instance": name]))
        }
        let window = Milliseconds(spacing.value * 2)
        let found = ModelRecognizer.recognize(in: store, job: name, at: at, window: window, freshness: .minutes(5),
                                              mappings: mappings, types: types)
        let what = sources.map(Sanitizer.visible).joined(separator: " then ")
        let note = sources.count == 1
            ? "\(what): one scrape. Instant values only: rates (traffic, errors, latency from histograms and counters) need a second scrape; give a second file of the same server, or a URL."
            : "\(what): two scrapes \(describe(spacing)) apart."
        return Listing(header: note, jobs: [found])
    }

    /// Every target scraped once or twice (`--interval`, default 5 s, of real time apart), all
    /// at the same moments.
    func scrapeTargets(_ targets: [ScrapeTarget], mappings: [MetricMapping]) async throws -> Listing {
        guard !targets.isEmpty else { fail("the config has no targets", status: 2) }
        let spacing = interval.flatMap(Self.duration) ?? .seconds(5)
        let scraper = Scraper()
        let clock = SystemClock()
        var store = SeriesStore(retention: .minutes(60))
        var types = MetricTypes()
        var failures: [String] = []
        var at = clock.now()
        let rounds = once ? 1 : 2
        for round in 0..<rounds {
            if round > 0 { try await Task.sleep(nanoseconds: UInt64(spacing.value) * 1_000_000) }
            at = clock.now()
            let now = at
            let results = await withTaskGroup(of: ScrapeResult.self) { group in
                for target in targets { group.addTask { await scraper.scrape(target, at: now) } }
                var all: [ScrapeResult] = []
                for await r in group { all.append(r) }
                return all
            }
            for result in results.sorted(by: { $0.target < $1.target }) {
                let target = targets.first { $0.name == result.target }!
                switch result.outcome {
                case .success(let families): types.record(families)
                case .failure(let failure): failures.append(describe(failure, input: target.url))
                }
                store.ingestScrape(result, targetLabels: Labels(["job": target.name, "instance": instanceLabel(target.url)]))
            }
        }
        if failures.count == targets.count * rounds {
            for f in Set(failures).sorted() { FileHandle.standardError.write(Data("modelwatch: \(f)\n".utf8)) }
            throw ExitCode(1)
        }
        for f in Set(failures).sorted() { FileHandle.standardError.write(Data("modelwatch: \(f)\n".utf8)) }
        let window = Milliseconds(spacing.value * 2)
        let jobs = targets.map {
            ModelRecognizer.recognize(in: store, job: $0.name, at: at, window: window, freshness: .minutes(5),
                                      mappings: mappings, types: types)
        }
        let header = once
            ? "\(targets.count) target(s), one scrape: instant values only (rates need a second scrape; drop --once)."
            : "\(targets.count) target(s), two scrapes \(describe(spacing)) apart."
        return Listing(header: header, jobs: jobs)
    }

    /// The demo fleet on virtual time, read as the dashboard reads it.
    func printDemo() throws {
        let display = try DisplayOptions.parse([])
        let launch: Launch
        do {
            launch = try Launch.resolve(configPath: nil, forceDemo: true, display: display)
        } catch {
            fail(Sanitizer.visible("\(error)"), status: 2)
        }
        let state = HeadlessSession.run(launch, size: Size(width: 80, height: 24), duration: try SessionOptions.duration(at: at))
        let jobs = state.targets.map { target in
            ModelRecognizer.recognize(in: state.store, job: target.target.name, at: state.now,
                                      window: Milliseconds(max(60_000, target.target.interval.value * 4)), freshness: .minutes(5))
        }
        let header = "The demo fleet at +\(describe(try SessionOptions.duration(at: at))) (virtual time, no network). Metric types are not checked: the store keeps none."
        print(ModelsReport.render(Listing(header: header, jobs: jobs), summaryOnly: summary), terminator: "")
    }

    // MARK: Helpers

    /// `triton.prom` → `triton`.
    static func jobName(ofFile path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return base }
        return String(base[..<dot])
    }

    func describe(_ d: Milliseconds) -> String {
        d.value % 1000 == 0 ? "\(d.value / 1000)s" : "\(d.value)ms"
    }

    /// `FILE:line:column: message` for a parse error, as `check metrics` prints it; else the
    /// failure. Everything from outside made visible.
    func describe(_ failure: ScrapeFailure, input: String) -> String {
        if case .parse(let e) = failure {
            return "\(Sanitizer.visible(input)):\(e.line):\(e.column): \(Sanitizer.visible(e.message))"
        }
        return "\(Sanitizer.visible(input)): \(Sanitizer.visible(failure.description))"
    }

    func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("modelwatch: \(message)\n".utf8))
        Foundation.exit(status)
    }
}

/// What `models` prints: a header line and each job's recognition.
struct Listing {
    var header: String
    var jobs: [JobRecognition]
}

/// The tables `modelwatch models` prints. Names, versions, label values and reasons come from
/// outside: every cell passes through `Sanitizer.visible`.
enum ModelsReport {
    static func render(_ listing: Listing, summaryOnly: Bool) -> String {
        var out = Sanitizer.visible(listing.header) + "\n\n"
        let models = listing.jobs.flatMap(\.models)
        let unrecognized = listing.jobs.filter { $0.kinds.isEmpty }
        for job in unrecognized {
            out += "\(Sanitizer.visible(job.job)): no model server recognized (looked for Triton, vLLM, KServe, Knative, Seldon Core, MLServer, BentoML, TorchServe, TensorFlow Serving, Ray Serve, DCGM and the config's model_metrics).\n"
        }
        if !unrecognized.isEmpty { out += "\n" }
        if !models.isEmpty {
            var rows = [["JOB", "KIND", "MODEL", "VERSIONS", "TRAFFIC", "ERRORS", "P50", "P99", "SATURATION"]]
            for m in models {
                rows.append([m.key.job, kindName(m), m.key.name, m.versions.isEmpty ? "—" : m.versions.joined(separator: ", "),
                             cell(m.traffic, .perSecond), cell(m.errors, .ratio),
                             cell(m.latency.p50, .seconds),
                             m.latency.p99.isValue ? cell(m.latency.p99, .seconds) : (m.latencyIsMean ? "mean " + cell(m.latency.mean, .seconds) : "—"),
                             saturationSummary(m)])
            }
            out += table(rows)
        }
        for job in listing.jobs where !job.kinds.isEmpty && job.models.isEmpty {
            out += "\(Sanitizer.visible(job.job)): \(job.kinds.map(\.rawValue).joined(separator: ", ")), no models.\n"
        }
        for job in listing.jobs {
            guard let gpus = job.gpus else { continue }
            out += "\(Sanitizer.visible(job.job)): \(gpus.count) GPU\(gpus.count == 1 ? "" : "s"), busiest at \(cell(gpus.utilization, .ratio)), memory \(cell(gpus.memoryUsed, .bytes)) of \(cell(gpus.memoryTotal, .bytes)).\n"
        }
        if summaryOnly { return out }
        for m in models {
            out += "\n" + detail(m)
        }
        let notes = listing.jobs.flatMap { job in job.notes.map { "\(job.job): \($0)" } }
        if !notes.isEmpty {
            out += "\nnotes:\n" + notes.map { "  " + Sanitizer.visible($0) + "\n" }.joined()
        }
        return out
    }

    static func kindName(_ m: ModelSignals) -> String {
        m.kind == .custom ? "custom: \(m.mapping ?? "")" : m.kind.rawValue
    }

    /// Every signal of a model: its value and where it comes from, or why there is none; the
    /// versions side by side; the problems.
    static func detail(_ m: ModelSignals) -> String {
        var out = "\(Sanitizer.visible(m.key.name)) (\(Sanitizer.visible(kindName(m))), job \(Sanitizer.visible(m.key.job)))\n"
        var rows = [["  SIGNAL", "VALUE", "FROM, OR WHY NOT"]]
        for signal in SignalKind.allCases {
            let value = m.value(of: signal)
            var from: String
            switch value {
            case .value: from = m.sources[signal] ?? ""
            case .unavailable(let reason): from = "not computed: " + reason
            case .notExported(let reason): from = "not exported: " + reason
            }
            if signal == .errors, !m.errorCauses.isEmpty {
                from += "; by cause: " + m.errorCauses.prefix(4).map { "\($0.cause) \(Format.percent($0.share))" }.joined(separator: ", ")
            }
            rows.append(["  " + signal.rawValue, cell(value, signal.unit), from])
        }
        out += table(rows)
        if m.byVersion.count > 1 {
            var versions = [["  VERSION", "TRAFFIC SHARE", "TRAFFIC", "ERRORS", "P99"]]
            for v in m.byVersion {
                let p99 = v.latency.p99.isValue ? cell(v.latency.p99, .seconds)
                    : (v.latencyIsMean ? "mean " + cell(v.latency.mean, .seconds) : "—")
                versions.append(["  " + v.version, cell(v.trafficShare, .ratio), cell(v.traffic, .perSecond), cell(v.errors, .ratio), p99])
            }
            out += table(versions)
            let reasons = Set(m.byVersion.flatMap { [$0.trafficShare.reason, $0.errors.reason] }.compactMap { $0 })
            for reason in reasons.sorted() { out += "  (—: \(Sanitizer.visible(reason)))\n" }
        }
        for problem in m.problems { out += "  problem: \(Sanitizer.visible(problem.description))\n" }
        return out
    }

    static func saturationSummary(_ m: ModelSignals) -> String {
        let s = m.saturationSignals
        var parts: [String] = []
        if let v = s.kvCacheUsage.value { parts.append("KV \(Format.percent(v))") }
        if let v = s.gpuUtilization.value { parts.append("GPU \(Format.percent(v))") }
        if let v = s.gpuMemoryRatio { parts.append("mem \(Format.percent(v))") }
        if let v = s.queueDepth.value { parts.append("queue \(count(v))") }
        if let v = s.inFlight.value { parts.append("running \(count(v))") }
        return parts.isEmpty ? "—" : parts.joined(separator: " ")
    }

    /// A value in its unit, `—` when not computed, `n/a` when not exported.
    static func cell(_ value: SignalValue, _ unit: SignalUnit) -> String {
        switch value {
        case .unavailable: return "—"
        case .notExported: return "n/a"
        case .value(let v):
            switch unit {
            case .perSecond: return Format.rate(v) + "/s"
            case .ratio: return Format.percent(v)
            case .seconds: return Format.latency(v)
            case .count: return count(v)
            case .bytes: return v.isFinite && v >= 0 && v < 9e18 ? Format.bytes(Int(v)) : "—"
            }
        }
    }

    static func count(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : Format.rate(v)
    }

    /// Columns padded to their widest cell (display width), two spaces apart; the last column
    /// is not padded.
    static func table(_ rows: [[String]]) -> String {
        let clean = rows.map { $0.map(Sanitizer.visible) }
        let columns = clean.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in clean {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], TextLayout.width(cell)) }
        }
        var out = ""
        for row in clean {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : TextLayout.pad(cell, toWidth: widths[i]) + "  "
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
