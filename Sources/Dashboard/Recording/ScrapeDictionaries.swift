import Telemetry

/// A string compared and hashed by its UTF-8 bytes, not by Swift's canonical equivalence:
/// `"é"` and `"e\u{301}"` are equal Swift strings but different bytes, and a recording gives
/// back the bytes it was given.
struct ExactString: Hashable, Sendable {
    let string: String
    init(_ s: String) { string = s }

    static func == (a: ExactString, b: ExactString) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }

    func hash(into h: inout Hasher) {
        var s = string
        s.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
        h.combine(string.utf8.count)
    }
}

/// A family's metadata as a dictionary key: it is written once per target and again only
/// when any part of it changes (then as a new entry).
struct RecordedFamilyKey: Hashable, Sendable {
    let name: ExactString
    let type: MetricType
    let help: ExactString?
    let unit: ExactString?

    init(_ f: MetricFamily) {
        name = ExactString(f.name); type = f.type; help = f.help.map(ExactString.init); unit = f.unit.map(ExactString.init)
    }

    /// Whether `f` has this metadata, byte for byte.
    func matches(_ f: MetricFamily) -> Bool {
        func same(_ a: String?, _ b: ExactString?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case (let a?, let b?): a.utf8.elementsEqual(b.string.utf8)
            default: false
            }
        }
        return f.type == type && f.name.utf8.elementsEqual(name.string.utf8) && same(f.help, help) && same(f.unit, unit)
    }
}

/// A series as a dictionary key: the sample's full name and its label pairs, in order.
struct RecordedSeriesKey: Hashable, Sendable {
    let name: ExactString
    let labels: [ExactString]

    init(_ s: Sample) {
        name = ExactString(s.name)
        var l: [ExactString] = []
        l.reserveCapacity(s.labels.count * 2)
        for p in s.labels { l.append(ExactString(p.name)); l.append(ExactString(p.value)) }
        labels = l
    }

    /// Whether `s` is this series, byte for byte, without building a key (the encoder's fast
    /// path: a target's series come in the same order scrape after scrape).
    func matches(_ s: Sample) -> Bool {
        guard s.labels.count * 2 == labels.count, s.name.utf8.elementsEqual(name.string.utf8) else { return false }
        var i = 0
        for p in s.labels {
            guard p.name.utf8.elementsEqual(labels[i].string.utf8), p.value.utf8.elementsEqual(labels[i + 1].string.utf8) else { return false }
            i += 2
        }
        return true
    }
}

/// One family of a scrape's shape: which family metadata, and which series in order.
struct RecordedShapeFamily: Hashable, Sendable {
    var family: Int
    var series: [Int]
}

/// The order of `MetricType`s in a record (one byte).
enum MetricTypeCode {
    static func code(_ t: MetricType) -> UInt8 {
        switch t {
        case .counter: 0
        case .gauge: 1
        case .histogram: 2
        case .summary: 3
        case .untyped: 4
        case .info: 5
        case .stateset: 6
        case .gaugehistogram: 7
        case .unknown: 8
        }
    }

    static func type(_ code: UInt8) throws(RecordingDecodeError) -> MetricType {
        switch code {
        case 0: .counter
        case 1: .gauge
        case 2: .histogram
        case 3: .summary
        case 4: .untyped
        case 5: .info
        case 6: .stateset
        case 7: .gaugehistogram
        case 8: .unknown
        default: throw RecordingDecodeError("metric type \(code) (0...8)")
        }
    }
}
