/// Decides whether the first bytes of a file are binary: a NUL byte after the leading NUL
/// padding (which a writer without `O_APPEND` leaves after copy-truncate). Invalid UTF-8
/// alone is not binary (Latin-1 logs exist); those lines pass with replacement characters.
public enum BinarySniffer {
    public static let sniffBytes = 4096

    public static func looksBinary(_ head: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i < head.count && head[i] == 0 { i += 1 }
        while i < head.count {
            if head[i] == 0 { return true }
            i += 1
        }
        return false
    }
}

/// A file open for reading, with what is needed to notice rotation and truncation.
struct OpenFile {
    var handle: Int32
    var identity: LogFileIdentity
    /// The next byte to read.
    var offset: Int64
    var size: Int64
    /// The file's first bytes (up to `headBytes`) and the bytes just before `offset` (up to
    /// `tailBytes`): a truncation that was refilled past our offset before we looked shows
    /// as changed bytes before the offset, and the copy of a copy-truncate is recognized by
    /// having both.
    var head: [UInt8]
    var tail: [UInt8]
    /// The path no longer names this file.
    var rotatedAway = false
    /// Monotonic nanoseconds of the last read that returned bytes (or of the rotation).
    var lastGrowth: UInt64

    static let headBytes = 64
    static let tailBytes = 32
}

/// The syscalls, options and scratch memory one poll works with.
struct PollContext {
    let fs: any LogFileSystem
    let options: LogFollowOptions
    let now: UInt64
    let scratch: UnsafeMutableRawBufferPointer
}

/// One followed path: the `tail -F` state machine. Every decision reads only the stat
/// results and bytes that `PollContext.fs` returns, so it runs the same on the real file
/// system and on an in-memory one with a virtual clock.
struct FollowedPath {
    let path: String
    let pattern: String?
    var file: OpenFile?
    var assembler: LineAssembler
    var nextSequence: UInt64
    var status: FollowedFileStatus?
    /// The start position applies to the file that was at the path at the first poll, up to
    /// the size it had then (a file unreadable at first keeps its place).
    var applyStartAtFirstPoll: Bool
    var anchor: (identity: LogFileIdentity, size: Int64)?
    /// A file found binary, skipped while the path names it and it does not shrink.
    var binary: (identity: LogFileIdentity, size: Int64)?
    var lastSize: Int64 = 0

    var linesDelivered: UInt64 = 0
    var bytesRead: UInt64 = 0
    var rotations = 0
    var truncations = 0
    var cutLines = 0

    init(path: String, pattern: String?, maxLineBytes: Int, applyStart: Bool, nextSequence: UInt64 = 1) {
        self.path = path
        self.pattern = pattern
        self.assembler = LineAssembler(maxLineBytes: maxLineBytes)
        self.applyStartAtFirstPoll = applyStart
        self.nextSequence = nextSequence
    }

    var report: FollowedFileReport {
        FollowedFileReport(path: path, pattern: pattern, status: status ?? .waiting, linesDelivered: linesDelivered,
                           bytesRead: bytesRead, rotations: rotations, truncations: truncations, cutLines: cutLines,
                           pendingBytes: assembler.pendingBytes, offset: file?.offset ?? 0,
                           size: file?.size ?? lastSize)
    }

    /// Whether a glob-matched path can be dropped: nothing open and nothing at the path.
    var isGone: Bool { pattern != nil && file == nil && status == .waiting }

    /// One poll: notices rotation and truncation, reads what is new (at most
    /// `maxBytesPerPoll`), appends finished lines and notices to `batch`. Returns whether
    /// more bytes are waiting (poll again at once).
    mutating func poll(_ ctx: PollContext, into batch: inout LogBatch) -> Bool {
        let st = ctx.fs.statPath(path)
        if applyStartAtFirstPoll {
            applyStartAtFirstPoll = false
            if case .info(let info) = st, info.kind == .regular { anchor = (info.identity, info.size) }
        }
        if case .info(let info) = st { lastSize = info.size }

        if var f = file {
            let pathInfo: LogFileInfo? = if case .info(let i) = st { i } else { nil }
            guard case .info(let fi) = ctx.fs.statHandle(f.handle) else {
                close(&f, ctx, &batch, rotated: false)
                setStatus(.failed("the open file can no longer be read"), &batch)
                return false
            }
            f.size = fi.size
            if pathInfo?.identity == f.identity {
                f.rotatedAway = false
                if wasTruncated(f, fi, ctx) { handleTruncation(&f, ctx, &batch) }
                let (_, more) = readAvailable(&f, ctx, &batch)
                file = f
                setStatus(.following, &batch)
                return more
            }
            // Renamed away, deleted, or the path names something else now: read the old
            // file to its end; keep it while its writer may still be writing to it.
            if !f.rotatedAway {
                f.rotatedAway = true
                f.lastGrowth = ctx.now
            }
            let (got, more) = readAvailable(&f, ctx, &batch)
            if got > 0 { f.lastGrowth = ctx.now }
            let replacementReady: Bool
            switch st {
            case .info(let i): replacementReady = i.kind != .regular || i.size > 0
            case .denied, .failed: replacementReady = true
            case .missing: replacementReady = false
            }
            let quiet = ctx.now &- f.lastGrowth >= UInt64(ctx.options.rotationGraceMilliseconds) * 1_000_000
            if more || !(replacementReady || quiet) {
                file = f
                setStatus(.draining, &batch)
                return more
            }
            close(&f, ctx, &batch, rotated: true)
        }
        return openAndRead(st, ctx, &batch)
    }

    /// Closes the open file, delivering a held partial line as unterminated.
    mutating func close(_ f: inout OpenFile, _ ctx: PollContext, _ batch: inout LogBatch, rotated: Bool) {
        finishPartialLine(&batch)
        ctx.fs.closeHandle(f.handle)
        file = nil
        if rotated {
            rotations += 1
            batch.notices.append(.rotated)
        }
    }

    /// Reading ends: the rest of the open file is read, a held partial line delivered as
    /// unterminated, and the file closed.
    mutating func finish(_ ctx: PollContext, into batch: inout LogBatch) {
        guard var f = file else { return }
        while true {
            let (got, more) = readAvailable(&f, ctx, &batch)
            if got == 0 || !more { break }
        }
        close(&f, ctx, &batch, rotated: false)
    }

    /// Closes without delivering anything (the follower is being torn down).
    mutating func abandon(_ fs: any LogFileSystem) {
        if let f = file { fs.closeHandle(f.handle) }
        file = nil
    }

    private mutating func openAndRead(_ st: LogStatResult, _ ctx: PollContext, _ batch: inout LogBatch) -> Bool {
        let info: LogFileInfo
        switch st {
        case .missing: setStatus(.waiting, &batch); return false
        case .denied: setStatus(.permissionDenied, &batch); return false
        case .failed(let e): setStatus(.failed(errnoDescription(e)), &batch); return false
        case .info(let i): info = i
        }
        guard info.kind == .regular else { setStatus(.notRegularFile(info.kind), &batch); return false }
        if let b = binary, b.identity == info.identity, info.size >= b.size {
            binary = (b.identity, info.size)
            setStatus(.binary, &batch)
            return false
        }
        binary = nil
        let handle: Int32
        switch ctx.fs.openFile(path) {
        case .missing: setStatus(.waiting, &batch); return false
        case .denied: setStatus(.permissionDenied, &batch); return false
        case .failed(let e): setStatus(.failed(errnoDescription(e)), &batch); return false
        case .opened(let h): handle = h
        }
        guard case .info(let fi) = ctx.fs.statHandle(handle) else {
            ctx.fs.closeHandle(handle)
            setStatus(.failed("stat after open failed"), &batch)
            return false
        }
        guard fi.kind == .regular else {
            ctx.fs.closeHandle(handle)
            setStatus(.notRegularFile(fi.kind), &batch)
            return false
        }
        // Sniff the first bytes (also the file's head, for copy-truncate recovery).
        let sniff = readFully(handle, at: 0, count: Int(min(Int64(BinarySniffer.sniffBytes), fi.size)), ctx)
        if sniff.withUnsafeBytes({ BinarySniffer.looksBinary($0) }) {
            ctx.fs.closeHandle(handle)
            binary = (fi.identity, fi.size)
            setStatus(.binary, &batch)
            return false
        }
        var start: Int64 = 0
        if let a = anchor, a.identity == fi.identity {
            let end = min(a.size, fi.size)
            let lines: Int?
            switch ctx.options.start {
            case .beginning: lines = nil
            case .end: lines = 0
            case .lines(let n): lines = max(0, n)
            }
            if let lines {
                let found = TailStart.start(lastLines: lines, end: end, maxLineBytes: ctx.options.maxLineBytes) { off, buf in
                    ctx.fs.readAt(handle, offset: off, into: buf)
                }
                start = found.offset
                if found.skipFirstLine { assembler.skipToNextLine() }
            }
        }
        anchor = nil
        let tailStart = max(0, start - Int64(OpenFile.tailBytes))
        let tail = start > 0 ? readFully(handle, at: tailStart, count: Int(start - tailStart), ctx) : []
        var f = OpenFile(handle: handle, identity: fi.identity, offset: start, size: fi.size,
                         head: Array(sniff.prefix(OpenFile.headBytes)), tail: tail, lastGrowth: ctx.now)
        batch.notices.append(.opened(offset: start))
        setStatus(.following, &batch)
        let (_, more) = readAvailable(&f, ctx, &batch)
        file = f
        return more
    }

    /// The file shrank below the offset, or the bytes before the offset changed (it was
    /// truncated and written past the old offset before this poll).
    private func wasTruncated(_ f: OpenFile, _ fi: LogFileInfo, _ ctx: PollContext) -> Bool {
        if fi.size < f.offset { return true }
        if fi.size == f.offset || f.tail.isEmpty { return false }
        let now = readFully(f.handle, at: f.offset - Int64(f.tail.count), count: f.tail.count, ctx)
        return now != f.tail
    }

    private mutating func handleTruncation(_ f: inout OpenFile, _ ctx: PollContext, _ batch: inout LogBatch) {
        truncations += 1
        var recoveredFrom: String? = nil
        if ctx.options.recoverCopyTruncate && f.offset > 0 && !f.head.isEmpty && !f.tail.isEmpty {
            recoveredFrom = recoverFromCopy(f, ctx, &batch)
        }
        // Without the copy, the held partial line lost its continuation.
        if recoveredFrom == nil { finishPartialLine(&batch) }
        f.offset = 0
        f.head = []
        f.tail = []
        batch.notices.append(.truncated(recoveredFrom: recoveredFrom))
    }

    /// After copy-truncate, the bytes between our offset and the end of the file at copy
    /// time are only in the copy. Finds it beside the file (a name that starts with the
    /// file's name followed by `.`, `-` or `_`), recognized by the same head and the same
    /// bytes just before our offset, and reads it from our offset to its end.
    private mutating func recoverFromCopy(_ f: OpenFile, _ ctx: PollContext, _ batch: inout LogBatch) -> String? {
        let (dir, base) = splitPath(path)
        guard let names = ctx.fs.listDirectory(dir) else { return nil }
        var candidates: [(path: String, modified: Int64)] = []
        for name in names where name.count > base.count && name.hasPrefix(base) {
            let next = name[name.index(name.startIndex, offsetBy: base.count)]
            guard next == "." || next == "-" || next == "_" else { continue }
            let candidate = dir == "/" ? "/" + name : dir + "/" + name
            guard case .info(let ci) = ctx.fs.statPath(candidate), ci.kind == .regular, ci.size >= f.offset,
                  ci.identity != f.identity else { continue }
            candidates.append((candidate, ci.modified))
        }
        candidates.sort { $0.modified > $1.modified }
        for candidate in candidates {
            guard case .opened(let h) = ctx.fs.openFile(candidate.path) else { continue }
            let head = readFully(h, at: 0, count: f.head.count, ctx)
            let tail = readFully(h, at: f.offset - Int64(f.tail.count), count: f.tail.count, ctx)
            if head == f.head && tail == f.tail {
                var copy = OpenFile(handle: h, identity: f.identity, offset: f.offset, size: 0, head: f.head,
                                    tail: f.tail, lastGrowth: ctx.now)
                while true {
                    let (got, more) = readAvailable(&copy, ctx, &batch)
                    if got == 0 || !more { break }
                }
                ctx.fs.closeHandle(h)
                return candidate.path
            }
            ctx.fs.closeHandle(h)
        }
        return nil
    }

    /// Reads from the offset until a short read (the end for now) or the per-poll budget.
    /// Returns the bytes read and whether the budget ran out first.
    private mutating func readAvailable(_ f: inout OpenFile, _ ctx: PollContext,
                                        _ batch: inout LogBatch) -> (Int, Bool) {
        let budget = ctx.options.maxBytesPerPoll
        var total = 0
        var sequence = nextSequence
        var cuts = 0
        while total < budget {
            let want = min(ctx.scratch.count, budget - total)
            let chunk = UnsafeMutableRawBufferPointer(rebasing: ctx.scratch[0..<want])
            let n = ctx.fs.readAt(f.handle, offset: f.offset, into: chunk)
            if n <= 0 { break }
            let bytes = UnsafeRawBufferPointer(rebasing: ctx.scratch[0..<n])
            if f.head.count < OpenFile.headBytes && Int64(f.head.count) == f.offset {
                f.head.append(contentsOf: bytes.prefix(OpenFile.headBytes - f.head.count))
            }
            if n >= OpenFile.tailBytes {
                f.tail = Array(bytes.suffix(OpenFile.tailBytes))
            } else {
                f.tail.append(contentsOf: bytes)
                if f.tail.count > OpenFile.tailBytes { f.tail.removeFirst(f.tail.count - OpenFile.tailBytes) }
            }
            f.offset += Int64(n)
            total += n
            assembler.consume(bytes) { line, flags in
                batch.lines.append(FollowedLine(sequence: sequence, text: String(decoding: line, as: UTF8.self),
                                                cut: flags.cut, unterminated: flags.unterminated))
                sequence += 1
                if flags.cut { cuts += 1 }
            }
            if n < want { break }
        }
        linesDelivered += sequence - nextSequence
        nextSequence = sequence
        cutLines += cuts
        bytesRead += UInt64(total)
        if f.size < f.offset { f.size = f.offset }
        return (total, total >= budget)
    }

    private mutating func finishPartialLine(_ batch: inout LogBatch) {
        var sequence = nextSequence
        assembler.finish { line, flags in
            batch.lines.append(FollowedLine(sequence: sequence, text: String(decoding: line, as: UTF8.self),
                                            cut: flags.cut, unterminated: flags.unterminated))
            sequence += 1
        }
        linesDelivered += sequence - nextSequence
        nextSequence = sequence
    }

    private func readFully(_ handle: Int32, at offset: Int64, count: Int, _ ctx: PollContext) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        out.withUnsafeMutableBytes { raw in
            while got < count {
                let n = ctx.fs.readAt(handle, offset: offset + Int64(got),
                                      into: UnsafeMutableRawBufferPointer(rebasing: raw[got..<count]))
                if n <= 0 { break }
                got += n
            }
        }
        if got < count { out.removeLast(count - got) }
        return out
    }

    private mutating func setStatus(_ new: FollowedFileStatus, _ batch: inout LogBatch) {
        guard status != new else { return }
        status = new
        batch.notices.append(.statusChanged(new))
    }
}

/// `("/var/log", "a.log")` for `/var/log/a.log`; `(".", "a.log")` for `a.log`.
func splitPath(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let dir = String(path[..<slash])
    return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}
