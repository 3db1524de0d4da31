import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Telemetry
import Testing
import TestSupport

/// (c) Real targets: a real Prometheus server and a real node exporter, started on loopback
/// ports of their own, scraped over HTTP. Every body they serve must parse without error, and
/// we must count exactly as many samples as prometheus_client's own parser counts in the same
/// body. Both are asked for OpenMetrics too (`Accept: application/openmetrics-text`); when they
/// answer with it, the OpenMetrics body is checked the same way with `OpenMetricsParser` and
/// prometheus_client's OpenMetrics parser (Prometheus 2.42 and node exporter 1.5 as packaged by
/// Debian answer 0.0.4 whatever the Accept header says: the test prints what was negotiated).
@Suite("real targets: prometheus and node exporter", .serialized)
struct RealTargetTests {
    struct Scraped {
        var url: String
        var contentType: String
        var body: Data
    }

    /// GET with a deadline; fails on a non-200.
    static func fetch(_ url: String, accept: String? = nil, timeout: TimeInterval = 10) async throws -> Scraped {
        guard let u = URL(string: url) else { throw DiffError("bad URL \(url)") }
        var request = URLRequest(url: u, cachePolicy: .reloadIgnoringLocalAndRemoteCacheData, timeoutInterval: timeout)
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw DiffError("\(url): not an HTTP response") }
        guard http.statusCode == 200 else {
            throw DiffError("\(url): HTTP \(http.statusCode): \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        return Scraped(url: url, contentType: http.value(forHTTPHeaderField: "Content-Type") ?? "", body: data)
    }

    /// Starts a server on a free loopback port and waits (at most 30 s) until `readyPath` answers
    /// 200. Retries with another port (3 tries) when the server exits at once, e.g. because it
    /// lost the port to someone else. The caller stops it (`defer { server.stop() }`).
    static func startServer(_ tool: String, logDir: TempDir, readyPath: String,
                            arguments: (Int) throws -> [String]) async throws -> (ServerProcess, Int) {
        var lastLog = ""
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            let server = try ServerProcess(tool, try arguments(port), logDir: logDir)
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if server.hasExited { break }
                if (try? await fetch("http://127.0.0.1:\(port)\(readyPath)", timeout: 2)) != nil {
                    return (server, port)
                }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            lastLog = server.log
            server.stop()
        }
        throw DiffError("\(tool) did not become ready on a loopback port (3 tries); its log ends:\n\(lastLog)")
    }

    /// How many samples prometheus_client's parser reads from `body`.
    static func prometheusClientSampleCount(_ python: String, body: Data, format: String, dir: TempDir) throws -> Int {
        let bodyPath = dir.path("body-\(UUID().uuidString).txt")
        try body.write(to: URL(fileURLWithPath: bodyPath))
        let script = dir.path("count.py")
        try prometheusClientCountScript.write(toFile: script, atomically: true, encoding: .utf8)
        let r = try run(python, [script, bodyPath, format], timeout: 120)
        guard r.status == 0 else { throw DiffError("prometheus_client could not parse \(format) body:\n\(r.stderr)") }
        struct Count: Decodable { var families: Int; var samples: Int }
        return try JSONDecoder().decode(Count.self, from: r.stdoutData).samples
    }

    /// Parses a scraped body with the parser its Content-Type calls for and checks it against
    /// prometheus_client's sample count. Returns a line for the report.
    static func check(_ scraped: Scraped, python: String, dir: TempDir,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let text = String(data: scraped.body, encoding: .utf8) else {
            Issue.record("\(scraped.url): the body is not UTF-8", sourceLocation: sourceLocation)
            return ""
        }
        let isOpenMetrics = scraped.contentType.hasPrefix("application/openmetrics-text")
        guard isOpenMetrics || scraped.contentType.hasPrefix("text/plain") else {
            Issue.record("\(scraped.url): unexpected Content-Type \(scraped.contentType)", sourceLocation: sourceLocation)
            return ""
        }
        let families: [MetricFamily]
        do {
            families = isOpenMetrics ? try OpenMetricsParser.parse(text) : try TextFormatParser.parse(text)
        } catch {
            Issue.record("\(scraped.url): \(isOpenMetrics ? "OpenMetricsParser" : "TextFormatParser") rejected a real target's body at \(error)\n\(excerpt(text, line: error.line))",
                         sourceLocation: sourceLocation)
            return ""
        }
        let ours = families.reduce(0) { $0 + $1.samples.count }
        let theirs = try prometheusClientSampleCount(python, body: scraped.body,
                                                     format: isOpenMetrics ? "openmetrics" : "text", dir: dir)
        #expect(ours == theirs, "\(scraped.url): we read \(ours) samples, prometheus_client reads \(theirs)",
                sourceLocation: sourceLocation)
        #expect(ours > 20, "\(scraped.url): only \(ours) samples; expected a real target's full body", sourceLocation: sourceLocation)
        return "\(scraped.url) [\(scraped.contentType)]: \(families.count) families, \(ours) samples (prometheus_client: \(theirs))"
    }

    static let openMetricsAccept = "application/openmetrics-text;version=1.0.0;q=1,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    @Test("node exporter's /metrics parses, as many samples as prometheus_client reads")
    func nodeExporter() async throws {
        let tool = try requireTool("prometheus-node-exporter")
        let python = try requirePythonWithPrometheusClient()
        let dir = try TempDir("mw-diff-node")
        defer { dir.remove() }
        let (server, port) = try await Self.startServer(tool, logDir: dir, readyPath: "/metrics") { port in
            ["--web.listen-address=127.0.0.1:\(port)"]
        }
        defer { server.stop() }
        var report = ["node exporter: \(toolVersion(tool))"]
        report.append(try Self.check(try await Self.fetch("http://127.0.0.1:\(port)/metrics"), python: python, dir: dir))
        let negotiated = try await Self.fetch("http://127.0.0.1:\(port)/metrics", accept: Self.openMetricsAccept)
        report.append("asked for OpenMetrics, got \(negotiated.contentType)")
        report.append(try Self.check(negotiated, python: python, dir: dir))
        print(report.joined(separator: "\n  "))
    }

    @Test("a prometheus_client HTTP target parses in both formats it negotiates, as many samples as its own parsers read")
    func prometheusClientTarget() async throws {
        let python = try requirePythonWithPrometheusClient()
        let dir = try TempDir("mw-diff-pyserver")
        defer { dir.remove() }
        let script = dir.path("server.py")
        try prometheusClientServerScript.write(toFile: script, atomically: true, encoding: .utf8)
        // The server also exits by itself after 120 s, whatever happens to this process.
        let (server, port) = try await Self.startServer(python, logDir: dir, readyPath: "/metrics") { port in
            [script, "\(port)", "120"]
        }
        defer { server.stop() }
        var report = ["prometheus_client HTTP server: \(toolVersion(python, ["-c", "import importlib.metadata as m; print('prometheus_client', m.version('prometheus_client'))"]))"]
        let plain = try await Self.fetch("http://127.0.0.1:\(port)/metrics")
        #expect(plain.contentType.hasPrefix("text/plain"), "asked for nothing, got \(plain.contentType)")
        report.append(try Self.check(plain, python: python, dir: dir))
        let negotiated = try await Self.fetch("http://127.0.0.1:\(port)/metrics", accept: Self.openMetricsAccept)
        #expect(negotiated.contentType.hasPrefix("application/openmetrics-text"),
                "asked for OpenMetrics, got \(negotiated.contentType)")
        report.append(try Self.check(negotiated, python: python, dir: dir))
        print(report.joined(separator: "\n  "))
    }

    @Test("prometheus's own /metrics and /federate parse, as many samples as prometheus_client reads")
    func prometheus() async throws {
        let tool = try requireTool("prometheus")
        let nodeTool = try requireTool("prometheus-node-exporter")
        let python = try requirePythonWithPrometheusClient()
        let dir = try TempDir("mw-diff-prom")
        defer { dir.remove() }
        // A node exporter for Prometheus to scrape, so that /federate serves two jobs.
        let (node, nodePort) = try await Self.startServer(nodeTool, logDir: dir, readyPath: "/metrics") { port in
            ["--web.listen-address=127.0.0.1:\(port)"]
        }
        defer { node.stop() }
        let storage = dir.path("tsdb")
        let config = dir.path("prometheus.yml")
        let (server, port) = try await Self.startServer(tool, logDir: dir, readyPath: "/-/ready") { port in
            // The config names Prometheus's own port, so it is written for each try.
            try """
                global:
                  scrape_interval: 2s
                  scrape_timeout: 2s
                scrape_configs:
                  - job_name: prometheus
                    static_configs: [{targets: ['127.0.0.1:\(port)']}]
                  - job_name: node
                    static_configs: [{targets: ['127.0.0.1:\(nodePort)']}]
                """.write(toFile: config, atomically: true, encoding: .utf8)
            return ["--config.file=\(config)", "--storage.tsdb.path=\(storage)",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        }
        defer { server.stop() }
        var report = ["prometheus: \(toolVersion(tool))"]
        report.append(try Self.check(try await Self.fetch("http://127.0.0.1:\(port)/metrics"), python: python, dir: dir))
        let negotiated = try await Self.fetch("http://127.0.0.1:\(port)/metrics", accept: Self.openMetricsAccept)
        report.append("asked for OpenMetrics, got \(negotiated.contentType)")
        report.append(try Self.check(negotiated, python: python, dir: dir))

        // Federation: every series of both jobs, with timestamps, once both were scraped in full
        // (a build_info series of each: `up` alone would also show for a failed scrape).
        let federate = "http://127.0.0.1:\(port)/federate?match%5B%5D=%7Bjob%3D~%22.%2B%22%7D"
        var body = try await Self.fetch(federate)
        let deadline = Date().addingTimeInterval(30)
        func hasBothJobs(_ s: Scraped) -> Bool {
            let t = String(decoding: s.body, as: UTF8.self)
            return t.contains("\nprometheus_build_info{") && t.contains("\nnode_exporter_build_info{")
        }
        while !hasBothJobs(body), Date() < deadline {
            try await Task.sleep(nanoseconds: 250_000_000)
            body = try await Self.fetch(federate)
        }
        #expect(hasBothJobs(body), "/federate never served both jobs within 30 s; prometheus log:\n\(server.log)")
        report.append(try Self.check(body, python: python, dir: dir))
        print(report.joined(separator: "\n  "))
    }
}
