#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif
import Telemetry

/// Reads a large run of log bytes (a whole file read from its start, a file in memory) on
/// several threads, with exactly the records one `LogAssembler` would make reading it alone:
/// the same records, in the same order, with the same folding, levels, times and fields.
///
/// How: the bytes are cut into segments at lines that start a record whatever came before
/// them, and each segment is read by its own assembler on its own thread. A cut point is
/// the first line at or after an equal share of the bytes that reads as the file's format
/// (known from the first `Options.prefixBytes`, read first), that formats with a header shape
/// (every format but plain text) and does not start with a space or a tab. Such a line ends
/// the record before it and starts a new one whatever the assembler's state, *provided the
/// file's format there is still the one assumed*: that is checked when the segments are
/// joined, in order, and when it does not hold (the file changed format within the segment
/// before), the following segments are read again, in order, by the assembler that read the
/// segment before (their first reading is discarded). So a continuation line of a folded
/// record (a Python traceback's `  File ...`, `Traceback ...`, `ValueError: ...`) is never
/// cut from its record's first line, and a cut never falls inside a UTF-8 character (it is
/// made after a `\n`).
///
/// Records are handed to `emit` on the segment's thread together with that segment's
/// `Partial` (a count, a list of entries to keep, ...); the partials come back in file order,
/// so that folding them in order gives what one sequential reading gives. The assembler's
/// state continues as after a sequential reading: its last record stays pending (call
/// `finish` or keep following the file).
public enum LogBulkReader {
    public struct Options: Hashable, Sendable {
        /// Threads to read on (the calling thread is one of them); 1 reads sequentially.
        public var threads: Int
        /// Bytes per read from a `readAt` source, per thread (grown for longer lines).
        public var chunkBytes: Int
        /// Read first, on the calling thread alone, to learn the file's format.
        public var prefixBytes: Int
        /// No segment is made smaller than this (small inputs are read sequentially).
        public var minimumSegmentBytes: Int
        /// How far past a share's start to look for a line that starts a record.
        public var searchBytes: Int
        /// For tests: cut near these offsets instead of at equal shares (then `threads` is the
        /// number of offsets plus one, and `minimumSegmentBytes` is not applied).
        public var cutNear: [Int]?

        public init(threads: Int = 2, chunkBytes: Int = 256 << 10, prefixBytes: Int = 256 << 10,
                    minimumSegmentBytes: Int = 4 << 20, searchBytes: Int = 1 << 20, cutNear: [Int]? = nil) {
            self.threads = max(1, threads); self.chunkBytes = max(4096, chunkBytes)
            self.prefixBytes = max(0, prefixBytes); self.minimumSegmentBytes = max(0, minimumSegmentBytes)
            self.searchBytes = max(256, searchBytes); self.cutNear = cutNear
        }
    }

    /// What a bulk reading gives back.
    public struct Reading<Partial> {
        /// One partial per segment that counted, in file order (fold them in order).
        public var partials: [Partial]
        /// Bytes consumed from the start: up to and including the last line break (a last
        /// line without one stays with the caller, as with `append(chunk:)`).
        public var consumed: Int
        /// Segments read in parallel (1: read sequentially).
        public var segments: Int
        /// Segments whose parallel reading was discarded and that were read again in order
        /// (the file's format changed before their cut).
        public var reread: Int
    }

    public struct ReadError: Error, CustomStringConvertible {
        public var offset: Int
        public var description: String { "log bytes could not be read at offset \(offset)" }
    }

    /// Reads `byteCount` bytes from `readAt` (which fills as much of the buffer as it can from
    /// the offset, like `pread`, returns 0 at the end, and may be called from any thread).
    public static func read<Partial>(
        byteCount: Int, into assembler: inout LogAssembler, receivedAt: Timestamp, options: Options = Options(),
        readAt: @escaping @Sendable (_ offset: Int, _ buffer: UnsafeMutableRawBufferPointer) throws -> Int,
        makePartial: @escaping @Sendable () -> Partial,
        emit: @escaping @Sendable (inout Partial, LogRecord) -> Void
    ) throws -> Reading<Partial> {
        try run(Source(count: byteCount, memory: nil, readAt: readAt), &assembler, receivedAt, options, makePartial, emit)
    }

    /// Reads bytes already in memory (a mapped file, a buffer). `bytes` must stay valid and
    /// unchanged during the call.
    public static func read<Partial>(
        bytes: UnsafeBufferPointer<UInt8>, into assembler: inout LogAssembler, receivedAt: Timestamp,
        options: Options = Options(),
        makePartial: @escaping @Sendable () -> Partial,
        emit: @escaping @Sendable (inout Partial, LogRecord) -> Void
    ) -> Reading<Partial> {
        let source = Source(count: bytes.count, memory: UInt(bitPattern: bytes.baseAddress), readAt: nil)
        // A memory source cannot fail to read.
        return try! run(source, &assembler, receivedAt, options, makePartial, emit)
    }

    // MARK: - Inside

    /// Where the bytes come from: memory (an address, so that it can cross threads) or a reader.
    struct Source: @unchecked Sendable {
        let count: Int
        let memory: UInt?
        let readAt: (@Sendable (Int, UnsafeMutableRawBufferPointer) throws -> Int)?

        var base: UnsafePointer<UInt8>? { memory.flatMap { UnsafePointer(bitPattern: $0) } }

        /// Calls `body` with the bytes of `range` in pieces that end at line breaks (the last
        /// piece may end without one). Returns the bytes `body` consumed in all.
        func forEachPiece(_ range: Range<Int>, chunk: Int,
                          _ body: (UnsafeBufferPointer<UInt8>) -> Int) throws -> Int {
            if let base {
                return body(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
            }
            guard let readAt else { return 0 }
            var capacity = min(chunk, max(range.count, 1))
            var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            defer { buffer.deallocate() }
            var offset = range.lowerBound  // next byte to read
            var held = 0
            var consumed = 0
            while offset < range.upperBound {
                if held == capacity {
                    // A line longer than the buffer: make room for it.
                    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                    bigger.update(from: buffer, count: held)
                    buffer.deallocate()
                    buffer = bigger
                    capacity *= 2
                }
                let want = min(capacity - held, range.upperBound - offset)
                let n = try readAt(offset, UnsafeMutableRawBufferPointer(start: buffer + held, count: want))
                guard n > 0 else {
                    if n == 0 { break }
                    throw ReadError(offset: offset)
                }
                offset += n
                let filled = held + n
                let used = body(UnsafeBufferPointer(start: buffer, count: filled))
                consumed += used
                held = filled - used
                if held > 0, used > 0 { buffer.update(from: buffer + used, count: held) }
            }
            return consumed
        }

        /// Up to `count` bytes from `offset`, as an array (to look for a cut point).
        func bytes(_ offset: Int, _ count: Int) throws -> [UInt8] {
            let n = max(0, min(count, self.count - offset))
            if let base { return Array(UnsafeBufferPointer(start: base + offset, count: n)) }
            guard let readAt else { return [] }
            var out = [UInt8](repeating: 0, count: n)
            var got = 0
            try out.withUnsafeMutableBytes { raw in
                while got < n {
                    let k = try readAt(offset + got, UnsafeMutableRawBufferPointer(rebasing: raw[got...]))
                    if k <= 0 { break }
                    got += k
                }
            }
            out.removeSubrange(got...)
            return out
        }
    }

    /// One segment's reading on its thread.
    final class Segment<Partial>: @unchecked Sendable {
        let range: Range<Int>
        var assembler: LogAssembler
        var partial: Partial
        var consumed = 0
        var error: Error?

        init(range: Range<Int>, assembler: LogAssembler, partial: Partial) {
            self.range = range; self.assembler = assembler; self.partial = partial
        }
    }

    static func run<Partial>(_ source: Source, _ assembler: inout LogAssembler, _ receivedAt: Timestamp,
                             _ options: Options, _ makePartial: @escaping @Sendable () -> Partial,
                             _ emit: @escaping @Sendable (inout Partial, LogRecord) -> Void) throws -> Reading<Partial> {
        let count = source.count
        var first = makePartial()
        // Sequentially: the prefix (the format), or everything when it cannot be cut.
        func sequential(_ from: Int, _ to: Int, _ a: inout LogAssembler, _ partial: inout Partial) throws -> Int {
            try source.forEachPiece(from..<to, chunk: options.chunkBytes) { piece in
                a.append(chunk: piece, receivedAt: receivedAt) { emit(&partial, $0) }
            }
        }
        let prefixEnd = min(count, options.prefixBytes)
        var done = try sequential(0, prefixEnd, &assembler, &first)
        // The prefix ends at its last line break; the rest starts there.
        let cuts = try cutPoints(source, from: done, assembler, receivedAt, options)
        guard !cuts.isEmpty else {
            done += try sequential(done, count, &assembler, &first)
            return Reading(partials: [first], consumed: done, segments: 1, reread: 0)
        }
        // Segment 0 continues on this thread with the caller's assembler; the others start
        // from a copy of it that knows the format and nothing of any record.
        let template = assembler.segmentStart()
        let bounds = [done] + cuts + [count]
        var workers: [Segment<Partial>] = []
        for k in 1..<(bounds.count - 1) {
            workers.append(Segment(range: bounds[k]..<bounds[k + 1], assembler: template, partial: makePartial()))
        }
        let chunk = options.chunkBytes
        var threads: [Thread] = []
        for w in workers {
            threads.append(Thread.start {
                // Local copies: no exclusivity checks on a class's properties for every record.
                var a = w.assembler, partial = w.partial
                do {
                    w.consumed = try source.forEachPiece(w.range, chunk: chunk) { piece in
                        a.append(chunk: piece, receivedAt: receivedAt) { emit(&partial, $0) }
                    }
                } catch {
                    w.error = error
                }
                w.assembler = a
                w.partial = partial
            })
        }
        var firstError: Error?
        do {
            done += try sequential(done, bounds[1], &assembler, &first)
        } catch {
            firstError = error
        }
        for t in threads { t.join() }
        if let e = firstError ?? workers.lazy.compactMap(\.error).first { throw e }

        // Join in order: a segment counts when the file's format where it starts is the one
        // its reading assumed.
        var partials = [first]
        var current = first
        var reread = 0
        let assumed = template.formatID
        var k = 0
        while k < workers.count {
            let w = workers[k]
            if assembler.formatID == assumed {
                assembler.finish { emit(&current, $0) }
                partials[partials.count - 1] = current
                assembler.absorb(w.assembler, linesBase: template.linesRead)
                current = w.partial
                partials.append(current)
                done = w.range.lowerBound + w.consumed
                k += 1
                continue
            }
            // The format changed: read the rest again, in order, with this assembler.
            reread = workers.count - k
            done = w.range.lowerBound
            done += try sequential(done, count, &assembler, &current)
            partials[partials.count - 1] = current
            break
        }
        return Reading(partials: partials, consumed: done, segments: workers.count + 1 - reread, reread: reread)
    }

    /// Where to cut `from..<count` into `options.threads` segments: the first line at or after
    /// each share's start that starts a record whatever came before it. Empty when the input
    /// is too small, the format is not known yet or has no header shape.
    static func cutPoints(_ source: Source, from start: Int, _ assembler: LogAssembler, _ receivedAt: Timestamp,
                          _ options: Options) throws -> [Int] {
        let rest = source.count - start
        guard let f = assembler.formatID, f.hasHeaderShape, assembler.linesRead > assembler.options.sniffLines,
              rest > 0 else { return [] }
        var near: [Int]
        if let given = options.cutNear {
            near = given.filter { $0 > start && $0 < source.count }.sorted()
        } else {
            let n = min(options.threads, options.minimumSegmentBytes > 0 ? rest / options.minimumSegmentBytes : options.threads)
            guard n >= 2 else { return [] }
            near = (1..<n).map { start + rest * $0 / n }
        }
        var probe = LineScan()
        let context = ReceiveContext(receivedAt: receivedAt.milliseconds)
        var cuts: [Int] = []
        for offset in near {
            // From the line break before `offset` (a cut is made after a `\n`).
            let from = max(start, offset - 1)
            let window = try source.bytes(from, options.searchBytes)
            let found: Int? = window.withUnsafeBufferPointer { buf in
                let b = Bytes(buf)
                var i = b.find(10, from: 0) + 1
                while i < b.count {
                    let nl = b.find(10, from: i)
                    guard nl < b.count else { return nil }  // only whole lines
                    if assembler.startsRecordRegardless(Bytes(b.base + i, nl - i), f, context, &probe) { return i }
                    i = nl + 1
                }
                return nil
            }
            guard let at = found.map({ from + $0 }), at > (cuts.last ?? start), at < source.count else { continue }
            cuts.append(at)
        }
        return cuts
    }

    /// A thread of its own (POSIX threads: the core libraries import no Foundation).
    struct Thread {
        final class Body: @unchecked Sendable {
            let run: () -> Void
            init(_ run: @escaping () -> Void) { self.run = run }
        }
        #if canImport(Darwin)
        var handle: pthread_t?
        #else
        var handle: pthread_t = pthread_t()
        #endif
        var inline = false

        static func start(_ run: @escaping () -> Void) -> Thread {
            var t = Thread()
            let context = Unmanaged.passRetained(Body(run)).toOpaque()
            let rc = pthread_create(&t.handle, nil, { p in
                #if canImport(Darwin)
                let body = Unmanaged<Body>.fromOpaque(p).takeRetainedValue()
                #else
                let body = Unmanaged<Body>.fromOpaque(p!).takeRetainedValue()
                #endif
                body.run()
                return nil
            }, context)
            if rc != 0 {
                // No thread to be had: run it here (still correct, only slower).
                Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
                t.inline = true
            }
            return t
        }

        func join() {
            guard !inline else { return }
            #if canImport(Darwin)
            if let h = handle { pthread_join(h, nil) }
            #else
            pthread_join(handle, nil)
            #endif
        }
    }
}

extension LogAssembler {
    /// A copy that knows what this one knows of the file (its format, the options) and nothing
    /// of any record, to read a segment that starts with a line `startsRecordRegardless` accepts.
    func segmentStart() -> LogAssembler {
        var a = self
        a.buffer = []
        a.buffer.reserveCapacity(1024)
        a.external = nil
        a.externalCount = 0
        a.pending = LineScan()
        a.scratch = LineScan()
        a.hasPending = false
        a.pendingLines = 0
        a.pendingFirstLineLength = 0
        a.pendingTruncated = false
        a.pendingStack = false
        a.traceback = 0
        a.bareStreak = 0
        a.candidate = nil
        a.candidateStreak = 0
        a.formatChanges = 0
        a.recordsEmitted = 0
        a.overflowLines = 0
        // `linesRead` is kept, so that the first lines' quick detection (`sniffLines`) does not
        // apply again; `absorb` counts from it.
        return a
    }

    /// Whether `line` starts a record whatever the assembler's state, as long as the file's
    /// format is `format`: a line that reads as a format with a header shape, not indented.
    func startsRecordRegardless(_ line: Bytes, _ format: FormatID, _ context: ReceiveContext,
                                _ probe: inout LineScan) -> Bool {
        var b = line
        if b.count > 0, b[b.count - 1] == 13 { b = Bytes(b.base, b.count - 1) }
        guard format.hasHeaderShape, b.count > 0, b[0] != 32, b[0] != 9 else { return false }
        return detector.scan(b, as: format, truncated: false, context, &probe)
    }

    /// Continues as `next`, which read the lines after this one's (this one's last record
    /// already handed over); the counts become those of both.
    mutating func absorb(_ next: LogAssembler, linesBase: Int) {
        let lines = linesRead + (next.linesRead - linesBase)
        let records = recordsEmitted + next.recordsEmitted
        let changes = formatChanges + next.formatChanges
        let overflow = overflowLines + next.overflowLines
        self = next
        linesRead = lines
        recordsEmitted = records
        formatChanges = changes
        overflowLines = overflow
    }
}
