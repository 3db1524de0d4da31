#if canImport(Glibc)
import Glibc
#endif

/// inotify on directories (so renames, creations and deletions are seen as well as writes):
/// only a wake-up signal and a hint that directory entries changed. What changed is always
/// found out by stat, so a missed or overflowed event costs a delay, never a line.
final class InotifyWatcher {
    let fd: Int32
    private var descriptorByDirectory: [String: Int32] = [:]
    private var directoryByDescriptor: [Int32: String] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    struct Drained {
        /// Any event at all.
        var any = false
        /// Entries were created, deleted or renamed, a watch went away, or the queue overflowed.
        var entriesChanged = false
        /// A file was written or its attributes changed, and `isRelevant` accepted its name.
        var relevantChange = false
    }

    init?() {
        #if os(Linux)
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        self.fd = fd
        #else
        return nil
        #endif
    }

    deinit { _ = close(fd) }

    var watchedDirectories: [String] { descriptorByDirectory.keys.sorted() }

    /// Watches a directory (once); false if it cannot be watched (missing, no permission).
    @discardableResult
    func watch(_ directory: String) -> Bool {
        #if os(Linux)
        if descriptorByDirectory[directory] != nil { return true }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB
                          | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
        let wd = inotify_add_watch(fd, directory, mask)
        guard wd >= 0 else { return false }
        if let old = directoryByDescriptor[wd] { descriptorByDirectory[old] = nil }
        descriptorByDirectory[directory] = wd
        directoryByDescriptor[wd] = directory
        return true
        #else
        return false
        #endif
    }

    /// Reads every queued event without blocking. Writes and attribute changes count only
    /// for names `isRelevant` accepts (a busy directory's other files do not cause polls).
    func drain(isRelevant: (String) -> Bool) -> Drained {
        var result = Drained()
        #if os(Linux)
        let structural = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF
                                | IN_MOVE_SELF | IN_IGNORED | IN_Q_OVERFLOW)
        let headerSize = MemoryLayout<inotify_event>.size
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            result.any = true
            var offset = 0
            buffer.withUnsafeBytes { raw in
                while offset + headerSize <= n {
                    let wd = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let len = raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)
                    if mask & structural != 0 {
                        result.entriesChanged = true
                    } else if !result.relevantChange {
                        let name = len == 0 ? "" : raw[(offset + headerSize)..<(offset + headerSize + Int(len))]
                            .withUnsafeBytes { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                        if name.isEmpty || isRelevant(name) { result.relevantChange = true }
                    }
                    if mask & UInt32(IN_IGNORED) != 0, let dir = directoryByDescriptor.removeValue(forKey: wd) {
                        descriptorByDirectory[dir] = nil
                    }
                    offset += headerSize + Int(len)
                }
            }
        }
        #endif
        return result
    }
}
