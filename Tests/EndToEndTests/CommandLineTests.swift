import Foundation
import Testing
import TestSupport

/// The binary's headless commands, run as a script or CI would run them.
@Suite struct CommandLineTests {
    @Test func checkMetricsCountsTheRealExposition() throws {
        let file = Fixtures.conformance("prometheus/alltypes.237mfs.prom.txt").path
        let result = try runCommand(try modelwatchBinary(), ["check", "metrics", file])
        #expect(result.status == 0)
        #expect(result.stdout == "families: 237 samples: 1857\n")
    }

    @Test func checkMetricsReadsStandardInputAndReportsLineAndColumn() throws {
        let bin = try modelwatchBinary()
        let ok = try runCommand(bin, ["check", "metrics", "-"], stdin: "# TYPE a counter\na_total 1\na 2 1700000000000\n")
        #expect(ok.status == 0)
        #expect(ok.stdout == "families: 2 samples: 2\n", "\(ok.stdout)")
        let bad = try runCommand(bin, ["check", "metrics", Fixtures.repositoryRoot.appendingPathComponent("sample-data/broken.prom").path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("broken.prom:4:"), "\(bad.stderr)")
        let escape = try runCommand(bin, ["check", "metrics", "-"], stdin: "metric{a=\"\u{1B}[2J\"} x\n")
        #expect(escape.status == 1)
        #expect(!escape.stderr.contains("\u{1B}"), "no raw escape reaches the terminal: \(escape.stderr.debugDescription)")
    }

    func snapshot(_ args: [String]) throws -> String {
        let result = try runCommand(try modelwatchBinary(), ["snapshot", "--demo"] + args)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    func row(of model: String, in screen: String) -> String {
        screen.components(separatedBy: "\n").first { $0.contains(" \(model) ") } ?? ""
    }

    @Test func theScriptedIncidentChangesTheAffectedModelBetween90And200Seconds() throws {
        let before = try snapshot(["--at", "90s", "--size", "120x40"])
        let after = try snapshot(["--at", "200s", "--size", "120x40"])
        #expect(row(of: "fraud-detector", in: before).contains("✓ OK"))
        #expect(row(of: "fraud-detector", in: after).contains("✖ CRIT"))
        #expect(row(of: "fraud-detector", in: after).contains(" 4 "), "version 4 deployed")
        for model in ["image-embedder", "churn-predictor", "credit-scorer", "llama-3-8b-chat"] {
            #expect(row(of: model, in: before).contains("✓ OK"), "\(model)")
            #expect(row(of: model, in: after).contains("✓ OK"), "\(model)")
        }
        #expect(after.contains("ModelErrorRateHigh"), "the demo's rule pack is loaded by default")
        // Virtual time: the same call gives the same frame.
        #expect(try snapshot(["--at", "200s", "--size", "120x40"]) == after)
        let alerts = try snapshot(["--at", "200s", "--size", "120x40", "--screen", "alerts"])
        #expect(alerts.contains("critical ✖ FIRING  ModelCUDAOutOfMemory"), "\(alerts)")
        #expect(alerts.contains("✖ FIRING  ModelErrorRateHigh"), "\(alerts)")
    }

    @Test func queryEvaluatesPromQLOverTheDemo() throws {
        let bin = try modelwatchBinary()
        let ratio = try runCommand(bin, ["query", "--at", "150s",
            "sum by (model) (rate(nv_inference_request_failure[1m])) / sum by (model) (rate(nv_inference_request_success[1m]))"])
        #expect(ratio.status == 0, "\(ratio.stderr)")
        let fraud = ratio.stdout.components(separatedBy: "\n").first { $0.contains("fraud-detector") } ?? ""
        let value = Double(fraud.split(separator: " ").last.map(String.init) ?? "") ?? 0
        #expect(value > 0.05 && value < 0.2, "failures per success during the incident: \(ratio.stdout)")
        let up = try runCommand(bin, ["query", "--at", "30s", "up"])
        let triton = up.stdout.components(separatedBy: "\n").first { $0.hasPrefix("up{instance=\"triton-a\",job=\"triton-a\"} ") }
        #expect(triton?.hasSuffix(" 1") == true, "\(up.stdout)")
        #expect(up.stdout.contains("(4 series)"))
        let bad = try runCommand(bin, ["query", "rate(foo[1m"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("line 1, column 12"), "\(bad.stderr)")
    }

    @Test func ruleFilesRunInTheAppLoopAndBadOnesAreNamed() throws {
        let bin = try modelwatchBinary()
        let rules = Fixtures.repositoryRoot.appendingPathComponent("sample-data/rules/model-health.yaml").path
        let alerts = try runCommand(bin, ["query", "ALERTS{alertstate=\"firing\"}", "--rules", rules, "--at", "200s"])
        #expect(alerts.status == 0, "\(alerts.stderr)")
        #expect(alerts.stdout.contains("alertname=\"ModelErrorRateHigh\""), "\(alerts.stdout)")
        #expect(alerts.stdout.contains("model=\"fraud-detector\""), "\(alerts.stdout)")
        let quiet = try runCommand(bin, ["query", "ALERTS", "--rules", rules, "--at", "90s"])
        #expect(quiet.stdout.contains("(empty result)"), "nothing fires before the incident: \(quiet.stdout)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: rate(up[5m]\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let both = try runCommand(bin, ["snapshot", "--rules", bad, "--rules", rules, "--at", "200s", "--size", "120x40"])
        #expect(both.status == 0)
        #expect(both.stderr.contains("bad.yaml:5"), "file and line of the bad rule: \(both.stderr)")
        #expect(both.stdout.contains("ModelErrorRateHigh"), "the good file still loads:\n\(both.stdout)")
    }

    @Test func promqlTestRunsPrometheusOwnScripts() throws {
        let dir = Fixtures.conformance("prometheus")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".test") }.sorted()
        #expect(files.count >= 5)
        let result = try runCommand(try modelwatchBinary(), ["promql-test"] + files.map { dir.appendingPathComponent($0).path })
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
        #expect(result.stdout.contains("functions.test: "), "\(result.stdout)")
    }

    @Test func snapshotRejectsBadArgumentsClearly() throws {
        let bin = try modelwatchBinary()
        let size = try runCommand(bin, ["snapshot", "--size", "big"])
        #expect(size.status != 0)
        #expect(size.stderr.contains("--size"))
        let screen = try runCommand(bin, ["snapshot", "--screen", "model:nope"])
        #expect(screen.status == 2)
        #expect(screen.stderr.contains("fraud-detector"), "lists the models there are")
    }

    @Test func aConfigErrorNamesFileLineAndKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("bad.yaml").path
        try "targets:\n  - name: a\n    url: http://127.0.0.1:9/metrics\n    interval: often\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runCommand(try modelwatchBinary(), ["snapshot", "--config", config])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.yaml:4:"), "\(result.stderr)")
        #expect(result.stderr.contains("targets[0].interval"), "\(result.stderr)")
    }

    /// `simulate` serves the fleet over real HTTP; a live config scrapes it, and a file target
    /// with a malformed line shows as down with its line and column while the rest works.
    @Test func liveScrapesOfSimulateAndABrokenFileTarget() throws {
        let bin = try modelwatchBinary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("simulate.out").path
        let server = try startBackground(bin, ["simulate", "--listen", "127.0.0.1:0"], output: log)
        defer { kill(server, SIGTERM); var s: Int32 = 0; waitpid(server, &s, 0) }
        let port = try waitForPort(in: log)

        let broken = Fixtures.repositoryRoot.appendingPathComponent("sample-data/broken.prom").path
        let config = dir.appendingPathComponent("live.yaml").path
        try """
        scrape: { interval: 2s, timeout: 2s }
        targets:
          - { name: triton-a, url: "http://127.0.0.1:\(port)/triton-a/metrics" }
          - { name: vllm-0, url: "http://127.0.0.1:\(port)/vllm-0/metrics" }
          - { name: broken, url: "file://\(broken)" }
          - { name: nowhere, url: "http://127.0.0.1:\(port)/no/such/path" }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runCommand(bin, ["snapshot", "--config", config, "--at", "5s", "--size", "120x40"], timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let screen = result.stdout
        #expect(screen.contains("LIVE"))
        #expect(screen.contains("targets 2/4 up"), "\(screen)")
        for model in ["fraud-detector", "image-embedder", "llama-3-8b-chat"] {
            #expect(row(of: model, in: screen).contains("✓ OK"), "\(model) scraped over HTTP:\n\(screen)")
        }
        #expect(screen.contains("broken down (parse error at 4:"), "\(screen)")
        #expect(screen.contains("nowhere down (HTTP status 404)"), "\(screen)")
    }

    func startBackground(_ path: String, _ arguments: [String], output: String) throws -> pid_t {
        try spawnProcess(path, arguments, stdoutPath: output, stderrPath: output + ".err")
    }

    func waitForPort(in log: String) throws -> Int {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
               let range = text.range(of: #"http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                let url = text[range]
                let digits = url.dropFirst("http://127.0.0.1:".count).dropLast()
                if let port = Int(digits) { return port }
            }
            usleep(50_000)
        }
        throw E2EError("simulate did not report its port: \((try? String(contentsOfFile: log + ".err", encoding: .utf8)) ?? "")")
    }
}
