import Foundation
import Testing
import TestSupport

/// `modelwatch models`: the binary run as a person or a script would run it.
@Suite struct ModelsCommandTests {
    static func sample(_ file: String) -> String {
        Fixtures.repositoryRoot.appendingPathComponent("sample-data/servers/" + file).path
    }

    func models(_ args: [String], status: Int32 = 0) throws -> String {
        let result = try runCommand(try modelwatchBinary(), ["models"] + args)
        #expect(result.status == status, "\(args): \(result.stderr)")
        return result.stdout
    }

    /// The row of `model` in the first table.
    func row(_ model: String, in text: String) -> String {
        text.components(separatedBy: "\n").first { $0.contains(" \(model) ") } ?? ""
    }

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The exposition a little later: every counter, histogram and summary `_sum`/`_count` grown
    /// by a tenth, gauges and summary quantiles as they were.
    static func grown(_ text: String) -> String {
        var types: [String: String] = [:]
        var out: [String] = []
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                types[String(parts[2])] = String(parts[3])
            }
            guard !line.hasPrefix("#"), !line.isEmpty, let space = line.lastIndex(of: " "),
                  let value = Double(line[line.index(after: space)...]) else { out.append(line); continue }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            var family = name
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && types[String(name.dropLast(suffix.count))] != nil {
                family = String(name.dropLast(suffix.count))
            }
            let grows = types[family] == "counter" || types[family] == "histogram" || (types[family] == "summary" && family != name)
            out.append(grows ? String(line[..<space]) + " " + String(value * 1.1) : line)
        }
        return out.joined(separator: "\n")
    }

    @Test func oneFileShowsKindModelsVersionsAndWhatNeedsASecondScrape() throws {
        let out = try models([Self.sample("triton.prom")])
        #expect(out.contains("one scrape"), "\(out)")
        let fraud = row("fraud-detector", in: out)
        #expect(fraud.contains("Triton") && fraud.contains("3, 4"), "\(fraud)")
        #expect(fraud.contains("38.5ms"), "the summary's p99 is an instant value: \(fraud)")
        #expect(out.contains("traffic           —        not computed: needs two scrapes"), "\(out)")
        #expect(out.contains("KV-cache usage    n/a      not exported: Triton exports no KV-cache usage"), "\(out)")
        #expect(out.contains("GPU utilization   71.0%    nv_gpu_utilization"), "\(out)")
    }

    @Test func everySampleServerIsListedWithItsKind() throws {
        let kinds = [("triton.prom", "Triton"), ("vllm.prom", "vLLM"), ("kserve.prom", "KServe"),
                     ("knative-queue-proxy.prom", "Knative queue-proxy"), ("seldon-core-v1.prom", "Seldon Core v1"),
                     ("seldon-core-v2.prom", "Seldon Core v2"), ("mlserver.prom", "MLServer"), ("bentoml.prom", "BentoML"),
                     ("torchserve.prom", "TorchServe"), ("tensorflow-serving.prom", "TensorFlow Serving"),
                     ("ray-serve.prom", "Ray Serve"), ("dcgm-exporter.prom", "DCGM exporter")]
        for (file, kind) in kinds {
            let out = try models([Self.sample(file), "--summary"])
            #expect(out.contains("  \(kind)  ") || out.contains(": \(kind), no models"), "\(file):\n\(out)")
        }
    }

    @Test func twoFilesGiveRatesAndTheCanaryByVersion() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let later = dir.appendingPathComponent("triton-later.prom").path
        try Self.grown(try String(contentsOfFile: Self.sample("triton.prom"), encoding: .utf8))
            .write(toFile: later, atomically: true, encoding: .utf8)
        let out = try models([Self.sample("triton.prom"), later, "--interval", "15s"])
        #expect(out.contains("two scrapes 15s apart"), "\(out)")
        let fraud = row("fraud-detector", in: out)
        #expect(fraud.contains("6036/s") && fraud.contains("0.32%"), "\(fraud)")
        #expect(out.contains("VERSION  TRAFFIC SHARE  TRAFFIC  ERRORS  P99"), "\(out)")
        let canary = out.components(separatedBy: "\n").first { $0.hasPrefix("  4 ") } ?? ""
        #expect(canary.contains("10.3%") && canary.contains("2.92%"), "\(canary)")
        #expect(out.contains("by cause: BACKEND"), "\(out)")
    }

    @Test func theDemoOnVirtualTime() throws {
        let before = try models(["--demo", "--at", "90s", "--summary"])
        for model in ["fraud-detector", "image-embedder", "llama-3-8b-chat", "churn-predictor", "credit-scorer"] {
            #expect(!row(model, in: before).isEmpty, "\(model):\n\(before)")
        }
        #expect(row("llama-3-8b-chat", in: before).contains("vLLM"))
        let during = try models(["--demo", "--at", "200s"])
        #expect(row("fraud-detector", in: during).contains("  4  "), "version 4 deployed: \(row("fraud-detector", in: during))")
        #expect(try models(["--demo", "--at", "200s"]) == during, "virtual time: the same every run")
    }

    @Test func aConfigMappingNamesAnyExporter() throws {
        let out = try models(["--config", Self.sample("custom-exporter.yaml"), Self.sample("custom-exporter.prom")])
        let row = row("xgb-fraud", in: out)
        #expect(row.contains("custom: fraud-api") && row.contains("2024-11-28, 2024-12-02"), "\(row)")
        #expect(out.contains("running 9"), "\(out)")
        let unmapped = try models([Self.sample("custom-exporter.prom")])
        #expect(unmapped.contains("no model server recognized"), "\(unmapped)")
    }

    @Test func aURLIsScrapedTwice() throws {
        let bin = try modelwatchBinary()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("simulate.out").path
        let server = try spawnProcess(bin, ["simulate", "--listen", "127.0.0.1:0"], stdoutPath: log, stderrPath: log + ".err")
        defer { kill(server, SIGTERM); var s: Int32 = 0; waitpid(server, &s, 0) }
        let port = try waitForPort(in: log)
        let out = try models(["http://127.0.0.1:\(port)/triton-a/metrics", "--interval", "1s", "--job", "triton-a"])
        #expect(out.contains("two scrapes 1s apart"), "\(out)")
        let fraud = row("fraud-detector", in: out)
        #expect(fraud.contains("triton-a") && fraud.contains("Triton") && fraud.contains("/s"), "\(fraud)")
        #expect(out.contains("nv_inference_request_success + nv_inference_request_failure"), "\(out)")

        let missing = try runCommand(bin, ["models", "http://127.0.0.1:\(port)/no/such/path", "--once"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("HTTP status 404"), "\(missing.stderr)")
    }

    @Test func badInputIsNamedAndNothingIsMadeUp() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        // A histogram without +Inf, and a model name carrying an escape sequence.
        let name = "churn\u{1B}[2J"
        func kserve(_ n: Double) -> String {
            """
            # TYPE request_predict_seconds histogram
            request_predict_seconds_bucket{model_name="\(name)",le="0.1"} \(n * 0.9)
            request_predict_seconds_bucket{model_name="\(name)",le="1"} \(n)
            request_predict_seconds_count{model_name="\(name)"} \(n)
            request_predict_seconds_sum{model_name="\(name)"} \(n * 0.05)

            """
        }
        let first = try write("a.prom", kserve(100)), second = try write("b.prom", kserve(150))
        let result = try runCommand(try modelwatchBinary(), ["models", first, second])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("\u{1B}"), "no raw escape reaches the terminal")
        #expect(result.stdout.contains("churn^[[2J"), "\(result.stdout)")
        #expect(result.stdout.contains("problem: request_predict_seconds_bucket: no +Inf bucket"), "\(result.stdout)")
        #expect(result.stdout.contains("latency p99       —"), "\(result.stdout)")

        let broken = try runCommand(try modelwatchBinary(), ["models", Fixtures.repositoryRoot.appendingPathComponent("sample-data/broken.prom").path])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("broken.prom:4:"), "\(broken.stderr)")

        let none = try runCommand(try modelwatchBinary(), ["models", dir.appendingPathComponent("nope.prom").path])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no such file"))

        let config = try write("bad.yaml", "targets:\n  - url: http://127.0.0.1:1/metrics\nmodel_metrics:\n  - requests: 'x{y}'\n")
        let bad = try runCommand(try modelwatchBinary(), ["models", "--config", config, first])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yaml:4:") && bad.stderr.contains("model_metrics[0].requests"), "\(bad.stderr)")

        let usage = try runCommand(try modelwatchBinary(), ["models"])
        #expect(usage.status != 0)
        #expect(usage.stderr.contains("give a FILE, a URL, --config or --demo"), "\(usage.stderr)")
    }

    func waitForPort(in log: String) throws -> Int {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
               let range = text.range(of: #"http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression),
               let port = Int(text[range].dropFirst("http://127.0.0.1:".count).dropLast()) {
                return port
            }
            usleep(50_000)
        }
        throw E2EError("simulate did not report its port")
    }
}
