import Foundation
import Telemetry

/// Turns one raw log line into a `LogEntry`, recognizing JSON lines, logfmt, glog (Triton),
/// vLLM/uvicorn style and Python `logging` prefixes. Unknown shapes keep the whole line as the
/// message with the first level word found. Lines are untrusted: nothing here interprets them
/// beyond splitting text; drawing them safely is the UI's job.
public enum LogLineParser {
    /// Field names that carry the model a line is about, most specific first.
    static let modelFields = ["model", "model_name", "modelName", "model_id"]
    static let levelFields = ["level", "levelname", "lvl", "severity"]
    static let messageFields = ["message", "msg", "event"]

    public static func parse(_ line: String, source: String, receivedAt: Timestamp) -> LogEntry {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("{"), let entry = parseJSON(trimmed, source: source, receivedAt: receivedAt) {
            return entry
        }
        if let entry = parseGlog(trimmed, source: source, receivedAt: receivedAt) { return entry }
        if let entry = parseLeadingLevel(trimmed, source: source, receivedAt: receivedAt) { return entry }
        if let entry = parseLogfmt(trimmed, source: source, receivedAt: receivedAt) { return entry }
        return LogEntry(source: source, time: receivedAt, level: firstLevelWord(in: trimmed) ?? .unknown,
                        message: trimmed, model: quotedModel(in: trimmed))
    }

    static func parseJSON(_ line: String, source: String, receivedAt: Timestamp) -> LogEntry? {
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        var fields: [String: String] = [:]
        for (k, v) in object {
            switch v {
            case let s as String: fields[k] = s
            case let n as NSNumber: fields[k] = n.stringValue
            default: fields[k] = String(describing: v)
            }
        }
        let level = levelFields.lazy.compactMap { fields[$0] }.compactMap(LogLevel.init(word:)).first ?? .unknown
        let message = messageFields.lazy.compactMap { fields[$0] }.first ?? line
        let model = modelFields.lazy.compactMap { fields[$0] }.first ?? quotedModel(in: message)
        return LogEntry(source: source, time: receivedAt, level: level, message: message, fields: fields, model: model)
    }

    /// glog, as Triton writes it: `I1129 17:20:01.123456 1 file.cc:818] message`.
    static func parseGlog(_ line: String, source: String, receivedAt: Timestamp) -> LogEntry? {
        let bytes = Array(line.utf8)
        guard bytes.count > 22, "IWEF".utf8.contains(bytes[0]),
              bytes[1...4].allSatisfy({ $0 >= 48 && $0 <= 57 }), bytes[5] == 32,
              let close = line.range(of: "] ") else { return nil }
        let level: LogLevel = switch bytes[0] {
        case UInt8(ascii: "I"): .info
        case UInt8(ascii: "W"): .warn
        case UInt8(ascii: "E"): .error
        default: .fatal
        }
        let message = String(line[close.upperBound...])
        return LogEntry(source: source, time: receivedAt, level: level, message: message, model: quotedModel(in: message))
    }

    /// `INFO 11-29 17:20:01 metrics.py:351] msg` (vLLM), `WARNING:root:msg`,
    /// `2026-11-29 17:20:01,123 - kserve - ERROR - msg` and `[ERROR] msg`.
    static func parseLeadingLevel(_ line: String, source: String, receivedAt: Timestamp) -> LogEntry? {
        let separators = CharacterSet(charactersIn: " :[]-|")
        let words = line.components(separatedBy: separators).filter { !$0.isEmpty }.prefix(10)
        for (index, word) in words.enumerated() where word == word.uppercased() && word.count >= 4 {
            guard let level = LogLevel(word: word) else { continue }
            guard let range = line.range(of: word) else { continue }
            var rest = line[range.upperBound...]
            if let close = rest.range(of: "] "), index == 0 { rest = rest[close.upperBound...] }
            let message = rest.drop(while: { " :-|]".contains($0) })
            return LogEntry(source: source, time: receivedAt, level: level, message: String(message),
                            model: quotedModel(in: String(message)))
        }
        return nil
    }

    /// `level=warn msg="queue full" model=churn-predictor`.
    static func parseLogfmt(_ line: String, source: String, receivedAt: Timestamp) -> LogEntry? {
        let fields = LogfmtScanner.pairs(line)
        guard fields.count >= 2, fields.keys.contains(where: { levelFields.contains($0) || messageFields.contains($0) }) else {
            return nil
        }
        let level = levelFields.lazy.compactMap { fields[$0] }.compactMap(LogLevel.init(word:)).first ?? .unknown
        let message = messageFields.lazy.compactMap { fields[$0] }.first ?? line
        let model = modelFields.lazy.compactMap { fields[$0] }.first
        return LogEntry(source: source, time: receivedAt, level: level, message: message, fields: fields, model: model)
    }

    static func firstLevelWord(in line: String) -> LogLevel? {
        for word in line.split(whereSeparator: { !$0.isLetter }) where word.count >= 4 && word == word.uppercased() {
            if let level = LogLevel(word: String(word)) { return level }
        }
        return nil
    }

    /// Triton names models in single quotes: `loaded 'fraud-detector' version 4`.
    static func quotedModel(in text: String) -> String? {
        guard let open = text.firstIndex(of: "'") else { return nil }
        let after = text[text.index(after: open)...]
        guard let close = after.firstIndex(of: "'") else { return nil }
        let name = after[..<close]
        guard !name.isEmpty, name.count <= 128, !name.contains(" ") else { return nil }
        return modelName(fromInstance: String(name))
    }

    /// Triton names model instances `MODEL_GROUP_INDEX` (`fraud-detector_0_1`): the model is
    /// what precedes the two trailing numbers.
    static func modelName(fromInstance name: String) -> String {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.suffix(2).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return name }
        return parts.dropLast(2).joined(separator: "_")
    }
}
