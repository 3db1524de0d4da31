#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few GNU calls the runner wants that Swift's Glibc module does not import (they are
/// declared under `_GNU_SOURCE` only): looked up once with `dlsym`, with a fallback where the
/// C library lacks them.
enum PosixExtras {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChDir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func symbol<T>(_ name: String, as: T.Type) -> T? {
        // RTLD_DEFAULT is the null handle on glibc and musl.
        guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(p, to: T.self)
    }

    private static let pipe2Function = symbol("pipe2", as: Pipe2.self)
    private static let closeFromFunction = symbol("posix_spawn_file_actions_addclosefrom_np", as: CloseFrom.self)
    private static let chdirFunction = symbol("posix_spawn_file_actions_addchdir_np", as: ChDir.self)

    /// `POSIX_SPAWN_SETSID` (glibc 2.26): the child starts a session of its own. Not imported
    /// (it is a `_GNU_SOURCE` macro); the value is glibc's and musl's.
    static let spawnSetSID: Int32 = 0x80

    /// A pipe whose two ends are close-on-exec from the start (`pipe2(O_CLOEXEC)`), so that no
    /// process another thread spawns meanwhile inherits them. Without `pipe2`, `pipe` and
    /// `fcntl` (a small window for such a race). Returns (read, write) or an errno.
    static func cloexecPipe() -> Result<(Int32, Int32), Errno> {
        var fds: [Int32] = [-1, -1]
        if let pipe2Function {
            let r = fds.withUnsafeMutableBufferPointer { pipe2Function($0.baseAddress!, O_CLOEXEC) }
            if r != 0 { return .failure(Errno(errno)) }
        } else {
            if pipe(&fds) != 0 { return .failure(Errno(errno)) }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return .success((fds[0], fds[1]))
    }

    /// Adds "close every descriptor from `from` up" to the spawn's actions, when the C library
    /// can (glibc 2.34). Returns whether it did.
    static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Bool {
        guard let closeFromFunction else { return false }
        return closeFromFunction(actions, from) == 0
    }

    /// Adds a `chdir` to the spawn's actions; an errno when it cannot (no such call: ENOSYS).
    static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
        guard let chdirFunction else { return ENOSYS }
        return path.withCString { chdirFunction(actions, $0) }
    }

    /// An errno value as an Error.
    struct Errno: Error {
        var code: Int32
        init(_ code: Int32) { self.code = code }
        var text: String { PosixExtras.errorText(code) }
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
