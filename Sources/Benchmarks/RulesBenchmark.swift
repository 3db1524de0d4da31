import Foundation
import PromQL
import Telemetry

/// 500 alerting-rule expressions over 50,000 series: the cost of one evaluation cycle.
/// Goal (issue 4): under 100 ms per cycle in release.
enum RulesBenchmark {
    static let models = 250
    static let seriesPerModel = 200  // 250 × 200 = 50,000
    static let step: Int64 = 15_000
    static let history: Int64 = 10 * 60_000

    static func run() async throws {
        var store = SeriesStore(retention: .minutes(60))
        let start: Int64 = 1_795_921_200_000
        let buckets = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
        // Per model: 12 buckets × 8 instances (96), requests by 8 codes × 12 instances (96), 8 gauges.
        var keys: [(SeriesKey, kind: Int)] = []
        for m in 0..<models {
            let model = "model-\(m)"
            for instance in 0..<8 {
                for le in buckets {
                    keys.append((SeriesKey(name: "request_duration_seconds_bucket",
                                           labels: Labels(["model": model, "instance": "i\(instance)", "le": le])), 0))
                }
            }
            for instance in 0..<12 {
                for code in ["200", "201", "204", "400", "404", "429", "500", "503"] {
                    keys.append((SeriesKey(name: "requests_total", labels: Labels(["model": model, "instance": "i\(instance)", "code": code])), 1))
                }
            }
            for instance in 0..<8 {
                keys.append((SeriesKey(name: "queue_depth", labels: Labels(["model": model, "instance": "i\(instance)"])), 2))
            }
        }
        precondition(keys.count == models * seriesPerModel)
        var t = start
        var value = [Double](repeating: 0, count: keys.count)
        while t <= start + history {
            for (i, (key, kind)) in keys.enumerated() {
                switch kind {
                case 2: value[i] = Double((i &* 7 &+ Int(t / step)) % 50)
                default: value[i] += Double((i % 5) + 1)
                }
                store.append(key, Point(t: Timestamp(milliseconds: t), v: value[i]))
            }
            t += step
        }
        let at = Timestamp(milliseconds: start + history)

        var rules: [String] = []
        for r in 0..<500 {
            let model = "model-\(r % models)"
            switch r % 4 {
            case 0: rules.append("histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket{model=\"\(model)\"}[5m]))) > 0.5")
            case 1: rules.append("sum(rate(requests_total{model=\"\(model)\",code=~\"5..\"}[5m])) / sum(rate(requests_total{model=\"\(model)\"}[5m])) > 0.05")
            case 2: rules.append("max by (instance) (queue_depth{model=\"\(model)\"}) > 40")
            default: rules.append("sum by (model) (rate(requests_total{model=\"\(model)\"}[1m])) < 1")
            }
        }
        let engine = Engine()
        let parsed = try rules.map { try Parser.parse($0) }
        var cycles: [Double] = []
        var results = 0
        for _ in 0..<7 {
            let began = ContinuousClock.now
            results = 0
            for expr in parsed {
                if case .vector(let v) = try engine.instantQuery(expr, store: store, at: at).value { results += v.count }
            }
            let elapsed = ContinuousClock.now - began
            cycles.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        cycles.sort()
        let median = cycles[cycles.count / 2]
        print("series: \(store.seriesCount), samples: \(store.pointCount), rules: \(rules.count), alerting series returned: \(results)")
        print("one evaluation cycle: median \(String(format: "%.1f", median)) ms, min \(String(format: "%.1f", cycles.first!)) ms (7 cycles)  (goal: < 100 ms) \(median < 100 ? "met" : "NOT met")")
    }
}
