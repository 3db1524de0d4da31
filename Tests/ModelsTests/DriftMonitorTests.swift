import Models
import Telemetry
import Testing

/// Drift over the series store: window increases, counter resets, the three kinds of reference,
/// and the inputs that must give a reason instead of a number.
@Suite struct DriftMonitorTests {
    static let bounds = ["0.25", "0.5", "0.75", "+Inf"]
    /// Per-scrape increments of each bin (not cumulative) before and after the shift at 20 min.
    static let before: [Double] = [3, 2, 1, 0]
    static let after: [Double] = [1, 2, 3, 1]
    static let t0 = Timestamp(milliseconds: 1_700_000_000_000)

    static func at(_ seconds: Int64) -> Timestamp { t0 + .seconds(seconds) }

    /// `prediction_score` of job "fraud", scraped every 15 s from 0 to `until` seconds: the
    /// value at 0 is 0, every later scrape adds `before` (up to 20 min) or `after` per bin.
    /// `restartAt`: the counters start again from 0 at that scrape (a process restart).
    static func store(until: Int64 = 1800, restartAt: Int64? = nil, instances: [String] = ["a:9000"],
                      edit: (Int64, inout [Double]) -> Void = { _, _ in }) -> SeriesStore {
        var store = SeriesStore(retention: .minutes(24 * 60))
        var bins = [Double](repeating: 0, count: bounds.count)
        var t: Int64 = 0
        while t <= until {
            if t > 0 {
                if t == restartAt { bins = bins.map { _ in 0 } }
                let inc = t <= 1200 ? before : after
                for i in bins.indices { bins[i] += inc[i] }
            }
            var cumulative: [Double] = []
            var sum = 0.0
            for b in bins { sum += b; cumulative.append(sum) }
            edit(t, &cumulative)
            for instance in instances {
                for (i, le) in bounds.enumerated() {
                    let key = SeriesKey(name: "prediction_score_bucket",
                                        labels: Labels(["job": "fraud", "instance": instance, "model": "m", "le": le]))
                    store.append(key, Point(t: at(t), v: cumulative[i]))
                }
            }
            t += 15
        }
        return store
    }

    static func expected(_ ref: [Double], times r: Double, _ cur: [Double], times c: Double,
                         minimumCount: Double = 100) throws -> DriftStatistics {
        func cumulative(_ bins: [Double], _ k: Double) -> [(upperBound: Double, count: Double)] {
            var sum = 0.0
            return zip([0.25, 0.5, 0.75, Double.infinity], bins).map { b, x in sum += x * k; return (upperBound: b, count: sum) }
        }
        let outcome = DriftMath.compare(reference: try HistogramBuckets.validate(bounds: cumulative(ref, r)),
                                        current: try HistogramBuckets.validate(bounds: cumulative(cur, c)),
                                        minimumCount: minimumCount)
        return try #require(outcome.statistics)
    }

    @Test func currentWindowAgainstTheSameWindowEarlier() throws {
        let store = Self.store()
        let results = DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                           window: .minutes(10), reference: .offset(.minutes(20)))
        #expect(results.count == 1)
        let r = try #require(results.first)
        #expect(r.metric == "prediction_score")
        #expect(r.labels == Labels(["job": "fraud", "instance": "a:9000", "model": "m"]))
        #expect(r.currentWindow == DriftWindow(start: Self.at(1200), end: Self.at(1800)))
        #expect(r.referenceWindow == DriftWindow(start: Self.at(0), end: Self.at(600)))
        // 40 scrapes in each window, measured from the sample at the window's start.
        let s = try #require(r.statistics)
        #expect(s == (try Self.expected(Self.before, times: 40, Self.after, times: 40)))
        #expect(s.referenceCount == 240 && s.currentCount == 280)
        #expect(s.psi > 0.25)
        // With the `_bucket` suffix and a label filter: the same.
        #expect(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score_bucket", labels: ["model": "m"],
                                     at: Self.at(1800), window: .minutes(10), reference: .offset(.minutes(20))) == results)
        #expect(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", labels: ["model": "other"],
                                     at: Self.at(1800), window: .minutes(10), reference: .offset(.minutes(20))).isEmpty)
        #expect(DriftMonitor.histogramMetrics(in: store, job: "fraud") == ["prediction_score"])
        #expect(DriftMonitor.histogramMetrics(in: store, job: "other").isEmpty)
    }

    @Test func noDriftBetweenTwoWindowsOfTheSamePhase() throws {
        let results = DriftMonitor.compare(store: Self.store(), job: "fraud", metric: "prediction_score",
                                           at: Self.at(1200), window: .minutes(5), reference: .offset(.minutes(10)))
        let s = try #require(results.first?.statistics)
        #expect(s.psi == 0 && s.ks == 0 && s.jsDistance == 0 && s.wasserstein == 0)
    }

    @Test func counterResetInTheWindowIsHandled() throws {
        let store = Self.store(restartAt: 1500)
        let r = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                  window: .minutes(10), reference: .offset(.minutes(20))).first)
        // After the restart the scrape at 1500 s reports one scrape's increments: the same totals.
        #expect(r.statistics == (try Self.expected(Self.before, times: 40, Self.after, times: 40)))
    }

    @Test func aResetOnlySomeBucketsShowIsNotANumber() throws {
        // At 1500 s only the le="0.5" bucket drops to a small value: the buckets' increases no
        // longer add up.
        let store = Self.store { t, cumulative in
            if t == 1500 { cumulative[1] = 1 }
        }
        let r = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                  window: .minutes(10), reference: .offset(.minutes(20))).first)
        let p = try #require(r.problem)
        #expect(p.side == .current)
        #expect(p.kind == .inconsistentReset || p.kind == .bucketsGoBackwards)
        #expect(r.statistics == nil)
    }

    @Test func afterDeployReference() throws {
        let store = Self.store()
        // Deploy at 5 min: reference (5m, 15m] (all `before`), current (20m, 30m].
        let r = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                  window: .minutes(10), reference: .afterDeploy(Self.at(300))).first)
        #expect(r.referenceWindow == DriftWindow(start: Self.at(300), end: Self.at(900)))
        #expect(r.statistics == (try Self.expected(Self.before, times: 40, Self.after, times: 40)))
        // Deploy at 15 min: the reference is cut short where the current window begins (20 min).
        let short = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score",
                                                      at: Self.at(1800), window: .minutes(10),
                                                      reference: .afterDeploy(Self.at(900))).first)
        #expect(short.referenceWindow == DriftWindow(start: Self.at(900), end: Self.at(1200)))
        #expect(short.statistics?.referenceCount == 120)
        // Deploy at 25 min: no reference yet.
        let tooRecent = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score",
                                                          at: Self.at(1800), window: .minutes(10),
                                                          reference: .afterDeploy(Self.at(1500))).first)
        #expect(tooRecent.problem?.kind == .noReference)
        #expect(tooRecent.problem?.description
                    == "cannot compute: reference: the deploy 5m ago is inside the current 10m window: no reference window after it yet")
    }

    @Test func pinnedBaselineFile() throws {
        let text = """
            # TYPE prediction_score histogram
            prediction_score_bucket{model="m",le="0.25"} 3000
            prediction_score_bucket{model="m",le="0.5"} 5000
            prediction_score_bucket{model="m",le="0.75"} 6000
            prediction_score_bucket{model="m",le="+Inf"} 6000
            prediction_score_sum{model="m"} 1500
            prediction_score_count{model="m"} 6000
            prediction_score_bucket{le="0.25"} 1
            prediction_score_bucket{le="0.5"} 1
            prediction_score_bucket{le="0.75"} 1
            prediction_score_bucket{le="+Inf"} 1

            """
        let baseline = DriftBaseline(name: "baseline.prom", families: try TextFormatParser.parse(text))
        #expect(baseline.series.count == 2)
        let store = Self.store()
        let r = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                  window: .minutes(10), reference: .baseline(baseline)).first)
        // The most specific baseline series ({model="m"}) matches the scraped one (which also has
        // job and instance); its counts are absolute: 1000 × `before`.
        #expect(r.referenceWindow == nil)
        #expect(r.statistics == (try Self.expected(Self.before, times: 1000, Self.after, times: 40)))

        let other = DriftBaseline(name: "other.prom", families: try TextFormatParser.parse("""
            # TYPE prediction_score histogram
            prediction_score_bucket{model="z",le="+Inf"} 1

            """))
        let none = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                     reference: .baseline(other)).first)
        #expect(none.problem?.description == "cannot compute: reference: no series of prediction_score in other.prom matches these labels")

        let broken = DriftBaseline(name: "broken.prom", families: try TextFormatParser.parse("""
            # TYPE prediction_score histogram
            prediction_score_bucket{model="m",le="0.25"} 10
            prediction_score_bucket{model="m",le="0.5"} 5

            """))
        let p = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                  reference: .baseline(broken)).first?.problem)
        #expect(p.side == .reference)
        #expect(p.kind == .missingInfBucket)
    }

    @Test func tooFewObservationsInAWindow() throws {
        let r = try #require(DriftMonitor.compare(store: Self.store(), job: "fraud", metric: "prediction_score",
                                                  at: Self.at(1800), window: .minutes(1), reference: .offset(.minutes(20))).first)
        // 4 scrapes: 28 observations now, 24 before.
        #expect(r.problem?.kind == .tooFewObservations)
        #expect(DriftMonitor.compare(store: Self.store(), job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                     window: .minutes(1), reference: .offset(.minutes(20)), minimumCount: 10).first?.statistics != nil)
    }

    @Test func aWindowWithoutSamples() throws {
        let r = try #require(DriftMonitor.compare(store: Self.store(until: 600), job: "fraud", metric: "prediction_score",
                                                  at: Self.at(1800), window: .minutes(10), reference: .offset(.minutes(20))).first)
        #expect(r.problem?.kind == .noData)
        #expect(r.problem?.side == .current)
    }

    @Test func missingInfBucketAndNaNInTheStore() throws {
        var store = Self.store()
        // Another model whose exporter forgot +Inf.
        for t in stride(from: Int64(0), through: 1800, by: 15) {
            for (le, v) in [("0.5", Double(t)), ("1", Double(2 * t))] {
                store.append(SeriesKey(name: "prediction_score_bucket", labels: Labels(["job": "fraud", "model": "noinf", "le": le])),
                             Point(t: Self.at(t), v: v))
            }
        }
        let results = DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                           reference: .offset(.minutes(20)))
        #expect(results.count == 2)
        let noInf = try #require(results.first { $0.labels["model"] == "noinf" })
        #expect(noInf.problem?.kind == .missingInfBucket)
        #expect(noInf.problem?.side == .current)
        #expect(results.first { $0.labels["model"] == "m" }?.statistics != nil)

        let nan = Self.store { t, cumulative in if t == 1695 { cumulative[0] = .nan } }
        let r = try #require(DriftMonitor.compare(store: nan, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                  reference: .offset(.minutes(20))).first)
        #expect(r.problem?.kind == .nonFiniteCount)
    }

    @Test func bucketsThatGoBackwardsEvenWhenNothingMoves() throws {
        var store = SeriesStore(retention: .minutes(60))
        for t in stride(from: Int64(0), through: 1800, by: 15) {
            for (le, v) in [("0.5", 10.0), ("1", 8.0), ("+Inf", 12.0)] {
                store.append(SeriesKey(name: "h_bucket", labels: Labels(["job": "j", "le": le])), Point(t: Self.at(t), v: v))
            }
        }
        let p = try #require(DriftMonitor.compare(store: store, job: "j", metric: "h", at: Self.at(1800),
                                                  reference: .offset(.minutes(20))).first?.problem)
        #expect(p.kind == .bucketsGoBackwards)
        #expect(p.side == .current)
    }

    @Test func theRightNameWithTheWrongType() throws {
        var store = SeriesStore(retention: .minutes(60))
        store.append(SeriesKey(name: "prediction_score", labels: Labels(["job": "fraud"])), Point(t: Self.at(0), v: 0.3))
        let r = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(60),
                                                  reference: .dayBefore).first)
        #expect(r.problem?.kind == .notAHistogram)
        #expect(DriftMonitor.compare(store: store, job: "fraud", metric: "absent", at: Self.at(60), reference: .weekBefore).isEmpty)
    }

    @Test func windowIncreaseCountsResets() throws {
        let pts = [Point(t: Self.at(0), v: 5), Point(t: Self.at(15), v: 9), Point(t: Self.at(30), v: 2), Point(t: Self.at(45), v: 6)]
        let r = try DriftMonitor.windowIncrease(pts[...])
        #expect(r.increase == 4 + 2 + 4)
        #expect(r.sawReset)
        #expect(throws: DriftProblem.self) { try DriftMonitor.windowIncrease([Point(t: Self.at(0), v: -1), Point(t: Self.at(1), v: 2)][...]) }
    }

    @Test func replicasSummedWithIgnoring() throws {
        let store = Self.store(instances: ["a:9000", "b:9000"])
        let each = DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                        reference: .offset(.minutes(20)))
        #expect(each.map { $0.labels["instance"] } == ["a:9000", "b:9000"])
        let summed = DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                          reference: .offset(.minutes(20)), ignoring: ["instance"])
        #expect(summed.count == 1)
        #expect(summed.first?.labels == Labels(["job": "fraud", "model": "m"]))
        #expect(summed.first?.statistics == (try Self.expected(Self.before, times: 80, Self.after, times: 80)))

        // A replica with other buckets cannot be added in.
        var mixed = store
        for t in stride(from: Int64(0), through: 1800, by: 15) {
            for (le, v) in [("0.5", Double(t)), ("+Inf", Double(2 * t))] {
                mixed.append(SeriesKey(name: "prediction_score_bucket",
                                       labels: Labels(["job": "fraud", "instance": "c:9000", "model": "m", "le": le])),
                             Point(t: Self.at(t), v: v))
            }
        }
        let p = try #require(DriftMonitor.compare(store: mixed, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                  reference: .offset(.minutes(20)), ignoring: ["instance"]).first?.problem)
        #expect(p.kind == .layoutMismatch)
        #expect(p.side == .current)

        // A baseline with a label that is ignored (the version it was taken from) still matches,
        // and its series with that label set are summed.
        let baseline = DriftBaseline(name: "v6.prom", families: try TextFormatParser.parse("""
            # TYPE prediction_score histogram
            prediction_score_bucket{model="m",version="6",le="0.25"} 3000
            prediction_score_bucket{model="m",version="6",le="0.5"} 5000
            prediction_score_bucket{model="m",version="6",le="0.75"} 6000
            prediction_score_bucket{model="m",version="6",le="+Inf"} 6000

            """))
        let b = try #require(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                                  reference: .baseline(baseline), ignoring: ["instance", "version"]).first)
        #expect(b.statistics == (try Self.expected(Self.before, times: 1000, Self.after, times: 80)))
        #expect(DriftMonitor.compare(store: store, job: "fraud", metric: "prediction_score", at: Self.at(1800),
                                     reference: .baseline(baseline)).first?.problem?.kind == .noReference)
    }
}
