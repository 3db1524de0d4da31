/// The shape of a log file's lines, detected per file (see `FormatDetector`).
public enum LogFormat: Hashable, Sendable, CustomStringConvertible {
    /// One JSON object per line (python-json-logger, zap, logrus, slog, pino, structlog, Docker's json-file).
    case json
    /// `key=value` pairs (Go's slog/logrus text, Heroku-style).
    case logfmt
    /// RFC 5424 syslog: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`.
    case rfc5424
    /// BSD syslog (RFC 3164): `[<PRI>]Nov 29 03:00:00 host prog[pid]: msg`.
    case syslog
    /// glog/klog (Triton, Kubernetes): `I1129 03:00:00.123456 1234 file.cc:12] msg`.
    case glog
    /// vLLM's logger: `INFO 11-29 03:00:00 engine.py:123] msg` (or `[engine.py:123]`).
    case vllm
    /// Python's `logging.basicConfig` default and uvicorn's: `INFO:name:msg`, `INFO:     msg`.
    case pythonBasic
    /// Go's `log` package: `2024/11/29 03:00:00 msg`.
    case goLog
    /// A line that starts with an RFC 3339 / ISO 8601 time (optionally in brackets), the level
    /// among the next few words: Python `logging` with `asctime`, log4j (TorchServe), logback,
    /// KServe, gunicorn, PostgreSQL.
    case timestamped
    /// A line that starts with seconds (or milliseconds) since the epoch.
    case epoch
    /// Anything else: the whole line is the message, the level the first level word in capitals.
    case plain
    /// A `CustomLogFormat`, by name.
    case custom(String)

    public var description: String { name }

    /// The name used in `--json` output and the docs.
    public var name: String {
        switch self {
        case .json: return "json"
        case .logfmt: return "logfmt"
        case .rfc5424: return "rfc5424"
        case .syslog: return "syslog"
        case .glog: return "glog"
        case .vllm: return "vllm"
        case .pythonBasic: return "python-basic"
        case .goLog: return "go-log"
        case .timestamped: return "timestamped"
        case .epoch: return "epoch"
        case .plain: return "plain"
        case .custom(let name): return "custom:" + name
        }
    }

}

/// A format as the scanners carry it: a plain value (no string), custom formats by index.
struct FormatID: Hashable, Sendable {
    enum Kind: UInt8, Sendable {
        case json, logfmt, rfc5424, syslog, glog, vllm, pythonBasic, goLog, timestamped, epoch, plain, custom
    }

    var kind: Kind
    /// For `.custom`: the index of the format among the assembler's custom formats.
    var custom: Int32 = 0

    init(_ kind: Kind, custom: Int = 0) { self.kind = kind; self.custom = Int32(custom) }

    static let json = FormatID(.json), logfmt = FormatID(.logfmt), rfc5424 = FormatID(.rfc5424)
    static let syslog = FormatID(.syslog), glog = FormatID(.glog), vllm = FormatID(.vllm)
    static let pythonBasic = FormatID(.pythonBasic), goLog = FormatID(.goLog), timestamped = FormatID(.timestamped)
    static let epoch = FormatID(.epoch), plain = FormatID(.plain)

    /// Whether a record of this format starts with a shape a continuation line lacks, so that a
    /// line without it belongs to the record before (a stack trace under a timestamped line).
    var hasHeaderShape: Bool { kind != .plain }

    func logFormat(customs: [CustomLogFormat]) -> LogFormat {
        switch kind {
        case .json: return .json
        case .logfmt: return .logfmt
        case .rfc5424: return .rfc5424
        case .syslog: return .syslog
        case .glog: return .glog
        case .vllm: return .vllm
        case .pythonBasic: return .pythonBasic
        case .goLog: return .goLog
        case .timestamped: return .timestamped
        case .epoch: return .epoch
        case .plain: return .plain
        case .custom: return customs.indices.contains(Int(custom)) ? .custom(customs[Int(custom)].name) : .plain
        }
    }
}
