import Testing
import PromQL
import Telemetry
@testable import Alerting

/// Fixtures: a store with `load{host=...}` and `up{...}` series, and expansion helpers.
enum TemplateFixture {
    static let minute: Int64 = 60_000

    /// `load{host="c"}` 3, `load{host="a"}` 1, `load{host="b"}` 2 at 0s; at 60s each value is ten times that.
    static func store() -> SeriesStore {
        var s = SeriesStore(retention: Milliseconds(Int64.max / 4))
        for (host, v) in [("c", 3.0), ("a", 1.0), ("b", 2.0)] {
            let key = SeriesKey(name: "load", labels: Labels([("host", host)]))
            s.append(key, Point(t: Timestamp(milliseconds: 0), v: v))
            s.append(key, Point(t: Timestamp(milliseconds: minute), v: v * 10))
        }
        return s
    }

    static func data(labels: [String: String] = ["job": "api", "instance": "db-1.example.com:9100"], value: Double = 0.5,
                     store: SeriesStore? = TemplateFixture.store(), at t: Int64 = 0, maxSamples: Int = TemplateQuerier.defaultMaxSamples) -> TemplateData {
        TemplateData(labels: labels, value: value, externalLabels: ["region": "eu"], externalURL: "http://prom.example:9090/pre",
                     querier: store.map { TemplateQuerier(engine: Engine(), store: $0, time: Timestamp(milliseconds: t), maxSamples: maxSamples) })
    }

    static func expand(_ text: String, _ data: TemplateData = TemplateFixture.data()) throws -> String {
        try Template(text).expand(data)
    }

    /// The annotation text a rule named `A` would get (Prometheus's error text on failure).
    static func annotation(_ text: String, _ data: TemplateData = TemplateFixture.data()) throws -> String {
        try Template(text).expandOrError(data, name: "A")
    }
}

@Suite struct TemplateRangeTests {
    typealias F = TemplateFixture

    @Test func rangeOverAMapVisitsKeysInSortedOrder() throws {
        let labels = ["zone": "z1", "app": "web", "mid": "m"]
        let d = F.data(labels: labels)
        #expect(try F.expand("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", d) == "app=web;mid=m;zone=z1;")
        // One variable is the element, not the key; `.` is the element too.
        #expect(try F.expand("{{ range $v := $labels }}{{ $v }},{{ end }}", d) == "web,m,z1,")
        #expect(try F.expand("{{ range .Labels }}[{{ . }}]{{ end }}", d) == "[web][m][z1]")
    }

    @Test func rangeElseRunsOnlyForAnEmptyCollection() throws {
        #expect(try F.expand("{{ range $labels }}x{{ else }}empty{{ end }}", F.data(labels: [:])) == "empty")
        #expect(try F.expand("{{ range $labels }}x{{ else }}empty{{ end }}", F.data(labels: ["a": "1"])) == "x")
        #expect(try F.expand("{{ range query \"nope\" }}x{{ else }}no series{{ end }}") == "no series")
        // A missing map value is nil: range over it runs the else branch, like an empty map.
        #expect(try F.expand("{{ range (args).nothing }}x{{ else }}nil{{ end }}") == "nil")
    }

    @Test func rangeOverQueryResultsGivesIndexAndSamples() throws {
        let t = "{{ range $i, $s := query \"load\" | sortByLabel \"host\" }}{{ $i }}:{{ $s.Labels.host }}={{ .Value }} {{ end }}"
        #expect(try F.expand(t) == "0:a=1 1:b=2 2:c=3 ")
        #expect(try F.expand("{{ range query \"load > 1\" | sortByLabel \"host\" }}{{ label \"host\" . }}{{ value . }};{{ end }}") == "b2;c3;")
    }

    @Test func breakAndContinue() throws {
        let t = "{{ range $i, $s := query \"load\" | sortByLabel \"host\" }}{{ if eq $i 0 }}{{ continue }}{{ end }}"
            + "{{ if eq $s.Labels.host \"c\" }}{{ break }}{{ end }}{{ $s.Labels.host }}{{ end }}."
        #expect(try F.expand(t) == "b.")
        #expect(throws: TemplateError.self) { try Template("{{ break }}") }
        #expect(throws: TemplateError.self) { try Template("{{ range $labels }}{{ else }}{{ continue }}{{ end }}") }
    }

    @Test func rangeVariablesAreScopedToTheRange() throws {
        #expect(throws: TemplateError.self) { try Template("{{ range $k, $v := $labels }}{{ end }}{{ $k }}") }
        #expect(throws: TemplateError.self) { try Template("{{ range $a, $b, $c := $labels }}{{ end }}") }
        // Assignment to an outer variable survives the range.
        #expect(try F.expand("{{ $n := 0 }}{{ range $labels }}{{ $n = . }}{{ end }}{{ $n }}", F.data(labels: ["a": "x", "b": "y"])) == "y")
    }

    @Test func rangeOverAScalarIsAnExecutionError() throws {
        let text = try F.annotation("{{ range 3 }}x{{ end }}")
        #expect(text == "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: "
                + "executing \"__alert_A\" at <3>: range can't iterate over 3>")
    }
}

@Suite struct TemplateWithTests {
    typealias F = TemplateFixture

    @Test func withRebindsDotAndKeepsDollar() throws {
        #expect(try F.expand("{{ with $labels.job }}[{{ . }}] {{ $.Labels.instance }}{{ end }}") == "[api] db-1.example.com:9100")
        #expect(try F.expand("{{ with $x := $labels.job }}{{ $x }}{{ . }}{{ end }}") == "apiapi")
        #expect(try F.expand("{{ with .Labels }}{{ .job }}{{ end }}") == "api")
    }

    @Test func withElseForEmptyValuesKeepsTheOuterDot() throws {
        #expect(try F.expand("{{ with $labels.nope }}x{{ else }}none for {{ .Labels.job }}{{ end }}") == "none for api")
        #expect(try F.expand("{{ with 0 }}x{{ else }}zero{{ end }}{{ with 0.0 }}x{{ else }}/zero{{ end }}") == "zero/zero")
        #expect(try F.expand("{{ with query \"nope\" }}x{{ else }}nothing{{ end }}") == "nothing")
        #expect(try F.expand("{{ with query \"load\" }}{{ len . }} series{{ end }}") == "3 series")
    }

    @Test func withAndRangeRejectElseIf() {
        #expect(throws: TemplateError.self) { try Template("{{ with $labels.job }}a{{ else if true }}b{{ end }}") }
        #expect(throws: TemplateError.self) { try Template("{{ with 1 }}a{{ else }}b{{ else }}c{{ end }}") }
    }

    @Test func goTruthiness() throws {
        // A non-empty string is true even when it says "false"; zero numbers, empty strings and maps are false; NaN is true.
        #expect(try F.expand("{{ if \"false\" }}T{{ else }}F{{ end }}{{ if \"\" }}T{{ else }}F{{ end }}{{ if 0 }}T{{ else }}F{{ end }}") == "TFF")
        #expect(try F.expand("{{ if $value }}T{{ else }}F{{ end }}", F.data(value: 0)) == "F")
        #expect(try F.expand("{{ if $value }}T{{ else }}F{{ end }}", F.data(value: .nan)) == "T")
        #expect(try F.expand("{{ if $labels }}T{{ else }}F{{ end }}", F.data(labels: [:])) == "F")
        #expect(try F.expand("{{ if not 0 }}T{{ end }}{{ and 1 0 2 }}{{ or 0 \"\" 3 }}") == "T03")
    }
}

@Suite struct TemplateQueryTests {
    typealias F = TemplateFixture

    @Test func queryFirstValueHumanize() throws {
        #expect(try F.expand("{{ with query \"sum(load)\" }}{{ . | first | value | humanize }}{{ end }}") == "6")
        #expect(try F.expand("{{ (query \"load\" | sortByLabel \"host\" | first).Labels.host }}") == "a")
        #expect(try F.expand("{{ query \"load{host='b'}\" | first | label \"host\" }}") == "b")
        // A scalar result is one sample without labels; __name__ is among a selector's labels.
        #expect(try F.expand("{{ query \"1 + 1\" | first | value }}{{ query \"scalar(sum(load))\" | first | strvalue }}") == "2")
        #expect(try F.expand("{{ (query \"load{host='a'}\" | first).Labels }}") == "map[__name__:load host:a]")
    }

    @Test func queryRunsAtTheGivenEvaluationTime() throws {
        let t = "{{ query \"sum(load)\" | first | value }}"
        #expect(try F.expand(t, F.data(at: 0)) == "6")
        #expect(try F.expand(t, F.data(at: F.minute)) == "60")
    }

    @Test func ruleTemplatesQueryTheRuleStoreAtTheRuleTime() throws {
        let rules = """
        groups:
        - name: g
          rules:
          - alert: HighLoad
            expr: load > 15
            annotations:
              total: '{{ with query "sum(load)" }}{{ . | first | value }}{{ end }}'
              others: '{{ range query "load" | sortByLabel "host" }}{{ if ne .Labels.host $labels.host }}{{ .Labels.host }}{{ end }}{{ end }}'
              labels: '{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}'
        """
        let group = try RuleLoader.load(text: rules, file: "t.yml").get()[0]
        var ev = RuleGroupEvaluator(group: group)
        var store = F.store()
        ev.evaluate(at: Timestamp(milliseconds: F.minute), store: &store)
        let alerts = ev.alerts(ofRule: 0)
        #expect(alerts.map { $0.labels["host"] ?? "" } == ["b", "c"])
        #expect(alerts.first?.annotations["total"] == "60")
        #expect(alerts.first?.annotations["others"] == "ac")
        // As in Prometheus, the template's $labels keep the sample's __name__ (the alert's labels do not).
        #expect(alerts.first?.annotations["labels"] == "__name__=load host=b ")
        #expect(alerts.first?.labels["__name__"] == nil)
    }

    @Test func aQueryWithTooManySamplesIsAnErrorNotAHang() throws {
        let text = try F.annotation("{{ range query \"load\" }}x{{ end }}", F.data(maxSamples: 2))
        #expect(text.hasPrefix("<error expanding template: "))
        #expect(text.contains("error calling query: query returned 3 samples, more than the limit of 2 for a template query"))
        #expect(TemplateQuerier.defaultMaxSamples == 10_000)
    }

    @Test func nestedRangesAreBounded() throws {
        var store = SeriesStore(retention: Milliseconds(Int64.max / 4))
        for k in 0..<400 { store.append(SeriesKey(name: "x", labels: Labels([("k", "\(k)")])), Point(t: Timestamp(milliseconds: 0), v: 1)) }
        // 400 × 400 iterations is more than the budget: an error, not minutes of work.
        let t = "{{ $q := query \"x\" }}{{ range $q }}{{ range $q }}{{ end }}{{ end }}done"
        let text = try F.annotation(t, F.data(store: store))
        #expect(text.contains("more than \(Template.maxRangeIterations) range iterations"))
        #expect(try F.expand("{{ $q := query \"x\" }}{{ range $q }}{{ end }}done", F.data(store: store)) == "done")
    }

    @Test func queryErrorsReadLikePrometheus() throws {
        #expect(try F.annotation("{{ query \"nope\" | first }}") == "<error expanding template: error executing template __alert_A: template: "
                + "__alert_A:1:130: executing \"__alert_A\" at <first>: error calling first: first() called on vector with no elements>")
        let bad = try F.annotation("{{ query \"sum(\" }}")
        #expect(bad.hasPrefix("<error expanding template: error executing template __alert_A: template: __alert_A:1:115: "
                              + "executing \"__alert_A\" at <query \"sum(\">: error calling query: 1:5: parse error: "))
        #expect(try F.annotation("{{ query \"\\\"s\\\"\" }}").hasSuffix("error calling query: rule result is not a vector or scalar>"))
        // Without a store every query is an error.
        #expect(try F.annotation("{{ query \"up\" }}", F.data(store: nil)).contains("error calling query: no store to query"))
    }

    @Test func queryResultTypesAreChecked() throws {
        #expect(try F.annotation("{{ \"a\" | label \"host\" }}").hasSuffix(
            "at <\"host\">: wrong type for value; expected *template.sample; got string>"))
        #expect(try F.annotation("{{ first 1 }}").hasSuffix("at <1>: can't handle 1 for arg of type template.queryResult>"))
        #expect(try F.annotation("{{ (query \"load\" | first).Nope }}").hasSuffix(
            "at <first>: can't evaluate field Nope in type *template.sample>"))
    }
}

@Suite struct TemplateErrorTests {
    typealias F = TemplateFixture

    func parseError(_ text: String) -> String? {
        do { _ = try Template(text); return nil } catch { return "\(error)" }
    }

    @Test func unclosedBlocksNameTheBlockAndWhereItOpened() {
        #expect(parseError("{{ range $labels }}x") == "unexpected EOF: {{range}} opened at line 1, column 4 has no matching {{end}}")
        #expect(parseError("ok {{ with $value }}x{{ if true }}y{{ end }}") == "unexpected EOF: {{with}} opened at line 1, column 7 has no matching {{end}}")
        #expect(parseError("a\nb {{ range $labels }}") == "unexpected EOF: {{range}} opened at line 2, column 6 has no matching {{end}} (template line 2)")
        #expect(parseError("{{ range $labels }}{{ end }}{{ end }}") == "unexpected {{end}}")
    }

    @Test func parseErrorsLikeGo() {
        #expect(parseError("{{ nosuch 1 }}") == "function \"nosuch\" not defined")
        #expect(parseError("{{ $nope }}") == "undefined variable \"$nope\"")
        #expect(parseError("{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}") == "undefined variable \"$x\"")
        #expect(parseError("{{ if }}x{{ end }}") == "missing value for if")
        #expect(parseError("{{ range }}x{{ end }}") == "missing value for range")
        #expect(parseError("{{ \"x\" | 1 }}") == "non executable command in pipeline stage 2")
        #expect(parseError("{{ template \"x\" }}") == "{{template}} is not supported in rule templates")
        #expect(parseError("{{ (1 }}") == "unclosed left paren")
        #expect(parseError("{{ \"abc }}") == "unterminated quoted string")
    }

    @Test func ruleLoaderReportsTemplateErrorsWithFileLineAndRule() throws {
        let text = """
        groups:
        - name: g
          rules:
          - alert: Fine
            expr: up == 0
            annotations:
              s: '{{ range query "up" }}{{ .Labels.instance }}{{ end }}'
          - alert: Broken
            expr: up == 0
            annotations:
              summary: '{{ range query "up" }}{{ .Labels.instance }}'
        """
        guard case .failure(let e) = RuleLoader.load(text: text, file: "bad.yml") else {
            Issue.record("an unclosed range must reject the file"); return
        }
        #expect(e.errors.count == 1)
        #expect(e.errors[0].rule == "Broken")
        #expect(e.errors[0].line == 11)
        #expect(e.errors[0].description
                == "bad.yml:11: rule \"Broken\": template error in annotations.summary: unexpected EOF: {{range}} opened at line 1, column 4 has no matching {{end}}")
    }

    @Test func intAndFloatDoNotCompare() throws {
        // Go's text/template: `2` is an int and $value a float64, so Prometheus renders an error, not a comparison.
        #expect(try F.annotation("{{ if gt $value 2 }}big{{ end }}") == "<error expanding template: error executing template __alert_A: template: "
                + "__alert_A:1:118: executing \"__alert_A\" at <gt $value 2>: error calling gt: incompatible types for comparison>")
        #expect(try F.expand("{{ if gt $value 2.0 }}big{{ else }}small{{ end }}", F.data(value: 3)) == "big")
    }

    @Test func errorColumnsCountThePrometheusPrefixOnlyOnLineOne() throws {
        #expect(try F.annotation("line1\n  {{ query \"nope\" | first }}").contains("template: __alert_A:2:20: executing"))
        #expect(try F.annotation("{{ .Labels.job.x }}").contains("__alert_A:1:122: executing \"__alert_A\" at <.Labels.job.x>: can't evaluate field x in type string"))
        do {
            _ = try Template("a\nb {{ .Nope }}").expand(F.data())
            Issue.record("expected an error")
        } catch let e as TemplateError {
            #expect(e.line == 2 && e.column == 5 && e.context == ".Nope")
        }
    }
}

@Suite struct TemplateFunctionTests {
    typealias F = TemplateFixture

    @Test func stringsAndHosts() throws {
        #expect(try F.expand("{{ $labels.instance | stripPort }} {{ $labels.instance | stripDomain }}") == "db-1.example.com db-1:9100")
        #expect(try F.expand("{{ stripDomain \"10.0.0.1:80\" }} {{ stripDomain \"[::1]:80\" }} {{ stripPort \"[::1]:9\" }} {{ stripPort \"host\" }}")
                == "10.0.0.1:80 [::1]:80 ::1 host")
        #expect(try F.expand("{{ title \"hELLO wORLD-foo_bar\" }} {{ toUpper \"straße\" }} {{ toLower \"ÀB\" }}") == "HELLO WORLD-Foo_bar STRAßE àb")
        #expect(try F.expand("{{ reReplaceAll \"a(b+)\" \"<$1>\" \"abbbc ab\" }}|{{ reReplaceAll \"(a)\" \"$1x\" \"ab\" }}|{{ reReplaceAll \"a*\" \"-\" \"baaac\" }}")
                == "<bbb>c <b>|b|-b-c-")
        #expect(try F.expand("{{ match \"^db-\" $labels.instance }} {{ safeHtml \"<b>\" }} {{ html \"<a&b>\" }} {{ urlquery \"a b&c\" }}")
                == "true <b> &lt;a&amp;b&gt; a+b%26c")
        #expect(try F.expand("{{ graphLink \"up == 0\" }}") == "/graph?g0.expr=up+%3D%3D+0&g0.tab=0")
        #expect(try F.expand("{{ externalURL }} {{ pathPrefix }}") == "http://prom.example:9090/pre /pre")
    }

    @Test func numbersTimesAndDurations() throws {
        #expect(try F.expand("{{ humanize1024 1048576 }} {{ humanizeTimestamp 1700000000.5 }}") == "1Mi 2023-11-14 22:13:20.5 +0000 UTC")
        #expect(try F.expand("{{ humanizeTimestamp -1.5 }}|{{ toTime 0 }}") == "1969-12-31 23:59:58.5 +0000 UTC|1970-01-01 00:00:00 +0000 UTC")
        #expect(try F.expand("{{ parseDuration \"1h30m\" }} {{ parseDuration \"1m500ms\" }}") == "5400 60.5")
        #expect(try F.annotation("{{ parseDuration \"300\" }}").hasSuffix("error calling parseDuration: not a valid duration string: \"300\">"))
        #expect(try F.annotation("{{ humanize \"abc\" }}").hasSuffix("error calling humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax>"))
        #expect(try F.expand("{{ humanize \"1234\" }}") == "1.234k")
    }

    @Test func argsIndexLenSlice() throws {
        #expect(try F.expand("{{ args 1 \"x\" 2.5 }}") == "map[arg0:1 arg1:x arg2:2.5]")
        #expect(try F.expand("{{ (args 1 \"x\").arg0 }}|{{ (args 1).arg9 }}|{{ index $labels \"job\" }}|{{ index $labels \"nope\" }}|")
                == "1|<no value>|api||")
        #expect(try F.expand("{{ len \"héllo\" }} {{ slice \"abcdef\" 1 3 }} {{ len (query \"load\") }}") == "6 bc 3")
        #expect(try F.annotation("{{ index (query \"load\") 5 }}").hasSuffix("error calling index: index out of range: 5>"))
    }

    @Test func printfFollowsGo() throws {
        #expect(try F.expand("{{ printf \"%d %v %T %s\" 1 1.0 $value $value }}") == "1 1 float64 %!s(float64=0.5)")
        #expect(try F.expand("{{ printf \"%d\" }}|{{ printf \"%d\" 1 2 }}") == "%!d(MISSING)|1%!(EXTRA int=2)")
        #expect(try F.expand("{{ printf \"%5s|%-5s|%.2s|%05d|%+d|%x|%X|%o|%c|%U\" \"ab\" \"ab\" \"abc\" 42 5 -255 255 8 65 65 }}")
                == "   ab|ab   |ab|00042|+5|-ff|FF|10|A|U+0041")
        #expect(try F.expand("{{ printf \"%e|%8.3f|%g|%.3g|%5.1f|%q\" 1234.5 3.14159 1e21 1234567.0 2.25 \"a\\\"b\" }}")
                == "1.234500e+03|   3.142|1e+21|1.23e+06|  2.2|\"a\\\"b\"")
        #expect(try F.expand("{{ print 1 2 \"a\" 3 nil }}|{{ println 1 \"a\" }}") == "1 2a3 <nil>|1 a\n")
    }

    @Test func literalsAndPrinting() throws {
        #expect(try F.expand("{{ \"a\" }} {{ 1.5e3 }} {{ 0x10 }} {{ 'a' }} {{ true }} {{ `raw\\n` }}") == "a 1500 16 97 true raw\\n")
        #expect(try F.expand("{{ $ }}", F.data(labels: ["job": "api"], value: 2))
                == "{map[job:api] map[region:eu] http://prom.example:9090/pre 2}")
        #expect(try F.expand("{{ query \"sum(load)\" | first }}") == "{map[] 6}")
        #expect(try F.expand("{{- /* c */ -}} x {{- 1 -}} y") == "x1y")
        #expect(try F.expand("{{ eq 1 2 3 1 }} {{ eq \"a\" \"b\" }} {{ lt \"a\" \"b\" }} {{ ge 2.5 2.5 }}") == "true false true true")
    }
}
