import Testing
@testable import Telemetry

/// One malformed exposition and where the parser must report it.
struct MalformedCase: CustomTestStringConvertible, Sendable {
    var text: String
    var line: Int
    var column: Int
    /// A fragment the message must contain.
    var message: String
    var testDescription: String { "\(line):\(column) \(message)" }
}

@Suite struct TextFormatParserErrorTests {
    static let cases: [MalformedCase] = [
        // Metadata.
        .init(text: "# HELP foo a\n# HELP foo b\nfoo 1\n", line: 2, column: 8, message: "second HELP line for metric name \"foo\""),
        .init(text: "# TYPE foo counter\n# TYPE foo gauge\nfoo 1\n", line: 2, column: 8, message: "second TYPE line"),
        .init(text: "foo 1\n# TYPE foo counter\n", line: 2, column: 8, message: "TYPE reported after samples"),
        .init(text: "# TYPE h histogram\nh_sum 1\n# TYPE h_sum gauge\n", line: 3, column: 8, message: "second TYPE line for metric name \"h\""),
        .init(text: "# TYPE foo bogus\nfoo 1\n", line: 1, column: 12, message: "unknown metric type \"bogus\""),
        .init(text: "# TYPE foo counter \nfoo 1\n", line: 1, column: 12, message: "unknown metric type \"counter \""),
        .init(text: "# HELP 1foo x\n", line: 1, column: 8, message: "invalid metric name in comment"),
        .init(text: "# HELP foo-bar x\n", line: 1, column: 11, message: "invalid metric name in comment"),
        .init(text: "# HELP foo bad \\x escape\n", line: 1, column: 16, message: "invalid escape sequence '\\x'"),
        .init(text: "# HELP foo \\\"quoted\\\"\n", line: 1, column: 12, message: "invalid escape sequence '\\\"'"),
        .init(text: "# HELP foo ends with \\\n", line: 1, column: 22, message: "invalid escape sequence"),
        // A family may reappear after another (TextFormatParserTests), but its metadata may
        // still come only once, and TYPE only before its samples, as in expfmt.
        .init(text: "a 1\nb 2\n# TYPE a gauge\na 3\n", line: 3, column: 8, message: "TYPE reported after samples"),
        .init(text: "# HELP a x\na 1\nb 2\n# HELP a y\n", line: 4, column: 8, message: "second HELP line for metric name \"a\""),
        .init(text: "# TYPE h histogram\nh_bucket 1\nb 2\n# TYPE h_bucket gauge\n", line: 4, column: 8,
              message: "second TYPE line for metric name \"h\""),
        // Histogram and summary labels.
        .init(text: "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", line: 2, column: 14, message: "expected float as value for 'le' label, got \"x\""),
        .init(text: "# TYPE h histogram\nh_bucket{le=\"\"} 1\n", line: 2, column: 14, message: "'le' label"),
        .init(text: "# TYPE s summary\ns{quantile=\"1.2.3\"} 1\n", line: 2, column: 13, message: "expected float as value for 'quantile' label"),
        .init(text: "# TYPE s summary\ns_sum{quantile=\"0x1p3\"} 1\n", line: 2, column: 17, message: "'quantile' label"),
        // Labels.
        .init(text: "foo{a=\"1\",a=\"2\"} 1\n", line: 1, column: 11, message: "duplicate label name \"a\""),
        .init(text: "foo{a=\"é\",a=\"2\"} 1\n", line: 1, column: 11, message: "duplicate label name"),
        .init(text: "foo{__name__=\"x\"} 1\n", line: 1, column: 5, message: "label name \"__name__\" is reserved"),
        .init(text: "foo{1a=\"x\"} 1\n", line: 1, column: 5, message: "invalid label name for metric \"foo\""),
        .init(text: "foo{a-b=\"x\"} 1\n", line: 1, column: 6, message: "expected '=' after label name, found '-'"),
        .init(text: "foo{a=x} 1\n", line: 1, column: 7, message: "expected '\"' at start of label value, found 'x'"),
        .init(text: "foo{a=\"\\t\"} 1\n", line: 1, column: 8, message: "invalid escape sequence '\\t'"),
        .init(text: "foo{a=\"b} 1\n", line: 1, column: 12, message: "contains unescaped new-line"),
        .init(text: "foo{a=\"b\" c=\"d\"} 1\n", line: 1, column: 11, message: "after label value, expected ',' or '}'"),
        .init(text: "foo{a=\"b\"\n", line: 1, column: 10, message: "unexpected end of line in label set"),
        .init(text: "foo{,} 1\n", line: 1, column: 5, message: "invalid label name"),
        // Names.
        .init(text: "ok 1\n1foo 1\n", line: 2, column: 1, message: "invalid metric name"),
        .init(text: "foo-bar 1\n", line: 1, column: 4, message: "invalid character '-' in metric name"),
        .init(text: "fö 1\n", line: 1, column: 2, message: "invalid character 'ö' in metric name"),
        .init(text: "{\"quoted\"} 1\n", line: 1, column: 1, message: "invalid metric name"),
        // Values.
        .init(text: "foo\n", line: 1, column: 4, message: "missing value for metric \"foo\""),
        .init(text: "foo{a=\"b\"}   \n", line: 1, column: 14, message: "missing value"),
        .init(text: "foo abc\n", line: 1, column: 5, message: "expected float as value, got \"abc\""),
        .init(text: "foo 0x10\n", line: 1, column: 5, message: "expected float as value, got \"0x10\""),
        .init(text: "foo 1_000\n", line: 1, column: 5, message: "expected float as value"),
        .init(text: "foo 1e400\n", line: 1, column: 5, message: "expected float as value"),
        .init(text: "foo +NaN\n", line: 1, column: 5, message: "expected float as value"),
        .init(text: "foo 1,5\n", line: 1, column: 5, message: "expected float as value"),
        // Timestamps and what follows.
        .init(text: "foo 1 1.5\n", line: 1, column: 7, message: "expected integer as timestamp, got \"1.5\""),
        .init(text: "foo 1 99999999999999999999\n", line: 1, column: 7, message: "expected integer as timestamp"),
        .init(text: "foo 1 \n", line: 1, column: 7, message: "expected integer as timestamp, got \"\""),
        .init(text: "foo 1 123 x\n", line: 1, column: 11, message: "spurious string after timestamp: \" x\""),
        .init(text: "foo 1 123 \n", line: 1, column: 10, message: "spurious string after timestamp"),
        // The input must end with a newline, as in expfmt.
        .init(text: "foo 1", line: 1, column: 6, message: "unexpected end of input stream"),
        .init(text: "foo 1\n# EOF", line: 2, column: 6, message: "unexpected end of input stream"),
    ]

    @Test(arguments: cases)
    func reportsLineColumnAndMessage(_ c: MalformedCase) {
        #expect(throws: ExpositionError.self) { try TextFormatParser.parse(c.text) }
        do {
            _ = try TextFormatParser.parse(c.text)
        } catch {
            #expect(error.line == c.line, "line")
            #expect(error.column == c.column, "column")
            #expect(error.message.contains(c.message), "message was: \(error.message)")
        }
    }

    @Test func errorDescriptionIsLineColonColumn() {
        let error = ExpositionError(line: 3, column: 9, message: "boom")
        #expect(error.description == "3:9: boom")
        #expect(throws: ExpositionError(line: 1, column: 5, message: "expected float as value, got \"abc\"")) {
            try TextFormatParser.parse("foo abc\n")
        }
    }
}
