import Foundation
import Logs
import Telemetry

/// Log reading throughput against `grep -c ERROR` on the same file, in the same run:
///
///     swift run -c release modelwatch-bench logs
///
/// For each of JSON lines, logfmt and plain text (Python `logging` with tracebacks), a file of
/// `MODELWATCH_LOG_BENCH_MB` MB (500 by default; `MODELWATCH_LOG_BENCH_FORMATS=json,plain`
/// picks formats) is generated in the temporary directory,
/// deterministic from a seed, and deleted afterwards. About 3 % of the records are errors, and
/// the word `ERROR` appears on their first line only, so `grep -c ERROR` and our count of
/// error records must agree (checked).
///
/// Timed, each the median of three runs over the file (in the page cache after writing it):
/// - `grep -c ERROR FILE` (the system's grep, as a child process);
/// - `scan`: the file read in 4 MiB chunks through `LogAssembler.append(chunk:)`, which detects
///   the format, folds multi-line records and, per record, decodes level and stated time and
///   finds every field, the message, model, version and request id (as byte ranges); the
///   benchmark reads level, time, field count and the model's bytes of each record;
/// - `entries`: the same, and each record made into a `LogEntry` (strings for message, text,
///   every field, model, version, ids): what a consumer that keeps every entry pays.
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
        let megabytes = Int(ProcessInfo.processInfo.environment["MODELWATCH_LOG_BENCH_MB"] ?? "") ?? 500
        let target = megabytes * 1_000_000
        guard let grep = findExecutable("grep") else { throw Failure(description: "logs: grep not found on PATH") }
        print("files of \(megabytes) MB each; grep: \(grep) (LC_ALL=\(ProcessInfo.processInfo.environment["LC_ALL"] ?? "-"), LANG=\(ProcessInfo.processInfo.environment["LANG"] ?? "-"))")
        print("format  records     error  | grep -c MB/s | scan MB/s  records/s  vs grep | entries MB/s  records/s  vs grep")
        var summary: [(Kind, Double, Double, Double)] = []
        var cpuSummary: [(Kind, Double, Double, Double)] = []
        print("load average at start: \(loadAverage()) (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
        let only = ProcessInfo.processInfo.environment["MODELWATCH_LOG_BENCH_FORMATS"]?.split(separator: ",").map(String.init)
        let scanOnly = ProcessInfo.processInfo.environment["MODELWATCH_LOG_BENCH_SCAN_ONLY"] == "1"
        if scanOnly { print("(scan only: entries not timed)") }
        for kind in Kind.allCases where only?.contains(kind.rawValue) ?? true {
            let path = NSTemporaryDirectory() + "modelwatch-bench-logs-\(getpid())-\(kind.rawValue).log"
            defer { unlink(path) }
            let generated = try generate(kind, bytes: target, to: path)
            let grepTimes = try (0..<3).map { _ in try timeGrep(grep, path) }
            let grepCount = grepTimes[0].count
            let grepSeconds = median(grepTimes.map(\.seconds))
            var scanResult = Tally()
            var scanTimes: [Double] = [], scanCPU: [Double] = []
            for _ in 0..<3 {
                let start = ContinuousClock.now
                let cpu0 = cpuSeconds()
                scanResult = try read(path, makeEntries: false)
                scanTimes.append(seconds(since: start))
                scanCPU.append(cpuSeconds() - cpu0)
            }
            var entryResult = Tally()
            var entryTimes: [Double] = [], entryCPU: [Double] = []
            for _ in 0..<(scanOnly ? 0 : 3) {
                let start = ContinuousClock.now
                let cpu0 = cpuSeconds()
                entryResult = try read(path, makeEntries: true)
                entryTimes.append(seconds(since: start))
                entryCPU.append(cpuSeconds() - cpu0)
            }
            let scanSeconds = median(scanTimes), entrySeconds = scanOnly ? .nan : median(entryTimes)
            guard scanResult.records == generated.records, scanResult.errors == grepCount,
                  scanOnly || (entryResult.records == generated.records && entryResult.errors == grepCount),
                  scanResult.withTime == generated.records, scanResult.withModel == generated.records else {
                throw Failure(description: "logs: \(kind) counts disagree: generated \(generated.records) records, "
                    + "scan \(scanResult), entries \(entryResult), grep -c \(grepCount)")
            }
            let mb = Double(generated.bytes) / 1_000_000
            let g = mb / grepSeconds, s = mb / scanSeconds, e = mb / entrySeconds
            func pad(_ x: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - x.count)) + x }
            print("\(kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(pad(String(generated.records), 8)) \(pad(String(grepCount), 9))  | \(pad(f0(g), 12)) | \(pad(f0(s), 9)) \(pad(f2(Double(generated.records) / scanSeconds / 1e6) + " M", 10)) \(pad(f2(s / g), 8)) | \(pad(f0(e), 12)) \(pad(f2(Double(generated.records) / entrySeconds / 1e6) + " M", 10)) \(pad(f2(e / g), 8))")
            let gc = mb / median(grepTimes.map(\.cpu)), sc = mb / median(scanCPU)
            let ec = scanOnly ? Double.nan : mb / median(entryCPU)
            print("  by CPU time  |\(pad(f0(gc), 13)) | \(pad(f0(sc), 9)) \(pad("", 10)) \(pad(f2(sc / gc), 8)) | \(pad(f0(ec), 12)) \(pad("", 10)) \(pad(f2(ec / gc), 8))")
            cpuSummary.append((kind, gc, sc, ec))
            print("        (\(generated.lines) lines, \(generated.bytes) bytes; fields per record \(f1(Double(scanResult.fields) / Double(scanResult.records))); runs: grep \(grepTimes.map { f2($0.seconds) }.joined(separator: " ")) s, scan \(scanTimes.map(f2).joined(separator: " ")) s, entries \(entryTimes.map(f2).joined(separator: " ")) s)")
            summary.append((kind, g, s, e))
        }
        let goal = summary.allSatisfy { $0.2 >= $0.1 / 3 }
        let cpuGoal = cpuSummary.allSatisfy { $0.2 >= $0.1 / 3 }
        print("goal (scan at least 1/3 of grep -c's MB/s for every format): wall clock \(goal ? "met" : "NOT met"), CPU time \(cpuGoal ? "met" : "NOT met"); load average at end: \(loadAverage())")
    }

    // MARK: - Reading

    struct Tally: CustomStringConvertible {
        var records = 0, errors = 0, withTime = 0, withModel = 0, fields = 0, multiLine = 0
        var timeSum: Int64 = 0
        @inline(__always)
        mutating func add(_ record: LogRecord, makeEntries: Bool, _ lastEntry: inout LogEntry?) {
            records += 1
            if record.level == .error { errors += 1 }
            if let t = record.statedTime { withTime += 1; timeSum &+= t.milliseconds }
            if let m = record.rawModel, m.count > 0 { withModel += 1 }
            fields += record.fieldCount
            if record.lineCount > 1 { multiLine += 1 }
            if makeEntries { lastEntry = record.entry(source: "bench.log") }
        }

        var description: String { "records \(records), errors \(errors), timed \(withTime), with model \(withModel), multi-line \(multiLine)" }
    }

    static func read(_ path: String, makeEntries: Bool) throws -> Tally {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(description: "logs: cannot open \(path)") }
        defer { close(fd) }
        let capacity = 4 << 20
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var assembler = LogAssembler(source: "bench.log")
        var tally = Tally()
        var held = 0
        let at = Timestamp(milliseconds: 1_795_921_200_000)
        var lastEntry: LogEntry?
        // The closures below are not stored: captured variables are then accessed without
        // run-time exclusivity checks, as a real consumer's would be.
        while true {
            let n = Glibc.read(fd, buffer + held, capacity - held)
            guard n >= 0 else { throw Failure(description: "logs: read failed on \(path)") }
            if n == 0 { break }
            let filled = held + n
            let used = assembler.append(chunk: UnsafeBufferPointer(start: buffer, count: filled), receivedAt: at) {
                tally.add($0, makeEntries: makeEntries, &lastEntry)
            }
            held = filled - used
            if held > 0 { memmove(buffer, buffer + used, held) }
            if held == capacity { throw Failure(description: "logs: a line longer than the read buffer") }
        }
        assembler.finish { tally.add($0, makeEntries: makeEntries, &lastEntry) }
        if makeEntries, lastEntry == nil { throw Failure(description: "logs: no entry made") }
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

    struct Generated { var records = 0, lines = 0, bytes = 0 }

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
            } else if roll < 90 {
                level = "WARNING"; message = warnMessages[Int((r >> 20) % UInt64(warnMessages.count))]; warn = true
            } else if roll < 190 {
                level = "DEBUG"; message = "tensor shapes checked"
            } else {
                level = "INFO"; message = infoMessages[Int((r >> 20) % UInt64(infoMessages.count))]
            }
            let model = models[Int((r >> 32) % UInt64(models.count))]
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
