#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of a command's output.
public struct CommandOutputLine: Hashable, Sendable {
    /// The line without its newline (and without one `\r` before it), decoded as UTF-8 with
    /// U+FFFD for invalid bytes. Not sanitized: it may hold escape sequences and any other
    /// control character, which whoever shows it must make visible.
    public var text: String
    /// The line was longer than the runner's limit: `text` is its beginning (cut at a
    /// character boundary), and the rest up to the next newline was read and dropped.
    public var cut: Bool

    public init(_ text: String, cut: Bool = false) { self.text = text; self.cut = cut }
}

/// Splits a byte stream into lines with bounded memory, and lets its caller turn only some of
/// them into Strings: a command that prints ten million short lines should not cost ten million
/// allocations when only the last thousand of each batch are kept.
///
/// A line ends at `\n`; one `\r` before it is removed. A line longer than `maxLineBytes` is cut
/// there (moved back to the start of a UTF-8 sequence it would split) and marked, and the rest
/// up to the next newline is skipped: at most `maxLineBytes + 1` bytes are ever held. NUL and
/// every other byte pass through unchanged.
struct OutputLineSplitter {
    /// A finished line: text held by the splitter, or a range of the chunk just consumed.
    enum Piece {
        case text(String, cut: Bool)
        case range(Range<Int>, cut: Bool)
    }

    let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var discarding = false

    init(maxLineBytes: Int) { self.maxLineBytes = max(4, maxLineBytes) }

    /// The finished lines in `chunk`, in order. `.range` pieces index into `chunk`.
    mutating func consume(_ chunk: UnsafeRawBufferPointer) -> [Piece] {
        var pieces: [Piece] = []
        guard let base = chunk.baseAddress, chunk.count > 0 else { return pieces }
        let count = chunk.count
        var i = 0
        while i < count {
            let newline = memchr(base + i, 0x0A, count - i).map { base.distance(to: UnsafeRawPointer($0)) }
            if discarding {
                guard let newline else { return pieces }
                discarding = false
                i = newline + 1
                continue
            }
            let end = newline ?? count
            if pending.isEmpty, let newline {
                let length = end - i
                if length > maxLineBytes {
                    let cutAt = Self.boundary(maxLineBytes) { chunk[i + $0] }
                    pieces.append(.range(i..<(i + cutAt), cut: true))
                } else {
                    var stop = end
                    if stop > i, chunk[stop - 1] == 0x0D { stop -= 1 }
                    pieces.append(.range(i..<stop, cut: false))
                }
                i = newline + 1
                continue
            }
            // Joining onto a partial line, or a partial line to keep: one byte more than the
            // limit tells a line of exactly `maxLineBytes` from a longer one.
            let take = min(maxLineBytes + 1 - pending.count, end - i)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[i..<(i + take)]))
            if pending.count > maxLineBytes {
                let cutAt = Self.boundary(maxLineBytes) { pending[$0] }
                pieces.append(.text(String(decoding: pending[0..<cutAt], as: UTF8.self), cut: true))
                clearPending()
                guard let newline else { discarding = true; return pieces }
                i = newline + 1
            } else if let newline {
                var stop = pending.count
                if stop > 0, pending[stop - 1] == 0x0D { stop -= 1 }
                pieces.append(.text(String(decoding: pending[0..<stop], as: UTF8.self), cut: false))
                clearPending()
                i = newline + 1
            } else {
                return pieces
            }
        }
        return pieces
    }

    /// The stream ended: the partial last line, if any (a `\r` at its end is kept: no newline
    /// followed it).
    mutating func finish() -> CommandOutputLine? {
        defer { clearPending(); discarding = false }
        guard !pending.isEmpty else { return nil }
        return CommandOutputLine(String(decoding: pending, as: UTF8.self))
    }

    /// Bytes of the partial line held now.
    var pendingBytes: Int { pending.count }

    /// Where to cut a line longer than `limit`: at `limit`, moved back over up to three UTF-8
    /// continuation bytes so that a character is not split (`byte(limit)` exists).
    static func boundary(_ limit: Int, _ byte: (Int) -> UInt8) -> Int {
        var cut = limit
        while cut > limit - 3, cut > 0, byte(cut) & 0xC0 == 0x80 { cut -= 1 }
        // Invalid input (continuation bytes with no lead byte) is cut at the limit.
        return byte(cut) & 0xC0 == 0x80 ? limit : cut
    }

    private mutating func clearPending() {
        pending.removeAll(keepingCapacity: pending.capacity <= 64 * 1024)
    }
}
