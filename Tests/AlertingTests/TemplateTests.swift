import Testing
@testable import Alerting

@Suite struct TemplateTests {
    func expand(_ t: String, _ labels: [String: String] = ["job": "api"], _ v: Double = 0.5) throws -> String {
        try Template(t).expand(TemplateData(labels: labels, value: v))
    }

    @Test func labelsAndValue() throws {
        #expect(try expand("{{ $labels.job }} at {{ $value }}") == "api at 0.5")
        #expect(try expand("{{ .Labels.job }} {{ .Value }}") == "api 0.5")
        #expect(try expand("{{ $labels.missing }}x") == "x")
    }

    @Test func goFloatFormatting() {
        #expect(GoFormat.v(1234567) == "1.234567e+06")
        #expect(GoFormat.v(123456) == "123456")
        #expect(GoFormat.v(0.00001) == "1e-05")
        #expect(GoFormat.v(0.0001) == "0.0001")
        #expect(GoFormat.v(-2.5) == "-2.5")
    }

    @Test func humanizeFamily() throws {
        #expect(try expand("{{ humanize $value }}", [:], 1234567) == "1.235M")
        #expect(try expand("{{ $value | humanizeDuration }}", [:], 1234567) == "14d 6h 56m 7s")
        #expect(try expand("{{ printf \"%.2f\" $value }}", [:], 1234567) == "1234567.00")
        #expect(try expand("{{ $value | humanizePercentage }}", [:], 0.1234) == "12.34%")
        #expect(try expand("{{ humanize1024 $value }}", [:], 2048) == "2ki")
        #expect(Humanize.humanize(0.001) == "1m")
        #expect(Humanize.duration(0.5) == "500ms")
        #expect(Humanize.duration(90) == "1m 30s")
    }

    @Test func declarationsAndTrim() throws {
        #expect(try expand("{{ $x := $labels.job }}[{{- $x -}}]") == "[api]")
        #expect(try expand("{{/* c */}}ok") == "ok")
    }

    @Test func parseErrors() {
        #expect(throws: TemplateError.self) { try Template("{{ nosuchfunc $value }}") }
        #expect(throws: TemplateError.self) { try Template("{{ $value ") }
    }
}

@Suite struct TemplateConditionalTests {
    func expand(_ t: String, _ v: Double) throws -> String {
        try Template(t).expand(TemplateData(labels: ["tier": "gold"], value: v))
    }

    @Test func ifElseChain() throws {
        let t = "{{ if gt $value 10.0 }}page{{ else if gt $value 2.0 }}ticket{{ else }}info{{ end }}"
        #expect(try expand(t, 11) == "page")
        #expect(try expand(t, 3) == "ticket")
        #expect(try expand(t, 1) == "info")
        #expect(try expand("{{ if eq .Labels.tier \"gold\" }}G{{ end }}!", 0) == "G!")
        #expect(try expand("{{ if not (eq $labels.tier \"gold\") }}x{{ end }}.", 0) == ".")
    }

    @Test func unbalancedIsAParseError() {
        #expect(throws: TemplateError.self) { try Template("{{ if gt $value 1.0 }}x") }
        #expect(throws: TemplateError.self) { try Template("x{{ end }}") }
    }
}
