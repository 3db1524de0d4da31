/// A line of an audit log that is not an entry, as `file:line: message`.
public struct AuditLogProblem: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based.
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file; self.line = line; self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}

/// What an audit log holds: its entries in file order, the lines that are not entries, and
/// the lines a crash cut short.
public struct AuditLogContents: Hashable, Sendable {
    public var file: String
    public var entries: [AuditEntry]
    /// `entryLines[i]` is the 1-based line of `entries[i]`.
    public var entryLines: [Int]
    /// Lines that are not entries and do not look cut short: reported, and reading goes on.
    public var problems: [AuditLogProblem]
    /// Lines cut short by a crash (the tail included, if torn): a valid beginning of an entry,
    /// perhaps followed by the NUL bytes some file systems leave after a crash. The writer ends
    /// such a line with a newline before its next entry, so a torn line can be in the middle.
    public var tornLines: [Int]
    /// The last line has no newline and is not an entry: a write cut short by a crash.
    /// Tolerated, not an error.
    public var tornTail: Bool

    public init(file: String, entries: [AuditEntry] = [], entryLines: [Int] = [], problems: [AuditLogProblem] = [],
                tornLines: [Int] = [], tornTail: Bool = false) {
        self.file = file; self.entries = entries; self.entryLines = entryLines; self.problems = problems
        self.tornLines = tornLines; self.tornTail = tornTail
    }
}

/// Reads audit logs written by `AuditLogWriter`, tolerating what a crash leaves behind.
public enum AuditLogReader {
    /// Splits `bytes` into lines at `\n` and parses each.
    ///
    /// - A line that parses is an entry.
    /// - The last line, without a newline, that does not parse is the torn tail: `tornTail`.
    /// - A line in the middle that is a valid beginning of an entry cut short (optionally
    ///   followed by NUL bytes), or NUL bytes only, is torn too (`tornLines`): the writer
    ///   closed it with a newline after a crash.
    /// - Any other line (garbage, invalid UTF-8, a wrong field) is a problem naming the file
    ///   and line; reading goes on.
    /// - Blank lines are skipped.
    public static func read(_ bytes: [UInt8], file: String) -> AuditLogContents {
        var contents = AuditLogContents(file: file)
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            let newline = bytes[start...].firstIndex(of: 0x0A)
            let end = newline ?? bytes.count
            let line = bytes[start..<end]
            start = end + 1
            let isLast = newline == nil
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            switch classify(line) {
            case .entry(let e):
                contents.entries.append(e)
                contents.entryLines.append(lineNumber)
            case .torn:
                contents.tornLines.append(lineNumber)
                if isLast { contents.tornTail = true }
            case .bad(let message):
                if isLast {
                    // Whatever a crash left at the very end is a torn write, not damage.
                    contents.tornLines.append(lineNumber)
                    contents.tornTail = true
                } else {
                    contents.problems.append(AuditLogProblem(file: file, line: lineNumber, message: message))
                }
            }
        }
        return contents
    }

    private enum Line { case entry(AuditEntry), torn, bad(String) }

    private static func classify(_ line: ArraySlice<UInt8>) -> Line {
        // A crash can leave NUL bytes where the data of the last write should have been.
        var body = line
        while let last = body.last, last == 0 { body.removeLast() }
        if body.isEmpty { return .torn }
        let hadNULs = body.count < line.count

        if !hadNULs, let text = String(validating: body, as: UTF8.self) {
            switch AuditEntry.parse(line: text) {
            case .success(let e): return .entry(e)
            case .failure(let e):
                if e.endedEarly && body.first == UInt8(ascii: "{") { return .torn }
                return .bad(e.description)
            }
        }
        // Invalid UTF-8, or NULs at the end: torn only if what is left is a valid beginning of
        // an entry (a multi-byte character may have been cut in two).
        var trimmed = body
        for _ in 0..<4 {
            if let text = String(validating: trimmed, as: UTF8.self) {
                if trimmed.first == UInt8(ascii: "{"), case .failure(let e) = AuditEntry.parse(line: text), e.endedEarly {
                    return .torn
                }
                break
            }
            guard !trimmed.isEmpty, trimmed.last! & 0x80 != 0 else { break }
            trimmed.removeLast()
        }
        if let bad = firstInvalidUTF8(body) { return .bad("not valid UTF-8 (byte \(bad + 1))") }
        return .bad("NUL bytes after the text")
    }

    /// The 0-based offset in `bytes` of the first byte of an invalid UTF-8 sequence.
    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        var decoder = UTF8()
        var it = bytes.makeIterator()
        var offset = 0
        while true {
            let before = offset
            switch decoder.decode(&it) {
            case .scalarValue(let u): offset += UTF8.width(u)
            case .emptyInput: return nil
            case .error: return before
            }
        }
    }
}
