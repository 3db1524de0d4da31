import Testing
@testable import Telemetry

/// The parsers' fast paths (exact decimal conversion, labels sorted as read, the per-parse
/// string table) give exactly what the general paths give.
@Suite struct ParserFastPathTests {
    func goFloat(_ text: String) -> Double? { GoNumberSyntax.parseFloat(text) }

    @Test func decimalFastPathMatchesStrtodBitForBit() {
        var rng = SystemRandomNumberGenerator()
        var inputs = ["0", "-0", "+0", "0.0", "-0.0", "0e500", "-0e-500", "1", "9007199254740992",
                      "9007199254740993", "8.999999999999998", "0.1", "0.3", "1e22", "1e23", "1e-22",
                      "1e-23", "123456789012345678", "1234567890123456789", "12345678901234567890",
                      "0.000135819", "7.6238e-05", "2.279966416e+09", "4.4046288803e+10",
                      "1.738949375191e+12", ".5", "5.", "-.5e1", "00000000000000000000001",
                      "1.00000000000000000000", "4.9406564584124654e-324", "1.7976931348623157e308"]
        for _ in 0..<20_000 {
            let mantissa = UInt64.random(in: 0...(1 << 54), using: &rng)
            let digits = String(mantissa)
            let point = Int.random(in: 0...digits.count, using: &rng)
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if Bool.random(using: &rng) { text += "e\(Int.random(in: -30...30, using: &rng))" }
            if Bool.random(using: &rng) { text = "-" + text }
            inputs.append(text)
        }
        for text in inputs {
            let expected = Double(text)
            let got = goFloat(text)
            #expect(got?.bitPattern == expected?.bitPattern, "\(text): \(String(describing: got)) vs strtod \(String(describing: expected))")
        }
    }

    @Test func specialWordsAnyLetterCase() {
        #expect(goFloat("+Inf") == .infinity)
        #expect(goFloat("-INFINITY") == -.infinity)
        #expect(goFloat("iNf") == .infinity)
        #expect(goFloat("NaN")?.isNaN == true)
        #expect(goFloat("nan")?.isNaN == true)
        #expect(goFloat("-NaN") == nil)
        #expect(goFloat("Infinit") == nil)
        #expect(goFloat("Inf ") == nil)
        #expect(goFloat("1e") == nil)
        #expect(goFloat("1e400") == nil)  // Go: ErrRange
    }

    @Test func labelsComeOutSortedWhateverTheInputOrder() throws {
        let text = "m{b=\"2\",a=\"1\",c=\"3\"} 1\nm{a=\"1\",b=\"2\",c=\"4\"} 2\n"
        for families in [try TextFormatParser.parse(text), try OpenMetricsParser.parse(text + "# EOF\n")] {
            let samples = families[0].samples
            #expect(samples[0].labels.pairs.map(\.name) == ["a", "b", "c"])
            #expect(samples[0].labels == Labels([("c", "3"), ("a", "1"), ("b", "2")]))
            #expect(samples[1].labels.pairs.map(\.name) == ["a", "b", "c"])
        }
    }

    @Test func duplicatesAreFoundInAndOutOfOrder() {
        let lines = [
            "m{a=\"1\",a=\"2\"} 1\n",
            "m{b=\"1\",a=\"2\",b=\"3\"} 1\n",
            // Past 16 labels (hashed check): in order, then one out of order, then a repeat of a
            // name that came in order after it.
            "m{" + (0..<20).map { "l\(10 + $0)=\"x\"" }.joined(separator: ",") + ",a=\"1\",z=\"1\",z=\"2\"} 1\n",
            "m{" + (0..<20).map { "l\(10 + $0)=\"x\"" }.joined(separator: ",") + ",l15=\"y\"} 1\n",
        ]
        for line in lines {
            #expect(throws: ExpositionError.self) { try TextFormatParser.parse(line) }
            do {
                _ = try TextFormatParser.parse(line)
            } catch {
                #expect(error.message.contains("duplicate label name"), "\(error)")
            }
            do {
                _ = try OpenMetricsParser.parse(line + "# EOF\n")
                Issue.record("OpenMetrics accepted \(line)")
            } catch {
                #expect(error.message.contains("duplicate label name"), "\(error)")
            }
        }
    }

    @Test func repeatedNamesAndValuesShareOneString() throws {
        let text = (0..<50).map { "a_rather_long_metric_name{handler=\"/api/v1/query_range\",le=\"\($0)\"} 1\n" }.joined()
        let families = try TextFormatParser.parse(text)
        #expect(families.count == 1)
        #expect(families[0].samples.count == 50)
        #expect(Set(families[0].samples.map { $0.labels["handler"] }) == ["/api/v1/query_range"])
        #expect(families[0].samples.map { $0.labels["le"] } == (0..<50).map { String($0) })
    }

    @Test func stringTableInternsAndGrows() {
        var table = ExpositionStringTable(capacity: 16)
        var keys: [[UInt8]] = (0..<2000).map { Array("key-\($0)-\(String(repeating: "x", count: $0 % 23))".utf8) }
        keys.append([])
        var indices: [Int] = []
        for key in keys { indices.append(key.withUnsafeBufferPointer { table.intern($0) }) }
        #expect(table.count == keys.count)
        for (k, key) in keys.enumerated() {
            #expect(key.withUnsafeBufferPointer { table.intern($0) } == indices[k])
            #expect(table.strings[indices[k]] == String(decoding: key, as: UTF8.self))
        }
    }
}
