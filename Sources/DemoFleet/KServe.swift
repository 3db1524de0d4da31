/// A KServe Python model server (prometheus_client) behind Knative's queue-proxy, with KServe's
/// metric aggregation: one endpoint carries both the model server's and the queue-proxy's series.
/// credit-scorer's predictor also registers its own prometheus_client histograms of its input
/// features and scores (`CreditFeatureMonitor`), which appear among the model server's series.
struct KServeServer: Sendable {
    static let queueProxyBuckets: [Double] = [5, 10, 20, 40, 60, 80, 100, 150, 200, 250, 300, 350, 400, 450, 500,
                                              600, 700, 800, 900, 1000, 2000, 5000, 10000, 20000, 50000, 100000]

    var target: String
    var model: String
    var revision: String
    var pod: String
    var rate: Double
    var predictMedianMs: Double
    var sigma: Double
    var phase: Double
    /// kserve-credit writes JSON lines; kserve-churn KServe's default plain format.
    var jsonLogs: Bool

    var preprocess = Histogram(bounds: Histogram.pythonDefault)
    var predict = Histogram(bounds: Histogram.pythonDefault)
    var postprocess = Histogram(bounds: Histogram.pythonDefault)
    /// queue-proxy series by response code (a series appears once its code has been seen).
    var codes: [String] = []
    var requestCount: [String: Double] = [:]
    var latencies: [String: Histogram] = [:]
    /// The predictor's own feature and score histograms (credit-scorer only).
    var features: CreditFeatureMonitor?

    static let churn = KServeServer(target: "kserve-churn", model: "churn-predictor", revision: "churn-predictor-predictor-00007",
                                    pod: "churn-predictor-predictor-00007-deployment-6d8f9c7b5d-x2xkq",
                                    rate: 90, predictMedianMs: 9.5, sigma: 0.5, phase: 3.1, jsonLogs: false)
    static let credit = KServeServer(target: "kserve-credit", model: "credit-scorer", revision: "credit-scorer-predictor-00003",
                                     pod: "credit-scorer-predictor-00003-deployment-58b4c6d9f7-q7rzm",
                                     rate: 40, predictMedianMs: 20, sigma: 0.47, phase: 4.4, jsonLogs: true,
                                     features: CreditFeatureMonitor(model: "credit-scorer"))

    var source: String { Fleet.logSource(for: target) }
    var service: String { model + "-predictor" }

    /// One python-logging line, in this server's format.
    func line(_ elapsedMicros: Int64, _ level: String, _ logger: String, _ function: String, _ message: String) -> DemoLogLine {
        let text: String
        if jsonLogs {
            text = "{\"asctime\": \"\(VirtualWallClock.asctime(elapsedMicros: elapsedMicros, dot: false))\", \"levelname\": \"\(level)\", \"name\": \"\(logger)\", \"message\": \"\(jsonEscape(message))\"}"
        } else if logger == "kserve.trace" {
            text = "\(VirtualWallClock.asctime(elapsedMicros: elapsedMicros, dot: true)) \(logger) \(message)"
        } else {
            text = "\(VirtualWallClock.asctime(elapsedMicros: elapsedMicros, dot: true)) 1 \(logger) \(level) [\(function)] \(message)"
        }
        return DemoLogLine(source: source, elapsedMilliseconds: elapsedMicros / 1000, text: text)
    }

    func startupLogs(into lines: inout [DemoLogLine]) {
        lines.append(line(120_512, "INFO", "kserve", "register_model():363", "Registering model: \(model)"))
        lines.append(line(121_040, "INFO", "kserve", "start():167", "Setting max asyncio worker threads as 12"))
        lines.append(line(121_377, "INFO", "kserve", "serve():56", "Starting uvicorn with 1 workers"))
        lines.append(line(150_903, "INFO", "uvicorn.error", "startup():60", "Waiting for application startup."))
        lines.append(line(151_228, "INFO", "uvicorn.error", "startup():62", "Application startup complete."))
        lines.append(line(151_611, "INFO", "uvicorn.error", "_log_started_message():214", "Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)"))
    }

    /// One second of traffic. Returns the number of requests scored successfully (answered 200).
    @discardableResult
    mutating func step(second: Int64, rng: inout SplitMix64, logs: inout [DemoLogLine]) -> Int {
        let load = trafficWave(second: second, phase: phase)
        let n = drawRequestCount(rate: rate, load: load, rng: &rng)
        let c4 = min(n, rng.poisson(Double(n) * 0.0005))
        let c5 = min(n - c4, rng.poisson(Double(n) * 0.0008))
        let ok = n - c4 - c5
        let slow = 1 + 0.3 * max(0, load - 1)
        let base = second * 1_000_000

        let m = min(ok, 16)
        var traced = false
        for w in weights(total: ok, parts: m) {
            let pre = rng.logNormal(median: 0.0008, sigma: 0.35)
            let pred = rng.logNormal(median: predictMedianMs * slow / 1000, sigma: sigma)
            let post = rng.logNormal(median: 0.0004, sigma: 0.35)
            let totalMs = (pre + pred + post) * 1000 + rng.logNormal(median: 0.7, sigma: 0.3)
            preprocess.observe(pre, weight: w)
            predict.observe(pred, weight: w)
            postprocess.observe(post, weight: w)
            record(code: "200", latencyMs: totalMs, weight: w)
            if !traced && second % 2 == 0 {
                traced = true
                logs.append(line(base + Int64(rng.int(0, 999_999)), "INFO", "kserve.trace", "",
                                 "requestId: N.A., preprocess_ms: \(ms8(pre)), explain_ms: 0, predict_ms: \(ms8(pred)), postprocess_ms: \(ms8(post))"))
            }
        }
        for _ in 0..<c4 {
            let us = base + Int64(rng.int(0, 999_999))
            record(code: "400", latencyMs: rng.logNormal(median: 1.6, sigma: 0.3), weight: 1)
            logs.append(line(us, "INFO", "uvicorn.access", "send():476",
                             "10.244.\(rng.int(0, 3)).\(rng.int(2, 250)):\(rng.int(32_768, 60_999)) 1 - \"POST /v1/models/\(model):predict HTTP/1.1\" 400 Bad Request"))
        }
        for _ in 0..<c5 {
            let us = base + Int64(rng.int(0, 999_999))
            let pred = rng.logNormal(median: predictMedianMs / 1000, sigma: sigma)
            predict.observe(pred, weight: 1)
            record(code: "500", latencyMs: pred * 1000 + 1, weight: 1)
            logs.append(line(us, "ERROR", "kserve", "generic_exception_handler():108",
                             "Exception on /v1/models/\(model):predict: ValueError: Input X contains NaN."))
        }
        return ok
    }

    /// The predictor's feature and score observations for the `scored` requests of this second,
    /// from a generator of their own (nothing else this server draws depends on it).
    mutating func observeFeatures(second: Int64, scored: Int, rng: inout SplitMix64, logs: inout [DemoLogLine]) {
        guard var monitor = features else { return }
        for record in monitor.step(second: second, scored: scored, rng: &rng) {
            logs.append(line(record.elapsedMicros, record.level, CreditFeatureMonitor.logger, "", record.message))
        }
        features = monitor
    }

    private mutating func record(code: String, latencyMs: Double, weight: Int) {
        if requestCount[code] == nil {
            codes.append(code)
            codes.sort()
            requestCount[code] = 0
            latencies[code] = Histogram(bounds: KServeServer.queueProxyBuckets)
        }
        requestCount[code]! += Double(weight)
        latencies[code]!.observe(latencyMs, weight: weight)
    }

    func exposition() -> String {
        var w = DemoExpositionWriter(style: .python)
        let model = [("model_name", self.model)]
        w.family("request_preprocess_seconds", "histogram", "pre-process request latency")
        w.histogram("request_preprocess_seconds", model, preprocess)
        w.family("request_predict_seconds", "histogram", "predict request latency")
        w.histogram("request_predict_seconds", model, predict)
        w.family("request_postprocess_seconds", "histogram", "post-process request latency")
        w.histogram("request_postprocess_seconds", model, postprocess)
        features?.write(into: &w)

        // queue-proxy (Go, OpenCensus exporter): labels sorted, numbers in Go's %g.
        var q = DemoExpositionWriter(style: .go)
        func labels(_ code: String) -> [(String, String)] {
            [("configuration_name", service), ("container_name", "queue-proxy"), ("namespace_name", "models"),
             ("pod_name", pod), ("response_code", code), ("response_code_class", String(code.prefix(1)) + "xx"),
             ("revision_name", revision), ("service_name", service)]
        }
        guard !codes.isEmpty else { return w.text }  // OpenCensus prints nothing before the first request
        q.family("revision_app_request_count", "counter", "The number of requests that are routed to user-container")
        for code in codes { q.sample("revision_app_request_count", labels(code), requestCount[code] ?? 0) }
        q.family("revision_app_request_latencies", "histogram", "The response time in millisecond")
        for code in codes {
            if let h = latencies[code] { q.histogram("revision_app_request_latencies", labels(code), h) }
        }
        return w.text + q.text
    }
}

/// Seconds as milliseconds with eight decimals, as KServe's trace logger prints them.
private func ms8(_ seconds: Double) -> String {
    let v = Int64((seconds * 1000 * 100_000_000).rounded())
    let frac = String(v % 100_000_000)
    return "\(v / 100_000_000)." + String(repeating: "0", count: 8 - frac.count) + frac
}

private func jsonEscape(_ s: String) -> String {
    var out = ""
    for ch in s.unicodeScalars {
        switch ch {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if ch.value < 0x20 { out += "\\u00" + (ch.value < 0x10 ? "0" : "") + String(ch.value, radix: 16) } else { out.unicodeScalars.append(ch) }
        }
    }
    return out
}
