/// The state of one series across the scrapes of a recording, and the code of its next value
/// and timestamp given that state (`docs/recording-format.md`, "Values"). Encoder and decoder
/// keep the same state and update it the same way after every sample, so the choices below
/// cost no bits.
///
/// A value is, after its series' previous value (`+0.0` for a new series):
///
/// - `0`: the same bit pattern;
/// - `10` + a Rice code: both are integers (exactly representable, `|v| <= 2^53`, not `-0`): the
///   zig-zagged difference, or the difference of differences, whichever has cost fewer bits
///   lately, with a Rice parameter adapted to recent magnitudes (as in LOCO-I). Counters and
///   bucket counts, nearly all of a scrape, are integers: after Prometheus's XOR chunks a
///   counter's growth costs its XOR's meaningful bits; here it costs the bits of the growth;
/// - `11` + Gorilla's XOR: `0` + the meaningful bits in the previous window, or `1` + 5 bits of
///   leading zeros + 6 bits of length (64 as 0) + the bits. Any bit pattern (NaN payloads, the
///   stale marker, -0) comes back exactly.
struct SeriesValueCoder: Sendable {
    /// The previous value's bits.
    private var last: UInt64 = 0
    /// The previous integer difference (0 after a repeat or a non-integer).
    private var delta: Int64 = 0
    /// Running means of the zig-zagged difference and difference of differences, times 16.
    private var meanD: UInt64 = 16
    private var meanDD: UInt64 = 16
    /// No value coded yet: the first is a difference from `+0.0`, which says nothing about the
    /// next ones, so it is not learned from.
    private var fresh = true
    /// Running costs in bits of each (times 4, decaying by a quarter a sample).
    private var costD = 0
    private var costDD = 0
    /// The XOR window: leading zeros (0xFF: none yet) and trailing zeros.
    private var leading: UInt8 = 0xFF
    private var trailing: UInt8 = 0
    /// The previous explicit timestamp and its difference from the one before.
    private var lastTime: Int64 = 0
    private var lastTimeDelta: Int64 = 0

    /// Rice codes with a quotient this large are escaped (6 bits of width, then the bits).
    private static let riceLimit = 16
    /// The largest magnitude that counts in full towards the means.
    private static let meanClip: UInt64 = 1 << 40

    /// `v` as an integer when it is one exactly (`-0` and magnitudes over 2^53 are not).
    @inline(__always)
    static func integer(_ bits: UInt64) -> Int64? {
        let v = Double(bitPattern: bits)
        guard v.magnitude <= 9_007_199_254_740_992, v == v.rounded(.towardZero) else { return nil }  // false for NaN, inf
        let i = Int64(v)
        return Double(i).bitPattern == bits ? i : nil
    }

    @inline(__always) private static func zigzag(_ x: Int64) -> UInt64 { UInt64(bitPattern: (x << 1) ^ (x >> 63)) }
    @inline(__always) private static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }

    /// The Rice parameter for a running mean: floor(log2(mean / 16)), 0 below 32.
    @inline(__always)
    private static func rice(_ mean: UInt64) -> Int {
        let m = mean >> 4
        return m == 0 ? 0 : 63 - m.leadingZeroBitCount
    }

    @inline(__always)
    private static func riceBits(_ u: UInt64, _ k: Int) -> Int {
        let q = u >> UInt64(k)
        return q < UInt64(riceLimit) ? Int(q) + 1 + k : riceLimit + 6 + (64 - u.leadingZeroBitCount)
    }

    private static func writeRice(_ u: UInt64, _ k: Int, _ out: inout BitSink) {
        let q = u >> UInt64(k)
        if q < UInt64(riceLimit) {
            out.bits(((1 << q) - 1) << 1, Int(q) + 1)   // q ones, a zero
            if k > 0 { out.bits(u & ((1 << UInt64(k)) - 1), k) }
        } else {
            let width = 64 - u.leadingZeroBitCount   // u >= 16 here, so width >= 5
            out.bits((1 << UInt64(riceLimit)) - 1, riceLimit)
            out.bits(UInt64(width - 1), 6)
            out.bits(u, width)
        }
    }

    private static func readRice(_ k: Int, _ input: inout BitSource) throws(RecordingDecodeError) -> UInt64 {
        let q = try input.ones(upTo: riceLimit)
        if q < riceLimit { return UInt64(q) << UInt64(k) | (try input.bits(k)) }
        let width = Int(try input.bits(6)) + 1
        return try input.bits(width)
    }

    /// The state after an integer difference `d` (whose codes cost `bitsD` and `bitsDD`).
    @inline(__always)
    private mutating func learn(_ d: Int64, uD: UInt64, uDD: UInt64, kD: Int, kDD: Int) {
        costD = costD - costD / 4 + Self.riceBits(uD, kD) * 4
        costDD = costDD - costDD / 4 + Self.riceBits(uDD, kDD) * 4
        meanD = meanD - meanD / 8 + min(uD, Self.meanClip) * 2
        meanDD = meanDD - meanDD / 8 + min(uDD, Self.meanClip) * 2
        delta = d
    }

    mutating func encode(_ bits: UInt64, into out: inout BitSink) {
        defer { last = bits }
        if bits == last { out.bit(false); delta = 0; fresh = false; return }
        if let p = Self.integer(last), let c = Self.integer(bits) {
            let d = c - p
            let kD = Self.rice(meanD), kDD = Self.rice(meanDD)
            let uD = Self.zigzag(d), uDD = Self.zigzag(d - delta)
            out.bits(0b10, 2)
            if costDD < costD { Self.writeRice(uDD, kDD, &out) } else { Self.writeRice(uD, kD, &out) }
            if fresh { delta = 0 } else { learn(d, uD: uD, uDD: uDD, kD: kD, kDD: kDD) }
            fresh = false
            return
        }
        delta = 0
        fresh = false
        let x = bits ^ last
        out.bits(0b11, 2)
        let lz = UInt8(min(x.leadingZeroBitCount, 31)), tz = UInt8(x.trailingZeroBitCount)
        if leading != 0xFF && lz >= leading && tz >= trailing {
            out.bit(false)
            out.bits(x >> UInt64(trailing), 64 - Int(leading) - Int(trailing))
            return
        }
        leading = lz; trailing = tz
        let significant = 64 - Int(lz) - Int(tz)
        out.bit(true)
        out.bits(UInt64(lz), 5)
        out.bits(UInt64(significant & 63), 6)
        out.bits(x >> UInt64(tz), significant)
    }

    mutating func decode(from input: inout BitSource) throws(RecordingDecodeError) -> UInt64 {
        guard try input.bit() else { delta = 0; fresh = false; return last }
        if try !input.bit() {
            guard let p = Self.integer(last) else { throw RecordingDecodeError("an integer difference after a value that is no integer") }
            let kD = Self.rice(meanD), kDD = Self.rice(meanDD)
            let useDD = costDD < costD
            let u = try Self.readRice(useDD ? kDD : kD, &input)
            let x = Self.unzigzag(u)
            // The encoder's |values| are at most 2^53, so |d| <= 2^54: anything larger is damage,
            // and refusing it keeps the arithmetic below from overflowing.
            guard x.magnitude <= 1 << 56 else { throw RecordingDecodeError("an integer difference of \(x)") }
            let d = useDD ? delta + x : x
            let c = p + d
            guard c.magnitude <= 1 << 53, c != p else { throw RecordingDecodeError("an integer value of \(c) from an integer difference") }
            if fresh { delta = 0 } else { learn(d, uD: Self.zigzag(d), uDD: Self.zigzag(d - delta), kD: kD, kDD: kDD) }
            fresh = false
            last = Double(c).bitPattern
            return last
        }
        delta = 0
        fresh = false
        if try input.bit() {
            leading = UInt8(try input.bits(5))
            var significant = Int(try input.bits(6))
            if significant == 0 { significant = 64 }
            guard Int(leading) + significant <= 64 else { throw RecordingDecodeError("an XOR window of \(leading) leading zeros and \(significant) bits") }
            trailing = UInt8(64 - Int(leading) - significant)
        } else if leading == 0xFF {
            throw RecordingDecodeError("an XOR value reusing a window before there was one")
        }
        let significant = 64 - Int(leading) - Int(trailing)
        let x = try input.bits(significant) << UInt64(trailing)
        guard x != 0 else { throw RecordingDecodeError("an XOR of zero (a repeat is coded as 0)") }
        last ^= x
        return last
    }

    // MARK: Explicit timestamps

    /// A sample's own timestamp, as the difference of differences from the series' previous
    /// one: `0` (same step), `10` + 7, `110` + 14, `1110` + 21 bits of zig-zag, `1111` + 64 bits.
    mutating func encodeTime(_ t: Int64, into out: inout BitSink) {
        let d = t &- lastTime
        let u = Self.zigzag(d &- lastTimeDelta)
        if u == 0 { out.bit(false) }
        else if u < 1 << 7 { out.bits(0b10, 2); out.bits(u, 7) }
        else if u < 1 << 14 { out.bits(0b110, 3); out.bits(u, 14) }
        else if u < 1 << 21 { out.bits(0b1110, 4); out.bits(u, 21) }
        else { out.bits(0b1111, 4); out.bits(u, 64) }
        lastTime = t; lastTimeDelta = d
    }

    mutating func decodeTime(from input: inout BitSource) throws(RecordingDecodeError) -> Int64 {
        let width: Int
        switch try input.ones(upTo: 4) {
        case 0: width = 0
        case 1: width = 7
        case 2: width = 14
        case 3: width = 21
        default: width = 64
        }
        let dod = Self.unzigzag(try input.bits(width))
        let d = lastTimeDelta &+ dod
        lastTime = lastTime &+ d; lastTimeDelta = d
        return lastTime
    }
}
