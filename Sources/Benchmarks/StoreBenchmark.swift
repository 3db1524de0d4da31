/// PLACEHOLDER until the Store benchmark lands; prints that it has not run.
enum StoreBenchmark {
    static func run() async throws { print("store: not written yet") }
}
