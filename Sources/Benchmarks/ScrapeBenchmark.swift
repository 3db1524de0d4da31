/// PLACEHOLDER until the Scrape benchmark lands; prints that it has not run.
enum ScrapeBenchmark {
    static func run() async throws { print("scrape: not written yet") }
}
