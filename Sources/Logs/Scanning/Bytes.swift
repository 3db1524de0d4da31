import CLogScan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A borrowed run of bytes (one log line, or a record being assembled). Reading is unchecked:
/// every scanner compares an index with `count` before it reads, and never reads past it.
/// Valid only while its owner keeps the memory alive (the scan of one line, one `emit` call).

struct Bytes {
    let base: UnsafePointer<UInt8>
    let count: Int

    init(_ base: UnsafePointer<UInt8>, _ count: Int) { self.base = base; self.count = count }

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        self.base = buffer.baseAddress ?? Bytes.emptyBase
        self.count = buffer.baseAddress == nil ? 0 : buffer.count
    }

    subscript(_ i: Int) -> UInt8 { base[i] }

    nonisolated(unsafe) static let emptyBase: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    func slice(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + start, count: max(0, end - start))
    }

    /// The first index at or after `from` holding `byte`, or `count`.
    @inline(__always)
    func find(_ byte: UInt8, from: Int) -> Int {
        find(byte, from: from, to: count)
    }

    @inline(__always)
    func find(_ byte: UInt8, from: Int, to end: Int) -> Int {
        guard from < end else { return end }
        guard let hit = memchr(base + from, Int32(byte), end - from) else { return end }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
    }

    /// The first index at or after `from` holding `a`, 16 bytes at a time with SSE2 on x86-64,
    /// else eight in a `UInt64` (for short distances, where a call to `memchr` costs more).
    @inline(__always)
    func findNear(_ a: UInt8, from: Int, to end: Int) -> Int {
        #if arch(x86_64)
        return mw_find1(base, from, end, a)
        #else
        var i = from
        let ma = UInt64(a) &* 0x0101_0101_0101_0101
        while i &+ 8 <= end {
            let x = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) ^ ma
            let h = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if h != 0 { return i &+ (h.trailingZeroBitCount &>> 3) }
            i &+= 8
        }
        while i < end {
            if base[i] == a { return i }
            i &+= 1
        }
        return end
        #endif
    }

    /// The first index at or after `from` holding `a` or `b` (as `findNear`).
    @inline(__always)
    func find(_ a: UInt8, or b: UInt8, from: Int, to end: Int) -> Int {
        #if arch(x86_64)
        return mw_find2(base, from, end, a, b)
        #else
        var i = from
        let ma = UInt64(a) &* 0x0101_0101_0101_0101
        let mb = UInt64(b) &* 0x0101_0101_0101_0101
        while i &+ 8 <= end {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let x = w ^ ma, y = w ^ mb
            let hx = (x &- 0x0101_0101_0101_0101) & ~x
            let hy = (y &- 0x0101_0101_0101_0101) & ~y
            let h = (hx | hy) & 0x8080_8080_8080_8080
            if h != 0 { return i &+ (h.trailingZeroBitCount &>> 3) }
            i &+= 8
        }
        while i < end {
            let c = base[i]
            if c == a || c == b { return i }
            i &+= 1
        }
        return end
        #endif
    }

    /// Whether the bytes at `at` are `literal` (ASCII).
    @inline(__always)
    func has(_ literal: StaticString, at: Int) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard at >= 0, at + n <= count else { return false }
        if n <= 8, at &+ 8 <= count {
            // One masked compare of eight bytes (the literal's word is folded at compile time).
            var word: UInt64 = 0
            for k in 0..<n { word |= UInt64(literal.utf8Start[k]) &<< UInt64(k &* 8) }
            let mask: UInt64 = n == 8 ? ~0 : (1 &<< UInt64(n &* 8)) &- 1
            return UInt64(littleEndian: UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self)) & mask == word
        }
        return memcmp(base + at, literal.utf8Start, n) == 0
    }

    /// Whether the bytes in `start..<end` equal `literal` ignoring ASCII case.
    @inline(__always)
    func equalsIgnoringCase(_ start: Int, _ end: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard end - start == n else { return false }
        let l = literal.utf8Start
        for k in 0..<n where Bytes.lower(base[start + k]) != Bytes.lower(l[k]) { return false }
        return true
    }

    /// The first index of `needle` in `from..<to`, or nil.
    func firstIndex(of needle: StaticString, from: Int, to end: Int) -> Int? {
        let n = needle.utf8CodeUnitCount
        guard n > 0, end - from >= n else { return nil }
        let first = needle.utf8Start[0]
        var i = from
        while i + n <= end {
            i = find(first, from: i, to: end - n + 1)
            if i > end - n { return nil }
            if memcmp(base + i, needle.utf8Start, n) == 0 { return i }
            i += 1
        }
        return nil
    }

    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { (c >= 65 && c <= 90) ? c | 0x20 : c }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }
    @inline(__always) static func isUpper(_ c: UInt8) -> Bool { c &- 65 < 26 }
    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) &- 97 < 26 }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 }
    /// Letters, digits, `_`, `-`, `.`: the bytes of keys, logger names and identifiers.
    /// Without branches: a bit set of the 128 ASCII bytes (random ids alternate letters and
    /// digits, which would defeat branch prediction).
    @inline(__always) static func isWordByte(_ c: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6000_0000_0000  // - . 0-9
        let high: UInt64 = 0x07FF_FFFE_87FF_FFFE  // A-Z _ a-z
        let w = c < 64 ? low : (c < 128 ? high : 0)
        return (w &>> UInt64(c & 63)) & 1 != 0
    }

    /// Space, tab, `,` `;` `)` `]`: where an unquoted value inside free text ends. Branchless.
    @inline(__always) static func isValueEnd(_ c: UInt8) -> Bool {
        let low: UInt64 = (1 << 32) | (1 << 9) | (1 << 44) | (1 << 59) | (1 << 41)
        let high: UInt64 = 1 << (93 - 64)
        let w = c < 64 ? low : (c < 128 ? high : 0)
        return (w &>> UInt64(c & 63)) & 1 != 0
    }

    @inline(__always) func digit(_ i: Int) -> Int? {
        guard i < count else { return nil }
        let d = base[i] &- 48
        return d < 10 ? Int(d) : nil
    }

    /// Two decimal digits at `i`.
    @inline(__always) func two(_ i: Int) -> Int? {
        guard i + 1 < count else { return nil }
        let a = base[i] &- 48, b = base[i + 1] &- 48
        guard a < 10, b < 10 else { return nil }
        return Int(a) * 10 + Int(b)
    }

    @inline(__always) func four(_ i: Int) -> Int? {
        guard let hi = two(i), let lo = two(i + 2) else { return nil }
        return hi * 100 + lo
    }

    func skipSpaces(_ i: Int) -> Int {
        var i = i
        while i < count, Bytes.isSpace(base[i]) { i += 1 }
        return i
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether the bytes equal `literal`.
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        guard let base = baseAddress else { return count == 0 }
        return memcmp(base, literal.utf8Start, count) == 0
    }
}
