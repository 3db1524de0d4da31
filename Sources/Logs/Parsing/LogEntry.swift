import Telemetry

/// Severity of a log entry, normalized across formats.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case trace, debug, info, warn, error, fatal, unknown

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    /// The upper-case word shown beside each entry, so level never depends on color alone.
    public var description: String {
        switch self {
        case .trace: return "TRACE"
        case .debug: return "DEBUG"
        case .info: return "INFO"
        case .warn: return "WARN"
        case .error: return "ERROR"
        case .fatal: return "FATAL"
        case .unknown: return "-"
        }
    }

    /// Reads the level words and letters that common formats use (`warning`, `W`, `err`, `CRITICAL`...).
    public init?(word: String) {
        switch word.lowercased() {
        case "trace", "t": self = .trace
        case "debug", "dbg", "d": self = .debug
        case "info", "information", "notice", "i": self = .info
        case "warn", "warning", "w": self = .warn
        case "error", "err", "e": self = .error
        case "fatal", "critical", "crit", "panic", "emerg", "alert", "f", "c": self = .fatal
        default: return nil
        }
    }
}

/// One normalized log record.
public struct LogEntry: Hashable, Sendable {
    /// Where it came from (a file name, or a demo server's log).
    public var source: String
    /// The time the line states, or the time it was read when it states none.
    public var time: Timestamp
    public var level: LogLevel
    public var message: String
    /// Structured fields (JSON keys, logfmt pairs), as text.
    public var fields: [String: String]
    /// The model the entry is about, from a `model`/`model_name` field or the text.
    public var model: String?

    public init(source: String, time: Timestamp, level: LogLevel, message: String,
                fields: [String: String] = [:], model: String? = nil) {
        self.source = source; self.time = time; self.level = level
        self.message = message; self.fields = fields; self.model = model
    }
}
