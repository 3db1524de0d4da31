import Dashboard
import Models
import Telemetry
import TerminalUI
import Testing

@Suite struct ReducerTests {
    let targets = [
        ScrapeTarget(name: "a", url: "http://127.0.0.1:1/metrics", interval: .seconds(15), timeout: .seconds(5)),
        ScrapeTarget(name: "b", url: "file:///tmp/b.prom", interval: .seconds(30), timeout: .seconds(5)),
    ]
    let t0 = Timestamp(milliseconds: 1_000_000)

    @Test func startScrapesEveryTargetAndSchedulesTheNext() {
        var state = State(mode: .live, targets: targets)
        let effects = reduce(&state, .started(at: t0))
        #expect(effects.contains(.scrape(targets[0])))
        #expect(effects.contains(.scrape(targets[1])))
        // The next scrape waits for the target's phase: within one interval, the same every run.
        for target in targets {
            let next = effects.compactMap { effect -> Milliseconds? in
                if case .schedule(let after, .scrapeDue(target.name, 0)) = effect { return after }
                return nil
            }
            #expect(next.count == 1)
            #expect(next.allSatisfy { $0.value > 0 && $0 <= target.interval }, "\(target.name): \(next)")
            #expect((t0.milliseconds + next[0].value - target.phase.value) % target.interval.value == 0)
        }
        #expect(effects.contains(.schedule(after: .seconds(1), .tick)))
        #expect(!effects.contains(.readLogs), "no log sources configured")
        #expect(state.now == t0)
    }

    @Test func phasesSpreadTargetsAcrossTheInterval() {
        let many = (0..<200).map { ScrapeTarget(name: "t\($0)", url: "http://127.0.0.1:\(9000 + $0)/metrics", interval: .seconds(10)) }
        let phases = Set(many.map { $0.phase.value / 1000 })
        #expect(phases.count == 10, "200 targets land in every second of a 10 s interval")
        #expect(many[0].phase == ScrapeTarget(name: "t0", url: "http://127.0.0.1:9000/metrics", interval: .seconds(10)).phase)
    }

    @Test func aScrapeStillRunningIsNotStartedAgain() {
        var state = State(mode: .live, targets: targets)
        _ = reduce(&state, .started(at: t0))
        let effects = reduce(&state, .timerFired(.scrapeDue(target: "a"), at: t0 + .seconds(15)))
        #expect(!effects.contains(.scrape(targets[0])))
        #expect(effects.contains(.schedule(after: .seconds(15), .scrapeDue(target: "a"))))
        let done = ScrapeResult(target: "a", startedAt: t0, duration: Milliseconds(20), outcome: .success([]))
        _ = reduce(&state, .scrapeCompleted(done))
        let next = reduce(&state, .timerFired(.scrapeDue(target: "a"), at: t0 + .seconds(30)))
        #expect(next.contains(.scrape(targets[0])))
    }

    @Test func aMalformedScrapeMarksTheTargetDownWithLineAndColumnAndKeepsRunning() {
        var state = State(mode: .live, targets: targets)
        _ = reduce(&state, .started(at: t0))
        let error = ExpositionError(line: 3, column: 7, message: "expected a value")
        let result = ScrapeResult(target: "a", startedAt: t0, duration: Milliseconds(5), outcome: .failure(.parse(error)))
        let effects = reduce(&state, .scrapeCompleted(result))
        #expect(effects.isEmpty)
        #expect(state.target(named: "a")?.health == .down)
        #expect(state.target(named: "a")?.lastError?.description.contains("3:7") == true)
        #expect(!state.quitting)
        #expect(state.timeline.events.contains { $0.kind == .targetDown && $0.summary.contains("3:7") })
        // The alert waits out its `for` duration before firing.
        _ = reduce(&state, .scrapeCompleted(ScrapeResult(target: "a", startedAt: t0 + .seconds(15), duration: Milliseconds(5), outcome: .failure(.parse(error)))))
        #expect(state.alerts.first { $0.name == "TargetDown" }?.state == .pending)
        _ = reduce(&state, .scrapeCompleted(ScrapeResult(target: "a", startedAt: t0 + .seconds(31), duration: Milliseconds(5), outcome: .failure(.parse(error)))))
        #expect(state.alerts.first { $0.name == "TargetDown" }?.state == .firing)
    }

    @Test func everyScrapeRecordsUpAndStaleMarkersLikePrometheus() throws {
        var state = State(mode: .live, targets: targets)
        _ = reduce(&state, .started(at: t0))
        let family = MetricFamily(name: "m", type: .gauge, samples: [Sample(name: "m", labels: Labels(["k": "v"]), value: 7)])
        _ = reduce(&state, .scrapeCompleted(ScrapeResult(target: "a", startedAt: t0, duration: Milliseconds(40), outcome: .success([family]))))
        let up = try #require(state.store.series(named: "up") { $0["job"] == "a" }.first)
        #expect(up.labels["instance"] == "127.0.0.1:1")
        #expect(state.store.latest(up, at: t0)?.v == 1)
        let duration = try #require(state.store.series(named: "scrape_duration_seconds").first)
        #expect(state.store.latest(duration, at: t0)?.v == 0.04)
        let m = try #require(state.store.series(named: "m").first)
        #expect(state.store.latest(m, at: t0)?.v == 7)

        let t1 = t0 + .seconds(15)
        let error = ExpositionError(line: 1, column: 1, message: "bad")
        _ = reduce(&state, .scrapeCompleted(ScrapeResult(target: "a", startedAt: t1, duration: Milliseconds(5), outcome: .failure(.parse(error)))))
        #expect(state.store.latest(up, at: t1)?.v == 0)
        #expect(state.store.latest(m, at: t1) == nil, "a failed scrape marks the target's series stale")
    }

    @Test func aReloadKeepsHistoryAndRestartsOnlyWhatChanged() throws {
        var state = State(mode: .live, targets: targets)
        _ = reduce(&state, .started(at: t0))
        let family = MetricFamily(name: "m", type: .gauge, samples: [Sample(name: "m", value: 1)])
        _ = reduce(&state, .scrapeCompleted(ScrapeResult(target: "a", startedAt: t0, duration: Milliseconds(4), outcome: .success([family]))))
        let points = state.store.pointCount
        var config = AppConfig(targets: [targets[0], ScrapeTarget(name: "c", url: "http://127.0.0.1:3/metrics", interval: .seconds(5))])
        config.retention = .minutes(30)
        let effects = reduce(&state, .configReloaded(config, at: t0 + .seconds(2)))
        #expect(state.targets.map(\.target.name) == ["a", "c"])
        #expect(state.target(named: "a")?.health == .up, "a kept target keeps its health")
        #expect(state.store.pointCount == points, "history kept")
        #expect(effects.contains(.scrape(config.targets[1])), "a new target is scraped at once")
        #expect(!effects.contains(.scrape(targets[0])))
        // The old timer chain of `a` is dead; the new one lives.
        #expect(reduce(&state, .timerFired(.scrapeDue(target: "a", generation: 0), at: t0 + .seconds(15))).isEmpty)
        #expect(!reduce(&state, .timerFired(.scrapeDue(target: "a", generation: 1), at: t0 + .seconds(15))).isEmpty)
        #expect(reduce(&state, .timerFired(.scrapeDue(target: "b", generation: 0), at: t0 + .seconds(30))).isEmpty, "removed")
        #expect(state.bannerText?.contains("config reloaded") == true)
        _ = reduce(&state, .configReloadFailed("mw.yaml:3:1: bad", at: t0 + .seconds(20)))
        #expect(state.bannerText?.contains("mw.yaml:3:1") == true)
        #expect(state.targets.count == 2, "the running config stays")
    }

    @Test func onlyQQuits() {
        var state = State(mode: .live, targets: targets)
        for key: Key in [.character("x"), .enter, .escape, .character("Q"), .ctrl("q")] {
            #expect(!reduce(&state, .keyPressed(key)).contains(.quit), "\(key)")
        }
        #expect(reduce(&state, .keyPressed(.character("q"))) == [.quit])
        #expect(state.quitting)
    }

    @Test func helpOpensAndClosesAndSwallowsNavigation() {
        var state = State(mode: .live, targets: targets)
        _ = reduce(&state, .keyPressed(.character("?")))
        #expect(state.ui.showHelp)
        _ = reduce(&state, .keyPressed(.enter))
        #expect(state.ui.screen == .overview)
        _ = reduce(&state, .keyPressed(.escape))
        #expect(!state.ui.showHelp)
        _ = reduce(&state, .keyPressed(.character("?")))
        _ = reduce(&state, .keyPressed(.character("?")))
        #expect(!state.ui.showHelp)
    }

    @Test func everyBindingHasHelpTextAndNoKeyIsBoundTwiceInOneContext() {
        for binding in KeyMap.bindings { #expect(!binding.help.isEmpty) }
        for context in KeyBinding.Context.allCases {
            let keys = KeyMap.bindings.filter { $0.context == context }.flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "\(context)")
        }
    }
}
