import Logs
import Telemetry
import Testing

/// `LogBulkReader` reads segments on several threads and must give exactly what one assembler
/// reading the bytes in order gives: the same entries (order, folding, levels, times, fields,
/// text) and the same counts.
@Suite struct BulkReaderTests {
    typealias F = LogFixtures

    struct Outcome: Equatable {
        var entries: [LogEntry]
        var linesRead: Int
        var recordsEmitted: Int
        var formatChanges: Int
        var overflowLines: Int
        var format: LogFormat?
    }

    static func sequential(_ bytes: [UInt8], options: LogAssembler.Options = .init()) -> Outcome {
        var a = LogAssembler(source: "test.log", options: options)
        var entries: [LogEntry] = []
        let used = bytes.withUnsafeBufferPointer { buf in
            a.append(chunk: buf, receivedAt: F.receivedAt) { entries.append($0.entry(source: "test.log")) }
        }
        if used < bytes.count, let e = a.append(bytes: Array(bytes[used...]), receivedAt: F.receivedAt) { entries.append(e) }
        if let e = a.finish() { entries.append(e) }
        return Outcome(entries: entries, linesRead: a.linesRead, recordsEmitted: a.recordsEmitted,
                       formatChanges: a.formatChanges, overflowLines: a.overflowLines, format: a.format)
    }

    /// Through the bulk reader, from memory or (`chunk`) through a `pread`-like reader.
    static func bulk(_ bytes: [UInt8], _ bulkOptions: LogBulkReader.Options, options: LogAssembler.Options = .init(),
                     chunk: Bool = false) throws -> (Outcome, LogBulkReader.Reading<[LogEntry]>) {
        var a = LogAssembler(source: "test.log", options: options)
        let reading: LogBulkReader.Reading<[LogEntry]>
        if chunk {
            let copy = bytes
            reading = try LogBulkReader.read(
                byteCount: bytes.count, into: &a, receivedAt: F.receivedAt, options: bulkOptions,
                readAt: { offset, buffer in
                    // Short reads on purpose: at most 1000 bytes at a time.
                    let n = min(buffer.count, copy.count - offset, 1000)
                    for k in 0..<n { buffer[k] = copy[offset + k] }
                    return n
                },
                makePartial: { [] }, emit: { $0.append($1.entry(source: "test.log")) })
        } else {
            reading = bytes.withUnsafeBufferPointer { buf in
                LogBulkReader.read(bytes: buf, into: &a, receivedAt: F.receivedAt, options: bulkOptions,
                                   makePartial: { [] }, emit: { $0.append($1.entry(source: "test.log")) })
            }
        }
        var entries = reading.partials.flatMap { $0 }
        if reading.consumed < bytes.count, let e = a.append(bytes: Array(bytes[reading.consumed...]), receivedAt: F.receivedAt) {
            entries.append(e)
        }
        if let e = a.finish() { entries.append(e) }
        return (Outcome(entries: entries, linesRead: a.linesRead, recordsEmitted: a.recordsEmitted,
                        formatChanges: a.formatChanges, overflowLines: a.overflowLines, format: a.format), reading)
    }

    /// The offset after the `n`th line break (to make a prefix of `n` lines).
    static func afterLines(_ bytes: [UInt8], _ n: Int) -> Int {
        var seen = 0
        for (i, b) in bytes.enumerated() where b == 10 {
            seen += 1
            if seen == n { return i + 1 }
        }
        return bytes.count
    }

    /// Python `logging` lines with tracebacks, key=value pairs and UTF-8 beyond ASCII.
    static func pythonLog(records: Int) -> [UInt8] {
        var text = ""
        for i in 0..<records {
            let ms = String(100 + i % 900)
            text += "2024-11-29 03:00:\(String(10 + i % 50)),\(ms) \(i % 7 == 3 ? "ERROR" : "INFO") kserve.predictor: "
            text += "café ☕ 模型 \(i) model=fraud-detector version=\(i % 9) request_id=\(String(i * 7919, radix: 16))\n"
            if i % 7 == 3 {
                text += "Traceback (most recent call last):\n"
                text += "  File \"/app/predictor.py\", line 88, in predict\n"
                text += "    out = self.model(batch)  # ünïcödé\n"
                text += "torch.OutOfMemoryError: CUDA out of memory. 模型 model=llama-3\n"
            }
        }
        return Array(text.utf8)
    }

    @Test func everySampleFileCutAtEveryOffset() throws {
        let files = ["epoch.log", "format-change.log", "go-service.log", "hostile.log", "java-service.log",
                     "kserve-json.log", "kserve.log", "kubelet.log", "python-basic.log", "python-service.log",
                     "rfc5424.log", "slog.logfmt", "syslog", "torchserve.log", "triton-24.10.log",
                     "triton-iso8601.log", "triton.log", "vllm.log", "zap.json"]
        var parallelReadings = 0
        for file in files {
            let bytes = try F.bytes(file)
            // Detection as in a file's first lines, but a prefix of three lines is enough to cut after.
            let options = LogAssembler.Options(sniffLines: 2)
            let expected = Self.sequential(bytes, options: options)
            let prefix = Self.afterLines(bytes, 3)
            for cut in stride(from: prefix, to: bytes.count, by: 1) {
                let bulkOptions = LogBulkReader.Options(prefixBytes: prefix, minimumSegmentBytes: 0, cutNear: [cut])
                let (got, reading) = try Self.bulk(bytes, bulkOptions, options: options)
                #expect(got == expected, "\(file) cut near \(cut)")
                if got != expected { break }
                if reading.segments > 1 { parallelReadings += 1 }
            }
        }
        #expect(parallelReadings > 5000, "most cuts are made")
    }

    @Test func cutInsideATracebackAndInsideAUTF8Character() throws {
        let bytes = Self.pythonLog(records: 400)
        let expected = Self.sequential(bytes)
        // Inside `☕` (at its second byte) and inside a traceback's frame line.
        let cup = bytes.indices.first { $0 > 4000 && bytes[$0] == 0xE2 }! + 1
        let frame = bytes.indices.first { $0 > 4000 && bytes[$0] == 70 && bytes[$0 - 2] == 32 && bytes[$0 - 3] == 10 }!
        #expect(bytes[cup] & 0xC0 == 0x80, "a continuation byte")
        for cuts in [[cup], [frame], [frame + 5], [frame, frame + 9000], [cup, frame + 5, frame + 9000]] {
            let options = LogBulkReader.Options(prefixBytes: 2000, minimumSegmentBytes: 0, cutNear: cuts)
            let (got, reading) = try Self.bulk(bytes, options)
            #expect(got == expected, "cut near \(cuts)")
            #expect(reading.segments == cuts.count + 1)
            #expect(reading.reread == 0)
            let (chunked, chunkedReading) = try Self.bulk(bytes, options, chunk: true)
            #expect(chunked == expected, "cut near \(cuts), read in pieces")
            #expect(chunkedReading.segments == cuts.count + 1)
        }
        #expect(expected.entries.filter { $0.lineCount == 5 }.count == (0..<400).filter { $0 % 7 == 3 }.count)
    }

    @Test func equalSharesOnThreeThreadsWithLongLines() throws {
        var bytes = Self.pythonLog(records: 3000)
        // A line longer than the read pieces (the reader grows its buffer).
        bytes += Array("2024-11-29 03:01:00,000 WARN long: \(String(repeating: "é", count: 9000))\n".utf8)
        bytes += Self.pythonLog(records: 3000)
        let last = Array("2024-11-29 03:02:00,000 INFO last line without a line break".utf8)
        bytes += last
        let expected = Self.sequential(bytes)
        for chunk in [false, true] {
            let options = LogBulkReader.Options(threads: 3, chunkBytes: 4096, prefixBytes: 4096, minimumSegmentBytes: 1000)
            let (got, reading) = try Self.bulk(bytes, options, chunk: chunk)
            #expect(got == expected)
            #expect(reading.segments == 3)
            #expect(reading.consumed == bytes.count - last.count)
        }
    }

    @Test func aFormatChangeBeforeACutIsReadAgainInOrder() throws {
        // logfmt, then JSON lines (the file's format becomes JSON after a few), among which a
        // lone logfmt line: a cut there assumed logfmt, which no longer holds.
        var text = ""
        for i in 0..<40 { text += "time=2024-11-29T03:00:\(10 + i % 40)Z level=info msg=\"step \(i)\" model=a\n" }
        for i in 0..<200 {
            text += "{\"time\":\"2024-11-29T03:01:\(10 + i % 40)Z\",\"level\":\"warn\",\"msg\":\"json \(i)\"}\n"
            if i == 120 { text += "time=2024-11-29T03:02:00Z level=error msg=\"lone\" model=b\n" }
        }
        let bytes = Array(text.utf8)
        let expected = Self.sequential(bytes)
        #expect(expected.formatChanges == 1)
        let lone = bytes.indices.first { $0 > 3000 && bytes[$0] == 116 && bytes[$0 - 1] == 10 }!
        let options = LogBulkReader.Options(prefixBytes: 1000, minimumSegmentBytes: 0, cutNear: [lone - 10])
        let (got, reading) = try Self.bulk(bytes, options)
        #expect(got == expected)
        #expect(reading.reread == 1, "the cut's segment was read again")
        #expect(reading.segments == 1)
    }

    @Test func plainTextIsReadSequentially() throws {
        var text = ""
        for i in 0..<2000 { text += "worker \(i) says hello\n" }
        let bytes = Array(text.utf8)
        let (got, reading) = try Self.bulk(bytes, LogBulkReader.Options(prefixBytes: 1000, minimumSegmentBytes: 0))
        #expect(got == Self.sequential(bytes))
        #expect(reading.segments == 1, "no header shape: no line is known to start a record")
    }

    @Test func smallInputsAreReadSequentially() throws {
        let bytes = Self.pythonLog(records: 100)
        let (got, reading) = try Self.bulk(bytes, LogBulkReader.Options())
        #expect(got == Self.sequential(bytes))
        #expect(reading.segments == 1)
    }
}
