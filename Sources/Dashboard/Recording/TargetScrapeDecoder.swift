import Telemetry

/// The decoder's side of `TargetScrapeEncoder`: the same dictionaries, filled in the same
/// order as definitions are read, so that references resolve as they were written.
struct TargetScrapeDecoder {
    private var strings: [String] = []
    private var families: [(name: String, type: MetricType, help: String?, unit: String?)] = []
    private var series: [(name: String, labels: Labels)] = []
    private var coders: [SeriesValueCoder] = []
    private var lastShape: [RecordedShapeFamily]?
    var lastBodyBytes = 0

    /// Forgets every series' last value (a value keyframe).
    mutating func resetValues() {
        for i in coders.indices { coders[i] = SeriesValueCoder() }
        lastBodyBytes = 0
    }

    /// The shape of a scrape: the last one, or a new one read (and remembered).
    private mutating func shape(_ input: inout ByteSource) throws(RecordingDecodeError) -> [RecordedShapeFamily] {
        switch try input.byte() {
        case 0:
            guard let lastShape else { throw RecordingDecodeError("a scrape 'the same as the last' with no scrape before it") }
            return lastShape
        case 1:
            let shape = try readShape(&input)
            lastShape = shape
            return shape
        case let b:
            throw RecordingDecodeError("shape flag \(b) (0 or 1)")
        }
    }

    /// Takes in a scrape's dictionary definitions and shape, skipping its values: how a reader
    /// catches up from a full keyframe to the value keyframe it seeks to.
    mutating func skim(from input: inout ByteSource) throws(RecordingDecodeError) {
        _ = try shape(&input)
        let extras = try input.bool()
        if extras { _ = try input.bytes(try input.count()) }
        _ = try input.bytes(try input.count())
        if extras { _ = try input.bytes(try input.count()) }
    }

    mutating func decode(from input: inout ByteSource) throws(RecordingDecodeError) -> [MetricFamily] {
        let shape = try shape(&input)
        let total = shape.reduce(0) { $0 + $1.series.count }
        let extras = try input.bool()
        var flagBytes: UnsafeRawBufferPointer?
        if extras {
            let n = try input.count()
            guard n == (total * 2 + 7) / 8 else { throw RecordingDecodeError("\(n) bytes of sample flags for \(total) samples") }
            flagBytes = try input.bytes(n)
        }
        let raw = try input.bytes(try input.count())
        var bits = BitSource(raw)
        var flags = BitSource(flagBytes ?? UnsafeRawBufferPointer(start: nil, count: 0))
        var out: [MetricFamily] = []
        out.reserveCapacity(shape.count)
        var exemplarAt: [(family: Int, sample: Int)] = []
        for entry in shape {
            let meta = families[entry.family]
            var samples: [Sample] = []
            samples.reserveCapacity(entry.series.count)
            for id in entry.series {
                var hasTime = false, hasExemplar = false
                if extras { hasTime = try flags.bit(); hasExemplar = try flags.bit() }
                let value = try coders[id].decode(from: &bits)
                let time = hasTime ? Timestamp(milliseconds: try coders[id].decodeTime(from: &bits)) : nil
                if hasExemplar { exemplarAt.append((out.count, samples.count)) }
                samples.append(Sample(name: series[id].name, labels: series[id].labels, value: Double(bitPattern: value), timestamp: time))
            }
            out.append(MetricFamily(name: meta.name, type: meta.type, help: meta.help, unit: meta.unit, samples: samples))
        }
        // The encoder pads the last byte with zero bits, and writes no more bytes than it used.
        guard bits.bitsLeft < 8, try bits.bits(bits.bitsLeft) == 0 else {
            throw RecordingDecodeError("value bits left over after the last sample")
        }
        guard extras else { return out }
        var section = ByteSource(try input.bytes(try input.count()))
        for (f, s) in exemplarAt {
            let n = try section.count(minimumSize: 2)
            var pairs: [(String, String)] = []
            pairs.reserveCapacity(n)
            for _ in 0..<n { pairs.append((try section.string(), try section.string())) }
            let value = Double(bitPattern: try section.u64())
            let time: Timestamp? = try section.bool() ? Timestamp(milliseconds: try section.varint()) : nil
            out[f].samples[s].exemplar = Exemplar(labels: Labels(pairs), value: value, timestamp: time)
        }
        try section.expectEnd()
        return out
    }

    private mutating func stringRef(_ input: inout ByteSource) throws(RecordingDecodeError) -> String {
        let ref = try input.uvarint()
        if ref == 0 {
            let s = try input.string()
            strings.append(s)
            return s
        }
        guard ref <= UInt64(strings.count) else { throw RecordingDecodeError("string reference \(ref) past the \(strings.count) defined") }
        return strings[Int(ref - 1)]
    }

    private mutating func optionalStringRef(_ input: inout ByteSource) throws(RecordingDecodeError) -> String? {
        switch try input.byte() {
        case 0: return nil
        case 1: return try stringRef(&input)
        case let b: throw RecordingDecodeError("optional-string flag \(b) (0 or 1)")
        }
    }

    private mutating func readShape(_ input: inout ByteSource) throws(RecordingDecodeError) -> [RecordedShapeFamily] {
        let familyCount = try input.count(minimumSize: 2)
        var shape: [RecordedShapeFamily] = []
        shape.reserveCapacity(familyCount)
        var total = 0
        for _ in 0..<familyCount {
            var fid = Int(clamping: try input.uvarint())
            if fid == 0 {
                let name = try stringRef(&input)
                let type = try MetricTypeCode.type(try input.byte())
                let help = try optionalStringRef(&input)
                let unit = try optionalStringRef(&input)
                families.append((name, type, help, unit))
                fid = families.count - 1
            } else {
                guard fid <= families.count else { throw RecordingDecodeError("family reference \(fid) past the \(families.count) defined") }
                fid -= 1
            }
            let n = try input.count()
            total += n
            guard total <= RecordingLimits.maxSamplesPerScrape else {
                throw RecordingDecodeError("a scrape of more than \(RecordingLimits.maxSamplesPerScrape) samples")
            }
            var ids: [Int] = []
            ids.reserveCapacity(n)
            for _ in 0..<n {
                let ref = Int(clamping: try input.uvarint())
                if ref == 0 {
                    let name = try stringRef(&input)
                    let labelCount = try input.count(minimumSize: 2)
                    var pairs: [(String, String)] = []
                    pairs.reserveCapacity(labelCount)
                    for _ in 0..<labelCount { pairs.append((try stringRef(&input), try stringRef(&input))) }
                    series.append((name, Labels(pairs)))
                    coders.append(SeriesValueCoder())
                    ids.append(series.count - 1)
                } else {
                    guard ref <= series.count else { throw RecordingDecodeError("series reference \(ref) past the \(series.count) defined") }
                    ids.append(ref - 1)
                }
            }
            shape.append(RecordedShapeFamily(family: fid, series: ids))
        }
        return shape
    }
}
