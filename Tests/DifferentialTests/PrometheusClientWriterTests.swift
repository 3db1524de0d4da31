import Foundation
import Telemetry
import Testing
import TestSupport

/// (a) A real exposition writer, Python's prometheus_client, against our parsers: whatever it
/// writes, we must read back exactly — every sample's name, labels and value (bit for bit; any
/// NaN equals any NaN), its timestamp, and every family's name, type and help.
@Suite("prometheus_client writer → our parsers")
struct PrometheusClientWriterTests {
    struct Written: Decodable {
        var text: String
        var openmetrics: String
        var expected_text: Expected
        var expected_openmetrics: Expected
    }

    struct Expected: Decodable {
        var families: [ExpectedFamily]
        var samples: [ExpectedSample]
    }

    struct ExpectedFamily: Decodable, Equatable, CustomStringConvertible {
        var name: String
        var type: String
        var help: String
        var unit: String?
        var samples: Int
        var description: String { "\(name) \(type) unit=\(unit ?? "-") samples=\(samples) help=\(help.debugDescription)" }
    }

    struct ExpectedSample: Decodable {
        var name: String
        var labels: [String: String]
        var value: String   // float.hex(): "0x1.8p+1", "nan", "inf", "-inf", "-0x0.0p+0"
        var repr: String
        var timestamp_ms: Int64?
    }

    /// Runs the writer once: the exposition texts and what they contain.
    static func runWriter() throws -> Written {
        let python = try requirePythonWithPrometheusClient()
        let dir = try TempDir("mw-diff-writer")
        defer { dir.remove() }
        let script = dir.path("writer.py")
        try prometheusClientWriterScript.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try run(python, [script], timeout: 120)
        guard result.status == 0 else {
            throw DiffError("the prometheus_client writer failed (exit \(result.status)):\n\(result.stderr)")
        }
        return try JSONDecoder().decode(Written.self, from: result.stdoutData)
    }

    @Test("0.0.4: TextFormatParser reads back exactly what generate_latest wrote")
    func textFormat() throws {
        let written = try Self.runWriter()
        let families: [MetricFamily]
        do {
            families = try TextFormatParser.parse(written.text)
        } catch {
            Issue.record("TextFormatParser rejected prometheus_client's 0.0.4 output at \(error)\n\(excerpt(written.text, line: error.line))")
            return
        }
        try checkSame(families, written.expected_text, format: "0.0.4")
    }

    @Test("OpenMetrics: OpenMetricsParser reads back exactly what openmetrics generate_latest wrote")
    func openMetrics() throws {
        let written = try Self.runWriter()
        #expect(written.openmetrics.hasSuffix("# EOF\n"), "not an OpenMetrics exposition")
        #expect(written.openmetrics.contains(" # {trace_id="), "the OpenMetrics output should carry exemplars")
        let families: [MetricFamily]
        do {
            families = try OpenMetricsParser.parse(written.openmetrics)
        } catch {
            Issue.record("OpenMetricsParser rejected prometheus_client's OpenMetrics output at \(error)\n\(excerpt(written.openmetrics, line: error.line))")
            return
        }
        try checkSame(families, written.expected_openmetrics, format: "OpenMetrics")
    }
}

/// A few lines of `text` around a 1-based line number, for failure messages.
func excerpt(_ text: String, line: Int) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let lo = max(0, line - 3), hi = min(lines.count, line + 2)
    guard lo < hi else { return "" }
    return (lo..<hi).map { "\($0 + 1 == line ? ">" : " ")\($0 + 1): \(String(lines[$0]).debugDescription)" }.joined(separator: "\n")
}

/// Parses a `float.hex()` string ("0x1.8p+1", "-0x0.0p+0", "nan", "inf", "-inf"): Swift's
/// `Double(String)` reads hexadecimal floats exactly.
func doubleFromPythonHex(_ s: String) -> Double? {
    switch s {
    case "nan", "-nan": return .nan
    case "inf": return .infinity
    case "-inf": return -.infinity
    default: return s.contains("0x") ? Double(s) : nil
    }
}

/// One sample as a comparable key: name, sorted labels, the value's bits (NaN canonical),
/// timestamp.
struct SampleKey: Hashable, Comparable, CustomStringConvertible {
    var name: String
    var labels: [String]
    var valueBits: UInt64
    var valueText: String
    var timestamp: Int64?

    init(name: String, labels: [(String, String)], value: Double, timestamp: Int64?) {
        self.name = name
        self.labels = labels.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1.debugDescription)" }
        valueBits = value.isNaN ? Double.nan.bitPattern : value.bitPattern
        valueText = value.isNaN ? "NaN" : "\(value)"
        self.timestamp = timestamp
    }

    static func == (a: SampleKey, b: SampleKey) -> Bool {
        a.name == b.name && a.labels == b.labels && a.valueBits == b.valueBits && a.timestamp == b.timestamp
    }
    func hash(into h: inout Hasher) { h.combine(name); h.combine(labels); h.combine(valueBits); h.combine(timestamp) }
    static func < (a: SampleKey, b: SampleKey) -> Bool { a.description < b.description }
    var description: String {
        "\(name){\(labels.joined(separator: ","))} \(valueText) (bits \(String(valueBits, radix: 16)))"
            + (timestamp.map { " @\($0)" } ?? "")
    }
}

/// Compares parsed families with what the writer says it wrote; records one issue per kind of
/// difference, listing every differing sample.
func checkSame(_ families: [MetricFamily], _ expected: PrometheusClientWriterTests.Expected, format: String,
               sourceLocation: SourceLocation = #_sourceLocation) throws {
    // Samples, as multisets.
    var want: [SampleKey: Int] = [:]
    for s in expected.samples {
        guard let v = doubleFromPythonHex(s.value) else {
            throw DiffError("cannot read the writer's value \(s.value) (repr \(s.repr))")
        }
        want[SampleKey(name: s.name, labels: s.labels.map { ($0.key, $0.value) }, value: v, timestamp: s.timestamp_ms), default: 0] += 1
    }
    var got: [SampleKey: Int] = [:]
    for f in families {
        for s in f.samples {
            got[SampleKey(name: s.name, labels: s.labels.map { ($0.name, $0.value) }, value: s.value,
                          timestamp: s.timestamp?.milliseconds), default: 0] += 1
        }
    }
    let missing = want.flatMap { k, n in Array(repeating: k, count: max(0, n - (got[k] ?? 0))) }.sorted()
    let extra = got.flatMap { k, n in Array(repeating: k, count: max(0, n - (want[k] ?? 0))) }.sorted()
    #expect(missing.isEmpty && extra.isEmpty,
            """
            \(format): the parsed samples differ from what prometheus_client wrote \
            (\(expected.samples.count) written, \(got.values.reduce(0, +)) parsed)
            written but not parsed (\(missing.count)):
            \(missing.map { "  \($0)" }.joined(separator: "\n"))
            parsed but not written (\(extra.count)):
            \(extra.map { "  \($0)" }.joined(separator: "\n"))
            """, sourceLocation: sourceLocation)

    // Families: name, type, help, unit and how many samples each, in order.
    let parsed = families.map {
        PrometheusClientWriterTests.ExpectedFamily(name: $0.name, type: $0.type.rawValue, help: $0.help ?? "",
                                                   unit: $0.unit, samples: $0.samples.count)
    }
    #expect(parsed == expected.families,
            """
            \(format): the parsed families differ from what prometheus_client wrote
            written:
            \(expected.families.map { "  \($0)" }.joined(separator: "\n"))
            parsed:
            \(parsed.map { "  \($0)" }.joined(separator: "\n"))
            """, sourceLocation: sourceLocation)
    #expect(expected.samples.count > 100, "\(format): the writer wrote too few samples to mean anything")
}
