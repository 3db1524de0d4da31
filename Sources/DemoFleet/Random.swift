#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 (Steele, Lea, Flood 2014). Small, fast, and good enough for a simulation.
///
/// The fleet never keeps one long-lived generator: every simulated second of every target gets
/// its own generator derived from (seed, second, stream). That makes the output depend only on
/// the seed and the virtual time, never on how often `advance(to:)` was called.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(state: UInt64) { self.state = state }

    /// A generator for one simulated second of one stream.
    init(seed: UInt64, second: Int64, stream: UInt64) {
        var s = seed ^ 0x6A09_E667_F3BC_C908
        s = SplitMix64.mix(s &+ UInt64(bitPattern: second) &* 0x9E37_79B9_7F4A_7C15)
        s = SplitMix64.mix(s ^ (stream &* 0xD1B5_4A32_D192_ED2D))
        self.state = s
    }

    static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }

    /// Uniform integer in lo...hi.
    mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + Int(next() % UInt64(hi - lo + 1)) }

    /// Standard normal (Box-Muller; one of the pair is discarded, which keeps the generator stateless).
    mutating func gaussian() -> Double {
        var u1 = uniform()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = uniform()
        return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
    }

    /// Log-normal with the given median and shape (sigma of the underlying normal).
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * gaussian())
    }

    /// Poisson-distributed count with mean `lambda` (Knuth for small means, normal approximation above).
    mutating func poisson(_ lambda: Double) -> Int {
        if lambda <= 0 { return 0 }
        if lambda < 30 {
            let limit = exp(-lambda)
            var k = 0
            var p = uniform()
            while p > limit { k += 1; p *= uniform() }
            return k
        }
        return max(0, Int((lambda + sqrt(lambda) * gaussian()).rounded()))
    }

    /// True with probability p.
    mutating func chance(_ p: Double) -> Bool { uniform() < p }
}

/// How busy the fleet is at a given second: a slow "diurnal" wave (30-minute period, so a demo
/// shows it) plus a faster ripple. 1.0 is the average.
func trafficWave(second: Int64, phase: Double) -> Double {
    let t = Double(second)
    return 1.0 + 0.22 * sin(2 * Double.pi * t / 1800 + phase) + 0.07 * sin(2 * Double.pi * t / 170 + 2 * phase)
}

/// Splits `total` requests over `parts` representative samples as evenly as integers allow.
func weights(total: Int, parts: Int) -> [Int] {
    guard parts > 0 else { return [] }
    let base = total / parts
    let extra = total % parts
    return (0..<parts).map { $0 < extra ? base + 1 : base }
}

/// Per-second request count: a rate modulated by the wave, with multiplicative and Poisson noise.
func drawRequestCount(rate: Double, load: Double, rng: inout SplitMix64) -> Int {
    let lambda = max(0, rate * load * (1 + 0.05 * rng.gaussian()))
    return rng.poisson(lambda)
}
