#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DemoFleet
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Sources
import Telemetry
import Testing

/// Starts a SimulateServer on an ephemeral loopback port for the body of `work`.
func withSimulateServer<T>(_ work: (UInt16) async throws -> T) async throws -> T {
    let server = try SimulateServer(host: "127.0.0.1", port: 0)
    let task = Task { try await server.run() }
    defer { task.cancel() }
    try await server.waitUntilListening()
    let port = try #require(await server.boundPort)
    #expect(port != 0)
    let result = try await work(port)
    await server.stop()
    return result
}

func families(_ result: ScrapeResult) -> [MetricFamily]? {
    if case .success(let f) = result.outcome { return f }
    return nil
}

func failure(_ result: ScrapeResult) -> ScrapeFailure? {
    if case .failure(let f) = result.outcome { return f }
    return nil
}

func temporaryFile(_ contents: String) throws -> String {
    let path = NSTemporaryDirectory() + "modelwatch-scraper-\(UUID().uuidString).prom"
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("Scraper and SimulateServer on loopback", .serialized)
struct ScraperTests {
    let scraper = Scraper()
    let t0 = Timestamp(milliseconds: 1_732_900_000_000)

    @Test("scraping /triton-a/metrics from SimulateServer succeeds with Triton families")
    func scrapeSimulatedTriton() async throws {
        try await withSimulateServer { port in
            let target = ScrapeTarget(name: "triton-a", url: "http://127.0.0.1:\(port)/triton-a/metrics", timeout: .seconds(5))
            let result = await scraper.scrape(target, at: t0)
            let fams = try #require(families(result), "\(result.outcome)")
            #expect(fams.contains { $0.name == "nv_inference_request_success" && $0.type == .counter })
            #expect(fams.contains { $0.name == "nv_inference_request_summary_us" && $0.type == .summary })
            #expect(result.target == "triton-a")
            #expect(result.startedAt == t0)
            #expect(result.bodyBytes > 1000)
            #expect(result.duration.value >= 0 && result.duration.value < 5000)

            for name in Fleet.targetNames {
                let r = await scraper.scrape(ScrapeTarget(name: name, url: "http://127.0.0.1:\(port)/\(name)/metrics"), at: t0)
                #expect(families(r)?.isEmpty == false, "\(name): \(r.outcome)")
            }
        }
    }

    @Test("the server answers with the 0.0.4 content type and an index at /")
    func contentTypeAndIndex() async throws {
        try await withSimulateServer { port in
            let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/vllm-0/metrics")!)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200)
            #expect(http.value(forHTTPHeaderField: "Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(String(decoding: body, as: UTF8.self).contains("vllm:e2e_request_latency_seconds_bucket"))

            let (index, indexResponse) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/")!)
            #expect((indexResponse as? HTTPURLResponse)?.statusCode == 200)
            let text = String(decoding: index, as: UTF8.self)
            for name in Fleet.targetNames { #expect(text.contains("/\(name)/metrics")) }
        }
    }

    @Test("an unknown path is HTTP 404")
    func notFound() async throws {
        try await withSimulateServer { port in
            for path in ["/nope", "/triton-a/metric", "/unknown/metrics"] {
                let result = await scraper.scrape(ScrapeTarget(name: "x", url: "http://127.0.0.1:\(port)\(path)"), at: t0)
                #expect(failure(result) == .http(status: 404), "\(path): \(result.outcome)")
            }
        }
    }

    @Test("a closed port is a transport failure")
    func closedPort() async throws {
        let server = try SimulateServer(host: "127.0.0.1", port: 0)
        let task = Task { try await server.run() }
        try await server.waitUntilListening()
        let port = try #require(await server.boundPort)
        await server.stop()
        task.cancel()
        _ = await task.result
        let result = await scraper.scrape(ScrapeTarget(name: "gone", url: "http://127.0.0.1:\(port)/metrics", timeout: .seconds(3)), at: t0)
        guard case .transport(let message)? = failure(result) else {
            Issue.record("expected .transport, got \(result.outcome)")
            return
        }
        #expect(message.contains("127.0.0.1:\(port)"))
    }

    @Test("a server that accepts but never answers times out")
    func timeout() async throws {
        let (fd, port) = try listeningSocketThatNeverAnswers()
        defer { close(fd) }
        let result = await scraper.scrape(ScrapeTarget(name: "slow", url: "http://127.0.0.1:\(port)/metrics", timeout: Milliseconds(700)), at: t0)
        #expect(failure(result) == .timeout(Milliseconds(700)), "\(result.outcome)")
        #expect(result.duration.value >= 500 && result.duration.value < 5000)
    }

    @Test("the request carries the Accept and User-Agent headers")
    func requestHeaders() async throws {
        let (fd, port) = try listeningSocketThatNeverAnswers()
        defer { close(fd) }
        let captured = Task.detached { () -> String in
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return "" }
            defer { close(client) }
            var buffer = [UInt8](repeating: 0, count: 8192)
            var request: [UInt8] = []
            while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
                let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                request += buffer[0..<n]
            }
            let body = "up 1\n"
            let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = response.withCString { write(client, $0, strlen($0)) }
            return String(decoding: request, as: UTF8.self)
        }
        let result = await scraper.scrape(ScrapeTarget(name: "raw", url: "http://127.0.0.1:\(port)/metrics"), at: t0)
        #expect(families(result)?.first?.name == "up", "\(result.outcome)")
        let request = await captured.value.lowercased()
        #expect(request.hasPrefix("get /metrics http/1.1\r\n"))
        #expect(request.contains("\r\naccept: \(Scraper.accept.lowercased())\r\n"))
        #expect(Scraper.accept.hasPrefix("application/openmetrics-text;version=1.0.0,"), "OpenMetrics first, as Prometheus asks")
        #expect(request.contains("\r\nuser-agent: modelwatch/0.1\r\n"))
    }

    @Test("a body over the limit is .tooLarge, over HTTP and from a file")
    func tooLarge() async throws {
        let small = Scraper(bodyLimit: 1000)
        try await withSimulateServer { port in
            let result = await small.scrape(ScrapeTarget(name: "t", url: "http://127.0.0.1:\(port)/triton-a/metrics"), at: t0)
            #expect(failure(result) == .tooLarge(limit: 1000), "\(result.outcome)")
        }
        let path = try temporaryFile(String(repeating: "a_metric 1\n", count: 200))
        defer { unlink(path) }
        #expect(failure(await small.scrape(ScrapeTarget(name: "f", url: "file://\(path)"), at: t0)) == .tooLarge(limit: 1000))
        #expect(families(await scraper.scrape(ScrapeTarget(name: "f", url: "file://\(path)"), at: t0))?.first?.samples.count == 200)
    }

    @Test("a file with a malformed line is a parse failure at the right line and column")
    func fileParseError() async throws {
        let text = "# HELP a_total Things.\n# TYPE a_total counter\na_total{x=\"1\" 2\n"
        let path = try temporaryFile(text)
        defer { unlink(path) }
        let result = await scraper.scrape(ScrapeTarget(name: "file", url: "file://\(path)"), at: t0)
        guard case .parse(let error)? = failure(result) else {
            Issue.record("expected .parse, got \(result.outcome)")
            return
        }
        #expect(error.line == 3)
        #expect(error.column == 15)
        do {
            _ = try TextFormatParser.parse(text)
            Issue.record("the parser accepted a malformed line")
        } catch {
            #expect(failure(result) == .parse(error))
        }
        #expect(result.bodyBytes == text.utf8.count)
    }

    @Test("a well-formed file parses")
    func fileSuccess() async throws {
        let path = try temporaryFile("# TYPE up gauge\nup{job=\"x\"} 1\n")
        defer { unlink(path) }
        let result = await scraper.scrape(ScrapeTarget(name: "file", url: "file://\(path)"), at: t0)
        #expect(families(result) == [MetricFamily(name: "up", type: .gauge, samples: [Sample(name: "up", labels: Labels(["job": "x"]), value: 1)])])
    }

    @Test("a missing file is a transport failure naming the errno text")
    func missingFile() async {
        let result = await scraper.scrape(ScrapeTarget(name: "file", url: "file:///nonexistent/modelwatch/metrics.prom"), at: t0)
        #expect(failure(result) == .transport("/nonexistent/modelwatch/metrics.prom: No such file or directory"))
    }

    @Test("demo:// is read from the DemoSource and goes through the text parser")
    func demoTarget() async throws {
        let demo = DemoSource(seed: 42)
        demo.advance(to: .seconds(150))
        let scraper = Scraper(demo: demo)
        let result = await scraper.scrape(ScrapeTarget(name: "triton-a", url: "demo://triton-a"), at: t0)
        let text = try #require(demo.exposition(for: "triton-a"))
        #expect(families(result) == (try TextFormatParser.parse(text)))
        #expect(result.bodyBytes == text.utf8.count)
        let fams = try #require(families(result))
        let v4 = fams.first { $0.name == "nv_inference_request_success" }?.samples.first { $0.labels["model"] == "fraud-detector" }
        #expect(v4?.labels["version"] == "4")

        guard case .transport(let message)? = failure(await scraper.scrape(ScrapeTarget(name: "x", url: "demo://nope"), at: t0)) else {
            Issue.record("unknown demo target should be a transport failure")
            return
        }
        #expect(message.contains("nope"))
        #expect(failure(await Scraper().scrape(ScrapeTarget(name: "x", url: "demo://triton-a"), at: t0)) != nil)
        #expect(failure(await scraper.scrape(ScrapeTarget(name: "x", url: "gopher://x"), at: t0)) != nil)
    }

    @Test("DemoSource advances, drains logs and never goes back")
    func demoSource() {
        let demo = DemoSource()
        demo.advance(to: .seconds(130))
        #expect(demo.elapsed == .seconds(130))
        let lines = demo.drainLogLines()
        #expect(lines.contains { $0.source == "triton-a.log" && $0.text.contains("CUDA out of memory") && $0.elapsed >= .seconds(120) })
        #expect(demo.drainLogLines().isEmpty)
        demo.advance(to: .seconds(10))
        #expect(demo.elapsed == .seconds(130))
        #expect(demo.scenario.contains { $0.atMilliseconds == 100_000 })
    }

    @Test("SystemClock reads the real time and a monotonic clock")
    func systemClock() throws {
        let clock = SystemClock()
        let now = clock.now()
        let reference = Date().timeIntervalSince1970 * 1000
        #expect(abs(Double(now.milliseconds) - reference) < 5_000)
        let start = clock.monotonicNanoseconds()
        usleep(20_000)
        let waited = clock.millisecondsSince(start)
        #expect(waited.value >= 19 && waited.value < 2_000)
    }
}

/// A loopback socket that listens (so connections succeed) but never accepts or answers.
func listeningSocketThatNeverAnswers() throws -> (Int32, UInt16) {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw POSIXError(.EBADF) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return (fd, UInt16(bigEndian: addr.sin_port))
}
