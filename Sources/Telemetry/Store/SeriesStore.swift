/// An in-memory time-series store: samples by series, in time order, compressed, kept for a
/// retention window and, optionally, within a memory budget.
///
/// Each series is a list of `Chunk`s (Prometheus's XOR encoding after the Gorilla paper, or
/// scaled decimal integers when smaller: see `Chunk`): the last one, the head, is appended to; a new head is cut after `maxSamplesPerChunk` samples
/// or when a sample would make the head span `maxChunkSpan` or more. Reads decode only the
/// chunks that overlap the asked range (found by binary search on the chunks' time bounds).
///
/// Semantics follow Prometheus where it has them: a series accepts only strictly increasing
/// timestamps (an out-of-order or duplicate sample is dropped and counted), `latest` looks
/// back over a left-open window `(at - lookback, at]` and ends at a stale marker, range reads
/// leave stale markers out, `ingest` attaches target labels as `honor_labels: false` does, and
/// `ingestScrape` adds staleness markers and the per-target synthetic series.
///
/// Memory accounting (`bytesUsed`) is an estimate: the encoded bytes of every chunk, plus
/// `chunkOverheadBytes` per chunk (the chunk's fields and its buffer's heap header), plus per
/// series `seriesOverheadBytes` and the UTF-8 bytes of its name and labels (the series record,
/// its index entries, and the key's strings). Buffer capacity beyond the encoded bytes of the
/// head chunk is not counted; closed chunks are shrunk to fit.
public struct SeriesStore: Sendable {
    /// Prometheus's staleness marker: a NaN with this exact bit pattern (`value.StaleNaN`). It
    /// is told apart from other NaNs by its bits only (`Point.isStale`).
    public static let staleMarker = Double(bitPattern: staleMarkerBits)
    static let staleMarkerBits: UInt64 = 0x7ff0_0000_0000_0002

    /// The most samples a chunk holds (Prometheus's default).
    static let maxSamplesPerChunk = 120
    /// The longest time a chunk spans: a sample at or after `start + maxChunkSpan` opens a new
    /// one (two hours, Prometheus's head block range).
    static let maxChunkSpan: Int64 = 2 * 3_600_000
    /// The estimated fixed cost of one chunk: its record in the series' array (time bounds,
    /// counts and appender state: 64 bytes) and its byte buffer's heap header (32 bytes).
    public static let chunkOverheadBytes = MemoryLayout<Chunk>.stride + 32
    /// The estimated fixed cost of one series besides its key's text: its record (about 80
    /// bytes), its entries in the key index and the name index (about 64 bytes), the key's
    /// label array header (32 bytes), plus 16 bytes per label pair for its two strings.
    public static let seriesOverheadBytes = 176

    /// How long points are kept: `expire(before:)` drops points older than this.
    public var retention: Milliseconds
    /// When set, the store keeps `bytesUsed` at or under this many bytes by evicting whole
    /// chunks, the oldest (by newest sample) first, over all series; a head chunk goes only when
    /// no closed chunk is left. Evictions are counted in `evictedChunks` and `evictedSamples`.
    public var memoryBudgetBytes: Int? {
        didSet {
            if memoryBudgetBytes == nil { queue.removeAll() } else { rebuildQueue(); enforceBudget() }
        }
    }
    /// Samples dropped by `append` because their timestamp was not after the series' last one.
    public private(set) var rejectedOutOfOrder: Int = 0
    /// Samples dropped by `ingestScrape` because their series already had a sample in the same
    /// scrape (Prometheus's "duplicate sample for timestamp"); the first one is kept.
    public private(set) var duplicateSamples: Int = 0
    /// The number of points held, over all series (stale markers included).
    public private(set) var pointCount: Int = 0
    /// The estimated memory held, in bytes (see the type's documentation).
    public private(set) var bytesUsed: Int = 0
    /// Chunks dropped to stay within `memoryBudgetBytes`.
    public private(set) var evictedChunks: Int = 0
    /// Points dropped with those chunks.
    public private(set) var evictedSamples: Int = 0

    struct Series: Sendable {
        var key: SeriesKey
        /// Never zero for a live series; unique over the store's life (slots are reused).
        var incarnation: UInt64
        /// Time-ordered; never empty for a live series; the last one is the head.
        var chunks: [Chunk]
        /// The sequence number of `chunks[0]`; chunk `i` has `firstSequence + i`.
        var firstSequence: UInt64
        /// The target whose last scrape reported this series, if any.
        var target: String?

        static let dead = Series(key: SeriesKey(name: ""), incarnation: 0, chunks: [], firstSequence: 0, target: nil)
    }

    /// What the store remembers of a target's last successful scrape: its series (by slot, with
    /// the incarnation seen, so that a reused slot is not mistaken for the old series) and
    /// whether each is tracked for staleness (samples with their own timestamps are not, as in
    /// Prometheus). Bounded by the size of one scrape; a series leaves it when dropped.
    struct TargetScrape: Sendable {
        struct Member: Sendable { var incarnation: UInt64; var tracked: Bool }
        var series: [Int32: Member] = [:]
    }

    private var slots: [Series] = []
    private var freeSlots: [Int32] = []
    private var slotByKey: [SeriesKey: Int32] = [:]
    private var slotsByName: [String: Set<Int32>] = [:]
    /// Postings, as Prometheus keeps them: metric name → label name → label value → series.
    /// Equality matchers intersect these instead of testing every series of a name.
    private var postings: [String: [String: [String: Set<Int32>]]] = [:]
    private var targets: [String: TargetScrape] = [:]
    private var queue = EvictionQueue()
    private var chunkCount = 0
    private var nextIncarnation: UInt64 = 1
    /// No point held is older than this (so `expire` can return at once).
    private var oldestPossible: Int64 = .max

    /// Names the store's set of series (their keys, slots and handles): it changes whenever a
    /// series is created or dropped, to a hash of the previous value and the change. Two stores
    /// (or two copies of one) with the same value hold the same series under the same handles,
    /// bar a 64-bit hash collision, because they went through the same creations and drops. A
    /// reader may therefore keep what it derived from the series set alone (which series a
    /// selector matches, in what order) for as long as this stays the same; new samples do not
    /// change it. Stable within one process only.
    public private(set) var seriesSetVersion: UInt64 = 0
    /// `seriesSetVersion` for the series of one metric name; absent when the name has none.
    private var nameVersions: [String: UInt64] = [:]

    /// As `seriesSetVersion`, for the series named `name` only (0 when there are none): a
    /// reader that looked at one name's series need not start again when another name changes.
    public func seriesSetVersion(named name: String) -> UInt64 { nameVersions[name] ?? 0 }

    private mutating func seriesSetChanged(_ kind: UInt8, _ key: SeriesKey, _ slot: Int32, _ incarnation: UInt64) {
        func next(_ previous: UInt64) -> UInt64 {
            var h = Hasher()
            h.combine(previous)
            h.combine(kind)
            h.combine(key)
            h.combine(slot)
            h.combine(incarnation)
            return UInt64(bitPattern: Int64(h.finalize()))
        }
        seriesSetVersion = next(seriesSetVersion)
        nameVersions[key.name] = next(nameVersions[key.name] ?? 0)
    }

    /// An empty store that keeps points for `retention` (see `expire(before:)`) and, when
    /// `memoryBudgetBytes` is given, within that budget (see `memoryBudgetBytes`).
    public init(retention: Milliseconds, memoryBudgetBytes: Int? = nil) {
        self.retention = retention
        self.memoryBudgetBytes = memoryBudgetBytes
    }

    /// The number of series held.
    public var seriesCount: Int { slotByKey.count }

    /// The distinct metric names held, sorted.
    public var names: [String] { slotsByName.keys.sorted() }

    /// The encoded bytes of every chunk, without any overhead.
    public var compressedBytes: Int {
        var total = 0
        for s in slots where s.incarnation != 0 { for c in s.chunks { total += c.byteCount } }
        return total
    }

    /// The chunks held by encoding ("xor", "decimal"): how many, their live samples and their
    /// encoded bytes (a figure for the benchmark).
    public var chunkEncodingShares: [String: (chunks: Int, samples: Int, bytes: Int)] {
        var out: [String: (chunks: Int, samples: Int, bytes: Int)] = [:]
        for s in slots where s.incarnation != 0 {
            for c in s.chunks {
                let name = c.encoding == .xor ? "xor" : "decimal"
                let e = out[name] ?? (0, 0, 0)
                out[name] = (e.chunks + 1, e.samples + c.count, e.bytes + c.byteCount)
            }
        }
        return out
    }

    /// The encoded bytes of one series' chunks (0 for an unknown series).
    public func compressedBytes(of key: SeriesKey) -> Int {
        guard let slot = slotByKey[key] else { return 0 }
        return slots[Int(slot)].chunks.reduce(0) { $0 + $1.byteCount }
    }

    // MARK: Writing

    /// Appends one point to a series, creating the series if new. A point whose timestamp is
    /// not after the series' latest point is dropped and counted in `rejectedOutOfOrder`.
    /// May evict chunks to stay within `memoryBudgetBytes`.
    public mutating func append(_ key: SeriesKey, _ p: Point) {
        insert(key, p)
        enforceBudget()
    }

    /// Stores every sample of a scrape. Each sample becomes a point of the series named by the
    /// sample name, labelled with the sample's labels merged with `targetLabels` as
    /// `TargetLabels.merge` does (target wins, the sample's own becomes `exported_<name>`).
    /// The sample's own timestamp is used when it has one, `at` otherwise.
    public mutating func ingest(_ families: [MetricFamily], at: Timestamp, targetLabels: Labels) {
        for family in families {
            for sample in family.samples {
                insert(Self.key(of: sample, targetLabels: targetLabels),
                       Point(t: sample.timestamp ?? at, v: sample.value))
            }
        }
        enforceBudget()
    }

    /// Stores one scrape of a target as Prometheus's scrape loop does.
    ///
    /// On success, every sample is stored as `ingest` stores it; a series that appears twice
    /// keeps its first sample and the others are counted in `duplicateSamples`. Every series
    /// this target reported in its previous successful scrape but not in this one gets a stale
    /// marker at `result.startedAt`. On failure, every series of the previous successful scrape
    /// gets one. (Series whose samples carry their own timestamps are not tracked, and a stale
    /// marker that would go back in time is dropped silently, both as in Prometheus.)
    ///
    /// Either way the target's synthetic series are appended at `result.startedAt`, labelled
    /// with `targetLabels`: `up` (1 or 0), `scrape_duration_seconds`, `scrape_samples_scraped`
    /// (the samples in the body, duplicates included; 0 on failure) and `scrape_series_added`
    /// (the series of this scrape that the previous successful one did not have).
    /// Targets are told apart by `result.target`.
    public mutating func ingestScrape(_ result: ScrapeResult, targetLabels: Labels) {
        let at = result.startedAt
        let previous = targets[result.target]?.series ?? [:]
        var current: [Int32: TargetScrape.Member] = [:]
        var scraped = 0
        var added = 0
        var up = 0.0
        if case .success(let families) = result.outcome {
            up = 1
            current.reserveCapacity(previous.count)
            for family in families {
                for sample in family.samples {
                    scraped += 1
                    let key = Self.key(of: sample, targetLabels: targetLabels)
                    if let slot = slotByKey[key], current[slot] != nil {
                        duplicateSamples += 1
                        continue
                    }
                    let slot = insert(key, Point(t: sample.timestamp ?? at, v: sample.value))
                    let incarnation = slots[Int(slot)].incarnation
                    current[slot] = .init(incarnation: incarnation, tracked: sample.timestamp == nil)
                    if previous[slot]?.incarnation != incarnation { added += 1 }
                    slots[Int(slot)].target = result.target
                }
            }
        }
        for (slot, member) in previous where member.tracked && current[slot] == nil {
            guard slots[Int(slot)].incarnation == member.incarnation else { continue }
            _ = appendToSlot(slot, at.milliseconds, Self.staleMarkerBits, countRejected: false)
        }
        targets[result.target] = current.isEmpty ? nil : TargetScrape(series: current)

        let labels = targetLabels.removingEmptyValues()
        let synthetic: [(String, Double)] = [
            ("up", up),
            ("scrape_duration_seconds", result.duration.seconds),
            ("scrape_samples_scraped", Double(scraped)),
            ("scrape_series_added", Double(added)),
        ]
        for (name, value) in synthetic {
            insert(SeriesKey(name: name, labels: labels), Point(t: at, v: value))
        }
        enforceBudget()
    }

    private static func key(of sample: Sample, targetLabels: Labels) -> SeriesKey {
        let labels = targetLabels.isEmpty ? sample.labels.removingEmptyValues()
                                          : TargetLabels.merge(sample: sample.labels, target: targetLabels)
        return SeriesKey(name: sample.name, labels: labels)
    }

    /// Appends without enforcing the budget; returns the series' slot.
    @discardableResult
    private mutating func insert(_ key: SeriesKey, _ p: Point) -> Int32 {
        let slot: Int32
        if let existing = slotByKey[key] {
            slot = existing
        } else {
            slot = createSeries(key)
        }
        _ = appendToSlot(slot, p.t.milliseconds, p.v.bitPattern, countRejected: true)
        return slot
    }

    private mutating func createSeries(_ key: SeriesKey) -> Int32 {
        let series = Series(key: key, incarnation: nextIncarnation, chunks: [], firstSequence: 0, target: nil)
        nextIncarnation += 1
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = series
        } else {
            slot = Int32(slots.count)
            slots.append(series)
        }
        slotByKey[key] = slot
        seriesSetChanged(1, key, slot, series.incarnation)
        slotsByName[key.name, default: []].insert(slot)
        for pair in key.labels.pairs {
            postings[key.name, default: [:]][pair.name, default: [:]][pair.value, default: []].insert(slot)
        }
        bytesUsed += Self.overhead(of: key)
        return slot
    }

    /// The estimated fixed cost of a series with this key (see the type's documentation).
    static func overhead(of key: SeriesKey) -> Int {
        var n = seriesOverheadBytes + key.name.utf8.count
        for pair in key.labels.pairs { n += 16 + pair.name.utf8.count + pair.value.utf8.count }
        return n
    }

    private mutating func appendToSlot(_ slot: Int32, _ t: Int64, _ v: UInt64, countRejected: Bool) -> Bool {
        let i = Int(slot)
        if let last = slots[i].chunks.last {
            guard t > last.maxTime else {
                if countRejected { rejectedOutOfOrder += 1 }
                return false
            }
            if last.encodedCount >= Self.maxSamplesPerChunk || t &- last.startTime >= Self.maxChunkSpan
                || t &- last.startTime < 0 {
                cutHead(slot)
            }
        } else {
            cutHead(slot)
        }
        let h = slots[i].chunks.count - 1
        let before = slots[i].chunks[h].byteCount
        slots[i].chunks[h].append(t: t, bits: v)
        bytesUsed += slots[i].chunks[h].byteCount - before
        pointCount += 1
        if t < oldestPossible { oldestPossible = t }
        return true
    }

    /// Closes the head chunk (if any) and opens a new one.
    private mutating func cutHead(_ slot: Int32) {
        let i = Int(slot)
        let n = slots[i].chunks.count
        var next = Chunk()
        if n > 0 {
            let before = slots[i].chunks[n - 1].byteCount
            slots[i].chunks[n - 1].close()
            bytesUsed += slots[i].chunks[n - 1].byteCount - before
            next = slots[i].chunks[n - 1].successor()
            if memoryBudgetBytes != nil {
                queue.push(.init(maxTime: slots[i].chunks[n - 1].maxTime, slot: slot,
                                 incarnation: slots[i].incarnation,
                                 sequence: slots[i].firstSequence + UInt64(n - 1)))
            }
        }
        slots[i].chunks.append(next)
        chunkCount += 1
        bytesUsed += Self.chunkOverheadBytes
    }

    /// Drops every point older than the retention window that ends at `now`, that is with
    /// `t < now - retention`, and every series left without points.
    public mutating func expire(before now: Timestamp) {
        expire(olderThan: now - retention)
    }

    /// Drops every point with `t < cutoff`, and every series left without points. Whole chunks
    /// go when all their points are older; a chunk that straddles the cutoff is trimmed point
    /// by point (logically: its older samples are skipped until the whole chunk goes).
    public mutating func expire(olderThan cutoff: Timestamp) {
        let cut = cutoff.milliseconds
        guard cut > oldestPossible else { return }
        for i in slots.indices where slots[i].incarnation != 0 {
            guard let first = slots[i].chunks.first, first.minTime < cut else { continue }
            var whole = 0
            for c in slots[i].chunks {
                guard c.maxTime < cut else { break }
                whole += 1
                pointCount -= c.count
                bytesUsed -= Self.chunkOverheadBytes + c.byteCount
            }
            if whole > 0 {
                slots[i].chunks.removeFirst(whole)
                slots[i].firstSequence += UInt64(whole)
                chunkCount -= whole
            }
            if slots[i].chunks.isEmpty {
                dropSeries(Int32(i))
            } else {
                pointCount -= slots[i].chunks[0].trim(before: cut)
            }
        }
        oldestPossible = cut
        if memoryBudgetBytes != nil && queue.count > 2 * (chunkCount - seriesCount) + 1024 { rebuildQueue() }
    }

    /// Forgets a series whose chunks are all gone.
    private mutating func dropSeries(_ slot: Int32) {
        let i = Int(slot)
        let s = slots[i]
        for c in s.chunks { bytesUsed -= Self.chunkOverheadBytes + c.byteCount; pointCount -= c.count }
        chunkCount -= s.chunks.count
        bytesUsed -= Self.overhead(of: s.key)
        slotByKey[s.key] = nil
        seriesSetChanged(2, s.key, slot, s.incarnation)
        slotsByName[s.key.name]?.remove(slot)
        if slotsByName[s.key.name]?.isEmpty == true { slotsByName[s.key.name] = nil; nameVersions[s.key.name] = nil }
        for pair in s.key.labels.pairs {
            postings[s.key.name]?[pair.name]?[pair.value]?.remove(slot)
            if postings[s.key.name]?[pair.name]?[pair.value]?.isEmpty == true { postings[s.key.name]?[pair.name]?[pair.value] = nil }
            if postings[s.key.name]?[pair.name]?.isEmpty == true { postings[s.key.name]?[pair.name] = nil }
        }
        if postings[s.key.name]?.isEmpty == true { postings[s.key.name] = nil }
        if let target = s.target, targets[target]?.series[slot]?.incarnation == s.incarnation {
            targets[target]!.series[slot] = nil
            if targets[target]!.series.isEmpty { targets[target] = nil }
        }
        slots[i] = .dead
        freeSlots.append(slot)
    }

    // MARK: Memory budget

    private mutating func rebuildQueue() {
        queue.removeAll()
        for i in slots.indices where slots[i].incarnation != 0 {
            let s = slots[i]
            for (j, c) in s.chunks.dropLast().enumerated() {
                queue.push(.init(maxTime: c.maxTime, slot: Int32(i), incarnation: s.incarnation,
                                 sequence: s.firstSequence + UInt64(j)))
            }
        }
    }

    private mutating func enforceBudget() {
        guard let budget = memoryBudgetBytes, bytesUsed > budget else { return }
        while bytesUsed > budget && !slotByKey.isEmpty {
            if let e = queue.popMin() {
                let i = Int(e.slot)
                // Closed chunks of a series leave in order, so a live entry is the first chunk.
                guard slots[i].incarnation == e.incarnation, slots[i].firstSequence == e.sequence,
                      slots[i].chunks.count > 1 else { continue }
                evictFirstChunk(e.slot)
            } else if chunkCount > seriesCount {
                rebuildQueue()   // not reached while the queue is kept; a safety net
            } else {
                // Only heads are left: the one whose newest sample is oldest goes.
                var oldest: Int32 = -1
                var oldestTime = Int64.max
                for i in slots.indices where slots[i].incarnation != 0 {
                    let t = slots[i].chunks[0].maxTime
                    if oldest < 0 || t < oldestTime { oldest = Int32(i); oldestTime = t }
                }
                evictFirstChunk(oldest)
            }
        }
    }

    private mutating func evictFirstChunk(_ slot: Int32) {
        let i = Int(slot)
        let c = slots[i].chunks.removeFirst()
        slots[i].firstSequence += 1
        chunkCount -= 1
        evictedChunks += 1
        evictedSamples += c.count
        pointCount -= c.count
        bytesUsed -= Self.chunkOverheadBytes + c.byteCount
        if slots[i].chunks.isEmpty { dropSeries(slot) }
    }

    // MARK: Reading

    /// A handle on one series of the store, from `seriesRefs`: reading through it skips the
    /// hash lookup of the series' key. A handle of a series that has since been dropped reads
    /// as an unknown series (empty, nil), even when its slot holds another series now.
    public struct SeriesRef: Hashable, Sendable {
        let slot: Int32
        let incarnation: UInt64
    }

    /// Every series with this metric name, sorted by label set.
    public func series(named name: String) -> [SeriesKey] {
        seriesRefs(named: name, equal: [], where: nil).map(\.key)
    }

    /// The series with this metric name whose labels satisfy `predicate`, sorted by label set.
    public func series(named name: String, where predicate: (Labels) -> Bool) -> [SeriesKey] {
        withoutActuallyEscaping(predicate) { seriesRefs(named: name, equal: [], where: $0).map(\.key) }
    }

    /// The series with this metric name that have every label in `equal` with exactly that
    /// value and whose labels satisfy `predicate`, sorted by label set. The `equal` pairs are
    /// looked up in the postings index, so a selector such as `{model="m"}` over many series
    /// touches only the series it can match. An empty value in `equal` means "label absent" in
    /// PromQL and is left to `predicate`.
    public func series(named name: String, equal: [(name: String, value: String)],
                       where predicate: (Labels) -> Bool) -> [SeriesKey] {
        withoutActuallyEscaping(predicate) { seriesRefs(named: name, equal: equal, where: $0).map(\.key) }
    }

    /// As `series(named:equal:where:)` (a nil `predicate` accepts every series), with a handle
    /// on each series for `points(_:in:)` and `latest(_:at:lookback:)`. `equal` pairs with a
    /// non-empty value need not be tested again by `predicate`.
    public func seriesRefs(named name: String, equal: [(name: String, value: String)],
                           where predicate: ((Labels) -> Bool)?) -> [(ref: SeriesRef, key: SeriesKey)] {
        var ids: [Int32] = []
        func consider(_ id: Int32) {
            if let predicate, !predicate(slots[Int(id)].key.labels) { return }
            ids.append(id)
        }
        var indexed = 0
        for pair in equal where !pair.value.isEmpty { indexed += 1 }
        if indexed == 0 {
            guard let set = slotsByName[name] else { return [] }
            // Filter before sorting: queries usually keep a few series of many.
            ids.reserveCapacity(predicate == nil ? set.count : 0)
            for id in set { consider(id) }
        } else {
            guard let byLabel = postings[name] else { return [] }
            var sets: [Set<Int32>] = []
            sets.reserveCapacity(indexed)
            for pair in equal where !pair.value.isEmpty {
                guard let set = byLabel[pair.name]?[pair.value] else { return [] }
                sets.append(set)
            }
            sets.sort { $0.count < $1.count }
            if sets.count == 1 {
                ids.reserveCapacity(predicate == nil ? sets[0].count : 0)
                for id in sets[0] { consider(id) }
            } else {
                for id in sets[0] where sets.dropFirst().allSatisfy({ $0.contains(id) }) { consider(id) }
            }
        }
        var out = ids.map { (ref: SeriesRef(slot: $0, incarnation: slots[Int($0)].incarnation), key: slots[Int($0)].key) }
        out.sort { Self.labelOrder($0.key.labels, $1.key.labels) }
        return out
    }

    /// Orders label sets by their (name, value) pairs, which are kept sorted by name: the same
    /// order as comparing their text forms, without building any strings.
    @inline(__always)
    static func labelOrder(_ a: Labels, _ b: Labels) -> Bool {
        a.pairs.withUnsafeBufferPointer { x in
            b.pairs.withUnsafeBufferPointer { y in
                for i in 0..<Swift.min(x.count, y.count) {
                    if x[i].name != y[i].name { return x[i].name < y[i].name }
                    if x[i].value != y[i].value { return x[i].value < y[i].value }
                }
                return x.count < y.count
            }
        }
    }

    /// The points of a series whose timestamps lie in `range` (both ends included), in time
    /// order, without stale markers (as Prometheus's range selections). Empty for an unknown
    /// series.
    public func points(_ key: SeriesKey, in range: ClosedRange<Timestamp>) -> [Point] {
        guard let slot = slotByKey[key] else { return [] }
        return collect(slot, range, includingStale: false)
    }

    /// The points of a series, by handle, as `points(_:in:)`.
    public func points(_ ref: SeriesRef, in range: ClosedRange<Timestamp>) -> [Point] {
        guard isLive(ref) else { return [] }
        return collect(ref.slot, range, includingStale: false)
    }

    /// The points of a series in `range` like `points(_:in:)`, stale markers included.
    public func pointsIncludingStale(_ key: SeriesKey, in range: ClosedRange<Timestamp>) -> [Point] {
        guard let slot = slotByKey[key] else { return [] }
        return collect(slot, range, includingStale: true)
    }

    private func isLive(_ ref: SeriesRef) -> Bool {
        ref.slot >= 0 && Int(ref.slot) < slots.count && slots[Int(ref.slot)].incarnation == ref.incarnation
            && ref.incarnation != 0
    }

    private func collect(_ slot: Int32, _ range: ClosedRange<Timestamp>, includingStale: Bool) -> [Point] {
        let lo = range.lowerBound.milliseconds, hi = range.upperBound.milliseconds
        var out: [Point] = []
        slots.withUnsafeBufferPointer { slotBuffer in
            slotBuffer[Int(slot)].chunks.withUnsafeBufferPointer { chunks in
                // Through `pointee`, the chunk is read in place rather than copied (and retained).
                guard let base = chunks.baseAddress else { return }
                var i = Self.firstChunk(in: chunks, endingAtOrAfter: lo)
                while i < chunks.count && base[i].minTime <= hi {
                    if !(base + i).pointee.appendPoints(from: lo, through: hi, includingStale: includingStale, to: &out) { break }
                    i += 1
                }
            }
        }
        return out
    }

    /// The last point of a series at or before `at` and after `at - lookback` (Prometheus's
    /// instant-vector lookback, left-open since Prometheus 3), or nil. Nil too when that point
    /// is a stale marker: the series ended.
    public func latest(_ key: SeriesKey, at: Timestamp, lookback: Milliseconds = .minutes(5)) -> Point? {
        guard let slot = slotByKey[key] else { return nil }
        return latest(slot: slot, at: at, lookback: lookback)
    }

    /// The last point of a series, by handle, as `latest(_:at:lookback:)`.
    public func latest(_ ref: SeriesRef, at: Timestamp, lookback: Milliseconds = .minutes(5)) -> Point? {
        guard isLive(ref) else { return nil }
        return latest(slot: ref.slot, at: at, lookback: lookback)
    }

    private func latest(slot: Int32, at: Timestamp, lookback: Milliseconds) -> Point? {
        let t0 = at.milliseconds
        let found: (t: Int64, bits: UInt64)? = slots.withUnsafeBufferPointer { slotBuffer in
            slotBuffer[Int(slot)].chunks.withUnsafeBufferPointer { chunks in
                // The last chunk that starts at or before `at`.
                var low = 0, high = chunks.count
                while low < high {
                    let mid = (low + high) / 2
                    if chunks[mid].minTime <= t0 { low = mid + 1 } else { high = mid }
                }
                guard low > 0 else { return nil }
                return (chunks.baseAddress! + (low - 1)).pointee.last(atOrBefore: t0)
            }
        }
        guard let p = found, p.t > (at - lookback).milliseconds, p.bits != Self.staleMarkerBits else { return nil }
        return Point(t: Timestamp(milliseconds: p.t), v: Double(bitPattern: p.bits))
    }

    /// The index of the first chunk whose newest sample is at or after `t0`.
    private static func firstChunk(in chunks: UnsafeBufferPointer<Chunk>, endingAtOrAfter t0: Int64) -> Int {
        var low = 0, high = chunks.count
        while low < high {
            let mid = (low + high) / 2
            if chunks[mid].maxTime < t0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: Inspection (tests and the benchmark)

    /// The number of chunks held, over all series.
    var chunksHeld: Int { chunkCount }

    /// The live sample counts of a series' chunks, oldest first.
    func chunkSampleCounts(_ key: SeriesKey) -> [Int] {
        guard let slot = slotByKey[key] else { return [] }
        return slots[Int(slot)].chunks.map(\.count)
    }

    /// The encoded sizes of a series' chunks, oldest first.
    func chunkByteCounts(_ key: SeriesKey) -> [Int] {
        guard let slot = slotByKey[key] else { return [] }
        return slots[Int(slot)].chunks.map(\.byteCount)
    }

    /// Entries in the eviction queue, stale ones included.
    var queuedChunkEntriesForTesting: Int { queue.count }

    /// The number of series remembered for a target's last scrape.
    func trackedSeriesCount(target: String) -> Int { targets[target]?.series.count ?? 0 }

    /// The number of targets remembered.
    var trackedTargetCount: Int { targets.count }

    /// Recomputes `bytesUsed` and `pointCount` from scratch (for tests of the bookkeeping).
    func recount() -> (bytes: Int, points: Int) {
        var bytes = 0, points = 0
        for s in slots where s.incarnation != 0 {
            bytes += Self.overhead(of: s.key)
            for c in s.chunks { bytes += Self.chunkOverheadBytes + c.byteCount; points += c.count }
        }
        return (bytes, points)
    }
}

extension Labels {
    /// A copy without the labels whose value is empty (an empty label is an absent label).
    func removingEmptyValues() -> Labels {
        guard pairs.contains(where: { $0.value.isEmpty }) else { return self }
        return Labels(pairs.filter { !$0.value.isEmpty }.map { ($0.name, $0.value) })
    }
}
