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

/// A recording file that could not be created, written or read: the path and the reason.
public struct RecordingFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "recording \(path): \(message)" }
}

/// Writes a recording file (`docs/recording-format.md`): its start (preamble and header), then
/// records appended one `write` each, framed here (`RecordFraming`) from payloads encoded by
/// the caller (`RecordingEncoder` in Dashboard; this module knows bytes, not messages).
///
/// The guarantees:
/// - the file is new: opened `O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC`, mode 0600
///   (recordings hold label values, log lines and command output). `O_EXCL` because records
///   depend on the ones before them: appending to another session's file, or after its torn
///   tail, would make a file no reader gets past. An existing path is refused, and one that is
///   not a regular file (directory, FIFO, socket, device, symlink) is named as such; a missing
///   directory is an error, not created;
/// - each append is one `write` of whole records (continued after a short write or EINTR). A
///   process killed with `kill -9` leaves every record whose `write` returned (the kernel has
///   it); a write that fails part way is taken back with `ftruncate`, so the file keeps ending
///   on a record boundary while this process lives;
/// - `fsync` at most once a second (`SyncPolicy.interval`): after an append when the last one
///   is a second old or more, on `syncIfDue()` (the run loop's tick) and on `close()`. A power
///   failure or kernel crash loses at most the last second; `SyncPolicy.everyRecord` makes
///   every append durable before it returns, at a disk flush per record.
public final class RecordingFileWriter: Sendable {
    /// When appended records are made durable.
    public enum SyncPolicy: Sendable, Hashable {
        /// `fsync` after every append.
        case everyRecord
        /// `fsync` when the last one is this old or older (checked at each append and
        /// `syncIfDue`).
        case interval(Duration)

        public static let `default` = SyncPolicy.interval(.seconds(1))
    }

    public let path: String
    public let syncPolicy: SyncPolicy

    private struct FileState {
        var fd: Int32
        /// The file's length: the end of the last whole record written.
        var size: Int
        var lastSync: ContinuousClock.Instant
        var unsynced = false
    }
    private let state: Mutex<FileState>

    /// Creates the file and writes `start` (the preamble and the framed header:
    /// `RecordingEncoder.fileStart()`), durably, directory entry included.
    public init(creating path: String, start: [UInt8], syncPolicy: SyncPolicy = .default) throws(RecordingFileError) {
        self.path = path
        self.syncPolicy = syncPolicy
        if path.isEmpty { throw RecordingFileError(path: path, message: "no path given") }
        if path.utf8.contains(0) { throw RecordingFileError(path: path, message: "the path contains a NUL character") }
        var st = stat()
        if lstat(path, &st) == 0 {
            if st.st_mode & S_IFMT != S_IFREG {
                throw RecordingFileError(path: path, message: "not a regular file (\(Self.kind(st.st_mode)))")
            }
            throw RecordingFileError(path: path, message: "already exists (a recording is written once, by one session)")
        }
        let parent = (path as NSString).deletingLastPathComponent
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0o600)
        if fd < 0 {
            let e = errno
            if e == ENOENT { throw RecordingFileError(path: path, message: "the directory \(parent.isEmpty ? "." : parent) does not exist") }
            if e == EEXIST { throw RecordingFileError(path: path, message: "already exists (a recording is written once, by one session)") }
            throw RecordingFileError(path: path, message: String(cString: strerror(e)))
        }
        // Another process could have put something else there between the check and the
        // open only by winning O_EXCL's race, which it cannot; the check is for the message.
        state = Mutex(FileState(fd: fd, size: 0, lastSync: .now))
        try state.withLock { (s: inout FileState) throws(RecordingFileError) in
            try write(start, &s)
            try sync(&s)
        }
        let dir = open(parent.isEmpty ? "." : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { _ = fsync(dir); _ = closeFile(dir) }
    }

    deinit { try? close() }

    /// The file's length: the end of the last whole record.
    public var size: Int { state.withLock { $0.size } }

    /// Appends one record, framed here.
    public func append(type: UInt8, payload: [UInt8]) throws(RecordingFileError) {
        try append(framed: RecordFraming.frame(type: type, payload: payload))
    }

    /// Appends records already framed (`RecordingEncoder.framed`), in one `write`.
    public func append(framed bytes: [UInt8]) throws(RecordingFileError) {
        try state.withLock { (s: inout FileState) throws(RecordingFileError) in
            guard s.fd >= 0 else { throw RecordingFileError(path: path, message: "closed") }
            try write(bytes, &s)
            s.unsynced = true
            try syncIfDue(&s)
        }
    }

    /// `fsync`s if there are unsynced records and the policy says it is time (for the run
    /// loop's one-second tick, so a quiet session's last records do not wait for the next).
    public func syncIfDue() throws(RecordingFileError) {
        try state.withLock { (s: inout FileState) throws(RecordingFileError) in
            guard s.fd >= 0 else { return }
            try syncIfDue(&s)
        }
    }

    /// `fsync`s now.
    public func sync() throws(RecordingFileError) {
        try state.withLock { (s: inout FileState) throws(RecordingFileError) in
            guard s.fd >= 0 else { throw RecordingFileError(path: path, message: "closed") }
            try sync(&s)
        }
    }

    /// `fsync`s and closes; later appends throw. Closing twice does nothing.
    public func close() throws(RecordingFileError) {
        try state.withLock { (s: inout FileState) throws(RecordingFileError) in
            guard s.fd >= 0 else { return }
            defer { _ = closeFile(s.fd); s.fd = -1 }
            if s.unsynced { try sync(&s) }
        }
    }

    private func syncIfDue(_ s: inout FileState) throws(RecordingFileError) {
        guard s.unsynced else { return }
        switch syncPolicy {
        case .everyRecord: try sync(&s)
        case .interval(let d): if ContinuousClock.now - s.lastSync >= d { try sync(&s) }
        }
    }

    private func sync(_ s: inout FileState) throws(RecordingFileError) {
        while fsync(s.fd) != 0 {
            if errno == EINTR { continue }
            throw RecordingFileError(path: path, message: "fsync: \(String(cString: strerror(errno)))")
        }
        s.lastSync = .now
        s.unsynced = false
    }

    /// Writes all of `bytes`; on failure takes back what was written of them.
    private func write(_ bytes: [UInt8], _ s: inout FileState) throws(RecordingFileError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { writeFile(s.fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let message = n == 0 ? "write: wrote nothing" : "write: \(String(cString: strerror(errno)))"
                // A partial record would end the file for every reader: cut it off.
                if written > 0 { _ = ftruncate(s.fd, off_t(s.size)) }
                throw RecordingFileError(path: path, message: message)
            }
            written += n
        }
        s.size += bytes.count
    }

    static func kind(_ mode: mode_t) -> String { AuditLogWriter.kind(mode) }
}

/// Reading a recording file from disk.
public enum RecordingFile {
    /// The file's bytes; a failure when it cannot be read at all (missing, not a regular
    /// file, unreadable). The recording inside is checked by its reader.
    public static func read(path: String) -> Result<[UInt8], RecordingFileError> {
        if path.utf8.contains(0) { return .failure(RecordingFileError(path: path, message: "the path contains a NUL character")) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        if fd < 0 { return .failure(RecordingFileError(path: path, message: String(cString: strerror(errno)))) }
        defer { _ = closeFile(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { return .failure(RecordingFileError(path: path, message: "fstat: \(String(cString: strerror(errno)))")) }
        if st.st_mode & S_IFMT != S_IFREG {
            return .failure(RecordingFileError(path: path, message: "not a regular file (\(RecordingFileWriter.kind(st.st_mode)))"))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(max(0, st.st_size)))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { readFile(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]); continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            return .failure(RecordingFileError(path: path, message: "read: \(String(cString: strerror(errno)))"))
        }
        return .success(bytes)
    }
}

// Free functions, so that the `close()`, `write` and `read(path:)` of the types above do not
// hide the system calls (and no module name is spelled: Glibc, Musl or Darwin).
private func closeFile(_ fd: Int32) -> Int32 { close(fd) }
private func writeFile(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
private func readFile(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }
