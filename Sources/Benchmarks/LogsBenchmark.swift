import Foundation
import Logs
import Telemetry

/// Log reading throughput against `grep -c ERROR` on the same file, in the same run:
///
///     swift run -c release modelwatch-bench logs
///
/// For each of JSON lines, logfmt and plain text (Python `logging` with tracebacks), a file of
/// `MODELWATCH_LOG_BENCH_MB` MB (500 by default; `MODELWATCH_LOG_BENCH_FORMATS=json,plain`
/// picks formats) is generated in the temporary directory, deterministic from a seed, and
/// deleted afterwards (`MODELWATCH_LOG_BENCH_KEEP=DIR` keeps and reuses it, for profiling).
/// About 3 % of the records are errors, and the word `ERROR` appears on their first line only,
/// so `grep -c ERROR` and our count of error records must agree.
///
/// Timed, each the median of three runs (`MODELWATCH_LOG_BENCH_RUNS`) over the file (in the
/// page cache after writing it):
/// - `grep -c ERROR FILE` (the system's grep, as a child process, on one core);
/// - `scan`: the file read with `pread` in 256 KiB pieces through `LogBulkReader`, on one
///   thread and on `MODELWATCH_LOG_BENCH_THREADS` (the cores; two here): format detection,
///   folding of multi-line records and, per record, level and stated time decoded and every
///   field, the message, model, version and request id located (as byte ranges); the
///   benchmark reads the level, time, line count, field count and the model's, version's,
///   request id's and message's bytes of each record;
/// - `entries`: the same on the threads, and each record made into a `LogEntry` (strings for
///   message, text, every field, model, version, ids): what a consumer that keeps every entry pays.
///
/// Every reading is checked against what the generator wrote: records, lines, multi-line
/// records, records per level (and errors against grep's count), the sum of the stated times,
/// the sum of the model names' lengths, a version, a model and a 16-byte request id on every
/// record, a message on every record and the total number of fields.
enum LogsBenchmark {
    struct Failure: Error, CustomStringConvertible { var description: String }

    enum Kind: String, CaseIterable { case json, logfmt, plain }

    static func run() async throws {
        do {
            try measure()
        } catch let failure as Failure {
            FileHandle.standardError.write(Data("\(failure.description)\n".utf8))
            exit(1)
        }
    }

    static func measure() throws {
        let env = ProcessInfo.processInfo.environment
        let megabytes = Int(env["MODELWATCH_LOG_BENCH_MB"] ?? "") ?? 500
        let target = megabytes * 1_000_000
        let threads = Int(env["MODELWATCH_LOG_BENCH_THREADS"] ?? "") ?? ProcessInfo.processInfo.activeProcessorCount
        guard let grep = findExecutable("grep") else { throw Failure(description: "logs: grep not found on PATH") }
        print("files of \(megabytes) MB each; grep: \(grep) (LC_ALL=\(env["LC_ALL"] ?? "-"), LANG=\(env["LANG"] ?? "-")); "
            + "ours on 1 thread and on \(threads) (LogBulkReader), grep on one")
        print("load average at start: \(loadAverage()) (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
        let only = env["MODELWATCH_LOG_BENCH_FORMATS"]?.split(separator: ",").map(String.init)
        let scanOnly = env["MODELWATCH_LOG_BENCH_SCAN_ONLY"] == "1"
        let runs = max(1, Int(env["MODELWATCH_LOG_BENCH_RUNS"] ?? "") ?? 3)
        if scanOnly { print("(scan only: entries not timed)") }
        print("format  records     error  | grep -c MB/s | scan, 1 thread: MB/s records/s vs grep | scan, \(threads) threads: MB/s records/s vs grep | entries, \(threads) threads: MB/s records/s vs grep")
        var summary: [(Kind, Double, Double)] = []
        var cpuSummary: [(Kind, Double, Double)] = []
        for kind in Kind.allCases where only?.contains(kind.rawValue) ?? true {
            // MODELWATCH_LOG_BENCH_KEEP=DIR keeps the generated files there and reuses them (profiling).
            let keep = env["MODELWATCH_LOG_BENCH_KEEP"]
            let path = keep.map { "\($0)/modelwatch-bench-v\(Generated.version)-\(kind.rawValue)-\(megabytes).log" }
                ?? NSTemporaryDirectory() + "modelwatch-bench-logs-\(getpid())-\(kind.rawValue).log"
            defer { if keep == nil { unlink(path) } }
            let generated = try kept(path) ?? generate(kind, bytes: target, to: path)
            if keep != nil { try remember(generated, path) }
            let grepTimes = try (0..<runs).map { _ in try timeGrep(grep, path) }
            let grepCount = grepTimes[0].count
            func timed(threads: Int, entries: Bool) throws -> (Tally, [Double], [Double]) {
                var result = Tally()
                var times: [Double] = [], cpu: [Double] = []
                for _ in 0..<runs {
                    let start = ContinuousClock.now
                    let cpu0 = cpuSeconds()
                    result = try read(path, threads: threads, makeEntries: entries)
                    times.append(seconds(since: start))
                    cpu.append(cpuSeconds() - cpu0)
                }
                try check(result, kind, generated, grepCount, entries: entries, threads: threads)
                return (result, times, cpu)
            }
            let (scan1, scan1Times, scan1CPU) = try timed(threads: 1, entries: false)
            let (_, scanTimes, scanCPU) = try timed(threads: threads, entries: false)
            let (_, entryTimes, entryCPU) = scanOnly ? (Tally(), [Double.nan], [Double.nan]) : try timed(threads: threads, entries: true)

            let mb = Double(generated.bytes) / 1_000_000
            let records = Double(generated.records)
            func pad(_ x: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - x.count)) + x }
            let g = mb / median(grepTimes.map(\.seconds))
            func cell(_ times: [Double], width: Int) -> String {
                let t = median(times)
                return pad(f0(mb / t), width - 24) + pad(f2(records / t / 1e6) + " M", 11) + pad(f2(mb / t / g), 8) + " "
            }
            print("\(kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(pad(String(generated.records), 8)) \(pad(String(grepCount), 9))  | \(pad(f0(g), 12)) |"
                + cell(scan1Times, width: 38) + "|" + cell(scanTimes, width: 41) + "|" + cell(entryTimes, width: 44))
            // CPU time: user + system of every thread (grep: of the child).
            let gc = mb / median(grepTimes.map(\.cpu))
            func cpuCell(_ cpu: [Double], width: Int) -> String {
                let c = median(cpu)
                return pad(f0(mb / c), width - 24) + pad("", 11) + pad(f2(mb / c / gc), 8) + " "
            }
            print("  by CPU time            | \(pad(f0(gc), 11)) |" + cpuCell(scan1CPU, width: 38) + "|" + cpuCell(scanCPU, width: 41) + "|" + cpuCell(entryCPU, width: 44))
            print("        (\(generated.lines) lines, \(generated.bytes) bytes; fields per record \(f1(Double(scan1.fields) / records)), "
                + "\(scan1.multiLine) multi-line records; runs: grep \(grepTimes.map { f2($0.seconds) }.joined(separator: " ")) s, "
                + "scan \(scan1Times.map(f2).joined(separator: " ")) / \(scanTimes.map(f2).joined(separator: " ")) s, "
                + "entries \(entryTimes.map(f2).joined(separator: " ")) s; best scan \(f0(mb / scan1Times.min()!)) / \(f0(mb / scanTimes.min()!)) MB/s, by CPU time \(f0(mb / scan1CPU.min()!)) / \(f0(mb / scanCPU.min()!)))")
            summary.append((kind, g, mb / median(scanTimes)))
            cpuSummary.append((kind, gc, mb / median(scanCPU)))
        }
        let goal = summary.allSatisfy { $0.2 >= $0.1 / 3 }
        let cpuGoal = cpuSummary.allSatisfy { $0.2 >= $0.1 / 3 }
        print("goal (scan on \(threads) threads at least 1/3 of grep -c's MB/s on one, every format): wall clock \(goal ? "met" : "NOT met"); "
            + "per CPU second: \(cpuGoal ? "met" : "not met"); load average at end: \(loadAverage())")
    }

    /// Every count the generator knows must come out of the reading.
    static func check(_ t: Tally, _ kind: Kind, _ g: Generated, _ grepCount: Int, entries: Bool, threads: Int) throws {
        var wrong: [String] = []
        func expect(_ name: String, _ got: some Equatable & CustomStringConvertible, _ want: some Equatable & CustomStringConvertible) {
            if "\(got)" != "\(want)" { wrong.append("\(name) \(got), expected \(want)") }
        }
        expect("records", t.records, g.records)
        expect("errors (grep -c)", t.errors, grepCount)
        expect("errors", t.errors, g.levels[0])
        expect("warnings", t.warnings, g.levels[1])
        expect("debug", t.debug, g.levels[2])
        expect("info", t.info, g.levels[3])
        expect("lines", t.lines, g.lines)
        expect("multi-line records", t.multiLine, g.multiLine)
        expect("records with a time", t.withTime, g.records)
        expect("sum of times", t.timeSum, g.timeSum)
        expect("records with a model", t.withModel, g.records)
        expect("model bytes", t.modelBytes, g.modelBytes)
        expect("records with a version", t.withVersion, g.records)
        expect("records with a request id", t.withRequestID, g.records)
        expect("request id bytes", t.requestIDBytes, g.records * 16)
        expect("records with a message", t.withMessage, g.records)
        expect("fields", t.fields, g.fields)
        if entries { expect("entries", t.entries, g.records) }
        guard wrong.isEmpty else {
            throw Failure(description: "logs: \(kind) (\(threads) threads\(entries ? ", entries" : "")): " + wrong.joined(separator: "; "))
        }
    }

    // MARK: - Reading

    struct Tally: Sendable {
        var records = 0, errors = 0, warnings = 0, debug = 0, info = 0, lines = 0, multiLine = 0
        var withTime = 0, withModel = 0, withVersion = 0, withRequestID = 0, withMessage = 0, fields = 0
        var modelBytes = 0, requestIDBytes = 0, entries = 0
        var timeSum: Int64 = 0

        @inline(__always)
        mutating func add(_ record: LogRecord, makeEntries: Bool) {
            records += 1
            switch record.level {
            case .error: errors += 1
            case .warn: warnings += 1
            case .debug: debug += 1
            case .info: info += 1
            default: break
            }
            lines += record.lineCount
            if record.lineCount > 1 { multiLine += 1 }
            if let t = record.statedTime { withTime += 1; timeSum &+= t.milliseconds }
            if let m = record.rawModel, m.count > 0 { withModel += 1; modelBytes += m.count }
            if let v = record.rawVersion, v.count > 0 { withVersion += 1 }
            if let r = record.rawRequestID, r.count > 0 { withRequestID += 1; requestIDBytes += r.count }
            if let m = record.rawMessage, m.count > 0 { withMessage += 1 }
            fields += record.fieldCount
            if makeEntries {
                let e = record.entry(source: "bench.log")
                if !e.message.isEmpty { entries += 1 }
            }
        }

        mutating func merge(_ o: Tally) {
            records += o.records; errors += o.errors; warnings += o.warnings; debug += o.debug; info += o.info
            lines += o.lines; multiLine += o.multiLine; withTime += o.withTime; withModel += o.withModel
            withVersion += o.withVersion; withRequestID += o.withRequestID; withMessage += o.withMessage
            fields += o.fields; modelBytes += o.modelBytes; requestIDBytes += o.requestIDBytes; entries += o.entries
            timeSum &+= o.timeSum
        }
    }

    /// The whole file through `LogBulkReader` (`pread` in 256 KiB pieces per thread), then the
    /// last record. With one thread this is `LogAssembler.append(chunk:)` over the pieces.
    static func read(_ path: String, threads: Int, makeEntries: Bool) throws -> Tally {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(description: "logs: cannot open \(path)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure(description: "logs: cannot stat \(path)") }
        var assembler = LogAssembler(source: "bench.log")
        let at = Timestamp(milliseconds: 1_795_921_200_000)
        let reading = try LogBulkReader.read(
            byteCount: Int(st.st_size), into: &assembler, receivedAt: at, options: .init(threads: threads),
            readAt: { offset, buffer in
                let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
                if n < 0 { throw Failure(description: "logs: read failed") }
                return n
            },
            makePartial: { Tally() },
            emit: { tally, record in tally.add(record, makeEntries: makeEntries) })
        if threads > 1, reading.segments < 2 { throw Failure(description: "logs: the file was not read in parallel") }
        var tally = Tally()
        for p in reading.partials { tally.merge(p) }
        assembler.finish { tally.add($0, makeEntries: makeEntries) }
        return tally
    }

    // MARK: - grep

    static func timeGrep(_ grep: String, _ path: String) throws -> (count: Int, seconds: Double, cpu: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: grep)
        process.arguments = ["-c", "ERROR", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        let start = ContinuousClock.now
        let cpu0 = cpuSeconds(children: true)
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = seconds(since: start)
        let cpu = cpuSeconds(children: true) - cpu0
        guard let count = Int(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(description: "logs: grep printed no count")
        }
        return (count, elapsed, cpu)
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where access("\(dir)/\(name)", X_OK) == 0 { return "\(dir)/\(name)" }
        return nil
    }

    // MARK: - Generating

    /// What the generator wrote, to check the reading against.
    struct Generated {
        /// Bumped when the generated files change (kept files of another version are not reused).
        static let version = 2
        var records = 0, lines = 0, bytes = 0, multiLine = 0, fields = 0, modelBytes = 0
        var timeSum: Int64 = 0
        /// Error, warning, debug, info records.
        var levels = [0, 0, 0, 0]

        var numbers: [Int64] {
            [records, lines, bytes, multiLine, fields, modelBytes].map(Int64.init) + [timeSum] + levels.map(Int64.init)
        }
        init() {}
        init?(_ n: [Int64]) {
            guard n.count == 11 else { return nil }
            (records, lines, bytes, multiLine, fields, modelBytes) = (Int(n[0]), Int(n[1]), Int(n[2]), Int(n[3]), Int(n[4]), Int(n[5]))
            timeSum = n[6]
            levels = n[7...].map { Int($0) }
        }
    }

    /// A kept file's counts, from its `.counts` file.
    static func kept(_ path: String) throws -> Generated? {
        guard let text = try? String(contentsOfFile: path + ".counts", encoding: .utf8), access(path, R_OK) == 0 else { return nil }
        return Generated(text.split(separator: " ").compactMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    static func remember(_ g: Generated, _ path: String) throws {
        try (g.numbers.map(String.init).joined(separator: " ") + "\n").write(toFile: path + ".counts", atomically: true, encoding: .utf8)
    }

    /// Deterministic lines of the format, written in 4 MiB blocks until `bytes` are reached.
    static func generate(_ kind: Kind, bytes target: Int, to path: String) throws -> Generated {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure(description: "logs: cannot create \(path)") }
        defer { close(fd) }
        var w = LineWriter()
        var g = Generated()
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            rng &+= 0x9E37_79B9_7F4A_7C15
            var z = rng
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var ms: Int64 = 1_732_849_200_000  // 2024-11-29T03:00:00Z
        let models: [StaticString] = ["fraud-detector", "churn-predictor", "credit-scorer", "image-embedder", "llama-3-8b-chat"]
        let infoMessages: [StaticString] = ["inference ok", "batch scheduled", "request served from cache",
                                            "model warm", "queue depth normal"]
        let warnMessages: [StaticString] = ["slow request: exceeded the 100 ms threshold", "queue depth high",
                                            "retrying upstream feature store"]
        while g.bytes < target {
            let r = next()
            ms += Int64(r % 7)
            let roll = Int((r >> 8) % 1000)
            let level: StaticString
            let message: StaticString
            var error = false, warn = false
            if roll < 30 {
                level = "ERROR"; message = "inference failed: CUDA out of memory. Tried to allocate 256.00 MiB"; error = true
                g.levels[0] += 1
            } else if roll < 90 {
                level = "WARNING"; message = warnMessages[Int((r >> 20) % UInt64(warnMessages.count))]; warn = true
                g.levels[1] += 1
            } else if roll < 190 {
                level = "DEBUG"; message = "tensor shapes checked"
                g.levels[2] += 1
            } else {
                level = "INFO"; message = infoMessages[Int((r >> 20) % UInt64(infoMessages.count))]
                g.levels[3] += 1
            }
            let model = models[Int((r >> 32) % UInt64(models.count))]
            g.modelBytes += model.utf8CodeUnitCount
            g.timeSum &+= ms
            let version = Int((r >> 40) % 9) + 1
            let latency = Int((r >> 44) % 90_000)
            let requestID = next()
            switch kind {
            case .json:
                w.put("{\"time\":\""); w.iso(ms, sep: 84, comma: false, zulu: true)
                w.put("\",\"level\":\""); w.put(level)
                w.put("\",\"logger\":\"kserve.predictor\",\"msg\":\""); w.put(message)
                if roll % 20 == 7 { w.put(" (input \\\"batch-7\\\")") }
                w.put("\",\"model\":\""); w.put(model)
                w.put("\",\"version\":\""); w.int(version)
                w.put("\",\"request_id\":\""); w.hex(requestID)
                w.put("\",\"latency_ms\":"); w.int(latency / 1000); w.byte(46); w.int(latency % 1000, width: 3)
                w.put(",\"status\":"); w.put(error ? "500" : "200"); w.put("}\n")
                g.fields += 9
            case .logfmt:
                w.put("time="); w.iso(ms, sep: 84, comma: false, zulu: true)
                w.put(" level="); w.put(warn ? "WARN" : level)
                w.put(" msg=\""); w.put(message)
                if roll % 20 == 7 { w.put(" (input \\\"batch-7\\\")") }
                w.put("\" model="); w.put(model)
                w.put(" version="); w.int(version)
                w.put(" request_id="); w.hex(requestID)
                w.put(" latency_ms="); w.int(latency / 1000); w.byte(46); w.int(latency % 1000, width: 3)
                w.put(" status="); w.put(error ? "500" : "200"); w.byte(10)
                g.fields += 8
            case .plain:
                w.iso(ms, sep: 32, comma: true, zulu: false)
                w.byte(32); w.put(level); w.put(" kserve.predictor: "); w.put(message)
                w.put(" model="); w.put(model)
                w.put(" version="); w.int(version)
                w.put(" request_id="); w.hex(requestID)
                w.put(" latency_ms="); w.int(latency / 1000); w.byte(46); w.int(latency % 1000, width: 3); w.byte(10)
                if error, roll % 2 == 0 {
                    w.put("Traceback (most recent call last):\n")
                    w.put("  File \"/app/predictor.py\", line 88, in predict\n")
                    w.put("    out = self.model(batch)\n")
                    w.put("  File \"/usr/lib/python3.11/site-packages/torch/nn/modules/module.py\", line 1553, in _wrapped_call_impl\n")
                    w.put("    return self._call_impl(*args, **kwargs)\n")
                    w.put("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 256.00 MiB\n")
                    g.lines += 6
                    g.multiLine += 1
                }
            }
            g.records += 1
            g.lines += 1
            if w.count >= 4 << 20 {
                g.bytes += w.count
                try w.flush(fd)
            }
        }
        g.bytes += w.count
        try w.flush(fd)
        return g
    }

    /// An append-only byte buffer for generating lines without strings.
    struct LineWriter {
        var bytes: [UInt8] = []
        init() { bytes.reserveCapacity(5 << 20) }
        var count: Int { bytes.count }

        mutating func byte(_ b: UInt8) { bytes.append(b) }
        mutating func put(_ s: StaticString) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }
        mutating func int(_ v: Int, width: Int = 1) {
            var digits = 1, x = v
            while x >= 10 { digits += 1; x /= 10 }
            for _ in digits..<max(digits, width) { bytes.append(48) }
            var p = 1
            for _ in 1..<digits { p *= 10 }
            x = v
            while p > 0 { bytes.append(UInt8(48 + x / p % 10)); p /= 10 }
        }
        mutating func hex(_ v: UInt64) {
            let table: StaticString = "0123456789abcdef"
            for shift in stride(from: 60, through: 0, by: -4) { bytes.append(table.utf8Start[Int((v >> UInt64(shift)) & 15)]) }
        }
        /// `2024-11-29T03:00:00.123Z` (`sep` between date and time; `,` before the fraction when `comma`).
        mutating func iso(_ ms: Int64, sep: UInt8, comma: Bool, zulu: Bool) {
            let days = ms / 86_400_000
            let rem = Int(ms % 86_400_000)
            let date = CivilDate(daysSinceEpoch: days)
            int(Int(date.year), width: 4); byte(45); int(Int(date.month), width: 2); byte(45); int(Int(date.day), width: 2)
            byte(sep)
            int(rem / 3_600_000, width: 2); byte(58); int(rem / 60_000 % 60, width: 2); byte(58); int(rem / 1000 % 60, width: 2)
            byte(comma ? 44 : 46); int(rem % 1000, width: 3)
            if zulu { byte(90) }
        }
        mutating func flush(_ fd: Int32) throws {
            try bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(fd, raw.baseAddress! + off, raw.count - off)
                    guard n > 0 else { throw Failure(description: "logs: write failed") }
                    off += n
                }
            }
            bytes.removeAll(keepingCapacity: true)
        }
    }

    // MARK: - Figures

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    /// User and system CPU seconds of this process (`RUSAGE_SELF`) or of its reaped children.
    static func cpuSeconds(children: Bool = false) -> Double {
        var u = rusage()
        getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }
    static func f0(_ x: Double) -> String { String(format: "%.0f", x) }
    static func f1(_ x: Double) -> String { String(format: "%.1f", x) }
    static func f2(_ x: Double) -> String { String(format: "%.2f", x) }
}
