import Foundation
import Incidents
import Testing

/// Random templates built from shell syntax fragments. Whatever the checker accepts, running it
/// with a value full of ways to run `touch` must never create a file. (No `eval` fragment: a
/// template that hands a value to an interpreter is the author's to avoid; the checker refuses
/// the obvious `eval` and `let`, tested in RunbookCommandTests.)
@Suite struct RunbookQuotingFuzzTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments = [
        "'", "\"", "$(", ")", "(", "`", "\\", "#", " ", "\n", "${", "}", "$((", "))", "$", "a", ";", "case ", " in ",
        "{{ $labels.v }}", "{{ $labels.v }}", "{{ $labels.v }}", "<<", "$'", "x=", "echo ", "|", "&&", "((", "=",
    ]
    static let hostile = "q$(touch p1)`touch p2`'; touch p3; '\"; touch p4; \"\ntouch p5\n a[$(touch p6)] \\'$(touch p7)\\'"

    @Test func acceptedTemplatesNeverRunTheValue() throws {
        // RUNBOOK_FUZZ_ITERATIONS and RUNBOOK_FUZZ_SEED make a longer or different run.
        let env = ProcessInfo.processInfo.environment
        var rng = SplitMix64(state: env["RUNBOOK_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED)
        let iterations = env["RUNBOOK_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 1500
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rbfuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var accepted = 0
        for _ in 0..<iterations {
            let n = Int.random(in: 1...10, using: &rng)
            let template = "echo " + (0..<n).map { _ in Self.fragments.randomElement(using: &rng)! }.joined()
            guard let t = try? CommandTemplate.parse(template).get(), !t.parameters.isEmpty else { continue }
            accepted += 1
            let command = try t.expand(CommandContext(labels: ["v": Self.hostile])).get().command
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            p.arguments = ["5", "/bin/sh", "-c", command]
            p.currentDirectoryURL = dir
            p.environment = ["PATH": "/usr/bin:/bin"]
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(files.isEmpty, "template \(template.debugDescription) → \(command.debugDescription) created \(files)")
            if !files.isEmpty { for f in files { try? FileManager.default.removeItem(at: dir.appendingPathComponent(f)) } }
        }
        print("runbook quoting fuzz: \(accepted) accepted templates run")
        #expect(accepted > iterations / 15)
    }
}
