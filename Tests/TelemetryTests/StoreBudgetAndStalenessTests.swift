import Testing
@testable import Telemetry

private func t(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: ms) }
private func key(_ name: String, _ labels: [String: String] = [:]) -> SeriesKey { SeriesKey(name: name, labels: Labels(labels)) }

@Suite struct StoreBudgetTests {
    /// Three series, each with two closed chunks and a head; series "b" is the oldest.
    private func threeSeries(budget: Int? = nil) -> SeriesStore {
        var store = SeriesStore(retention: .minutes(600), memoryBudgetBytes: budget)
        for (name, start) in [("a", Int64(10_000)), ("b", 0), ("c", 20_000)] {
            for i in Int64(0)..<250 { store.append(key(name), Point(t: t(start + i * 1000), v: Double(i % 7))) }
        }
        return store
    }

    @Test func evictsTheOldestClosedChunksFirstAcrossSeries() {
        var store = threeSeries()
        #expect(store.evictedChunks == 0)
        let full = store.bytesUsed
        // Lower the budget so that exactly four closed chunks must go.
        let a = store.chunkByteCounts(key("a")), b = store.chunkByteCounts(key("b")), c = store.chunkByteCounts(key("c"))
        let freed = [b[0], a[0], c[0], b[1]].map { $0 + SeriesStore.chunkOverheadBytes }
        store.memoryBudgetBytes = full - freed.reduce(0, +)
        // Order by newest sample: b#0 (119 s), a#0 (129 s), c#0 (139 s), b#1 (239 s).
        #expect(store.evictedChunks == 4)
        #expect(store.evictedSamples == 480)
        #expect(store.chunkSampleCounts(key("a")) == [120, 10])
        #expect(store.chunkSampleCounts(key("b")) == [10])
        #expect(store.chunkSampleCounts(key("c")) == [120, 10])
        #expect(store.bytesUsed <= store.memoryBudgetBytes!)
        #expect(store.pointCount == 750 - 480)
        #expect(store.points(key("b"), in: t(0)...t(1_000_000)).first?.t == t(240_000))
        let recount = store.recount()
        #expect(store.bytesUsed == recount.bytes && store.pointCount == recount.points)
    }

    @Test func keepsWithinTheBudgetWhileAppending() {
        let budget = 4_000
        var store = SeriesStore(retention: .minutes(6000), memoryBudgetBytes: budget)
        var peak = 0
        for i in Int64(0)..<5_000 {
            for s in 0..<4 {
                store.append(key("m", ["s": "\(s)"]), Point(t: t(i * 1000 + Int64(s)), v: Double(i * Int64(s + 1))))
                peak = max(peak, store.bytesUsed)
            }
        }
        #expect(peak <= budget)
        #expect(store.evictedChunks > 0)
        #expect(store.evictedSamples + store.pointCount == 20_000)
        #expect(store.seriesCount == 4)   // heads survive while closed chunks remain
        for s in 0..<4 {
            #expect(store.latest(key("m", ["s": "\(s)"]), at: t(5_000_000))?.t == t(4_999_000 + Int64(s)))
        }
    }

    @Test func headChunksGoOnlyWhenNothingElseIsLeft() {
        var store = SeriesStore(retention: .minutes(600))
        store.append(key("old"), Point(t: t(1000), v: 1))
        store.append(key("new"), Point(t: t(5000), v: 2))
        store.append(key("new"), Point(t: t(6000), v: 3))
        // Only heads: the one whose newest sample is oldest goes first, with its series.
        store.memoryBudgetBytes = store.bytesUsed - 1
        #expect(store.evictedChunks == 1 && store.evictedSamples == 1)
        #expect(store.series(named: "old").isEmpty)
        #expect(store.names == ["new"])
        #expect(store.points(key("new"), in: t(0)...t(10_000)).count == 2)
        // A budget nothing fits in empties the store.
        store.memoryBudgetBytes = 10
        #expect(store.seriesCount == 0 && store.pointCount == 0 && store.bytesUsed == 0)
        #expect(store.evictedChunks == 2 && store.evictedSamples == 3)
        // Lifting the budget stops eviction.
        store.memoryBudgetBytes = nil
        for i in Int64(0)..<500 { store.append(key("x"), Point(t: t(i), v: 0)) }
        #expect(store.pointCount == 500 && store.evictedChunks == 2)
    }

    @Test func expiredChunksLeaveNoStaleQueueEntriesBehind() {
        var store = SeriesStore(retention: .seconds(30), memoryBudgetBytes: 1_000_000)
        for i in Int64(0)..<50_000 {
            store.append(key("x"), Point(t: t(i * 1000), v: Double(i)))
            if i % 100 == 0 { store.expire(before: t(i * 1000)) }
        }
        #expect(store.evictedChunks == 0)
        #expect(store.queuedChunkEntriesForTesting <= 2 * store.chunksHeld + 1024)
        // A budget just below what is held evicts one live chunk, skipping the expired ones' entries.
        // Held: 49,870 s ... 49,999 s in two chunks cut at multiples of 120 samples.
        #expect(store.chunkSampleCounts(key("x")) == [50, 80])
        store.memoryBudgetBytes = store.bytesUsed - 1
        #expect(store.evictedChunks == 1 && store.evictedSamples == 50)
        #expect(store.points(key("x"), in: t(0)...t(100_000_000)).first?.v == 49_920)
        #expect(store.points(key("x"), in: t(0)...t(100_000_000)).last?.v == 49_999)
    }
}

@Suite struct StoreStalenessTests {
    let target = Labels([("job", "api"), ("instance", "h:1")])
    private func labelled(_ name: String, _ extra: [String: String] = [:]) -> SeriesKey {
        var l: [String: String] = ["job": "api", "instance": "h:1"]
        for (k, v) in extra { l[k] = v }
        return key(name, l)
    }
    private func scrape(_ at: Int64, _ samples: [Sample], duration: Int64 = 20, target name: String = "api") -> ScrapeResult {
        ScrapeResult(target: name, startedAt: t(at), duration: Milliseconds(duration),
                     outcome: .success([MetricFamily(name: "f", samples: samples)]), bodyBytes: 100)
    }
    private func failed(_ at: Int64, target name: String = "api") -> ScrapeResult {
        ScrapeResult(target: name, startedAt: t(at), duration: Milliseconds(10_000),
                     outcome: .failure(.timeout(Milliseconds(10_000))))
    }

    @Test func staleMarkerIsPrometheusBitPattern() {
        #expect(SeriesStore.staleMarker.bitPattern == 0x7ff0_0000_0000_0002)
        #expect(SeriesStore.staleMarker.isNaN)
        #expect(Point(t: t(0), v: SeriesStore.staleMarker).isStale)
        #expect(!Point(t: t(0), v: .nan).isStale)
        #expect(!Point(t: t(0), v: 0).isStale)
    }

    @Test func seriesMissingFromAScrapeGetAStaleMarker() {
        var store = SeriesStore(retention: .minutes(60))
        store.ingestScrape(scrape(1000, [Sample(name: "a", value: 1), Sample(name: "b", value: 2)]), targetLabels: target)
        store.ingestScrape(scrape(6000, [Sample(name: "a", value: 3)]), targetLabels: target)
        let b = labelled("b")
        #expect(store.latest(b, at: t(5999))?.v == 2)
        #expect(store.latest(b, at: t(6000)) == nil)
        #expect(store.latest(b, at: t(9000)) == nil)
        #expect(store.points(b, in: t(0)...t(10_000)) == [Point(t: t(1000), v: 2)])
        let all = store.pointsIncludingStale(b, in: t(0)...t(10_000))
        #expect(all.count == 2 && all[1].t == t(6000) && all[1].isStale)
        #expect(store.latest(labelled("a"), at: t(6000))?.v == 3)
        // Not marked twice; comes back when reported again.
        store.ingestScrape(scrape(11_000, [Sample(name: "a", value: 4)]), targetLabels: target)
        #expect(store.pointsIncludingStale(b, in: t(0)...t(20_000)).count == 2)
        store.ingestScrape(scrape(16_000, [Sample(name: "a", value: 5), Sample(name: "b", value: 7)]), targetLabels: target)
        #expect(store.latest(b, at: t(16_000))?.v == 7)
        #expect(store.points(b, in: t(0)...t(20_000)).map(\.v) == [2, 7])
    }

    @Test func aFailedScrapeMarksEverySeriesOfTheLastOneStale() {
        var store = SeriesStore(retention: .minutes(60))
        store.ingestScrape(scrape(1000, [Sample(name: "a", value: 1), Sample(name: "b", labels: Labels([("k", "v")]), value: 2)]),
                           targetLabels: target)
        store.ingestScrape(failed(6000), targetLabels: target)
        #expect(store.latest(labelled("a"), at: t(6000)) == nil)
        #expect(store.latest(labelled("b", ["k": "v"]), at: t(7000)) == nil)
        #expect(store.latest(labelled("up"), at: t(6000))?.v == 0)
        #expect(store.latest(labelled("scrape_samples_scraped"), at: t(6000))?.v == 0)
        #expect(store.latest(labelled("scrape_duration_seconds"), at: t(6000))?.v == 10)
        #expect(store.latest(labelled("scrape_series_added"), at: t(6000))?.v == 0)
        #expect(store.trackedTargetCount == 0)
        // A second failure adds no more markers.
        store.ingestScrape(failed(11_000), targetLabels: target)
        #expect(store.pointsIncludingStale(labelled("a"), in: t(0)...t(20_000)).count == 2)
        // Recovery: everything is new again.
        store.ingestScrape(scrape(16_000, [Sample(name: "a", value: 9)]), targetLabels: target)
        #expect(store.latest(labelled("a"), at: t(16_000))?.v == 9)
        #expect(store.latest(labelled("up"), at: t(16_000))?.v == 1)
        #expect(store.latest(labelled("scrape_series_added"), at: t(16_000))?.v == 1)
    }

    @Test func syntheticSeriesCarryScrapeFacts() {
        var store = SeriesStore(retention: .minutes(60))
        let samples = [Sample(name: "a", value: 1), Sample(name: "b", value: 2), Sample(name: "c", labels: Labels([("x", "1")]), value: 3)]
        store.ingestScrape(scrape(1000, samples, duration: 1250), targetLabels: target)
        #expect(store.latest(labelled("up"), at: t(1000))?.v == 1)
        #expect(store.latest(labelled("scrape_duration_seconds"), at: t(1000))?.v == 1.25)
        #expect(store.latest(labelled("scrape_samples_scraped"), at: t(1000))?.v == 3)
        #expect(store.latest(labelled("scrape_series_added"), at: t(1000))?.v == 3)
        store.ingestScrape(scrape(6000, samples), targetLabels: target)
        #expect(store.latest(labelled("scrape_series_added"), at: t(6000))?.v == 0)
        store.ingestScrape(scrape(11_000, samples + [Sample(name: "d", value: 4)]), targetLabels: target)
        #expect(store.latest(labelled("scrape_series_added"), at: t(11_000))?.v == 1)
        #expect(store.latest(labelled("scrape_samples_scraped"), at: t(11_000))?.v == 4)
        #expect(store.names == ["a", "b", "c", "d", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added", "up"])
        // The synthetic series are never marked stale for the target's own series set.
        #expect(store.trackedSeriesCount(target: "api") == 4)
    }

    @Test func duplicateSeriesInOneScrapeKeepTheFirst() {
        var store = SeriesStore(retention: .minutes(60))
        let samples = [Sample(name: "a", value: 1), Sample(name: "a", value: 2),
                       Sample(name: "a", labels: Labels([("job", "other")]), value: 3),   // becomes exported_job: distinct
                       Sample(name: "a", labels: Labels([("z", "")]), value: 4)]          // empty label: same as plain "a"
        store.ingestScrape(scrape(1000, samples), targetLabels: target)
        #expect(store.duplicateSamples == 2)
        #expect(store.rejectedOutOfOrder == 0)
        #expect(store.latest(labelled("a"), at: t(1000))?.v == 1)
        #expect(store.latest(labelled("a", ["exported_job": "other"]), at: t(1000))?.v == 3)
        #expect(store.latest(labelled("scrape_samples_scraped"), at: t(1000))?.v == 4)
        #expect(store.latest(labelled("scrape_series_added"), at: t(1000))?.v == 2)
    }

    @Test func outOfOrderSamplesAreRejectedAndStaleMarkersGoingBackAreDropped() {
        var store = SeriesStore(retention: .minutes(60))
        store.ingestScrape(scrape(5000, [Sample(name: "a", value: 1), Sample(name: "b", value: 1)]), targetLabels: target)
        // Scrape time going backwards: every sample is rejected and counted (the synthetic too).
        store.ingestScrape(scrape(4000, [Sample(name: "a", value: 2)]), targetLabels: target)
        #expect(store.rejectedOutOfOrder == 1 + 4)
        // b's stale marker at 4000 would go back in time: dropped silently, as in Prometheus.
        #expect(store.pointsIncludingStale(labelled("b"), in: t(0)...t(10_000)).count == 1)
        #expect(store.latest(labelled("a"), at: t(5000))?.v == 1)
    }

    @Test func samplesWithTheirOwnTimestampsAreNotTrackedForStaleness() {
        var store = SeriesStore(retention: .minutes(60))
        store.ingestScrape(scrape(5000, [Sample(name: "a", value: 1, timestamp: t(4500)), Sample(name: "b", value: 1)]),
                           targetLabels: target)
        store.ingestScrape(scrape(10_000, []), targetLabels: target)
        #expect(store.pointsIncludingStale(labelled("a"), in: t(0)...t(20_000)).count == 1)
        #expect(store.pointsIncludingStale(labelled("b"), in: t(0)...t(20_000)).last?.isStale == true)
    }

    @Test func targetsAreIndependent() {
        var store = SeriesStore(retention: .minutes(60))
        let other = Labels([("job", "api"), ("instance", "h:2")])
        store.ingestScrape(scrape(1000, [Sample(name: "a", value: 1)]), targetLabels: target)
        store.ingestScrape(scrape(1000, [Sample(name: "a", value: 1)], target: "api2"), targetLabels: other)
        store.ingestScrape(failed(6000, target: "api2"), targetLabels: other)
        #expect(store.latest(labelled("a"), at: t(6000))?.v == 1)
        #expect(store.latest(key("a", ["job": "api", "instance": "h:2"]), at: t(6000)) == nil)
        #expect(store.latest(key("up", ["job": "api", "instance": "h:2"]), at: t(6000))?.v == 0)
        #expect(store.latest(labelled("up"), at: t(1000))?.v == 1)
    }

    @Test func bookkeepingIsDroppedWithTheSeries() {
        var store = SeriesStore(retention: .seconds(10))
        let samples = (0..<50).map { Sample(name: "s", labels: Labels([("i", "\($0)")]), value: 1) }
        store.ingestScrape(scrape(1000, samples), targetLabels: target)
        #expect(store.trackedSeriesCount(target: "api") == 50)
        store.ingestScrape(scrape(6000, Array(samples.prefix(10))), targetLabels: target)
        #expect(store.trackedSeriesCount(target: "api") == 10)
        store.expire(before: t(100_000))
        #expect(store.seriesCount == 0)
        #expect(store.trackedTargetCount == 0)
    }

    @Test func aReusedSlotIsNotMistakenForTheSeriesThatHeldIt() {
        // Two targets with no target labels report the same series; it is dropped, its slot goes
        // to a new series, and the first target's next scrape must not mark the new one stale.
        var store = SeriesStore(retention: .seconds(10))
        store.ingestScrape(scrape(1000, [Sample(name: "shared", value: 1)], target: "x"), targetLabels: Labels())
        store.ingestScrape(scrape(2000, [Sample(name: "shared", value: 1)], target: "y"), targetLabels: Labels())
        store.append(key("shared"), Point(t: t(3000), v: 1))
        store.expire(olderThan: t(50_000))
        #expect(store.seriesCount == 0)
        // Enough new series to take every freed slot, the shared series' one included.
        for i in 0..<5 { store.append(key("newcomer", ["i": "\(i)"]), Point(t: t(60_000), v: 5)) }
        store.ingestScrape(scrape(61_000, [], target: "x"), targetLabels: Labels())
        for i in 0..<5 {
            let k = key("newcomer", ["i": "\(i)"])
            #expect(store.pointsIncludingStale(k, in: t(0)...t(100_000)) == [Point(t: t(60_000), v: 5)])
            #expect(store.latest(k, at: t(61_000))?.v == 5)
        }
    }
}
