import Dashboard
import Foundation
import Sources
import Telemetry
import TerminalUI

/// A session without a terminal, for `snapshot` and `query`: the demo on virtual time, or the
/// configured targets scraped for real.
enum HeadlessSession {
    /// The fixed virtual start of demo sessions, so that their clocks read the same every run.
    static let demoEpoch = Timestamp(milliseconds: 1_795_921_200_000)  // 2026-11-29 03:00:00Z

    /// The state after `duration`: instant and deterministic for the demo; for a config,
    /// `duration` of real scraping (at least one round of every target).
    static func run(_ launch: Launch, size: Size, duration: Milliseconds) -> State {
        for error in launch.ruleErrors {
            FileHandle.standardError.write(Data("modelwatch: rule file error: \(Sanitizer.visible(error))\n".utf8))
        }
        if launch.mode == .demo {
            var runtime = VirtualRuntime(state: launch.makeState(size: size), start: demoEpoch,
                                         performer: DemoPerformer(start: demoEpoch))
            runtime.start()
            runtime.advance(by: duration)
            return runtime.state
        }
        let clock = SystemClock()
        let runtime = LiveRuntime(state: launch.makeState(size: size), clock: clock, scraper: Scraper(demo: nil), demo: nil)
        let start = clock.now()
        runtime.start()
        let timeout = launch.targets.map(\.timeout.value).max() ?? 10_000
        while true {
            runtime.pump()
            let elapsed = (clock.now() - start).value
            let allScraped = runtime.state.targets.allSatisfy { $0.lastScrape != nil && !$0.inFlight }
            if elapsed >= duration.value && allScraped { break }
            if elapsed >= duration.value + timeout + 1_000 { break }
            usleep(20_000)
        }
        return runtime.state
    }
}
