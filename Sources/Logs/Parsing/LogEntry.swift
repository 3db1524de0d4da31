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

    /// Reads the level words and letters that common formats use (`warning`, `W`, `err`,
    /// `CRITICAL`, `notice`, `panic`, zerolog's `WRN`...), ignoring case.
    public init?(word: String) {
        var w = word
        let level = w.withUTF8 { LevelParsing.word(Bytes($0), 0, $0.count, letters: true) }
        guard let level else { return nil }
        self = level
    }
}

/// One normalized log record: a line, or a line with the lines that continue it (a stack trace).
public struct LogEntry: Hashable, Sendable {
    /// Where it came from (a file name, or a demo server's log).
    public var source: String
    /// When it was read (the receive time of its first line): the clock the dashboard's windows
    /// and log rules run on, whatever the line claims.
    public var time: Timestamp
    /// The time the record states, when it states one (see `statedTimeAssumptions`).
    public var statedTime: Timestamp?
    /// What was assumed to read `statedTime`: no year (the receive year), no zone (UTC).
    public var statedTimeAssumptions: LogTimeAssumptions
    public var level: LogLevel
    /// The message: for JSON and logfmt the message field (unescaped), for plain text what follows
    /// the time, level and source location; continuation lines follow it after `\n`.
    public var message: String
    /// Structured fields (JSON keys, logfmt pairs, RFC 5424 parameters), and what plain formats
    /// carry without a key (`logger`, `caller`, `thread`, `pid`, `host`, `app`, `process`), as text.
    /// A nested JSON object or array is its JSON text.
    public var fields: [String: String]
    /// The model the entry is about, from a `model`/`model_name` field or the text.
    public var model: String?
    /// The model version, from a `version`/`model_version` field or the text (`'x' version 4`).
    public var version: String?
    /// A request id (`request_id`, `requestId`, `req_id`, `x-request-id`...).
    public var requestID: String?
    /// A trace id (`trace_id`, `traceId`, or the trace id inside a W3C `traceparent`).
    public var traceID: String?
    /// The format the record was read as.
    public var format: LogFormat
    /// The follower cut a line of this record at its length limit.
    public var truncated: Bool
    /// Lines in the record (more than one when lines were folded into it).
    public var lineCount: Int
    /// The record as read: its lines joined with `\n`, invalid UTF-8 replaced with U+FFFD,
    /// everything else (NUL, escape sequences, control characters) kept as it was.
    public var text: String

    public init(source: String, time: Timestamp, level: LogLevel, message: String,
                fields: [String: String] = [:], model: String? = nil,
                statedTime: Timestamp? = nil, statedTimeAssumptions: LogTimeAssumptions = [],
                version: String? = nil, requestID: String? = nil, traceID: String? = nil,
                format: LogFormat = .plain, truncated: Bool = false, lineCount: Int = 1, text: String? = nil) {
        self.source = source; self.time = time; self.level = level
        self.message = message; self.fields = fields; self.model = model
        self.statedTime = statedTime; self.statedTimeAssumptions = statedTimeAssumptions
        self.version = version; self.requestID = requestID; self.traceID = traceID
        self.format = format; self.truncated = truncated; self.lineCount = lineCount
        self.text = text ?? message
    }

    /// The time to show: the stated time, or when it was read.
    public var displayTime: Timestamp { statedTime ?? time }
}
