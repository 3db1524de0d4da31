/// Parses the Prometheus text exposition format 0.0.4 the way client_golang's
/// `expfmt.TextParser` does (the parser behind `promtool check metrics`).
///
/// What it accepts, as expfmt does:
/// - `# HELP name text` (escapes `\\` and `\n`; any other escape is an error) and
///   `# TYPE name counter|gauge|histogram|summary|untyped` (type names in any letter case);
///   `#TYPE` without a space is a TYPE line too; any other `#` line is a comment, and a HELP or
///   TYPE line that stops right after the metric name is ignored.
/// - Sample lines `name{label="value",...} value [timestamp]`, with blanks and tabs allowed
///   before the name, around `{`, `=`, `,` and `}`, and a trailing comma in the label set.
/// - Values with Go `strconv.ParseFloat` syntax (`NaN`, `+Inf`, `-Inf`, `Inf`, exponents; no
///   hexadecimal floats, which expfmt rejects too) and an optional integer millisecond timestamp.
/// - Blank lines anywhere.
///
/// Where expfmt is stricter than it looks, so is this parser: the input must end with a
/// newline ("unexpected end of input stream" otherwise), and blanks after the value or the
/// timestamp are an error ("expected integer as timestamp" / "spurious string after timestamp").
///
/// Where expfmt is more lenient than it looks, so is this parser (ADR 0004):
/// - A histogram bucket without `le` and a summary sample without `quantile` are accepted. expfmt
///   groups them into their family and leaves them out of its protobuf; Prometheus's scraper
///   stores them as plain series (`h_bucket{}`), and so does this parser: they are samples of
///   their family like any other.
/// - A family's lines need not be contiguous. A sample (or a first HELP) of a family seen
///   before continues that family, after whatever came in between, as in expfmt's
///   `metricFamiliesByName`. Only a second HELP, a second TYPE, or a TYPE after the family's
///   samples is an error.
///
/// Where this parser is stricter than expfmt, on purpose: a duplicate `le`/`quantile` label
/// (expfmt does not compare them with the other labels; Prometheus's TSDB refuses a series
/// with a repeated label name). Quoted UTF-8 metric and label names (`{"my.metric"}`) are not
/// supported.
///
/// Samples are grouped into families in order of first appearance. For a family declared
/// `histogram`, `NAME_bucket`, `NAME_sum` and `NAME_count` belong to `NAME`; for `summary`,
/// `NAME_sum` and `NAME_count`. Families that end up without samples (a lone HELP or TYPE) are
/// dropped, as expfmt drops them. Every sample line yields one `Sample`, in input order within
/// its family, labels such as `le` and `quantile` included.
///
/// Bounds on untrusted input (`ExpositionLimits`), which expfmt does not have: a line longer
/// than 1 MiB and a sample with more than 1,000 labels are errors.
///
/// Errors carry the 1-based line and the 1-based column (counted in Unicode scalars) of the
/// offending character.
public enum TextFormatParser {
    /// Parses a whole exposition into its metric families, in order of first appearance.
    public static func parse(_ text: String) throws(ExpositionError) -> [MetricFamily] {
        var text = text
        let result: Result<[MetricFamily], ExpositionError> = text.withUTF8 { bytes in
            var state = TextFormatParseState(bytes: bytes)
            do throws(ExpositionError) {
                try state.parseAll()
                return .success(state.finishedFamilies())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses UTF-8 bytes (the caller has validated them): the entry `Exposition.parse` uses.
    static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(ExpositionError) -> [MetricFamily] {
        var state = TextFormatParseState(bytes: bytes)
        try state.parseAll()
        return state.finishedFamilies()
    }
}

/// A family while it is being read.
private struct FamilyInProgress {
    var family: MetricFamily
    /// Set by a TYPE line or by the first sample (which fixes the type to `untyped`).
    var typeIsFixed = false
}

/// The mutable state of one parse over UTF-8 bytes.
private struct TextFormatParseState {
    let bytes: UnsafeBufferPointer<UInt8>
    var line = 0
    var lineStart = 0
    var lineEnd = 0
    var families: [FamilyInProgress] = []
    /// Metric names, label names and label values, each made a `String` once per parse.
    var table = ExpositionStringTable()
    var recent = ExpositionRecentStrings()
    /// The family each table entry names, by entry index (-1: none; missing: none).
    var familyOfEntry: [Int] = []
    // A one-entry cache: consecutive sample lines usually share a name.
    var lastSampleNameBytes: UnsafeBufferPointer<UInt8>?
    var lastSampleName = ""
    var lastSampleFamily = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func finishedFamilies() -> [MetricFamily] {
        families.lazy.filter { !$0.family.samples.isEmpty }.map(\.family)
    }

    mutating func parseAll() throws(ExpositionError) {
        let count = bytes.count
        var start = 0
        while start < count {
            line += 1
            lineStart = start
            let end = OMBytes.findNewline(bytes, from: start)
            lineEnd = end
            if end - start > ExpositionLimits.maxLineBytes {
                throw error(at: start + ExpositionLimits.maxLineBytes,
                            "line is longer than \(ExpositionLimits.maxLineBytes) bytes (1 MiB)")
            }
            try parseLine()
            if end == count {
                // The last line has no newline. expfmt needs one unless only blanks remain.
                var i = start
                while i < end, isBlank(bytes[i]) { i += 1 }
                if i < end { throw error(at: end, "unexpected end of input stream") }
            }
            start = end + 1
        }
    }

    // MARK: Lines

    mutating func parseLine() throws(ExpositionError) {
        var i = skipBlanks(from: lineStart)
        if i == lineEnd { return }
        switch bytes[i] {
        case Ascii.hash:
            i += 1
            try parseComment(from: i)
        case Ascii.openBrace:
            throw error(at: i, "invalid metric name: quoted metric names inside braces are not supported")
        default:
            try parseSample(from: i)
        }
    }

    mutating func parseComment(from start: Int) throws(ExpositionError) {
        var i = skipBlanks(from: start)
        let keywordStart = i
        while i < lineEnd, !isBlank(bytes[i]) { i += 1 }
        if i == lineEnd { return }
        let keyword = slice(keywordStart, i)
        let isHelp = equals(keyword, "HELP")
        guard isHelp || equals(keyword, "TYPE") else { return }  // A plain comment.
        i = skipBlanks(from: i)
        if i == lineEnd { return }
        let nameStart = i
        guard isMetricNameStart(bytes[i]) else { throw error(at: i, "invalid metric name in comment") }
        while i < lineEnd, isMetricNameContinuation(bytes[i]) { i += 1 }
        let nameEnd = i
        if i == lineEnd { return }
        guard isBlank(bytes[i]) else { throw error(at: i, "invalid metric name in comment") }
        let index = familyForName(nameStart, nameEnd)
        i = skipBlanks(from: i)
        if i == lineEnd { return }
        if isHelp {
            if families[index].family.help != nil {
                throw error(at: nameStart, "second HELP line for metric name \"\(families[index].family.name)\"")
            }
            families[index].family.help = try unescapeHelp(i, lineEnd)
        } else {
            if families[index].typeIsFixed {
                throw error(at: nameStart,
                            "second TYPE line for metric name \"\(families[index].family.name)\", or TYPE reported after samples")
            }
            guard let type = metricType(slice(i, lineEnd)) else {
                throw error(at: i, "unknown metric type \"\(string(i, lineEnd))\"")
            }
            families[index].family.type = type
            families[index].typeIsFixed = true
        }
    }

    mutating func parseSample(from start: Int) throws(ExpositionError) {
        var i = start
        let nameStart = i
        guard isMetricNameStart(bytes[i]) else { throw error(at: i, "invalid metric name") }
        while i < lineEnd, isMetricNameContinuation(bytes[i]) { i += 1 }
        let nameEnd = i
        if i < lineEnd, !isBlank(bytes[i]), bytes[i] != Ascii.openBrace {
            throw error(at: i, "invalid character \(describe(at: i)) in metric name")
        }
        let (name, index) = sampleFamily(nameStart, nameEnd)
        if !families[index].typeIsFixed {
            families[index].typeIsFixed = true
            families[index].family.type = .untyped
        }
        let familyType = families[index].family.type

        var labels: [(name: String, value: String)] = []
        i = skipBlanks(from: i)
        if i < lineEnd, bytes[i] == Ascii.openBrace {
            labels.reserveCapacity(4)
            i = try parseLabels(from: i + 1, into: &labels, family: index, familyType: familyType)
            i = skipBlanks(from: i)
        }

        // The value.
        if i == lineEnd { throw error(at: i, "missing value for metric \"\(name)\"") }
        let valueStart = i
        while i < lineEnd, !isBlank(bytes[i]) { i += 1 }
        guard let value = GoNumberSyntax.parseFloat(slice(valueStart, i)) else {
            throw error(at: valueStart, "expected float as value, got \"\(string(valueStart, i))\"")
        }

        // The optional timestamp.
        var timestamp: Timestamp?
        if i < lineEnd {
            i = skipBlanks(from: i)
            let tsStart = i
            while i < lineEnd, !isBlank(bytes[i]) { i += 1 }
            guard let ms = GoNumberSyntax.parseInt64(slice(tsStart, i)) else {
                throw error(at: tsStart, "expected integer as timestamp, got \"\(string(tsStart, i))\"")
            }
            timestamp = Timestamp(milliseconds: ms)
            if i < lineEnd {
                let blanksEnd = skipBlanks(from: i)
                let at = blanksEnd < lineEnd ? blanksEnd : i
                throw error(at: at, "spurious string after timestamp: \"\(string(i, lineEnd))\"")
            }
        }

        families[index].family.samples.append(
            Sample(name: name, labels: Labels(sortedPairs: labels), value: value, timestamp: timestamp))
    }

    /// Reads a label set after its `{`; returns the index after the closing `}`. The pairs come
    /// out sorted by name, as `Labels` keeps them.
    mutating func parseLabels(from start: Int, into labels: inout [(name: String, value: String)],
                              family: Int, familyType: MetricType) throws(ExpositionError) -> Int {
        var i = start
        var seenNames: Set<String> = []
        // While the names arrive in strictly increasing order (as exporters write them), none
        // can repeat an earlier one; from the first that does not, every name is checked.
        var inOrder = true
        var lastNameStart = 0, lastNameEnd = 0
        defer {
            if !inOrder { labels.sort { $0.name < $1.name } }
        }
        while true {
            i = skipBlanks(from: i)
            if i == lineEnd { throw error(at: i, "unexpected end of line in label set") }
            if bytes[i] == Ascii.closeBrace { return i + 1 }
            let labelStart = i
            guard isLabelNameStart(bytes[i]) else {
                throw error(at: i, "invalid label name for metric \"\(families[family].family.name)\": unexpected \(describe(at: i))")
            }
            while i < lineEnd, isLabelNameContinuation(bytes[i]) { i += 1 }
            let labelEnd = i
            let labelBytes = slice(labelStart, labelEnd)
            let labelName = recent.string(slot: 2 * labels.count, bytes, labelStart, labelEnd, table: &table)
            i = skipBlanks(from: i)
            guard i < lineEnd, bytes[i] == Ascii.equals else {
                throw error(at: i, "expected '=' after label name, found \(describe(at: i))")
            }
            if equals(labelBytes, "__name__") {
                throw error(at: labelStart, "label name \"__name__\" is reserved")
            }
            if inOrder, !labels.isEmpty, !ExpositionBytes.less(slice(lastNameStart, lastNameEnd), labelBytes) {
                inOrder = false
            }
            if !inOrder, ExpositionLabelNames.isDuplicate(labelName, in: labels, seen: &seenNames) {
                throw error(at: labelStart, "duplicate label name \"\(labelName)\" for metric \"\(families[family].family.name)\"")
            }
            lastNameStart = labelStart
            lastNameEnd = labelEnd
            i = skipBlanks(from: i + 1)
            guard i < lineEnd, bytes[i] == Ascii.quote else {
                throw error(at: i, "expected '\"' at start of label value, found \(describe(at: i))")
            }
            let valueStart = i + 1
            let (value, closingQuote) = try readLabelValue(from: valueStart, slot: 2 * labels.count + 1)
            if (familyType == .histogram && labelName == "le") || (familyType == .summary && labelName == "quantile") {
                if GoNumberSyntax.parseFloat(value) == nil {
                    throw error(at: valueStart, "expected float as value for '\(labelName)' label, got \"\(value)\"")
                }
            }
            labels.append((name: labelName, value: value))
            if labels.count > ExpositionLimits.maxLabelsPerSample {
                throw error(at: labelStart, "more than \(ExpositionLimits.maxLabelsPerSample) labels on one sample")
            }
            i = skipBlanks(from: closingQuote + 1)
            guard i < lineEnd else { throw error(at: i, "unexpected end of line in label set") }
            switch bytes[i] {
            case Ascii.comma: i += 1
            case Ascii.closeBrace: return i + 1
            default: throw error(at: i, "unexpected \(describe(at: i)) after label value, expected ',' or '}'")
            }
        }
    }

    /// Reads a label value up to its closing quote; returns it unescaped, with the quote's index.
    mutating func readLabelValue(from start: Int, slot: Int = .max) throws(ExpositionError) -> (String, Int) {
        var i = start
        var hasEscape = false
        while i < lineEnd {
            i = ExpositionBytes.findQuoteOrBackslash(bytes, from: i, to: lineEnd)
            if i >= lineEnd { break }
            let b = bytes[i]
            if b == Ascii.quote { break }
            if b == Ascii.backslash {
                hasEscape = true
                let next = i + 1 < lineEnd ? bytes[i + 1] : Ascii.newline
                guard next == Ascii.backslash || next == Ascii.quote || next == UInt8(ascii: "n") else {
                    throw error(at: i, "invalid escape sequence '\\\(i + 1 < lineEnd ? describeRaw(at: i + 1) : "\\n")' in label value")
                }
                i += 2
            } else {
                i += 1
            }
        }
        if i >= lineEnd {
            throw error(at: lineEnd, "label value \"\(string(start, lineEnd))\" contains unescaped new-line")
        }
        if !hasEscape { return (recent.string(slot: slot, bytes, start, i, table: &table), i) }
        var out: [UInt8] = []
        out.reserveCapacity(i - start)
        var j = start
        while j < i {
            if bytes[j] == Ascii.backslash {
                out.append(bytes[j + 1] == UInt8(ascii: "n") ? Ascii.newline : bytes[j + 1])
                j += 2
            } else {
                out.append(bytes[j]); j += 1
            }
        }
        return (String(decoding: out, as: UTF8.self), i)
    }

    /// The HELP text: `\\` → `\`, `\n` → newline; any other escape (`\"` included, as in the
    /// 0.0.4 spec and promtool 2.x) is an error.
    func unescapeHelp(_ start: Int, _ end: Int) throws(ExpositionError) -> String {
        if ExpositionBytes.find(Ascii.backslash, in: bytes, from: start, to: end) == end { return string(start, end) }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var j = start
        while j < end {
            let b = bytes[j]
            if b != Ascii.backslash { out.append(b); j += 1; continue }
            let next = j + 1 < end ? bytes[j + 1] : Ascii.newline
            switch next {
            case Ascii.backslash: out.append(Ascii.backslash)
            case UInt8(ascii: "n"): out.append(Ascii.newline)
            default:
                throw error(at: j, "invalid escape sequence '\\\(j + 1 < end ? describeRaw(at: j + 1) : "\\n")' in HELP text")
            }
            j += 2
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Families

    /// The family a HELP/TYPE name or sample name (`bytes[start..<end]`) belongs to, created if
    /// new (as expfmt's `setOrCreateCurrentMF`): the exact name first, then `_sum`/`_count` of a
    /// summary or histogram, then `_bucket` of a histogram.
    mutating func familyForName(_ start: Int, _ end: Int) -> Int {
        let nameBytes = slice(start, end)
        let entry = table.intern(nameBytes)
        if let index = family(ofEntry: entry) { return index }
        func base(_ suffix: StaticString, histogramOnly: Bool) -> Int? {
            let suffixCount = suffix.utf8CodeUnitCount
            guard nameBytes.count > suffixCount, equals(slice(end - suffixCount, end), suffix) else { return nil }
            guard let baseEntry = table.find(slice(start, end - suffixCount)),
                  let index = family(ofEntry: baseEntry) else { return nil }
            let type = families[index].family.type
            return type == .histogram || (type == .summary && !histogramOnly) ? index : nil
        }
        if let index = base("_count", histogramOnly: false) { return index }
        if let index = base("_sum", histogramOnly: false) { return index }
        if let index = base("_bucket", histogramOnly: true) { return index }
        let index = families.count
        families.append(FamilyInProgress(family: MetricFamily(name: table.strings[entry])))
        while familyOfEntry.count <= entry { familyOfEntry.append(-1) }
        familyOfEntry[entry] = index
        return index
    }

    func family(ofEntry entry: Int) -> Int? {
        guard entry < familyOfEntry.count else { return nil }
        let index = familyOfEntry[entry]
        return index < 0 ? nil : index
    }

    /// `familyForName` for a sample line, with a cache for runs of the same name.
    mutating func sampleFamily(_ start: Int, _ end: Int) -> (String, Int) {
        let nameBytes = slice(start, end)
        if let last = lastSampleNameBytes, ExpositionBytes.equal(last, nameBytes) {
            return (lastSampleName, lastSampleFamily)
        }
        let found = familyForName(start, end)
        let name = table.string(nameBytes)
        lastSampleNameBytes = nameBytes
        lastSampleName = name
        lastSampleFamily = found
        return (name, found)
    }

    /// A TYPE line's type, in any letter case.
    func metricType(_ token: UnsafeBufferPointer<UInt8>) -> MetricType? {
        func isWord(_ word: StaticString) -> Bool {
            guard token.count == word.utf8CodeUnitCount else { return false }
            let p = word.utf8Start
            // `| 0x20` maps only `A`-`Z` onto the lowercase letters the words are made of.
            for k in 0..<token.count where token[k] | 0x20 != p[k] { return false }
            return true
        }
        if isWord("counter") { return .counter }
        if isWord("gauge") { return .gauge }
        if isWord("histogram") { return .histogram }
        if isWord("summary") { return .summary }
        if isWord("untyped") { return .untyped }
        return nil
    }

    // MARK: Bytes

    func skipBlanks(from start: Int) -> Int {
        var i = start
        while i < lineEnd, isBlank(bytes[i]) { i += 1 }
        return i
    }

    func slice(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    func string(_ start: Int, _ end: Int) -> String {
        String(decoding: slice(start, end), as: UTF8.self)
    }

    func equals(_ a: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        guard a.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<a.count where a[k] != p[k] { return false }
        return true
    }

    func memEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for k in 0..<a.count where a[k] != b[k] { return false }
        return true
    }

    /// The character at `offset`, quoted for a message (`end of line` past the line).
    func describe(at offset: Int) -> String {
        offset >= lineEnd ? "end of line" : "'\(describeRaw(at: offset))'"
    }

    func describeRaw(at offset: Int) -> String {
        var end = offset + 1
        while end < lineEnd, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return string(offset, end)
    }

    /// An error at a byte offset of the current line, with the column in Unicode scalars.
    func error(at offset: Int, _ message: String) -> ExpositionError {
        var column = 1
        var k = lineStart
        while k < offset, k < bytes.count {
            if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return ExpositionError(line: line, column: column, message: message)
    }
}

// MARK: Byte classes

private enum Ascii {
    static let newline = UInt8(ascii: "\n")
    static let hash = UInt8(ascii: "#")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
    static let backslash = UInt8(ascii: "\\")
}

@inline(__always) private func isBlank(_ b: UInt8) -> Bool {
    b == UInt8(ascii: " ") || b == UInt8(ascii: "\t")
}

@inline(__always) private func isLabelNameStart(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        || b == UInt8(ascii: "_")
}

@inline(__always) private func isLabelNameContinuation(_ b: UInt8) -> Bool {
    isLabelNameStart(b) || GoNumberSyntax.isDigit(b)
}

@inline(__always) private func isMetricNameStart(_ b: UInt8) -> Bool {
    isLabelNameStart(b) || b == UInt8(ascii: ":")
}

@inline(__always) private func isMetricNameContinuation(_ b: UInt8) -> Bool {
    isLabelNameContinuation(b) || b == UInt8(ascii: ":")
}
