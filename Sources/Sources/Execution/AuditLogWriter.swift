#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Incidents
import Synchronization
import Telemetry

/// An audit log that could not be opened, written or read: the path and the reason.
public struct AuditLogError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "audit log \(path): \(message)" }
}

/// Appends entries to an audit log file: one JSON line per entry, durable before `append`
/// returns.
///
/// The guarantees (`docs/audit-log.md`):
/// - the file is opened `O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC`, created with mode 0600
///   (an existing file keeps its mode: see `mode`); a directory, FIFO, socket or device — also
///   through a symlink — is refused, and so is a missing parent directory (it is not created:
///   a typo in the configured path should be an error, not a new directory);
/// - each entry is one `write` of the whole line and its newline (continued after a short
///   write or EINTR), then `fsync`: when `append` returns, the line is on disk. The caller
///   appends the confirmation before starting a command and the completion after it ends;
/// - if the file's last byte is not a newline (a line torn by a crash, of this process or of
///   another writer), a newline is written first, so the new entry stays a line of its own;
/// - appends from several threads are serialized (a lock), and from several processes too
///   while they hold `flock` on the file (taken around each append; advisory).
public final class AuditLogWriter: Sendable {
    public let path: String
    /// The file's permission bits when it was opened (0600 when this writer created it).
    public let mode: mode_t
    /// Opened read-write, so a torn last line can be detected (false for a write-only file).
    public let canReadBack: Bool
    private let fd: Mutex<Int32>

    public init(path: String) throws(AuditLogError) {
        self.path = path
        if path.isEmpty { throw AuditLogError(path: path, message: "no path given") }
        if path.utf8.contains(0) { throw AuditLogError(path: path, message: "the path contains a NUL character") }
        let parent = (path as NSString).deletingLastPathComponent
        var st = stat()
        let existed = stat(path, &st) == 0
        if existed, st.st_mode & S_IFMT != S_IFREG {
            throw AuditLogError(path: path, message: "not a regular file (\(Self.kind(st.st_mode)))")
        }
        // O_NONBLOCK: should a FIFO appear between the check and the open, the open does not
        // hang waiting for a reader (the fstat below then refuses it). O_RDWR, not O_WRONLY,
        // so that the last byte can be read back to detect a torn line.
        let flags = O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        var opened = open(path, O_RDWR | flags, 0o600)
        var readable = true
        if opened < 0 && errno == EACCES {
            // A file we may append to but not read: no torn-line check then.
            opened = open(path, O_WRONLY | flags, 0o600)
            readable = false
        }
        if opened < 0 {
            let e = errno
            if e == ENOENT {
                throw AuditLogError(path: path, message: "the directory \(parent.isEmpty ? "." : parent) does not exist")
            }
            throw AuditLogError(path: path, message: PosixExtras.errorText(e))
        }
        if fstat(opened, &st) != 0 || st.st_mode & S_IFMT != S_IFREG {
            let kind = Self.kind(st.st_mode)
            closeDescriptor(opened)
            throw AuditLogError(path: path, message: "not a regular file (\(kind))")
        }
        _ = fcntl(opened, F_SETFL, O_APPEND)   // blocking again: writes to a regular file
        mode = st.st_mode & 0o7777
        canReadBack = readable
        fd = Mutex(opened)
        if !existed {
            // The new file's directory entry must be durable too, or a crash could lose the file
            // with every fsync'd line in it.
            let dir = open(parent.isEmpty ? "." : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dir >= 0 { _ = fsync(dir); closeDescriptor(dir) }
        }
    }

    deinit { close() }

    /// Closes the file; later appends throw.
    public func close() {
        fd.withLock { fd in
            if fd >= 0 { closeDescriptor(fd) }
            fd = -1
        }
    }

    /// Writes `entry.jsonLine()` and a newline in one `write`, then `fsync`s. Throws with the
    /// path and `strerror` on any failure (the line may then be torn; the next append closes
    /// it).
    public func append(_ entry: AuditEntry) throws(AuditLogError) {
        let line = entry.jsonLine()
        let result: Result<Void, AuditLogError> = fd.withLock { fd in
            guard fd >= 0 else { return .failure(AuditLogError(path: path, message: "closed")) }
            // Advisory, across processes: the torn-line check and the write go together.
            let locked = flock(fd, LOCK_EX) == 0
            defer { if locked { _ = flock(fd, LOCK_UN) } }
            var bytes: [UInt8] = []
            var st = stat()
            if fstat(fd, &st) != 0 { return .failure(error("fstat")) }
            if st.st_size > 0 && canReadBack {
                var last: UInt8 = 0
                var n: Int
                repeat { n = pread(fd, &last, 1, off_t(st.st_size - 1)) } while n < 0 && errno == EINTR
                if n < 0 { return .failure(error("reading the last byte")) }
                if n == 1 && last != 0x0A { bytes.append(0x0A) }
            }
            bytes.append(contentsOf: line.utf8)
            bytes.append(0x0A)
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
                if n < 0 {
                    if errno == EINTR { continue }
                    return .failure(error("write"))
                }
                if n == 0 { return .failure(AuditLogError(path: path, message: "write: wrote nothing")) }
                written += n
            }
            while fsync(fd) != 0 {
                if errno == EINTR { continue }
                return .failure(error("fsync"))
            }
            return .success(())
        }
        try result.get()
    }

    private func error(_ what: String) -> AuditLogError {
        AuditLogError(path: path, message: "\(what): \(PosixExtras.errorText(errno))")
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "regular file"
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symlink"
        default: "unknown type"
        }
    }
}

/// Reading an audit log from disk.
public enum AuditLogFile {
    /// The file's entries, problems and torn lines (`AuditLogReader.read`); a failure when it
    /// cannot be read at all (missing, not a regular file, unreadable).
    public static func read(path: String) -> Result<AuditLogContents, AuditLogError> {
        if path.utf8.contains(0) { return .failure(AuditLogError(path: path, message: "the path contains a NUL character")) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        if fd < 0 { return .failure(AuditLogError(path: path, message: PosixExtras.errorText(errno))) }
        defer { closeDescriptor(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { return .failure(AuditLogError(path: path, message: "fstat: \(PosixExtras.errorText(errno))")) }
        if st.st_mode & S_IFMT != S_IFREG {
            return .failure(AuditLogError(path: path, message: "not a regular file (\(AuditLogWriter.kind(st.st_mode)))"))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(max(0, st.st_size)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { readDescriptor(fd, $0) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]); continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            return .failure(AuditLogError(path: path, message: "read: \(PosixExtras.errorText(errno))"))
        }
        return .success(AuditLogReader.read(bytes, file: path))
    }
}

public extension AuditEntry {
    /// The completion entry of this confirmation for a run's outcome.
    func completion(_ outcome: CommandOutcome, at time: Timestamp) -> AuditEntry {
        var exitStatus: Int32? = nil, signal: Int32? = nil
        switch outcome.termination {
        case .exited(let c)?: exitStatus = c
        case .signaled(let s)?: signal = s
        case nil: break
        }
        let ending: AuditEntry.Ending
        switch outcome.ending {
        case .exited: ending = .exited
        case .signaled: ending = .signaled
        case .timedOut: ending = .timedOut
        case .cancelled: ending = .cancelled
        case .failedToStart(let m): ending = .failedToStart(m)
        case .statusUnknown(let m): ending = .statusUnknown(m)
        }
        let c = outcome.duration.components
        let ms = c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
        return completion(time: time, ending: ending, exitStatus: exitStatus, signal: signal,
                          durationMilliseconds: ms, outputTail: outcome.outputTail)
    }
}

/// Who and where, for audit entries.
public enum AuditIdentity {
    /// The login name of the effective user (the password database, else `$USER`, else
    /// `uid N`).
    public static func currentUser() -> String {
        let uid = geteuid()
        if let pw = getpwuid(uid), let name = pw.pointee.pw_name { return String(cString: name) }
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
        return "uid \(uid)"
    }

    /// `gethostname`, or `unknown`.
    public static func currentHost() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// Free functions, so that the `close()` and `read(path:)` of the types above do not hide the
// system calls.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
private func readDescriptor(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int { read(fd, buffer.baseAddress, buffer.count) }
