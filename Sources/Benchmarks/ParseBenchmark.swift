/// PLACEHOLDER until the Parse benchmark lands; prints that it has not run.
enum ParseBenchmark {
    static func run() async throws { print("parse: not written yet") }
}
