#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which file a path or descriptor refers to: rotation is noticed when the path's identity
/// is no longer the identity of the descriptor being read.
public struct LogFileIdentity: Hashable, Sendable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64
    public init(device: UInt64, inode: UInt64) { self.device = device; self.inode = inode }
    public var description: String { "\(device):\(inode)" }
}

/// The file type from `st_mode`; only `.regular` files are ever read.
public enum LogFileKind: String, Hashable, Sendable {
    case regular, directory, fifo, socket, characterDevice = "character device",
         blockDevice = "block device", symlink, other
}

public struct LogFileInfo: Hashable, Sendable {
    public var identity: LogFileIdentity
    public var kind: LogFileKind
    public var size: Int64
    /// Modification time, nanoseconds since the epoch.
    public var modified: Int64
    public init(identity: LogFileIdentity, kind: LogFileKind, size: Int64, modified: Int64 = 0) {
        self.identity = identity; self.kind = kind; self.size = size; self.modified = modified
    }
}

/// What `stat` (following symlinks, as `tail -F` does) said about a path.
public enum LogStatResult: Hashable, Sendable {
    case info(LogFileInfo)
    case missing
    case denied
    case failed(errno: Int32)
}

public enum LogOpenResult: Hashable, Sendable {
    case opened(Int32)
    case missing
    case denied
    case failed(errno: Int32)
}

/// The syscalls the follower needs, and nothing else: the real one is `SystemLogFileSystem`,
/// tests substitute an in-memory file system or wrap the real one to inject errors. Reads
/// are positional (`pread`), so the follower owns every offset.
public protocol LogFileSystem: Sendable {
    func statPath(_ path: String) -> LogStatResult
    /// Opens read-only and non-blocking (a FIFO never blocks the open or a read).
    func openFile(_ path: String) -> LogOpenResult
    func statHandle(_ handle: Int32) -> LogStatResult
    /// Up to `buffer.count` bytes at `offset`; 0 at the end of the file, -1 on error.
    func readAt(_ handle: Int32, offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int
    func closeHandle(_ handle: Int32)
    /// Paths matching a shell pattern (`*`, `?`, `[...]` in any component), sorted.
    func globPaths(_ pattern: String) -> [String]
    /// Entry names of a directory (no `.`/`..`), or nil when it cannot be listed.
    func listDirectory(_ directory: String) -> [String]?
    /// The path with every symlink resolved, or nil (only used to watch the right directory).
    func resolvedPath(_ path: String) -> String?
}

public extension LogFileSystem {
    func resolvedPath(_ path: String) -> String? { nil }
}

/// `LogFileSystem` on the real system calls.
public struct SystemLogFileSystem: LogFileSystem {
    public init() {}

    public func statPath(_ path: String) -> LogStatResult {
        var st = stat()
        guard stat(path, &st) == 0 else { return Self.statError(errno) }
        return .info(Self.info(st))
    }

    public func openFile(_ path: String) -> LogOpenResult {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd >= 0 { return .opened(fd) }
        switch errno {
        case ENOENT, ENOTDIR: return .missing
        case EACCES, EPERM: return .denied
        case let e: return .failed(errno: e)
        }
    }

    public func statHandle(_ handle: Int32) -> LogStatResult {
        var st = stat()
        guard fstat(handle, &st) == 0 else { return Self.statError(errno) }
        return .info(Self.info(st))
    }

    public func readAt(_ handle: Int32, offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = pread(handle, base, buffer.count, off_t(offset))
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    public func closeHandle(_ handle: Int32) { _ = close(handle) }

    public func globPaths(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }

    public func listDirectory(_ directory: String) -> [String]? {
        guard let dir = opendir(directory) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func statError(_ e: Int32) -> LogStatResult {
        switch e {
        case ENOENT, ENOTDIR: return .missing
        case EACCES, EPERM: return .denied
        default: return .failed(errno: e)
        }
    }

    static func info(_ st: stat) -> LogFileInfo {
        let kind: LogFileKind
        switch st.st_mode & 0o170000 {
        case 0o100000: kind = .regular
        case 0o040000: kind = .directory
        case 0o010000: kind = .fifo
        case 0o140000: kind = .socket
        case 0o020000: kind = .characterDevice
        case 0o060000: kind = .blockDevice
        case 0o120000: kind = .symlink
        default: kind = .other
        }
        #if os(Linux)
        let mtime = st.st_mtim
        #else
        let mtime = st.st_mtimespec
        #endif
        return LogFileInfo(identity: LogFileIdentity(device: UInt64(truncatingIfNeeded: st.st_dev),
                                                     inode: UInt64(truncatingIfNeeded: st.st_ino)),
                           kind: kind, size: Int64(st.st_size),
                           modified: Int64(mtime.tv_sec) * 1_000_000_000 + Int64(mtime.tv_nsec))
    }
}

/// `strerror` as a Swift string, for statuses.
func errnoDescription(_ e: Int32) -> String {
    guard let s = strerror(e) else { return "errno \(e)" }
    return String(cString: s)
}
