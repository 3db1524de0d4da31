// The series store under a realistic load: 10,000 series scraped every 5 s for 6 hours of
// simulated time (4,320 scrapes, 43.2 M samples), then read back in full.
import Foundation
import Telemetry

enum StoreBenchmark {
    static let seriesCount = 10_000
    static let targets = 100
    static let interval: Int64 = 5_000
    static let scrapes = 4_320          // 6 h / 5 s
    static let start: Int64 = 1_767_225_600_000

    static func run() async throws {
        var load = Load(seed: 0x570_4E)
        precondition(load.series.count == seriesCount)
        let keys = load.series.map(\.key)
        var store = SeriesStore(retention: .minutes(7 * 60))
        var values = [Double](repeating: 0, count: seriesCount)
        var peak = 0
        var ingest = Duration.zero
        var generate = Duration.zero
        let clock = ContinuousClock()
        let perTarget = seriesCount / targets
        for scrape in 0..<scrapes {
            let g0 = clock.now
            load.advance(into: &values)
            let times = (0..<targets).map { load.timestamp(scrape: scrape, target: $0) }
            let i0 = clock.now
            for s in 0..<seriesCount {
                store.append(keys[s], Point(t: Timestamp(milliseconds: times[s / perTarget]), v: values[s]))
            }
            let i1 = clock.now
            generate += i0 - g0
            ingest += i1 - i0
            if scrape % 60 == 0 || scrape == scrapes - 1 {
                store.expire(before: Timestamp(milliseconds: start + Int64(scrape) * interval))
                peak = max(peak, store.bytesUsed)
            }
        }
        let samples = seriesCount * scrapes
        precondition(store.pointCount == samples && store.rejectedOutOfOrder == 0, "store lost samples")
        let compressed = store.compressedBytes
        let used = store.bytesUsed
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        func secs(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

        print("load: \(seriesCount) series (\(load.mix)) in \(targets) targets, every \(interval / 1000) s for 6 h: \(scrapes) scrapes")
        print("samples:                  \(samples)")
        print("compressed chunk bytes:   \(compressed)  (\(f(Double(compressed) / 1_048_576, 1)) MiB)")
        let perSample = Double(compressed) / Double(samples)
        print("bytes/sample, chunks:     \(f(perSample, 3))   goal <= 2.00 (\(perSample <= 2 ? "met" : "NOT met")); Gorilla paper 1.37")
        print("bytesUsed (with overhead): \(used)  = \(f(Double(used) / Double(samples), 3)) bytes/sample")
        print("peak bytesUsed:           \(peak)  (\(f(Double(peak) / 1_048_576, 1)) MiB)")
        print("by kind, chunk bytes/sample: " + load.kinds.map { kind in
            let idx = load.series.indices.filter { load.series[$0].kind == kind }
            let bytes = idx.reduce(0) { $0 + store.compressedBytes(of: keys[$1]) }
            return "\(kind.rawValue) \(f(Double(bytes) / Double(idx.count * scrapes)))"
        }.joined(separator: ", "))
        let shares = store.chunkEncodingShares
        print("by encoding: " + ["decimal", "xor"].map { name in
            let e = shares[name] ?? (0, 0, 0)
            return "\(name) \(e.chunks) chunks, \(f(100 * Double(e.samples) / Double(samples), 1)) % of samples, \(f(Double(e.bytes) / Double(max(e.samples, 1)))) bytes/sample"
        }.joined(separator: "; "))
        print("ingest (append):          \(f(Double(samples) / secs(ingest) / 1e6)) M samples/s  (\(f(secs(ingest), 1)) s; generating the values took \(f(secs(generate), 1)) s more)")

        // Read everything back: every series over the whole 6 h.
        let r0 = clock.now
        var read = 0
        let all = Timestamp(milliseconds: start - 60_000)...Timestamp(milliseconds: start + Int64(scrapes) * interval)
        for k in keys { read += store.points(k, in: all).count }
        let r1 = clock.now
        precondition(read == samples, "read back \(read) of \(samples)")
        print("read back (points, 6 h):  \(f(Double(read) / secs(r1 - r0) / 1e6)) M samples/s")

        // A 5-minute rate window on every series at the end: what a dashboard refresh decodes.
        let w0 = clock.now
        let end = start + Int64(scrapes - 1) * interval
        var windowPoints = 0
        for k in keys {
            windowPoints += store.points(k, in: Timestamp(milliseconds: end - 300_000)...Timestamp(milliseconds: end)).count
            _ = store.latest(k, at: Timestamp(milliseconds: end))
        }
        let w1 = clock.now
        print("5m window + latest, all series: \(f(secs(w1 - w0) * 1000, 1)) ms (\(windowPoints) points)")

        // The scrape path (label merge, staleness bookkeeping, synthetic series) on a slice.
        var scrapeStore = SeriesStore(retention: .minutes(60))
        let families = (0..<targets).map { target in
            [MetricFamily(name: "m", type: .gauge, samples: (0..<perTarget).map { i in
                Sample(name: keys[target * perTarget + i].name, labels: keys[target * perTarget + i].labels.removing(["job", "instance"]), value: 0)
            })]
        }
        let sliceScrapes = 30
        let s0 = clock.now
        for scrape in 0..<sliceScrapes {
            for target in 0..<targets {
                var fams = families[target]
                for i in fams[0].samples.indices { fams[0].samples[i].value = Double(scrape * i) }
                let result = ScrapeResult(target: "t\(target)", startedAt: Timestamp(milliseconds: start + Int64(scrape) * interval),
                                          duration: Milliseconds(12), outcome: .success(fams))
                scrapeStore.ingestScrape(result, targetLabels: Load.targetLabels(target))
            }
        }
        let s1 = clock.now
        print("ingestScrape (merge + staleness + 4 synthetic/target): \(f(Double(sliceScrapes * seriesCount) / secs(s1 - s0) / 1e6)) M samples/s over \(sliceScrapes) scrapes")
    }
}

/// The simulated exporters: counters with Poisson-ish integer increments, CPU-seconds counters
/// at 1/100 s resolution, integer and quantized float gauges, constants, and classic histograms
/// (cumulative bucket counters, a float `_sum`, a `_count`), as real exporters produce them.
private struct Load {
    enum Kind: String { case counter, cpuSeconds = "cpu-seconds", gaugeInt = "int-gauge", gaugeFloat = "float-gauge",
                        constant, histogram }
    struct Series {
        var key: SeriesKey
        var kind: Kind
        var rate: Double = 0       // counters: mean increment per scrape
        var state: Double = 0      // the current value (ticks for cpuSeconds)
        var step: Double = 0       // gauges: quantum
    }
    /// A histogram: its 12 series are `first ..< first + 12` (10 buckets, then _sum, _count).
    struct Histogram { var first: Int; var rate: Double; var shares: [Double]; var meanSeconds: Double; var buckets: [Double]; var sum: Double }

    var series: [Series] = []
    var histograms: [Histogram] = []
    var rng: Rand
    let kinds: [Kind] = [.counter, .cpuSeconds, .gaugeInt, .gaugeFloat, .constant, .histogram]
    var mix: String { kinds.map { k in "\(series.filter { $0.kind == k }.count) \(k.rawValue)" }.joined(separator: ", ") }

    static func targetLabels(_ target: Int) -> Labels {
        Labels([("job", "model-\(target % 10)"), ("instance", "10.0.\(target / 10).\(target % 10 + 10):8002")])
    }

    init(seed: UInt64) {
        rng = Rand(seed)
        let perTarget = StoreBenchmark.seriesCount / StoreBenchmark.targets
        let bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
        for target in 0..<StoreBenchmark.targets {
            let base = Self.targetLabels(target).pairs.map { ($0.name, $0.value) }
            func key(_ name: String, _ extra: [(String, String)]) -> SeriesKey { SeriesKey(name: name, labels: Labels(base + extra)) }
            // Per target of 100: 25 counters, 10 CPU-seconds counters, 20 + 6 integer gauges,
            // 10 float gauges, 5 constants, and 2 histograms of 12 series.
            for i in 0..<25 {
                let rate = exp(rng.uniform(log(0.05), log(300)))
                series.append(Series(key: key("requests_total", [("model", "m\(i % 5)"), ("code", ["200", "400", "500", "503", "429"][i / 5])]),
                                     kind: .counter, rate: rate, state: Double(rng.int(1_000_000))))
            }
            for i in 0..<10 {
                series.append(Series(key: key("process_cpu_seconds_total", [("cpu", "\(i)")]), kind: .cpuSeconds,
                                     rate: rng.uniform(5, 500), state: Double(rng.int(10_000_000))))
            }
            for i in 0..<20 {
                let bytes = i < 10
                series.append(Series(key: key(bytes ? "gpu_memory_used_bytes" : "queue_length", [("gpu", "\(i % 10)")]), kind: .gaugeInt,
                                     state: bytes ? Double(rng.int(1 << 20) * 4096 + (1 << 32)) : Double(rng.int(50)),
                                     step: bytes ? 4096 : 1))
            }
            for i in 0..<10 {
                let util = i < 5
                series.append(Series(key: key(util ? "gpu_utilization_ratio" : "gpu_temperature_celsius", [("gpu", "\(i % 5)")]),
                                     kind: .gaugeFloat, state: util ? rng.uniform(0.2, 0.9) : rng.uniform(40, 80), step: util ? 0.01 : 0.1))
            }
            for i in 0..<5 {
                series.append(Series(key: key("model_info", [("model", "m\(i)"), ("version", "v\(i + 3)")]), kind: .constant, state: 1))
            }
            for h in 0..<2 {
                let first = series.count
                for le in bounds {
                    series.append(Series(key: key("request_duration_seconds_bucket", [("model", "m\(h)"), ("le", le)]), kind: .histogram))
                }
                series.append(Series(key: key("request_duration_seconds_sum", [("model", "m\(h)")]), kind: .histogram))
                series.append(Series(key: key("request_duration_seconds_count", [("model", "m\(h)")]), kind: .histogram))
                var shares = (0..<10).map { _ in rng.uniform(0.2, 1) }
                shares[0] *= 0.2; shares[9] *= 0.1
                let total = shares.reduce(0, +)
                histograms.append(Histogram(first: first, rate: exp(rng.uniform(log(0.5), log(200))),
                                            shares: shares.map { $0 / total }, meanSeconds: rng.uniform(0.01, 0.4),
                                            buckets: Array(repeating: 0, count: 10), sum: 0))
            }
            for i in 0..<6 {
                series.append(Series(key: key("inflight_requests", [("model", "m\(i)")]), kind: .gaugeInt, state: Double(rng.int(20)), step: 1))
            }
            precondition(series.count == (target + 1) * perTarget)
        }
    }

    func timestamp(scrape: Int, target: Int) -> Int64 {
        // Each target has its own phase; Prometheus aligns jitter within 2 ms, but not beyond,
        // so one scrape in 50 lands a few milliseconds off.
        let phase = Int64(target) * 47
        let jitter: Int64 = (scrape &* 31 &+ target &* 17) % 50 == 0 ? Int64((scrape + target) % 7) - 3 : 0
        return StoreBenchmark.start + phase + Int64(scrape) * StoreBenchmark.interval + jitter
    }

    mutating func advance(into values: inout [Double]) {
        for i in series.indices {
            switch series[i].kind {
            case .counter:
                series[i].state += Double(rng.poisson(series[i].rate))
                values[i] = series[i].state
            case .cpuSeconds:
                series[i].state += Double(rng.poisson(series[i].rate))   // ticks of 10 ms
                values[i] = series[i].state / 100
            case .gaugeInt:
                if rng.uniform(0, 1) < 0.5 {
                    let moved = (series[i].state / series[i].step + rng.normal() * 3).rounded()
                    series[i].state = max(0, moved) * series[i].step
                }
                values[i] = series[i].state
            case .gaugeFloat:
                series[i].state += rng.normal() * series[i].step
                // Printed with two or one decimals, as exporters format them, and parsed back.
                // (Until the decimal chunks, this was `rounded() * step`, which is not what a
                // scrape yields: 57 * 0.01 is 0.5700000000000001, not 0.57.)
                values[i] = Double(String(format: series[i].step < 0.1 ? "%.2f" : "%.1f", series[i].state))!
            case .constant:
                values[i] = series[i].state
            case .histogram:
                break
            }
        }
        for h in histograms.indices {
            let n = rng.poisson(histograms[h].rate)
            var left = n
            for b in 0..<9 {
                let c = min(left, Int((Double(n) * histograms[h].shares[b] + rng.uniform(0, 1)).rounded(.down)))
                histograms[h].buckets[b] += Double(c)
                left -= c
            }
            histograms[h].buckets[9] += Double(left)
            var cumulative = 0.0
            for b in 0..<10 {
                cumulative += histograms[h].buckets[b]
                values[histograms[h].first + b] = cumulative
            }
            histograms[h].sum += Double(n) * histograms[h].meanSeconds * (1 + 0.2 * rng.normal())
            histograms[h].sum = max(histograms[h].sum, 0)
            values[histograms[h].first + 10] = histograms[h].sum
            values[histograms[h].first + 11] = cumulative
        }
    }
}

/// xoshiro-style generator (SplitMix64 steps): fast and seeded, so every run sees the same load.
private struct Rand {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func normal() -> Double {
        let u = max(uniform(0, 1), 1e-300), v = uniform(0, 1)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    /// Poisson: Knuth's product method for small means, a rounded normal for large ones.
    mutating func poisson(_ mean: Double) -> Int {
        if mean < 30 {
            let limit = exp(-mean)
            var k = 0, p = uniform(0, 1)
            while p > limit { k += 1; p *= uniform(0, 1) }
            return k
        }
        return max(0, Int((mean + mean.squareRoot() * normal()).rounded()))
    }
}
