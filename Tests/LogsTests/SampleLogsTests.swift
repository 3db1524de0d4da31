import Logs
import Telemetry
import Testing

/// Detection and extraction over the realistic files of `sample-data/logs/`.
@Suite struct SampleLogsTests {
    typealias F = LogFixtures

    @Test func tritonGlogWithBannerAndTables() throws {
        let r = try F.read("triton.log")
        #expect(r.format == .glog)
        #expect(r.assembler.linesRead == 58)
        // The banner before the first glog line is plain text, one record a line (blank lines
        // folded into the line before); the model tables fold into their `server.cc` record.
        let glog = r.entries.filter { $0.format == .glog }
        #expect(glog.count == 27)
        let table = try #require(glog.first { $0.fields["caller"] == "server.cc:677" })
        #expect(table.lineCount == 8)
        #expect(table.message.contains("| fraud-detector | 3       | READY  |"))
        let loading = try #require(glog.first { $0.message == "loading: fraud-detector:3" })
        #expect(loading.model == "fraud-detector")
        #expect(loading.version == "3")
        #expect(loading.level == .info)
        // glog states no year and no zone: the receive year, UTC.
        #expect(loading.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 0, 458)))
        #expect(loading.statedTimeAssumptions == [.yearFromReceipt, .zoneAssumedUTC])
        #expect(loading.fields["thread"] == "1")
        let pinned = try #require(glog.first)
        #expect(pinned.model == nil, "a quoted address is no model name")
        let oom = glog.filter { $0.level == .error && $0.message.contains("CUDA out of memory") }
        #expect(oom.count == 2)
        #expect(oom.allSatisfy { $0.model == "fraud-detector" }, "instance fraud-detector_0_1 is model fraud-detector")
        #expect(oom[0].lineCount == 6, "the Python backend's `At:` frames fold into the error")
        let slow = try #require(glog.first { $0.level == .warn && $0.message.hasPrefix("request for model") })
        #expect(slow.model == "fraud-detector")
        #expect(slow.version == "4")
        let shape = try #require(glog.first { $0.message.contains("unexpected shape") })
        #expect(shape.requestID == "7f3c9a1e-42d2-4c55-9a0b-6c3e0f1d2b44")
        #expect(shape.model == "image-embedder")
        #expect(glog.last?.level == .fatal)
    }

    @Test func tritonQuotedMessages() throws {
        let r = try F.read("triton-24.10.log")
        #expect(r.format == .glog)
        #expect(r.entries.count == 8)
        #expect(r.entries[0].message == "Pinned memory pool is created at '0x7f8d6a000000' with size 268435456")
        #expect(r.entries[0].model == nil)
        #expect(r.entries[2].model == "fraud-detector")
        #expect(r.entries[2].version == "3")
        #expect(r.entries[3].model == "fraud-detector")
        // Tables stay lines of their own under their heading line.
        #expect(r.entries[4].lineCount == 7)
        #expect(r.entries[4].message.contains("| fraud-detector | 3       | READY  |\n"))
        #expect(r.entries[6].level == .error)
        #expect(r.entries[6].model == "fraud-detector")
        #expect(r.entries[7].message == "request for model 'fraud-detector' version 3 exceeded the slow-request threshold: \"131 ms\"\n(threshold 100 ms)",
                "escapes undone")
        #expect(r.entries[7].version == "3")
    }

    @Test func tritonISO8601Format() throws {
        let r = try F.read("triton-iso8601.log")
        #expect(r.format == .timestamped)
        #expect(r.entries.count == 4)
        #expect(r.entries[0].level == .info)
        #expect(r.entries[0].message == "loading: fraud-detector:3")
        #expect(r.entries[0].model == "fraud-detector")
        #expect(r.entries[0].fields["caller"] == "model_lifecycle.cc:472")
        #expect(r.entries[0].statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 0)))
        #expect(r.entries[0].statedTimeAssumptions == [])
        #expect(r.entries[1].model == "fraud-detector")
        #expect(r.entries[2].lineCount == 7)
        #expect(r.entries[3].level == .error)
        #expect(r.entries[3].model == "fraud-detector")
    }

    @Test func vllmWithUvicornAndATraceback() throws {
        let r = try F.read("vllm.log")
        // vLLM's lines and uvicorn's (`INFO:     ...`) share the file; it stays a vLLM file.
        #expect(r.format == .vllm)
        #expect(r.entries.count == 20)
        let args = r.entries[1]
        #expect(args.model == "llama-3-8b-chat", "served_model_name wins over the weights path")
        #expect(args.fields["caller"] == "api_server.py:529")
        #expect(args.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 0)))
        #expect(r.entries[3].level == .warn)
        let worker = r.entries[4]
        #expect(worker.fields["process"] == "VllmWorkerProcess pid=212")
        #expect(worker.message == "Worker ready; awaiting tasks")
        let uvicorn = r.entries.filter { $0.format == .pythonBasic }
        #expect(uvicorn.count == 7)
        #expect(uvicorn[4].message == "10.42.3.17:51234 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK")
        let crash = r.entries[17]
        #expect(crash.level == .error)
        #expect(crash.lineCount == 9)
        #expect(crash.message.hasPrefix("RuntimeError('CUDA error: an illegal memory access was encountered')\nTraceback"))
        #expect(crash.message.hasSuffix("so the stacktrace below might be incorrect."))
    }

    @Test func torchServeLog4jLayout() throws {
        let r = try F.read("torchserve.log")
        #expect(r.format == .timestamped)
        #expect(r.entries.count == 19)
        let banner = r.entries[3]
        #expect(banner.lineCount == 14, "the configuration block under `ModelServer - ` folds into it")
        #expect(banner.message.contains("Inference address: http://0.0.0.0:8080"))
        #expect(banner.fields["logger"] == "org.pytorch.serve.ModelServer")
        #expect(banner.fields["thread"] == "main")
        let worker = r.entries[7]
        #expect(worker.model == "resnet-18")
        #expect(worker.version == "1.0")
        #expect(worker.fields["thread"] == "W-9000-resnet-18_1.0-stdout")
        #expect(worker.message == "Torch worker started.")
        #expect(worker.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 4, 52)))
        #expect(worker.statedTimeAssumptions == [.zoneAssumedUTC])
        let error = r.entries[13]
        #expect(error.level == .error)
        #expect(error.lineCount == 8)
        #expect(error.message.hasPrefix("Backend worker error\norg.pytorch.serve.wlm.WorkerInitializationException"))
        #expect(r.entries[12].level == .warn)
        #expect(r.entries[16].message == "  File \"/home/venv/lib/python3.9/site-packages/ts/service.py\", line 134, in predict",
                "a MODEL_LOG line keeps its indentation")
    }

    @Test func kservePlainDefaultFormat() throws {
        let r = try F.read("kserve.log")
        #expect(r.format == .timestamped)
        #expect(r.entries.count == 11)
        #expect(r.entries[0].model == "churn-predictor")
        #expect(r.entries[0].message == "Registering model: churn-predictor")
        #expect(r.entries[0].fields["caller"] == "register_model():363")
        #expect(r.entries[0].statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 0, 120)))
        let trace = r.entries[6]
        #expect(trace.level == .unknown)
        #expect(trace.requestID == "4e1c9d0a-1f0b-4c6e-8f0e-6b9f2a7d5c31")
        #expect(r.entries[7].model == "churn-predictor", "from the KServe v1 path")
        let error = r.entries[8]
        #expect(error.level == .error)
        #expect(error.lineCount == 9)
        #expect(error.model == "churn-predictor")
        #expect(error.message.hasSuffix("kserve.errors.InvalidInput: expected 14 features, got 13"))
        #expect(r.entries[10].level == .warn)
        #expect(r.entries[10].model == "churn-predictor")
    }

    @Test func kserveJSON() throws {
        let r = try F.read("kserve-json.log")
        #expect(r.format == .json)
        #expect(r.entries.count == 6)
        #expect(r.entries[0].model == "credit-scorer", "from the message when no field names it")
        #expect(r.entries[2].requestID == "0b7f3e22-9a41-4d8c-b1e5-2f6a8c9d0e17")
        #expect(r.entries[3].message == "10.244.3.105:43876 1 - \"POST /v1/models/credit-scorer:predict HTTP/1.1\" 200 OK")
        let drift = r.entries[4]
        #expect(drift.level == .warn)
        #expect(drift.model == "credit-scorer")
        #expect(drift.version == "3")
        #expect(drift.fields["feature"] == "debt_to_income")
        #expect(drift.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 3, 0, 1)))
        let error = r.entries[5]
        #expect(error.level == .error)
        #expect(error.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(error.fields["exc_info"]?.hasSuffix("ValueError: feature_names mismatch: 'monthly_debt' not in input") == true)
    }

    @Test func pythonServiceWithChainedTracebacks() throws {
        let r = try F.read("python-service.log")
        #expect(r.format == .timestamped)
        #expect(r.entries.count == 7)
        #expect(r.entries[0].version == nil, "a program's own version is no model version")
        let warn = r.entries[2]
        #expect(warn.level == .warn)
        #expect(warn.model == "credit-scorer")
        #expect(warn.requestID == "req-8f31c2")
        let error = r.entries[3]
        #expect(error.level == .error)
        #expect(error.lineCount == 18, "both tracebacks and the line between them")
        #expect(error.requestID == "req-8f31d7")
        #expect(error.message.contains("During handling of the above exception, another exception occurred:"))
        #expect(error.message.hasSuffix("feature_service.errors.FeatureUnavailable: entity 88123 has no features"))
        #expect(r.entries[5].level == .fatal)
        #expect(r.entries[5].lineCount == 5)
        #expect(r.entries[6].level == .debug)
    }

    @Test func javaServiceWithStackTrace() throws {
        let r = try F.read("java-service.log")
        #expect(r.format == .timestamped)
        #expect(r.entries.count == 5)
        #expect(r.entries[0].fields["app"] == "ranker")
        #expect(r.entries[0].fields["thread"] == "main")
        #expect(r.entries[0].fields["logger"] == "c.e.ranker.RankerApplication")
        #expect(r.entries[0].statedTimeAssumptions == [])
        let warn = r.entries[2]
        #expect(warn.model == "ranker-v7")
        #expect(warn.requestID == "5d2c1f0e")
        let error = r.entries[3]
        #expect(error.level == .error)
        #expect(error.lineCount == 12, "exception, frames, Caused by, more frames, `... 4 common frames omitted`")
        #expect(error.model == "ranker-v7", "named in the exception line")
        #expect(error.message.hasSuffix("\t... 4 common frames omitted"))
    }

    @Test func goLogAndAPanic() throws {
        let r = try F.read("go-service.log")
        #expect(r.format == .goLog)
        #expect(r.entries.count == 5)
        #expect(r.entries[0].level == .unknown)
        #expect(r.entries[0].fields["caller"] == "router.go:41")
        #expect(r.entries[0].statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 0)))
        #expect(r.entries[1].level == .warn)
        #expect(r.entries[2].level == .error)
        #expect(r.entries[2].requestID == "6b1e2310")
        #expect(r.entries[3].version == "4")
        #expect(r.entries[3].statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 9, 314)))
        let panic = r.entries[4]
        #expect(panic.level == .fatal)
        #expect(panic.lineCount == 8)
        #expect(panic.message.hasPrefix("panic: runtime error"))
    }

    @Test func syslogBSDAndRFC5424() throws {
        let bsd = try F.read("syslog")
        #expect(bsd.format == .syslog)
        #expect(bsd.entries.count == 7)
        #expect(bsd.entries[1].fields["app"] == "systemd")
        #expect(bsd.entries[1].fields["pid"] == "1")
        #expect(bsd.entries[1].fields["host"] == "gpu-node-7")
        #expect(bsd.entries[1].statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 1)))
        #expect(bsd.entries[4].statedTime == Timestamp(milliseconds: F.ms(2024, 11, 9, 3, 0, 10)), "a space-padded day")
        #expect(bsd.entries[5].level == .error, "priority 11: user.err")
        #expect(bsd.entries[6].level == .warn, "priority 12: user.warning")
        let rfc = try F.read("rfc5424.log")
        #expect(rfc.format == .rfc5424)
        #expect(rfc.entries.count == 4)
        #expect(rfc.entries[0].level == .info, "165 = local4.notice")
        #expect(rfc.entries[0].model == "fraud-detector")
        #expect(rfc.entries[0].version == "4")
        #expect(rfc.entries[0].requestID == "9c1e2a7b")
        #expect(rfc.entries[0].message == "routed to triton-a")
        #expect(rfc.entries[1].level == .error)
        #expect(rfc.entries[1].statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 2, 0, 1, 512)), "+01:00 applied")
        #expect(rfc.entries[1].fields["ip"] == "10.42.0.7")
        #expect(rfc.entries[2].message == "health check ok", "the BOM is no part of the message")
        #expect(rfc.entries[3].statedTime == nil)
    }

    @Test func kubeletStructuredKlog() throws {
        let r = try F.read("kubelet.log")
        #expect(r.format == .glog)
        #expect(r.entries.count == 4)
        #expect(r.entries[0].message == "SyncLoop (PLEG): event for pod")
        #expect(r.entries[0].fields["pod"] == "serving/triton-a-0")
        #expect(r.entries[0].fields["event"] == #"{"ID":"9c1e2a7b","Type":"ContainerStarted"}"#)
        #expect(r.entries[0].model == nil)
        #expect(r.entries[2].level == .error)
        #expect(r.entries[2].fields["err"] == #"failed to "StartContainer" for "triton" with CrashLoopBackOff"#)
        #expect(r.entries[3].model == nil, "field values are not searched for names")
    }

    @Test func zapPinoSerilogAndDockerJSON() throws {
        let r = try F.read("zap.json")
        #expect(r.format == .json)
        #expect(r.entries.count == 7)
        #expect(r.entries[0].statedTime == Timestamp(milliseconds: 1_732_849_200_101), "epoch seconds with a fraction")
        #expect(r.entries[1].level == .warn)
        #expect(r.entries[2].fields["stacktrace"] == "main.(*router).forward\n\t/src/router.go:131\nmain.main\n\t/src/main.go:57")
        #expect(r.entries[3].level == .info, "pino's 30")
        #expect(r.entries[3].statedTime == Timestamp(milliseconds: 1_732_849_206_123), "epoch milliseconds")
        #expect(r.entries[3].requestID == "req-1")
        #expect(r.entries[4].level == .error, "pino's 50")
        #expect(r.entries[4].fields["err"] == #"{"type":"Error","message":"socket hang up"}"#)
        #expect(r.entries[5].level == .warn, "Serilog's @l")
        #expect(r.entries[5].message == "Scored {Count} items with {Model}")
        #expect(r.entries[5].traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        let docker = r.entries[6]
        #expect(docker.level == .error, "read from the plain line inside Docker's `log`")
        #expect(docker.message == "2024-11-29 03:00:09,001 ERROR predictor: CUDA out of memory")
        #expect(docker.statedTime == Timestamp(milliseconds: F.ms(2024, 11, 29, 3, 0, 9, 1)))
    }

    @Test func logfmtFromSlogAndGoKit() throws {
        let r = try F.read("slog.logfmt")
        #expect(r.format == .logfmt)
        #expect(r.entries.count == 5)
        #expect(r.entries[0].version == nil)
        #expect(r.entries[0].fields["version"] == "2.3.1")
        #expect(r.entries[2].message == #"upstream failed: "503 Service Unavailable""#)
        #expect(r.entries[2].traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(r.entries[3].level == .debug)
        #expect(r.entries[3].model == "credit-scorer")
        #expect(r.entries[3].version == "3")
        #expect(r.entries[4].fields["dry_run"] == "")
    }

    @Test func pythonBasicConfigAndEpochLines() throws {
        let p = try F.read("python-basic.log")
        #expect(p.format == .pythonBasic)
        #expect(p.entries.map(\.level) == [.info, .warn, .error, .fatal])
        #expect(p.entries[0].fields["logger"] == "batch_scorer")
        #expect(p.entries[0].model == "churn-predictor")
        #expect(p.entries[0].version == "7")
        #expect(p.entries[2].lineCount == 5)
        #expect(p.entries[3].fields["logger"] == "root")
        let e = try F.read("epoch.log")
        #expect(e.format == .epoch)
        #expect(e.entries.map(\.level) == [.info, .warn, .error])
        #expect(e.entries[0].statedTime == Timestamp(milliseconds: 1_732_849_200_101))
        #expect(e.entries[2].statedTime == Timestamp(milliseconds: 1_732_849_320_123))
        #expect(e.entries.allSatisfy { $0.model == "credit-scorer" })
    }

    @Test func aFileThatChangesFormat() throws {
        let r = try F.read("format-change.log")
        #expect(r.format == .json)
        #expect(r.assembler.formatChanges == 1)
        #expect(r.entries.map(\.format) == [.plain, .plain, .json, .json, .json])
        #expect(r.entries[3].lineCount == 2)
        #expect(r.entries[4].level == .error)
    }

    @Test func chunkBoundariesDoNotMatter() throws {
        for file in ["triton.log", "vllm.log", "torchserve.log", "python-service.log", "java-service.log", "hostile.log"] {
            let whole = try F.read(file, chunk: 1 << 20)
            for size in [1, 7, 64] {
                let split = try F.read(file, chunk: size)
                #expect(split.entries == whole.entries, "\(file) in chunks of \(size)")
            }
        }
    }
}
