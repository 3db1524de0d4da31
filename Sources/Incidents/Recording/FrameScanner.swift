/// Reads the framed records of a recording (`RecordFraming`) one at a time, from any bytes:
/// an array, or a memory-mapped file. Nothing in the file is trusted: a length is checked
/// against the limit and against the bytes there are before anything is read, and the first
/// problem stops the scan with a `RecordingProblem` that says where. Every record before it
/// was whole and checked, so a file cut off by `kill -9` reads up to its last complete record.
///
/// The scanner holds no pointer: each `next(in:)` is given the bytes again, so that a caller
/// may keep them in an array or a mapping, as long as it is the same bytes.
public struct FrameScanner: Sendable {
    /// One record: where it starts, its type, and its payload's place in the bytes.
    public struct Frame: Hashable, Sendable {
        /// The record's 0-based index in the file (the header is 0).
        public var index: Int
        /// The offset of its first byte (the length field).
        public var offset: Int
        public var type: UInt8
        public var payload: Range<Int>
        /// The offset just past it: where the next record starts.
        public var end: Int { payload.upperBound }
    }

    public enum Step: Sendable {
        case frame(Frame)
        /// The bytes ended exactly after a record.
        case end
        /// Reading cannot go on; every frame returned before was complete and checked.
        case stopped(RecordingProblem)
    }

    public let file: String
    /// Where the next record starts (after a stop: where the bad one starts).
    public private(set) var offset: Int
    /// The index the next record will have.
    public private(set) var index: Int
    /// The problem that stopped the scan, if one did.
    public private(set) var problem: RecordingProblem?

    /// A scanner starting at `offset` (by default just after the preamble), where the record
    /// has index `index` (to start at a keyframe found earlier, give its offset and index).
    public init(file: String, offset: Int = RecordFraming.preambleSize, index: Int = 0) {
        self.file = file; self.offset = offset; self.index = index
    }

    /// The next record. With `verifyChecksum` false the CRC is not computed (building a seek
    /// index from the frame headers alone); every length is still checked.
    public mutating func next(in bytes: UnsafeRawBufferPointer, verifyChecksum: Bool = true) -> Step {
        if let problem { return .stopped(problem) }
        let remaining = bytes.count - offset
        if remaining <= 0 { return .end }
        // Five zero bytes (length 0, type 0, which is never written) at the start of what is
        // left: a tail of zeros is a torn write on a file system that allocated before writing.
        if remaining >= 5, (offset..<offset + 5).allSatisfy({ bytes[$0] == 0 }),
           (offset..<bytes.count).allSatisfy({ bytes[$0] == 0 }) {
            return stop(.zeroTail(length: remaining))
        }
        guard remaining >= RecordFraming.frameHeaderSize else {
            return stop(.truncated(needed: RecordFraming.frameHeaderSize, available: remaining))
        }
        let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
        let type = bytes[offset + 4]
        guard length <= RecordFraming.maxPayload else { return stop(.oversized(length: length)) }
        let total = RecordFraming.frameHeaderSize + length
        guard total <= remaining else { return stop(.truncated(needed: total, available: remaining)) }
        let start = offset + RecordFraming.frameHeaderSize
        if verifyChecksum {
            let stored = UInt32(bytes[offset + 5]) | UInt32(bytes[offset + 6]) << 8 | UInt32(bytes[offset + 7]) << 16
                | UInt32(bytes[offset + 8]) << 24
            let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 5]))
            let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]), continuing: head)
            guard stored == computed else {
                return stop(.badChecksum(stored: stored, computed: computed, type: type, length: length))
            }
        }
        let frame = Frame(index: index, offset: offset, type: type, payload: start..<start + length)
        offset = frame.end
        index += 1
        return .frame(frame)
    }

    /// Records the problem at the current offset and stops.
    private mutating func stop(_ kind: RecordingProblem.Kind) -> Step {
        let p = RecordingProblem(file: file, offset: offset, record: index, kind: kind)
        problem = p
        return .stopped(p)
    }

    /// Every complete record of a whole file held in `bytes` (preamble checked), and the
    /// problem that ended the scan early, if any.
    public static func scan(_ bytes: [UInt8], file: String, verifyChecksum: Bool = true)
        -> (version: RecordingVersion?, frames: [Frame], problem: RecordingProblem?) {
        bytes.withUnsafeBytes { buffer in
            switch RecordFraming.readPreamble(buffer, file: file) {
            case .failure(let p): return (nil, [], p)
            case .success(let version):
                var scanner = FrameScanner(file: file)
                var frames: [Frame] = []
                while true {
                    switch scanner.next(in: buffer, verifyChecksum: verifyChecksum) {
                    case .frame(let f): frames.append(f)
                    case .end: return (version, frames, nil)
                    case .stopped(let p): return (version, frames, p)
                    }
                }
            }
        }
    }
}
