import Incidents
import Telemetry
import TerminalUI

/// Turns the messages a session folds through `reduce` into the records of a recording
/// (`docs/recording-format.md`). Pure: it returns bytes, and the caller appends them to a
/// file (`RecordingFile` in Sources) in the order given.
///
/// Records depend on the ones before them: times are differences, scrapes refer to strings
/// and series defined earlier and code values against the last ones. So the encoder writes
/// keyframes, in two strengths:
///
/// - a *value keyframe* every `header.keyframeInterval` (5 minutes) of recorded time: the time
///   base and every series' last value are forgotten, so values decode from there on; the
///   dictionaries stay (restating them every 5 minutes costs nearly as much as the values: at a
///   5 s scrape interval, 1.89 bytes per sample for the demo instead of 1.52);
/// - a *full keyframe* every `header.fullKeyframeInterval` (60 minutes): dictionaries too, so
///   nothing after it refers to anything before it.
///
/// A reader seeking to a value keyframe skims the records since the full keyframe before it
/// (shapes and definitions only; value bits are skipped by their length), then decodes.
/// Usage:
///
/// ```swift
/// var encoder = RecordingEncoder(header: header)
/// file.write(encoder.fileStart())
/// for msg in messages { for record in encoder.encode(msg) { file.append(record) } }
/// ```
public struct RecordingEncoder {
    /// One record, unframed: its type byte and payload.
    public struct Record: Hashable, Sendable {
        public var type: UInt8
        public var payload: [UInt8]
        public init(type: UInt8, payload: [UInt8]) { self.type = type; self.payload = payload }
        /// Length, type, CRC and payload, ready to append.
        public var framed: [UInt8] { RecordFraming.frame(type: type, payload: payload) }
    }

    /// The header as written: secrets scrubbed.
    public let header: RecordingHeader
    /// The recorded time of the last record written (the header's start before any).
    public private(set) var time: Timestamp
    /// Messages encoded so far (omitted ones included).
    public private(set) var messageCount = 0
    /// Samples in the scrape records so far.
    public private(set) var samples = 0

    private var lastKeyframe: Timestamp?
    private var lastFullKeyframe: Timestamp?
    private var names: [ExactString: Int] = [:]
    private var targets: [ExactString: TargetScrapeEncoder] = [:]

    public init(header: RecordingHeader) {
        self.header = header.scrubbed()
        self.time = header.start
    }

    /// The header record.
    public var headerRecord: Record { Record(type: RecordType.header.rawValue, payload: header.encode()) }

    /// What a new file starts with: the preamble and the framed header.
    public func fileStart() -> [UInt8] { RecordFraming.preamble() + headerRecord.framed }

    /// The records for one message: itself, after a keyframe when one is due. `at` is the
    /// recorded time the message was folded at; by default the time the message carries
    /// (a scrape: its start plus its duration), or for a key, mouse or resize, the time of the
    /// record before.
    public mutating func encode(_ msg: Msg, at: Timestamp? = nil) -> [Record] {
        let t = at ?? Self.time(of: msg) ?? time
        var out: [Record] = []
        func due(_ last: Timestamp?, _ interval: Milliseconds) -> Bool {
            guard let last else { return true }
            return t < last || t.milliseconds &- last.milliseconds >= interval.value
        }
        if due(lastFullKeyframe, header.fullKeyframeInterval) {
            out.append(keyframe(at: t, full: true))
        } else if due(lastKeyframe, header.keyframeInterval) {
            out.append(keyframe(at: t, full: false))
        }
        let type = RecordType.of(msg)
        var p = ByteSink()
        p.varint(t.milliseconds &- time.milliseconds)
        let namesBefore = names
        if let reason = encodeFields(msg, recordTime: t, into: &p) {
            names = namesBefore
            out.append(omitted(type, reason, at: t))
        } else if p.bytes.count > RecordFraming.maxPayload {
            // Only a message of tens of megabytes gets here (a huge batch of log lines). The
            // names it defined are taken back: the reader never sees them.
            names = namesBefore
            if case .scrapeCompleted = msg { preconditionFailure("a scrape's size bound let through \(p.bytes.count) bytes") }
            out.append(omitted(type, "\(p.bytes.count) bytes encoded, over the \(RecordFraming.maxPayload >> 20) MiB record limit", at: t))
        } else {
            out.append(Record(type: type.rawValue, payload: p.bytes))
        }
        time = t
        messageCount += 1
        return out
    }

    /// The records for one message, framed and joined: one `write` for the file.
    public mutating func framed(_ msg: Msg, at: Timestamp? = nil) -> [UInt8] {
        encode(msg, at: at).flatMap(\.framed)
    }

    /// The time a message carries, if it carries one.
    public static func time(of msg: Msg) -> Timestamp? {
        switch msg {
        case .started(let at), .resumed(let at), .timerFired(_, let at), .logLinesArrived(_, _, let at, _),
             .logSourceStatus(_, _, let at), .commandOutput(_, _, let at), .commandFinished(_, _, _, _, let at),
             .configReloaded(_, let at), .configReloadFailed(_, let at):
            return at
        case .scrapeCompleted(let r): return Timestamp(milliseconds: r.startedAt.milliseconds &+ r.duration.value)
        case .keyPressed, .mouse, .resized: return nil
        }
    }

    // MARK: Records

    /// A keyframe: every series' value state and the time base reset (a value keyframe), and
    /// with `full` every dictionary too.
    private mutating func keyframe(at t: Timestamp, full: Bool) -> Record {
        if full {
            names = [:]
            targets = [:]
            lastFullKeyframe = t
        } else {
            for key in Array(targets.keys) { targets[key]!.resetValues() }
        }
        lastKeyframe = t
        time = t
        var p = ByteSink()
        p.byte(full ? 1 : 0)
        p.varint(t.milliseconds)
        p.count(messageCount)
        return Record(type: RecordType.keyframe.rawValue, payload: p.bytes)
    }

    private mutating func omitted(_ type: RecordType, _ reason: String, at t: Timestamp) -> Record {
        var p = ByteSink()
        p.varint(t.milliseconds &- time.milliseconds)
        p.byte(type.rawValue)
        p.string(reason)
        return Record(type: RecordType.omitted.rawValue, payload: p.bytes)
    }

    /// A name by reference into the session's name table (targets, log sources, paths):
    /// `id + 1`, or `0` and the name when it is new.
    private mutating func name(_ s: String, into out: inout ByteSink) {
        let key = ExactString(s)
        if let id = names[key] { out.count(id + 1); return }
        names[key] = names.count
        out.count(0)
        out.string(s)
    }

    /// The message's fields after the record time, or why it cannot be recorded.
    private mutating func encodeFields(_ msg: Msg, recordTime t: Timestamp, into out: inout ByteSink) -> String? {
        func at(_ a: Timestamp) { out.varint(a.milliseconds &- t.milliseconds) }
        switch msg {
        case .started(let a), .resumed(let a):
            at(a)
        case .timerFired(let timer, let a):
            at(a)
            switch timer {
            case .tick: out.byte(0)
            case .scrapeDue(let target, let generation): out.byte(1); name(target, into: &out); out.int(generation)
            case .collectLogs: out.byte(2)
            case .evaluateRules(let group): out.byte(3); out.int(group)
            case .evaluateDrift: out.byte(4)
            }
        case .scrapeCompleted(let r):
            return encodeScrape(r, recordTime: t, into: &out)
        case .logLinesArrived(let source, let lines, let a, let cut):
            at(a)
            name(source, into: &out)
            out.strings(lines)
            out.count(cut.count)
            for i in cut { out.int(i) }
        case .logSourceStatus(let path, let status, let a):
            at(a)
            name(path, into: &out)
            out.string(status)
        case .commandOutput(let runID, let lines, let a):
            at(a)
            out.string(runID)
            out.strings(lines)
        case .commandFinished(let runID, let ending, let duration, let auditProblem, let a):
            at(a)
            out.string(runID)
            switch ending {
            case .exited(let code): out.byte(0); out.varint(Int64(code))
            case .signaled(let signal): out.byte(1); out.varint(Int64(signal))
            case .timedOut: out.byte(2)
            case .cancelled: out.byte(3)
            case .failedToStart(let why): out.byte(4); out.string(why)
            case .statusUnknown(let why): out.byte(5); out.string(why)
            }
            let c = duration.components
            out.varint(c.seconds)
            out.varint(c.attoseconds)
            out.optionalString(auditProblem)
        case .keyPressed(let key):
            switch key {
            case .character(let c): out.byte(0); out.string(String(c))
            case .enter: out.byte(1)
            case .escape: out.byte(2)
            case .tab: out.byte(3)
            case .backTab: out.byte(4)
            case .backspace: out.byte(5)
            case .delete: out.byte(6)
            case .up: out.byte(7)
            case .down: out.byte(8)
            case .left: out.byte(9)
            case .right: out.byte(10)
            case .home: out.byte(11)
            case .end: out.byte(12)
            case .pageUp: out.byte(13)
            case .pageDown: out.byte(14)
            case .function(let n): out.byte(15); out.int(n)
            case .ctrl(let c): out.byte(16); out.string(String(c))
            }
        case .mouse(let e):
            switch e.kind {
            case .press: out.byte(0)
            case .release: out.byte(1)
            case .scrollUp: out.byte(2)
            case .scrollDown: out.byte(3)
            }
            out.int(e.x)
            out.int(e.y)
        case .resized(let size):
            out.int(size.width)
            out.int(size.height)
        case .configReloaded(let config, let a):
            at(a)
            ConfigCoding.encode(config, into: &out)
        case .configReloadFailed(let text, let a):
            at(a)
            out.string(text)
        }
        return nil
    }

    private mutating func encodeScrape(_ r: ScrapeResult, recordTime t: Timestamp, into out: inout ByteSink) -> String? {
        if case .success(let families) = r.outcome {
            // A bound on the encoding with every series new: past the record limit, the scrape
            // is omitted before any dictionary changes.
            var bound = 64 + r.target.utf8.count
            var count = 0
            for f in families {
                bound += 32 + f.name.utf8.count + (f.help?.utf8.count ?? 0) + (f.unit?.utf8.count ?? 0)
                for s in f.samples {
                    count += 1
                    bound += 64 + s.name.utf8.count
                    for p in s.labels { bound += 20 + p.name.utf8.count + p.value.utf8.count }
                    if let e = s.exemplar { for p in e.labels { bound += 20 + p.name.utf8.count + p.value.utf8.count } }
                }
            }
            if count > RecordingLimits.maxSamplesPerScrape || bound > RecordFraming.maxPayload {
                return "a scrape of \(r.target) with \(count) samples, too large to record (limits: \(RecordingLimits.maxSamplesPerScrape) samples, \(RecordFraming.maxPayload >> 20) MiB)"
            }
        }
        name(r.target, into: &out)
        let key = ExactString(r.target)
        var target = targets.removeValue(forKey: key) ?? TargetScrapeEncoder()
        defer { targets[key] = target }
        out.varint(r.duration.value)
        out.varint(r.startedAt.milliseconds &+ r.duration.value &- t.milliseconds)
        out.int(r.bodyBytes &- target.lastBodyBytes)
        target.lastBodyBytes = r.bodyBytes
        switch r.outcome {
        case .success(let families):
            out.byte(0)
            let before = target.samples
            target.encode(families, into: &out)
            samples += target.samples - before
        case .failure(let failure):
            switch failure {
            case .parse(let e): out.byte(1); out.int(e.line); out.int(e.column); out.string(e.message)
            case .http(let status): out.byte(2); out.int(status)
            case .transport(let message): out.byte(3); out.string(message)
            case .timeout(let t): out.byte(4); out.varint(t.value)
            case .tooLarge(let limit): out.byte(5); out.int(limit)
            }
        }
        return nil
    }
}
