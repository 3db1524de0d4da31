#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Sources
import Synchronization

/// An in-memory file system with inodes, so the follower's state machine runs without
/// the disk and on virtual time: names point to inodes, open handles keep unlinked inodes
/// alive, and rename, unlink, truncate, chmod-style denial and non-regular files are one call.
final class MemoryFileSystem: LogFileSystem {
    private struct Node {
        var data: [UInt8] = []
        var kind: LogFileKind = .regular
        var denied = false
        var modified: Int64 = 0
    }

    private struct Store {
        var nodes: [UInt64: Node] = [:]
        var names: [String: UInt64] = [:]
        var handles: [Int32: UInt64] = [:]
        var nextInode: UInt64 = 100
        var nextHandle: Int32 = 3
        var clock: Int64 = 0
        var bytesRead = 0
    }

    private let store = Mutex(Store())

    // MARK: changes a test makes

    /// Appends to the file at `path`, creating it if needed.
    func append(_ path: String, _ text: String) { append(path, Array(text.utf8)) }

    func append(_ path: String, _ bytes: [UInt8]) {
        store.withLock { s in
            let inode = s.names[path] ?? Self.create(&s, path)
            s.clock += 1
            s.nodes[inode]!.data.append(contentsOf: bytes)
            s.nodes[inode]!.modified = s.clock
        }
    }

    /// Appends to an inode through a name it no longer has (a writer's open descriptor).
    func append(inode: UInt64, _ text: String) {
        store.withLock { s in s.nodes[inode]!.data.append(contentsOf: Array(text.utf8)) }
    }

    func inode(of path: String) -> UInt64? { store.withLock { $0.names[path] } }

    func create(_ path: String, kind: LogFileKind = .regular) {
        store.withLock { s in
            let inode = Self.create(&s, path)
            s.nodes[inode]!.kind = kind
        }
    }

    func rename(_ from: String, _ to: String) {
        store.withLock { s in
            guard let inode = s.names.removeValue(forKey: from) else { return }
            s.names[to] = inode
        }
    }

    func unlink(_ path: String) { store.withLock { _ = $0.names.removeValue(forKey: path) } }

    func truncate(_ path: String, to size: Int = 0) {
        store.withLock { s in
            guard let inode = s.names[path] else { return }
            s.nodes[inode]!.data.removeLast(s.nodes[inode]!.data.count - size)
        }
    }

    /// Copies the file's bytes to a new file (what logrotate's copytruncate does first).
    func copy(_ from: String, _ to: String) {
        store.withLock { s in
            guard let inode = s.names[from] else { return }
            let data = s.nodes[inode]!.data
            let copy = Self.create(&s, to)
            s.clock += 1
            s.nodes[copy]!.data = data
            s.nodes[copy]!.modified = s.clock
        }
    }

    func setDenied(_ path: String, _ denied: Bool) {
        store.withLock { s in
            guard let inode = s.names[path] else { return }
            s.nodes[inode]!.denied = denied
        }
    }

    var openHandles: Int { store.withLock { $0.handles.count } }
    var bytesRead: Int { store.withLock { $0.bytesRead } }

    private static func create(_ s: inout Store, _ path: String) -> UInt64 {
        let inode = s.nextInode
        s.nextInode += 1
        s.nodes[inode] = Node()
        s.names[path] = inode
        return inode
    }

    // MARK: LogFileSystem

    func statPath(_ path: String) -> LogStatResult {
        store.withLock { s in
            guard let inode = s.names[path], let node = s.nodes[inode] else { return .missing }
            return .info(Self.info(inode, node))
        }
    }

    func openFile(_ path: String) -> LogOpenResult {
        store.withLock { s in
            guard let inode = s.names[path], let node = s.nodes[inode] else { return .missing }
            if node.denied { return .denied }
            let handle = s.nextHandle
            s.nextHandle += 1
            s.handles[handle] = inode
            return .opened(handle)
        }
    }

    func statHandle(_ handle: Int32) -> LogStatResult {
        store.withLock { s in
            guard let inode = s.handles[handle], let node = s.nodes[inode] else { return .failed(errno: EBADF) }
            return .info(Self.info(inode, node))
        }
    }

    func readAt(_ handle: Int32, offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        store.withLock { s in
            guard let inode = s.handles[handle], let node = s.nodes[inode] else { return -1 }
            let start = Int(offset)
            guard start < node.data.count else { return 0 }
            let n = min(buffer.count, node.data.count - start)
            node.data.withUnsafeBytes { raw in
                buffer.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: n)
            }
            s.bytesRead += n
            return n
        }
    }

    func closeHandle(_ handle: Int32) { store.withLock { _ = $0.handles.removeValue(forKey: handle) } }

    func globPaths(_ pattern: String) -> [String] {
        store.withLock { s in s.names.keys.filter { fnmatch(pattern, $0, FNM_PATHNAME) == 0 }.sorted() }
    }

    func listDirectory(_ directory: String) -> [String]? {
        store.withLock { s in
            s.names.keys.compactMap { path -> String? in
                guard let slash = path.lastIndex(of: "/"), String(path[..<slash]) == directory else { return nil }
                return String(path[path.index(after: slash)...])
            }
        }
    }

    private static func info(_ inode: UInt64, _ node: Node) -> LogFileInfo {
        LogFileInfo(identity: LogFileIdentity(device: 1, inode: inode), kind: node.kind,
                    size: Int64(node.data.count), modified: node.modified)
    }
}

/// The real file system, with chosen paths failing with EACCES (tests run as root, for
/// whom chmod 000 denies nothing).
final class DenyingFileSystem: LogFileSystem {
    private let real = SystemLogFileSystem()
    private let denied = Mutex<Set<String>>([])

    func deny(_ path: String, _ on: Bool) { denied.withLock { if on { $0.insert(path) } else { $0.remove(path) } } }
    private func isDenied(_ path: String) -> Bool { denied.withLock { $0.contains(path) } }

    func statPath(_ path: String) -> LogStatResult { real.statPath(path) }
    func openFile(_ path: String) -> LogOpenResult { isDenied(path) ? .denied : real.openFile(path) }
    func statHandle(_ handle: Int32) -> LogStatResult { real.statHandle(handle) }
    func readAt(_ handle: Int32, offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        real.readAt(handle, offset: offset, into: buffer)
    }
    func closeHandle(_ handle: Int32) { real.closeHandle(handle) }
    func globPaths(_ pattern: String) -> [String] { real.globPaths(pattern) }
    func listDirectory(_ directory: String) -> [String]? { real.listDirectory(directory) }
}

/// A fresh directory under the temporary directory, removed by `cleanUp()`.
struct ScratchDirectory {
    let path: String

    init(_ label: String) {
        path = NSTemporaryDirectory() + "modelwatch-follow-\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// Appends bytes to a real file with `O_APPEND`, as a logger does.
func appendToFile(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    precondition(fd >= 0, "open \(path): \(errno)")
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
        precondition(n > 0)
        done += n
    }
    close(fd)
}

extension Array where Element == LogBatch {
    /// The texts of every line, in order.
    var texts: [String] { flatMap { $0.lines.map(\.text) } }
    var lines: [FollowedLine] { flatMap(\.lines) }
    var notices: [LogFollowNotice] { flatMap(\.notices) }
}

/// Milliseconds on a virtual monotonic clock, as the follower's nanoseconds.
func ms(_ value: Int) -> UInt64 { UInt64(value) * 1_000_000 }

/// The real file system, counting `stat` calls on paths.
final class CountingFileSystem: LogFileSystem {
    private let real = SystemLogFileSystem()
    private let count = Atomic<Int>(0)

    var pathStats: Int { count.load(ordering: .relaxed) }

    func statPath(_ path: String) -> LogStatResult {
        count.add(1, ordering: .relaxed)
        return real.statPath(path)
    }
    func openFile(_ path: String) -> LogOpenResult { real.openFile(path) }
    func statHandle(_ handle: Int32) -> LogStatResult { real.statHandle(handle) }
    func readAt(_ handle: Int32, offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        real.readAt(handle, offset: offset, into: buffer)
    }
    func closeHandle(_ handle: Int32) { real.closeHandle(handle) }
    func globPaths(_ pattern: String) -> [String] { real.globPaths(pattern) }
    func listDirectory(_ directory: String) -> [String]? { real.listDirectory(directory) }
}
