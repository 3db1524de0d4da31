import Foundation
import Logs
import Telemetry

/// The sample files of `sample-data/logs/`, read the way the dashboard reads a file: in chunks
/// through one `LogAssembler`, with a fixed receive time.
enum LogFixtures {
    static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/LogsTests/LogFixtures.swift
        return parts.joined(separator: "/")
    }()

    /// 2024-11-29T04:00:00Z: the sample files were "read" an hour after they start.
    static let receivedAt = Timestamp(milliseconds: 1_732_852_800_000)

    static func bytes(_ file: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: repositoryRoot + "/sample-data/logs/" + file)
        return [UInt8](try Data(contentsOf: url))
    }

    struct Read {
        var entries: [LogEntry]
        var assembler: LogAssembler
        var format: LogFormat? { assembler.format }
    }

    /// Reads a whole sample file; `chunk` splits its bytes (to check that chunking does not matter).
    static func read(_ file: String, chunk: Int = 4096, customFormats: [CustomLogFormat] = []) throws -> Read {
        try read(bytes: bytes(file), source: file, chunk: chunk, customFormats: customFormats)
    }

    static func read(bytes input: [UInt8], source: String = "test.log", chunk: Int = 4096,
                     customFormats: [CustomLogFormat] = []) -> Read {
        var assembler = LogAssembler(source: source, customFormats: customFormats)
        var entries: [LogEntry] = []
        var held: [UInt8] = []
        var i = 0
        while i < input.count {
            held.append(contentsOf: input[i..<min(input.count, i + chunk)])
            i += chunk
            let used = held.withUnsafeBufferPointer { buf in
                assembler.append(chunk: buf, receivedAt: receivedAt) { entries.append($0.entry(source: source)) }
            }
            held.removeFirst(used)
        }
        if !held.isEmpty, let e = assembler.append(bytes: held, receivedAt: receivedAt) { entries.append(e) }
        if let e = assembler.finish() { entries.append(e) }
        return Read(entries: entries, assembler: assembler)
    }

    /// Lines through `append(_:receivedAt:)`, then `finish()`.
    static func read(lines: [String], customFormats: [CustomLogFormat] = [],
                     options: LogAssembler.Options = LogAssembler.Options()) -> [LogEntry] {
        var assembler = LogAssembler(source: "test.log", customFormats: customFormats, options: options)
        var entries = assembler.append(contentsOf: lines, receivedAt: receivedAt)
        if let e = assembler.finish() { entries.append(e) }
        return entries
    }

    /// Milliseconds since the epoch of a UTC time.
    static func ms(_ y: Int64, _ mo: Int64, _ d: Int64, _ h: Int64, _ mi: Int64, _ s: Int64, _ milli: Int64 = 0) -> Int64 {
        (CivilDate(year: y, month: mo, day: d).daysSinceEpoch * 86_400 + h * 3600 + mi * 60 + s) * 1000 + milli
    }
}
