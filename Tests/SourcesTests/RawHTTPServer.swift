#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A loopback HTTP/1.1 server on plain sockets and its own threads, for the misbehaviours a
/// real library server will not produce: hanging, trickling, endless bodies, raw gzip.
final class RawHTTPServer: @unchecked Sendable {
    enum Behavior: Sendable {
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
        /// Accept, read the request, then say nothing until the server stops.
        case hang
        /// Send headers, then one byte every `interval` seconds, forever.
        case trickle(interval: Double)
        /// Send headers without a length, then bytes as fast as possible, forever.
        case endless
    }

    let port: UInt16
    private let listener: Int32
    private let handler: @Sendable (String) -> Behavior
    private let stopped = Atomic<Bool>(false)
    /// The request heads received, for assertions about headers sent.
    let requests = Mutex<[String]>([])

    init(_ handler: @escaping @Sendable (String) -> Behavior) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: actual.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { if !stopped.load(ordering: .relaxed) { stop() } }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            if client < 0 { if stopped.load(ordering: .relaxed) { return }; continue }
            var noSigPipe: Int32 = 1
            setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, &noSigPipe, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var head = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !head.ends(with: Array("\r\n\r\n".utf8)) {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { return }
            head.append(contentsOf: buffer[0..<n])
            if head.count > 64 * 1024 { return }
            // A TLS ClientHello (record type 0x16) to a plain-HTTP server: answer as nginx does.
            if head.first == 0x16 {
                send(client, Array("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n".utf8))
                return
            }
        }
        let request = String(decoding: head, as: UTF8.self)
        requests.withLock { $0.append(request) }
        switch handler(request) {
        case .respond(let status, let headers, let body):
            var text = "HTTP/1.1 \(status) X\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            send(client, Array((text + "\r\n").utf8) + body)
        case .hang:
            while !stopped.load(ordering: .relaxed) { usleep(50_000) }
        case .trickle(let interval):
            send(client, Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 1000\r\n\r\n".utf8))
            while !stopped.load(ordering: .relaxed) {
                if !send(client, Array("#".utf8)) { return }
                usleep(UInt32(interval * 1_000_000))
            }
        case .endless:
            send(client, Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nConnection: close\r\n\r\n".utf8))
            let line = Array(String(repeating: "filler_metric{a=\"b\"} 1\n", count: 2_000).utf8)
            while !stopped.load(ordering: .relaxed) { if !send(client, line) { return } }
        }
    }

    @discardableResult
    private func send(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
