import DemoFleet
import FlyingFox
import Foundation
import Synchronization
import Telemetry

/// Serves the demo fleet over real HTTP, one `/NAME/metrics` endpoint per demo target, so that
/// modelwatch (or Prometheus, or curl) can scrape it like real model servers.
///
///     GET /                 index: the target paths, one a line
///     GET /metrics          the same index
///     GET /NAME/metrics     that target's exposition (text/plain; version=0.0.4)
///     anything else         404
///
/// The fleet is advanced to the real time elapsed since `run()` started (monotonic clock).
public final class SimulateServer: Sendable {
    public let host: String
    public let requestedPort: UInt16
    private let server: HTTPServer
    private let demo: DemoSource
    private let startedAt: StartTime

    public init(host: String = "127.0.0.1", port: UInt16 = 9400, seed: UInt64 = 42) throws {
        self.host = host
        self.requestedPort = port
        let demo = DemoSource(seed: seed)
        let started = StartTime()
        self.demo = demo
        self.startedAt = started
        let address: sockaddr_in = try .inet(ip4: host, port: port)
        server = HTTPServer(address: address, timeout: 15, logger: .disabled,
                            handler: DemoFleetHandler(demo: demo, startedAt: started))
    }

    /// Serves until `stop()` is called or the task is cancelled.
    public func run() async throws {
        startedAt.markIfUnset()
        try await server.run()
    }

    /// Returns once the socket is listening.
    public func waitUntilListening(timeout: TimeInterval = 5) async throws {
        try await server.waitUntilListening(timeout: timeout)
    }

    /// The port actually bound (useful with port 0), or nil before the server is listening.
    public var boundPort: UInt16? {
        get async {
            switch await server.listeningAddress {
            case .ip4(_, let port)?, .ip6(_, let port)?: return port
            default: return nil
            }
        }
    }

    /// Stops listening and closes connections.
    public func stop() async {
        await server.stop(timeout: 1)
    }

    /// The demo source the server is serving (e.g. to also tail its logs).
    public var source: DemoSource { demo }
}

/// When `run()` began, on the monotonic clock.
final class StartTime: Sendable {
    private let value = Mutex<UInt64?>(nil)
    func markIfUnset() { value.withLock { if $0 == nil { $0 = SystemClock.monotonicNanoseconds() } } }
    var nanoseconds: UInt64? { value.withLock { $0 } }
}

struct DemoFleetHandler: HTTPHandler {
    let demo: DemoSource
    let startedAt: StartTime

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = request.path
        if path == "/" || path == "/metrics" {
            return text(.ok, index(), type: "text/plain; charset=utf-8")
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count == 2, parts[1] == "metrics", Fleet.targetNames.contains(String(parts[0])) {
            guard request.method == .GET || request.method == .HEAD else {
                return text(.methodNotAllowed, "only GET is supported\n", type: "text/plain; charset=utf-8")
            }
            if let start = startedAt.nanoseconds {
                demo.advance(to: Milliseconds(Int64((SystemClock.monotonicNanoseconds() &- start) / 1_000_000)))
            }
            let body = demo.exposition(for: String(parts[0])) ?? ""
            return text(.ok, body, type: "text/plain; version=0.0.4; charset=utf-8")
        }
        return text(.notFound, "404 page not found: \(path)\n\n" + index(), type: "text/plain; charset=utf-8")
    }

    private func index() -> String {
        "modelwatch simulate: demo model servers\n\n"
            + Fleet.targetNames.map { "/\($0)/metrics\n" }.joined()
    }

    private func text(_ status: HTTPStatusCode, _ body: String, type: String) -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [.contentType: type], body: Data(body.utf8))
    }
}
