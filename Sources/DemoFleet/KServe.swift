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
    /// The queue-proxy of the revision that serves all traffic (or, during a canary, the rest of it).
    var queueProxy: QueueProxySeries
    /// The predictor's own feature and score histograms (credit-scorer only).
    var features: CreditFeatureMonitor?
    /// A canary rollout this server goes through each cycle (churn-predictor only).
    var canary: KServeCanary?

    init(target: String, model: String, revision: String, pod: String, rate: Double, predictMedianMs: Double,
         sigma: Double, phase: Double, jsonLogs: Bool, features: CreditFeatureMonitor? = nil, canary: KServeCanary? = nil) {
        self.target = target; self.model = model; self.revision = revision; self.pod = pod; self.rate = rate
        self.predictMedianMs = predictMedianMs; self.sigma = sigma; self.phase = phase; self.jsonLogs = jsonLogs
        self.queueProxy = QueueProxySeries(revision: revision, pod: pod)
        self.features = features; self.canary = canary
    }

    static let churn = KServeServer(target: "kserve-churn", model: "churn-predictor", revision: "churn-predictor-predictor-00007",
                                    pod: "churn-predictor-predictor-00007-deployment-6d8f9c7b5d-x2xkq",
                                    rate: 90, predictMedianMs: 9.5, sigma: 0.5, phase: 3.1, jsonLogs: false,
                                    canary: KServeCanary(revision: "churn-predictor-predictor-00008",
                                                         podPrefix: "churn-predictor-predictor-00008-deployment-7b9c5f8d6c-"))
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
    /// A server without a canary draws from `rng` only.
    @discardableResult
    mutating func step(second: Int64, rng: inout SplitMix64, logs: inout [DemoLogLine]) -> Int {
        var unused = SplitMix64(state: 0)
        return step(second: second, rng: &rng, canaryRng: &unused, logs: &logs)
    }

    /// One second of traffic, the canary's part (pod start and stop, its share of the requests)
    /// drawn from `canaryRng` alone: outside the canary's window `rng` sees exactly the draws it
    /// would see without a canary.
    @discardableResult
    mutating func step(second: Int64, rng: inout SplitMix64, canaryRng: inout SplitMix64, logs: inout [DemoLogLine]) -> Int {
        let load = trafficWave(second: second, phase: phase)
        var n = drawRequestCount(rate: rate, load: load, rng: &rng)
        var canaryScored = 0
        if var c = canary {
            let tc = Fleet.cycleSecond(second)
            if tc == c.podStartSecond { c.startPod(second: second, server: self, rng: &canaryRng, logs: &logs) }
            if tc == c.endSecond { c.stopPod(second: second, server: self, rng: &canaryRng, logs: &logs) }
            if c.serves(cycleSecond: tc), c.pod != nil {
                let routed = c.route(n, rng: &canaryRng)
                n -= routed
                canaryScored = serveCanary(&c, requests: routed, second: second, load: load, rng: &canaryRng, logs: &logs)
            }
            canary = c
        }
        return serveStable(requests: n, second: second, load: load, rng: &rng, logs: &logs) + canaryScored
    }

    /// The stable revision's requests of one second, as before there was a canary.
    private mutating func serveStable(requests n: Int, second: Int64, load: Double, rng: inout SplitMix64,
                                      logs: inout [DemoLogLine]) -> Int {
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
            queueProxy.record(code: "200", latencyMs: totalMs, weight: w)
            if !traced && second % 2 == 0 {
                traced = true
                logs.append(line(base + Int64(rng.int(0, 999_999)), "INFO", "kserve.trace", "",
                                 "requestId: N.A., preprocess_ms: \(ms8(pre)), explain_ms: 0, predict_ms: \(ms8(pred)), postprocess_ms: \(ms8(post))"))
            }
        }
        for _ in 0..<c4 {
            let us = base + Int64(rng.int(0, 999_999))
            queueProxy.record(code: "400", latencyMs: rng.logNormal(median: 1.6, sigma: 0.3), weight: 1)
            logs.append(line(us, "INFO", "uvicorn.access", "send():476",
                             "10.244.\(rng.int(0, 3)).\(rng.int(2, 250)):\(rng.int(32_768, 60_999)) 1 - \"POST /v1/models/\(model):predict HTTP/1.1\" 400 Bad Request"))
        }
        for _ in 0..<c5 {
            let us = base + Int64(rng.int(0, 999_999))
            let pred = rng.logNormal(median: predictMedianMs / 1000, sigma: sigma)
            predict.observe(pred, weight: 1)
            queueProxy.record(code: "500", latencyMs: pred * 1000 + 1, weight: 1)
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

    /// The canary revision's requests of one second: its own pod's queue-proxy, a slower predict
    /// and more server errors. The model server's histograms (labelled by model only) take its
    /// observations too: they stand for the model's predictor as a whole.
    private mutating func serveCanary(_ c: inout KServeCanary, requests n: Int, second: Int64, load: Double,
                                      rng: inout SplitMix64, logs: inout [DemoLogLine]) -> Int {
        guard var qp = c.pod, n > 0 else { return 0 }
        let c4 = min(n, rng.poisson(Double(n) * 0.0005))
        let c5 = min(n - c4, rng.poisson(Double(n) * c.serverErrorShare))
        let ok = n - c4 - c5
        let slow = 1 + 0.3 * max(0, load - 1)
        let base = second * 1_000_000
        var traced = false
        for w in weights(total: ok, parts: min(ok, 16)) {
            let pre = rng.logNormal(median: 0.0008, sigma: 0.35)
            let pred = rng.logNormal(median: predictMedianMs * c.latencyFactor * slow / 1000, sigma: sigma)
            let post = rng.logNormal(median: 0.0004, sigma: 0.35)
            let totalMs = (pre + pred + post) * 1000 + rng.logNormal(median: 0.7, sigma: 0.3)
            preprocess.observe(pre, weight: w)
            predict.observe(pred, weight: w)
            postprocess.observe(post, weight: w)
            qp.record(code: "200", latencyMs: totalMs, weight: w)
            if !traced && second % 2 == 1 {  // the stable pod traces on even seconds
                traced = true
                logs.append(line(base + Int64(rng.int(0, 999_999)), "INFO", "kserve.trace", "",
                                 "requestId: N.A., preprocess_ms: \(ms8(pre)), explain_ms: 0, predict_ms: \(ms8(pred)), postprocess_ms: \(ms8(post))"))
            }
        }
        for _ in 0..<c4 {
            let us = base + Int64(rng.int(0, 999_999))
            qp.record(code: "400", latencyMs: rng.logNormal(median: 1.6, sigma: 0.3), weight: 1)
            logs.append(line(us, "INFO", "uvicorn.access", "send():476",
                             "10.244.\(rng.int(0, 3)).\(rng.int(2, 250)):\(rng.int(32_768, 60_999)) 1 - \"POST /v1/models/\(model):predict HTTP/1.1\" 400 Bad Request"))
        }
        for _ in 0..<c5 {
            let us = base + Int64(rng.int(0, 999_999))
            let pred = rng.logNormal(median: predictMedianMs * c.latencyFactor / 1000, sigma: sigma)
            predict.observe(pred, weight: 1)
            qp.record(code: "500", latencyMs: pred * 1000 + 1, weight: 1)
            logs.append(line(us, "ERROR", "kserve", "generic_exception_handler():108",
                             "Exception on /v1/models/\(model):predict: \(c.serverError)"))
        }
        c.pod = qp
        return ok
    }

    /// The exposition at `now` (whole seconds): a canary pod that has gone, or is going at this
    /// very second, exports nothing.
    func exposition(now: Int64) -> String {
        var pods = [queueProxy]
        if let c = canary, c.serves(cycleSecond: Fleet.cycleSecond(now)), let qp = c.pod { pods.append(qp) }
        return exposition(queueProxies: pods)
    }

    func exposition() -> String { exposition(queueProxies: [queueProxy]) }

    private func exposition(queueProxies: [QueueProxySeries]) -> String {
        var w = DemoExpositionWriter(style: .python)
        let model = [("model_name", self.model)]
        w.family("request_preprocess_seconds", "histogram", "pre-process request latency")
        w.histogram("request_preprocess_seconds", model, preprocess)
        w.family("request_predict_seconds", "histogram", "predict request latency")
        w.histogram("request_predict_seconds", model, predict)
        w.family("request_postprocess_seconds", "histogram", "post-process request latency")
        w.histogram("request_postprocess_seconds", model, postprocess)
        features?.write(into: &w)

        // queue-proxy (Go, OpenCensus exporter): labels sorted, numbers in Go's %g. With two
        // revisions (a canary) the series of a family are sorted by their label values, as
        // client_golang's Gather sorts them: by pod_name first, then by response_code.
        var q = DemoExpositionWriter(style: .go)
        func labels(_ p: QueueProxySeries, _ code: String) -> [(String, String)] {
            [("configuration_name", service), ("container_name", "queue-proxy"), ("namespace_name", "models"),
             ("pod_name", p.pod), ("response_code", code), ("response_code_class", String(code.prefix(1)) + "xx"),
             ("revision_name", p.revision), ("service_name", service)]
        }
        let pods = queueProxies.filter { !$0.codes.isEmpty }.sorted { $0.pod < $1.pod }
        guard !pods.isEmpty else { return w.text }  // OpenCensus prints nothing before the first request
        q.family("revision_app_request_count", "counter", "The number of requests that are routed to user-container")
        for p in pods {
            for code in p.codes { q.sample("revision_app_request_count", labels(p, code), p.requestCount[code] ?? 0) }
        }
        q.family("revision_app_request_latencies", "histogram", "The response time in millisecond")
        for p in pods {
            for code in p.codes {
                if let h = p.latencies[code] { q.histogram("revision_app_request_latencies", labels(p, code), h) }
            }
        }
        return w.text + q.text
    }
}

/// The queue-proxy counters of one revision's pod: requests and latencies by response code (a
/// series appears once its code has been seen).
struct QueueProxySeries: Sendable {
    var revision: String
    var pod: String
    var codes: [String] = []
    var requestCount: [String: Double] = [:]
    var latencies: [String: Histogram] = [:]

    init(revision: String, pod: String) { self.revision = revision; self.pod = pod }

    mutating func record(code: String, latencyMs: Double, weight: Int) {
        if requestCount[code] == nil {
            codes.append(code)
            codes.sort()
            requestCount[code] = 0
            latencies[code] = Histogram(bounds: KServeServer.queueProxyBuckets)
        }
        requestCount[code]! += Double(weight)
        latencies[code]!.observe(latencyMs, weight: weight)
    }
}

/// A KServe canary rollout, as `canaryTrafficPercent: 20` on the InferenceService makes it: a new
/// predictor revision gets its own pod, Knative's route sends it 20% of the requests next to the
/// revision rolled out before, and setting the canary back (a rollback) routes everything to
/// the old revision again and the new revision's pod is scaled away.
///
/// Each cycle: the pod starts during `podStartSecond`, serves from `startSecond` until
/// `endSecond` (exclusive) and stops during `endSecond`. Each cycle's pod is a new pod, with a
/// new name, so its queue-proxy series start from zero.
struct KServeCanary: Sendable {
    var revision: String
    /// `<revision>-deployment-<pod-template-hash>-`; the pod's own five characters follow.
    var podPrefix: String
    var trafficShare = 0.2
    var startSecond: Int64 = 440
    var endSecond: Int64 = 560
    var podStartSecond: Int64 { startSecond - 1 }
    /// The canary's predict latency against the stable revision's. The p99 that histogram_quantile
    /// reads from the queue-proxy's buckets (…, 20, 40, 60 ms) comes out about 15% higher (about
    /// 38 -> 44 ms): the stable p99 sits inside the wide 20-40 ms bucket, which flattens smaller
    /// differences. The p99 of the drawn latencies themselves is about 28% higher (32 -> 41 ms).
    var latencyFactor = 1.3
    /// Share of the canary's requests answered 500 (the stable revision: 0.08%).
    var serverErrorShare = 0.015
    var serverError = "KeyError: 'days_since_last_login'"
    /// The running pod's queue-proxy counters, nil when there is no pod.
    var pod: QueueProxySeries?

    func serves(cycleSecond tc: Int64) -> Bool { tc >= startSecond && tc < endSecond }

    /// How many of `n` requests Knative routes to the canary (each one independently).
    func route(_ n: Int, rng: inout SplitMix64) -> Int {
        var k = 0
        for _ in 0..<n where rng.chance(trafficShare) { k += 1 }
        return k
    }

    /// The new revision's pod comes up and becomes ready: the model server's start-up lines.
    mutating func startPod(second: Int64, server: KServeServer, rng: inout SplitMix64, logs: inout [DemoLogLine]) {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        let suffix = String((0..<5).map { _ in alphabet[rng.int(0, alphabet.count - 1)] })
        pod = QueueProxySeries(revision: revision, pod: podPrefix + suffix)
        let base = second * 1_000_000 + 120_000 + Int64(rng.int(0, 9_999))
        let l: [(Int64, String, String, String)] = [
            (0, "kserve", "register_model():363", "Registering model: \(server.model)"),
            (528, "kserve", "start():167", "Setting max asyncio worker threads as 12"),
            (865, "kserve", "serve():56", "Starting uvicorn with 1 workers"),
            (30_391, "uvicorn.error", "startup():60", "Waiting for application startup."),
            (30_716, "uvicorn.error", "startup():62", "Application startup complete."),
            (31_099, "uvicorn.error", "_log_started_message():214", "Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)"),
        ]
        for (offset, logger, function, message) in l {
            logs.append(server.line(base + offset, "INFO", logger, function, message))
        }
    }

    /// The rollback: no more requests are routed to the canary; its pod gets SIGTERM and goes.
    mutating func stopPod(second: Int64, server: KServeServer, rng: inout SplitMix64, logs: inout [DemoLogLine]) {
        guard pod != nil else { return }
        let base = second * 1_000_000 + 300_000 + Int64(rng.int(0, 99_999))
        let l: [(Int64, String, String, String)] = [
            (0, "kserve", "stop():281", "Stopping the model server"),
            (214, "kserve", "stop():283", "Stopping the rest server"),
            (1_032, "uvicorn.error", "shutdown():264", "Shutting down"),
            (103_570, "uvicorn.error", "shutdown():65", "Waiting for application shutdown."),
            (103_941, "uvicorn.error", "shutdown():76", "Application shutdown complete."),
            (104_288, "uvicorn.error", "_serve():91", "Finished server process [1]"),
            (104_702, "kserve", "stop():286", "Stopping the grpc server"),
        ]
        for (offset, logger, function, message) in l {
            logs.append(server.line(base + offset, "INFO", logger, function, message))
        }
        pod = nil
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
