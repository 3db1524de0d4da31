import Testing
@testable import Telemetry

@Suite struct OpenMetricsParserTests {
    func parseError(_ text: String) -> ExpositionError? {
        do throws(ExpositionError) {
            _ = try OpenMetricsParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func countersWithExemplarsTimestampsAndCreated() throws {
        let families = try OpenMetricsParser.parse("""
            # TYPE rpc_seconds counter
            # UNIT rpc_seconds seconds
            # HELP rpc_seconds Time in \\"rpc\\"\\nsecond line \\z
            rpc_seconds_total{method="get"} 17 1.5e3 # {trace_id="abc"} 0.25 1700000000.123
            rpc_seconds_created{method="get"} 1600000000.5 1.5e3
            # EOF

            """)
        #expect(families.count == 1)
        let family = try #require(families.first)
        #expect(family.name == "rpc_seconds")
        #expect(family.type == .counter)
        #expect(family.unit == "seconds")
        #expect(family.help == "Time in \"rpc\"\nsecond line \\z")
        #expect(family.samples.count == 2)
        let total = family.samples[0]
        #expect(total.name == "rpc_seconds_total")
        #expect(total.labels == Labels(["method": "get"]))
        #expect(total.value == 17)
        #expect(total.timestamp == Timestamp(milliseconds: 1_500_000))
        let exemplar = try #require(total.exemplar)
        #expect(exemplar.labels == Labels(["trace_id": "abc"]))
        #expect(exemplar.value == 0.25)
        #expect(exemplar.timestamp == Timestamp(milliseconds: 1_700_000_000_123))
        #expect(family.samples[1].name == "rpc_seconds_created")
        #expect(family.samples[1].value == 1_600_000_000.5)
        #expect(family.samples[1].exemplar == nil)
    }

    @Test func everyTypeMapsToMetricType() throws {
        let families = try OpenMetricsParser.parse("""
            # TYPE g gauge
            g 1
            # TYPE h histogram
            h_bucket{le="1"} 1
            h_bucket{le="+Inf"} 2
            h_count 2
            h_sum 3.5
            # TYPE gh gaugehistogram
            gh_bucket{le="+Inf"} 2
            gh_gcount 2
            gh_gsum 1
            # TYPE s summary
            s{quantile="0.5"} 0.1
            s_count 3
            s_sum 1
            # TYPE i info
            i_info{version="1.2"} 1
            # TYPE st stateset
            st{st="a"} 1
            st{st="b"} 0
            # TYPE u unknown
            u 4
            plain 5
            # EOF
            """)
        #expect(families.map(\.name) == ["g", "h", "gh", "s", "i", "st", "u", "plain"])
        #expect(families.map(\.type) == [.gauge, .histogram, .gaugehistogram, .summary, .info, .stateset, .unknown, .unknown])
        #expect(families[1].samples.map(\.name) == ["h_bucket", "h_bucket", "h_count", "h_sum"])
        #expect(families[1].samples[0].labels["le"] == "1")
        #expect(families[5].samples.map { $0.labels["st"] } == ["a", "b"])
    }

    @Test func labelValueEscapesAndSpecialValues() throws {
        let families = try OpenMetricsParser.parse("""
            a{x="q\\"uote",y="back\\\\slash",z="new\\nline",w="kept\\z",v="# {not} an exemplar"} +Inf
            b -inf
            c NaN
            d .5
            e 5.
            f 00012e-1
            # EOF
            """)
        let labels = families[0].samples[0].labels
        #expect(labels["x"] == "q\"uote")
        #expect(labels["y"] == "back\\slash")
        #expect(labels["z"] == "new\nline")
        #expect(labels["w"] == "kept\\z")
        #expect(labels["v"] == "# {not} an exemplar")
        #expect(families[0].samples[0].value == .infinity)
        #expect(families[1].samples[0].value == -.infinity)
        #expect(families[2].samples[0].value.isNaN)
        #expect(families[3].samples[0].value == 0.5)
        #expect(families[4].samples[0].value == 5)
        #expect(families[5].samples[0].value == 1.2)
    }

    @Test func timestampsAreSecondsRoundedToMillisecondsAndSaturated() throws {
        let families = try OpenMetricsParser.parse("""
            a{i="1"} 1 1.0004
            a{i="2"} 1 1.0006
            a{i="3"} 1 -2.5
            a{i="4"} 1 12345678901234567890.5
            a{i="5"} 1 -12345678901234567890
            # EOF

            """)
        #expect(families[0].samples.map(\.timestamp?.milliseconds) == [1000, 1001, -2500, .max, .min])
    }

    @Test func repeatsAtTheSameMillisecondAreDropped() throws {
        let families = try OpenMetricsParser.parse("""
            a 1 0.0001
            a 2 0.0002
            a 3 0.002
            # EOF
            """)
        #expect(families[0].samples.map(\.value) == [1, 3])
    }

    @Test func familiesWithoutSamplesAreDropped() throws {
        let families = try OpenMetricsParser.parse("# HELP a help\n# TYPE b gauge\nc 1\n# EOF\n")
        #expect(families.map(\.name) == ["c"])
    }

    @Test(arguments: [
        // (input, line, column, message fragment)
        ("a 1\n", 2, 1, "missing \"# EOF\""),
        ("a 1\n# EOF\n\n", 3, 1, "after \"# EOF\""),
        ("a 1\n\n# EOF\n", 2, 1, "blank line"),
        ("a 1\nb{x=\"1\",} 2\n# EOF\n", 2, 9, "invalid label name"),
        ("# TYPE a counter\na_total -1\n# EOF\n", 2, 9, "negative"),
        ("a 1\nb 1\na 2\n# EOF\n", 3, 1, "already used"),
        ("# TYPE a gauge\na 1 # {x=\"y\"} 1\n# EOF\n", 2, 5, "exemplars are allowed only"),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 0\n# EOF\n", 3, 1, "must not decrease"),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n# EOF\n", 2, 1, "no +Inf bucket"),
        ("# UNIT a_bytes seconds\n# EOF\n", 1, 8, "not the suffix"),
        ("a{é=\"1\"} 1\n# EOF\n", 1, 3, "invalid label name"),
        ("é 1\n# EOF\n", 1, 1, "invalid metric name"),
        ("a{x=\"é\"} z\n# EOF\n", 1, 10, "invalid value"),
        ("# comment\n# EOF\n", 1, 3, "unknown metadata \"comment\""),
        ("#comment\n# EOF\n", 1, 2, "comment lines are not allowed"),
        ("a 1\n# EOF", 0, 0, ""),  // valid: the final newline is optional after # EOF
    ])
    func errorsArePositioned(input: String, line: Int, column: Int, fragment: String) {
        let error = parseError(input)
        if line == 0 {
            #expect(error == nil)
            return
        }
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.column == column, "\(String(describing: error))")
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test func bothParsersRejectLinesOverOneMebibyte() {
        let limit = ExpositionLimits.maxLineBytes
        #expect(limit == 1_048_576)
        // Exactly at the limit: fine.
        let atLimitHelp = "# HELP a " + String(repeating: "x", count: limit - 9)
        #expect(throws: Never.self) { try OpenMetricsParser.parse(atLimitHelp + "\na 1\n# EOF\n") }
        #expect(throws: Never.self) { try TextFormatParser.parse(atLimitHelp + "\na 1\n") }
        // One byte more: a positioned error on line 1 at the first byte past the limit.
        let over = atLimitHelp + "x"
        let body = over + "\na 1\n# EOF\n"
        var errors: [ExpositionError?] = [parseError(body)]
        do throws(ExpositionError) {
            _ = try TextFormatParser.parse(body)
            errors.append(nil)
        } catch {
            errors.append(error)
        }
        for error in errors {
            #expect(error?.line == 1)
            #expect(error?.column == limit + 1)
            #expect(error?.message.contains("longer than") == true)
        }
    }

    static func labelSet(_ count: Int) -> String {
        "{" + (0..<count).map { "l\($0)=\"v\"" }.joined(separator: ",") + "}"
    }

    @Test func bothParsersRejectMoreThanAThousandLabels() throws {
        let limit = ExpositionLimits.maxLabelsPerSample
        #expect(limit == 1_000)
        let atLimit = "a" + Self.labelSet(limit) + " 1\n"
        #expect(try OpenMetricsParser.parse(atLimit + "# EOF\n")[0].samples[0].labels.count == limit)
        #expect(try TextFormatParser.parse(atLimit)[0].samples[0].labels.count == limit)
        let over = "a" + Self.labelSet(limit + 1) + " 1\n"
        let omError = parseError(over + "# EOF\n")
        #expect(omError?.line == 1)
        #expect(omError?.message.contains("more than 1000 labels") == true)
        do throws(ExpositionError) {
            _ = try TextFormatParser.parse(over)
            Issue.record("1,001 labels were accepted")
        } catch {
            #expect(error.line == 1)
            #expect(error.message.contains("more than 1000 labels"))
            // The column of the 1,001st label's name.
            let prefix = "a{" + (0..<limit).map { "l\($0)=\"v\"" }.joined(separator: ",") + ","
            #expect(error.column == prefix.count + 1)
        }
    }

    @Test func duplicateLabelNamesAreFoundInLongLabelSetsToo() {
        // Past 16 labels the parsers switch to a hashed check: it must still see every name.
        for count in [3, 16, 17, 40, 1000] {
            let names = (0..<count).map { "l\($0)" }
            for duplicate in [names.first!, names[count / 2], names.last!] {
                let set = "{" + (names + [duplicate]).map { "\($0)=\"v\"" }.joined(separator: ",") + "}"
                let omError = parseError("a" + set + " 1\n# EOF\n")
                #expect(omError?.message == "duplicate label name \"\(duplicate)\"", "\(count) \(duplicate)")
                do throws(ExpositionError) {
                    _ = try TextFormatParser.parse("a" + set + " 1\n")
                    Issue.record("duplicate \(duplicate) among \(count) labels accepted by TextFormatParser")
                } catch {
                    #expect(error.message.hasPrefix("duplicate label name \"\(duplicate)\""), "\(count) \(duplicate)")
                }
            }
        }
    }

    @Test func labelsAreSortedWhateverTheirOrderOnTheLine() throws {
        let families = try OpenMetricsParser.parse("a{c=\"3\",a=\"1\",b=\"2\"} 1\na{a=\"4\",b=\"5\"} 2\n# EOF\n")
        let first = families[0].samples[0].labels
        #expect(first.pairs.map(\.name) == ["a", "b", "c"])
        #expect(first == Labels([("c", "3"), ("a", "1"), ("b", "2")]))
        #expect(first.hashValue == Labels([("c", "3"), ("a", "1"), ("b", "2")]).hashValue)
        #expect(families[0].samples[1].labels.pairs.map(\.value) == ["4", "5"])
        // A reordered label set is the same metric: repeating it after another one is an error.
        let error = parseError("a{x=\"1\",y=\"2\"} 1\na{x=\"3\"} 1\na{y=\"2\",x=\"1\"} 1\n# EOF\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("must be contiguous") == true)
    }

    @Test func textParserDoesNotProduceExemplars() throws {
        let families = try TextFormatParser.parse("a_total 1\n")
        #expect(families[0].samples[0].exemplar == nil)
    }
}

@Suite struct ExpositionEntryPointTests {
    func error(_ bytes: [UInt8], _ format: ExpositionFormat) -> ExpositionError? {
        do throws(ExpositionError) {
            _ = try Exposition.parse(bytes, format: format)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.openMetrics),
        ("Application/OpenMetrics-Text", .openMetrics),
        ("application/openmetrics-text;version=0.0.1", .openMetrics),
        ("text/plain; version=0.0.4; charset=utf-8", .text004),
        ("text/plain", .text004),
        ("text/plain; version=1.0.0", .text004),
        ("", .text004),
        ("application/json", .text004),
    ])
    func formatFromContentType(contentType: String, expected: ExpositionFormat) {
        #expect(ExpositionFormat.from(contentType: contentType) == expected)
    }

    @Test func missingContentTypeIsText004() {
        #expect(ExpositionFormat.from(contentType: nil) == .text004)
    }

    @Test func detectLooksForAFinalEOFLine() {
        #expect(ExpositionFormat.detect(Array("a 1\n# EOF\n".utf8)) == .openMetrics)
        #expect(ExpositionFormat.detect(Array("a 1\n# EOF".utf8)) == .openMetrics)
        #expect(ExpositionFormat.detect(Array("# EOF".utf8)) == .openMetrics)
        #expect(ExpositionFormat.detect(Array("a 1\n".utf8)) == .text004)
        #expect(ExpositionFormat.detect(Array("a 1\n#  EOF\n".utf8)) == .text004)
        #expect(ExpositionFormat.detect(Array("a 1\nx# EOF\n".utf8)) == .text004)
        #expect(ExpositionFormat.detect(Array("a 1\n# EOF\n\n".utf8)) == .text004)
        #expect(ExpositionFormat.detect([UInt8]()) == .text004)
    }

    @Test func dispatchesToTheFormatsParser() throws {
        let om = Array("# TYPE a counter\na_total 1\n# EOF\n".utf8)
        #expect(try Exposition.parse(om, format: .openMetrics)[0].type == .counter)
        // The same bytes in 0.0.4: "# EOF" is a comment, a_total an untyped sample.
        let text = try Exposition.parse(om, format: .text004)
        #expect(text.map(\.name) == ["a", "a_total"] || text.map(\.name) == ["a_total"])
        #expect(text.last?.samples.first?.name == "a_total")
        // A collection without contiguous storage takes the copying path.
        let lazy = Array("a 1\n".utf8).lazy.map { $0 }
        #expect(try Exposition.parse(lazy, format: .text004)[0].samples[0].value == 1)
    }

    @Test func validMultiByteUTF8IsAccepted() throws {
        let body = Array("a{x=\"é✓😀\"} 1\n# EOF\n".utf8)
        #expect(try Exposition.parse(body, format: .openMetrics)[0].samples[0].labels["x"] == "é✓😀")
    }

    @Test(arguments: [
        // (bytes, line, column, fragment)
        ([0x61, 0x20, 0x31, 0x0A, 0x62, 0xC3, 0x0A], 2, 2, "invalid UTF-8"),       // truncated 2-byte sequence
        ([0x61, 0xFF, 0x20, 0x31, 0x0A], 1, 2, "0xFF cannot start"),
        ([0xC0, 0xAF, 0x0A], 1, 1, "0xC0 cannot start"),                            // overlong '/'
        ([0xE0, 0x80, 0xAF, 0x0A], 1, 1, "followed by 0x80"),                       // overlong 3-byte
        ([0xED, 0xA0, 0x80, 0x0A], 1, 1, "followed by 0xA0"),                       // UTF-16 surrogate
        ([0xF4, 0x90, 0x80, 0x80, 0x0A], 1, 1, "followed by 0x90"),                 // past U+10FFFF
        ([0x61, 0x7B, 0x78, 0x3D, 0x22, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x0A], 1, 7, "invalid UTF-8"),  // é then a cut emoji
        ([0x61, 0x20, 0x31, 0x0A, 0x23, 0x20, 0x00, 0x0A], 2, 3, "NUL"),
        ([0x23, 0x20, 0x48, 0x45, 0x4C, 0x50, 0x20, 0x61, 0x20, 0x68, 0x00, 0x0A], 1, 11, "NUL"),
    ] as [([UInt8], Int, Int, String)])
    func invalidBytesArePositionedForBothFormats(bytes: [UInt8], line: Int, column: Int, fragment: String) {
        for format in ExpositionFormat.allCases {
            let e = error(bytes, format)
            #expect(e?.line == line, "\(format): \(String(describing: e))")
            #expect(e?.column == column, "\(format): \(String(describing: e))")
            #expect(e?.message.contains(fragment) == true, "\(format): \(String(describing: e))")
        }
    }

    @Test func nulInHelpParsesThroughTheStringAPIButNotTheByteEntry() throws {
        // OpenMetrics' grammar allows NUL in HELP text (conformance case null_byte);
        // the byte entry point refuses it on purpose.
        let text = "# TYPE a counter\n# HELP a he\u{0}lp\na_total 1\n# EOF\n"
        #expect(try OpenMetricsParser.parse(text)[0].help == "he\u{0}lp")
        #expect(error(Array(text.utf8), .openMetrics)?.line == 2)
    }
}
