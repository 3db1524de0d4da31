/// vLLM's OpenAI-compatible server serving one chat model.
struct VLLMServer: Sendable {
    static let source = "vllm-0.log"
    static let model = "llama-3-8b-chat"
    static let e2eBuckets: [Double] = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    static let ttftBuckets: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]
    static let tpotBuckets: [Double] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5]
    static let gpuBlocks = 2810.0
    static let blockSize = 16.0
    static let maxTokensCap = 384.0

    var e2e = Histogram(bounds: VLLMServer.e2eBuckets)
    var ttft = Histogram(bounds: VLLMServer.ttftBuckets)
    var tpot = Histogram(bounds: VLLMServer.tpotBuckets)
    var successStop = 0.0
    var successLength = 0.0
    var promptTokens = 0.0
    var generationTokens = 0.0
    var http2xx = 0.0
    var http4xx = 0.0
    var http5xx = 0.0
    var running = 0.0
    var waiting = 0.0
    var cacheUsage = 0.0
    // For the periodic throughput log line.
    var promptSinceLog = 0.0
    var generationSinceLog = 0.0

    func startupLogs(into lines: inout [DemoLogLine]) {
        let l: [(Int64, String, String)] = [
            (310_222, "INFO", "api_server.py:528] vLLM API server version 0.6.3.post1"),
            (310_871, "INFO", "api_server.py:529] args: Namespace(host=None, port=8000, model='/models/Meta-Llama-3-8B-Instruct', served_model_name=['llama-3-8b-chat'], max_model_len=8192, gpu_memory_utilization=0.9, disable_log_requests=True)"),
            (402_554, "INFO", "llm_engine.py:237] Initializing an LLM engine (v0.6.3.post1) with config: model='/models/Meta-Llama-3-8B-Instruct', dtype=torch.bfloat16, max_seq_len=8192, tensor_parallel_size=1, enforce_eager=False, served_model_name=llama-3-8b-chat"),
            (530_119, "INFO", "gpu_executor.py:122] # GPU blocks: 2810, # CPU blocks: 2048"),
            (611_408, "INFO", "launcher.py:19] Available routes are:"),
            (611_502, "INFO", "launcher.py:27] Route: /v1/chat/completions, Methods: POST"),
        ]
        for (us, level, msg) in l {
            lines.append(DemoLogLine(source: VLLMServer.source, elapsedMilliseconds: us / 1000,
                                     text: VirtualWallClock.vllm(level, elapsedMicros: us) + msg))
        }
        lines.append(DemoLogLine(source: VLLMServer.source, elapsedMilliseconds: 640,
                                 text: "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)"))
    }

    mutating func step(second: Int64, rng: inout SplitMix64, logs: inout [DemoLogLine]) {
        let load = trafficWave(second: second, phase: 1.9)
        let n = drawRequestCount(rate: 12, load: load, rng: &rng)
        let c4 = min(n, rng.poisson(Double(n) * 0.003))
        let c5 = min(n - c4, rng.poisson(Double(n) * 0.0005))
        let ok = n - c4 - c5
        let slow = 1 + 0.25 * max(0, load - 1)

        var meanE2E = 0.0
        var ctxTokens = 0.0
        let m = min(ok, 16)
        for w in weights(total: ok, parts: m) {
            let wd = Double(w)
            let length = rng.chance(0.02)
            let gen = length ? VLLMServer.maxTokensCap : min(VLLMServer.maxTokensCap - 1, max(1, rng.logNormal(median: 130, sigma: 0.38).rounded()))
            let prompt = max(8, rng.logNormal(median: 520, sigma: 0.6).rounded())
            let firstToken = rng.logNormal(median: 0.09 * slow, sigma: 0.7)
            let perToken = rng.logNormal(median: 0.0125 * slow, sigma: 0.12)
            let total = firstToken + (gen - 1) * perToken
            e2e.observe(total, weight: w)
            ttft.observe(firstToken, weight: w)
            tpot.observe(perToken, weight: w * Int(gen - 1))
            if length { successLength += wd } else { successStop += wd }
            promptTokens += prompt * wd
            generationTokens += gen * wd
            promptSinceLog += prompt * wd
            generationSinceLog += gen * wd
            meanE2E += total * wd
            ctxTokens += (prompt + gen / 2) * wd
        }
        if ok > 0 { meanE2E /= Double(ok); ctxTokens /= Double(ok) }
        http2xx += Double(ok)
        http4xx += Double(c4)
        http5xx += Double(c5)

        // Little's law for the engine's queue, with the KV cache as the limit.
        let inFlight = Double(ok) * meanE2E
        let capacitySeqs = max(1, VLLMServer.gpuBlocks * VLLMServer.blockSize * 0.92 / max(1, ctxTokens))
        running = max(0, min(capacitySeqs, (inFlight + 2 * rng.gaussian()).rounded()))
        waiting = load > 1.15 ? Double(rng.poisson((load - 1.15) * 25)) : 0
        cacheUsage = min(0.99, running * ctxTokens / (VLLMServer.gpuBlocks * VLLMServer.blockSize))
        cacheUsage = (cacheUsage * 10_000).rounded() / 10_000

        let base = second * 1_000_000
        // A sample of uvicorn access lines (one or two a second), plus every error response.
        let sampled = min(ok, rng.int(1, 2))
        var entries: [(Int64, String)] = []
        for _ in 0..<sampled { entries.append((base + Int64(rng.int(0, 999_999)), "200 OK")) }
        for _ in 0..<c4 { entries.append((base + Int64(rng.int(0, 999_999)), "400 Bad Request")) }
        for _ in 0..<c5 { entries.append((base + Int64(rng.int(0, 999_999)), "500 Internal Server Error")) }
        for (us, status) in entries {
            let ip = "10.42.\(rng.int(0, 7)).\(rng.int(2, 250)):\(rng.int(32_768, 60_999))"
            logs.append(DemoLogLine(source: VLLMServer.source, elapsedMilliseconds: us / 1000,
                                    text: "INFO:     \(ip) - \"POST /v1/chat/completions HTTP/1.1\" \(status)"))
        }
        for _ in 0..<c4 {
            let us = base + Int64(rng.int(0, 999_999))
            let asked = rng.int(8_200, 9_400)
            logs.append(DemoLogLine(source: VLLMServer.source, elapsedMilliseconds: us / 1000,
                                    text: VirtualWallClock.vllm("ERROR", elapsedMicros: us) + "serving_chat.py:170] Error in preprocessing prompt inputs: This model's maximum context length is 8192 tokens. However, you requested \(asked) tokens (\(asked - 384) in the messages, 384 in the completion). Please reduce the length of the messages or completion."))
        }
        for _ in 0..<c5 {
            let us = base + Int64(rng.int(0, 999_999))
            logs.append(DemoLogLine(source: VLLMServer.source, elapsedMilliseconds: us / 1000,
                                    text: VirtualWallClock.vllm("ERROR", elapsedMicros: us) + "serving_chat.py:738] Error in chat completion stream generator: client disconnected while streaming (asyncio.CancelledError)"))
        }
        // The engine's periodic stats line, every 5 s as vLLM logs it.
        if second % 5 == 4 {
            let us = base + 999_000 + Int64(rng.int(0, 999))
            let text = VirtualWallClock.vllm("INFO", elapsedMicros: us)
                + "metrics.py:351] Avg prompt throughput: \(fmt1(promptSinceLog / 5)) tokens/s, Avg generation throughput: \(fmt1(generationSinceLog / 5)) tokens/s, Running: \(Int(running)) reqs, Swapped: 0 reqs, Pending: \(Int(waiting)) reqs, GPU KV cache usage: \(fmt1(cacheUsage * 100))%, CPU KV cache usage: 0.0%."
            logs.append(DemoLogLine(source: VLLMServer.source, elapsedMilliseconds: us / 1000, text: text))
            promptSinceLog = 0
            generationSinceLog = 0
        }
    }

    func exposition() -> String {
        var w = DemoExpositionWriter(style: .python)
        let model = [("model_name", VLLMServer.model)]
        w.family("vllm:num_requests_running", "gauge", "Number of requests currently running on GPU.")
        w.sample("vllm:num_requests_running", model, running)
        w.family("vllm:num_requests_swapped", "gauge", "Number of requests swapped to CPU.")
        w.sample("vllm:num_requests_swapped", model, 0)
        w.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
        w.sample("vllm:num_requests_waiting", model, waiting)
        w.family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
        w.sample("vllm:gpu_cache_usage_perc", model, cacheUsage)
        w.family("vllm:cpu_cache_usage_perc", "gauge", "CPU KV-cache usage. 1 means 100 percent usage.")
        w.sample("vllm:cpu_cache_usage_perc", model, 0)
        w.family("vllm:num_preemptions_total", "counter", "Cumulative number of preemption from the engine.")
        w.sample("vllm:num_preemptions_total", model, 0)
        w.family("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.")
        w.sample("vllm:prompt_tokens_total", model, promptTokens)
        w.family("vllm:generation_tokens_total", "counter", "Number of generation tokens processed.")
        w.sample("vllm:generation_tokens_total", model, generationTokens)
        w.family("vllm:time_to_first_token_seconds", "histogram", "Histogram of time to first token in seconds.")
        w.histogram("vllm:time_to_first_token_seconds", model, ttft)
        w.family("vllm:time_per_output_token_seconds", "histogram", "Histogram of time per output token in seconds.")
        w.histogram("vllm:time_per_output_token_seconds", model, tpot)
        w.family("vllm:e2e_request_latency_seconds", "histogram", "Histogram of end to end request latency in seconds.")
        w.histogram("vllm:e2e_request_latency_seconds", model, e2e)
        w.family("vllm:request_success_total", "counter", "Count of successfully processed requests.")
        w.sample("vllm:request_success_total", [("finished_reason", "stop"), ("model_name", VLLMServer.model)], successStop)
        w.sample("vllm:request_success_total", [("finished_reason", "length"), ("model_name", VLLMServer.model)], successLength)
        w.family("http_requests_total", "counter", "Total number of requests by method, status and handler.")
        for (status, v) in [("2xx", http2xx), ("4xx", http4xx), ("5xx", http5xx)] {
            w.sample("http_requests_total", [("handler", "/v1/chat/completions"), ("method", "POST"), ("status", status)], v)
        }
        return w.text
    }
}
