/// Where `tail -n N` starts, found by reading backwards from the end in chunks: only the
/// last lines are read, never the whole file. Pure: the bytes come from a closure.
public enum TailStart {
    public struct Start: Hashable, Sendable {
        public var offset: Int64
        /// Reading starts inside a line longer than the limit: skip to the next newline.
        public var skipFirstLine: Bool
    }

    /// The offset at which the last `lines` complete lines before `end` begin (0 if the file
    /// has fewer). A partial last line (no newline yet) is not counted: it follows the
    /// complete ones and is delivered when its newline arrives. With `lines == 0` this is
    /// just after the last newline.
    ///
    /// At most `(lines + 1) * (maxLineBytes + 1)` bytes are scanned. When that is not enough
    /// (lines longer than the limit), the start is just after the farthest newline found, so
    /// no line is delivered from its middle; fewer lines come than asked. When no newline at
    /// all is found, the partial line is already past the limit: the start is `end` and its
    /// rest is skipped.
    ///
    /// `read(offset, buffer)` fills `buffer` from `offset` and returns the byte count.
    public static func start(lastLines lines: Int, end: Int64, maxLineBytes: Int, chunkSize: Int = 64 * 1024,
                             read: (Int64, UnsafeMutableRawBufferPointer) -> Int) -> Start {
        guard end > 0 else { return Start(offset: 0, skipFirstLine: false) }
        let wanted = max(0, lines) + 1
        let limit = Int64(wanted) * Int64(maxLineBytes + 1)
        let chunk = max(1, chunkSize)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 1)
        defer { buffer.deallocate() }
        var found = 0
        var farthest: Int64? = nil
        var position = end
        var scanned: Int64 = 0
        while position > 0 && scanned < limit {
            let length = Int(min(Int64(chunk), position, limit - scanned))
            position -= Int64(length)
            var got = 0
            while got < length {
                let n = read(position + Int64(got), UnsafeMutableRawBufferPointer(rebasing: buffer[got..<length]))
                if n <= 0 { break }
                got += n
            }
            // The file shrank under us: start at its beginning; truncation handling takes over.
            if got < length { return Start(offset: 0, skipFirstLine: false) }
            var i = length - 1
            while i >= 0 {
                if buffer[i] == 0x0A {
                    found += 1
                    farthest = position + Int64(i)
                    if found == wanted { return Start(offset: position + Int64(i) + 1, skipFirstLine: false) }
                }
                i -= 1
            }
            scanned += Int64(length)
        }
        if position == 0 { return Start(offset: 0, skipFirstLine: false) }
        if let farthest { return Start(offset: farthest + 1, skipFirstLine: false) }
        return Start(offset: end, skipFirstLine: true)
    }
}
