import Incidents
import Telemetry

/// One message read back from a recording.
public struct RecordingEntry: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        case message(Msg)
        /// A message the writer could not record: its record type and why.
        case omitted(type: UInt8, reason: String)
    }
    /// The record's byte offset and index in the file.
    public var offset: Int
    public var record: Int
    /// The recorded time it was folded at.
    public var time: Timestamp
    public var content: Content

    /// The message, unless it was omitted.
    public var message: Msg? {
        if case .message(let m) = content { return m }
        return nil
    }
}

/// A seek point: where a keyframe is, the recorded time and message count there, and where
/// the full keyframe is that its dictionaries go back to (itself, when it is full).
public struct KeyframeEntry: Hashable, Sendable {
    public var offset: Int
    public var record: Int
    public var time: Timestamp
    public var messageIndex: Int
    public var full: Bool
    public var fullOffset: Int
    public var fullRecord: Int
}

/// What was read, by record type: counts and bytes (framing included), samples, times.
public struct RecordingStats: Hashable, Sendable {
    public struct TypeCount: Hashable, Sendable {
        public var type: UInt8
        public var count: Int
        public var bytes: Int
        public var name: String { RecordType.name(of: type) }
    }

    /// Per record type, in type order.
    public var byType: [TypeCount] { counts.keys.sorted().map { counts[$0]! } }
    public private(set) var records = 0
    public private(set) var messages = 0
    public private(set) var omitted = 0
    /// Records of types this version does not know, skipped.
    public private(set) var unknown = 0
    /// Samples in the scrape records read.
    public private(set) var samples = 0
    /// The recorded times of the first and last message.
    public private(set) var firstTime: Timestamp?
    public private(set) var lastTime: Timestamp?

    private var counts: [UInt8: TypeCount] = [:]

    /// Bytes of the scrape records (framing included).
    public var scrapeBytes: Int { counts[RecordType.scrapeCompleted.rawValue]?.bytes ?? 0 }
    /// Scrape record bytes per sample: the compactness figure of `docs/recording-format.md`.
    public var bytesPerSample: Double? { samples > 0 ? Double(scrapeBytes) / Double(samples) : nil }
    /// Recorded time from the first message to the last.
    public var duration: Milliseconds {
        guard let firstTime, let lastTime else { return Milliseconds(0) }
        return Milliseconds(lastTime.milliseconds &- firstTime.milliseconds)
    }

    mutating func count(type: UInt8, bytes: Int) {
        records += 1
        counts[type, default: TypeCount(type: type, count: 0, bytes: 0)].count += 1
        counts[type, default: TypeCount(type: type, count: 0, bytes: 0)].bytes += bytes
    }

    mutating func count(_ decoded: DecodedRecord) {
        switch decoded {
        case .header, .keyframe: break
        case .unknown: unknown += 1
        case .omitted(_, _, let t): omitted += 1; messages += 1; saw(t)
        case .message(let m, let t):
            messages += 1
            saw(t)
            if case .scrapeCompleted(let r) = m, case .success(let families) = r.outcome {
                for f in families { samples += f.samples.count }
            }
        }
    }

    private mutating func saw(_ t: Timestamp) {
        if firstTime == nil { firstTime = t }
        lastTime = t
    }
}

/// Reads a recording held in memory (read or mapped by the caller), message by message:
/// preamble and header first, then each record framed-checked (`FrameScanner`) and decoded
/// (`RecordingDecoder`). The first problem ends the reading with `problem` set, naming the
/// file, the byte offset and the recorded time reached; everything before it was returned.
public struct RecordingReader {
    public let file: String
    public let version: RecordingVersion
    public let header: RecordingHeader
    /// Why reading ended before the end of the file, once it has.
    public private(set) var problem: RecordingProblem?
    /// The end of the last record read: the file is good up to here.
    public var offset: Int { scanner.offset }
    public private(set) var stats = RecordingStats()
    /// The recorded time of the last record read.
    public var time: Timestamp { decoder.time }

    private let bytes: [UInt8]
    private var scanner: FrameScanner
    private var decoder: RecordingDecoder

    /// Opens a recording: checks the preamble and reads the header. Throws when either is bad
    /// (a newer version, not a recording, a damaged header): then nothing can be read.
    public init(bytes: [UInt8], file: String) throws(RecordingProblem) {
        self.bytes = bytes
        self.file = file
        var scanner = FrameScanner(file: file)
        var decoder = RecordingDecoder()
        var stats = RecordingStats()
        let opened = bytes.withUnsafeBytes { buffer -> Result<(RecordingVersion, RecordingHeader), RecordingProblem> in
            let version: RecordingVersion
            switch RecordFraming.readPreamble(buffer, file: file) {
            case .failure(let p): return .failure(p)
            case .success(let v): version = v
            }
            switch scanner.next(in: buffer) {
            case .end:
                return .failure(RecordingProblem(file: file, offset: scanner.offset, record: 0, kind: .truncated(needed: RecordFraming.frameHeaderSize, available: 0)))
            case .stopped(var p):
                p.typeName = RecordType.name(of: p.recordType ?? 0)
                return .failure(p)
            case .frame(let f):
                guard f.type == RecordType.header.rawValue else {
                    return .failure(RecordingProblem(file: file, offset: f.offset, record: 0, kind: .missingHeader(type: f.type)))
                }
                do throws(RecordingPayloadError) {
                    guard case .header(let h) = try decoder.decode(type: f.type, payload: UnsafeRawBufferPointer(rebasing: buffer[f.payload])) else {
                        preconditionFailure("a header record decoded as something else")
                    }
                    stats.count(type: f.type, bytes: f.end - f.offset)
                    return .success((version, h))
                } catch {
                    return .failure(RecordingProblem(file: file, offset: f.offset, record: 0, kind: .malformed(type: f.type, detail: error.detail),
                                                     typeName: "header"))
                }
            }
        }
        switch opened {
        case .failure(let p): throw p
        case .success(let (v, h)):
            version = v; header = h
        }
        self.scanner = scanner
        self.decoder = decoder
        self.stats = stats
    }

    /// Opens a recording at a keyframe found by `keyframes(in:file:)`: the messages from there
    /// on. Records between the full keyframe it goes back to and it are skimmed (their
    /// dictionary definitions taken in, their values skipped); nothing before is read.
    /// A problem on the way is reported by `problem` after the first `next()`.
    public init(bytes: [UInt8], file: String, from keyframe: KeyframeEntry) throws(RecordingProblem) {
        try self.init(bytes: bytes, file: file)
        scanner = FrameScanner(file: file, offset: keyframe.fullOffset, index: keyframe.fullRecord)
        var decoder = self.decoder
        var scanner = self.scanner
        let file = self.file
        let problem = bytes.withUnsafeBytes { buffer -> RecordingProblem? in
            while scanner.offset < keyframe.offset {
                switch scanner.next(in: buffer) {
                case .end: return nil
                case .stopped(var p):
                    p.typeName = p.recordType.map { RecordType.name(of: $0) }
                    return p
                case .frame(let f):
                    do throws(RecordingPayloadError) {
                        _ = try decoder.skim(type: f.type, payload: UnsafeRawBufferPointer(rebasing: buffer[f.payload]))
                    } catch {
                        return RecordingProblem(file: file, offset: f.offset, record: f.index, kind: .malformed(type: f.type, detail: error.detail),
                                                typeName: RecordType.name(of: f.type))
                    }
                }
            }
            return nil
        }
        self.decoder = decoder
        self.scanner = scanner
        if let problem { self.problem = problem; self.scanner = FrameScanner(file: file, offset: problem.offset, index: problem.record ?? 0) }
    }

    /// The next message, or nil at the end of the file or at a problem (then `problem` says
    /// which and where). Keyframes and records of unknown types are taken in passing.
    public mutating func next() -> RecordingEntry? {
        while problem == nil {
            let step = bytes.withUnsafeBytes { buffer -> (FrameScanner.Step, Result<DecodedRecord, RecordingPayloadError>?) in
                let step = scanner.next(in: buffer)
                guard case .frame(let f) = step else { return (step, nil) }
                let payload = UnsafeRawBufferPointer(rebasing: buffer[f.payload])
                return (step, Result { () throws(RecordingPayloadError) -> DecodedRecord in try decoder.decode(type: f.type, payload: payload) })
            }
            switch step {
            case (.end, _):
                return nil
            case (.stopped(var p), _):
                p.typeName = p.recordType.map { RecordType.name(of: $0) }
                p.reachedTime = stats.lastTime
                problem = p
                return nil
            case (.frame(let f), let decoded?):
                switch decoded {
                case .failure(let e):
                    problem = RecordingProblem(file: file, offset: f.offset, record: f.index, kind: .malformed(type: f.type, detail: e.detail),
                                               typeName: RecordType.name(of: f.type), reachedTime: stats.lastTime)
                    // The scanner has moved past the record; the file is good only up to its start.
                    scanner = FrameScanner(file: file, offset: f.offset, index: f.index)
                    return nil
                case .success(let record):
                    if case .header = record {
                        problem = RecordingProblem(file: file, offset: f.offset, record: f.index,
                                                   kind: .malformed(type: f.type, detail: "a second header"), typeName: "header",
                                                   reachedTime: stats.lastTime)
                        scanner = FrameScanner(file: file, offset: f.offset, index: f.index)
                        return nil
                    }
                    stats.count(type: f.type, bytes: f.end - f.offset)
                    stats.count(record)
                    switch record {
                    case .message(let m, let t):
                        return RecordingEntry(offset: f.offset, record: f.index, time: t, content: .message(m))
                    case .omitted(let type, let reason, let t):
                        return RecordingEntry(offset: f.offset, record: f.index, time: t, content: .omitted(type: type, reason: reason))
                    case .header, .keyframe, .unknown:
                        continue
                    }
                }
            case (.frame, nil):
                preconditionFailure("a frame without its decoding")
            }
        }
        return nil
    }

    /// Every message of a recording, and how far it could be read.
    public static func readAll(bytes: [UInt8], file: String) -> RecordingContents {
        var reader: RecordingReader
        do { reader = try RecordingReader(bytes: bytes, file: file) } catch {
            return RecordingContents(version: nil, header: nil, entries: [], stats: RecordingStats(), problem: error,
                                     readUpTo: error.offset, reachedTime: nil)
        }
        var entries: [RecordingEntry] = []
        while let e = reader.next() { entries.append(e) }
        return RecordingContents(version: reader.version, header: reader.header, entries: entries, stats: reader.stats,
                                 problem: reader.problem, readUpTo: reader.offset, reachedTime: reader.stats.lastTime)
    }

    /// The seek index: every keyframe before the first problem, from the frame headers (the
    /// CRCs are not computed; a reader starting at a keyframe checks the records it reads).
    /// A scan of headers only: a recording of hundreds of megabytes is indexed in milliseconds.
    public static func keyframes(in bytes: [UInt8], file: String) -> [KeyframeEntry] {
        bytes.withUnsafeBytes { buffer in
            guard case .success = RecordFraming.readPreamble(buffer, file: file) else { return [] }
            var scanner = FrameScanner(file: file)
            var out: [KeyframeEntry] = []
            var decoder = RecordingDecoder()
            var full: (offset: Int, record: Int)?
            while case .frame(let f) = scanner.next(in: buffer, verifyChecksum: false) {
                guard f.type == RecordType.keyframe.rawValue else { continue }
                guard case .keyframe(let t, let index, let isFull)? = try? decoder.decode(type: f.type, payload: UnsafeRawBufferPointer(rebasing: buffer[f.payload])) else {
                    break
                }
                if isFull { full = (f.offset, f.index) }
                // A value keyframe with no full one before it goes back to the file's start.
                let base = full ?? (RecordFraming.preambleSize, 0)
                out.append(KeyframeEntry(offset: f.offset, record: f.index, time: t, messageIndex: index, full: isFull,
                                         fullOffset: base.offset, fullRecord: base.record))
            }
            return out
        }
    }
}

/// A whole recording read (`RecordingReader.readAll`).
public struct RecordingContents: Sendable {
    public var version: RecordingVersion?
    public var header: RecordingHeader?
    public var entries: [RecordingEntry]
    public var stats: RecordingStats
    /// Why reading stopped before the end, if it did.
    public var problem: RecordingProblem?
    /// The file is good up to this byte.
    public var readUpTo: Int
    /// The recorded time of the last message read.
    public var reachedTime: Timestamp?

    /// The messages, omitted ones left out.
    public var messages: [Msg] { entries.compactMap(\.message) }
}
