import Testing
@testable import Telemetry

private func t(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: ms) }
private func key(_ name: String, _ labels: [String: String] = [:]) -> SeriesKey { SeriesKey(name: name, labels: Labels(labels)) }

@Suite struct SeriesStoreTests {
    @Test func appendKeepsTimeOrderAndRejectsOutOfOrderAndDuplicates() {
        var store = SeriesStore(retention: .minutes(60))
        let k = key("up", ["job": "a"])
        store.append(k, Point(t: t(1000), v: 1))
        store.append(k, Point(t: t(2000), v: 2))
        store.append(k, Point(t: t(2000), v: 3))   // duplicate timestamp
        store.append(k, Point(t: t(1500), v: 4))   // out of order
        store.append(k, Point(t: t(3000), v: 5))
        #expect(store.rejectedOutOfOrder == 2)
        #expect(store.pointCount == 3)
        #expect(store.seriesCount == 1)
        #expect(store.points(k, in: t(0)...t(10_000)) == [Point(t: t(1000), v: 1), Point(t: t(2000), v: 2), Point(t: t(3000), v: 5)])
        // Another series is independent.
        store.append(key("up", ["job": "b"]), Point(t: t(500), v: 0))
        #expect(store.rejectedOutOfOrder == 2)
        #expect(store.seriesCount == 2)
    }

    @Test func pointsInAClosedRange() {
        var store = SeriesStore(retention: .minutes(60))
        let k = key("x")
        for s in Int64(0)..<10 { store.append(k, Point(t: t(s * 1000), v: Double(s))) }
        #expect(store.points(k, in: t(2000)...t(4000)).map(\.v) == [2, 3, 4])
        #expect(store.points(k, in: t(2001)...t(3999)).map(\.v) == [3])
        #expect(store.points(k, in: t(20_000)...t(30_000)).isEmpty)
        #expect(store.points(key("missing"), in: t(0)...t(30_000)).isEmpty)
    }

    @Test func latestLooksBackOverALeftOpenWindow() {
        var store = SeriesStore(retention: .minutes(60))
        let k = key("x")
        store.append(k, Point(t: t(10_000), v: 1))
        store.append(k, Point(t: t(20_000), v: 2))
        #expect(store.latest(k, at: t(20_000))?.v == 2)
        #expect(store.latest(k, at: t(19_999))?.v == 1)
        #expect(store.latest(k, at: t(9_999)) == nil)
        // Exactly `lookback` old is outside the window (t - lookback, t].
        #expect(store.latest(k, at: t(25_000), lookback: .seconds(5)) == nil)
        #expect(store.latest(k, at: t(24_999), lookback: .seconds(5))?.v == 2)
        #expect(store.latest(k, at: t(20_000 + 300_000)) == nil)
        #expect(store.latest(k, at: t(20_000 + 299_999))?.v == 2)
        #expect(store.latest(key("missing"), at: t(20_000)) == nil)
    }

    @Test func ingestAttachesTargetLabelsAsHonorLabelsFalse() throws {
        let text = """
        # TYPE requests_total counter
        requests_total{code="200",job="exporter-job",instance=""} 7
        requests_total{code="500"} 1 1234
        # TYPE temp gauge
        temp{exported_job="taken",job="j2"} 3

        """
        var store = SeriesStore(retention: .minutes(60))
        store.ingest(try TextFormatParser.parse(text), at: t(9000),
                     targetLabels: Labels([("job", "scrape"), ("instance", "host:9100")]))
        #expect(store.names == ["requests_total", "temp"])
        #expect(store.seriesCount == 3)
        #expect(store.pointCount == 3)

        let ok = key("requests_total", ["code": "200", "job": "scrape", "instance": "host:9100", "exported_job": "exporter-job"])
        #expect(store.points(ok, in: t(0)...t(10_000)) == [Point(t: t(9000), v: 7)])
        // The sample's own timestamp wins over the scrape time.
        let err = key("requests_total", ["code": "500", "job": "scrape", "instance": "host:9100"])
        #expect(store.points(err, in: t(0)...t(10_000)) == [Point(t: t(1234), v: 1)])
        // `exported_job` is taken, so the sample's `job` becomes `exported_exported_job`.
        let temp = key("temp", ["exported_job": "taken", "exported_exported_job": "j2", "job": "scrape", "instance": "host:9100"])
        #expect(store.latest(temp, at: t(9000))?.v == 3)
    }

    @Test func targetLabelMergeRules() {
        #expect(TargetLabels.merge(sample: Labels([("a", "1")]), target: Labels()) == Labels([("a", "1")]))
        #expect(TargetLabels.merge(sample: Labels([("job", "")]), target: Labels([("job", "t")])) == Labels([("job", "t")]))
        #expect(TargetLabels.merge(sample: Labels([("job", "s"), ("instance", "i")]), target: Labels([("job", "t"), ("instance", "u")]))
                == Labels([("job", "t"), ("instance", "u"), ("exported_job", "s"), ("exported_instance", "i")]))
        #expect(TargetLabels.merge(sample: Labels([("x", "1")]), target: Labels([("x", "")])) == Labels([("exported_x", "1")]))
    }

    @Test func seriesByNameAndPredicate() {
        var store = SeriesStore(retention: .minutes(60))
        store.append(key("up", ["job": "b"]), Point(t: t(1), v: 1))
        store.append(key("up", ["job": "a"]), Point(t: t(1), v: 0))
        store.append(key("down", ["job": "a"]), Point(t: t(1), v: 0))
        #expect(store.series(named: "up") == [key("up", ["job": "a"]), key("up", ["job": "b"])])
        #expect(store.series(named: "up", where: { $0["job"] == "b" }) == [key("up", ["job": "b"])])
        #expect(store.series(named: "nothing").isEmpty)
        #expect(store.names == ["down", "up"])
    }

    @Test func expireDropsPointsOutsideRetentionAndEmptySeries() {
        var store = SeriesStore(retention: .seconds(10))
        let old = key("old"), live = key("live")
        store.append(old, Point(t: t(1000), v: 1))
        store.append(old, Point(t: t(2000), v: 2))
        for s in Int64(1)...20 { store.append(live, Point(t: t(s * 1000), v: Double(s))) }
        #expect(store.pointCount == 22)

        store.expire(before: t(20_000))  // keeps t >= 10_000
        #expect(store.series(named: "old").isEmpty)
        #expect(store.names == ["live"])
        #expect(store.seriesCount == 1)
        #expect(store.pointCount == 11)
        #expect(store.points(live, in: t(0)...t(30_000)).first?.t == t(10_000))

        // The series accepts newer points after expiry; an expired series starts afresh.
        store.append(old, Point(t: t(500), v: 9))
        #expect(store.rejectedOutOfOrder == 0)
        store.expire(olderThan: t(100_000))
        #expect(store.seriesCount == 0)
        #expect(store.pointCount == 0)
    }
}
