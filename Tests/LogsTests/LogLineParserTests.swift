import Logs
import Telemetry
import Testing

@Suite struct LogLineParserTests {
    let t = Timestamp(milliseconds: 1_000)

    func parse(_ line: String) -> LogEntry { LogLineParser.parse(line, source: "s.log", receivedAt: t) }

    @Test func glogAsTritonWritesIt() {
        let e = parse("E1129 03:02:01.123456 1 backend_model.cc:301] CUDA out of memory in 'fraud-detector'")
        #expect(e.level == .error)
        #expect(e.message == "CUDA out of memory in 'fraud-detector'")
        #expect(e.model == "fraud-detector")
        #expect(parse("W1129 03:02:01.123456 1 x.cc:1] slow").level == .warn)
        #expect(parse("I1129 03:02:01.123456 1 x.cc:1] ok").level == .info)
        let instance = parse("E1129 03:02:01.123456 1 python_be.cc:1395] Failed for model 'fraud-detector_0_1', message: CUDA out of memory")
        #expect(instance.model == "fraud-detector", "Triton instance names map to their model")
        #expect(parse("I1129 03:02:01.123456 1 x.cc:1] loaded 'my_model_v2'").model == "my_model_v2")
    }

    @Test func jsonLinesWithModelField() {
        let e = parse(#"{"asctime": "2026-11-29 03:00:01", "levelname": "WARNING", "message": "queue full", "model_name": "churn-predictor"}"#)
        #expect(e.level == .warn)
        #expect(e.message == "queue full")
        #expect(e.model == "churn-predictor")
        #expect(e.fields["asctime"] == "2026-11-29 03:00:01")
    }

    @Test func vllmAndPythonLoggingPrefixes() {
        let v = parse("INFO 11-29 03:00:01 metrics.py:351] Avg prompt throughput: 12.0 tokens/s")
        #expect(v.level == .info)
        #expect(v.message.hasPrefix("Avg prompt throughput"))
        let p = parse("2026-11-29 03:00:01,123 - kserve - ERROR - predictor failed")
        #expect(p.level == .error)
        #expect(p.message == "predictor failed")
    }

    @Test func logfmt() {
        let e = parse(#"ts=2026-11-29T03:00:01Z level=warn msg="batch queue delay high" model=fraud-detector"#)
        #expect(e.level == .warn)
        #expect(e.message == "batch queue delay high")
        #expect(e.model == "fraud-detector")
    }

    @Test func unknownShapesKeepTheWholeLine() {
        let e = parse("something happened")
        #expect(e.level == .unknown)
        #expect(e.message == "something happened")
        #expect(e.time == t)
        #expect(parse("{not json").message == "{not json")
    }

    @Test func theBufferDropsOnlyFromMemoryAndCountsIt() {
        var buffer = LogBuffer(capacity: 10)
        for i in 0..<100 { buffer.append(LogEntry(source: "s", time: t, level: .info, message: "\(i)")) }
        #expect(buffer.receivedCount == 100)
        #expect(buffer.visible.count == 10)
        #expect(buffer.visible.last?.message == "99")
        #expect(buffer.droppedCount + buffer.entries.count == 100)
    }
}
