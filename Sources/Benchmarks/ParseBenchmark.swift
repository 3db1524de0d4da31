import Foundation
import Telemetry

/// Parse throughput of both exposition parsers against Python's prometheus_client on the same
/// input, run in release:
///
///     swift run -c release modelwatch-bench parse
///
/// Input: `conformance/prometheus/alltypes.237mfs.prom.txt` from the shared folder
/// (`$MODELWATCH_SHARED`, else `../shared` from the current directory). The OpenMetrics figures
/// use an OpenMetrics rendering of the same families and samples, made here (counters named
/// without `_total` with `_total` samples, `untyped` as `unknown`, HELP and label escapes per
/// OpenMetrics, `# EOF` appended), and checked to parse with both our parser and Python's.
///
/// Each parser runs over the whole file many times through `Exposition.parse` (UTF-8 validation
/// included); the median run is reported. Python's figures are timed inside Python, over the
/// same text, with `text_string_to_metric_families` (consumed with `list`).
enum ParseBenchmark {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run() async throws {
        do {
            try measure()
        } catch let failure as Failure {
            // A clear message and a non-zero exit, without a crash report.
            FileHandle.standardError.write(Data("\(failure.description)\n".utf8))
            exit(1)
        }
    }

    static func measure() throws {
        let shared = try sharedDirectory()
        let path = shared + "/conformance/prometheus/alltypes.237mfs.prom.txt"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "parse: cannot read \(path)")
        }
        let text004 = [UInt8](data)
        let families = try Exposition.parse(text004, format: .text004)
        let omText = Array(renderOpenMetrics(families).utf8)
        let omFamilies = try Exposition.parse(omText, format: .openMetrics)
        let samples004 = families.reduce(0) { $0 + $1.samples.count }
        let samplesOM = omFamilies.reduce(0) { $0 + $1.samples.count }
        print("input: \(path)")
        print("  0.0.4: \(text004.count) bytes, \(families.count) families, \(samples004) samples")
        print("  OpenMetrics rendering of the same data: \(omText.count) bytes, \(omFamilies.count) families, \(samplesOM) samples")

        let iterations = 300
        let t004 = median(iterations) { _ = try Exposition.parse(text004, format: .text004) }
        let tOM = median(iterations) { _ = try Exposition.parse(omText, format: .openMetrics) }
        report("swift 0.0.4      ", bytes: text004.count, samples: samples004, seconds: t004)
        report("swift OpenMetrics", bytes: omText.count, samples: samplesOM, seconds: tOM)

        // Python prometheus_client, same texts.
        let omPath = NSTemporaryDirectory() + "modelwatch-bench-\(getpid()).om.txt"
        try Data(omText).write(to: URL(fileURLWithPath: omPath))
        defer { try? FileManager.default.removeItem(atPath: omPath) }
        let python = try runPython(text004Path: path, omPath: omPath, iterations: 20)
        report("python 0.0.4     ", bytes: text004.count, samples: python.samples004, seconds: python.seconds004)
        report("python OpenMetrics", bytes: omText.count, samples: python.samplesOM, seconds: python.secondsOM)

        let ratio004 = python.seconds004 / t004
        let ratioOM = python.secondsOM / tOM
        print(String(format: "ratio 0.0.4: %.1fx Python; OpenMetrics: %.1fx Python (goal: >= 30x)", ratio004, ratioOM))
        let mib004 = Double(text004.count) / t004 / 1_048_576
        let mibOM = Double(omText.count) / tOM / 1_048_576
        print(String(format: "vs Prometheus's Go parser (published ~200 MiB/s): 0.0.4 %.0f MiB/s (%.2fx), OpenMetrics %.0f MiB/s (%.2fx)",
                     mib004, mib004 / 200, mibOM, mibOM / 200))
        print("goal >= 30x Python: 0.0.4 \(ratio004 >= 30 ? "met" : "NOT met"), OpenMetrics \(ratioOM >= 30 ? "met" : "NOT met")")
    }

    static func sharedDirectory() throws -> String {
        if let env = ProcessInfo.processInfo.environment["MODELWATCH_SHARED"], !env.isEmpty {
            guard FileManager.default.fileExists(atPath: env + "/conformance") else {
                throw Failure(description: "parse: MODELWATCH_SHARED=\(env) has no conformance/ folder")
            }
            return env
        }
        let relative = FileManager.default.currentDirectoryPath + "/../shared"
        guard FileManager.default.fileExists(atPath: relative + "/conformance") else {
            throw Failure(description: "parse: shared folder not found at \(relative) (run from the repository root or set MODELWATCH_SHARED)")
        }
        return relative
    }

    /// The median wall time of `iterations` runs of `body`, after a few warm-up runs.
    static func median(_ iterations: Int, _ body: () throws -> Void) -> Double {
        let clock = ContinuousClock()
        for _ in 0..<5 { try? body() }
        var times: [Double] = []
        times.reserveCapacity(iterations)
        for _ in 0..<iterations {
            let d = clock.measure { try? body() }
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        times.sort()
        return times[times.count / 2]
    }

    static func report(_ label: String, bytes: Int, samples: Int, seconds: Double) {
        print(String(format: "%@: %8.1f MB/s  %6.1f MiB/s  %12.0f samples/s  (median %.3f ms per parse of %d samples)",
                     label, Double(bytes) / seconds / 1e6, Double(bytes) / seconds / 1_048_576,
                     Double(samples) / seconds, seconds * 1000, samples))
    }

    struct PythonResult {
        var seconds004: Double
        var samples004: Int
        var secondsOM: Double
        var samplesOM: Int
    }

    static let pythonScript = """
        import statistics, sys, time
        try:
            from prometheus_client.parser import text_string_to_metric_families as parse004
            from prometheus_client.openmetrics.parser import text_string_to_metric_families as parseom
        except ImportError as e:
            print("MISSING prometheus_client: %s" % e)
            sys.exit(3)
        text004 = open(sys.argv[1], encoding="utf-8").read()
        textom = open(sys.argv[2], encoding="utf-8").read()
        n = int(sys.argv[3])
        def bench(parse, text):
            times = []
            for _ in range(n):
                start = time.perf_counter()
                families = list(parse(text))
                times.append(time.perf_counter() - start)
            return statistics.median(times), sum(len(f.samples) for f in families)
        a, sa = bench(parse004, text004)
        b, sb = bench(parseom, textom)
        print("RESULT %r %d %r %d" % (a, sa, b, sb))
        """

    static func runPython(text004Path: String, omPath: String, iterations: Int) throws -> PythonResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", pythonScript, text004Path, omPath, String(iterations)]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        do {
            try process.run()
        } catch {
            throw Failure(description: "parse: cannot run python3 (\(error)); install Python 3 and `pip install prometheus_client`")
        }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw Failure(description: "parse: python3 not found; install Python 3 and `pip install prometheus_client`")
        }
        if output.contains("MISSING prometheus_client") {
            throw Failure(description: "parse: Python's prometheus_client is not installed (`pip install prometheus_client`)")
        }
        guard process.terminationStatus == 0,
              let line = output.split(separator: "\n").first(where: { $0.hasPrefix("RESULT ") }) else {
            throw Failure(description: "parse: the Python benchmark failed (exit \(process.terminationStatus)):\n\(output)")
        }
        let fields = line.split(separator: " ")
        guard fields.count == 5, let a = Double(fields[1]), let sa = Int(fields[2]),
              let b = Double(fields[3]), let sb = Int(fields[4]) else {
            throw Failure(description: "parse: unexpected Python output: \(line)")
        }
        return PythonResult(seconds004: a, samples004: sa, secondsOM: b, samplesOM: sb)
    }

    // MARK: OpenMetrics rendering

    /// `families` (from the 0.0.4 parser) as OpenMetrics text.
    static func renderOpenMetrics(_ families: [MetricFamily]) -> String {
        var out = ""
        let names = Set(families.map(\.name))
        for family in families {
            var name = family.name
            var type: String
            switch family.type {
            case .counter:
                type = "counter"
                // `x_total` becomes family `x`, unless a family `x` exists (client_golang's
                // go_memstats_alloc_bytes gauge beside go_memstats_alloc_bytes_total): then the
                // family keeps its name and its samples become `x_total_total`.
                if name.hasSuffix("_total"), !names.contains(String(name.dropLast(6))) {
                    name = String(name.dropLast(6))
                }
            case .gauge: type = "gauge"
            case .histogram: type = "histogram"
            case .summary: type = "summary"
            default: type = "unknown"
            }
            out += "# TYPE \(name) \(type)\n"
            if let help = family.help { out += "# HELP \(name) \(Labels.escape(help))\n" }
            for sample in family.samples {
                var sampleName = sample.name
                if family.type == .counter, sampleName == name { sampleName += "_total" }
                out += sampleName
                if !sample.labels.isEmpty {
                    out += sample.labels.description
                }
                out += " " + number(sample.value)
                if let ts = sample.timestamp {
                    let ms = ts.milliseconds
                    let sign = ms < 0 ? "-" : ""
                    let magnitude = ms.magnitude
                    let fraction = String(magnitude % 1000)
                    out += " \(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
                }
                out += "\n"
            }
        }
        return out + "# EOF\n"
    }

    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), v.magnitude < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
