import Testing
@testable import Telemetry

@Suite struct TextFormatParserTests {
    @Test func prometheusBenchmarkFileHas237FamiliesAnd1857Samples() throws {
        let text = try ConformanceFiles.read("prometheus/alltypes.237mfs.prom.txt")
        let families = try TextFormatParser.parse(text)
        #expect(families.count == 237)
        #expect(families.reduce(0) { $0 + $1.samples.count } == 1857)
        #expect(Set(families.map(\.name)).count == 237)

        let gc = try #require(families.first { $0.name == "go_gc_duration_seconds" })
        #expect(gc.type == .summary)
        #expect(gc.help == "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.")
        #expect(gc.samples.count == 7)
        #expect(gc.samples[0] == Sample(name: "go_gc_duration_seconds", labels: Labels([("quantile", "0")]), value: 7.6238e-05))
        #expect(gc.samples[5] == Sample(name: "go_gc_duration_seconds_sum", value: 44.985611511))
        #expect(gc.samples[6] == Sample(name: "go_gc_duration_seconds_count", value: 190932))

        let allocs = try #require(families.first { $0.name == "go_gc_heap_allocs_by_size_bytes" })
        #expect(allocs.type == .histogram)
        #expect(allocs.samples.count == 14)
        #expect(allocs.samples[11].labels["le"] == "+Inf")
        #expect(allocs.samples[11].value == 4.4046288803e+10)
        #expect(allocs.samples.last?.name == "go_gc_heap_allocs_by_size_bytes_count")

        // Every family in this file is declared with a TYPE and a HELP.
        #expect(families.allSatisfy { $0.help != nil && $0.type != .untyped })
        #expect(families.first?.name == "go_gc_cycles_automatic_gc_cycles_total")
    }

    @Test func typesHelpAndGroupingOfSummariesAndHistograms() throws {
        let text = """
        # HELP rpc_seconds RPC latency.
        # TYPE rpc_seconds summary
        rpc_seconds{service="a",quantile="0.5"} 0.1
        rpc_seconds{service="a",quantile="0.99"} 0.4
        rpc_seconds_sum{service="a"} 12.5
        rpc_seconds_count{service="a"} 100
        # TYPE req_seconds histogram
        req_seconds_bucket{le="0.1"} 3
        req_seconds_bucket{le="+Inf"} 5
        req_seconds_sum 1.25
        req_seconds_count 5
        # TYPE jobs_total counter
        jobs_total 7
        # TYPE temperature gauge
        temperature -3.5

        """
        let families = try TextFormatParser.parse(text)
        #expect(families.map(\.name) == ["rpc_seconds", "req_seconds", "jobs_total", "temperature"])
        #expect(families.map(\.type) == [.summary, .histogram, .counter, .gauge])
        #expect(families.map(\.samples.count) == [4, 4, 1, 1])
        #expect(families[0].help == "RPC latency.")
        #expect(families[1].help == nil)
        #expect(families[0].samples[0].labels == Labels([("quantile", "0.5"), ("service", "a")]))
        #expect(families[1].samples.map(\.name) == ["req_seconds_bucket", "req_seconds_bucket", "req_seconds_sum", "req_seconds_count"])
        #expect(families[3].samples[0].value == -3.5)
    }

    @Test func samplesWithoutTypeAreUntypedAndSuffixesAreNotGrouped() throws {
        let text = """
        plain 1
        plain{x="y"} 2
        # TYPE declared untyped
        declared 3
        foo_count 4
        foo_sum 5
        # TYPE bar counter
        bar_count 6

        """
        let families = try TextFormatParser.parse(text)
        #expect(families.map(\.name) == ["plain", "declared", "foo_count", "foo_sum", "bar_count"])
        #expect(families.allSatisfy { $0.type == .untyped })
        #expect(families[0].samples.count == 2)
    }

    @Test func labelValueEscapes() throws {
        let text = #"""
        msg{a="back\\slash",b="quote\"d",c="new\nline",d="",e="utf-8 ✓ 日本",f="{},= #"} 1

        """#
        let families = try TextFormatParser.parse(text)
        let labels = try #require(families.first?.samples.first?.labels)
        #expect(labels["a"] == #"back\slash"#)
        #expect(labels["b"] == #"quote"d"#)
        #expect(labels["c"] == "new\nline")
        #expect(labels["d"] == "")
        #expect(labels["e"] == "utf-8 ✓ 日本")
        #expect(labels["f"] == "{},= #")
    }

    @Test func helpEscapesAndHelpText() throws {
        let text = #"""
        # HELP a first\nsecond \\ backslash and "quotes" kept
        # HELP b    leading blanks skipped, trailing kept  
        # HELP c
        # HELP d 
        a 1
        b 1
        c 1
        d 1

        """#
        let families = try TextFormatParser.parse(text)
        #expect(families[0].help == "first\nsecond \\ backslash and \"quotes\" kept")
        #expect(families[1].help == "leading blanks skipped, trailing kept  ")
        #expect(families[2].help == nil)
        #expect(families[3].help == nil)
    }

    @Test(arguments: [
        ("NaN", Double.nan), ("nan", .nan), ("+Inf", .infinity), ("-Inf", -.infinity), ("Inf", .infinity),
        ("inf", .infinity), ("-infinity", -.infinity), ("+Infinity", .infinity), ("1e3", 1000), ("1E-3", 0.001),
        (".5", 0.5), ("5.", 5), ("-0", -0.0), ("+1.5e+2", 150), ("007", 7), ("1e-400", 0),
        ("1.7976931348623157e308", .greatestFiniteMagnitude),
    ])
    func valuesWithGoFloatSyntax(text: String, expected: Double) throws {
        let families = try TextFormatParser.parse("x \(text)\n")
        let value = try #require(families.first?.samples.first?.value)
        if expected.isNaN { #expect(value.isNaN) } else { #expect(value == expected) }
    }

    @Test func timestamps() throws {
        let text = """
        a 1 1700000000123
        b 2 -5
        c 3 +7
        d 4

        """
        let families = try TextFormatParser.parse(text)
        #expect(families.map { $0.samples[0].timestamp } == [
            Timestamp(milliseconds: 1_700_000_000_123), Timestamp(milliseconds: -5), Timestamp(milliseconds: 7), nil,
        ])
    }

    @Test func whitespaceAndCommentsAsExpfmtAllows() throws {
        let text = "\n  \t\n# a comment\n#\n# TYPE\n# HELP\n#TYPE w gauge\n  w { a = \"1\" ,\tb=\"2\", } \t 3 \t 100\nw{a=\"2\"}4\n# EOF\n   "
        let families = try TextFormatParser.parse(text)
        #expect(families.count == 1)
        #expect(families[0].type == .gauge)
        #expect(families[0].samples == [
            Sample(name: "w", labels: Labels([("a", "1"), ("b", "2")]), value: 3, timestamp: Timestamp(milliseconds: 100)),
            Sample(name: "w", labels: Labels([("a", "2")]), value: 4),
        ])
    }

    @Test func typeNamesAreCaseInsensitiveAndFamiliesWithoutSamplesAreDropped() throws {
        let text = """
        # HELP lonely nobody samples me
        # TYPE lonely gauge
        # TYPE loud COUNTER
        loud 1

        """
        let families = try TextFormatParser.parse(text)
        #expect(families.map(\.name) == ["loud"])
        #expect(families[0].type == .counter)
    }

    @Test func emptyInputHasNoFamilies() throws {
        #expect(try TextFormatParser.parse("").isEmpty)
        #expect(try TextFormatParser.parse("\n\n# only a comment\n").isEmpty)
    }

    @Test func metadataForSuffixesOfAHistogramGoesToTheHistogram() throws {
        // As in expfmt, `# HELP h_sum` names the histogram `h` once `h` is a histogram.
        let text = """
        # TYPE h histogram
        # HELP h_bucket help via a suffix
        h_bucket{le="1"} 1
        h_bucket{le="+Inf"} 1

        """
        let families = try TextFormatParser.parse(text)
        #expect(families.count == 1)
        #expect(families[0].help == "help via a suffix")
    }

    // The three cases where this parser used to be stricter than expfmt (ADR 0004): expfmt
    // (`promtool check metrics`) accepts them, and Prometheus's scraper stores every line.

    @Test func histogramBucketWithoutLeIsASampleOfTheHistogram() throws {
        // expfmt groups `h_bucket` into `h` (promtool --extended counts one histogram `h`) and
        // leaves the bucket out of its protobuf; Prometheus stores the series `h_bucket{}`.
        let text = """
        # TYPE h histogram
        h_bucket 1
        h_bucket{x="1"} 2
        h_bucket{le="+Inf"} 3
        h 4
        h_sum 5
        h_count 3

        """
        let families = try TextFormatParser.parse(text)
        #expect(families.map(\.name) == ["h"])
        #expect(families[0].type == .histogram)
        #expect(families[0].samples == [
            Sample(name: "h_bucket", value: 1),
            Sample(name: "h_bucket", labels: Labels([("x", "1")]), value: 2),
            Sample(name: "h_bucket", labels: Labels([("le", "+Inf")]), value: 3),
            Sample(name: "h", value: 4),
            Sample(name: "h_sum", value: 5),
            Sample(name: "h_count", value: 3),
        ])
    }

    @Test func summarySampleWithoutQuantileIsASampleOfTheSummary() throws {
        let text = """
        # TYPE s summary
        s 1
        s{x="1"} 2
        s{quantile="0.5"} 3
        s_sum 4
        s_count 5

        """
        let families = try TextFormatParser.parse(text)
        #expect(families.map(\.name) == ["s"])
        #expect(families[0].type == .summary)
        #expect(families[0].samples == [
            Sample(name: "s", value: 1),
            Sample(name: "s", labels: Labels([("x", "1")]), value: 2),
            Sample(name: "s", labels: Labels([("quantile", "0.5")]), value: 3),
            Sample(name: "s_sum", value: 4),
            Sample(name: "s_count", value: 5),
        ])
    }

    @Test func aFamilySeenAgainContinuesTheSameFamily() throws {
        // As expfmt's `metricFamiliesByName`: samples and a first HELP of a family that
        // reappears after another family go to the family seen first, which keeps its place.
        let text = """
        a 1
        b 2
        a{x="y"} 3
        # TYPE h histogram
        h_bucket{le="+Inf"} 1
        other 1
        h_count 1
        # HELP b late help
        b{z="1"} 4

        """
        let families = try TextFormatParser.parse(text)
        #expect(families.map(\.name) == ["a", "b", "h", "other"])
        #expect(families.map(\.type) == [.untyped, .untyped, .histogram, .untyped])
        #expect(families[0].samples == [Sample(name: "a", value: 1), Sample(name: "a", labels: Labels([("x", "y")]), value: 3)])
        #expect(families[1].help == "late help")
        #expect(families[1].samples == [Sample(name: "b", value: 2), Sample(name: "b", labels: Labels([("z", "1")]), value: 4)])
        #expect(families[2].samples.map(\.name) == ["h_bucket", "h_count"])
    }
}
