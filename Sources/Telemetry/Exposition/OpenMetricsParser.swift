/// Parses the OpenMetrics 1.0 text format, strictly: it accepts and rejects what the reference
/// parser (`prometheus_client.openmetrics.parser`, 211/211 on the OpenMetrics conformance suite)
/// does, with the syntax of the OpenMetrics ABNF.
///
/// Syntax:
/// - The input ends with the line `# EOF`, optionally followed by one newline, and nothing else.
///   No blank lines. Every other line ends with a newline.
/// - `# HELP name text` (escapes `\\`, `\n`, `\"`; any other backslash stays as it is),
///   `# TYPE name counter|gauge|histogram|gaugehistogram|summary|info|stateset|unknown`,
///   `# UNIT name unit` (`[a-zA-Z0-9_:]*`). Exactly one space between the parts; the space after
///   the name is required even when the text is empty. Any other `#` line is an error.
/// - Samples: `name{label="value",...} value [timestamp] [# {labels} value [timestamp]]`, single
///   spaces, no blanks inside the braces, no trailing comma. Label values decode `\\`, `\"` and
///   `\n` and keep any other backslash. Values: decimal floats, `NaN`, `[+-]Inf`/`Infinity` (any
///   letter case). Timestamps: decimal floats in seconds (`NaN`/`Inf` rejected), converted to
///   millisecond `Timestamp`s, rounded to nearest and saturated at the `Int64` range.
///   Quoted (UTF-8) metric and label names are not OpenMetrics 1.0 and are rejected.
///
/// Semantics (as the reference parser checks them):
/// - A family starts at a metadata line with a new name, or at a sample whose name is not one
///   of the current family's: counter `_total`/`_created`; summary the name, `_count`, `_sum`,
///   `_created`; histogram `_bucket`/`_count`/`_sum`/`_created`; gaugehistogram
///   `_bucket`/`_gcount`/`_gsum`; info `_info`; any other type the name itself. A sample that
///   starts a family makes an `unknown` family of its own name.
/// - No name (family name plus its type's suffixes) may belong to two families, so families
///   are never interleaved nor repeated. HELP, TYPE and UNIT at most once each, and before the
///   family's samples. `untyped` is not an OpenMetrics type. A non-empty unit must be the
///   name's suffix (`_<unit>`), and info and stateset families have none.
/// - The samples of one metric (a label set, less `le` for buckets, `quantile` for summary
///   quantiles, the family-name label for statesets) are contiguous; within it, timestamps are
///   all present or all absent and never go backwards. A sample repeating a series at the same
///   (millisecond) timestamp is dropped, as the reference parser drops it.
/// - Counter-like samples (`_total`, `_sum`, `_count`, `_bucket`, `_gcount`, `_gsum`) are not
///   NaN, and not negative except `_gsum`; `_bucket`, `_count` and `_gcount` are integers.
///   Summary quantiles carry `quantile` in [0, 1] and are not negative. Buckets carry an `le`
///   that is a number, not NaN, with `+Inf` written exactly so. Stateset samples carry the
///   family-name label and are 0 or 1; info samples are 1.
/// - Each histogram point (a metric at one timestamp): buckets in increasing `le` with
///   non-decreasing counts, ending with `+Inf`; `_count` equal to the `+Inf` bucket; `_sum` needs
///   `_count` and no negative bucket; `_gsum` needs `_gcount`; `_count`/`_gcount` needs
///   `_sum`/`_gsum`; a negative `_gsum` needs a negative bucket.
/// - Exemplars only on counter `_total` and (gauge)histogram `_bucket` samples, with label
///   names and values of at most 128 Unicode scalars together.
///
/// Bounds (see `ExpositionLimits`): a line over 1 MiB and a label set over 1,000 labels are
/// errors.
///
/// Families that end up without samples (metadata alone) are dropped from the result, as
/// `TextFormatParser` drops them. Every sample line kept yields one `Sample`, `le`, `quantile`
/// and stateset labels included; exemplars go to `Sample.exemplar`. `_created` samples stay
/// samples of their family. Families without a TYPE have type `.unknown`.
///
/// Errors carry the 1-based line and the 1-based column (in Unicode scalars) of the offending
/// character; checks over a whole family or histogram point report the line where it starts.
public enum OpenMetricsParser {
    /// Parses a whole OpenMetrics exposition into its metric families, in order.
    public static func parse(_ text: String) throws(ExpositionError) -> [MetricFamily] {
        var text = text
        let result: Result<[MetricFamily], ExpositionError> = text.withUTF8 { bytes in
            do throws(ExpositionError) {
                return .success(try parse(bytes: bytes))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses UTF-8 bytes (the caller has validated them).
    static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(ExpositionError) -> [MetricFamily] {
        var state = OpenMetricsParseState(bytes: bytes)
        try state.parseAll()
        return state.output
    }
}

// MARK: - Families and suffixes

/// What a sample name adds to its family name.
private enum OMSuffix: UInt8, Hashable {
    case none, total, created, count, sum, bucket, gcount, gsum, info

    var text: StaticString {
        switch self {
        case .none: return ""
        case .total: return "_total"
        case .created: return "_created"
        case .count: return "_count"
        case .sum: return "_sum"
        case .bucket: return "_bucket"
        case .gcount: return "_gcount"
        case .gsum: return "_gsum"
        case .info: return "_info"
        }
    }

    /// The sample names a family of `type` may hold (nil: no TYPE yet).
    static func allowed(for type: MetricType?) -> [OMSuffix] {
        switch type {
        case .counter: return counterSuffixes
        case .summary: return summarySuffixes
        case .histogram: return histogramSuffixes
        case .gaugehistogram: return gaugeHistogramSuffixes
        case .info: return infoSuffixes
        default: return plainSuffixes
        }
    }

    private static let counterSuffixes: [OMSuffix] = [.total, .created]
    private static let summarySuffixes: [OMSuffix] = [.none, .count, .sum, .created]
    private static let histogramSuffixes: [OMSuffix] = [.count, .sum, .bucket, .created]
    private static let gaugeHistogramSuffixes: [OMSuffix] = [.gcount, .gsum, .bucket]
    private static let infoSuffixes: [OMSuffix] = [.info]
    private static let plainSuffixes: [OMSuffix] = [.none]
}

/// One histogram sample as the per-point checks need it.
private struct OMHistogramEntry {
    var group: Int
    var suffix: OMSuffix
    var timestamp: Double?
    var le: Double
    var value: Double
    var line: Int
}

/// A series within one metric: the sample's suffix and its special label's value.
private struct OMSeriesKey: Hashable {
    var suffix: OMSuffix
    var special: String?
}

/// A family while it is being read.
private struct OMFamily {
    var name: String
    var nameBytes: [UInt8]
    var line: Int
    var column: Int
    var type: MetricType?
    var help: String?
    /// "" when a `# UNIT name ` line gave an empty unit.
    var unit: String?
    var allowed: [OMSuffix] = [.none]
    var samples: [Sample] = []
    var sawSample = false
    // The metric (group) the last sample belonged to.
    var group: Labels?
    var groupID = -1
    var groupTimestamp: Double?
    var groupTimestampMs: Int64?
    /// The series of the current metric: suffixes of samples without a special label as bits,
    /// the others (buckets, quantiles, states) in the parse state's `groupSeries`.
    var groupSuffixes: UInt16 = 0
    var histogram: [OMHistogramEntry] = []

    init(name: String, nameBytes: [UInt8], line: Int, column: Int) {
        self.name = name; self.nameBytes = nameBytes; self.line = line; self.column = column
    }
}

// MARK: - Parse state

private struct OpenMetricsParseState {
    let bytes: UnsafeBufferPointer<UInt8>
    var line = 0
    var lineStart = 0
    var lineEnd = 0
    var eof = false
    /// The family being read; meaningful while `hasFamily`. Not an Optional, so that the hot
    /// path mutates it in place without copying (and retaining) its fields.
    var current = OMFamily(name: "", nameBytes: [], line: 0, column: 0)
    var hasFamily = false
    var output: [MetricFamily] = []
    /// The sample names every family so far claimed (family name plus its type's suffixes).
    var seenNames = ExpositionStringTable(capacity: 1024)
    var nameScratch: [UInt8] = []
    /// Metric names, label names and label values, each made a `String` once per parse.
    var table = ExpositionStringTable()
    var recent = ExpositionRecentStrings()
    /// The metrics (label sets less the special label) of the current family so far.
    var seenGroups = ExpositionHashSet<Labels>()
    /// The special-label series of the current metric (see `OMFamily.groupSuffixes`).
    var groupSeries = ExpositionHashSet<OMSeriesKey>()
    let seed = ExpositionStringTable.processSeed
    // A one-entry cache: consecutive samples usually share a name.
    var lastNameBytes: UnsafeBufferPointer<UInt8>?
    var lastName = ""

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        nameScratch.reserveCapacity(256)
    }

    mutating func parseAll() throws(ExpositionError) {
        let count = bytes.count
        var start = 0
        while start < count {
            line += 1
            lineStart = start
            let end = OMBytes.findNewline(bytes, from: start)
            lineEnd = end
            if eof {
                throw error(at: start, "text after \"# EOF\": the exposition must end there")
            }
            if end - start > ExpositionLimits.maxLineBytes {
                throw error(at: start + ExpositionLimits.maxLineBytes,
                            "line is longer than \(ExpositionLimits.maxLineBytes) bytes (1 MiB)")
            }
            try parseLine()
            if end == count, !eof {
                throw error(at: end, "unexpected end of input: the line has no newline")
            }
            start = end + 1
        }
        if !eof {
            // Point just past the last line.
            line += 1
            lineStart = count
            lineEnd = count
            throw error(at: count, "missing \"# EOF\" at the end of the exposition")
        }
    }

    mutating func parseLine() throws(ExpositionError) {
        if lineStart == lineEnd { throw error(at: lineStart, "blank line: OpenMetrics allows none") }
        if bytes[lineStart] == OMBytes.hash {
            if equals(lineStart, lineEnd, "# EOF") {
                try finishFamily()
                eof = true
                return
            }
            try parseMetadata()
        } else {
            try parseSample()
        }
    }

    // MARK: Metadata

    mutating func parseMetadata() throws(ExpositionError) {
        var i = lineStart + 1
        guard i < lineEnd, bytes[i] == OMBytes.space else {
            throw error(at: i, "comment lines are not allowed: OpenMetrics knows only \"# HELP\", \"# TYPE\", \"# UNIT\" and \"# EOF\"")
        }
        i += 1
        let keywordStart = i
        while i < lineEnd, bytes[i] != OMBytes.space { i += 1 }
        let kind: UInt8
        if equals(keywordStart, i, "HELP") { kind = 0 }
        else if equals(keywordStart, i, "TYPE") { kind = 1 }
        else if equals(keywordStart, i, "UNIT") { kind = 2 }
        else {
            throw error(at: keywordStart, "unknown metadata \"\(string(keywordStart, i))\": OpenMetrics knows only HELP, TYPE, UNIT and EOF")
        }
        let keyword = string(keywordStart, i)
        guard i < lineEnd else { throw error(at: i, "missing metric name after \(keyword)") }
        i += 1
        let nameStart = i
        guard i < lineEnd, OMBytes.isMetricNameStart(bytes[i]) else {
            throw error(at: i, i < lineEnd ? "invalid metric name in \(keyword): unexpected \(describe(at: i))"
                                           : "missing metric name after \(keyword)")
        }
        while i < lineEnd, OMBytes.isMetricNameContinuation(bytes[i]) { i += 1 }
        let nameEnd = i
        guard i < lineEnd else {
            throw error(at: i, "\(keyword) line ends after the metric name: a space and the \(kind == 0 ? "help text" : kind == 1 ? "type" : "unit") must follow")
        }
        guard bytes[i] == OMBytes.space else {
            throw error(at: i, "invalid character \(describe(at: i)) in metric name")
        }
        i += 1
        let textStart = i

        if hasFamily, equalsBytes(nameStart, nameEnd, current.nameBytes) {
            if current.sawSample {
                throw error(at: nameStart, "\(keyword) for \"\(current.name)\" after its samples: metadata must come first")
            }
        } else {
            try finishFamily()
            let name = table.string(slice(nameStart, nameEnd))
            current = OMFamily(name: name, nameBytes: Array(slice(nameStart, nameEnd)), line: line,
                               column: column(of: nameStart))
            hasFamily = true
        }

        switch kind {
        case 0:
            if current.help != nil {
                throw error(at: keywordStart, "second HELP for \"\(current.name)\"")
            }
            current.help = unescapeHelp(textStart, lineEnd)
        case 1:
            if current.type != nil {
                throw error(at: keywordStart, "second TYPE for \"\(current.name)\"")
            }
            guard let type = metricType(textStart, lineEnd) else {
                if equals(textStart, lineEnd, "untyped") {
                    throw error(at: textStart, "\"untyped\" is not an OpenMetrics type (use \"unknown\")")
                }
                throw error(at: textStart, "unknown metric type \"\(string(textStart, lineEnd))\"")
            }
            current.type = type
            current.allowed = OMSuffix.allowed(for: type)
        default:
            if current.unit != nil {
                throw error(at: keywordStart, "second UNIT for \"\(current.name)\"")
            }
            var k = textStart
            while k < lineEnd {
                guard OMBytes.isMetricNameContinuation(bytes[k]) else {
                    throw error(at: k, "invalid character \(describe(at: k)) in unit")
                }
                k += 1
            }
            current.unit = string(textStart, lineEnd)
        }
    }

    func metricType(_ start: Int, _ end: Int) -> MetricType? {
        if equals(start, end, "counter") { return .counter }
        if equals(start, end, "gauge") { return .gauge }
        if equals(start, end, "histogram") { return .histogram }
        if equals(start, end, "gaugehistogram") { return .gaugehistogram }
        if equals(start, end, "summary") { return .summary }
        if equals(start, end, "info") { return .info }
        if equals(start, end, "stateset") { return .stateset }
        if equals(start, end, "unknown") { return .unknown }
        return nil
    }

    /// HELP text: `\\`, `\n`, `\"` decoded; any other backslash kept.
    func unescapeHelp(_ start: Int, _ end: Int) -> String {
        if ExpositionBytes.find(OMBytes.backslash, in: bytes, from: start, to: end) == end { return string(start, end) }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var j = start
        while j < end {
            let b = bytes[j]
            if b == OMBytes.backslash, j + 1 < end {
                switch bytes[j + 1] {
                case OMBytes.backslash: out.append(OMBytes.backslash); j += 2; continue
                case OMBytes.quote: out.append(OMBytes.quote); j += 2; continue
                case UInt8(ascii: "n"): out.append(OMBytes.newline); j += 2; continue
                default: break
                }
            }
            out.append(b)
            j += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Samples

    mutating func parseSample() throws(ExpositionError) {
        var i = lineStart
        let nameStart = i
        guard OMBytes.isMetricNameStart(bytes[i]) else {
            if bytes[i] == OMBytes.openBrace {
                throw error(at: i, "invalid metric name: quoted metric names are not part of OpenMetrics 1.0")
            }
            throw error(at: i, "invalid metric name: unexpected \(describe(at: i))")
        }
        i += 1
        while i < lineEnd, OMBytes.isMetricNameContinuation(bytes[i]) { i += 1 }
        let nameEnd = i

        // The pairs, sorted by name, become the sample's `Labels` as they are.
        var labelPairs: [(name: String, value: String)] = []
        if i < lineEnd, bytes[i] == OMBytes.openBrace {
            labelPairs.reserveCapacity(4)
            i = try parseLabels(from: i + 1, into: &labelPairs, what: "label")
        }
        guard i < lineEnd else { throw error(at: i, "missing value") }
        guard bytes[i] == OMBytes.space else {
            throw error(at: i, "unexpected \(describe(at: i)) after the metric name or labels: expected one space and the value")
        }
        i += 1
        let valueStart = i
        while i < lineEnd, bytes[i] != OMBytes.space { i += 1 }
        guard let value = OMBytes.parseNumber(slice(valueStart, i)) else {
            throw error(at: valueStart, valueStart == i ? "missing value (exactly one space separates the parts of a sample)"
                                                        : "invalid value \"\(string(valueStart, i))\"")
        }
        var tsSeconds: Double?
        var exemplar: Exemplar?
        var exemplarAt = 0
        if i < lineEnd {
            i += 1
            if i < lineEnd, bytes[i] == OMBytes.hash {
                exemplarAt = i
                exemplar = try parseExemplar(from: i)
            } else {
                let tsStart = i
                while i < lineEnd, bytes[i] != OMBytes.space { i += 1 }
                tsSeconds = try parseTimestamp(tsStart, i)
                if i < lineEnd {
                    i += 1
                    guard i < lineEnd, bytes[i] == OMBytes.hash else {
                        throw error(at: i, i < lineEnd ? "unexpected \(describe(at: i)) after the timestamp: only \"# {...}\" (an exemplar) may follow"
                                                       : "trailing space after the timestamp")
                    }
                    exemplarAt = i
                    exemplar = try parseExemplar(from: i)
                }
            }
        }

        // The family.
        let nameBytes = slice(nameStart, nameEnd)
        let suffix: OMSuffix
        if hasFamily, let found = suffixOf(nameBytes) {
            suffix = found
        } else {
            try finishFamily()
            let name = sampleName(nameBytes)
            current = OMFamily(name: name, nameBytes: Array(nameBytes), line: line, column: 1)
            current.type = .unknown
            hasFamily = true
            suffix = .none
        }
        let name = sampleName(nameBytes)
        try addSample(name: name, pairs: labelPairs, suffix: suffix, value: value, seconds: tsSeconds, exemplar: exemplar,
                      exemplarAt: exemplarAt, nameStart: nameStart, valueStart: valueStart)
    }

    mutating func sampleName(_ nameBytes: UnsafeBufferPointer<UInt8>) -> String {
        if let last = lastNameBytes, ExpositionBytes.equal(last, nameBytes) {
            return lastName
        }
        lastName = table.string(nameBytes)
        lastNameBytes = nameBytes
        return lastName
    }

    func suffixOf(_ name: UnsafeBufferPointer<UInt8>) -> OMSuffix? {
        let baseCount = current.nameBytes.count
        guard name.count >= baseCount else { return nil }
        let same = current.nameBytes.withUnsafeBufferPointer { base in
            OMBytes.memEqual(base, UnsafeBufferPointer(rebasing: name[0..<baseCount]))
        }
        guard same else { return nil }
        let restCount = name.count - baseCount
        for suffix in current.allowed {
            let text = suffix.text
            guard text.utf8CodeUnitCount == restCount else { continue }
            let p = text.utf8Start
            var same = true
            for k in 0..<restCount where name[baseCount + k] != p[k] { same = false; break }
            if same { return suffix }
        }
        return nil
    }

    mutating func addSample(name: String, pairs: [(name: String, value: String)], suffix: OMSuffix, value: Double, seconds: Double?,
                            exemplar: Exemplar?, exemplarAt: Int, nameStart: Int,
                            valueStart: Int) throws(ExpositionError) {
        let familyName = current.name
        let type = current.type ?? .unknown
        current.sawSample = true

        // The label this family type gives a meaning to.
        var special: String?
        var specialName: String?
        var le = 0.0
        switch (type, suffix) {
        case (.stateset, _):
            specialName = familyName
            guard let v = pairs.first(where: { $0.0 == familyName })?.1 else {
                throw error(at: nameStart, "stateset sample \"\(name)\" has no \"\(familyName)\" label")
            }
            special = v
        case (.histogram, .bucket), (.gaugehistogram, .bucket):
            specialName = "le"
            guard let v = pairs.first(where: { $0.0 == "le" })?.1 else {
                throw error(at: nameStart, "histogram bucket \"\(name)\" has no \"le\" label")
            }
            guard let bound = OMBytes.parseNumber(v), !bound.isNaN else {
                throw error(at: nameStart, "invalid \"le\" label \"\(v)\" on \"\(name)\"")
            }
            if bound == .infinity, v != "+Inf" {
                throw error(at: nameStart, "\"le\" label \"\(v)\" on \"\(name)\": +Inf must be written \"+Inf\"")
            }
            le = bound
            special = v
            if !(value.isFinite && value.rounded(.towardZero) == value) {
                throw error(at: valueStart, "bucket \"\(name)\" value \(OMBytes.describe(value)) is not an integer")
            }
        case (.summary, .none):
            specialName = "quantile"
            guard let v = pairs.first(where: { $0.0 == "quantile" })?.1 else {
                throw error(at: nameStart, "summary quantile \"\(name)\" has no \"quantile\" label")
            }
            guard let q = OMBytes.parseNumber(v), q >= 0, q <= 1 else {
                throw error(at: nameStart, "invalid \"quantile\" label \"\(v)\" on \"\(name)\": must be a number in [0, 1]")
            }
            special = v
            if value < 0 {
                throw error(at: valueStart, "summary quantile \"\(name)\" is negative")
            }
        default:
            break
        }
        if suffix == .count || suffix == .gcount, !(value.isFinite && value.rounded(.towardZero) == value) {
            throw error(at: valueStart, "\"\(name)\" value \(OMBytes.describe(value)) is not an integer")
        }
        switch suffix {
        case .total, .sum, .count, .bucket, .gcount:
            if value.isNaN { throw error(at: valueStart, "counter-like sample \"\(name)\" is NaN") }
            if value < 0 { throw error(at: valueStart, "counter-like sample \"\(name)\" is negative") }
        case .gsum:
            if value.isNaN { throw error(at: valueStart, "counter-like sample \"\(name)\" is NaN") }
        default:
            break
        }
        if type == .stateset, value != 0, value != 1 {
            throw error(at: valueStart, "stateset sample \"\(name)\" must be 0 or 1, not \(OMBytes.describe(value))")
        }
        if type == .info, value != 1 {
            throw error(at: valueStart, "info sample \"\(name)\" must be 1, not \(OMBytes.describe(value))")
        }
        if exemplar != nil {
            let allowed = ((type == .histogram || type == .gaugehistogram) && suffix == .bucket)
                || (type == .counter && suffix == .total)
            if !allowed {
                throw error(at: exemplarAt, "exemplars are allowed only on counter _total and histogram _bucket samples, not on \"\(name)\"")
            }
        }

        let labels = Labels(sortedPairs: pairs)
        // The metric (group) of this sample: its labels less the special one.
        let timestamp = seconds.map(OMBytes.timestamp(seconds:))
        let series = OMSeriesKey(suffix: suffix, special: special)
        var sameTimestamp = false
        if let currentGroup = current.group, OMBytes.sameGroup(currentGroup, labels, less: specialName) {
            if (seconds == nil) != (current.groupTimestamp == nil) {
                throw error(at: nameStart, "\"\(name)\": timestamps must be on all samples of a metric or on none")
            }
            if let previous = current.groupTimestamp, let seconds, seconds < previous {
                throw error(at: nameStart, "\"\(name)\": timestamp goes backwards within the metric")
            }
            sameTimestamp = timestamp?.milliseconds == current.groupTimestampMs
        } else {
            let group: Labels
            if let specialName {
                group = Labels(sortedPairs: labels.pairs.filter { $0.name != specialName })
            } else {
                group = labels
            }
            if !seenGroups.insert(group, hash: hashLabels(group)) {
                throw error(at: nameStart, "samples of \"\(familyName)\"\(group) must be contiguous: the metric appeared before another one")
            }
            current.groupID += 1
            current.group = group
            current.groupSuffixes = 0
            groupSeries.removeAll()
        }
        let repeated: Bool
        if let special {
            let hash = ExpositionStringTable.hash(special, seed: seed) ^ UInt64(series.suffix.rawValue)
            repeated = !groupSeries.insert(series, hash: hash)
        } else {
            repeated = current.groupSuffixes & (1 << series.suffix.rawValue) != 0
            current.groupSuffixes |= 1 << series.suffix.rawValue
        }
        current.groupTimestamp = seconds
        current.groupTimestampMs = timestamp?.milliseconds
        // A repeat at the same timestamp, as the reference parser drops it.
        if sameTimestamp, repeated { return }
        if type == .histogram || type == .gaugehistogram {
            current.histogram.append(OMHistogramEntry(group: current.groupID, suffix: suffix, timestamp: seconds,
                                                       le: le, value: value, line: line))
        }
        current.samples.append(Sample(name: name, labels: labels, value: value, timestamp: timestamp,
                                       exemplar: exemplar))
    }

    /// Reads a label set after its `{`; returns the index after the closing `}`.
    /// The pairs come out sorted by name, as `Labels` keeps them.
    mutating func parseLabels(from start: Int, into pairs: inout [(name: String, value: String)],
                              what: String) throws(ExpositionError) -> Int {
        var i = start
        var seenNames: Set<String> = []
        // While the names arrive in strictly increasing order (as exporters write them), none
        // can repeat an earlier one; from the first that does not, every name is checked.
        var inOrder = true
        var lastNameStart = 0, lastNameEnd = 0
        defer {
            if !inOrder { pairs.sort { $0.name < $1.name } }
        }
        if i < lineEnd, bytes[i] == OMBytes.closeBrace { return i + 1 }
        while true {
            guard i < lineEnd else { throw error(at: i, "unexpected end of line in \(what) set") }
            let nameStart = i
            guard OMBytes.isLabelNameStart(bytes[i]) else {
                if bytes[i] == OMBytes.quote {
                    throw error(at: i, "quoted \(what) names are not part of OpenMetrics 1.0")
                }
                throw error(at: i, "invalid \(what) name: unexpected \(describe(at: i))")
            }
            i += 1
            while i < lineEnd, OMBytes.isLabelNameContinuation(bytes[i]) { i += 1 }
            let nameEnd = i
            guard i < lineEnd, bytes[i] == OMBytes.equals else {
                throw error(at: i, "expected '=' after \(what) name, found \(describe(at: i))")
            }
            i += 1
            guard i < lineEnd, bytes[i] == OMBytes.quote else {
                throw error(at: i, "expected '\"' to start the \(what) value, found \(describe(at: i))")
            }
            let (value, closingQuote) = try readLabelValue(from: i + 1, slot: 2 * pairs.count + 1)
            let nameBytes = slice(nameStart, nameEnd)
            let name = recent.string(slot: 2 * pairs.count, bytes, nameStart, nameEnd, table: &table)
            if equals(nameStart, nameEnd, "__name__") {
                throw error(at: nameStart, "\(what) name \"__name__\" is reserved")
            }
            if inOrder, !pairs.isEmpty, !ExpositionBytes.less(slice(lastNameStart, lastNameEnd), nameBytes) {
                inOrder = false
            }
            if !inOrder, ExpositionLabelNames.isDuplicate(name, in: pairs, seen: &seenNames) {
                throw error(at: nameStart, "duplicate \(what) name \"\(name)\"")
            }
            lastNameStart = nameStart
            lastNameEnd = nameEnd
            pairs.append((name: name, value: value))
            if pairs.count > ExpositionLimits.maxLabelsPerSample {
                throw error(at: nameStart, "more than \(ExpositionLimits.maxLabelsPerSample) labels in one \(what) set")
            }
            i = closingQuote + 1
            guard i < lineEnd else { throw error(at: i, "unexpected end of line in \(what) set") }
            switch bytes[i] {
            case OMBytes.comma:
                i += 1
            case OMBytes.closeBrace:
                return i + 1
            default:
                throw error(at: i, "unexpected \(describe(at: i)) after \(what) value, expected ',' or '}'")
            }
        }
    }

    /// A label value from after its opening quote: the value (escapes `\\`, `\"`, `\n` decoded,
    /// any other backslash kept) and the index of the closing quote.
    mutating func readLabelValue(from start: Int, slot: Int = .max) throws(ExpositionError) -> (String, Int) {
        var i = start
        var hasEscape = false
        while i < lineEnd {
            i = ExpositionBytes.findQuoteOrBackslash(bytes, from: i, to: lineEnd)
            if i >= lineEnd { break }
            let b = bytes[i]
            if b == OMBytes.quote { break }
            if b == OMBytes.backslash {
                hasEscape = true
                i += 2
            } else {
                i += 1
            }
        }
        if i >= lineEnd {
            throw error(at: lineEnd, "label value is not closed with '\"' before the end of the line")
        }
        if !hasEscape { return (recent.string(slot: slot, bytes, start, i, table: &table), i) }
        var out: [UInt8] = []
        out.reserveCapacity(i - start)
        var j = start
        while j < i {
            let b = bytes[j]
            if b == OMBytes.backslash {
                switch bytes[j + 1] {
                case OMBytes.backslash: out.append(OMBytes.backslash)
                case OMBytes.quote: out.append(OMBytes.quote)
                case UInt8(ascii: "n"): out.append(OMBytes.newline)
                default: out.append(b); out.append(bytes[j + 1])
                }
                j += 2
            } else {
                out.append(b)
                j += 1
            }
        }
        return (String(decoding: out, as: UTF8.self), i)
    }

    /// An exemplar from its `#`: `# {labels} value [timestamp]` up to the end of the line.
    mutating func parseExemplar(from start: Int) throws(ExpositionError) -> Exemplar {
        var i = start + 1
        guard i < lineEnd, bytes[i] == OMBytes.space else {
            throw error(at: i, "expected \"# {\" to start an exemplar")
        }
        i += 1
        guard i < lineEnd, bytes[i] == OMBytes.openBrace else {
            throw error(at: i, "expected \"{\" to start the exemplar's labels, found \(describe(at: i))")
        }
        let labelsStart = i
        var exemplarPairs: [(name: String, value: String)] = []
            i = try parseLabels(from: i + 1, into: &exemplarPairs, what: "exemplar label")
        var scalars = 0
        for (name, value) in exemplarPairs { scalars += name.utf8.count + value.unicodeScalars.count }
        if scalars > 128 {
            throw error(at: labelsStart, "exemplar labels are \(scalars) characters long: at most 128 are allowed")
        }
        guard i < lineEnd, bytes[i] == OMBytes.space else {
            throw error(at: i, "expected a space and the exemplar value after its labels")
        }
        i += 1
        let valueStart = i
        while i < lineEnd, bytes[i] != OMBytes.space { i += 1 }
        guard let value = OMBytes.parseNumber(slice(valueStart, i)) else {
            throw error(at: valueStart, valueStart == i ? "missing exemplar value" : "invalid exemplar value \"\(string(valueStart, i))\"")
        }
        var timestamp: Timestamp?
        if i < lineEnd {
            i += 1
            let tsStart = i
            while i < lineEnd, bytes[i] != OMBytes.space { i += 1 }
            timestamp = OMBytes.timestamp(seconds: try parseTimestamp(tsStart, i))
            if i < lineEnd { throw error(at: i, "unexpected text after the exemplar timestamp") }
        }
        return Exemplar(labels: Labels(sortedPairs: exemplarPairs), value: value, timestamp: timestamp)
    }

    func parseTimestamp(_ start: Int, _ end: Int) throws(ExpositionError) -> Double {
        if start == end { throw error(at: start, "missing timestamp after the space (no trailing blanks allowed)") }
        var k = start
        if bytes[k] == UInt8(ascii: "+") || bytes[k] == UInt8(ascii: "-") { k += 1 }
        guard k < end, GoNumberSyntax.isDigit(bytes[k]) || bytes[k] == UInt8(ascii: "."),
              let seconds = OMBytes.parseNumber(slice(start, end)), seconds.isFinite else {
            throw error(at: start, "invalid timestamp \"\(string(start, end))\": expected a decimal number of seconds")
        }
        return seconds
    }

    // MARK: Finishing a family

    func hashLabels(_ labels: Labels) -> UInt64 {
        var h = seed
        for pair in labels.pairs {
            h = (h ^ ExpositionStringTable.hash(pair.name, seed: seed)) &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ ExpositionStringTable.hash(pair.value, seed: seed)) &* 0xBF58_476D_1CE4_E5B9
        }
        return h ^ (h >> 29)
    }

    mutating func finishFamily() throws(ExpositionError) {
        guard hasFamily else { return }
        hasFamily = false
        seenGroups.removeAll()
        groupSeries.removeAll()
        let family = current
        current = OMFamily(name: "", nameBytes: [], line: 0, column: 0)
        let type = family.type ?? .unknown
        func claim(_ suffix: OMSuffix) throws(ExpositionError) {
            nameScratch.removeAll(keepingCapacity: true)
            nameScratch.append(contentsOf: family.nameBytes)
            let text = suffix.text
            nameScratch.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            let inserted = nameScratch.withUnsafeBufferPointer { seenNames.insertKey($0) }
            if !inserted {
                let name = family.name + suffix.text.description
                throw ExpositionError(line: family.line, column: family.column,
                                      message: "metric name \"\(name)\" already used by an earlier family: families may not repeat or interleave")
            }
        }
        try claim(.none)
        for suffix in OMSuffix.allowed(for: type) where suffix != .none { try claim(suffix) }
        if let unit = family.unit, !unit.isEmpty {
            if !family.name.hasSuffix("_" + unit) {
                throw ExpositionError(line: family.line, column: family.column,
                                      message: "unit \"\(unit)\" is not the suffix of the metric name \"\(family.name)\"")
            }
            if type == .info || type == .stateset {
                throw ExpositionError(line: family.line, column: family.column,
                                      message: "\(type.rawValue) \"\(family.name)\" may not have a unit")
            }
        }
        if type == .histogram || type == .gaugehistogram {
            try checkHistogram(family)
        }
        if family.samples.isEmpty { return }
        output.append(MetricFamily(name: family.name, type: type, help: family.help,
                                   unit: (family.unit?.isEmpty ?? true) ? nil : family.unit,
                                   samples: family.samples))
    }

    func checkHistogram(_ family: OMFamily) throws(ExpositionError) {
        let entries = family.histogram
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count, entries[end].group == entries[start].group,
                  entries[end].timestamp == entries[start].timestamp { end += 1 }
            try checkHistogramPoint(entries[start..<end], family.name)
            start = end
        }
    }

    func checkHistogramPoint(_ point: ArraySlice<OMHistogramEntry>, _ name: String) throws(ExpositionError) {
        var lastLe: Double?
        var lastValue = 0.0
        var count: Double?
        var hasSum = false, hasGsum = false, negativeBuckets = false, negativeGsum = false
        for entry in point {
            switch entry.suffix {
            case .bucket:
                if entry.le < 0 { negativeBuckets = true }
                if let lastLe, entry.le <= lastLe {
                    throw ExpositionError(line: entry.line, column: 1,
                                          message: "histogram \"\(name)\": buckets out of order (\"le\" must increase)")
                }
                if entry.value < lastValue {
                    throw ExpositionError(line: entry.line, column: 1,
                                          message: "histogram \"\(name)\": bucket counts must not decrease")
                }
                lastLe = entry.le
                lastValue = entry.value
            case .count, .gcount:
                count = entry.value
            case .sum:
                hasSum = true
            case .gsum:
                hasGsum = true
                if entry.value < 0 { negativeGsum = true }
            default:
                break
            }
        }
        let line = point.first!.line
        func fail(_ message: String) -> ExpositionError {
            ExpositionError(line: line, column: 1, message: "histogram \"\(name)\": \(message)")
        }
        if lastLe != .infinity { throw fail("no +Inf bucket") }
        if let count, count != lastValue { throw fail("count \(OMBytes.describe(count)) differs from the +Inf bucket \(OMBytes.describe(lastValue))") }
        if hasSum, count == nil { throw fail("_sum without _count") }
        if hasGsum, count == nil { throw fail("_gsum without _gcount") }
        if !(hasSum || hasGsum), count != nil { throw fail("_count without _sum (or _gcount without _gsum)") }
        if negativeBuckets, hasSum { throw fail("_sum with negative buckets") }
        if !negativeBuckets, negativeGsum { throw fail("negative _gsum without negative buckets") }
    }

    // MARK: Bytes

    func slice(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    func string(_ start: Int, _ end: Int) -> String {
        String(decoding: slice(start, end), as: UTF8.self)
    }

    func equals(_ start: Int, _ end: Int, _ s: StaticString) -> Bool {
        guard end - start == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<(end - start) where bytes[start + k] != p[k] { return false }
        return true
    }

    func equalsBytes(_ start: Int, _ end: Int, _ other: [UInt8]) -> Bool {
        guard end - start == other.count else { return false }
        for k in 0..<other.count where bytes[start + k] != other[k] { return false }
        return true
    }

    func describe(at offset: Int) -> String {
        if offset >= lineEnd { return "end of line" }
        var end = offset + 1
        while end < lineEnd, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "'\(string(offset, end))'"
    }

    func column(of offset: Int) -> Int {
        var column = 1
        var k = lineStart
        while k < offset, k < bytes.count {
            if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return column
    }

    func error(at offset: Int, _ message: String) -> ExpositionError {
        ExpositionError(line: line, column: column(of: offset), message: message)
    }
}

// MARK: - Byte helpers

enum OMBytes {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let hash = UInt8(ascii: "#")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
    static let backslash = UInt8(ascii: "\\")

    @inline(__always) static func isLabelNameStart(_ b: UInt8) -> Bool {
        (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) || b == UInt8(ascii: "_")
    }

    @inline(__always) static func isLabelNameContinuation(_ b: UInt8) -> Bool {
        isLabelNameStart(b) || GoNumberSyntax.isDigit(b)
    }

    @inline(__always) static func isMetricNameStart(_ b: UInt8) -> Bool {
        isLabelNameStart(b) || b == UInt8(ascii: ":")
    }

    @inline(__always) static func isMetricNameContinuation(_ b: UInt8) -> Bool {
        isLabelNameContinuation(b) || b == UInt8(ascii: ":")
    }

    /// The index of the next newline at or after `start`, or `bytes.count`.
    static func findNewline(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        let n = bytes.count
        // Eight bytes at a time while no newline is among them.
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ 0x0A0A_0A0A_0A0A_0A0A
                if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
        }
        while i < n, bytes[i] != newline { i += 1 }
        return i
    }

    /// An OpenMetrics number: a decimal float (`[+-]digits[.digits][e[+-]digits]`, `.5`, `5.`),
    /// `NaN`, `[+-]Inf`, `[+-]Infinity` (letter case free). Integers of up to 15 digits skip
    /// the general float conversion.
    @inline(__always) static func parseNumber(_ token: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = token.count
        if n > 0, n <= 15 {
            var value: Int64 = 0
            var allDigits = true
            for b in token {
                let d = b &- UInt8(ascii: "0")
                if d > 9 { allDigits = false; break }
                value = value &* 10 &+ Int64(d)
            }
            if allDigits { return Double(value) }
        }
        return GoNumberSyntax.parseFloat(token)
    }

    static func parseNumber(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { parseNumber($0) }
    }

    /// Whether `labels` less the label named `special` (when given) equal `group`, without
    /// building that set.
    static func sameGroup(_ group: Labels, _ labels: Labels, less special: String?) -> Bool {
        let g = group.pairs, l = labels.pairs
        guard let special else { return group == labels }
        guard g.count + 1 == l.count || g.count == l.count else { return false }
        var j = 0
        for pair in l {
            if pair.name == special { continue }
            guard j < g.count, g[j].name == pair.name, g[j].value == pair.value else { return false }
            j += 1
        }
        return j == g.count
    }

    static func memEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for k in 0..<a.count where a[k] != b[k] { return false }
        return true
    }

    /// Seconds to a millisecond `Timestamp`, rounded to nearest, saturated at the Int64 range.
    static func timestamp(seconds: Double) -> Timestamp {
        let ms = (seconds * 1000).rounded()
        if ms >= 9_223_372_036_854_775_807.0 { return Timestamp(milliseconds: .max) }
        if ms <= -9_223_372_036_854_775_808.0 { return Timestamp(milliseconds: .min) }
        return Timestamp(milliseconds: Int64(ms))
    }

    static func describe(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
