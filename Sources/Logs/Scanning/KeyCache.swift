/// The keys of the last structured line, by their place in the line: each as the bytes it was
/// written with (`"level":` in JSON, `level=` in logfmt, up to 16 bytes) and the role it has.
/// Lines of one logger write the same keys in the same order, so the next line's key at that
/// place is usually the same: comparing 16 bytes replaces finding the key's end and looking up
/// its role. A match is exact (the bytes are compared), so what is read never depends on the
/// cache, only how fast.
struct KeyCache: Sendable {
    struct Slot {
        /// The pattern's bytes, little-endian, and the masks of its length.
        var w0: UInt64 = 0, w1: UInt64 = 0, m0: UInt64 = 0, m1: UInt64 = 0
        /// The pattern's length in bytes; 0: empty.
        var length = 0
        var role = KeyRole.other
        var rank: UInt8 = 0
    }

    /// Places 0..<16: a structured line's keys; 16..<24: the `key=` pairs of a message
    /// (`MessageHints`).
    static let capacity = 24
    static let messagePlaces = 16

    final class Storage: @unchecked Sendable {
        let base: UnsafeMutablePointer<Slot>
        init() {
            base = .allocate(capacity: KeyCache.capacity)
            base.initialize(repeating: Slot(), count: KeyCache.capacity)
        }
        init(copying other: Storage) {
            base = .allocate(capacity: KeyCache.capacity)
            base.initialize(from: other.base, count: KeyCache.capacity)
        }
        deinit { base.deallocate() }
    }

    /// Shared between copies of a scan until one of them writes (copy on write).
    private var storage = Storage()

    /// Whether 16 bytes from `p` can be read (they lie in one page) even past a line's end.
    @inline(__always)
    static func loadable(_ p: UnsafePointer<UInt8>) -> Bool { UInt(bitPattern: p) & 4095 <= 4096 - 16 }

    /// The slot at `k` when its pattern is the bytes at `i`.
    @inline(__always)
    func match(_ k: Int, _ b: Bytes, _ i: Int) -> Slot? {
        guard k < KeyCache.capacity else { return nil }
        let slot = storage.base[k]
        let p = b.base + i
        guard slot.length > 0, i &+ slot.length <= b.count, KeyCache.loadable(p) else { return nil }
        let raw = UnsafeRawPointer(p)
        let w0 = raw.loadUnaligned(as: UInt64.self), w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        guard (w0 & slot.m0) == slot.w0, (w1 & slot.m1) == slot.w1 else { return nil }
        return slot
    }

    /// The length of the pattern at place `k` (0 when empty).
    @inline(__always)
    func length(_ k: Int) -> Int { k < KeyCache.capacity ? storage.base[k].length : 0 }

    /// Remembers the `length` bytes at `i` (the line holds them) as the pattern at place `k`.
    @inline(__always)
    mutating func remember(_ k: Int, _ b: Bytes, _ i: Int, length: Int, role: KeyRole, rank: UInt8) {
        let p = b.base + i
        guard k < KeyCache.capacity, length > 0, length <= 16, KeyCache.loadable(p) else { return }
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        let raw = UnsafeRawPointer(p)
        let m0: UInt64 = length >= 8 ? ~0 : (1 << UInt64(length * 8)) - 1
        let m1: UInt64 = length <= 8 ? 0 : (length >= 16 ? ~0 : (1 << UInt64((length - 8) * 8)) - 1)
        storage.base[k] = Slot(w0: raw.loadUnaligned(as: UInt64.self) & m0,
                               w1: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & m1,
                               m0: m0, m1: m1, length: length, role: role, rank: rank)
    }
}
