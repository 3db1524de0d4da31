import Foundation
import Incidents
import Testing

@Suite struct RunbookIndexTests {
    static func sampleIndex(directory: String = "sample-data/runbooks",
                            names: [String] = RunbookFixtures.sampleNames) throws -> RunbookIndex {
        let runbooks = try names.reversed().map {
            try Runbook.parse(text: try RunbookFixtures.sample($0), file: directory + "/" + $0).get()
        }
        return RunbookIndex(directory: directory, runbooks: runbooks)
    }

    @Test func runbooksAreInFileNameOrder() throws {
        #expect(try Self.sampleIndex().runbooks.map(\.file) == RunbookFixtures.sampleNames.map { "sample-data/runbooks/" + $0 })
    }

    @Test func aLocalRunbookURLWinsOverMatchers() throws {
        let index = try Self.sampleIndex()
        // The alert would match model-error-rate.md, but its runbook_url names the latency one.
        let link = index.runbook(labels: ["alertname": "ModelErrorRateHigh"],
                                 annotations: ["runbook_url": "../runbooks/model-latency.md"],
                                 ruleDirectory: "sample-data/rules")
        #expect(link == .linked(index.runbooks[2], path: "sample-data/runbooks/model-latency.md"))
    }

    @Test func aFileURLIsLocal() throws {
        let index = try Self.sampleIndex(directory: "/srv/mw/runbooks")
        let link = index.runbook(labels: [:], annotations: ["runbook_url": "file:///srv/mw/runbooks/model-input-drift.md"], ruleDirectory: "/elsewhere")
        #expect(link.runbook?.title == "A model's inputs drifted")
        let absolute = index.runbook(labels: [:], annotations: ["runbook_url": "/srv/mw/rules/../runbooks/./model-latency.md"], ruleDirectory: "/x")
        #expect(absolute.runbook?.file == "/srv/mw/runbooks/model-latency.md")
    }

    @Test func anHTTPURLIsExternal() throws {
        let index = try Self.sampleIndex()
        #expect(index.runbook(labels: ["alertname": "ModelErrorRateHigh"], annotations: ["runbook_url": "https://wiki/x"], ruleDirectory: ".")
            == .external(url: "https://wiki/x"))
        #expect(index.runbook(labels: [:], annotations: ["runbook_url": "HTTP://wiki/y"], ruleDirectory: ".") == .external(url: "HTTP://wiki/y"))
    }

    @Test func matchersSelectTheFirstRunbook() throws {
        let index = try Self.sampleIndex()
        let link = index.runbook(labels: ["alertname": "ModelInputDrift", "model": "m"], annotations: [:], ruleDirectory: "sample-data/rules")
        #expect(link == .matched(index.runbooks[1]))
        // Two runbooks match: the first in file-name order wins.
        let a = try Runbook.parse(text: "---\ntitle: A\nalerts:\n  - alertname: ~.*\n---\n", file: "rb/b.md").get()
        let b = try Runbook.parse(text: "---\ntitle: B\nalerts:\n  - alertname: X\n---\n", file: "rb/a.md").get()
        #expect(RunbookIndex(directory: "rb", runbooks: [a, b]).runbook(labels: ["alertname": "X"], annotations: [:], ruleDirectory: "r").runbook?.title == "B")
    }

    @Test func noRunbookSaysWhy() throws {
        let index = try Self.sampleIndex()
        guard case .none(let reason) = index.runbook(labels: ["alertname": "DiskFull"], annotations: [:], ruleDirectory: ".") else {
            Issue.record("expected none"); return
        }
        #expect(reason.contains("DiskFull"))

        guard case .none(let broken) = index.runbook(labels: ["alertname": "ModelErrorRateHigh"], annotations: ["runbook_url": "../runbooks/gone.md"], ruleDirectory: "sample-data/rules") else {
            Issue.record("a broken runbook_url must not fall back to matchers"); return
        }
        #expect(broken.contains("sample-data/runbooks/gone.md") && broken.contains("not a loaded runbook"))

        guard case .none(let outside) = index.runbook(labels: [:], annotations: ["runbook_url": "../../../etc/passwd"], ruleDirectory: "sample-data/rules") else {
            Issue.record("expected none"); return
        }
        #expect(outside.contains("outside the runbooks folder"))

        guard case .none = index.runbook(labels: [:], annotations: ["runbook_url": "ftp://x/y.md"], ruleDirectory: ".") else {
            Issue.record("expected none"); return
        }
    }

    @Test func normalize() {
        #expect(RunbookIndex.normalize("a/./b//../c.md") == "a/c.md")
        #expect(RunbookIndex.normalize("/a/../../b") == "/b")
        #expect(RunbookIndex.normalize("../x") == "../x")
        #expect(RunbookIndex.normalize("a/..") == ".")
    }

    /// Every alert in the sample rule files that names a runbook_url finds a loaded runbook.
    @Test func sampleRuleLinksResolve() throws {
        #expect(Set(["model-error-rate.md", "model-input-drift.md", "model-latency.md", "cuda-out-of-memory.md"])
            .isSubset(of: RunbookFixtures.allSampleNames))
        let index = try Self.sampleIndex(names: RunbookFixtures.allSampleNames)
        for rules in ["model-health.yaml", "log-rules.yaml"] {
            let text = try String(contentsOf: RunbookFixtures.root.appendingPathComponent("sample-data/rules/\(rules)"), encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("runbook_url:") {
                let url = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
                let link = index.runbook(labels: [:], annotations: ["runbook_url": url], ruleDirectory: "sample-data/rules")
                #expect(link.runbook != nil, "\(rules): \(url) → \(link)")
            }
        }
    }
}
