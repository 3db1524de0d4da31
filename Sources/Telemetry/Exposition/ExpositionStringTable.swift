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
        find(key, hash: ExpositionStringTable.hash(key))
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
        let hash = ExpositionStringTable.hash(key)
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
        let hash = ExpositionStringTable.hash(key)
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

    private static let seed: UInt64 = UInt64.random(in: .min ... .max) | 1

    @inline(__always)
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }

    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = key.count
        var h = seed ^ (UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = key.baseAddress else { return mix(h, 0xA076_1D64_78BD_642F) }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = mix(h ^ w, 0xA076_1D64_78BD_642F)
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            h = mix(h ^ w, 0xE703_7ED1_A0B4_28DB)
        }
        return mix(h, 0x8EBC_6AF0_9C88_C6E3)
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
