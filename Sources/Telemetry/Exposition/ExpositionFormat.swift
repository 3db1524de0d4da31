/// The two exposition formats modelwatch reads.
public enum ExpositionFormat: String, Sendable, Hashable, CaseIterable {
    /// The Prometheus text format 0.0.4 (`TextFormatParser`).
    case text004
    /// OpenMetrics 1.0 text (`OpenMetricsParser`).
    case openMetrics

    /// The format of a scrape response by its `Content-Type`, as Prometheus 2.x chooses its
    /// parser: `application/openmetrics-text` (any version, any parameters, any letter case) is
    /// OpenMetrics; `text/plain` (any version), a missing header and anything else fall back to
    /// the 0.0.4 text format.
    public static func from(contentType: String?) -> ExpositionFormat {
        guard let contentType else { return .text004 }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = mediaType.trimmingBlanks().lowercased()
        return trimmed == "application/openmetrics-text" ? .openMetrics : .text004
    }

    /// The format of a body by its content, for files without a header: OpenMetrics when the last
    /// line (less one final newline) is exactly `# EOF`, else 0.0.4.
    public static func detect(_ body: some Collection<UInt8>) -> ExpositionFormat {
        var tail = Array(body.suffix(7))
        if tail.last == UInt8(ascii: "\n") { tail.removeLast() }
        let eof = Array("# EOF".utf8)
        guard tail.count >= eof.count, Array(tail.suffix(eof.count)) == eof else { return .text004 }
        if tail.count == eof.count { return body.count <= 6 ? .openMetrics : .text004 }
        return tail[tail.count - eof.count - 1] == UInt8(ascii: "\n") ? .openMetrics : .text004
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

/// The byte entry point for scrape bodies and files.
public enum Exposition {
    /// Parses `body` in `format`. The bytes must be valid UTF-8 without NUL bytes (checked
    /// first, with the line and column of the first offending byte in the error); then the
    /// format's parser runs on them directly.
    ///
    /// NUL is refused here although OpenMetrics' grammar allows it in HELP text and label values
    /// (the conformance case `null_byte` parses through `OpenMetricsParser.parse(_:)`): modelwatch
    /// treats a NUL in a scrape body as a broken or hostile target.
    public static func parse(_ body: some Collection<UInt8>, format: ExpositionFormat) throws(ExpositionError) -> [MetricFamily] {
        let result: Result<[MetricFamily], ExpositionError>
        if let contiguous = body.withContiguousStorageIfAvailable({ parse(buffer: $0, format: format) }) {
            result = contiguous
        } else {
            result = Array(body).withUnsafeBufferPointer { parse(buffer: $0, format: format) }
        }
        return try result.get()
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>, format: ExpositionFormat) -> Result<[MetricFamily], ExpositionError> {
        do throws(ExpositionError) {
            try ExpositionUTF8.validate(buffer)
            switch format {
            case .text004: return .success(try TextFormatParser.parse(bytes: buffer))
            case .openMetrics: return .success(try OpenMetricsParser.parse(bytes: buffer))
            }
        } catch {
            return .failure(error)
        }
    }
}

/// UTF-8 validation with positioned errors.
enum ExpositionUTF8 {
    /// Throws at the first byte that is not part of well-formed UTF-8 (overlong forms, surrogates
    /// and code points past U+10FFFF included) or that is NUL.
    static func validate(_ bytes: UnsafeBufferPointer<UInt8>) throws(ExpositionError) {
        guard let (offset, message) = firstInvalid(bytes) else { return }
        var line = 1
        var lineStart = 0
        for k in 0..<offset where bytes[k] == UInt8(ascii: "\n") {
            line += 1
            lineStart = k + 1
        }
        var column = 1
        for k in lineStart..<offset where bytes[k] & 0xC0 != 0x80 { column += 1 }
        throw ExpositionError(line: line, column: column, message: message)
    }

    static func firstInvalid(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, String)? {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i < n {
            // ASCII without NUL, eight bytes at a time.
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let hasHigh = w & 0x8080_8080_8080_8080 != 0
                let hasZero = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 != 0
                if hasHigh || hasZero { break }
                i += 8
            }
            guard i < n else { break }
            let b = bytes[i]
            if b < 0x80 {
                if b == 0 { return (i, "NUL byte (U+0000) is not allowed") }
                i += 1
                continue
            }
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            let need: Int
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return (i, "invalid UTF-8: byte 0x\(hex(b)) cannot start a character")
            }
            guard i + need < n else { return (i, "invalid UTF-8: truncated sequence at the end of the input") }
            let second = bytes[i + 1]
            guard second >= lo, second <= hi else {
                return (i, "invalid UTF-8: byte 0x\(hex(b)) followed by 0x\(hex(second))")
            }
            for k in 2...max(2, need) where k <= need {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else {
                    return (i, "invalid UTF-8: byte 0x\(hex(b)) followed by 0x\(hex(c)) at position \(k + 1)")
                }
            }
            i += need + 1
        }
        return nil
    }

    private static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }
}
