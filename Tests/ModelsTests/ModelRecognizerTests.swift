import DemoFleet
import Models
import Telemetry
import Testing

@Suite struct ModelRecognizerTests {
    /// The demo fleet scraped every 5 s for `seconds`, into a store.
    func store(until seconds: Int64) throws -> (SeriesStore, Timestamp) {
        var fleet = Fleet(seed: 7)
        var store = SeriesStore(retention: .minutes(60))
        let start = Timestamp(milliseconds: 1_700_000_000_000)
        var t: Int64 = 0
        while t <= seconds * 1000 {
            fleet.advance(to: t)
            for target in Fleet.targetNames {
                let families = try TextFormatParser.parse(try #require(fleet.exposition(for: target)))
                store.ingest(families, at: start + Milliseconds(t), targetLabels: Labels(["job": target, "instance": target]))
            }
            t += 5_000
        }
        return (store, start + .seconds(seconds))
    }

    @Test func recognizesEachServerKindByItsMetrics() throws {
        let (store, _) = try store(until: 10)
        #expect(ModelRecognizer.kinds(in: store, job: "triton-a") == [.triton])
        #expect(ModelRecognizer.kinds(in: store, job: "vllm-0") == [.vllm])
        #expect(ModelRecognizer.kinds(in: store, job: "kserve-churn") == [.kserve])
        #expect(ModelRecognizer.kinds(in: store, job: "nope").isEmpty)
    }

    @Test func readsGoldenSignalsInNormalizedUnits() throws {
        let (store, now) = try store(until: 90)
        let triton = ModelRecognizer.signals(in: store, job: "triton-a", at: now)
        #expect(triton.map(\.key.name).sorted() == ["fraud-detector", "image-embedder"])
        let fraud = try #require(triton.first { $0.key.name == "fraud-detector" })
        #expect(fraud.versions == ["3"])
        let rps = try #require(fraud.requestsPerSecond)
        #expect(rps > 5 && rps < 2_000)
        let p99 = try #require(fraud.latencyP99)
        #expect(p99 > 0.01 && p99 < 0.2, "Triton's µs summary read as seconds: \(p99)")
        #expect(!fraud.latencyIsMean)
        #expect((fraud.errorRatio ?? 1) < 0.01)

        let llama = try #require(ModelRecognizer.signals(in: store, job: "vllm-0", at: now).first)
        #expect(llama.key.name == "llama-3-8b-chat")
        let llamaP99 = try #require(llama.latencyP99)
        #expect(llamaP99 > 1 && llamaP99 < 60, "vLLM e2e latency in seconds: \(llamaP99)")
        #expect(llama.saturation.map { (0...1).contains($0) } == true)

        let churn = try #require(ModelRecognizer.signals(in: store, job: "kserve-churn", at: now).first)
        #expect(churn.key.name == "churn-predictor")
        #expect(churn.versions.count == 1, "Knative revision number as version")
        let churnP99 = try #require(churn.latencyP99)
        #expect(churnP99 > 0.005 && churnP99 < 1, "queue-proxy ms read as seconds: \(churnP99)")
    }

    @Test func aNewVersionReplacesTheOldOneAtOnce() throws {
        let (store, now) = try store(until: 150)
        let fraud = try #require(ModelRecognizer.signals(in: store, job: "triton-a", at: now, freshness: .seconds(11))
            .first { $0.key.name == "fraud-detector" })
        #expect(fraud.versions == ["4"])
        #expect((fraud.errorRatio ?? 0) > 0.05)
    }

    @Test func theDemoFleetExportsNothingWrong() throws {
        // Simulated servers written like the real ones: no signal of theirs may be refused.
        let (store, end) = try store(until: 600)
        for seconds in stride(from: 30, through: 600, by: 30) {
            let at = end - .seconds(600 - Int64(seconds))
            for job in Fleet.targetNames {
                for model in ModelRecognizer.signals(in: store, job: job, at: at, freshness: .seconds(11)) {
                    #expect(model.problems.isEmpty, "\(model.key) at \(seconds)s: \(model.problems)")
                    #expect(model.traffic.isValue && model.latency.p99.isValue, "\(model.key) at \(seconds)s")
                    #expect(model.versions.count <= 1 || model.byVersion.count == model.versions.count)
                }
            }
        }
    }

    @Test func revisionNamesBecomeVersionNumbers() {
        #expect(ModelRecognizer.revisionNumber("churn-predictor-predictor-00007") == "00007")
        #expect(ModelRecognizer.revisionNumber("plain") == "plain")
        #expect(ModelRecognizer.revisionNumber("ends-with-") == "ends-with-")
    }
}
