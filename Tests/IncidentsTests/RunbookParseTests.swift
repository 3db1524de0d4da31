import Foundation
import Incidents
import Testing

enum RunbookFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func sample(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("sample-data/runbooks/\(name)"), encoding: .utf8)
    }
    static let sampleNames = ["model-error-rate.md", "model-input-drift.md", "model-latency.md"]
    /// Every runbook in `sample-data/runbooks/`, in file-name order.
    static let allSampleNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("sample-data/runbooks").path)) ?? []
        return names.filter { $0.hasSuffix(".md") }.sorted()
    }()

    static func parse(_ text: String, file: String = "t.md") -> Result<Runbook, RunbookError> {
        Runbook.parse(text: text, file: file)
    }
    static func error(_ text: String) -> RunbookError? {
        if case .failure(let e) = parse(text) { return e }
        return nil
    }
}

@Suite struct RunbookParseTests {
    @Test(arguments: RunbookFixtures.sampleNames)
    func sampleRunbooksParse(_ name: String) throws {
        let text = try RunbookFixtures.sample(name)
        let rb = try RunbookFixtures.parse(text, file: "sample-data/runbooks/\(name)").get()
        #expect(!rb.title.isEmpty)
        #expect(rb.owner == "ml-platform-oncall")
        #expect(!rb.matchers.isEmpty)
        #expect(!rb.commands.isEmpty)
        #expect(!rb.checklist.isEmpty)
        #expect(rb.shellBlocksWithoutKind.isEmpty)
        // Every checklist line really holds a box.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for item in rb.checklist {
            let l = Array(lines[item.line - 1])
            #expect(l[item.column - 1] == "[")
        }
    }

    @Test func errorRateRunbookInDetail() throws {
        let rb = try RunbookFixtures.parse(try RunbookFixtures.sample("model-error-rate.md")).get()
        #expect(rb.title == "A model is failing requests")
        #expect(rb.severity == "critical")
        #expect(rb.matches(labels: ["alertname": "ModelErrorRateHigh", "model": "m"]))
        #expect(rb.matches(labels: ["alertname": "ModelErrorRateElevated"]))
        #expect(!rb.matches(labels: ["alertname": "ModelLatencyRegression"]))
        #expect(rb.commands.map(\.kind) == [.diagnose, .rollback, .mitigate])
        let rollback = rb.commands[1]
        #expect(rollback.timeout == .seconds(120))
        #expect(rollback.confirm == .model)
        #expect(rollback.section == "Roll back")
        #expect(rollback.line == 37)
        #expect(rollback.template.parameters == [.label("model"), .previousVersion])
        #expect(rb.commands[2].confirm == RunbookCommand.Confirm.none)
        #expect(rb.checklist.count == 5)
        #expect(rb.checklist[0].line == 21)
        #expect(rb.checklist[0].text.hasSuffix("the current one `{{ .current_version }}`."))
        #expect(rb.checklist.allSatisfy { !$0.checked })
        // The diagnose template sits inside single quotes in places: the lexer knows.
        let diagnose = rb.commands[0].template
        #expect(diagnose.parts.contains(.parameter(.label("model"), .singleQuoted)))
        #expect(diagnose.parts.contains(.parameter(.targetURL, .unquoted)))
    }

    @Test func tickingABoxRewritesOnlyThatLine() throws {
        let text = "---\ntitle: T\n---\n- [ ] one\n  * [x] two\n- [] not\n"
        let rb = try RunbookFixtures.parse(text).get()
        #expect(rb.checklist.map(\.line) == [4, 5])
        #expect(rb.checklist.map(\.checked) == [false, true])
        let ticked = try #require(Runbook.settingCheckbox(in: text, line: 4, checked: true))
        #expect(ticked == "---\ntitle: T\n---\n- [x] one\n  * [x] two\n- [] not\n")
        #expect(Runbook.settingCheckbox(in: text, line: 5, checked: false) == "---\ntitle: T\n---\n- [ ] one\n  * [ ] two\n- [] not\n")
        #expect(Runbook.settingCheckbox(in: text, line: 6, checked: true) == nil)
        #expect(Runbook.settingCheckbox(in: text, line: 99, checked: true) == nil)
    }

    @Test func checklistsAndCommandsInsideFencesAreNotRead() throws {
        let text = "# Title\n```markdown\n- [ ] not an item\n```\n~~~~sh diagnose\nls\n~~~~\n"
        let rb = try RunbookFixtures.parse(text).get()
        #expect(rb.title == "Title")
        #expect(rb.checklist.isEmpty)
        #expect(rb.commands.count == 1)
        #expect(rb.matchers.isEmpty)
        #expect(!rb.matches(labels: ["alertname": "X"]))
    }

    @Test func withoutFrontMatterTheTitleComesFromTheFileName() throws {
        let rb = try RunbookFixtures.parse("just text\n", file: "dir/disk-full.md").get()
        #expect(rb.title == "disk-full")
    }

    @Test func optionsAndDurations() throws {
        let text = "```sh mitigate timeout=1m30s\nx\n```\n```sh diagnose timeout=500ms confirm=model\ny\n```\n```sh\nplain\n```\n"
        let rb = try RunbookFixtures.parse(text).get()
        #expect(rb.commands.map(\.timeout) == [.seconds(90), .milliseconds(500)])
        #expect(rb.commands[1].confirm == .model)
        #expect(rb.shellBlocksWithoutKind == [7])
    }

    @Test func regexMatchers() throws {
        let text = "---\ntitle: T\nalerts:\n  - alertname: ~Model.*\n    severity: critical\n  - team: \\~lit\n---\n"
        let rb = try RunbookFixtures.parse(text).get()
        #expect(rb.matches(labels: ["alertname": "ModelDown", "severity": "critical"]))
        #expect(!rb.matches(labels: ["alertname": "ModelDown", "severity": "warning"]))
        #expect(!rb.matches(labels: ["alertname": "XModelDown", "severity": "critical"]), "anchored")
        #expect(rb.matches(labels: ["team": "~lit"]))
        #expect(!rb.matches(labels: ["team": "lit"]))
    }

    // MARK: errors name file, line, column, and what is wrong

    @Test func unknownKind() throws {
        let e = try #require(RunbookFixtures.error("# T\n\n```sh rollbak timeout=30s\nx\n```\n"))
        #expect(e.kind == .unknownKind)
        #expect(e.description == "t.md:3:7: unknown command kind `rollbak`; known: rollback, diagnose, mitigate")
    }

    @Test func badTimeout() throws {
        for bad in ["30", "0s", "-1s", "30sec", "s", "1s1m", "48h", "30s30s"] {
            let e = try #require(RunbookFixtures.error("```sh diagnose timeout=\(bad)\nx\n```\n"), "\(bad)")
            #expect(e.kind == .badTimeout)
            #expect(e.line == 1 && e.column == 16)
            #expect(e.message.contains("`\(bad)`"))
        }
    }

    @Test func badOptions() throws {
        #expect(RunbookFixtures.error("```sh diagnose confirm=yes\nx\n```\n")?.kind == .badOption)
        #expect(RunbookFixtures.error("```sh diagnose retries=3\nx\n```\n")?.kind == .badOption)
        #expect(RunbookFixtures.error("```sh diagnose timeout=1s timeout=2s\nx\n```\n")?.kind == .badOption)
        #expect(RunbookFixtures.error("```sh diagnose now\nx\n```\n")?.kind == .badOption)
        #expect(RunbookFixtures.error("```bash rollback\nx\n```\n")?.kind == .badOption)
        let e = try #require(RunbookFixtures.error("```sh timeout=30s\nx\n```\n"))
        #expect(e.kind == .missingKind)
    }

    @Test func unclosedFence() throws {
        let e = try #require(RunbookFixtures.error("---\ntitle: T\n---\ntext\n\n  ```sh rollback\nkubectl rollout undo\n"))
        #expect(e.kind == .unclosedFence)
        #expect(e.line == 6 && e.column == 3)
        // A shorter or different fence does not close it.
        #expect(RunbookFixtures.error("````sh diagnose\nx\n```\n~~~~\n")?.kind == .unclosedFence)
    }

    @Test func badFrontMatter() throws {
        let notYAML = try #require(RunbookFixtures.error("---\ntitle: T\nalerts: [a\n---\nbody\n"))
        #expect(notYAML.kind == .badFrontMatter)
        #expect(notYAML.message.hasPrefix("front matter is not valid YAML"))
        #expect(notYAML.line >= 3)

        let unclosed = try #require(RunbookFixtures.error("---\ntitle: T\n"))
        #expect(unclosed.kind == .badFrontMatter && unclosed.line == 1)

        let unknown = try #require(RunbookFixtures.error("---\ntitle: T\nalert:\n  - alertname: X\n---\n"))
        #expect(unknown.description == "t.md:3:1: unknown front matter field `alert`; known: title, owner, severity, alerts")

        let noTitle = try #require(RunbookFixtures.error("---\nowner: me\n---\n"))
        #expect(noTitle.message == "front matter has no `title`")

        let notList = try #require(RunbookFixtures.error("---\ntitle: T\nalerts:\n  alertname: X\n---\n"))
        #expect(notList.line == 4 && notList.message.hasPrefix("`alerts` must be a list"))

        let badRegex = try #require(RunbookFixtures.error("---\ntitle: T\nalerts:\n  - alertname: ~(unclosed\n---\n"))
        #expect(badRegex.line == 4 && badRegex.message.contains("bad regular expression"))

        let nested = try #require(RunbookFixtures.error("---\ntitle: T\nalerts:\n  - model: [a, b]\n---\n"))
        #expect(nested.message == "the value of label `model` must be a string")
    }

    @Test func badTemplatesAreCaughtAtParseTime() throws {
        let unknown = try #require(RunbookFixtures.error("```sh rollback\nkubectl undo {{ .previous_versoin }}\n```\n"))
        #expect(unknown.kind == .badTemplate)
        #expect(unknown.line == 2 && unknown.column == 14)
        #expect(unknown.message.hasPrefix("unknown parameter `{{ .previous_versoin }}`"))

        let unclosed = try #require(RunbookFixtures.error("```sh rollback\necho {{ $labels.model\n```\n"))
        #expect(unclosed.kind == .badTemplate)

        let comment = try #require(RunbookFixtures.error("```sh diagnose\necho hi # for {{ $labels.model }}\n```\n"))
        #expect(comment.message.contains("shell comment"))
    }
}
