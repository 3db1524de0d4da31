// modelwatch-bench: speed and memory figures, printed. Run in release:
//   swift run -c release modelwatch-bench [parse|store|scrape|rules|rules-engine|logs|all]
// Each suite prints its own figures and the goal they are measured against.
import Foundation

let which = CommandLine.arguments.dropFirst().first ?? "all"
let suites: [(name: String, run: () async throws -> Void)] = [
    ("parse", ParseBenchmark.run),
    ("store", StoreBenchmark.run),
    ("scrape", ScrapeBenchmark.run),
    ("rules", RulesBenchmark.run),
    ("rules-engine", RulesEngineBenchmark.run),
    ("logs", LogsBenchmark.run),
]
guard which == "all" || suites.contains(where: { $0.name == which }) else {
    FileHandle.standardError.write(Data("usage: modelwatch-bench [parse|store|scrape|rules|rules-engine|logs|all]\n".utf8))
    exit(2)
}
for suite in suites where which == "all" || which == suite.name {
    print("== \(suite.name)")
    try await suite.run()
}
