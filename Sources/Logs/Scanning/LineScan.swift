/// How the bytes of a value are written, which decides how they become text.

enum ValueEncoding: UInt8, Hashable, Sendable {
    /// As is.
    case raw
    /// The inside of a JSON string with at least one backslash escape.
    case json
    /// A logfmt or RFC 5424 quoted value with at least one backslash escape (`\"`, `\\`, `\n`, `\]`).
    case quoted
}

/// A run of bytes inside the record buffer: `start..<end`, and how it is written.

struct ValueSpan: Hashable, Sendable {
    var start: Int32
    var end: Int32
    var encoding: ValueEncoding

    init(_ start: Int, _ end: Int, _ encoding: ValueEncoding = .raw) {
        self.start = Int32(truncatingIfNeeded: start); self.end = Int32(truncatingIfNeeded: end); self.encoding = encoding
    }

    static let none = ValueSpan(-1, -1)
    var isPresent: Bool { start >= 0 }
    var count: Int { Int(end - start) }

    func shifted(by delta: Int) -> ValueSpan {
        isPresent ? ValueSpan(Int(start) + delta, Int(end) + delta, encoding) : self
    }
}

/// Names of fields that plain-text formats carry without writing a key.

enum ImpliedKey: UInt8, Hashable, Sendable, CaseIterable {
    case none, logger, caller, thread, pid, host, app, process, msgid, stream
    /// A custom format's named group; the key span's start is the group's index.
    case custom

    var name: String {
        switch self {
        case .none: return ""
        case .logger: return "logger"
        case .caller: return "caller"
        case .thread: return "thread"
        case .pid: return "pid"
        case .host: return "host"
        case .app: return "app"
        case .process: return "process"
        case .msgid: return "msgid"
        case .stream: return "stream"
        case .custom: return ""
        }
    }
}

/// One field: a key (written in the line, or implied by the format) and its value.

struct FieldSpan: Hashable, Sendable {
    var key: ValueSpan
    var implied: ImpliedKey
    var value: ValueSpan

    init(key: ValueSpan, value: ValueSpan) { self.key = key; self.implied = .none; self.value = value }
    init(implied: ImpliedKey, value: ValueSpan) { self.key = .none; self.implied = implied; self.value = value }
}

/// What a line's scan found, as positions in its bytes: no strings are made until an entry is.
/// One is reused for every line of a file, so a steady stream of lines allocates nothing here.

struct LineScan: Sendable {
    var format: LogFormat = .plain
    var level: LogLevel = .unknown
    /// Milliseconds since the epoch the line states; meaningful when `hasTime`.
    var time: Int64 = 0
    var hasTime = false
    var timeAssumptions: LogTimeAssumptions = []
    var message = ValueSpan.none
    var fields: [FieldSpan] = []
    var model = ValueSpan.none
    var version = ValueSpan.none
    var requestID = ValueSpan.none
    var traceID = ValueSpan.none
    /// Rank of the key that set `message`, `level` and `time` (lower is a better name), so that
    /// `msg` wins over `event` whichever comes first.
    var messageRank: UInt8 = .max
    var levelRank: UInt8 = .max
    var timeRank: UInt8 = .max
    /// Set by a custom regular-expression format: its line text, when it differs from the
    /// bytes (invalid UTF-8 repaired before matching). Spans then point into this text.
    var replacementText: [UInt8]?

    init(reserve: Bool = true) { if reserve { fields.reserveCapacity(16) } }

    mutating func reset(_ format: LogFormat) {
        self.format = format
        level = .unknown
        hasTime = false
        timeAssumptions = []
        message = .none
        fields.removeAll(keepingCapacity: true)
        model = .none; version = .none; requestID = .none; traceID = .none
        messageRank = .max; levelRank = .max; timeRank = .max
        replacementText = nil
    }

    mutating func setTime(_ ms: Int64, _ assumptions: LogTimeAssumptions = []) {
        time = ms; hasTime = true; timeAssumptions = assumptions
    }
}

/// What a key of a structured line (JSON, logfmt) stands for.

enum KeyRole: UInt8, Sendable {
    case other, time, level, message, model, version, requestID, traceID, traceparent
}

/// The built-in key names, matched as bytes: `(role, rank)`, rank 0 the most specific name.
enum KeyRoles {
    @inline(__always)
    static func role(_ b: Bytes, _ s: Int, _ e: Int) -> (KeyRole, UInt8) {
        let n = e - s
        guard n > 0, n <= 26 else { return (.other, 0) }
        let c0 = b[s]
        @inline(__always) func eq(_ lit: StaticString) -> Bool { b.has(lit, at: s) && lit.utf8CodeUnitCount == n }
        switch n {
        case 1:
            if c0 == UInt8(ascii: "t") { return (.time, 3) }
        case 2:
            if eq("ts") { return (.time, 1) }
            if eq("@t") { return (.time, 0) }
            if eq("@m") { return (.message, 0) }
            if eq("@l") { return (.level, 0) }
        case 3:
            if eq("msg") { return (.message, 0) }
            if eq("lvl") { return (.level, 0) }
            if eq("log") { return (.message, 2) }
            if eq("@mt") { return (.message, 1) }
        case 4:
            if eq("time") { return (.time, 0) }
            if eq("date") { return (.time, 3) }
            if eq("body") { return (.message, 1) }
        case 5:
            if eq("level") { return (.level, 0) }
            if eq("model") { return (.model, 0) }
            if eq("event") { return (.message, 1) }
            if eq("reqId") { return (.requestID, 1) }
        case 6:
            if eq("req_id") { return (.requestID, 1) }
        case 7:
            if eq("message") { return (.message, 0) }
            if eq("version") { return (.version, 1) }
            if eq("asctime") { return (.time, 1) }
            if eq("modelId") { return (.model, 1) }
            if eq("traceId") { return (.traceID, 0) }
            if eq("traceID") { return (.traceID, 0) }
        case 8:
            if eq("severity") { return (.level, 1) }
            if eq("loglevel") { return (.level, 1) }
            if eq("datetime") { return (.time, 2) }
            if eq("model_id") { return (.model, 1) }
            if eq("trace_id") { return (.traceID, 0) }
            if eq("@message") { return (.message, 0) }
            if eq("trace.id") { return (.traceID, 0) }
        case 9:
            if eq("levelname") { return (.level, 0) }
            if eq("log.level") { return (.level, 0) }
            if eq("log_level") { return (.level, 0) }
            if eq("timestamp") { return (.time, 0) }
            if eq("eventTime") { return (.time, 2) }
            if eq("modelName") { return (.model, 0) }
            if eq("requestId") { return (.requestID, 0) }
            if eq("requestID") { return (.requestID, 0) }
        case 10:
            if eq("@timestamp") { return (.time, 0) }
            if eq("model_name") { return (.model, 0) }
            if eq("request_id") { return (.requestID, 0) }
            if eq("level_name") { return (.level, 0) }
        case 11:
            if eq("traceparent") { return (.traceparent, 0) }
            if eq("otelTraceID") { return (.traceID, 1) }
            if eq("dd.trace_id") { return (.traceID, 1) }
        case 12:
            if eq("x-request-id") { return (.requestID, 0) }
            if eq("x_request_id") { return (.requestID, 0) }
            if eq("modelVersion") { return (.version, 0) }
        case 13:
            if eq("model_version") { return (.version, 0) }
            if eq("severity_text") { return (.level, 1) }
            if eq("correlationId") { return (.requestID, 2) }
        case 14:
            if eq("correlation_id") { return (.requestID, 2) }
        case 17:
            if eq("served_model_name") { return (.model, 1) }
        default:
            break
        }
        return (.other, 0)
    }
}
