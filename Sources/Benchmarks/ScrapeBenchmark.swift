import DemoFleet
import FlyingFox
import Foundation
import Sources
import Telemetry

/// One scrape cycle of 200 loopback targets, each its own HTTP server on its own port, one of
/// which accepts the request and never answers. Goal: the other 199 complete within their
/// interval, untouched by the one that hangs.
enum ScrapeBenchmark {
    static let targetCount = 200
    static let interval = Milliseconds.seconds(5)
    static let timeout = Milliseconds.seconds(4)

    struct Handler: HTTPHandler {
        let body: Data
        let hangs: Bool
        func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
            if hangs { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: body)
        }
    }

    static func run() async throws {
        // A realistic body: the simulated Triton server's exposition.
        var fleet = Fleet(seed: 1)
        fleet.advance(to: 60_000)
        let body = Data(fleet.exposition(for: "triton-a")!.utf8)

        var servers: [HTTPServer] = []
        var tasks: [Task<Void, any Error>] = []
        var ports: [UInt16] = []
        for i in 0..<targetCount {
            let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 60, logger: .disabled,
                                    handler: Handler(body: body, hangs: i == targetCount / 2))
            servers.append(server)
            tasks.append(Task { try await server.run() })
        }
        for server in servers {
            try await server.waitUntilListening(timeout: 10)
            guard case .ip4(_, let port)? = await server.listeningAddress else { throw BenchmarkError("no port") }
            ports.append(port)
        }
        defer { for task in tasks { task.cancel() } }

        let scraper = Scraper()
        let clock = SystemClock()
        let start = clock.now()
        let began = clock.monotonicNanoseconds()
        let results = await withTaskGroup(of: (Int, ScrapeResult, Milliseconds).self) { group in
            for (i, port) in ports.enumerated() {
                let target = ScrapeTarget(name: "t\(i)", url: "http://127.0.0.1:\(port)/metrics", interval: interval, timeout: timeout)
                group.addTask {
                    let result = await scraper.scrape(target, at: start)
                    return (i, result, clock.millisecondsSince(began))
                }
            }
            var all: [(Int, ScrapeResult, Milliseconds)] = []
            for await r in group { all.append(r) }
            return all
        }
        let hangIndex = targetCount / 2
        let healthy = results.filter { $0.0 != hangIndex }
        let ok = healthy.filter { if case .success = $0.1.outcome { return true } else { return false } }
        let finishedBy = healthy.map(\.2.value).sorted()
        let durations = healthy.map(\.1.duration.value).sorted()
        let hung = results.first { $0.0 == hangIndex }!
        func pct(_ xs: [Int64], _ p: Double) -> Int64 { xs.isEmpty ? 0 : xs[min(xs.count - 1, Int(Double(xs.count) * p))] }
        let withinInterval = finishedBy.filter { $0 < interval.value }.count
        print("targets: \(targetCount) loopback HTTP servers, body \(body.count) bytes each; interval \(interval.seconds)s, timeout \(timeout.seconds)s")
        print("healthy targets scraped OK: \(ok.count)/\(healthy.count); finished within the interval: \(withinInterval)/\(healthy.count)  (goal: all)")
        print("healthy scrape duration ms: p50 \(pct(durations, 0.5))  p99 \(pct(durations, 0.99))  max \(durations.last ?? 0)")
        print("all healthy targets done after \(finishedBy.last ?? 0) ms of the cycle")
        print("hanging target: \(hung.1.outcome) after \(hung.1.duration.value) ms")
        for server in servers { await server.stop(timeout: 0) }
        if withinInterval < healthy.count { throw BenchmarkError("some healthy targets missed their interval") }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
