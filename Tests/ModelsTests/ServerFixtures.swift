import Foundation
import Models
import Telemetry
import Testing

/// The expositions in `sample-data/servers/`, and a store that scraped them twice.
///
/// A single exposition holds counters' totals only; rates need two scrapes. Rather than keep a
/// second file per server, the second scrape is the first one grown: every counter, histogram
/// bucket and summary `_sum`/`_count` times `1 + growth`, gauges and summary quantiles as they
/// were. Growing everything by one factor keeps each distribution and each ratio, so the
/// expected rates, shares and quantiles follow from the file's own numbers.
enum ServerFixture {
    static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/ModelsTests/ServerFixtures.swift
        return parts.joined(separator: "/")
    }()

    static func text(_ file: String) throws -> String {
        try String(contentsOfFile: repositoryRoot + "/sample-data/servers/" + file, encoding: .utf8)
    }

    static func families(_ file: String) throws -> [MetricFamily] {
        try TextFormatParser.parse(try text(file))
    }

    /// The exposition `growth` later: cumulative values grown, instant values kept.
    static func grown(_ families: [MetricFamily], by growth: Double) -> [MetricFamily] {
        families.map { family in
            var copy = family
            copy.samples = family.samples.map { sample in
                var s = sample
                let cumulative: Bool
                switch family.type {
                case .counter: cumulative = !sample.name.hasSuffix("_created")
                case .histogram: cumulative = sample.name.hasSuffix("_bucket") || sample.name.hasSuffix("_sum") || sample.name.hasSuffix("_count")
                case .summary: cumulative = sample.name.hasSuffix("_sum") || sample.name.hasSuffix("_count")
                default: cumulative = false
                }
                if cumulative { s.value *= 1 + growth }
                return s
            }
            return copy
        }
    }

    /// The sum of the samples named `name` whose labels include `labels`.
    static func sum(_ families: [MetricFamily], _ name: String, _ labels: [String: String] = [:],
                    where extra: (Labels) -> Bool = { _ in true }) -> Double {
        families.flatMap(\.samples)
            .filter { sample in
                sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } && extra(sample.labels)
            }
            .reduce(0) { $0 + $1.value }
    }

    /// `histogram_quantile` over the file's cumulative buckets of `base` (summed by `le` over the
    /// series matching `labels`), as the grown second scrape makes the window's buckets a fixed
    /// fraction of them.
    static func quantile(_ q: Double, _ families: [MetricFamily], _ base: String, _ labels: [String: String] = [:]) -> Double {
        var byBound: [Double: Double] = [:]
        for sample in families.flatMap(\.samples) where sample.name == base + "_bucket"
            && labels.allSatisfy({ sample.labels[$0.key] == $0.value }) {
            let le = sample.labels["le"]!
            byBound[le == "+Inf" ? .infinity : Double(le)!, default: 0] += sample.value
        }
        return HistogramQuantile.quantile(q, buckets: byBound.map { ($0.key, $0.value) })!
    }
}

/// One job scraped from sample files: once, or twice 15 s apart.
struct ScrapedJob {
    static let start = Timestamp(milliseconds: 1_733_000_000_000)
    static let interval = Milliseconds.seconds(15)

    var store = SeriesStore(retention: .minutes(60))
    var types = MetricTypes()
    var now = ScrapedJob.start
    let job: String

    /// `file` as job `job` on `instance`: scraped once, or twice with `growth` between.
    init(_ file: String, job: String, instance: String? = nil, twice: Bool = true, growth: Double = 0.1) throws {
        self.job = job
        try add(file, job: job, instance: instance ?? job + ":8080", twice: twice, growth: growth)
    }

    /// Adds another target's file, scraped at the same times.
    mutating func add(_ file: String, job: String, instance: String, twice: Bool = true, growth: Double = 0.1) throws {
        let first = try ServerFixture.families(file)
        types.record(first)
        let target = Labels(["job": job, "instance": instance])
        store.ingest(first, at: Self.start, targetLabels: target)
        if twice {
            store.ingest(ServerFixture.grown(first, by: growth), at: Self.start + Self.interval, targetLabels: target)
            now = Self.start + Self.interval
        }
    }

    /// What the recognizer finds, evaluated over a window of two intervals (so that two
    /// scrapes 15 s apart give `rate` = increase / 15 s exactly).
    func recognize(mappings: [MetricMapping] = [], declaredTypes: Bool = true) -> JobRecognition {
        ModelRecognizer.recognize(in: store, job: job, at: now, window: Self.interval * 2, freshness: .seconds(30),
                                  mappings: mappings, types: declaredTypes ? types : nil)
    }

    func model(_ name: String, mappings: [MetricMapping] = []) throws -> ModelSignals {
        try #require(recognize(mappings: mappings).models.first { $0.key.name == name })
    }
}

/// `a ≈ b` to a relative 1e-9 (values computed two ways in floating point).
func close(_ a: Double?, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance * max(1, abs(b))
}

/// The per-second rate of a counter that grew by `growth` times `total` over one interval.
func rate(_ total: Double, growth: Double = 0.1) -> Double { total * growth / 15 }
