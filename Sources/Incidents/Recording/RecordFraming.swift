/// The container of a recording file (`docs/recording-format.md`): a 12-byte preamble, then
/// framed records appended one after another.
///
/// ```
/// preamble  magic 89 4D 57 52 0D 0A 1A 0A ("\x89MWR\r\n\x1A\n"), major u16 LE, minor u16 LE
/// record    length u32 LE | type u8 | crc u32 LE | payload (length bytes)
/// ```
///
/// `crc` is the CRC-32C of the length, the type and the payload (the 5 bytes before it and the
/// `length` bytes after it), so a flipped bit anywhere in a record, its length included, is
/// caught. The magic's high byte and CR LF / ^Z / LF catch a file taken for text and mangled
/// on the way, as PNG's do. This type writes; `FrameScanner` reads.
public enum RecordFraming {
    /// The first 8 bytes of every recording.
    public static let magic: [UInt8] = [0x89, 0x4D, 0x57, 0x52, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Magic and version.
    public static let preambleSize = 12
    /// Length, type and CRC before each payload.
    public static let frameHeaderSize = 9
    /// The largest payload a reader accepts (64 MiB, the scrape body cap): a larger length is
    /// corruption, and no reader allocates for it.
    public static let maxPayload = 64 << 20

    /// The version this build writes. Readers refuse a newer major version; a newer minor
    /// version may only add record types, which older readers skip.
    public static let current = RecordingVersion(major: 1, minor: 0)

    /// The preamble for `version`.
    public static func preamble(_ version: RecordingVersion = current) -> [UInt8] {
        magic + [UInt8(version.major & 0xff), UInt8(version.major >> 8), UInt8(version.minor & 0xff), UInt8(version.minor >> 8)]
    }

    /// One framed record. `payload` must be at most `maxPayload` bytes (a precondition: the
    /// encoder never makes a larger one, and a reader would refuse it).
    public static func frame(type: UInt8, payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(frameHeaderSize + payload.count)
        appendFrame(type: type, payload: payload, to: &out)
        return out
    }

    /// Appends one framed record to `out`.
    public static func appendFrame(type: UInt8, payload: [UInt8], to out: inout [UInt8]) {
        precondition(payload.count <= maxPayload, "a record payload over \(maxPayload) bytes")
        let n = UInt32(payload.count)
        let head: [UInt8] = [UInt8(n & 0xff), UInt8(n >> 8 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 24), type]
        let crc = CRC32C.checksum(payload, continuing: CRC32C.checksum(head))
        out += head
        out += [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)]
        out += payload
    }

    /// The version in a file's preamble, or why the file is not a recording this build reads.
    public static func readPreamble(_ bytes: UnsafeRawBufferPointer, file: String) -> Result<RecordingVersion, RecordingProblem> {
        let n = min(bytes.count, magic.count)
        for i in 0..<n where bytes[i] != magic[i] {
            return .failure(RecordingProblem(file: file, offset: 0, kind: .notARecording))
        }
        guard bytes.count >= preambleSize else {
            return .failure(RecordingProblem(file: file, offset: 0, kind: .truncatedPreamble(available: bytes.count)))
        }
        let version = RecordingVersion(major: UInt16(bytes[8]) | UInt16(bytes[9]) << 8,
                                       minor: UInt16(bytes[10]) | UInt16(bytes[11]) << 8)
        if version.major > current.major {
            return .failure(RecordingProblem(file: file, offset: 8, kind: .newerVersion(version)))
        }
        if version.major < current.major {
            return .failure(RecordingProblem(file: file, offset: 8, kind: .unsupportedVersion(version)))
        }
        return .success(version)
    }

    /// `readPreamble` over an array.
    public static func readPreamble(_ bytes: [UInt8], file: String) -> Result<RecordingVersion, RecordingProblem> {
        bytes.withUnsafeBytes { readPreamble($0, file: file) }
    }
}

/// A recording format version: `major` changes break readers, `minor` ones only add record
/// types.
public struct RecordingVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: UInt16
    public var minor: UInt16
    public init(major: UInt16, minor: UInt16) { self.major = major; self.minor = minor }
    public static func < (a: RecordingVersion, b: RecordingVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
    public var description: String { "\(major).\(minor)" }
}
