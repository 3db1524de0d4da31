/// A per-parse table of the distinct byte strings an exposition repeats (metric names, label
/// names, label values), so that each becomes a `String` once and later occurrences share its
/// storage: no allocation, no UTF-8 check, and equality checks that succeed on identity.
///
/// Open addressing with linear probing over a power-of-two slot array; keys are copied into an
/// arena owned by the table. The hash is seeded per process (hostile inputs cannot precompute
/// collisions) and mixes eight bytes at a time.
struct ExpositionStringTable {
    private struct Entry {
        var offset: Int
        var count: Int
        var hash: UInt64
    }

    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    /// The interned strings, by entry index.
    private(set) var strings: [String] = []
    /// 0 when empty, else the entry index plus one.
    private var slots: [Int]
    private var mask: Int
    private let seed = ExpositionStringTable.processSeed

    init(capacity: Int = 512) {
        var size = 16
        while size < capacity { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        arena.reserveCapacity(4096)
        entries.reserveCapacity(size / 2)
        strings.reserveCapacity(size / 2)
    }

    var count: Int { entries.count }

    /// The entry index of `key`, or nil.
    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        find(key, hash: ExpositionStringTable.hash(key, seed: seed))
    }

    func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let s = slots[slot]
            if s == 0 { return nil }
            let entry = entries[s - 1]
            if entry.hash == hash, entry.count == key.count, matches(entry, key) { return s - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// The entry index of `key`, added (with its `String`) when new.
    @inline(__always)
    mutating func intern(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let hash = ExpositionStringTable.hash(key, seed: seed)
        if let index = find(key, hash: hash) { return index }
        return insert(key, hash: hash)
    }

    /// The `String` of `key`, interned.
    @inline(__always)
    mutating func string(_ key: UnsafeBufferPointer<UInt8>) -> String {
        strings[intern(key)]
    }

    /// Adds `key` as a member of the set the table then stands for (no `String` made); returns
    /// whether it was new. A table used this way must not be asked for strings.
    mutating func insertKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let hash = ExpositionStringTable.hash(key, seed: seed)
        if find(key, hash: hash) != nil { return false }
        _ = insert(key, hash: hash, makeString: false)
        return true
    }

    private mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, makeString: Bool = true) -> Int {
        if (entries.count + 1) * 2 > slots.count { grow() }
        let index = entries.count
        entries.append(Entry(offset: arena.count, count: key.count, hash: hash))
        arena.append(contentsOf: key)
        strings.append(makeString ? String(decoding: key, as: UTF8.self) : "")
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = index + 1
        return index
    }

    private mutating func grow() {
        let size = slots.count * 2
        var newSlots = Array(repeating: 0, count: size)
        let newMask = size - 1
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & newMask
            while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[slot] = index + 1
        }
        slots = newSlots
        mask = newMask
    }

    private func matches(_ entry: Entry, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        arena.withUnsafeBufferPointer { stored in
            ExpositionBytes.equal(UnsafeBufferPointer(rebasing: stored[entry.offset..<(entry.offset + entry.count)]), key)
        }
    }

    // MARK: Hash

    static let processSeed: UInt64 = UInt64.random(in: .min ... .max) | 1

    @inline(__always)
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let n = key.count
        var h = seed ^ (UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15)
        guard n > 0, let base = key.baseAddress else { return mix(h, 0xA076_1D64_78BD_642F) }
        let raw = UnsafeRawPointer(base)
        if n >= 8 {
            var i = 0
            while i + 8 < n {
                h = mix(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0xA076_1D64_78BD_642F)
                i += 8
            }
            // The last eight bytes, overlapping the previous word when `n` is not a multiple of 8.
            h = mix(h ^ raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), 0xE703_7ED1_A0B4_28DB)
        } else if n >= 4 {
            let low = UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            h = mix(h ^ (low | high << 32), 0xE703_7ED1_A0B4_28DB)
        } else {
            let w = UInt64(base[0]) | UInt64(base[n >> 1]) << 8 | UInt64(base[n - 1]) << 16
            h = mix(h ^ w, 0xE703_7ED1_A0B4_28DB)
        }
        return mix(h, 0x8EBC_6AF0_9C88_C6E3)
    }

    /// The hash of a `String`'s UTF-8 bytes.
    @inline(__always)
    static func hash(_ string: String, seed: UInt64) -> UInt64 {
        var string = string
        return string.withUTF8 { hash($0, seed: seed) }
    }
}

/// A hash set with caller-supplied hashes and an O(1) `removeAll` (a generation count marks
/// the slots of earlier generations empty), for the per-metric checks of the OpenMetrics parser.
struct ExpositionHashSet<Key: Equatable> {
    private var keys: [Key] = []
    private var hashes: [UInt64] = []
    /// Per slot: the generation (high 32 bits) and the key index plus one (low 32 bits).
    private var slots: [UInt64]
    private var mask: Int
    private var generation: UInt64 = 1

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    var isEmpty: Bool { keys.isEmpty }

    mutating func removeAll() {
        guard !keys.isEmpty else { return }
        keys.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        generation += 1
        if generation == 1 << 32 {
            generation = 1
            for k in slots.indices { slots[k] = 0 }
        }
    }

    func contains(_ key: Key, hash: UInt64) -> Bool {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let s = slots[slot]
            if s >> 32 != generation { return false }
            let index = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
            if hashes[index] == hash, keys[index] == key { return true }
            slot = (slot + 1) & mask
        }
    }

    /// Adds `key`; returns whether it was new.
    @discardableResult
    mutating func insert(_ key: Key, hash: UInt64) -> Bool {
        if contains(key, hash: hash) { return false }
        if (keys.count + 1) * 2 > slots.count { grow() }
        keys.append(key)
        hashes.append(hash)
        place(keys.count - 1, hash)
        return true
    }

    private mutating func place(_ index: Int, _ hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >> 32 == generation { slot = (slot + 1) & mask }
        slots[slot] = generation << 32 | UInt64(index + 1)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for index in hashes.indices { place(index, hashes[index]) }
    }
}

/// Byte helpers shared by both parsers.
enum ExpositionBytes {
    /// Whether two byte strings are equal.
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = a.count
        guard n == b.count else { return false }
        guard n > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return true }
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var i = 0
        while i + 8 <= n {
            if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < n {
            if pa[i] != pb[i] { return false }
            i += 1
        }
        return true
    }

    /// The index of the first `"` or `\` in `bytes[start..<end]`, or `end`; eight bytes at a time.
    @inline(__always)
    static func findQuoteOrBackslash(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= end {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let m = zeroBytes(w ^ 0x2222_2222_2222_2222) | zeroBytes(w ^ 0x5C5C_5C5C_5C5C_5C5C)
                // The lowest flagged byte is exact (a borrow only flags bytes above a real zero).
                if m != 0 { return i + m.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < end, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
        return i
    }

    /// The index of the first `byte` in `bytes[start..<end]`, or `end`; eight bytes at a time.
    @inline(__always)
    static func find(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
            while i + 8 <= end {
                let m = zeroBytes(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ pattern)
                if m != 0 { return i + m.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < end, bytes[i] != byte { i += 1 }
        return i
    }

    /// High bit set in the bytes of `w` that are zero (exact for the lowest such byte).
    @inline(__always)
    static func zeroBytes(_ w: UInt64) -> UInt64 {
        (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
    }

    /// Whether `a` sorts strictly before `b`, byte by byte (a prefix first). For ASCII, as label
    /// names always are, this is `String`'s `<`.
    @inline(__always)
    static func less(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = min(a.count, b.count)
        var i = 0
        while i < n {
            let x = a[i], y = b[i]
            if x != y { return x < y }
            i += 1
        }
        return a.count < b.count
    }
}

extension ExpositionLabelNames {
    /// `isDuplicate(_:in:seen:)` over `Labels`-shaped pairs.
    @inline(__always)
    static func isDuplicate(_ name: String, in labels: [(name: String, value: String)], seen: inout Set<String>) -> Bool {
        if labels.count < 16 {
            return labels.contains(where: { $0.name == name })
        }
        if seen.isEmpty {
            seen.reserveCapacity(64)
            for (existing, _) in labels { seen.insert(existing) }
        }
        return !seen.insert(name).inserted
    }
}

/// The label names and values of the previous sample line, by position (name of label k in
/// slot 2k, its value in 2k + 1, for the first eight labels): consecutive samples of a metric
/// usually repeat them, and a byte comparison with the previous occurrence is cheaper than a
/// table lookup. Misses go to the table.
struct ExpositionRecentStrings {
    static let slotCount = 16
    private var starts = [Int](repeating: 0, count: slotCount)
    private var counts = [Int](repeating: -1, count: slotCount)
    private var strings = [String](repeating: "", count: slotCount)

    /// The `String` of `bytes[start..<end]` (which must stay valid for the whole parse).
    @inline(__always)
    mutating func string(slot: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                         table: inout ExpositionStringTable) -> String {
        let key = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard slot < ExpositionRecentStrings.slotCount else { return table.string(key) }
        let count = counts[slot]
        if count == key.count {
            let previous = starts[slot]
            if ExpositionBytes.equal(UnsafeBufferPointer(rebasing: bytes[previous..<(previous + count)]), key) {
                return strings[slot]
            }
        }
        let string = table.string(key)
        starts[slot] = start
        counts[slot] = key.count
        strings[slot] = string
        return string
    }
}
