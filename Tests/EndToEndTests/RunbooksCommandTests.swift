import Foundation
import Testing
import TestSupport

/// `modelwatch runbooks lint` and `render`, run as a person or CI would run them.
@Suite struct RunbooksCommandTests {
    static var root: String { Fixtures.repositoryRoot.path }

    /// Runs a shell command line in the repository root, so globs and relative paths are the
    /// ones a person types; `$MW` is the binary.
    static func shell(_ line: String, environment: [String: String] = [:]) throws -> ProcessResult {
        var env = environment
        env["MW"] = try modelwatchBinary()
        return try runProcess("/bin/sh", ["-c", "cd \"$MW_ROOT\" && " + line], environment: env.merging(["MW_ROOT": root]) { a, _ in a })
    }

    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-rbcmd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// The sample runbooks cover every sample rule and every built-in one, and use only labels
    /// those alerts can have.
    @Test func theSampleRunbooksLintCleanAgainstTheSampleRules() throws {
        let runbookCount = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/sample-data/runbooks").filter { $0.hasSuffix(".md") }.count
        #expect(runbookCount >= 12)

        let result = try Self.shell("\"$MW\" runbooks lint sample-data/runbooks --rules sample-data/rules/*.yaml")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == "\(runbookCount) runbooks, 12 alert rules (2 rule files): no findings\n")
        #expect(result.stderr.isEmpty)

        let builtin = try Self.shell("\"$MW\" runbooks lint sample-data/runbooks")
        #expect(builtin.status == 0, "\(builtin.stdout)")
        #expect(builtin.stdout == "\(runbookCount) runbooks, 4 alert rules (the built-in health rules): no findings\n")

        // Absolute and relative paths mixed still resolve the rules' runbook_url links.
        let mixed = try Self.shell("\"$MW\" runbooks lint \"$PWD/sample-data/runbooks\" --rules sample-data/rules/model-health.yaml --builtin")
        #expect(mixed.status == 0, "\(mixed.stdout)")
        #expect(mixed.stdout == "\(runbookCount) runbooks, 14 alert rules (1 rule file and the built-in health rules): no findings\n")
    }

    @Test func lintPrintsEachFindingWithItsPlaceACountedSummaryAndExits1() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("""
            groups:
              - name: g
                rules:
                  - alert: Errors
                    expr: sum by (job, model) (rate(errors_total[1m])) > 1
                    annotations:
                      runbook_url: ../runbooks/errors.md
                  - alert: DiskFull
                    expr: node_filesystem_avail_bytes == 0
            """, dir + "/rules/prom.yaml")
        try write("""
            log_rules:
              - alert: Panic
                expr: '"panic" >= 1 in 1m'
                annotations:
                  runbook_url: ../runbooks/gone.md
            """, dir + "/rules/logs.yaml")
        try write("""
            ---
            title: Errors
            ---
            See [the guide](guide.md).

            ```sh rollback confirm=model
            kubectl rollout undo deployment/{{ $labels.model }} -l pod={{ $labels.pod }}
            ```

            ```sh
            echo never run
            ```
            """, dir + "/runbooks/errors.md")
        try write("---\ntitle: [\n---\n", dir + "/runbooks/broken.md")
        try write("x", dir + "/rules/neither.yaml")

        let result = try runProcess(try modelwatchBinary(), ["runbooks", "lint", dir + "/runbooks", "--rules",
                                                             dir + "/rules/prom.yaml", dir + "/rules/logs.yaml", dir + "/rules/neither.yaml", dir + "/rules/none.yaml"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(dir)/rules/logs.yaml:2:5: alert Panic has no runbook: runbook_url ../runbooks/gone.md points to \(dir)/runbooks/gone.md, which is not a loaded runbook",
            "\(dir)/rules/neither.yaml:1:1: neither a Prometheus rule file (a mapping with `groups:`) nor a log-rule file (with `log_rules:`)",
            "\(dir)/rules/none.yaml:1:1: does not exist",
            "\(dir)/rules/prom.yaml:8:9: alert DiskFull has no runbook: alert DiskFull has no runbook_url annotation and no runbook's `alerts:` matchers select it",
            "\(dir)/runbooks/broken.md:3:1: front matter is not valid YAML: did not find expected node content",
            "\(dir)/runbooks/errors.md:4:17: link to guide.md: \(dir)/runbooks/guide.md does not exist",
            "\(dir)/runbooks/errors.md:7:60: {{ $labels.pod }} in this rollback command: the alert it serves cannot have label pod: Errors (\(dir)/rules/prom.yaml:4) can have only alertname, job, model",
            "\(dir)/runbooks/errors.md:10:1: `sh` block without a kind is shown but never run: write `sh diagnose`, `sh mitigate` or `sh rollback` (or tag an example `text`)",
            "1 runbook, 3 alert rules (2 rule files): 8 findings (1 load problem, 2 rule file problems, 2 alerts without a runbook, 1 label the alert cannot have, 1 sh block without a kind, 1 broken link)",
        ], "\(result.stdout)")
    }

    /// A folder this process may not read: as root the command runs as nobody (setpriv), so the
    /// denial is real either way.
    @Test func lintOfAFolderThatCannotBeReadSaysSoAndExits1() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("# R\n", dir + "/runbooks/r.md")
        #expect(chmod(dir, 0o755) == 0)
        #expect(chmod(dir + "/runbooks", 0o700) == 0)
        let bin = try modelwatchBinary()
        var st = stat()
        #expect(stat(bin, &st) == 0)
        let result: ProcessResult
        if geteuid() == 0 {
            // nobody must be able to run the binary where it is (under the repository).
            result = try runProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", bin, "runbooks", "lint", dir + "/runbooks"])
        } else {
            #expect(chmod(dir + "/runbooks", 0o000) == 0)
            result = try runProcess(bin, ["runbooks", "lint", dir + "/runbooks"])
            _ = chmod(dir + "/runbooks", 0o700)
        }
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("\(dir)/runbooks: cannot read the runbooks folder: Permission denied\n"), "\(result.stdout)\(result.stderr)")
        let missing = try runProcess(bin, ["runbooks", "lint", dir + "/nope"])
        #expect(missing.status == 1)
        #expect(missing.stdout.hasPrefix("\(dir)/nope: the runbooks folder does not exist\n"))
    }

    @Test func renderExpandsEveryCommandAndPrintsTheRunbookAsText() throws {
        let result = try Self.shell("\"$MW\" runbooks render sample-data/runbooks/deploy-rollback-triton.md --labels alertname=HighErrorRate,job=triton-a,model=fraud-detector --previous-version 3 --current-version 4 --target-url http://triton-a:8002/metrics")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let out = result.stdout
        #expect(out.hasPrefix("Roll back a model version on Triton\n===================================\nfile:      sample-data/runbooks/deploy-rollback-triton.md\nowner:     ml-platform-oncall\nseverity:  critical\n"), "\(out)")
        #expect(out.contains("alerts:    {alertname=~\"HighErrorRate|ElevatedErrorRate|LatencyRegression\", job=~\"triton-.*\"}\n"))
        #expect(out.contains("commands:  2 rollback, 2 diagnose\n"))
        #expect(out.contains("  [rollback, timeout 2m, confirm by typing fraud-detector]\n    metrics='http://triton-a:8002/metrics'\n    model='fraud-detector'\n    version='3'\n"), "\(out)")
        #expect(out.contains("    kubectl -n models rollout undo deployment/'triton-a' && kubectl -n models rollout status deployment/'triton-a' --timeout=4m\n"))
        #expect(out.contains("☐ Did the errors or the latency start with the deploy?"))
        #expect(out.contains("Roll back the model\n-------------------\n"))
        // Parameters with a value are filled in the prose too (as text, unquoted); those without stay.
        #expect(out.contains("A new version of fraud-detector was loaded on the Triton server triton-a and it\n"), "\(out)")
        // Every line of every command block is expanded.
        var inBlock = false, commandLines = 0
        for line in out.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  [") { inBlock = true; continue }
            guard inBlock, line.hasPrefix("    ") else { inBlock = false; continue }
            commandLines += 1
            #expect(!line.contains("{{"), "unexpanded: \(line)")
        }
        #expect(commandLines >= 30)
        #expect(!out.contains("\u{1B}"), "no styling when the output is not a terminal")
    }

    @Test func aMissingParameterShowsTheBlockAsWrittenNamesTheOptionAndExits1() throws {
        let result = try Self.shell("\"$MW\" runbooks render sample-data/runbooks/model-error-rate.md --label model=fraud-detector --target-url http://t/metrics")
        #expect(result.status == 1)
        #expect(result.stdout.contains("  [rollback, timeout 2m, confirm by typing fraud-detector] NOT EXPANDED: no value for {{ .previous_version }}\n    kubectl -n models set image deployment/{{ $labels.model }} server=registry.example.internal/models/{{ $labels.model }}:{{ .previous_version }} && kubectl -n models rollout status deployment/{{ $labels.model }} --timeout=100s\n"), "\(result.stdout)")
        #expect(result.stdout.contains("    kubectl -n models scale deployment/'fraud-detector' --replicas=0\n"), "the other blocks are expanded")
        #expect(result.stderr == "modelwatch: sample-data/runbooks/model-error-rate.md:37:1: rollback command: no value for {{ .previous_version }} (give --previous-version)\n")
    }

    /// Values and file text with escape sequences, newlines and bidi controls: only the command's
    /// own highlighting reaches the terminal, everything else is made visible.
    @Test func hostileValuesAndFileTextNeverReachTheTerminalRaw() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/evil.md"
        try write("""
            ---
            title: "Evil \\e]52;c;cHduZWQ=\\a title"
            owner: "x\\u009b31m"
            ---
            Prose with \u{1B}[2J a clear-screen and \u{202E}reversed\u{202C} text.

            ```sh mitigate
            echo {{ $labels.model }} '{{ $annotations.note }}'
            ```

            ```text
            \u{1B}]0;window title\u{07}
            ```
            """, file)
        let value = "m\u{1B}[31m\nrm -rf / \u{9B}2J\u{202E}"
        for color in ["never", "always"] {
            let result = try runProcess(try modelwatchBinary(), ["runbooks", "render", file, "--label", "model=" + value,
                                                                 "--annotation", "note=it's \u{07}", "--color", color])
            #expect(result.status == 0, "\(result.stderr)")
            var out = result.stdout
            if color == "always" {
                #expect(out.contains("\u{1B}[1;7m'm^[[31m^Jrm -rf / <U+009B>2J<U+202E>'\u{1B}[0m"), "\(out.debugDescription)")
                for ours in ["\u{1B}[1;7m", "\u{1B}[1m", "\u{1B}[0m"] { out = out.replacingOccurrences(of: ours, with: "") }
            }
            let raw = out.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value) }
            #expect(raw.isEmpty, "\(color): raw controls \(raw.map { String($0.value, radix: 16) }) in \(out.debugDescription)")
            // The value stays on its line: its newline shows as ^J, so it cannot pass for a command.
            #expect(out.contains(#"    echo 'm^[[31m^Jrm -rf / <U+009B>2J<U+202E>' '''it'\''s ^G'''"# + "\n"), "\(out)")
            #expect(out.contains("Evil ^[]52;c;cHduZWQ=^G title"))
            #expect(out.contains("Prose with ^[[2J a clear-screen and <U+202E>reversed<U+202C> text."))
            #expect(out.contains("    ^[]0;window title^G"))
        }
    }

    /// On a real terminal (under script(1)) substituted values are highlighted without asking.
    @Test func valuesAreHighlightedOnATerminal() throws {
        let bin = try modelwatchBinary()
        let file = Self.root + "/sample-data/runbooks/scrape-target-down.md"
        let line = "'\(bin)' runbooks render '\(file)' --label job=triton-a --target-url http://t:8002/metrics"
        let result = try runProcess("/usr/bin/script", ["-qec", line, "/dev/null"], environment: ["TERM": "xterm"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("deployment/\u{1B}[1;7m'triton-a'\u{1B}[0m"), "\(result.stdout.debugDescription)")
        let dumb = try runProcess("/usr/bin/script", ["-qec", line, "/dev/null"], environment: ["TERM": "dumb"])
        #expect(!dumb.stdout.contains("\u{1B}[1;7m"))
    }

    @Test func labelListsQuoteCommasAndSingleLabelsTakeEverythingLiterally() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/r.md"
        try write("# R\n\n```sh diagnose\nprintf '%s|' {{ $labels.a }} {{ $labels.b }} {{ $labels.c }} {{ $annotations.d }}\n```\n", file)
        let bin = try modelwatchBinary()
        let result = try runProcess(bin, ["runbooks", "render", file, "--labels", #"a=x=y,b="one, two \"three\" \\ four""#,
                                          "--label", #"c="kept",literally,"#, "--annotations", "d="])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#"    printf '%s|' 'x=y' 'one, two "three" \ four' '"kept",literally,' ''"#), "\(result.stdout)")

        for (bad, words) in [("a", "expected NAME=VALUE"), ("a=1,b", "expected NAME=VALUE"), ("9a=1", "not a label name"),
                             (#"a="open"#, "a quoted value is not closed"), (#"a="x"y"#, "expected a comma after the quoted value")] {
            let r = try runProcess(bin, ["runbooks", "render", file, "--labels", bad])
            #expect(r.status == 64, "\(bad): \(r.status)")
            #expect(r.stderr.contains(words), "\(bad): \(r.stderr)")
        }
    }

    @Test func renderOfAFileThatCannotBeReadOrParsedExits1NamingIt() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = try modelwatchBinary()
        let missing = try runProcess(bin, ["runbooks", "render", dir + "/none.md"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "modelwatch: \(dir)/none.md:1:1: does not exist\n")
        try write("# T\n\n```sh restart\nls\n```\n", dir + "/bad.md")
        let bad = try runProcess(bin, ["runbooks", "render", dir + "/bad.md"])
        #expect(bad.status == 1)
        #expect(bad.stderr == "modelwatch: \(dir)/bad.md:3:7: unknown command kind `restart`; known: rollback, diagnose, mitigate\n")
        try Data([0x23, 0x20, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: dir + "/latin1.md"))
        let latin = try runProcess(bin, ["runbooks", "render", dir + "/latin1.md"])
        #expect(latin.status == 1)
        #expect(latin.stderr == "modelwatch: \(dir)/latin1.md:1:3: is not UTF-8: invalid byte 0xFF\n")
    }
}
