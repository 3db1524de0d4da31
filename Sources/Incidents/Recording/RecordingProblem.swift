import Telemetry

/// Why a recording could not be read to its end: the file, the byte offset where reading
/// stopped (everything before it was read), the record there, and what was wrong. Its
/// `description` is the message a person reads, e.g.
/// `rec.mwr: record #812 at byte 90112 is cut short (...); read up to byte 90112, recorded time 2026-11-29T03:14:05.000Z`.
public struct RecordingProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The first bytes are not the recording magic.
        case notARecording
        /// The file ends inside the 12-byte preamble.
        case truncatedPreamble(available: Int)
        /// A major version this build does not read yet.
        case newerVersion(RecordingVersion)
        /// An older major version that is no longer read.
        case unsupportedVersion(RecordingVersion)
        /// The file ends inside a record: it needs `needed` bytes from `offset`, `available`
        /// are there. What a crash during a write leaves.
        case truncated(needed: Int, available: Int)
        /// Every byte from `offset` to the end is zero: space a crash left allocated but
        /// unwritten (some file systems do).
        case zeroTail(length: Int)
        /// The record's CRC-32C does not match its bytes.
        case badChecksum(stored: UInt32, computed: UInt32, type: UInt8, length: Int)
        /// A length over `RecordFraming.maxPayload`: corruption.
        case oversized(length: Int)
        /// The first record is not the header.
        case missingHeader(type: UInt8)
        /// The record's checksum is right but its payload does not decode.
        case malformed(type: UInt8, detail: String)
    }

    public var file: String
    /// The first byte that could not be read: the start of the bad record (or the version
    /// field of the preamble). Everything before it was read.
    public var offset: Int
    /// The 0-based index of the record where reading stopped (the header is record 0); nil for
    /// a preamble problem.
    public var record: Int?
    public var kind: Kind
    /// The record type's name, when the reader knows it (`scrape`, `keyframe`...).
    public var typeName: String?
    /// The recorded time of the last record read, when known.
    public var reachedTime: Timestamp?

    public init(file: String, offset: Int, record: Int? = nil, kind: Kind, typeName: String? = nil, reachedTime: Timestamp? = nil) {
        self.file = file; self.offset = offset; self.record = record; self.kind = kind
        self.typeName = typeName; self.reachedTime = reachedTime
    }

    /// A cut-off end (a crash while writing), as opposed to damage or a version problem.
    public var isTruncation: Bool {
        switch kind {
        case .truncated, .zeroTail, .truncatedPreamble: return true
        case .notARecording, .newerVersion, .unsupportedVersion, .badChecksum, .oversized, .missingHeader, .malformed: return false
        }
    }

    public var description: String {
        let current = RecordFraming.current
        let where_ = "record \(record.map { "#\($0) " } ?? "")at byte \(offset)"
        let name = typeName ?? String(format16: recordType)
        var text: String
        switch kind {
        case .notARecording:
            return "\(file): not a modelwatch recording (its first bytes are not the recording magic)"
        case .truncatedPreamble(let available):
            return "\(file): the file ends after \(available) bytes, inside the \(RecordFraming.preambleSize)-byte preamble: nothing could be read"
        case .newerVersion(let v):
            return "\(file): recording format \(v) is newer than this modelwatch reads (\(current.major).x): nothing was read; read it with a newer modelwatch"
        case .unsupportedVersion(let v):
            return "\(file): recording format \(v) is no longer read (this modelwatch reads \(current.major).x): nothing was read"
        case .truncated(let needed, let available):
            text = "\(where_) is cut short (it needs \(needed) bytes, the file has \(available) more): the recording ends here, cut off by a crash most likely"
        case .zeroTail(let length):
            text = "the last \(length) bytes, from byte \(offset), are zeros (a write a crash left unfinished): the recording ends here"
        case .badChecksum(let stored, let computed, _, let length):
            text = "\(where_) (\(name), \(length) bytes) fails its CRC-32C check (stored \(hex(stored)), computed \(hex(computed))): the file is damaged here"
        case .oversized(let length):
            text = "\(where_) claims a length of \(length) bytes, over the \(RecordFraming.maxPayload >> 20) MiB limit: the file is damaged here"
        case .missingHeader(let type):
            text = "the first record (at byte \(offset)) is of \(hex8(type)), not the header: the file is damaged"
        case .malformed(_, let detail):
            text = "\(where_) (\(name)) cannot be decoded: \(detail)"
        }
        text += "; read up to byte \(offset)"
        if let reachedTime { text += ", recorded time \(Self.iso(reachedTime))" }
        return "\(file): " + text
    }

    /// The type byte of the record in question, when the problem concerns one.
    public var recordType: UInt8? {
        switch kind {
        case .badChecksum(_, _, let type, _), .missingHeader(let type), .malformed(let type, _): return type
        case .notARecording, .truncatedPreamble, .newerVersion, .unsupportedVersion, .truncated, .zeroTail, .oversized: return nil
        }
    }

    private func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
    private func hex8(_ v: UInt8) -> String { String(format16: v) }

    /// `2026-11-29T03:14:05.000Z`: a recorded time as people and other tools read it.
    public static func iso(_ t: Timestamp) -> String {
        // Floor division, without the overflow `days * 86_400_000` would have at Int64.min.
        var days = t.milliseconds / 86_400_000, inDay = t.milliseconds % 86_400_000
        if inDay < 0 { days -= 1; inDay += 86_400_000 }
        let date = CivilDate(daysSinceEpoch: days)
        func pad(_ n: Int64, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))T\(pad(inDay / 3_600_000, 2)):"
            + "\(pad(inDay / 60_000 % 60, 2)):\(pad(inDay / 1000 % 60, 2)).\(pad(inDay % 1000, 3))Z"
    }
}

private extension String {
    /// `type 0x13`, or `unknown type` when there is none.
    init(format16 type: UInt8?) {
        guard let type else { self = "unknown type"; return }
        let digits = String(type, radix: 16, uppercase: true)
        self = "type 0x" + (digits.count < 2 ? "0" : "") + digits
    }
}
