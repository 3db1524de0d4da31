import CLogScan
import Telemetry

/// Turns the lines of one file into records, in order: detects the file's format from its
/// lines (and again when the file changes format), and folds the lines that continue a record
/// (Python tracebacks, Java stack traces, indented lines, lines without the file's header
/// shape) into the record before them.
///
/// A record is complete when the next record's first line arrives, or when `flush(now:)` finds
/// the file idle for `options.idleTimeout`, or at `finish()`. Pure: the caller passes the time.
/// Every line goes into exactly one record; records come out in the order their lines came in.
///
/// Two ways in: `append(_:receivedAt:truncated:) -> LogEntry?` for strings, and
/// `append(_:receivedAt:truncated:emit:)` / `append(chunk:receivedAt:emit:)` for bytes, which
/// hand each record to `emit` as a `LogRecord` (no strings made unless asked for).
public struct LogAssembler: Sendable {
    public struct Options: Hashable, Sendable {
        /// A pending record is complete once no line has come for this long (see `flush(now:)`).
        public var idleTimeout: Milliseconds
        /// At most this many lines are folded into one record; the next line starts a new one.
        public var maxRecordLines: Int
        /// At most this many bytes are folded into one record (a first line is never cut here:
        /// the follower bounds lines).
        public var maxRecordBytes: Int
        /// During the first lines of a file, one line of a structured format is enough to leave
        /// plain text for it; later, two (from plain) or three in a row (from another format).
        public var sniffLines: Int
        /// In a file whose records start with a known shape, at most this many lines in a row
        /// without it are folded as continuations; then the file is read as plain text.
        public var bareLineLimit: Int

        public init(idleTimeout: Milliseconds = Milliseconds(500), maxRecordLines: Int = 1_000,
                    maxRecordBytes: Int = 4 << 20, sniffLines: Int = 10, bareLineLimit: Int = 64) {
            self.idleTimeout = idleTimeout; self.maxRecordLines = max(1, maxRecordLines)
            self.maxRecordBytes = max(1, maxRecordBytes); self.sniffLines = sniffLines
            self.bareLineLimit = bareLineLimit
        }
    }

    public let source: String
    public let options: Options
    /// The format the file's records are read as (nil before the first line).
    public var format: LogFormat? { formatID?.logFormat(customs: detector.customs) }
    var formatID: FormatID?
    /// How many times the file's format changed after the first line.
    public internal(set) var formatChanges = 0
    public internal(set) var linesRead = 0
    public internal(set) var recordsEmitted = 0
    /// Lines that began a record of their own because the record before was full.
    public internal(set) var overflowLines = 0

    let detector: FormatDetector
    let customGroupNames: [[String]]

    var buffer: [UInt8] = []
    /// The pending record's single line when it still lies in the caller's chunk (not copied).
    /// (An address, so the assembler stays `Sendable`; it is nil whenever `append(chunk:)` returns.)
    var externalAddress: UInt = 0
    var externalCount = 0
    var external: UnsafePointer<UInt8>? {
        get { UnsafePointer(bitPattern: externalAddress) }
        set { externalAddress = UInt(bitPattern: newValue) }
    }
    /// The pending record's scan and the next line's, in two slots that trade places when a
    /// record starts (no copy of a scan).
    var scanA = LineScan()
    var scanB = LineScan()
    var pendingInB = false
    var pending: LineScan {
        _read { if pendingInB { yield scanB } else { yield scanA } }
        _modify { if pendingInB { yield &scanB } else { yield &scanA } }
    }
    var scratch: LineScan {
        _read { if pendingInB { yield scanA } else { yield scanB } }
        _modify { if pendingInB { yield &scanA } else { yield &scanB } }
    }

    /// Reads `b` as `f` into the scratch slot (the slots named directly: no accessor).
    @inline(__always)
    mutating func scanScratch(_ b: Bytes, as f: FormatID, truncated: Bool) -> Bool {
        pendingInB ? detector.scan(b, as: f, truncated: truncated, context, &scanA)
            : detector.scan(b, as: f, truncated: truncated, context, &scanB)
    }

    @inline(__always)
    mutating func detectScratch(_ b: Bytes, truncated: Bool) -> FormatID {
        pendingInB ? detector.detect(b, truncated: truncated, context, &scanA)
            : detector.detect(b, truncated: truncated, context, &scanB)
    }
    var hasPending = false
    var pendingLines = 0
    var pendingFirstLineLength = 0
    var pendingTruncated = false
    var pendingReceivedAt: Int64 = 0
    var pendingStack = false
    var lastLineAt: Int64 = 0
    /// 0: outside a Python traceback; 1: after its header; 2: after an indented frame line.
    var traceback: UInt8 = 0
    var bareStreak = 0
    var candidate: FormatID?
    var candidateStreak = 0
    var contextDay: Int64 = .min
    var context = ReceiveContext(receivedAt: 0)

    public init(source: String, customFormats: [CustomLogFormat] = [], options: Options = Options()) {
        self.source = source
        self.options = options
        self.detector = FormatDetector(customs: customFormats)
        self.customGroupNames = customFormats.map { $0.compiled.extraGroupNames }
        buffer.reserveCapacity(1024)
    }

    /// Whether a record is waiting for its next line (or for `flush`).
    public var hasPendingRecord: Bool { hasPending }

    // MARK: - Lines in

    /// Feeds one line (without its line break; a final `\r` is dropped as part of it).
    /// `truncated`: the follower cut the line at its length limit. Hands over the record this
    /// line completes, if any (at most one).
    public mutating func append(_ line: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp, truncated: Bool = false,
                                emit: (LogRecord) -> Void) {
        appendLine(Bytes(line), at: receivedAt.milliseconds, truncated: truncated, inChunk: false, emit: emit)
    }

    /// One line; with `inChunk` its bytes stay valid until the chunk is done, so a record of
    /// one line need not be copied.
    mutating func appendLine(_ line: Bytes, at: Int64, truncated: Bool, inChunk: Bool, emit: (LogRecord) -> Void) {
        var b = line
        if b.count > 0, b[b.count - 1] == 13 { b = Bytes(b.base, b.count - 1) }
        linesRead += 1
        if at / 86_400_000 != contextDay {
            contextDay = at / 86_400_000
            context = ReceiveContext(receivedAt: at)
        } else {
            context.receivedAt = at
        }
        lastLineAt = at
        if hasPending, isContinuation(b, truncated: truncated) {
            if pendingLines < options.maxRecordLines, pendingByteCount + 1 + b.count <= options.maxRecordBytes {
                internalize()
                buffer.append(10)
                buffer.append(contentsOf: UnsafeBufferPointer(start: b.base, count: b.count))
                pendingLines += 1
                if truncated { pendingTruncated = true }
                return
            }
            overflowLines += 1
            _ = detectScratch(b, truncated: truncated)
        } else if !hasPending {
            scanHeader(b, truncated: truncated)
        }
        startRecord(b, at: at, truncated: truncated, inChunk: inChunk, emit: emit)
    }

    var pendingByteCount: Int { external != nil ? externalCount : buffer.count }

    /// Copies a pending line that still lies in the caller's chunk into the assembler.
    mutating func internalize() {
        guard let p = external else { return }
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: UnsafeBufferPointer(start: p, count: externalCount))
        external = nil
    }

    /// Feeds complete lines from `chunk` (each ended by `\n`) and returns how many bytes were
    /// consumed: up to and including the last line break. The rest (a line still being written)
    /// stays with the caller.
    @discardableResult
    public mutating func append(chunk: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp, emit: (LogRecord) -> Void) -> Int {
        let b = Bytes(chunk)
        let at = receivedAt.milliseconds
        var i = 0
        // The line breaks of 4 KiB at a time as bits (vector compares), then one line per bit.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 64) { words in
            let bits = words.baseAddress!
            var window = 0
            while window < b.count {
                let n = min(4096, b.count &- window)
                mw_newlines(b.base + window, n, bits)
                for w in 0..<((n &+ 63) &>> 6) {
                    var m = bits[w]
                    while m != 0 {
                        let nl = window &+ (w &<< 6) &+ m.trailingZeroBitCount
                        m &= m &- 1
                        appendLine(Bytes(b.base + i, nl &- i), at: at, truncated: false, inChunk: true, emit: emit)
                        i = nl &+ 1
                    }
                }
                window &+= n
            }
        }
        internalize()
        return i
    }

    /// Completes the pending record if no line has come for `options.idleTimeout`.
    public mutating func flush(now: Timestamp, emit: (LogRecord) -> Void) {
        guard hasPending, now.milliseconds - lastLineAt >= options.idleTimeout.value else { return }
        emitPending(emit)
    }

    /// Completes the pending record now (the file ended, or the reader stops).
    public mutating func finish(emit: (LogRecord) -> Void) {
        emitPending(emit)
    }

    // MARK: - Strings in, entries out

    /// Feeds one line; returns the entry it completes, if any.
    public mutating func append(_ line: String, receivedAt: Timestamp, truncated: Bool = false) -> LogEntry? {
        var line = line
        var result: LogEntry?
        let source = self.source
        line.withUTF8 { buf in
            append(buf, receivedAt: receivedAt, truncated: truncated) { result = $0.entry(source: source) }
        }
        return result
    }

    /// Feeds raw bytes of one line (invalid UTF-8 becomes U+FFFD in the entry's text).
    public mutating func append(bytes: [UInt8], receivedAt: Timestamp, truncated: Bool = false) -> LogEntry? {
        var result: LogEntry?
        let source = self.source
        bytes.withUnsafeBufferPointer { buf in
            append(buf, receivedAt: receivedAt, truncated: truncated) { result = $0.entry(source: source) }
        }
        return result
    }

    /// Feeds lines; returns the entries they complete.
    public mutating func append(contentsOf lines: [String], receivedAt: Timestamp) -> [LogEntry] {
        var out: [LogEntry] = []
        for line in lines { if let e = append(line, receivedAt: receivedAt) { out.append(e) } }
        return out
    }

    public mutating func flush(now: Timestamp) -> LogEntry? {
        var result: LogEntry?
        let source = self.source
        flush(now: now) { result = $0.entry(source: source) }
        return result
    }

    public mutating func finish() -> LogEntry? {
        var result: LogEntry?
        let source = self.source
        finish { result = $0.entry(source: source) }
        return result
    }

    /// The pending record as an entry, without completing it (to show a last line at once).
    public func peek() -> LogEntry? {
        guard hasPending else { return nil }
        var result: LogEntry?
        let source = self.source
        withPendingRecord { result = $0.entry(source: source) }
        return result
    }

    // MARK: - Records

    func withPendingRecord(_ body: (LogRecord) -> Void) {
        var copy = self
        copy.emitPending(body)
    }

    mutating func emitPending(_ emit: (LogRecord) -> Void) {
        guard hasPending else { return }
        // A folded record: the continuation lines may name the model or request
        // (`IllegalStateException: model 'x' is not loaded`).
        if pendingLines > 1, !pending.model.isPresent || !pending.requestID.isPresent, external == nil {
            let glog = pending.tritonStyle
            let from = pendingFirstLineLength
            buffer.withUnsafeBufferPointer { buf in
                MessageHints.apply(Bytes(buf), ValueSpan(from, buf.count), glog: glog, fillOnly: true, &pending)
            }
        }
        withUnsafeMutablePointer(to: &self) { p in
            func hand(_ scan: UnsafePointer<LineScan>) {
                if let e = p.pointee.external {
                    emit(LogRecord(bytes: Bytes(e, p.pointee.externalCount), owner: UnsafePointer(p), scanPointer: scan))
                } else {
                    p.pointee.buffer.withUnsafeBufferPointer { buf in
                        emit(LogRecord(bytes: Bytes(buf), owner: UnsafePointer(p), scanPointer: scan))
                    }
                }
            }
            if p.pointee.pendingInB {
                withUnsafePointer(to: &p.pointee.scanB) { hand($0) }
            } else {
                withUnsafePointer(to: &p.pointee.scanA) { hand($0) }
            }
        }
        hasPending = false
        recordsEmitted += 1
    }

    /// Ends the pending record and starts one with `b`, whose scan is in `scratch`.
    mutating func startRecord(_ b: Bytes, at: Int64, truncated: Bool, inChunk: Bool, emit: (LogRecord) -> Void) {
        emitPending(emit)
        pendingInB.toggle()
        if let replaced = pendingInB ? scanB.replacementText : scanA.replacementText {
            external = nil
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: replaced)
        } else if inChunk {
            external = b.base
            externalCount = b.count
        } else {
            external = nil
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: UnsafeBufferPointer(start: b.base, count: b.count))
        }
        hasPending = true
        pendingLines = 1
        pendingFirstLineLength = pendingByteCount
        pendingTruncated = truncated
        pendingReceivedAt = at
        pendingStack = false
        traceback = 0
    }

    // MARK: - Folding

    /// Whether `b` continues the pending record. When it does not, `scratch` holds its scan.
    mutating func isContinuation(_ b: Bytes, truncated: Bool) -> Bool {
        let n = b.count
        let first: UInt8 = n > 0 ? b[0] : 0
        if n == 0 || first == 32 || first == 9 {
            if traceback != 0 { traceback = 2 }
            if !pendingStack, Folding.isJavaFrame(b) { pendingStack = true }
            return true
        }
        if let f = formatID, f.hasHeaderShape, scanScratch(b, as: f, truncated: truncated) {
            candidateStreak = 0
            bareStreak = 0
            return false
        }
        if first == 84, b.has("Traceback (most recent call last):", at: 0) {
            traceback = 1
            pendingStack = true
            return true
        }
        if Folding.startsCrashReport(b) {
            // A Go panic or an uncaught Java exception: a record of its own, continued by its stack.
            noteDetected(detectScratch(b, truncated: truncated))
            return false
        }
        if Folding.isChainedExceptionLine(b) { traceback = 0; return true }
        if traceback == 2, Folding.isPythonExceptionLine(b) { traceback = 0; return true }
        if Folding.isJavaExceptionLine(b) { pendingStack = true; return true }
        let detected = detectScratch(b, truncated: truncated)
        // A line that starts with an escape sequence is colored output: a record of its own.
        if detected == .plain, let f = formatID, f.hasHeaderShape, first != 27 {
            bareStreak += 1
            if bareStreak <= options.bareLineLimit { return true }
            // Too many lines in a row without the file's shape: it is plain text now.
            bareStreak = 0
            switchFormat(to: .plain)
            return false
        }
        noteDetected(detected)
        return false
    }

    /// A first line read as `detected`: the file's format follows when lines keep saying so.
    mutating func noteDetected(_ detected: FormatID) {
        guard let current = formatID else { formatID = detected; return }
        guard detected != current else { candidateStreak = 0; return }
        if detected == .plain { return }
        if candidate == detected { candidateStreak += 1 } else { candidate = detected; candidateStreak = 1 }
        // From plain text to a shape: quickly. Between two shapes (vLLM's lines and uvicorn's in
        // one file), only after a long run: records fold the same way under either.
        let needed = current == .plain ? (linesRead <= options.sniffLines ? 1 : 2) : 16
        if candidateStreak >= needed { switchFormat(to: detected) }
    }

    mutating func switchFormat(to f: FormatID) {
        if formatID != nil, formatID != f { formatChanges += 1 }
        formatID = f
        candidate = nil
        candidateStreak = 0
    }
}

extension LogAssembler {
    /// A line with no record before it: read as the file's format, or detected.
    mutating func scanHeader(_ b: Bytes, truncated: Bool) {
        if let f = formatID, f.hasHeaderShape, scanScratch(b, as: f, truncated: truncated) {
            candidateStreak = 0
            return
        }
        noteDetected(detectScratch(b, truncated: truncated))
    }
}


/// The shapes of lines that continue a record.
enum Folding {
    /// `\tat com.x.Y.z(Y.java:12)`, `    at ...`, `\t... 12 more`.
    static func isJavaFrame(_ b: Bytes) -> Bool {
        let i = b.skipSpaces(0)
        return b.has("at ", at: i) || b.has("... ", at: i)
    }

    /// Python's chained-exception lines and Java's `Caused by:`.
    static func isChainedExceptionLine(_ b: Bytes) -> Bool {
        b.has("During handling of the above exception", at: 0)
            || b.has("The above exception was the direct cause", at: 0)
            || b.has("Caused by: ", at: 0)
    }

    /// `panic: ...`, `fatal error: ...` (Go), `Exception in thread "main" ...` (the JVM's
    /// uncaught exception): the first line of a crash report printed without a log header.
    static func startsCrashReport(_ b: Bytes) -> Bool {
        b.has("panic: ", at: 0) || b.has("fatal error: ", at: 0) || b.has("Exception in thread \"", at: 0)
    }

    /// The dotted name at the start, and the index after it (at least one identifier).
    static func dottedName(_ b: Bytes) -> (Int, Int, Int)? {
        var i = 0
        var dots = 0
        var segment = 0
        while i < b.count, i < 256 {
            let c = b[i]
            if Bytes.isLetter(c) || c == 95 || c == 36 || (i > segment && Bytes.isDigit(c)) {
                i += 1
            } else if c == 46, i > segment {
                dots += 1
                i += 1
                segment = i
            } else {
                break
            }
        }
        guard i > segment else { return nil }
        return (i, dots, segment)
    }

    /// The last line of a Python traceback: `ValueError: bad input`, `KeyboardInterrupt`,
    /// `torch.OutOfMemoryError: CUDA out of memory.`
    static func isPythonExceptionLine(_ b: Bytes) -> Bool {
        guard let (end, _, _) = dottedName(b) else { return false }
        return end == b.count || b[end] == 58
    }

    /// `java.lang.IllegalStateException: worker died`, `org.x.BackendError`: a dotted name
    /// whose last part ends in Exception, Error or Throwable.
    static func isJavaExceptionLine(_ b: Bytes) -> Bool {
        guard let (end, dots, _) = dottedName(b), dots >= 1 else { return false }
        guard end == b.count || (b[end] == 58 && (end + 1 == b.count || b[end + 1] == 32)) else { return false }
        return hasSuffix(b, end, "Exception") || hasSuffix(b, end, "Error") || hasSuffix(b, end, "Throwable")
    }

    static func hasSuffix(_ b: Bytes, _ end: Int, _ s: StaticString) -> Bool {
        b.has(s, at: end - s.utf8CodeUnitCount)
    }
}
