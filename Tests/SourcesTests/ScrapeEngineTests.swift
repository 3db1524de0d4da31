import Foundation
import Sources
import Telemetry
import Testing

/// The scrape engine against servers that misbehave: a bad target must fail with a reason
/// and never hold up another.
@Suite("Scrape engine against misbehaving servers", .serialized)
struct ScrapeEngineTests {
    let t0 = Timestamp(milliseconds: 1_795_921_200_000)
    static let exposition = Array("# TYPE ok_total counter\nok_total 1\n".utf8)

    func target(_ server: RawHTTPServer, _ path: String = "/metrics", timeout: Milliseconds = .seconds(2),
                auth: ScrapeAuth? = nil) -> ScrapeTarget {
        ScrapeTarget(name: "t", url: "http://127.0.0.1:\(server.port)\(path)", interval: .seconds(5), timeout: timeout, auth: auth)
    }

    @Test func aBearerTokenFromAFileIsSentAndNeverShown() async throws {
        let secret = "s3cr3t-\(UUID().uuidString)"
        let server = try RawHTTPServer { request in
            request.contains("\r\nAuthorization: Bearer \(secret)\r\n")
                ? .respond(status: 200, headers: [], body: ScrapeEngineTests.exposition)
                : .respond(status: 401, headers: [], body: [])
        }
        defer { server.stop() }
        let file = NSTemporaryDirectory() + "mw-token-\(UUID().uuidString)"
        try (secret + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }

        let ok = await Scraper().scrape(target(server, auth: .bearer(.file(file))), at: t0)
        #expect(families(ok) != nil, "\(ok.outcome)")
        let none = await Scraper().scrape(target(server), at: t0)
        #expect(failure(none) == .http(status: 401))
        let missing = await Scraper().scrape(target(server, auth: .bearer(.file(file + ".gone"))), at: t0)
        let reason = try #require(failure(missing))
        #expect(reason.description.contains(".gone"), "names where the secret should be")
        for result in [ok, none, missing] { #expect(!"\(result)".contains(secret)) }
        #expect(!"\(ScrapeAuth.bearer(.file(file)))".contains(secret))
    }

    @Test func basicAuthFromTheEnvironment() async throws {
        let server = try RawHTTPServer { request in
            // "ops:pa55" in base64
            request.contains("\r\nAuthorization: Basic b3BzOnBhNTU=\r\n")
                ? .respond(status: 200, headers: [], body: ScrapeEngineTests.exposition)
                : .respond(status: 403, headers: [], body: [])
        }
        defer { server.stop() }
        setenv("MW_TEST_SCRAPE_PASSWORD", "pa55", 1)
        let ok = await Scraper().scrape(target(server, auth: .basic(username: "ops", password: .environment("MW_TEST_SCRAPE_PASSWORD"))), at: t0)
        #expect(families(ok) != nil, "\(ok.outcome)")
        let unset = await Scraper().scrape(target(server, auth: .basic(username: "ops", password: .environment("MW_TEST_NOT_SET_\(getpid())"))), at: t0)
        #expect(failure(unset)?.description.contains("is not set") == true)
    }

    @Test func aHangingTargetTimesOutWithoutDelayingAnother() async throws {
        let server = try RawHTTPServer { request in
            request.hasPrefix("GET /hang") ? .hang : .respond(status: 200, headers: [], body: ScrapeEngineTests.exposition)
        }
        defer { server.stop() }
        let scraper = Scraper()
        // A generous deadline, so that "the healthy one finished first" holds on a loaded machine
        // without timing the test itself (speed lives in the benchmarks).
        async let hung = scraper.scrape(target(server, "/hang", timeout: .seconds(5)), at: t0)
        try await Task.sleep(nanoseconds: 100_000_000)
        let quick = await scraper.scrape(target(server, "/metrics"), at: t0)
        #expect(families(quick) != nil)
        #expect(server.requests.withLock { $0.count } == 2, "both requests reached the server")
        let slow = await hung
        #expect(failure(slow) == .timeout(.seconds(5)))
        #expect(quick.duration.value < slow.duration.value / 2, "the healthy target (\(quick.duration)) did not wait for the hung one")
        #expect(slow.duration.value >= 4_900, "the deadline is not early: \(slow.duration)")
    }

    @Test func aTricklingBodyTimesOut() async throws {
        let server = try RawHTTPServer { _ in .trickle(interval: 0.2) }
        defer { server.stop() }
        let result = await Scraper().scrape(target(server, timeout: Milliseconds(1_000)), at: t0)
        #expect(failure(result) == .timeout(Milliseconds(1_000)))
    }

    @Test func anEndlessBodyStopsAtTheCap() async throws {
        let server = try RawHTTPServer { _ in .endless }
        defer { server.stop() }
        let result = await Scraper(bodyLimit: 1 << 20).scrape(target(server, timeout: .seconds(10)), at: t0)
        // The cap normally ends it within a second; on a machine too loaded to move 1 MiB in
        // 10 s the deadline must end it instead, on time. Either way it is bounded.
        let reason = failure(result)
        #expect(reason == .tooLarge(limit: 1 << 20) || reason == .timeout(.seconds(10)), "\(result.outcome)")
        #expect(result.duration.value < 20_000, "bounded by the cap or the deadline: \(result.duration)")
        #expect(Scraper.defaultBodyLimit == 64 << 20)
    }

    @Test func gzipBodiesAreDecoded() async throws {
        let gz = Array(Data(base64Encoded: "H4sIAAAAAAACA1NWCIkMcFVIr4ovyS9JzFFIzi/NK0kt4oIJVJdlJtoqpVdlFijVKpgYcQEA2QqLgjAAAAA=")!)
        let server = try RawHTTPServer { _ in
            .respond(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4"), ("Content-Encoding", "gzip")], body: gz)
        }
        defer { server.stop() }
        let result = await Scraper().scrape(target(server), at: t0)
        let fams = try #require(families(result), "\(result.outcome)")
        #expect(fams.first?.samples.first?.value == 42)
        let head = try #require(server.requests.withLock { $0.first })
        #expect(head.lowercased().contains("accept-encoding: gzip") || head.lowercased().contains("accept-encoding: deflate, gzip"), "\(head)")
    }

    @Test func theContentTypeChoosesTheParser() async throws {
        let openMetrics = Array("# TYPE job_runs counter\njob_runs_total 3 1700000000.5\n# EOF\n".utf8)
        let noEOF = Array("# TYPE job_runs counter\njob_runs_total 3\n".utf8)
        let server = try RawHTTPServer { request in
            let om = ("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
            if request.hasPrefix("GET /om ") { return .respond(status: 200, headers: [om], body: openMetrics) }
            if request.hasPrefix("GET /om-broken ") { return .respond(status: 200, headers: [om], body: noEOF) }
            return .respond(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")], body: noEOF)
        }
        defer { server.stop() }
        let om = try #require(families(await Scraper().scrape(target(server, "/om"), at: t0)))
        #expect(om.first?.type == .counter)
        #expect(om.first?.samples.first?.timestamp == Timestamp(milliseconds: 1_700_000_000_500), "OpenMetrics timestamps are seconds")
        let broken = await Scraper().scrape(target(server, "/om-broken"), at: t0)
        #expect(failure(broken)?.description.contains("EOF") == true, "\(broken.outcome)")
        #expect(families(await Scraper().scrape(target(server, "/text"), at: t0)) != nil)
    }

    @Test func invalidUTF8AndNULAreParseErrorsWithPositions() async throws {
        let server = try RawHTTPServer { request in
            request.hasPrefix("GET /nul ")
                ? .respond(status: 200, headers: [], body: Array("a 1\nb{x=\"y".utf8) + [0] + Array("\"} 2\n".utf8))
                : .respond(status: 200, headers: [], body: Array("a 1\nb{x=\"".utf8) + [0xFF, 0xFE] + Array("\"} 2\n".utf8))
        }
        defer { server.stop() }
        for (path, column) in [("/nul", 7), ("/utf8", 6)] {
            let result = await Scraper().scrape(target(server, path), at: t0)
            guard case .parse(let error)? = failure(result) else { Issue.record("\(path): \(result.outcome)"); continue }
            #expect(error.line == 2, "\(path): \(error)")
            #expect(error.column == column, "\(path): \(error)")
        }
    }

    @Test func aTLSFailureIsNamed() async throws {
        // A plain-HTTP server answering a TLS handshake with HTTP: the handshake fails.
        let server = try RawHTTPServer { _ in .respond(status: 400, headers: [], body: Array("not TLS".utf8)) }
        defer { server.stop() }
        let tls = ScrapeTarget(name: "t", url: "https://127.0.0.1:\(server.port)/metrics", timeout: .seconds(3))
        let result = await Scraper().scrape(tls, at: t0)
        let reason = try #require(failure(result), "\(result.outcome)")
        #expect(reason.description.contains("TLS") || reason.description.contains("SSL"), "\(reason)")
    }

    @Test func serverErrorsMarkTheTargetDownWithTheStatus() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 503, headers: [], body: Array("overloaded".utf8)) }
        defer { server.stop() }
        let result = await Scraper().scrape(target(server), at: t0)
        #expect(failure(result) == .http(status: 503))
    }

    @Test func aFileTargetIsParsedAgainOnlyWhenItChanges() async throws {
        let path = try temporaryFile("# TYPE v gauge\nv 1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let scraper = Scraper()
        let file = ScrapeTarget(name: "f", url: "file://\(path)")
        let first = await scraper.scrape(file, at: t0)
        #expect(families(first)?.first?.samples.first?.value == 1)
        let again = await scraper.scrape(file, at: t0 + .seconds(15))
        #expect(families(again) == families(first))
        try "# TYPE v gauge\nv 2222\n".write(toFile: path, atomically: true, encoding: .utf8)
        let changed = await scraper.scrape(file, at: t0 + .seconds(30))
        #expect(families(changed)?.first?.samples.first?.value == 2222)
    }
}
