import Logs
import Telemetry
import Testing

/// One line at a time: the format it is read as, its time, level and fields.
@Suite struct LineShapeTests {
    typealias F = LogFixtures

    func parse(_ line: String) -> LogEntry { LogLineParser.parse(line, source: "s.log", receivedAt: F.receivedAt) }

    @Test(arguments: [
        // RFC 3339 / ISO 8601, with and without fractions and zones.
        ("2024-11-29T03:00:00Z INFO ok", F.ms(2024, 11, 29, 3, 0, 0), LogTimeAssumptions()),
        ("2024-11-29T03:00:00.5Z INFO ok", F.ms(2024, 11, 29, 3, 0, 0, 500), LogTimeAssumptions()),
        ("2024-11-29T03:00:00.123456789Z INFO ok", F.ms(2024, 11, 29, 3, 0, 0, 123), LogTimeAssumptions()),
        ("2024-11-29T03:00:00+02:00 INFO ok", F.ms(2024, 11, 29, 1, 0, 0), LogTimeAssumptions()),
        ("2024-11-29T03:00:00.250-0530 INFO ok", F.ms(2024, 11, 29, 8, 30, 0, 250), LogTimeAssumptions()),
        ("2024-11-29T03:00:00+01 INFO ok", F.ms(2024, 11, 29, 2, 0, 0), LogTimeAssumptions()),
        ("2024-11-29T03:00:00 INFO ok", F.ms(2024, 11, 29, 3, 0, 0), LogTimeAssumptions.zoneAssumedUTC),
        ("2024-11-29 03:00:00,215 INFO ok", F.ms(2024, 11, 29, 3, 0, 0, 215), LogTimeAssumptions.zoneAssumedUTC),
        ("[2024-11-29 03:00:00 +0000] [7] [INFO] Booting worker with pid: 7", F.ms(2024, 11, 29, 3, 0, 0), LogTimeAssumptions()),
        ("2024-11-29 03:00:00.123 UTC [42] LOG:  checkpoint starting: time", F.ms(2024, 11, 29, 3, 0, 0, 123), LogTimeAssumptions()),
        // Go's log, epoch seconds and milliseconds.
        ("2024/11/29 03:00:00 listening", F.ms(2024, 11, 29, 3, 0, 0), LogTimeAssumptions.zoneAssumedUTC),
        ("2024/11/29 03:00:00.123456 listening", F.ms(2024, 11, 29, 3, 0, 0, 123), LogTimeAssumptions.zoneAssumedUTC),
        ("1732849200 INFO ok", F.ms(2024, 11, 29, 3, 0, 0), LogTimeAssumptions()),
        ("1732849200.25 INFO ok", F.ms(2024, 11, 29, 3, 0, 0, 250), LogTimeAssumptions()),
        ("1732849200250 INFO ok", F.ms(2024, 11, 29, 3, 0, 0, 250), LogTimeAssumptions()),
        // No year: the receive year (2024), UTC.
        ("Nov 29 03:00:00 host app[1]: ok", F.ms(2024, 11, 29, 3, 0, 0), [LogTimeAssumptions.yearFromReceipt, .zoneAssumedUTC]),
        ("I1129 03:00:00.123456 1 x.cc:1] ok", F.ms(2024, 11, 29, 3, 0, 0, 123), [LogTimeAssumptions.yearFromReceipt, .zoneAssumedUTC]),
        ("INFO 11-29 03:00:00 x.py:1] ok", F.ms(2024, 11, 29, 3, 0, 0), [LogTimeAssumptions.yearFromReceipt, .zoneAssumedUTC]),
    ] as [(String, Int64, LogTimeAssumptions)])
    func statedTimes(line: String, ms: Int64, assumptions: LogTimeAssumptions) {
        let e = parse(line)
        #expect(e.statedTime == Timestamp(milliseconds: ms), "\(line)")
        #expect(e.statedTimeAssumptions == assumptions, "\(line)")
        #expect(e.time == F.receivedAt, "time is when it was read")
    }

    @Test func aYearlessTimeAfterNewYear() {
        // Read on 2025-01-02: a line from Dec 31 belongs to 2024, one from Jan 1 to 2025.
        let jan2 = Timestamp(milliseconds: F.ms(2025, 1, 2, 0, 0, 0))
        let dec = LogLineParser.parse("Dec 31 23:59:59 host app: bye", source: "s", receivedAt: jan2)
        #expect(dec.statedTime == Timestamp(milliseconds: F.ms(2024, 12, 31, 23, 59, 59)))
        let jan = LogLineParser.parse("Jan  1 00:00:01 host app: hello", source: "s", receivedAt: jan2)
        #expect(jan.statedTime == Timestamp(milliseconds: F.ms(2025, 1, 1, 0, 0, 1)))
    }

    @Test(arguments: [
        ("2024-11-29 03:00:00,001 TRACE x: m", LogLevel.trace), ("2024-11-29 03:00:00,001 DEBUG x: m", .debug),
        ("2024-11-29 03:00:00,001 INFO x: m", .info), ("2024-11-29 03:00:00,001 NOTICE x: m", .info),
        ("2024-11-29 03:00:00,001 WARN x: m", .warn), ("2024-11-29 03:00:00,001 WARNING x: m", .warn),
        ("2024-11-29 03:00:00,001 ERROR x: m", .error), ("2024-11-29 03:00:00,001 ERR x: m", .error),
        ("2024-11-29 03:00:00,001 CRITICAL x: m", .fatal), ("2024-11-29 03:00:00,001 FATAL x: m", .fatal),
        ("2024-11-29 03:00:00,001 PANIC x: m", .fatal), ("2024-11-29T03:00:00.001Z [warn] x: m", .warn),
        ("2024-11-29T03:00:00.001Z\terror\tx.go:1\tm", .error), ("2024-11-29 03:00:00,001 - x - ERROR - m", .error),
        ("2024-11-29T03:00:00,001 [INFO ] main x.Y - m", .info), ("2024-11-29 03:00:00,001 x INFO/MainProcess] m", .info),
        ("2024-11-29T03:00:00Z WRN zerolog style", .warn), ("2024-11-29T03:00:00Z SEVERE java.util.logging", .error),
        ("2024-11-29 03:00:00,001 info lower case alone is a word, not a level", .unknown),
        ("W1129 03:00:00.000001 1 x.cc:1] m", .warn), ("E1129 03:00:00.000001 1 x.cc:1] m", .error),
        ("F1129 03:00:00.000001 1 x.cc:1] m", .fatal), ("<11>Nov 29 03:00:00 h a: m", .error),
        ("<15>Nov 29 03:00:00 h a: m", .debug), ("<8>1 2024-11-29T03:00:00Z h a - - - m", .fatal),
        (#"{"level":"warning","msg":"m"}"#, .warn), (#"{"severity":"CRITICAL","message":"m"}"#, .fatal),
        (#"{"level":40,"msg":"m"}"#, .warn), (#"{"log.level":"err","message":"m"}"#, .error),
        ("level=notice msg=m a=b", .info), ("lvl=E msg=m a=b", .error),
        ("WARNING:root:disk almost full", .warn), ("something FAILED with ERROR code 3", .error),
        ("nothing to see", .unknown),
    ] as [(String, LogLevel)])
    func levels(line: String, level: LogLevel) {
        #expect(parse(line).level == level, "\(line)")
    }

    @Test func levelWords() {
        #expect(LogLevel(word: "Warning") == .warn)
        #expect(LogLevel(word: "e") == .error)
        #expect(LogLevel(word: "emergency") == .fatal)
        #expect(LogLevel(word: "notice") == .info)
        #expect(LogLevel(word: "loud") == nil)
    }

    @Test func formats() {
        #expect(parse(#"{"msg":"m"}"#).format == .json)
        #expect(parse("a=1 b=2").format == .logfmt)
        #expect(parse("<13>1 2024-11-29T03:00:00Z h a 1 id - m").format == .rfc5424)
        #expect(parse("Nov 29 03:00:00 h a: m").format == .syslog)
        #expect(parse("I1129 03:00:00.000001 1 x.cc:1] m").format == .glog)
        #expect(parse("INFO 11-29 03:00:00 x.py:1] m").format == .vllm)
        #expect(parse("INFO:root:m").format == .pythonBasic)
        #expect(parse("2024/11/29 03:00:00 m").format == .goLog)
        #expect(parse("2024-11-29T03:00:00Z m").format == .timestamped)
        #expect(parse("1732849200 m").format == .epoch)
        #expect(parse("just words").format == .plain)
        #expect(parse("{not json").format == .plain)
        #expect(parse(#"{"a":1} trailing"#).format == .plain, "text after the object: not a JSON line")
        #expect(parse("12345 is not a time").format == .plain)
    }

    @Test func jsonFieldsAndIds() {
        let e = parse(#"{"ts":"2024-11-29T03:00:00Z","level":"info","msg":"scored","model_name":"churn-predictor","model_version":"7","requestId":"r-1","trace_id":"t-1","nested":{"a":[1,2,{"b":"}"}]},"n":1.5e3,"ok":true,"none":null}"#)
        #expect(e.model == "churn-predictor")
        #expect(e.version == "7")
        #expect(e.requestID == "r-1")
        #expect(e.traceID == "t-1")
        #expect(e.fields["nested"] == #"{"a":[1,2,{"b":"}"}]}"#)
        #expect(e.fields["n"] == "1.5e3")
        #expect(e.fields["ok"] == "true")
        #expect(e.fields["none"] == "null")
        #expect(e.fields.count == 11)
        let t = parse(#"{"msg":"m","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","x-request-id":"abc"}"#)
        #expect(t.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(t.requestID == "abc")
        let escaped = parse(#"{"msg":"tab\tquote\" slash\/ \u00e9 \ud83d\ude80","k\"ey":"v"}"#)
        #expect(escaped.message == "tab\tquote\" slash/ é 🚀")
        #expect(escaped.fields["k\"ey"] == "v")
    }

    @Test func modelsInFreeText() {
        #expect(parse("2024-11-29T03:00:00Z INFO loaded model 'fraud-detector' version 4").model == "fraud-detector")
        #expect(parse("2024-11-29T03:00:00Z INFO loaded model 'fraud-detector' version 4").version == "4")
        #expect(parse(#"2024-11-29T03:00:00Z INFO "POST /v2/models/resnet/versions/2/infer HTTP/1.1" 200"#).version == "2")
        #expect(parse(#"2024-11-29T03:00:00Z INFO "POST /v2/models/resnet/versions/2/infer HTTP/1.1" 200"#).model == "resnet")
        #expect(parse("2024-11-29T03:00:00Z INFO POST /predictions/bert/2.0 200").model == "bert")
        #expect(parse("2024-11-29T03:00:00Z INFO POST /predictions/bert/2.0 200").version == "2.0")
        #expect(parse("2024-11-29T03:00:00Z INFO Registering model: credit-scorer").model == "credit-scorer")
        #expect(parse("2024-11-29T03:00:00Z INFO the model is warm").model == nil)
        #expect(parse("2024-11-29T03:00:00Z INFO loaded 'not a model' here").model == nil)
        #expect(parse("2024-11-29T03:00:00Z INFO model=m1 request_id=N.A.").requestID == nil)
        #expect(parse("2024-11-29T03:00:00Z INFO model=m1 request_id=r-9").requestID == "r-9")
    }

    @Test func demoFleetLinesStillParse() {
        // As Sources/DemoFleet writes them.
        let triton = parse("E1129 17:22:00.812094 1 python_be.cc:1395] Failed to process the request(s) for model 'fraud-detector_0_1', message: RuntimeError: CUDA out of memory. Tried to allocate 256.00 MiB")
        #expect(triton.level == .error)
        #expect(triton.model == "fraud-detector")
        #expect(triton.message.hasPrefix("Failed to process"))
        let vllm = parse("ERROR 11-29 17:21:40 serving_chat.py:170] Error in preprocessing prompt inputs: This model's maximum context length is 8192 tokens.")
        #expect(vllm.level == .error)
        #expect(vllm.message.hasPrefix("Error in preprocessing"))
        let uvicorn = parse(#"INFO:     10.42.3.17:51234 - "POST /v1/chat/completions HTTP/1.1" 200 OK"#)
        #expect(uvicorn.level == .info)
        #expect(uvicorn.message.hasPrefix("10.42.3.17"))
        let kserve = parse("2024-11-29 17:20:00.120 1 kserve INFO [register_model():363] Registering model: churn-predictor")
        #expect(kserve.level == .info)
        #expect(kserve.message == "Registering model: churn-predictor")
        #expect(kserve.model == "churn-predictor")
        let trace = parse("2024-11-29 17:20:01.402 kserve.trace requestId: N.A., preprocess_ms: 0.6, explain_ms: 0, predict_ms: 40.5, postprocess_ms: 0.07")
        #expect(trace.requestID == nil)
        let json = parse(#"{"asctime": "2024-11-29 17:23:00,001", "levelname": "WARNING", "name": "credit_scorer.features", "message": "debt_to_income median shifted"}"#)
        #expect(json.level == .warn)
        #expect(json.message == "debt_to_income median shifted")
    }
}
