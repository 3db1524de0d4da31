/// The type a `# TYPE` line declares. `untyped` is what 0.0.4 assumes when none is given.
public enum MetricType: String, Sendable, Hashable {
    case counter, gauge, histogram, summary, untyped
    // OpenMetrics-only types (the OpenMetrics parser, a later issue, produces these).
    case info, stateset, gaugehistogram, unknown
}

/// A label set, kept sorted by name so that equal sets compare and hash equal.
public struct Labels: Hashable, Sendable, Sequence, CustomStringConvertible {
    public private(set) var pairs: [(name: String, value: String)]

    public init(_ pairs: [(String, String)] = []) {
        var out = pairs.map { (name: $0.0, value: $0.1) }
        // Most callers already pass pairs in order; the sort is stable, so skipping it then
        // gives the same set.
        var i = 1
        while i < out.count && !(out[i].name < out[i - 1].name) { i += 1 }
        if i < out.count { out.sort { $0.name < $1.name } }
        self.pairs = out
    }
    public init(_ dict: [String: String]) { self.init(dict.map { ($0.key, $0.value) }) }

    public subscript(name: String) -> String? {
        pairs.first(where: { $0.name == name })?.value
    }
    public var isEmpty: Bool { pairs.isEmpty }
    public var count: Int { pairs.count }

    /// A copy with `name` set to `value` (replacing any existing value).
    public func setting(_ name: String, _ value: String) -> Labels {
        var insertAt = pairs.count
        var found = false
        for i in pairs.indices {
            if i > 0 && pairs[i].name == pairs[i - 1].name { return settingCollapsingDuplicates(name, value) }
            if insertAt == pairs.count && !(pairs[i].name < name) { insertAt = i; found = pairs[i].name == name }
        }
        var out = pairs
        if found { out[insertAt].value = value } else { out.insert((name: name, value: value), at: insertAt) }
        return Labels(sortedPairs: out)
    }
    /// `setting` for a set built with repeated names: they collapse to one, the last value winning.
    private func settingCollapsingDuplicates(_ name: String, _ value: String) -> Labels {
        var dict = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
        dict[name] = value
        return Labels(dict)
    }
    /// A copy without the named labels.
    public func removing(_ names: Set<String>) -> Labels {
        filter(names: { !names.contains($0) })
    }
    /// A copy without the label `name`.
    public func removing(_ name: String) -> Labels {
        guard pairs.contains(where: { $0.name == name }) else { return self }
        return filter(names: { $0 != name })
    }
    /// A copy with only the labels whose name satisfies `isIncluded` (order kept, no re-sort).
    public func filter(names isIncluded: (String) -> Bool) -> Labels {
        var out: [(name: String, value: String)] = []
        out.reserveCapacity(pairs.count)
        for p in pairs where isIncluded(p.name) { out.append(p) }
        return Labels(sortedPairs: out)
    }
    /// A copy with only the labels named in `names`, which must be sorted and distinct: a
    /// merge of the two sorted lists, without hashing.
    public func keeping(sortedNames names: [String]) -> Labels {
        var out: [(name: String, value: String)] = []
        out.reserveCapacity(Swift.min(names.count, pairs.count))
        var j = 0
        for p in pairs {
            while j < names.count && names[j] < p.name { j += 1 }
            if j == names.count { break }
            if names[j] == p.name { out.append(p) }
        }
        return Labels(sortedPairs: out)
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { pairs.makeIterator() }

    public static func == (a: Labels, b: Labels) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
    public func hash(into h: inout Hasher) {
        for p in pairs { h.combine(p.name); h.combine(p.value) }
    }
    /// `{a="1",b="2"}` with values escaped as in the text format.
    public var description: String {
        if pairs.isEmpty { return "{}" }
        return "{" + pairs.map { "\($0.name)=\"\(Labels.escape($0.value))\"" }.joined(separator: ",") + "}"
    }
    /// Escapes `\\`, `\"` and newline as the text formats do (OpenMetrics HELP and label values).
    public static func escape(_ v: String) -> String {
        // By scalar, not Character: "\r\n" is one Character but must not hide its "\n".
        var out = String.UnicodeScalarView()
        for u in v.unicodeScalars {
            switch u {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            default: out.append(u)
            }
        }
        return String(out)
    }
}

extension Labels {
    /// Labels from a parser's pairs (names already checked to be distinct), skipping the sort
    /// when they arrive in order, as exporters usually write them. Equal to `Labels(pairs)`.
    init(parsed pairs: [(String, String)]) {
        var out: [(name: String, value: String)] = []
        out.reserveCapacity(pairs.count)
        var inOrder = true
        for (name, value) in pairs {
            if inOrder, let last = out.last, !(last.name < name) { inOrder = false }
            out.append((name: name, value: value))
        }
        if !inOrder { out.sort { $0.name < $1.name } }
        self.pairs = out
    }

    /// Labels from pairs already sorted by name (a filtered `pairs` of another `Labels`).
    init(sortedPairs: [(name: String, value: String)]) {
        self.pairs = sortedPairs
    }
}

/// One sample line of an exposition: the full sample name (with any `_bucket`, `_sum`,
/// `_count`, `_total` suffix), its labels, value and optional timestamp.
public struct Sample: Hashable, Sendable {
    public var name: String
    public var labels: Labels
    public var value: Double
    public var timestamp: Timestamp?
    /// An OpenMetrics exemplar (`# {trace_id="..."} 0.5 [ts]`) attached to a counter `_total` or
    /// histogram `_bucket` sample; nil otherwise and always nil from the 0.0.4 parser. Not part of
    /// the sample's equality or hash, which stay name, labels, value and timestamp.
    public var exemplar: Exemplar? = nil

    public init(name: String, labels: Labels = Labels(), value: Double, timestamp: Timestamp? = nil) {
        self.name = name; self.labels = labels; self.value = value; self.timestamp = timestamp
    }

    public init(name: String, labels: Labels = Labels(), value: Double, timestamp: Timestamp? = nil, exemplar: Exemplar?) {
        self.name = name; self.labels = labels; self.value = value; self.timestamp = timestamp
        self.exemplar = exemplar
    }

    public static func == (a: Sample, b: Sample) -> Bool {
        a.name == b.name && a.labels == b.labels && a.timestamp == b.timestamp
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
    public func hash(into h: inout Hasher) { h.combine(name); h.combine(labels); h.combine(timestamp) }
}

/// An OpenMetrics exemplar: a label set (at most 128 Unicode scalars of names and values), a value
/// and an optional timestamp.
public struct Exemplar: Hashable, Sendable {
    public var labels: Labels
    public var value: Double
    public var timestamp: Timestamp?

    public init(labels: Labels = Labels(), value: Double, timestamp: Timestamp? = nil) {
        self.labels = labels; self.value = value; self.timestamp = timestamp
    }

    public static func == (a: Exemplar, b: Exemplar) -> Bool {
        a.labels == b.labels && a.timestamp == b.timestamp
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
    public func hash(into h: inout Hasher) { h.combine(labels); h.combine(timestamp) }
}

/// A metric family: the samples that share a name (and its suffixes) and their metadata.
public struct MetricFamily: Sendable, Hashable {
    public var name: String
    public var type: MetricType
    public var help: String?
    public var unit: String?
    public var samples: [Sample]

    public init(name: String, type: MetricType = .untyped, help: String? = nil, unit: String? = nil, samples: [Sample] = []) {
        self.name = name; self.type = type; self.help = help; self.unit = unit; self.samples = samples
    }
}

/// A parse error, positioned at a 1-based line and column of the input.
public struct ExpositionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public init(line: Int, column: Int, message: String) {
        self.line = line; self.column = column; self.message = message
    }
    public var description: String { "\(line):\(column): \(message)" }
}
