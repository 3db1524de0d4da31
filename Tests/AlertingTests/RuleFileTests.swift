import Testing
@testable import Alerting

@Suite struct RuleFileTests {
    @Test func loadsGroupsAndRules() throws {
        let text = """
        groups:
        - name: g
          interval: 30s
          rules:
          - record: job:up:sum
            expr: sum by (job) (up)
          - alert: Down
            expr: up == 0
            for: 5m
            keep_firing_for: 1m
            labels: {severity: page}
            annotations: {summary: "{{ $labels.job }} down"}
        """
        let groups = try RuleLoader.load(text: text, file: "r.yml").get()
        #expect(groups.count == 1)
        #expect(groups[0].interval == 30_000)
        #expect(groups[0].rules.map(\.name) == ["job:up:sum", "Down"])
        #expect(groups[0].rules[1].holdDuration == 300_000)
        #expect(groups[0].rules[1].keepFiringFor == 60_000)
        #expect(groups[0].rules[1].line == 7)
    }

    func errors(_ text: String) -> [RuleFileError] {
        if case .failure(let e) = RuleLoader.load(text: text, file: "bad.yml") { return e.errors }
        return []
    }

    @Test func badExpressionNamesFileLineAndRule() {
        let e = errors("""
        groups:
        - name: g
          rules:
          - alert: Ok
            expr: up == 0
          - alert: Broken
            expr: nosuchfunc(up)
        """)
        #expect(e.count == 1)
        #expect(e.first?.file == "bad.yml")
        #expect(e.first?.line == 7)
        #expect(e.first?.rule == "Broken")
    }

    @Test func badDurationAndTemplate() {
        let e = errors("""
        groups:
        - name: g
          rules:
          - alert: A
            expr: up == 0
            for: 5 minutes
          - alert: B
            expr: up == 0
            annotations:
              summary: "{{ $value | nosuch }}"
        """)
        #expect(e.map(\.rule) == ["A", "B"])
        #expect(e.map(\.line) == [6, 10])
    }

    @Test func yamlSyntaxErrorHasALine() {
        let e = errors("groups:\n- name: g\n  rules: [\n")
        #expect(e.count == 1)
        #expect(e[0].line >= 3)
    }

    @Test func badFileDoesNotStopOthers() throws {
        let dir = FileManagerTemp()
        let good = dir.write("good.yml", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: vector(1)\n")
        let bad = dir.write("bad.yml", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: sum(\n")
        let (groups, errs) = RuleLoader.load(files: [bad, good])
        #expect(groups.count == 1)
        #expect(errs.count == 1 && errs[0].file == bad)
    }
}

import Foundation
struct FileManagerTemp {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("alerting-\(UUID().uuidString)")
    func write(_ name: String, _ text: String) -> String {
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let p = url.appendingPathComponent(name).path
        try? text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
}
