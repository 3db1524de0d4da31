import Foundation
import Incidents
import Testing

@Suite struct RunbookCommandTests {
    static let hostile: [String] = [
        "'; rm -rf / #", "$(reboot)", "`id`", "a\nb", "a\r\nb", "\u{1B}[31mred\u{1B}[0m\u{07}", "$HOME", "${HOME}",
        "\"", "\"'\"", "\\", "\\'", "*", "?[a-z]", "~root", "a b\tc", ";", "|", "&&", "> /tmp/x", "ünï €中文 🚀",
        "", " ", "'", "''", "-n", "--help", "!", "#", "}}", "{{ $labels.model }}",
    ]

    /// Runs `/bin/sh -c command` in a fresh empty directory and returns its stdout and that
    /// directory's entries afterwards (an embedded command would have had to create one).
    static func sh(_ command: String) throws -> (out: String, status: Int32, files: [String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.currentDirectoryURL = dir
        p.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        return (String(decoding: data, as: UTF8.self), p.terminationStatus, files)
    }

    static func expand(_ template: String, _ ctx: CommandContext) throws -> ExpandedCommand {
        let t = try CommandTemplate.parse(template).get()
        return try t.expand(ctx).get()
    }

    @Test(arguments: hostile)
    func aHostileLabelStaysOneLiteralArgument(_ value: String) throws {
        let ctx = CommandContext(labels: ["model": value])
        // Unquoted, inside single quotes, inside double quotes, inside $(...), glued to text.
        let templates = [
            "printf '%s|' {{ $labels.model }}",
            "printf '%s|' 'pre-{{ $labels.model }}-post'",
            "printf '%s|' \"pre-{{ $labels.model }}-post\"",
            "printf '%s|' \"$(printf '%s' {{ $labels.model }})\"",
            "printf '%s|' x{{ $labels.model }}y{{ .model }}",
            "printf '%s|' {{ $labels.model }} > out.txt; cat out.txt; rm out.txt",
        ]
        let expected = [value + "|", "pre-\(value)-post|", "pre-\(value)-post|", value + "|", "x\(value)y\(value)|", value + "|"]
        for (template, want) in zip(templates, expected) {
            let cmd = try Self.expand(template, ctx)
            let (out, status, files) = try Self.sh(cmd.command)
            #expect(status == 0, "\(cmd.command)")
            // $(...) drops trailing newlines, as the shell always does.
            let w = template.contains("$(") ? String(value.reversed().drop { $0 == "\n" || $0 == "\r\n" }.reversed()) + "|" : want
            #expect(out == w, "\(template) → \(cmd.command)")
            #expect(files.isEmpty, "an embedded command created \(files)")
        }
    }

    @Test func substitutionRangesCoverTheQuotedValues() throws {
        let ctx = CommandContext(labels: ["model": "it's"], previousVersion: "7")
        let e = try Self.expand("kubectl undo deployment/{{ $labels.model }} --to-revision={{ .previous_version }}", ctx)
        #expect(e.command == "kubectl undo deployment/'it'\\''s' --to-revision='7'")
        #expect(e.substitutions.map(\.parameter) == [.label("model"), .previousVersion])
        #expect(e.substitutions.map { String(e.command[$0.range]) } == ["'it'\\''s'", "'7'"])
        #expect(e.substitutions.map(\.value) == ["it's", "7"])
    }

    @Test func quotingInsideSingleAndDoubleQuotes() throws {
        let ctx = CommandContext(labels: ["model": "m"])
        #expect(try Self.expand("grep 'model=\"{{ $labels.model }}\"'", ctx).command == "grep 'model=\"''m''\"'")
        let d = try Self.expand("echo \"a{{ $labels.model }}b\"", ctx)
        #expect(d.command == "echo \"a\"'m'\"b\"")
        #expect(String(d.command[d.substitutions[0].range]) == "'m'")
    }

    @Test func everyParameter() throws {
        let ctx = CommandContext(labels: ["model": "resnet", "job": "triton"], annotations: ["summary": "s"],
                                 previousVersion: "3", currentVersion: "4", targetURL: "http://h:8002/metrics")
        let e = try Self.expand("x {{ $labels.job }} {{$annotations.summary}} {{ .previous_version }} {{ .current_version }} {{ .target_url }} {{ .model }}", ctx)
        #expect(e.command == "x 'triton' 's' '3' '4' 'http://h:8002/metrics' 'resnet'")
        #expect(CommandContext(labels: ["model": "a"], model: "b").model == "b")
    }

    @Test func aMissingParameterIsAnErrorNamingIt() throws {
        let t = try CommandTemplate.parse("undo {{ $labels.model }} {{ .previous_version }} {{ $annotations.x }} {{ .previous_version }}").get()
        let r = t.expand(CommandContext(labels: ["model": "m"]))
        #expect(r == .failure(.missing([.previousVersion, .annotation("x")])))
        if case .failure(let e) = r { #expect(e.description == "no value for {{ .previous_version }}, {{ $annotations.x }}") }
        // An empty value that is present is a value: it becomes '' (one empty argument).
        #expect(try t.expand(CommandContext(labels: ["model": ""], annotations: ["x": ""], previousVersion: "")).get().command == "undo '' '' '' ''")
    }

    @Test func aNULCannotBeSubstituted() throws {
        let t = try CommandTemplate.parse("echo {{ $labels.model }}").get()
        #expect(t.expand(CommandContext(labels: ["model": "a\u{0}b"])) == .failure(.nulInValue(.label("model"))))
    }

    @Test func placesWhereQuotingCannotProtectAreRefused() throws {
        let refused: [(String, String)] = [
            ("echo `echo {{ $labels.model }}`", "backquoted"),
            ("echo ${X:-{{ $labels.model }}}", "${...}"),
            ("echo $(( {{ $labels.model }} + 1 ))", "$((...))"),
            ("echo hi # {{ $labels.model }}", "comment"),
            ("cat <<EOF\n{{ $labels.model }}\nEOF", "here-document"),
            ("echo \\{{ $labels.model }}", "backslash"),
            ("echo ${{ $labels.model }}", "`$`"),
            ("echo \"${{ $labels.model }}\"", "`$`"),
            ("echo $'a\\{{ $labels.model }}'", "$'...'"),
            ("(( x = {{ $labels.model }} ))", "((...))"),
            ("eval echo {{ $labels.model }}", "`eval`"),
            ("\\eval echo {{ $labels.model }}", "`eval`"),
            ("echo; 'ev'\"al\" echo {{ $labels.model }}", "`eval`"),
            ("echo \\\n#{{ $labels.model }}", "comment"),
            ("echo #\n#{{ $labels.model }}", "comment"),
            ("echo ;((a))#{{ $labels.model }}", "comment"),
            ("echo $(echo a)#{{ $labels.model }}", "comment"),
            ("x=1; let x={{ $labels.model }}", "`let`"),
            ("echo \"$(case a in a) echo x;; esac) {{ $labels.model }}\"", "`case`"),
            ("echo \"${x:-\"}\"} {{ $labels.model }}\"", "${...}"),
            ("echo `echo \"`\"` {{ $labels.model }}", "backquoted"),
            ("echo $(( 1 + $(echo ')') )) {{ $labels.model }}", "$((...))"),
        ]
        for (template, why) in refused {
            guard case .failure(let e) = CommandTemplate.parse(template) else {
                Issue.record("accepted \(template)"); continue
            }
            #expect(e.message.contains(why), "\(template): \(e.message)")
        }
        // Not comments: `#` inside a word or quotes, and `$#`.
        for ok in ["echo a#{{ $labels.model }}", "echo '# {{ $labels.model }}'", "echo \"# {{ $labels.model }}\"", "echo $# {{ $labels.model }}",
                   "echo \\` {{ $labels.model }}", "echo $(echo {{ $labels.model }})",
                   "echo $(echo a) {{ $labels.model }}", "echo \"$(echo \"in\" {{ $labels.model }})\"",
                   "case x in x) echo {{ $labels.model }};; esac", "echo evaluate {{ $labels.model }}",
                   "echo \"x $$(\"{{ $labels.model }}"] {
            #expect((try? CommandTemplate.parse(ok).get()) != nil, "\(ok)")
        }
    }

    @Test func sampleRollbackExpandsAndRequiresTheModelName() throws {
        let rb = try RunbookFixtures.parse(try RunbookFixtures.sample("model-error-rate.md")).get()
        let rollback = try #require(rb.commands.first { $0.kind == .rollback })
        let ctx = CommandContext(labels: ["alertname": "ModelErrorRateHigh", "model": "resnet50"], previousVersion: "41")
        #expect(try rollback.template.expand(ctx).get().command
            == "kubectl -n models set image deployment/'resnet50' server=registry.example.internal/models/'resnet50':'41' && kubectl -n models rollout status deployment/'resnet50' --timeout=100s")
        #expect(rollback.requiredConfirmation(ctx) == .success("resnet50"))
        #expect(rollback.requiredConfirmation(CommandContext()) == .failure(.missing([.model])))
        let mitigate = try #require(rb.commands.first { $0.kind == .mitigate })
        #expect(mitigate.requiredConfirmation(ctx) == .success(nil))
        // The diagnose command, with the label inside the grep pattern's single quotes, greps for
        // the literal value.
        let diagnose = try #require(rb.commands.first { $0.kind == .diagnose })
        let hostile = CommandContext(labels: ["model": "x'; touch pwned; '"], targetURL: "file:///dev/null")
        let cmd = try diagnose.template.expand(hostile).get().command
        #expect(cmd.contains("model=\"''x'\\''; touch pwned; '\\''''\"'"))
        let (_, _, files) = try Self.sh(cmd)
        #expect(files.isEmpty)
    }
}
