import Alerting
import Dashboard
import Foundation
import Incidents
import PromQL
import Testing
import TestSupport

@Suite struct AlertLabelInferenceTests {
    static func labels(_ expr: String, recording: [Rule] = []) throws -> InferredLabels {
        AlertLabelInference(recordingRules: recording).labels(of: try Parser.parse(expr))
    }

    @Test(arguments: [
        ("sum by (a, b) (x)", InferredLabels.atMost(["a", "b"])),
        ("count(x)", .atMost([])),
        ("max by (job) (rate(x[5m])) > 0.5", .atMost(["job"])),
        ("x", .unknown),
        ("rate(x[5m]) > 1", .unknown),
        ("sum without (a) (x)", .unknown),
        ("sum without (instance) (sum by (job, instance, model) (x))", .atMost(["job", "model"])),
        ("absent(up{job=\"a\", instance=~\"b.*\", env!=\"x\"})", .atMost(["job"])),
        ("absent_over_time(up{job=\"a\"}[5m])", .atMost(["job"])),
        ("absent(sum(x))", .atMost([])),
        ("label_replace(sum by (service_name) (x), \"model\", \"$1\", \"service_name\", \"(.+)\")", .atMost(["service_name", "model"])),
        ("label_join(count by (a) (x), \"b\", \",\", \"a\")", .atMost(["a", "b"])),
        ("label_replace(x, \"model\", \"$1\", \"service_name\", \"(.+)\")", .unknown),
        ("histogram_quantile(0.99, sum by (le, job) (rate(b[1m])))", .atMost(["job"])),
        ("sum by (a) (x) > on (a) group_left (b) sum by (a, b) (y)", .atMost(["a", "b"])),
        ("x > on (a) group_left () y", .unknown),
        ("sum by (a) (x) < on (a) group_right (c) sum by (a, d) (y)", .atMost(["a", "c", "d"])),
        ("sum by (a, c) (x) > on (a) sum by (a) (y)", .atMost(["a"])),
        ("x > on (a) y", .atMost(["a"])),
        ("sum by (a, c) (x) / ignoring (c) sum by (a) (y)", .atMost(["a"])),
        ("sum by (a) (x) or sum by (b) (y)", .atMost(["a", "b"])),
        ("sum by (a) (x) or y", .unknown),
        ("sum by (a) (x) and y", .atMost(["a"])),
        ("sum by (a) (x) unless y", .atMost(["a"])),
        ("2 * sum by (a) (x)", .atMost(["a"])),
        ("-(sum by (a) (x))", .atMost(["a"])),
        ("vector(1)", .atMost([])),
        ("vector(time()) > 5", .atMost([])),
        ("topk(3, sum by (a) (x))", .atMost(["a"])),
        ("count_values(\"v\", sum by (a) (x))", .atMost(["v"])),
        ("count_values by (a) (\"v\", x)", .atMost(["a", "v"])),
        ("avg_over_time(sum by (a) (x)[5m:1m])", .atMost(["a"])),
        ("predict_linear(x[5m], 60) > 1", .unknown),
        ("clamp_max(sum by (a) (x), 1)", .atMost(["a"])),
        ("hour() > 3", .atMost([])),
        ("info(sum by (a) (x))", .unknown),
        ("sum without (rule) (modelwatch_log_matches{rule=\"R\"}) >= 3", .atMost(["model", "log_source", "job"])),
    ])
    func infers(_ expr: String, _ expected: InferredLabels) throws {
        #expect(try Self.labels(expr) == expected, "\(expr)")
    }

    static func recordingRules(_ yaml: String) throws -> [Rule] {
        try RuleLoader.load(text: yaml, file: "r.yaml").get().flatMap(\.rules)
    }

    @Test func selectorsOfRecordedMetricsTakeTheRecordingRulesLabels() throws {
        let rules = try Self.recordingRules("""
            groups:
              - name: g
                rules:
                  - record: model:errors:rate1m
                    expr: sum by (job, model) (rate(x[1m]))
                    labels: {team: ml}
                  - record: model:errors:rate1m
                    expr: label_replace(sum by (service_name) (rate(y[1m])), "model", "$1", "service_name", "(.+)")
                  - record: loop:a
                    expr: loop:b
                  - record: loop:b
                    expr: sum by (x) (loop:a)
            """)
        #expect(try Self.labels("model:errors:rate1m > 0.05", recording: rules) == .atMost(["job", "model", "team", "service_name"]))
        #expect(try Self.labels("model:errors:rate1m{model=\"m\"}[5m]", recording: rules) == .atMost(["job", "model", "team", "service_name"]))
        // A rule that reads itself, through another: `sum by (x)` still bounds it.
        #expect(try Self.labels("loop:b", recording: rules) == .atMost(["x"]))
        #expect(try Self.labels("loop:a", recording: rules) == .atMost(["x"]))
        #expect(try Self.labels("{__name__=\"model:errors:rate1m\"}", recording: rules) == .atMost(["job", "model", "team", "service_name"]))
        #expect(try Self.labels("{__name__=~\"model:.*\"}", recording: rules) == .unknown)
    }

    /// What lint knows about the sample pack's alerts (and so what their runbooks may use).
    @Test func theSampleRulePacksLabels() throws {
        let files = try ["model-health.yaml", "log-rules.yaml"].map { name in
            let path = "sample-data/rules/" + name
            let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent(path), encoding: .utf8)
            return try LintedRuleFile.read(text: text, file: path).get()
        }
        let rules = Dictionary(uniqueKeysWithValues: LintedRuleFile.alertRules(of: files).map { ($0.name, $0.possibleLabels) })
        let model: Set<String> = ["alertname", "severity", "job", "model"]
        #expect(rules["ModelErrorRateHigh"] == .atMost(model.union(["service_name"])))
        #expect(rules["ModelErrorRateElevated"] == .atMost(model.union(["service_name"])))
        #expect(rules["ModelLatencyRegression"] == .atMost(model.union(["service_name", "model_name"])))
        #expect(rules["ModelLatencyObjectiveMissed"] == .atMost(model.union(["service_name", "model_name"])))
        #expect(rules["ModelStale"] == .atMost(model.union(["service_name", "model_name"])))
        #expect(rules["KVCacheNearlyFull"] == .atMost(["alertname", "severity", "job", "model_name"]))
        #expect(rules["ModelInputDrift"] == .atMost(model.union(["histogram", "feature"])))
        #expect(rules["ModelCUDAOutOfMemory"] == .atMost(model.union(["log_source"])))
        #expect(rules["UpstreamSchemaChanged"] == .atMost(model.union(["log_source"])))
        #expect(rules["GPUSaturated"] == .unknown)
        #expect(rules["GPUMemoryExhaustionSoon"] == .unknown)
        #expect(rules["ScrapeTargetDown"] == .unknown)
        #expect(rules.count == 12)
    }
}

@Suite struct RunbookLintTests {
    static func runbook(_ file: String, _ text: String) throws -> Runbook {
        try Runbook.parse(text: text, file: file).get()
    }

    static func rules(_ yaml: String, file: String = "rules/r.yaml") throws -> [LintedAlertRule] {
        LintedRuleFile.alertRules(of: [try LintedRuleFile.read(text: yaml, file: file).get()])
    }

    static func lint(_ runbooks: [Runbook], _ rules: [LintedAlertRule], problems: [RunbookError] = [],
                     files: Set<String> = []) -> [RunbookLintFinding] {
        let existing = files.union(runbooks.map(\.file))
        return RunbookLint.lint(runbooks: RunbookIndex(directory: "rb", runbooks: runbooks), problems: problems,
                                rules: rules, fileExists: { existing.contains($0) })
    }

    static let ruleYAML = """
        groups:
          - name: g
            rules:
              - alert: Linked
                expr: sum by (job, model) (rate(x[1m])) > 1
                labels:
                  severity: critical
                  team: "{{ $labels.job }}-team"
                annotations:
                  summary: "{{ $labels.model }} is failing"
                  runbook_url: ../rb/linked.md
              - alert: Matched
                expr: count(up == 0) > 2
                labels:
                  severity: warning
              - alert: External
                expr: up == 0
                annotations:
                  runbook_url: https://wiki.example.com/External
              - alert: Orphan
                expr: up == 0
              - alert: BrokenURL
                expr: up == 0
                annotations:
                  runbook_url: ../rb/gone.md
              - alert: PerModelOnly
                expr: max by (model) (x) > 1
              - record: job:x:sum
                expr: sum by (job) (x)
        """

    static let linked = """
        ---
        title: Linked
        ---
        # Linked

        ```sh rollback timeout=60s confirm=model
        kubectl -n models rollout undo deployment/{{ $labels.model }}
        kubectl -n models get pod -l app={{ $labels.pod }} # the pod label is not there
        ```

        ```sh diagnose
        echo {{ $labels.team }} {{ $annotations.summary }} {{ $annotations.description }} {{ $labels.job }} {{ $labels.pod }}
        ```
        """

    static let matched = """
        ---
        title: Matched
        alerts:
          - alertname: Matched
          - alertname: PerModelOnly
            model: fraud-detector
        ---
        ```sh diagnose
        echo {{ $labels.job }} {{ $annotations.summary }}
        ```
        """

    @Test func findingsForEveryKindOfProblemWithTheirPlaces() throws {
        let rules = try Self.rules(Self.ruleYAML)
        let findings = Self.lint([try Self.runbook("rb/linked.md", Self.linked), try Self.runbook("rb/matched.md", Self.matched)], rules)
        let shown = findings.map(\.description)
        #expect(shown == [
            "rb/linked.md:8:34: {{ $labels.pod }} in this rollback command: the alert it serves cannot have label pod: Linked (rules/r.yaml:4) can have only alertname, job, model, severity, team",
            "rb/linked.md:12:52: {{ $annotations.description }} in this diagnose command: the alert it serves defines no annotation description: Linked (rules/r.yaml:4) defines runbook_url, summary",
            "rb/linked.md:12:101: {{ $labels.pod }} in this diagnose command: the alert it serves cannot have label pod: Linked (rules/r.yaml:4) can have only alertname, job, model, severity, team",
            // matched.md also serves the fraud-detector alerts of PerModelOnly: both are checked.
            "rb/matched.md:9:6: {{ $labels.job }} in this diagnose command: the alerts it serves cannot have label job: Matched (rules/r.yaml:12) can have only alertname, severity; PerModelOnly (rules/r.yaml:26) can have only alertname, model",
            "rb/matched.md:9:24: {{ $annotations.summary }} in this diagnose command: the alerts it serves define no annotation summary: Matched (rules/r.yaml:12) defines none; PerModelOnly (rules/r.yaml:26) defines none",
            "rules/r.yaml:20:9: alert Orphan has no runbook: alert Orphan has no runbook_url annotation and no runbook's `alerts:` matchers select it",
            "rules/r.yaml:22:9: alert BrokenURL has no runbook: runbook_url ../rb/gone.md points to rb/gone.md, which is not a loaded runbook",
            "rules/r.yaml:26:9: alert PerModelOnly has no runbook: alert PerModelOnly has no runbook_url annotation and no runbook's `alerts:` matchers select it; rb/matched.md selects it only when {alertname=\"PerModelOnly\", model=\"fraud-detector\"} holds for model, which the rule does not set itself",
        ])
        #expect(findings.map(\.kind) == [.impossibleLabel, .undefinedAnnotation, .impossibleLabel, .impossibleLabel, .undefinedAnnotation,
                                         .alertWithoutRunbook, .alertWithoutRunbook, .alertWithoutRunbook])
        // Every finding's place is real: the column points at `{{` or at the `alert` key.
        let texts = ["rb/linked.md": Self.linked, "rb/matched.md": Self.matched, "rules/r.yaml": Self.ruleYAML]
        for f in findings {
            let line = Array(try #require(texts[f.file]).split(separator: "\n", omittingEmptySubsequences: false)[f.line - 1])
            let at = String(line[(f.column - 1)...])
            #expect(at.hasPrefix("{{") || at.hasPrefix("alert:"), "\(f): \(at)")
        }
    }

    /// A runbook for one model's alerts, before the catch-all one in file-name order, is chosen
    /// for those alerts: its commands are checked against the rule too, and the rule is covered.
    @Test func aRunbookForSomeAlertsOfARuleServesThemToo() throws {
        let rules = try Self.rules("""
            groups:
              - name: g
                rules:
                  - alert: Errors
                    expr: sum by (job, model) (rate(x[1m])) > 1
            """)
        let specific = try Self.runbook("rb/a-fraud.md", "---\ntitle: F\nalerts:\n  - {alertname: Errors, model: fraud-detector}\n---\n```sh rollback\nundo {{ $labels.model }} {{ $labels.version }}\n```\n")
        let general = try Self.runbook("rb/b-errors.md", "---\ntitle: E\nalerts:\n  - {alertname: Errors}\n---\n```sh diagnose\necho {{ $labels.job }}\n```\n")
        #expect(Self.lint([specific, general], rules).map(\.description) == [
            "rb/a-fraud.md:7:26: {{ $labels.version }} in this rollback command: the alert it serves cannot have label version: Errors (rules/r.yaml:4) can have only alertname, job, model",
        ])
        // After the catch-all in file-name order, it is never chosen: not checked.
        let late = try Self.runbook("rb/c-fraud.md", "---\ntitle: F\nalerts:\n  - {alertname: Errors, model: fraud-detector}\n---\n```sh rollback\nundo {{ $labels.version }}\n```\n")
        #expect(Self.lint([general, late], rules).isEmpty)
    }

    @Test func labelsLintCannotKnowAreNotFindings() throws {
        // `up == 0`: a selector of a scraped metric; any label may be there.
        let rules = try Self.rules("""
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    annotations: {summary: x}
            """)
        let rb = try Self.runbook("rb/down.md", "---\ntitle: D\nalerts:\n  - alertname: Down\n---\n```sh diagnose\necho {{ $labels.instance }} {{ $labels.anything }}\n```\n")
        #expect(Self.lint([rb], rules).isEmpty)
    }

    @Test func aRunbookNoRuleSelectsIsNotAFindingButItsOtherProblemsAre() throws {
        let rb = try Self.runbook("rb/spare.md", """
            # Spare

            ```sh diagnose
            echo {{ $labels.whatever }}
            ```

              ```sh
              echo an example, never run
              ```
            """)
        let findings = Self.lint([rb], [])
        #expect(findings.map(\.description) == [
            "rb/spare.md:7:3: `sh` block without a kind is shown but never run: write `sh diagnose`, `sh mitigate` or `sh rollback` (or tag an example `text`)",
        ])
        #expect(findings.first?.kind == .shellBlockWithoutKind)
    }

    @Test func localMarkdownLinksMustExist() throws {
        let text = """
            # Links

            See [the rollback](rollback.md), [a section](rollback.md#steps), [missing](missing.md), and
            [up](../docs/guide.md) and ![diagram](img/flow.png) and [spaces](<my notes.md>) [pct](my%20notes.md).
            Not checked: [web](https://wiki.example.com/x), [http](http://x), [mail](mailto:oncall@example.com),
            [anchor](#check), `[in code](nowhere.md)`, [ftp](ftp://host/x.md).
            [abs](file:///srv/runbooks/gone.md) [abs-ok](file:///srv/runbooks/here.md) [t](rollback.md "a title")

            ```markdown
            [in a block](nowhere.md)
            ```

            [ref]: missing-ref.md
            [ok-ref]: rollback.md
            """
        let rb = try Self.runbook("rb/team/links.md", text)
        let findings = Self.lint([rb], [], files: ["rb/team/rollback.md", "rb/docs/guide.md", "rb/team/my notes.md", "/srv/runbooks/here.md"])
        #expect(findings.map(\.description) == [
            "rb/team/links.md:3:76: link to missing.md: rb/team/missing.md does not exist",
            "rb/team/links.md:4:39: link to img/flow.png: rb/team/img/flow.png does not exist",
            "rb/team/links.md:7:7: link to file:///srv/runbooks/gone.md: /srv/runbooks/gone.md does not exist",
            "rb/team/links.md:13:8: link to missing-ref.md: rb/team/missing-ref.md does not exist",
        ])
        #expect(findings.allSatisfy { $0.kind == .brokenLink })
    }

    @Test func loadProblemsAreFindingsAtTheirPlace() throws {
        let problems = [
            RunbookError(file: "rb", line: 0, column: 0, kind: .tooManyFiles, message: "6000 *.md files, over the limit"),
            RunbookError(file: "rb/bad.md", line: 3, column: 7, kind: .unknownKind, message: "unknown command kind `restart`"),
        ]
        let findings = Self.lint([], [], problems: problems)
        #expect(findings.map(\.description) == ["rb: 6000 *.md files, over the limit", "rb/bad.md:3:7: unknown command kind `restart`"])
        #expect(findings.allSatisfy { $0.kind == .loadProblem })
    }

    @Test func aTemplatedRunbookURLIsExpandedWithTheRulesOwnLabels() throws {
        let rules = try Self.rules("""
            groups:
              - name: g
                rules:
                  - alert: Templated
                    expr: up == 0
                    labels: {team: ml}
                    annotations:
                      runbook_url: "../rb/{{ $labels.team }}/{{ $labels.alertname }}.md"
            """)
        let rb = try Self.runbook("rb/ml/Templated.md", "# T\n")
        #expect(Self.lint([rb], rules).isEmpty)
        let other = try Self.runbook("rb/other/Templated.md", "# T\n")
        #expect(Self.lint([other], rules).map(\.kind) == [.alertWithoutRunbook])
    }

    @Test func ruleFilesAreToldApartByContent() throws {
        let logRules = """
            # comment
            log_rules:
              - alert: OOM
                expr: '"CUDA out of memory" >= 1 in 5m'
                labels: {severity: critical}
                annotations: {summary: "{{ $labels.log_source }}"}
            """
        let read = try LintedRuleFile.read(text: logRules, file: "rules/logs.yaml").get()
        #expect(read.kind == .logRules)
        let alerts = LintedRuleFile.alertRules(of: [read])
        #expect(alerts.map(\.name) == ["OOM"])
        #expect(alerts.first.map { ($0.file, $0.line, $0.column) } ?? ("", 0, 0) == ("rules/logs.yaml", 3, 5))
        #expect(alerts.first?.possibleLabels == .atMost(["alertname", "severity", "model", "log_source", "job"]))
        #expect(try LintedRuleFile.read(text: Self.ruleYAML, file: "r.yaml").get().kind == .prometheus)

        func problem(_ text: String) -> String? {
            if case .failure(let p) = LintedRuleFile.read(text: text, file: "x.yaml") { return p.findings.map(\.description).joined(separator: "\n") }
            return nil
        }
        #expect(problem("targets: []\n") == "x.yaml:1:1: neither a Prometheus rule file (a mapping with `groups:`) nor a log-rule file (with `log_rules:`)")
        #expect(problem("groups: [\n")?.hasPrefix("x.yaml:2:1: not YAML") == true, "\(problem("groups: [\n") ?? "")")
        #expect(problem("log_rules:\n  - alert: X\n    expr: 'nonsense'\n")?.hasPrefix("x.yaml:3:11: ") == true, "\(problem("log_rules:\n  - alert: X\n    expr: 'nonsense'\n") ?? "")")
        #expect(problem("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n") == "x.yaml:5:1: rule \"A\": could not parse expression: parse error at line 1, column 5: unexpected end of input")
    }

    @Test func builtinHealthRulesNeedRunbooksThroughMatchers() throws {
        let rb = try Self.runbook("rb/errors.md", "---\ntitle: E\nalerts:\n  - alertname: ~HighErrorRate|ElevatedErrorRate\n---\n```sh rollback\nundo {{ $labels.model }} {{ $labels.job }} {{ $labels.instance }}\n```\n")
        let findings = Self.lint([rb], LintedAlertRule.builtinHealthRules)
        #expect(findings.map(\.description) == [
            "built-in health rule LatencyRegression: alert LatencyRegression has no runbook: alert LatencyRegression has no runbook_url annotation and no runbook's `alerts:` matchers select it",
            "built-in health rule TargetDown: alert TargetDown has no runbook: alert TargetDown has no runbook_url annotation and no runbook's `alerts:` matchers select it",
            "rb/errors.md:7:44: {{ $labels.instance }} in this rollback command: the alerts it serves cannot have label instance: HighErrorRate (built-in health rule HighErrorRate) can have only alertname, job, model, severity; ElevatedErrorRate (built-in health rule ElevatedErrorRate) can have only alertname, job, model, severity",
        ])
    }

    /// Every command of the sample runbooks, expanded, is shell syntax /bin/sh accepts.
    @Test func sampleRunbookCommandsAreValidShell() throws {
        let folder = Fixtures.repositoryRoot.appendingPathComponent("sample-data/runbooks")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".md") }.sorted()
        #expect(names.count >= 12)
        var checked = 0
        for name in names {
            let runbook = try Runbook.parse(text: try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8), file: name).get()
            #expect(!runbook.commands.isEmpty && !runbook.checklist.isEmpty && runbook.owner != nil && runbook.severity != nil, "\(name)")
            #expect(runbook.shellBlocksWithoutKind.isEmpty, "\(name)")
            for command in runbook.commands {
                var labels: [String: String] = [:], annotations: [String: String] = [:]
                for case .label(let n) in command.template.parameters { labels[n] = "value of \(n)" }
                for case .annotation(let n) in command.template.parameters { annotations[n] = "value of \(n)" }
                let context = CommandContext(labels: labels, annotations: annotations, model: "m", previousVersion: "3",
                                             currentVersion: "4", targetURL: "http://127.0.0.1:8002/metrics")
                let expanded = try command.template.expand(context).get()
                let result = try runProcess("/bin/sh", ["-n", "-c", expanded.command])
                #expect(result.status == 0, "\(name):\(command.line): \(result.stderr)")
                checked += 1
            }
        }
        #expect(checked >= 30)
    }

    /// The built-in rules lint knows are the ones HealthEvaluator raises.
    @Test func builtinRuleNamesAreTheHealthEvaluatorsOwn() throws {
        let source = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Sources/Dashboard/Health/HealthEvaluator.swift"), encoding: .utf8)
        let raised = Set(source.matches(of: /conditions\.append\(\("(\w+)"/).map { String($0.output.1) })
        #expect(raised.count >= 4)
        #expect(raised == Set(LintedAlertRule.builtinHealthRules.map(\.name)))
    }
}
