import Models
import Telemetry
import Testing

/// Drift between two parsed expositions, as `modelwatch drift` computes it.
@Suite struct DriftFileComparisonTests {
    static let reference = """
        # TYPE latency_seconds histogram
        latency_seconds_bucket{model="a",le="0.1"} 100
        latency_seconds_bucket{model="a",le="1"} 180
        latency_seconds_bucket{model="a",le="+Inf"} 200
        latency_seconds_bucket{model="only-ref",le="0.1"} 100
        latency_seconds_bucket{model="only-ref",le="+Inf"} 200
        # TYPE score histogram
        score_bucket{le="0.5"} 500
        score_bucket{le="+Inf"} 1000
        # TYPE queue gauge
        queue 3

        """
    static let current = """
        # TYPE latency_seconds histogram
        latency_seconds_bucket{model="a",le="0.1"} 50
        latency_seconds_bucket{model="a",le="1"} 150
        latency_seconds_bucket{model="a",le="+Inf"} 200
        latency_seconds_bucket{model="only-cur",le="0.1"} 100
        latency_seconds_bucket{model="only-cur",le="+Inf"} 200
        # TYPE score gauge
        score 0.4
        # TYPE queue histogram
        queue_bucket{le="1"} 1
        queue_bucket{le="+Inf"} 1

        """

    @Test func pairsSeriesByLabelsAndSaysWhatIsMissing() throws {
        let ref = try TextFormatParser.parse(Self.reference), cur = try TextFormatParser.parse(Self.current)
        let results = DriftMonitor.compare(reference: ref, current: cur, minimumCount: 100)
        #expect(results.map { "\($0.metric)\($0.labels)" } == [
            "latency_seconds{model=\"a\"}", "latency_seconds{model=\"only-cur\"}", "queue{}",
            "latency_seconds{model=\"only-ref\"}", "score{}",
        ])
        let a = try #require(results[0].statistics)
        let expected = DriftMath.compare(
            reference: try HistogramBuckets.validate(bounds: [(0.1, 100), (1, 180), (.infinity, 200)]),
            current: try HistogramBuckets.validate(bounds: [(0.1, 50), (1, 150), (.infinity, 200)]), minimumCount: 100)
        #expect(a == expected.statistics)
        #expect(results[1].problem?.description == "cannot compute: reference: no series of latency_seconds with these labels")
        #expect(results[2].problem?.description == "cannot compute: reference: queue is a gauge here, not a histogram")
        #expect(results[3].problem?.description == "cannot compute: current: no series of latency_seconds with these labels")
        #expect(results[4].problem?.kind == .notAHistogram)
        #expect(results[4].problem?.side == .current)
    }

    @Test func oneMetric() throws {
        let ref = try TextFormatParser.parse(Self.reference), cur = try TextFormatParser.parse(Self.current)
        #expect(DriftMonitor.compare(reference: ref, current: cur, metric: "latency_seconds").count == 3)
        #expect(DriftMonitor.compare(reference: ref, current: cur, metric: "latency_seconds_bucket").count == 3)
        #expect(DriftMonitor.compare(reference: ref, current: cur, metric: "absent").isEmpty)
        let score = DriftMonitor.compare(reference: ref, current: cur, metric: "score")
        #expect(score.count == 1)
        #expect(score.first?.problem?.kind == .notAHistogram)
    }

    @Test func openMetricsGaugeHistogramsCount() throws {
        let text = """
            # TYPE q gaugehistogram
            q_bucket{le="1"} 10
            q_bucket{le="+Inf"} 20
            q_gcount 20
            q_gsum 15
            # EOF

            """
        let families = try OpenMetricsParser.parse(text)
        let series = HistogramSeries.all(in: families)
        #expect(series.count == 1)
        #expect(series.first?.buckets == [RawBucket(le: "1", count: 10), RawBucket(le: "+Inf", count: 20)])
    }
}
