@testable import DemoFleet
import Telemetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A fleet advanced to `seconds`.
func fleet(at seconds: Int64, seed: UInt64 = 42) -> Fleet {
    var f = Fleet(seed: seed)
    f.advance(to: seconds * 1000)
    return f
}

/// Parses a target's exposition; a parse error is returned as a failure message.
func families(_ f: Fleet, _ target: String) throws -> [MetricFamily] {
    guard let text = f.exposition(for: target) else { throw FleetTestError("no exposition for \(target)") }
    do { return try TextFormatParser.parse(text) } catch {
        throw FleetTestError("\(target) at \(f.elapsedMilliseconds) ms: \(error)")
    }
}

struct FleetTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The value of the one sample named `name` whose labels include all of `match`.
func value(_ fams: [MetricFamily], _ name: String, _ match: [String: String] = [:]) -> Double? {
    let hits = fams.flatMap(\.samples).filter { s in
        s.name == name && match.allSatisfy { s.labels[$0.key] == $0.value }
    }
    return hits.count == 1 ? hits[0].value : nil
}

/// Sum of all samples named `name` whose labels include `match`.
func total(_ fams: [MetricFamily], _ name: String, _ match: [String: String] = [:]) -> Double {
    fams.flatMap(\.samples).filter { s in
        s.name == name && match.allSatisfy { s.labels[$0.key] == $0.value }
    }.reduce(0) { $0 + $1.value }
}

/// Samples that must never decrease: counters, and the buckets, sums and counts of histograms
/// and summaries (all latencies here are non-negative).
func monotonicSamples(_ fams: [MetricFamily]) -> [String: Double] {
    var out: [String: Double] = [:]
    for fam in fams {
        for s in fam.samples {
            let monotonic: Bool
            switch fam.type {
            case .counter: monotonic = true
            case .histogram: monotonic = true
            case .summary: monotonic = s.name.hasSuffix("_sum") || s.name.hasSuffix("_count")
            default: monotonic = false
            }
            if monotonic { out[s.name + s.labels.description] = s.value }
        }
    }
    return out
}

/// Failure share of a Triton model version between two snapshots.
func tritonFailureShare(from a: [MetricFamily], to b: [MetricFamily], model: String, version: String) -> Double {
    let m = ["model": model, "version": version]
    let okA = value(a, "nv_inference_request_success", m) ?? 0
    let okB = value(b, "nv_inference_request_success", m) ?? 0
    let failA = total(a, "nv_inference_request_failure", m)
    let failB = total(b, "nv_inference_request_failure", m)
    let requests = (okB - okA) + (failB - failA)
    return requests > 0 ? (failB - failA) / requests : .nan
}

/// Share of a histogram's observations at or below `le` (cumulative bucket / count).
func shareAtOrBelow(_ fams: [MetricFamily], _ name: String, le: String, _ match: [String: String]) -> Double {
    var m = match
    m["le"] = le
    let bucket = value(fams, name + "_bucket", m) ?? .nan
    let count = value(fams, name + "_count", match) ?? .nan
    return bucket / count
}

/// One histogram series' bucket increases between two snapshots, non-cumulative, in `le` order
/// (the +Inf bucket last). A series missing from `a` counts from zero; missing from `b` is empty.
func bucketIncreases(from a: [MetricFamily], to b: [MetricFamily], _ name: String, _ match: [String: String]) -> [(le: Double, count: Double)] {
    func cumulative(_ fams: [MetricFamily]) -> [Double: Double] {
        var out: [Double: Double] = [:]
        for s in fams.flatMap(\.samples) where s.name == name + "_bucket" && match.allSatisfy({ s.labels[$0.key] == $0.value }) {
            guard let raw = s.labels["le"], let le = raw == "+Inf" ? .infinity : Double(raw) else { continue }
            out[le] = s.value
        }
        return out
    }
    let before = cumulative(a), after = cumulative(b)
    var previous = 0.0
    return after.keys.sorted().map { le in
        let c = after[le]! - (before[le] ?? 0)
        defer { previous = c }
        return (le, c - previous)
    }
}

/// The q-quantile of bucket counts, interpolated linearly inside the bucket as Prometheus's
/// histogram_quantile does (the lowest bucket starts at 0; a rank in +Inf gives the highest
/// finite bound). NaN without observations.
func bucketQuantile(_ q: Double, _ buckets: [(le: Double, count: Double)]) -> Double {
    let total = buckets.reduce(0) { $0 + $1.count }
    guard total > 0 else { return .nan }
    let rank = q * total
    var seen = 0.0
    var lower = 0.0
    for b in buckets {
        if seen + b.count >= rank && b.count > 0 {
            if b.le == .infinity { return lower }
            return lower + (b.le - lower) * (rank - seen) / b.count
        }
        seen += b.count
        if b.le != .infinity { lower = b.le }
    }
    return lower
}

/// Population stability index between two sets of bucket counts with the same layout:
/// Σ (qᵢ − pᵢ) · ln(qᵢ / pᵢ), p the reference shares and q the current ones, a zero share
/// replaced by 1e-4.
func psi(reference: [(le: Double, count: Double)], current: [(le: Double, count: Double)]) -> Double {
    precondition(reference.map(\.le) == current.map(\.le), "PSI needs the same buckets on both sides")
    let rt = reference.reduce(0) { $0 + $1.count }, ct = current.reduce(0) { $0 + $1.count }
    var sum = 0.0
    for (r, c) in zip(reference, current) {
        let p = r.count == 0 ? 1e-4 : r.count / rt
        let q = c.count == 0 ? 1e-4 : c.count / ct
        sum += (q - p) * log(q / p)
    }
    return sum
}
