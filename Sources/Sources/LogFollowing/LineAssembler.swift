#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines with bounded memory. Pure: no file, no clock.
///
/// - A line ends at `\n`; one `\r` before it is removed.
/// - A partial line is held until its newline arrives (or `finish()` says the stream ended).
/// - A line longer than `maxLineBytes` is delivered at once as its first `maxLineBytes`
///   bytes, marked `cut`, and the rest up to the next newline is skipped as it arrives: the
///   held bytes never exceed `maxLineBytes`, whatever the input.
/// - NUL bytes at the start of a line are skipped (before counting towards the limit): a
///   writer without `O_APPEND` leaves a hole of NULs after its file is truncated.
public struct LineAssembler: Sendable {
    public struct Flags: Hashable, Sendable {
        public var cut = false
        public var unterminated = false
    }

    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    /// Inside a line that was cut: bytes are dropped until the next newline.
    public private(set) var discarding = false

    public init(maxLineBytes: Int) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Bytes of the partial line held now (at most `maxLineBytes`).
    public var pendingBytes: Int { pending.count }
    /// Memory reserved for the partial line.
    public var pendingCapacity: Int { pending.capacity }

    /// Starts inside a line that will not be delivered (reading starts in the middle of a
    /// line longer than the limit): everything up to the next newline is dropped.
    public mutating func skipToNextLine() {
        pending.removeAll()
        discarding = true
    }

    /// Feeds bytes; `emit` receives each finished line (valid only during the call).
    public mutating func consume(_ bytes: UnsafeRawBufferPointer,
                                 _ emit: (UnsafeRawBufferPointer, Flags) -> Void) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let count = bytes.count
        var i = 0
        while i < count {
            if discarding {
                guard let nl = memchr(base + i, 0x0A, count - i) else { return }
                discarding = false
                i = base.distance(to: UnsafeRawPointer(nl)) + 1
                continue
            }
            if pending.isEmpty {
                while i < count && base.load(fromByteOffset: i, as: UInt8.self) == 0 { i += 1 }
                if i == count { return }
            }
            let newline = memchr(base + i, 0x0A, count - i).map { base.distance(to: UnsafeRawPointer($0)) }
            let end = newline ?? count
            let segment = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
            if let newline {
                if pending.isEmpty {
                    if segment.count > maxLineBytes {
                        Self.deliver(UnsafeRawBufferPointer(rebasing: segment[0..<maxLineBytes]), cut: true, emit)
                    } else {
                        Self.deliver(segment, cut: false, emit)
                    }
                } else {
                    let room = maxLineBytes - pending.count
                    let cut = segment.count > room
                    pending.append(contentsOf: cut ? UnsafeRawBufferPointer(rebasing: segment[0..<room]) : segment)
                    pending.withUnsafeBytes { Self.deliver($0, cut: cut, emit) }
                    clearPending()
                }
                i = newline + 1
            } else {
                let room = maxLineBytes - pending.count
                if segment.count > room {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: segment[0..<room]))
                    pending.withUnsafeBytes { Self.deliver($0, cut: true, emit) }
                    clearPending()
                    discarding = true
                } else {
                    pending.append(contentsOf: segment)
                }
                return
            }
        }
    }

    /// The stream ended: a held partial line is delivered, marked `unterminated`.
    public mutating func finish(_ emit: (UnsafeRawBufferPointer, Flags) -> Void) {
        if !pending.isEmpty {
            pending.withUnsafeBytes { emit($0, Flags(cut: false, unterminated: true)) }
        }
        clearPending()
        discarding = false
    }

    private static func deliver(_ line: UnsafeRawBufferPointer, cut: Bool, _ emit: (UnsafeRawBufferPointer, Flags) -> Void) {
        var line = line
        if !cut, let last = line.last, last == 0x0D {
            line = UnsafeRawBufferPointer(rebasing: line[0..<(line.count - 1)])
        }
        emit(line, Flags(cut: cut, unterminated: false))
    }

    private mutating func clearPending() {
        // Keep a modest buffer for the next partial line; give back a large one.
        pending.removeAll(keepingCapacity: pending.capacity <= 64 * 1024)
    }
}

public extension LineAssembler {
    /// Convenience for tests and small inputs: the finished lines in `bytes` as text.
    mutating func lines(_ bytes: [UInt8]) -> [(text: String, flags: Flags)] {
        var out: [(String, Flags)] = []
        bytes.withUnsafeBytes { raw in
            consume(raw) { line, flags in out.append((String(decoding: line, as: UTF8.self), flags)) }
        }
        return out
    }

    mutating func finishLines() -> [(text: String, flags: Flags)] {
        var out: [(String, Flags)] = []
        finish { line, flags in out.append((String(decoding: line, as: UTF8.self), flags)) }
        return out
    }
}
