import Foundation
import Incidents
import Sources
import Testing

/// Issue 7's injection test, end to end: label values are substituted by `CommandTemplate`
/// into commands that `CommandRun` runs with `/bin/sh -c`, and each command prints its
/// arguments as hex bytes (`printf '%s\0' ARGS | od`), so what the shell received is compared
/// with the literal values byte for byte. Every hostile value also tries to create a marker
/// file — by absolute path in a directory that must stay empty, and by relative path in the
/// working directory, which must keep only the file put there to catch glob expansion.
@Suite struct CommandInjectionTests {
    /// A directory for markers and a working directory holding one file (`a1`), so that an
    /// unquoted `*` or `[a-z]*` would visibly expand.
    final class Sandbox {
        let root: String
        var markers: String { root + "/markers" }
        var work: String { root + "/work" }

        init() throws {
            root = NSTemporaryDirectory() + "mw-inject-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root + "/markers", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/work", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: root + "/work/a1", contents: nil)
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// What appeared that should not have: marker files, anything new in the working directory.
        func intruders() -> [String] {
            let m = (try? FileManager.default.contentsOfDirectory(atPath: markers)) ?? ["<markers unreadable>"]
            let w = ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? ["<work unreadable>"]).filter { $0 != "a1" }
            return m.map { "markers/" + $0 } + w.map { "work/" + $0 }
        }

        var options: CommandRun.Options {
            var o = CommandRun.Options()
            o.workingDirectory = work
            o.maxLinesPerBatch = 10_000_000   // every line of od's output is needed
            // $VAR and $HOME would show if a value were expanded instead of kept literal.
            o.environment = .only(["PATH": "/usr/bin:/bin", "HOME": "/home-EXPANDED", "VAR": "VAR-EXPANDED", "LC_ALL": "C"])
            return o
        }
    }

    /// Values that each try something, and to leave a marker behind.
    static func hostileValues(_ markers: String) -> [String] {
        [
            "'; touch \(markers)/sq; '", "\"; touch \(markers)/dq; \"", "$(touch \(markers)/cmdsub)", "`touch \(markers)/backtick`",
            "; touch \(markers)/semi", "&& touch \(markers)/and", "| touch \(markers)/pipe", "\ntouch \(markers)/newline\n",
            "\r\ntouch \(markers)/crlf", "a\nb", "> \(markers)/redirect", ">\(markers)/redirect2", "< /etc/passwd",
            "$VAR", "${VAR}", "$HOME", "~", "~root", "*", "?", "[a-z]*", "a1", "{a,b}", "$((1+1))", "$[1+1]", "!!", "#",
            "#; touch \(markers)/comment", "\\", "\\'", "'\\''", "''", "\"\"", "'", "\"", "`", "$", "$'\\x41'",
            "\"$(touch \(markers)/dq-cmdsub)\"", "'$(touch \(markers)/sq-cmdsub)'", "x'\"'\"'y", "--", "-n", "-e", "%s%n%d",
            "ünï €中文 🚀", "e\u{301}", "\u{1B}[31mred\u{1B}[0m\u{07}", "\u{7F}\u{85}\u{9B}", "\u{202E}evil", " ", "\t", "", "   lead",
            "trail   ", "a  b", "\u{FEFF}", "\u{FFFD}", "\u{10FFFF}",
            // A quote followed by a combining mark is one Character in Swift, but two things to
            // the shell: the quote still ends the single-quoted word.
            "x'\u{301}; touch \(markers)/combining; echo '", "'\u{200D}; touch \(markers)/zwj; '", "'\u{FE0F}$(touch \(markers)/vs16)'",
            "\"\u{301}; touch \(markers)/dq-combining; \"", "\\\u{301}$(touch \(markers)/bs-combining)",
            "{{ $labels.v }}", "}}", "{{",
        ]
    }

    /// A template context: the snippet with `V` where the parameter goes, and the arguments it
    /// must print for a value.
    struct Context: Sendable, CustomStringConvertible {
        var name: String
        var snippet: String
        var expected: @Sendable (String) -> [String]
        var description: String { name }
    }

    /// Every quoting context the template language accepts, with `{{ $labels.V }}` standing
    /// for the parameter (replaced by a numbered label per value).
    static let contexts: [Context] = [
        Context(name: "unquoted", snippet: "printf '%s\\0' {{V}}") { [$0] },
        Context(name: "inside '...'", snippet: "printf '%s\\0' 'pre-{{V}}-post'") { ["pre-\($0)-post"] },
        Context(name: "inside \"...\"", snippet: "printf '%s\\0' \"pre-{{V}}-post\"") { ["pre-\($0)-post"] },
        Context(name: "inside $(...)", snippet: "printf '%s\\0' \"$(printf '%s' {{V}})\"") { [stripTrailingNewlines($0)] },
        Context(name: "inside \"...\" inside $(...)", snippet: "printf '%s\\0' \"$(printf '%s' \"<{{V}}>\")\"") { ["<\($0)>"] },
        Context(name: "inside $(...) unquoted then one word", snippet: "printf '%s\\0' \"$(printf '%s\\0' {{V}} | od -An -v -tx1 | tr -d ' \\n')\"") {
            [$0.utf8.map { String(format: "%02x", $0) }.joined() + "00"]
        },
        Context(name: "several in one word", snippet: "printf '%s\\0' a{{V}}b{{V}}\"c{{V}}\"'d{{V}}'e") { v in ["a\(v)b\(v)c\(v)d\(v)e"] },
        Context(name: "option value and operand", snippet: "printf '%s\\0' --model={{V}} -- {{V}}") { ["--model=\($0)", "--", $0] },
        Context(name: "subshell after &&", snippet: "true && (printf '%s\\0' {{V}})") { [$0] },
        Context(name: "assignment", snippet: "X={{V}}; printf '%s\\0' \"$X\"") { [$0] },
        Context(name: "for list", snippet: "for a in {{V}}; do printf '%s\\0' \"$a\"; done") { [$0] },
        Context(name: "case subject", snippet: "case {{V}} in *) printf '%s\\0' matched;; esac") { _ in ["matched"] },
        Context(name: "function argument", snippet: "f() { printf '%s\\0' \"$@\"; }; f x{{V}} {{V}}") { ["x\($0)", $0] },
    ]

    static func stripTrailingNewlines(_ s: String) -> String {
        var bytes = Array(s.utf8)
        while bytes.last == 0x0A { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Runs `template` (parsed and expanded with `labels`) through `CommandRun` and returns the
    /// arguments it printed, as bytes, and how it ended.
    static func printedArguments(_ template: String, labels: [String: String], sandbox: Sandbox) throws -> (args: [[UInt8]], status: CommandOutcome.Ending) {
        let parsed = try CommandTemplate.parse(template).get()
        let expanded = try parsed.expand(CommandContext(labels: labels)).get()
        let collected = Collected()
        // The snippet's own output goes through od; its errors (stderr) stay out of the hex.
        let run = CommandRun.start(command: "{ " + expanded.command + "\n} 2>/dev/null | od -An -v -tx1", timeout: .seconds(60),
                                   options: sandbox.options, onOutput: { collected.add($0.lines.map(\.text)) }, onExit: { _ in })
        let outcome = try #require(run.wait(timeout: .seconds(90)))
        #expect(outcome.skippedLines == 0 && outcome.cutLines == 0, "the printer's output was not read whole")
        var bytes: [UInt8] = []
        var noise: [String] = []
        for token in collected.lines.joined(separator: " ").split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            // Anything but od's hex is the shell's own error output (a syntax error, say).
            if token.count == 2, let b = UInt8(token, radix: 16) { bytes.append(b) } else { noise.append(String(token)) }
        }
        // Each argument ends in a NUL (values cannot contain one: expansion refuses it).
        var args: [[UInt8]] = []
        var current: [UInt8] = []
        for b in bytes { if b == 0 { args.append(current); current = [] } else { current.append(b) } }
        if !current.isEmpty { args.append(current + [0xFF, 0xFF]) }   // unterminated: never equal to a value
        // Shell errors are never equal to a value's bytes either (0xFF is not UTF-8).
        if !noise.isEmpty { args.append([0xFF] + Array(noise.joined(separator: " ").utf8)) }
        return (args, outcome.ending)
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var _lines: [String] = []
        func add(_ l: [String]) { lock.withLock { _lines += l } }
        var lines: [String] { lock.withLock { _lines } }
    }

    /// One command per context and per 40 values (a single argument to `sh` may not exceed
    /// 128 KiB); when a batch does not match, each of its values is run alone to name the
    /// ones that escaped.
    static func check(_ values: [String], in context: Context, sandbox: Sandbox) throws {
        for start in stride(from: 0, to: values.count, by: 40) {
            try checkBatch(Array(values[start..<min(values.count, start + 40)]), in: context, sandbox: sandbox)
        }
        #expect(sandbox.intruders().isEmpty, "\(context): an embedded command ran: \(sandbox.intruders())")
    }

    static func checkBatch(_ values: [String], in context: Context, sandbox: Sandbox) throws {
        var labels: [String: String] = [:]
        var snippets: [String] = []
        var expected: [[UInt8]] = []
        for (i, v) in values.enumerated() {
            labels["v\(i)"] = v
            snippets.append(context.snippet.replacingOccurrences(of: "{{V}}", with: "{{ $labels.v\(i) }}"))
            expected += context.expected(v).map { Array($0.utf8) }
        }
        let (args, ending) = try printedArguments(snippets.joined(separator: "\n"), labels: labels, sandbox: sandbox)
        if args != expected || ending != .exited(0) {
            var escaped: [String] = []
            for v in values {
                let one = try printedArguments(context.snippet.replacingOccurrences(of: "{{V}}", with: "{{ $labels.v }}"),
                                               labels: ["v": v], sandbox: sandbox)
                if one.args != context.expected(v).map({ Array($0.utf8) }) || one.status != .exited(0) {
                    escaped.append("\(v.debugDescription) printed \(one.args.map { String(decoding: $0, as: UTF8.self).debugDescription }), \(one.status)")
                }
            }
            let list = escaped.joined(separator: "\n")
            Issue.record("\(context): values not printed literally (the batch ended \(ending)):\n\(list)")
        }
    }

    @Test(arguments: contexts)
    func hostileValuesArePrintedLiterallyAndRunNothing(_ context: Context) throws {
        let sandbox = try Sandbox()
        try Self.check(Self.hostileValues(sandbox.markers), in: context, sandbox: sandbox)
    }

    /// A small seeded generator (SplitMix64), so a failure can be replayed:
    /// `INJECTION_SEED=n INJECTION_VALUES=k swift test --filter CommandInjectionTests`.
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func randomValues(seed: UInt64, count: Int, markers: String) -> [String] {
        var rng = SplitMix64(state: seed)
        let fragments = ["'", "\"", "\\", "$", "`", "(", ")", "{", "}", ";", "|", "&", "<", ">", "*", "?", "[", "]", "~", "#", "!",
                         "\n", "\r", "\t", " ", "$(", "${", "$((", "'\\''", "\\\n", "=", "-", "%", "\u{301}", "\u{200D}", "\u{FE0F}",
                         "\u{20DD}", "é", "中", "🚀", "\u{1B}", "\u{7F}", "\u{85}", "\u{2028}", "$VAR", "${VAR}", "$HOME", "a1", "{{", "}}"]
        return (0..<count).map { i in
            var v = ""
            for _ in 0..<(1 + rng.below(12)) {
                switch rng.below(12) {
                case 0: v += " touch \(markers)/r\(i) "
                case 2:
                    // A shell metacharacter, then a scalar that extends the grapheme before it:
                    // one Swift Character, still a metacharacter to the shell.
                    let extenders: [ClosedRange<UInt32>] = [0x300...0x36F, 0x200C...0x200D, 0xFE00...0xFE0F, 0x20D0...0x20FF, 0x1F3FB...0x1F3FF]
                    let r = extenders[rng.below(extenders.count)]
                    v += ["'", "\"", "\\", "$", "`", "(", ")", ";", "#", "\n"][rng.below(10)]
                    v.unicodeScalars.append(Unicode.Scalar(r.lowerBound + UInt32(rng.below(Int(r.upperBound - r.lowerBound + 1))))!)
                case 1:
                    // Any scalar but NUL and surrogates, from ASCII to the astral planes.
                    let ranges: [ClosedRange<UInt32>] = [1...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
                    let r = ranges[rng.below(ranges.count)]
                    v.unicodeScalars.append(Unicode.Scalar(r.lowerBound + UInt32(rng.below(Int(r.upperBound - r.lowerBound + 1))))!)
                default: v += fragments[rng.below(fragments.count)]
                }
            }
            return v
        }
    }

    @Test(arguments: contexts)
    func randomValuesArePrintedLiterallyAndRunNothing(_ context: Context) throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["INJECTION_SEED"].flatMap(UInt64.init) ?? 0x6D6F_6465_6C77_6174
        let count = env["INJECTION_VALUES"].flatMap(Int.init) ?? 300
        let sandbox = try Sandbox()
        let values = Self.randomValues(seed: seed, count: count, markers: sandbox.markers)
        // The generator does make the values this test is about.
        #expect(values.filter { $0.contains("'") && $0.contains("touch") }.count >= count / 20)
        try Self.check(values, in: context, sandbox: sandbox)
    }

    /// The template's own text may hold a quote followed by a combining mark too (pasted from
    /// a document): the checker must see the quote the shell sees, or refuse the template.
    @Test(arguments: ["printf '%s\\0' '\u{301}{{V}}'", "printf '%s\\0' \"\u{301}{{V}}\"", "printf '%s\\0' x\\\u{301}{{V}}"])
    func aCombiningMarkAfterAQuoteInTheTemplate(_ snippet: String) throws {
        let sandbox = try Sandbox()
        let template = snippet.replacingOccurrences(of: "{{V}}", with: "{{ $labels.v }}")
        guard case .success = CommandTemplate.parse(template) else { return }   // refusing it is fine
        var mangled: [String] = []
        for v in Self.hostileValues(sandbox.markers) {
            let (args, _) = try Self.printedArguments(template, labels: ["v": v], sandbox: sandbox)
            // Whatever the template means, the value's bytes must arrive whole, in one argument.
            let want = Array(v.utf8)
            if !(args.count == 1 && (want.isEmpty || (0...max(0, args[0].count - want.count)).contains { args[0][$0...].starts(with: want) })) {
                mangled.append("\(v.debugDescription) printed \(args.map { String(decoding: $0, as: UTF8.self).debugDescription })")
            }
        }
        #expect(mangled.isEmpty, "\(template.debugDescription):\n\(mangled.joined(separator: "\n"))")
        #expect(sandbox.intruders().isEmpty, "an embedded command ran: \(sandbox.intruders())")
    }

    @Test func thePrinterItselfProvesExactness() throws {
        // The check would be worthless if the printer lost bytes: a value not quoted by the
        // template (written into it literally) must come back changed.
        let sandbox = try Sandbox()
        let (args, _) = try Self.printedArguments("printf '%s\\0' a   b \"$VAR\" *", labels: [:], sandbox: sandbox)
        #expect(args.map { String(decoding: $0, as: UTF8.self) } == ["a", "b", "VAR-EXPANDED", "a1"])
        let (raw, _) = try Self.printedArguments("printf '%s\\0' 'é\u{1B}\r\n\u{7F}'", labels: [:], sandbox: sandbox)
        #expect(raw == [Array("é\u{1B}\r\n\u{7F}".utf8)])
    }
}
