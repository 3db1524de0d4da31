#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Telemetry

/// Reads one target once: `http(s)://` with URLSession, `file://` from disk, `demo://NAME` from
/// the demo fleet. Every body, whatever its origin, goes through `Exposition.parse`: OpenMetrics
/// or the 0.0.4 text format by the response's `Content-Type` (files: by a final `# EOF`).
public final class Scraper: Sendable {
    /// What Prometheus 2.x asks for: OpenMetrics first, then the 0.0.4 text format.
    public static let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    public static let userAgent = "modelwatch/0.1"

    /// Bodies larger than this fail with `.tooLarge`.
    public let bodyLimit: Int
    private let demo: DemoSource?

    /// Parsed `file://` bodies by path, reused while the file is unchanged.
    private let fileCache = Mutex<[String: CachedFile]>([:])

    public static let defaultBodyLimit = 64 << 20

    /// Where scrape deadlines fire.
    private static let deadlines = DispatchQueue(label: "modelwatch.scrape-deadlines")

    public init(demo: DemoSource? = nil, bodyLimit: Int = Scraper.defaultBodyLimit) {
        self.demo = demo
        self.bodyLimit = bodyLimit
    }

    public func scrape(_ target: ScrapeTarget, at start: Timestamp) async -> ScrapeResult {
        let began = SystemClock.monotonicNanoseconds()
        let fetched: Result<(body: [UInt8], format: ExpositionFormat), ScrapeFailure>
        let url = target.url
        if url.hasPrefix("http://") || url.hasPrefix("https://") {
            switch Scraper.authorizationHeader(for: target.auth) {
            case .failure(let failure): fetched = .failure(failure)
            case .success(let header):
                fetched = await fetchHTTP(url, timeout: target.timeout, authorization: header)
                    .map { ($0.body, ExpositionFormat.from(contentType: $0.contentType)) }
            }
        } else if url.hasPrefix("file://") {
            if let cached = cachedFile(url) {
                let duration = Milliseconds(Int64((SystemClock.monotonicNanoseconds() &- began) / 1_000_000))
                return ScrapeResult(target: target.name, startedAt: start, duration: duration,
                                    outcome: cached.outcome, bodyBytes: cached.bytes)
            }
            fetched = readFile(url).map { ($0, ExpositionFormat.detect($0)) }
        } else if url.hasPrefix("demo://") {
            fetched = readDemo(url).map { ($0, .text004) }
        } else {
            fetched = .failure(.transport("\(url): unsupported URL scheme (use http://, https://, file:// or demo://)"))
        }
        let outcome: ScrapeResult.Outcome
        var bytes = 0
        switch fetched {
        case .failure(let f):
            outcome = .failure(f)
        case .success(let (body, format)):
            bytes = body.count
            outcome = Scraper.parse(body, format: format)
            if url.hasPrefix("file://") { remember(url, outcome: outcome, bytes: bytes) }
        }
        let duration = Milliseconds(Int64((SystemClock.monotonicNanoseconds() &- began) / 1_000_000))
        return ScrapeResult(target: target.name, startedAt: start, duration: duration, outcome: outcome, bodyBytes: bytes)
    }

    /// The one parse path for every source. Bytes, not a String: invalid UTF-8 and NUL bytes
    /// are errors with their position, never silently replaced.
    static func parse(_ body: [UInt8], format: ExpositionFormat) -> ScrapeResult.Outcome {
        do {
            return .success(try Exposition.parse(body, format: format))
        } catch {
            return .failure(.parse(error))
        }
    }

    // MARK: demo://

    private func readDemo(_ url: String) -> Result<[UInt8], ScrapeFailure> {
        let name = String(url.dropFirst("demo://".count)).trimmingSuffix("/")
        guard let demo else { return .failure(.transport("\(url): demo mode is not enabled")) }
        guard let text = demo.exposition(for: name) else {
            return .failure(.transport("\(url): no demo target named '\(name)' (known: \(demo.targetNames.joined(separator: ", ")))"))
        }
        let body = Array(text.utf8)
        return body.count > bodyLimit ? .failure(.tooLarge(limit: bodyLimit)) : .success(body)
    }

    // MARK: credentials

    /// The `Authorization` header value for a target, read fresh from its file or environment
    /// variable. Errors name where the secret should be, never its content.
    static func authorizationHeader(for auth: ScrapeAuth?) -> Result<String?, ScrapeFailure> {
        guard let auth else { return .success(nil) }
        switch auth {
        case .bearer(let source):
            return readSecret(source).map { "Bearer " + $0 }
        case .basic(let user, let source):
            return readSecret(source).map { "Basic " + Data("\(user):\($0)".utf8).base64EncodedString() }
        }
    }

    static func readSecret(_ source: SecretSource) -> Result<String, ScrapeFailure> {
        let raw: String
        switch source {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                return .failure(.transport("credentials: environment variable \(name) is not set"))
            }
            raw = value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failure(.transport("credentials: cannot read \(path)"))
            }
            guard let text = String(data: data, encoding: .utf8) else {
                return .failure(.transport("credentials: \(path) is not UTF-8 text"))
            }
            raw = text
        }
        let secret = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { return .failure(.transport("credentials: \(source) is empty")) }
        guard !secret.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .failure(.transport("credentials: \(source) contains control characters"))
        }
        return .success(secret)
    }

    // MARK: file://

    struct CachedFile: Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var outcome: ScrapeResult.Outcome
        var bytes: Int
    }

    private static func fileIdentity(_ path: String) -> (device: UInt64, inode: UInt64, size: Int64, modified: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return (UInt64(info.st_dev), UInt64(info.st_ino), Int64(info.st_size), modified)
    }

    private static func path(of url: String) -> String {
        let path = String(url.dropFirst("file://".count))
        return path.removingPercentEncoding ?? path
    }

    /// The last result for this file if it has not changed since (same inode, size and
    /// modification time): a file target is parsed again only when it changes.
    private func cachedFile(_ url: String) -> CachedFile? {
        let path = Scraper.path(of: url)
        guard let id = Scraper.fileIdentity(path) else { return nil }
        return fileCache.withLock { cache in
            guard let hit = cache[path], hit.device == id.device, hit.inode == id.inode, hit.size == id.size,
                  hit.modified == id.modified else { return nil }
            return hit
        }
    }

    private func remember(_ url: String, outcome: ScrapeResult.Outcome, bytes: Int) {
        let path = Scraper.path(of: url)
        guard let id = Scraper.fileIdentity(path) else { return }
        fileCache.withLock {
            $0[path] = CachedFile(device: id.device, inode: id.inode, size: id.size, modified: id.modified,
                                  outcome: outcome, bytes: bytes)
        }
    }

    private func readFile(_ url: String) -> Result<[UInt8], ScrapeFailure> {
        var path = String(url.dropFirst("file://".count))
        if let decoded = path.removingPercentEncoding { path = decoded }
        let fd = open(path, O_RDONLY)
        if fd < 0 { return .failure(.transport("\(path): \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.transport("\(path): \(String(cString: strerror(errno)))"))
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > bodyLimit { return .failure(.tooLarge(limit: bodyLimit)) }
        }
        return .success(out)
    }

    // MARK: http(s)://

    private func fetchHTTP(_ urlString: String, timeout: Milliseconds, authorization: String?) async
        -> Result<(body: [UInt8], contentType: String?), ScrapeFailure> {
        guard let url = URL(string: urlString) else { return .failure(.transport("\(urlString): invalid URL")) }
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        request.timeoutInterval = (timeout.seconds + 1).rounded(.up)
        request.setValue(Scraper.accept, forHTTPHeaderField: "Accept")
        request.setValue(Scraper.userAgent, forHTTPHeaderField: "User-Agent")
        request.setValue("\(timeout.seconds)", forHTTPHeaderField: "X-Prometheus-Scrape-Timeout-Seconds")
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }

        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = (timeout.seconds + 1).rounded(.up)
        config.timeoutIntervalForResource = (timeout.seconds + 1).rounded(.up)
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpCookieStorage = nil

        let collector = BodyCollector(limit: bodyLimit)
        let session = URLSession(configuration: config, delegate: collector, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        // URLSession on Linux (libcurl) rounds its timeouts down to whole seconds, so the
        // deadline is enforced here as well, to the millisecond.
        // On a private serial queue, not Task.sleep nor the global queue: the deadline must fire
        // on time even when every thread of the cooperative pool and of the width-limited global
        // queue is busy (a serial queue gets an overcommitting thread of its own).
        let deadline = DispatchWorkItem {
            collector.finish(.timedOut)
            task.cancel()
        }
        Scraper.deadlines.asyncAfter(deadline: .now() + .milliseconds(Int(max(1, timeout.value))), execute: deadline)
        defer { deadline.cancel() }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<BodyCollector.Outcome, Never>) in
            collector.start(continuation)
            task.resume()
        }
        switch outcome {
        case .timedOut:
            return .failure(.timeout(timeout))
        case .tooLarge:
            return .failure(.tooLarge(limit: bodyLimit))
        case .error(let error):
            return .failure(Scraper.failure(for: error, url: urlString, timeout: timeout))
        case .finished(let status, let contentType, let body):
            guard (200..<300).contains(status) else { return .failure(.http(status: status)) }
            return .success((body, contentType))
        }
    }

    static func failure(for error: any Error, url: String, timeout: Milliseconds) -> ScrapeFailure {
        guard let e = error as? URLError else { return .transport("\(url): \(error.localizedDescription)") }
        switch e.code {
        case .timedOut: return .timeout(timeout)
        case .cannotConnectToHost: return .transport("\(url): connection refused")
        case .cannotFindHost, .dnsLookupFailed: return .transport("\(url): host not found")
        case .networkConnectionLost: return .transport("\(url): connection lost")
        case .notConnectedToInternet: return .transport("\(url): network unreachable")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return .transport("\(url): TLS failure (\(e.code.rawValue))")
        case .badServerResponse: return .transport("\(url): bad server response")
        default: return .transport("\(url): \(e.localizedDescription) (URLError \(e.code.rawValue))")
        }
    }
}

/// Collects a response body through the data delegate so that an oversized body is cut off
/// as soon as it passes the limit instead of being held in memory whole.
private final class BodyCollector: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Outcome: Sendable {
        case finished(status: Int, contentType: String?, body: [UInt8])
        case tooLarge
        case timedOut
        case error(any Error)
    }

    private let lock = NSLock()
    private let limit: Int
    // Data, not [UInt8]: appending a chunk is one copy, not a loop over its bytes.
    private var body = Data()
    private var status = 0
    private var contentType: String?
    private var continuation: CheckedContinuation<Outcome, Never>?
    private var done = false

    init(limit: Int) { self.limit = limit }

    func start(_ c: CheckedContinuation<Outcome, Never>) {
        lock.lock(); continuation = c; lock.unlock()
    }

    /// Delivers the first outcome; later ones (e.g. the cancellation after a deadline) are ignored.
    func finish(_ outcome: Outcome) {
        lock.lock()
        guard !done, let c = continuation else { lock.unlock(); return }
        done = true
        continuation = nil
        lock.unlock()
        c.resume(returning: outcome)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        lock.lock()
        status = http?.statusCode ?? 0
        contentType = http?.value(forHTTPHeaderField: "Content-Type")
        lock.unlock()
        if response.expectedContentLength > Int64(limit) {
            completionHandler(.cancel)
            finish(.tooLarge)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        body.append(contentsOf: data)
        let over = body.count > limit
        lock.unlock()
        if over {
            dataTask.cancel()
            finish(.tooLarge)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            finish(.error(error))
        } else {
            lock.lock(); let s = status, t = contentType, b = [UInt8](body); lock.unlock()
            finish(.finished(status: s, contentType: t, body: b))
        }
    }
}

private extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
