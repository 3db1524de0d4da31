import Telemetry

/// What the encoder remembers about one target between its scrapes: dictionaries of strings,
/// family metadata and series, each series' value state, the last scrape's shape. A scrape
/// of a target whose series are the same as last time costs a byte of shape and then only
/// the values' bits (`docs/recording-format.md`, "Scrape records").
///
/// A value keyframe resets the value states (`resetValues`); a full keyframe drops the whole
/// context.
struct TargetScrapeEncoder {
    private var stringIDs: [ExactString: Int] = [:]
    private var familyIDs: [RecordedFamilyKey: Int] = [:]
    private var families: [RecordedFamilyKey] = []
    private var seriesIDs: [RecordedSeriesKey: Int] = [:]
    private var series: [RecordedSeriesKey] = []
    private var coders: [SeriesValueCoder] = []
    private var lastShape: [RecordedShapeFamily]?
    var lastBodyBytes = 0

    /// The samples written so far (for the bytes-per-sample figure).
    private(set) var samples = 0

    /// Forgets every series' last value (a value keyframe): the next value of each is coded
    /// from scratch, so a reader can start decoding values here.
    mutating func resetValues() {
        for i in coders.indices { coders[i] = SeriesValueCoder() }
        lastBodyBytes = 0
    }

    /// The id of family `f` at shape position `i`: the one there last time when it matches
    /// (no hashing), else by dictionary, else a new one.
    private mutating func familyID(_ f: MetricFamily, at i: Int) -> Int {
        if let last = lastShape, i < last.count, families[last[i].family].matches(f) { return last[i].family }
        let key = RecordedFamilyKey(f)
        if let id = familyIDs[key] { return id }
        familyIDs[key] = families.count
        families.append(key)
        return families.count - 1
    }

    private mutating func seriesID(_ s: Sample, last: [Int]?, at j: Int) -> Int {
        if let last, j < last.count, series[last[j]].matches(s) { return last[j] }
        let key = RecordedSeriesKey(s)
        if let id = seriesIDs[key] { return id }
        seriesIDs[key] = series.count
        series.append(key)
        coders.append(SeriesValueCoder())
        return series.count - 1
    }

    /// Writes a successful scrape's families: shape (or "same as last"), flags, value bits,
    /// exemplars.
    mutating func encode(_ families: [MetricFamily], into out: inout ByteSink) {
        let familiesBefore = self.families.count, seriesBefore = series.count
        var shape: [RecordedShapeFamily] = []
        shape.reserveCapacity(families.count)
        var extras = false
        for (i, f) in families.enumerated() {
            let fid = familyID(f, at: i)
            let last = lastShape.flatMap { i < $0.count ? $0[i].series : nil }
            var ids: [Int] = []
            ids.reserveCapacity(f.samples.count)
            for (j, s) in f.samples.enumerated() {
                ids.append(seriesID(s, last: last, at: j))
                if s.timestamp != nil || s.exemplar != nil { extras = true }
            }
            shape.append(RecordedShapeFamily(family: fid, series: ids))
        }
        if shape == lastShape {
            out.byte(0)
        } else {
            out.byte(1)
            writeShape(shape, families, familiesBefore: familiesBefore, seriesBefore: seriesBefore, into: &out)
            lastShape = shape
        }
        out.byte(extras ? 1 : 0)
        if extras {
            var flags = BitSink()
            for f in families {
                for s in f.samples { flags.bit(s.timestamp != nil); flags.bit(s.exemplar != nil) }
            }
            out.count(flags.bytes.count)
            out.bytes += flags.bytes
        }
        var bits = BitSink()
        for (f, entry) in zip(families, shape) {
            for (s, id) in zip(f.samples, entry.series) {
                coders[id].encode(s.value.bitPattern, into: &bits)
                if let t = s.timestamp { coders[id].encodeTime(t.milliseconds, into: &bits) }
                samples += 1
            }
        }
        out.count(bits.bytes.count)
        out.bytes += bits.bytes
        guard extras else { return }
        var exemplars = ByteSink()
        for f in families {
            for s in f.samples {
                guard let e = s.exemplar else { continue }
                exemplars.count(e.labels.count)
                for p in e.labels { exemplars.string(p.name); exemplars.string(p.value) }
                exemplars.u64(e.value.bitPattern)
                if let t = e.timestamp { exemplars.byte(1); exemplars.varint(t.milliseconds) } else { exemplars.byte(0) }
            }
        }
        out.count(exemplars.bytes.count)
        out.bytes += exemplars.bytes
    }

    /// A string by reference: `id + 1` for one already in the table, else `0` and the string
    /// (which then gets the next id).
    private mutating func stringRef(_ s: String, into out: inout ByteSink) {
        let key = ExactString(s)
        if let id = stringIDs[key] { out.count(id + 1); return }
        stringIDs[key] = stringIDs.count
        out.count(0)
        out.string(s)
    }

    private mutating func optionalStringRef(_ s: String?, into out: inout ByteSink) {
        if let s { out.byte(1); stringRef(s, into: &out) } else { out.byte(0) }
    }

    /// The shape, defining each family and series new in this scrape where it first appears
    /// (ids are given in order of first appearance, so a reference `0` always means "the next
    /// id, defined here").
    private mutating func writeShape(_ shape: [RecordedShapeFamily], _ families: [MetricFamily], familiesBefore: Int, seriesBefore: Int,
                                     into out: inout ByteSink) {
        var nextFamily = familiesBefore, nextSeries = seriesBefore
        out.count(shape.count)
        for (entry, f) in zip(shape, families) {
            if entry.family == nextFamily {
                nextFamily += 1
                out.count(0)
                stringRef(f.name, into: &out)
                out.byte(MetricTypeCode.code(f.type))
                optionalStringRef(f.help, into: &out)
                optionalStringRef(f.unit, into: &out)
            } else {
                out.count(entry.family + 1)
            }
            out.count(entry.series.count)
            for (id, s) in zip(entry.series, f.samples) {
                if id == nextSeries {
                    nextSeries += 1
                    out.count(0)
                    stringRef(s.name, into: &out)
                    out.count(s.labels.count)
                    for p in s.labels { stringRef(p.name, into: &out); stringRef(p.value, into: &out) }
                } else {
                    out.count(id + 1)
                }
            }
        }
    }
}
