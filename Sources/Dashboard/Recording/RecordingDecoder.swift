import Incidents
import Telemetry
import TerminalUI

/// A record payload that does not decode, and what was wrong (the reader adds the file and
/// offset: `RecordingProblem.malformed`).
public struct RecordingPayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    public var detail: String
    public var description: String { detail }
}

/// What one record holds.
public enum DecodedRecord: Hashable, Sendable {
    case header(RecordingHeader)
    /// A seek point: every value state was reset here, and with `full` every dictionary.
    case keyframe(time: Timestamp, messageIndex: Int, full: Bool)
    /// A message, with the recorded time it was folded at.
    case message(Msg, time: Timestamp)
    /// A message the writer could not record (its record type and why).
    case omitted(type: UInt8, reason: String, time: Timestamp)
    /// A record type this version does not know (a newer minor version's), skipped whole.
    case unknown(type: UInt8)
}

/// Turns records back into messages: the mirror of `RecordingEncoder`, keeping the same
/// dictionaries and value states, filled in the same order. Pure and untrusting: any payload
/// either decodes or throws, with bounded work and memory, and never traps.
///
/// Records must be given in file order from the start, or from a keyframe on (decoding from
/// a keyframe needs nothing before it but the header).
public struct RecordingDecoder {
    /// The recorded time of the last record decoded.
    public private(set) var time: Timestamp
    /// The messages decoded (or omitted) so far, counted from the file's start (a keyframe
    /// gives the count before it).
    public private(set) var messageIndex = 0

    private var names: [String] = []
    private var targets: [ExactString: TargetScrapeDecoder] = [:]

    /// A decoder for records after `header` (whose start is the time base of the first record).
    public init(header: RecordingHeader) {
        time = header.start
    }

    /// A decoder for the header record alone (before it is known).
    public init() {
        time = Timestamp(milliseconds: 0)
    }

    public mutating func decode(type: UInt8, payload: [UInt8]) throws(RecordingPayloadError) -> DecodedRecord {
        // `withUnsafeBytes` rethrows untyped: carry the result out instead.
        let result = payload.withUnsafeBytes { buffer in
            Result { () throws(RecordingPayloadError) -> DecodedRecord in try decode(type: type, payload: buffer) }
        }
        return try result.get()
    }

    public mutating func decode(type: UInt8, payload: UnsafeRawBufferPointer) throws(RecordingPayloadError) -> DecodedRecord {
        try decode(type: type, payload: payload, skim: false)
    }

    /// Takes in a record's dictionary definitions without decoding its values (a scrape comes
    /// back with no families): how a reader seeking to a value keyframe catches up from the
    /// full keyframe before it. Cheap: value bits are skipped by their length.
    public mutating func skim(type: UInt8, payload: UnsafeRawBufferPointer) throws(RecordingPayloadError) -> DecodedRecord {
        try decode(type: type, payload: payload, skim: true)
    }

    private mutating func decode(type: UInt8, payload: UnsafeRawBufferPointer, skim: Bool) throws(RecordingPayloadError) -> DecodedRecord {
        var input = ByteSource(payload)
        do {
            let record = try decodeRecord(type: type, skim: skim, &input)
            // An unknown type's payload is skipped whole, unread.
            if case .unknown = record { return record }
            try input.expectEnd()
            return record
        } catch {
            throw RecordingPayloadError(detail: error.detail)
        }
    }

    private mutating func decodeRecord(type code: UInt8, skim: Bool, _ input: inout ByteSource) throws(RecordingDecodeError) -> DecodedRecord {
        guard let type = RecordType(rawValue: code) else { return .unknown(type: code) }
        switch type {
        case .header:
            let h = try RecordingHeader.decode(&input)
            time = h.start
            return .header(h)
        case .keyframe:
            let full = try input.bool()
            let t = Timestamp(milliseconds: try input.varint())
            let index = try input.uvarint()
            guard index <= UInt64(Int.max) else { throw RecordingDecodeError("a message index of \(index)") }
            if full {
                names = []
                targets = [:]
            } else {
                for key in Array(targets.keys) { targets[key]!.resetValues() }
            }
            time = t
            messageIndex = Int(index)
            return .keyframe(time: t, messageIndex: Int(index), full: full)
        case .omitted:
            let t = try recordTime(&input)
            let omittedType = try input.byte()
            let reason = try input.string()
            messageIndex += 1
            return .omitted(type: omittedType, reason: reason, time: t)
        case .started, .resumed, .timerFired, .scrapeCompleted, .logLinesArrived, .logSourceStatus, .commandOutput,
             .commandFinished, .keyPressed, .mouse, .resized, .configReloaded, .configReloadFailed:
            let t = try recordTime(&input)
            let msg = try decodeMessage(type, recordTime: t, skim: skim, &input)
            messageIndex += 1
            return .message(msg, time: t)
        }
    }

    private mutating func recordTime(_ input: inout ByteSource) throws(RecordingDecodeError) -> Timestamp {
        time = Timestamp(milliseconds: time.milliseconds &+ (try input.varint()))
        return time
    }

    private mutating func name(_ input: inout ByteSource) throws(RecordingDecodeError) -> String {
        let ref = try input.uvarint()
        if ref == 0 {
            let s = try input.string()
            names.append(s)
            return s
        }
        guard ref <= UInt64(names.count) else { throw RecordingDecodeError("name reference \(ref) past the \(names.count) defined") }
        return names[Int(ref - 1)]
    }

    private func lines(_ input: inout ByteSource) throws(RecordingDecodeError) -> [String] {
        try input.strings()
    }

    /// A one-`Character` string (a key).
    private func character(_ input: inout ByteSource) throws(RecordingDecodeError) -> Character {
        let s = try input.string()
        guard s.count == 1, let c = s.first else { throw RecordingDecodeError("a key of \(s.count) characters") }
        return c
    }

    private mutating func decodeMessage(_ type: RecordType, recordTime t: Timestamp, skim: Bool, _ input: inout ByteSource) throws(RecordingDecodeError) -> Msg {
        func at(_ input: inout ByteSource) throws(RecordingDecodeError) -> Timestamp {
            Timestamp(milliseconds: t.milliseconds &+ (try input.varint()))
        }
        switch type {
        case .header, .keyframe, .omitted:
            throw RecordingDecodeError("\(type.name) is not a message")
        case .started:
            return .started(at: try at(&input))
        case .resumed:
            return .resumed(at: try at(&input))
        case .timerFired:
            let a = try at(&input)
            let timer: Timer
            switch try input.byte() {
            case 0: timer = .tick
            case 1: timer = .scrapeDue(target: try name(&input), generation: try input.int())
            case 2: timer = .collectLogs
            case 3: timer = .evaluateRules(group: try input.int())
            case 4: timer = .evaluateDrift
            case let b: throw RecordingDecodeError("timer kind \(b) (0...4)")
            }
            return .timerFired(timer, at: a)
        case .scrapeCompleted:
            return .scrapeCompleted(try decodeScrape(recordTime: t, skim: skim, &input))
        case .logLinesArrived:
            let a = try at(&input)
            let source = try name(&input)
            let lines = try lines(&input)
            let n = try input.count()
            var cut: [Int] = []
            cut.reserveCapacity(n)
            for _ in 0..<n { cut.append(try input.int()) }
            return .logLinesArrived(source: source, lines: lines, at: a, cut: cut)
        case .logSourceStatus:
            let a = try at(&input)
            return .logSourceStatus(path: try name(&input), status: try input.string(), at: a)
        case .commandOutput:
            let a = try at(&input)
            return .commandOutput(runID: try input.string(), lines: try lines(&input), at: a)
        case .commandFinished:
            let a = try at(&input)
            let runID = try input.string()
            let ending: CommandEnding
            switch try input.byte() {
            case 0: ending = .exited(try input.int32())
            case 1: ending = .signaled(try input.int32())
            case 2: ending = .timedOut
            case 3: ending = .cancelled
            case 4: ending = .failedToStart(try input.string())
            case 5: ending = .statusUnknown(try input.string())
            case let b: throw RecordingDecodeError("command ending \(b) (0...5)")
            }
            let seconds = try input.varint(), attoseconds = try input.varint()
            let auditProblem = try input.optionalString()
            return .commandFinished(runID: runID, ending: ending, duration: Duration(secondsComponent: seconds, attosecondsComponent: attoseconds),
                                    auditProblem: auditProblem, at: a)
        case .keyPressed:
            let key: Key
            switch try input.byte() {
            case 0: key = .character(try character(&input))
            case 1: key = .enter
            case 2: key = .escape
            case 3: key = .tab
            case 4: key = .backTab
            case 5: key = .backspace
            case 6: key = .delete
            case 7: key = .up
            case 8: key = .down
            case 9: key = .left
            case 10: key = .right
            case 11: key = .home
            case 12: key = .end
            case 13: key = .pageUp
            case 14: key = .pageDown
            case 15: key = .function(try input.int())
            case 16: key = .ctrl(try character(&input))
            case let b: throw RecordingDecodeError("key kind \(b) (0...16)")
            }
            return .keyPressed(key)
        case .mouse:
            let kind: MouseEvent.Kind
            switch try input.byte() {
            case 0: kind = .press
            case 1: kind = .release
            case 2: kind = .scrollUp
            case 3: kind = .scrollDown
            case let b: throw RecordingDecodeError("mouse event kind \(b) (0...3)")
            }
            return .mouse(MouseEvent(kind: kind, x: try input.int(), y: try input.int()))
        case .resized:
            return .resized(Size(width: try input.int(), height: try input.int()))
        case .configReloaded:
            let a = try at(&input)
            return .configReloaded(try ConfigCoding.decode(from: &input), at: a)
        case .configReloadFailed:
            let a = try at(&input)
            return .configReloadFailed(try input.string(), at: a)
        }
    }

    private mutating func decodeScrape(recordTime t: Timestamp, skim: Bool, _ input: inout ByteSource) throws(RecordingDecodeError) -> ScrapeResult {
        let target = try name(&input)
        let key = ExactString(target)
        var context = targets.removeValue(forKey: key) ?? TargetScrapeDecoder()
        defer { targets[key] = context }
        let duration = Milliseconds(try input.varint())
        let started = Timestamp(milliseconds: t.milliseconds &+ (try input.varint()) &- duration.value)
        let bodyBytes = context.lastBodyBytes &+ (try input.int())
        context.lastBodyBytes = bodyBytes
        let outcome: ScrapeResult.Outcome
        switch try input.byte() {
        case 0:
            if skim { try context.skim(from: &input); outcome = .success([]) } else { outcome = .success(try context.decode(from: &input)) }
        case 1: outcome = .failure(.parse(ExpositionError(line: try input.int(), column: try input.int(), message: try input.string())))
        case 2: outcome = .failure(.http(status: try input.int()))
        case 3: outcome = .failure(.transport(try input.string()))
        case 4: outcome = .failure(.timeout(Milliseconds(try input.varint())))
        case 5: outcome = .failure(.tooLarge(limit: try input.int()))
        case let b: throw RecordingDecodeError("scrape outcome \(b) (0...5)")
        }
        return ScrapeResult(target: target, startedAt: started, duration: duration, outcome: outcome, bodyBytes: bodyBytes)
    }
}
