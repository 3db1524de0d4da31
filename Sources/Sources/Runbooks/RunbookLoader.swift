#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Incidents

/// A runbooks folder as it was read: the runbooks that parsed, and every problem found, each
/// naming its file (and line and column when it has one).
public struct RunbookFolder: Sendable {
    /// The folder, as given (normalized lexically): runbooks' `file` paths start with it.
    public var directory: String
    /// The runbooks that parsed, in file-name order.
    public var index: RunbookIndex
    /// Problems in file-name order; a bad file never stops the others.
    public var problems: [RunbookError]
    /// `*.md` entries found in the folder and its subfolders (hidden ones excepted).
    public var markdownFilesFound: Int
    /// `*.md` entries not read because there were more than `maximumFiles` (the last ones in
    /// file-name order).
    public var filesLeftOut: Int

    public var runbooks: [Runbook] { index.runbooks }
}

/// Reads a runbooks folder: every `*.md` in it and its subfolders, in file-name order, each parsed
/// with `Runbook.parse`. Everything in the folder is untrusted: a file that is not UTF-8, too
/// large, not a regular file, or a symlink whose real path is outside the folder is reported and
/// skipped, never read blindly (a FIFO is never opened for reading, so it cannot hang the load).
public enum RunbookLoader {
    /// Subfolders deeper than this are reported and not read (a guard against pathological trees).
    public static let maximumDepth = 32
    /// The walk stops after listing this many entries (of any kind) and says so.
    public static let maximumEntriesListed = 500_000

    /// Loads every runbook under `directory`. At most `maximumFiles` `*.md` files are read (the
    /// first ones in file-name order; the rest are counted in `filesLeftOut` and reported as a
    /// problem), and files over `maximumFileBytes` are refused.
    ///
    /// Hidden entries (names starting with `.`) are skipped, and symlinked folders are not
    /// followed (no cycles, nothing outside the folder); a symlinked `*.md` file is read only if
    /// its real path lies inside the folder's real path.
    public static func load(directory: String, maximumFiles: Int = 5_000, maximumFileBytes: Int = 1 << 20) -> RunbookFolder {
        let base = RunbookIndex.normalize(directory)
        var folder = RunbookFolder(directory: base, index: RunbookIndex(directory: base, runbooks: []), problems: [],
                                   markdownFilesFound: 0, filesLeftOut: 0)
        let realBase: String
        switch realDirectory(base) {
        case .failure(let e): folder.problems = [e]; return folder
        case .success(let r): realBase = r
        }

        var walk = Walk(base: base)
        walk.run()
        var problems = walk.problems
        let candidates = walk.candidates.sorted { $0.relativePath < $1.relativePath }
        folder.markdownFilesFound = candidates.count
        let taken = candidates.prefix(max(0, maximumFiles))
        folder.filesLeftOut = candidates.count - taken.count
        if folder.filesLeftOut > 0, let firstLeftOut = candidates.dropFirst(taken.count).first {
            problems.append(RunbookError(file: base, line: 0, column: 0, kind: .tooManyFiles,
                                         message: "\(candidates.count) *.md files, over the limit of \(maximumFiles): read the first \(taken.count) in file-name order, left out \(folder.filesLeftOut) (from \(firstLeftOut.relativePath) on)"))
        }

        var runbooks: [Runbook] = []
        runbooks.reserveCapacity(taken.count)
        for candidate in taken {
            let path = base == "." ? candidate.relativePath : base + "/" + candidate.relativePath
            switch readCandidate(candidate, path: path, realBase: realBase, maximumFileBytes: maximumFileBytes) {
            case .failure(let e): problems.append(e)
            case .success(let text):
                switch Runbook.parse(text: text, file: path) {
                case .success(let runbook): runbooks.append(runbook)
                case .failure(let e): problems.append(e)
                }
            }
        }
        folder.index = RunbookIndex(directory: base, runbooks: runbooks)
        // Folder-wide problems (line 0) first, then by file and place.
        folder.problems = problems.enumerated().sorted { a, b in
            let x = a.element, y = b.element
            if (x.line == 0) != (y.line == 0) { return x.line == 0 }
            if x.file != y.file { return x.file < y.file }
            if x.line != y.line { return x.line < y.line }
            return a.offset < b.offset
        }.map(\.element)
        return folder
    }

    /// The real path of `path` (a `runbook_url` target, say), if it lies inside the real path of
    /// `directory` and is a regular file. `RunbookIndex.normalize` only resolves `.` and `..` in
    /// the text; this follows symlinks, so a link swapped in after the folder was loaded cannot
    /// lead outside it. Call it right before opening the file.
    public static func resolveInside(directory: String, path: String) -> Result<String, RunbookError> {
        let realBase: String
        switch realDirectory(directory) {
        case .failure(let e): return .failure(e)
        case .success(let r): realBase = r
        }
        guard let real = realPath(path) else {
            let why = errno == ENOENT ? "does not exist" : "cannot be resolved: \(errorText(errno))"
            return .failure(RunbookError(file: path, line: 0, column: 0, kind: .unreadable, message: why))
        }
        guard isInside(real, realBase) else {
            return .failure(RunbookError(file: path, line: 0, column: 0, kind: .outsideFolder,
                                         message: "resolves to \(real), outside the runbooks folder \(realBase): refused"))
        }
        var st = stat()
        guard stat(real, &st) == 0 else {
            return .failure(RunbookError(file: path, line: 0, column: 0, kind: .unreadable, message: "cannot be read: \(errorText(errno))"))
        }
        guard fileType(st.st_mode) == .regular else {
            return .failure(RunbookError(file: path, line: 0, column: 0, kind: .notARegularFile,
                                         message: "is \(fileType(st.st_mode).words), not a regular file"))
        }
        return .success(real)
    }

    /// Reads and parses one runbook of the folder at open time: `path` is checked with
    /// `resolveInside` and read with the same limits as `load`. The runbook's `file` is `path`
    /// as given, so it compares equal to the one the index holds.
    public static func loadRunbook(directory: String, path: String, maximumFileBytes: Int = 1 << 20) -> Result<Runbook, RunbookError> {
        let real: String
        switch resolveInside(directory: directory, path: path) {
        case .failure(let e): return .failure(e)
        case .success(let r): real = r
        }
        guard let realBase = realPath(directory) else {
            return .failure(RunbookError(file: directory, line: 0, column: 0, kind: .unreadable, message: "cannot be resolved: \(errorText(errno))"))
        }
        switch readFile(opening: real, reportedAs: path, followFinalSymlink: false, realBase: realBase, maximumFileBytes: maximumFileBytes) {
        case .failure(let e): return .failure(e)
        case .success(let text): return Runbook.parse(text: text, file: path)
        }
    }

    /// Reads one Markdown file with the loader's checks (a regular file, at most
    /// `maximumFileBytes`, UTF-8 without NUL), wherever it is: for `runbooks render FILE`.
    public static func readText(path: String, maximumFileBytes: Int = 1 << 20) -> Result<String, RunbookError> {
        readFile(opening: path, reportedAs: path, followFinalSymlink: true, realBase: nil, maximumFileBytes: maximumFileBytes)
    }

    // MARK: - Walking the folder

    enum FileType: Equatable {
        case regular, directory, symlink, fifo, socket, characterDevice, blockDevice, unknown
        var words: String {
            switch self {
            case .regular: "a regular file"
            case .directory: "a directory"
            case .symlink: "a symlink"
            case .fifo: "a FIFO (named pipe)"
            case .socket: "a socket"
            case .characterDevice: "a character device"
            case .blockDevice: "a block device"
            case .unknown: "a file of unknown type"
            }
        }
    }

    static func fileType(_ mode: mode_t) -> FileType {
        switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        default: .unknown
        }
    }

    struct Candidate {
        /// Relative to the folder, `/`-separated.
        var relativePath: String
        var type: FileType
    }

    /// A depth-first listing of the folder: `*.md` entries of every type (the types are judged
    /// when they are read, so every problem is reported in file-name order), subfolders entered
    /// in name order.
    struct Walk {
        let base: String
        var candidates: [Candidate] = []
        var problems: [RunbookError] = []
        var listed = 0
        var stoppedListing = false

        init(base: String) { self.base = base }

        func path(_ relative: String) -> String {
            relative.isEmpty ? base : (base == "." ? relative : base + "/" + relative)
        }

        mutating func run() { visit(relative: "", depth: 0) }

        mutating func visit(relative: String, depth: Int) {
            if stoppedListing { return }
            guard let dir = opendir(path(relative)) else {
                problems.append(RunbookError(file: path(relative), line: 0, column: 0, kind: .unreadable,
                                             message: "cannot read this folder: \(errorText(errno))"))
                return
            }
            var entries: [(name: String, type: FileType)] = []
            while let entry = readdir(dir) {
                listed += 1
                if listed > RunbookLoader.maximumEntriesListed {
                    stoppedListing = true
                    problems.append(RunbookError(file: base, line: 0, column: 0, kind: .tooManyFiles,
                                                 message: "stopped listing after \(RunbookLoader.maximumEntriesListed) entries; runbooks beyond them were not found"))
                    break
                }
                let raw = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                    Array(buffer.prefix { $0 != 0 })
                }
                guard let first = raw.first, first != UInt8(ascii: ".") else { continue }   // ., .., hidden
                var type = Self.direntType(entry.pointee.d_type)
                if type == .unknown {
                    var st = stat()
                    let full = path(relative.isEmpty ? String(decoding: raw, as: UTF8.self) : relative + "/" + String(decoding: raw, as: UTF8.self))
                    if lstat(full, &st) == 0 { type = RunbookLoader.fileType(st.st_mode) }
                }
                let isMarkdown = raw.count > 3 && raw.suffix(3).elementsEqual(".md".utf8)
                guard let name = String(validating: raw, as: UTF8.self) else {
                    if isMarkdown || type == .directory {
                        let shown = String(decoding: raw, as: UTF8.self)
                        problems.append(RunbookError(file: path(relative.isEmpty ? shown : relative + "/" + shown), line: 0, column: 0, kind: .notUTF8,
                                                     message: "the name of this \(type == .directory ? "folder" : "file") is not UTF-8: not read"))
                    }
                    continue
                }
                if isMarkdown || type == .directory { entries.append((name, type)) }
            }
            closedir(dir)
            for (name, type) in entries.sorted(by: { $0.name < $1.name }) {
                let rel = relative.isEmpty ? name : relative + "/" + name
                if name.hasSuffix(".md") { candidates.append(Candidate(relativePath: rel, type: type)) }
                guard type == .directory else { continue }
                if depth + 1 > RunbookLoader.maximumDepth {
                    problems.append(RunbookError(file: path(rel), line: 0, column: 0, kind: .unreadable,
                                                 message: "folder nested deeper than \(RunbookLoader.maximumDepth) levels: not read"))
                    continue
                }
                visit(relative: rel, depth: depth + 1)
            }
        }

        static func direntType(_ t: UInt8) -> FileType {
            switch Int32(t) {
            case Int32(DT_REG): .regular
            case Int32(DT_DIR): .directory
            case Int32(DT_LNK): .symlink
            case Int32(DT_FIFO): .fifo
            case Int32(DT_SOCK): .socket
            case Int32(DT_CHR): .characterDevice
            case Int32(DT_BLK): .blockDevice
            default: .unknown
            }
        }
    }

    // MARK: - Reading one file

    static func readCandidate(_ candidate: Candidate, path: String, realBase: String, maximumFileBytes: Int) -> Result<String, RunbookError> {
        func problem(_ kind: RunbookError.Kind, _ message: String) -> Result<String, RunbookError> {
            .failure(RunbookError(file: path, line: 1, column: 1, kind: kind, message: message))
        }
        switch candidate.type {
        case .regular:
            return readFile(opening: path, reportedAs: path, followFinalSymlink: false, realBase: realBase, maximumFileBytes: maximumFileBytes)
        case .directory:
            return problem(.notARegularFile, "is a directory named *.md, not a runbook file (the *.md files inside it are read)")
        case .symlink:
            guard let real = realPath(path) else {
                return problem(.unreadable, "is a symlink whose target cannot be resolved (\(errorText(errno))): not read")
            }
            guard isInside(real, realBase) else {
                return problem(.outsideFolder, "is a symlink to \(real), outside the runbooks folder \(realBase): refused")
            }
            var st = stat()
            guard stat(real, &st) == 0 else { return problem(.unreadable, "cannot be read: \(errorText(errno))") }
            guard fileType(st.st_mode) == .regular else {
                return problem(.notARegularFile, "is a symlink to \(fileType(st.st_mode).words), not to a regular file: not read")
            }
            return readFile(opening: real, reportedAs: path, followFinalSymlink: false, realBase: realBase, maximumFileBytes: maximumFileBytes)
        case .fifo, .socket, .characterDevice, .blockDevice, .unknown:
            return problem(.notARegularFile, "is \(candidate.type.words), not a regular file: not read")
        }
    }

    /// Opens without following a final symlink (unless asked) and without blocking (a FIFO swapped
    /// in after the listing cannot hang the read), checks the open file is a regular one of at
    /// most `maximumFileBytes` and, when `realBase` is given, that the file opened is really inside
    /// it (on Linux, by the path the kernel gives the descriptor); then decodes UTF-8.
    static func readFile(opening path: String, reportedAs shown: String, followFinalSymlink: Bool, realBase: String?,
                         maximumFileBytes: Int) -> Result<String, RunbookError> {
        func problem(_ kind: RunbookError.Kind, _ message: String, line: Int = 1, column: Int = 1) -> Result<String, RunbookError> {
            .failure(RunbookError(file: shown, line: line, column: column, kind: kind, message: message))
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followFinalSymlink ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            let e = errno
            if e == ELOOP && !followFinalSymlink { return problem(.notARegularFile, "became a symlink while the folder was read: not read") }
            if e == ENOENT { return problem(.unreadable, "does not exist") }
            return problem(.unreadable, "cannot be read: \(errorText(e))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return problem(.unreadable, "cannot be read: \(errorText(errno))") }
        guard fileType(st.st_mode) == .regular else {
            return problem(.notARegularFile, "is \(fileType(st.st_mode).words), not a regular file: not read")
        }
        #if os(Linux)
        if let realBase, let opened = readLink("/proc/self/fd/\(fd)"), !isInside(opened, realBase) {
            return problem(.outsideFolder, "resolves to \(opened), outside the runbooks folder \(realBase): refused")
        }
        #endif
        if Int(st.st_size) > maximumFileBytes {
            return problem(.tooLarge, "is \(st.st_size) bytes, over the limit of \(maximumFileBytes) bytes: not read")
        }
        // Sized by fstat, growing if the file does, up to one byte past the limit (so a file that
        // grew over it after fstat is still caught).
        var bytes = [UInt8](repeating: 0, count: min(Int(st.st_size), maximumFileBytes) + 1)
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count <= maximumFileBytes else { break }
                bytes += [UInt8](repeating: 0, count: min(bytes.count, maximumFileBytes + 1 - bytes.count))
            }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                return problem(.unreadable, "cannot be read: \(errorText(errno))")
            }
            if n == 0 { break }
            count += n
        }
        if count > maximumFileBytes {
            return problem(.tooLarge, "is over the limit of \(maximumFileBytes) bytes: not read")
        }
        bytes.removeSubrange(count...)
        return decode(bytes).mapError { RunbookError(file: shown, line: $0.line, column: $0.column, kind: .notUTF8, message: $0.message) }
    }

    struct DecodeError: Error { var line: Int; var column: Int; var message: String }

    /// UTF-8 text without NUL; a leading byte-order mark is dropped and CRLF read as LF. The error places the first
    /// bad byte at its line and column (columns count characters, as `Runbook.parse` does).
    static func decode(_ input: [UInt8]) -> Result<String, DecodeError> {
        var bytes = input[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        // The common case, checked at the standard library's speed.
        if !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) { return .success(normalizingLineEnds(text)) }
        func place(_ offset: Int) -> (line: Int, column: Int) {
            let before = bytes[bytes.startIndex..<(bytes.startIndex + offset)]
            let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? before.startIndex
            let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            return (line, String(decoding: bytes[lineStart..<(bytes.startIndex + offset)], as: UTF8.self).count + 1)
        }
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1, encoded.first == 0 {
                    let p = place(offset)
                    return .failure(DecodeError(line: p.line, column: p.column, message: "contains a NUL byte: not a text file"))
                }
                offset += encoded.count
            case .emptyInput:
                break loop
            case .error(let length):
                let p = place(offset)
                let shown = bytes.dropFirst(offset).prefix(max(1, length)).map { "0x" + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
                return .failure(DecodeError(line: p.line, column: p.column, message: "is not UTF-8: invalid byte \(shown)"))
            }
        }
        return .success(normalizingLineEnds(String(decoding: bytes, as: UTF8.self)))
    }

    /// Windows line ends as LF: Swift reads "\r\n" as one Character, which `Runbook.parse` would
    /// not split lines on; lines and columns are the same either way.
    static func normalizingLineEnds(_ text: String) -> String {
        text.utf8.contains(UInt8(ascii: "\r")) ? text.replacing("\r\n", with: "\n") : text
    }

    // MARK: - Paths

    static func realDirectory(_ directory: String) -> Result<String, RunbookError> {
        func problem(_ message: String) -> Result<String, RunbookError> {
            .failure(RunbookError(file: directory, line: 0, column: 0, kind: .unreadable, message: message))
        }
        var st = stat()
        guard stat(directory, &st) == 0 else {
            let e = errno
            return problem(e == ENOENT ? "the runbooks folder does not exist" : "cannot read the runbooks folder: \(errorText(e))")
        }
        guard fileType(st.st_mode) == .directory else { return problem("is not a folder (it is \(fileType(st.st_mode).words))") }
        // A trial listing rather than access(2), which asks about the real user ID, not the one
        // the file system checks.
        guard let listing = opendir(directory) else { return problem("cannot read the runbooks folder: \(errorText(errno))") }
        closedir(listing)
        guard let real = realPath(directory) else { return problem("cannot resolve the runbooks folder: \(errorText(errno))") }
        return .success(real)
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether the real path `path` is strictly inside the real folder `base`.
    static func isInside(_ path: String, _ base: String) -> Bool {
        base == "/" ? path.count > 1 : path.hasPrefix(base + "/")
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
