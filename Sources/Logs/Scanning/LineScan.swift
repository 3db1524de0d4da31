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

/// The fields of a scan: a growable buffer of `FieldSpan`s with copy-on-write value semantics,
/// whose uniqueness is checked once per line (`removeAll()`) rather than at every append.
/// Every mutation path starts with `removeAll()`, so `append` can write without a check.
struct FieldList: @unchecked Sendable, Sequence {
    final class Storage: @unchecked Sendable {
        var base: UnsafeMutablePointer<FieldSpan>
        var capacity: Int
        init(capacity: Int) {
            self.capacity = Swift.max(1, capacity)
            base = .allocate(capacity: self.capacity)
        }
        deinit { base.deallocate() }
        func copy(count: Int) -> Storage {
            let s = Storage(capacity: capacity)
            s.base.initialize(from: base, count: count)
            return s
        }
    }

    private var storage: Storage
    /// The storage's buffer and capacity, kept beside it (no load through the object per append).
    private var base: UnsafeMutablePointer<FieldSpan>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 16) {
        storage = Storage(capacity: capacity)
        base = storage.base
        self.capacity = storage.capacity
    }

    var isEmpty: Bool { count == 0 }

    subscript(_ i: Int) -> FieldSpan { base[i] }

    /// Empties the list and makes its storage this value's own.
    mutating func removeAll() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(capacity: capacity)
            base = storage.base
        }
        count = 0
    }

    /// Appends; valid after `removeAll()` on this value (see the type's note).
    @inline(__always)
    mutating func append(_ f: FieldSpan) {
        if count == capacity { grow() }
        base[count] = f
        count &+= 1
    }

    mutating func truncate(to n: Int) { count = Swift.min(count, Swift.max(0, n)) }

    private mutating func grow() {
        let bigger = Storage(capacity: capacity * 2)
        bigger.base.initialize(from: base, count: count)
        storage = bigger
        base = bigger.base
        capacity = bigger.capacity
    }

    func makeIterator() -> AnyIterator<FieldSpan> {
        var i = 0
        let s = storage, n = count
        return AnyIterator { () -> FieldSpan? in
            guard i < n else { return nil }
            defer { i += 1 }
            return s.base[i]
        }
    }
}

/// What a line's scan found, as positions in its bytes: no strings are made until an entry is.
/// One is reused for every line of a file, so a steady stream of lines allocates nothing here.

struct LineScan: Sendable {
    var format: FormatID = .plain
    var level: LogLevel = .unknown
    /// Milliseconds since the epoch the line states; meaningful when `hasTime`.
    var time: Int64 = 0
    var hasTime = false
    var timeAssumptions: LogTimeAssumptions = []
    var message = ValueSpan.none
    var fields: FieldList
    var model = ValueSpan.none
    var version = ValueSpan.none
    var requestID = ValueSpan.none
    var traceID = ValueSpan.none
    /// Rank of the key that set `message`, `level` and `time` (lower is a better name), so that
    /// `msg` wins over `event` whichever comes first.
    var messageRank: UInt8 = .max
    var levelRank: UInt8 = .max
    var timeRank: UInt8 = .max
    var modelRank: UInt8 = .max
    var versionRank: UInt8 = .max
    /// Set by a custom regular-expression format: its line text, when it differs from the
    /// bytes (invalid UTF-8 repaired before matching). Spans then point into this text.
    var replacementText: [UInt8]?
    /// Triton's layout (glog, or its ISO 8601 variant): a quoted name is a model name.
    var tritonStyle = false
    /// Kept across lines (not reset): the date of the last time read.
    var dateCache = DateCache()
    /// Kept across lines (not reset): the last structured line's keys.
    var keys = KeyCache()

    init(reserve: Bool = true) { fields = FieldList(capacity: reserve ? 16 : 4) }

    mutating func reset(_ format: FormatID) {
        self.format = format
        level = .unknown
        hasTime = false
        timeAssumptions = []
        message = .none
        fields.removeAll()
        model = .none; version = .none; requestID = .none; traceID = .none
        messageRank = .max; levelRank = .max; timeRank = .max; modelRank = .max; versionRank = .max
        replacementText = nil
        tritonStyle = false
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
/// The key's first 8, 16 and 24 bytes are compared as integers (the table is generated; the
/// names are in the comments).
enum KeyRoles {
    /// Up to 8 bytes at `s` (fewer when `n` is smaller), little-endian, zero-padded.
    @inline(__always)
    static func word(_ b: Bytes, _ s: Int, _ n: Int) -> UInt64 {
        if n <= 0 { return 0 }
        if s + 8 <= b.count {
            let w = UInt64(littleEndian: UnsafeRawPointer(b.base + s).loadUnaligned(as: UInt64.self))
            return n >= 8 ? w : w & ((1 << UInt64(n * 8)) - 1)
        }
        var w: UInt64 = 0
        for k in 0..<min(n, 8) { w |= UInt64(b[s + k]) << UInt64(k * 8) }
        return w
    }

    @inline(__always)
    static func role(_ b: Bytes, _ s: Int, _ e: Int) -> (KeyRole, UInt8) {
        let n = e - s
        guard n > 0, n <= 24 else { return (.other, 0) }
        let w0 = word(b, s, n)
        let w1 = n > 8 ? word(b, s + 8, n - 8) : 0
        let w2 = n > 16 ? word(b, s + 16, n - 16) : 0
        switch w0 {
        case 0x0000000000000074:  // t
            if n == 1 { return (.time, 3) }
            return (.other, 0)
        case 0x0000000000006C40:  // @l
            if n == 2 { return (.level, 0) }
            return (.other, 0)
        case 0x0000000000006D40:  // @m
            if n == 2 { return (.message, 0) }
            return (.other, 0)
        case 0x0000000000007374:  // ts
            if n == 2 { return (.time, 1) }
            return (.other, 0)
        case 0x0000000000007440:  // @t
            if n == 2 { return (.time, 0) }
            return (.other, 0)
        case 0x0000000000676F6C:  // log
            if n == 3 { return (.message, 2) }
            return (.other, 0)
        case 0x000000000067736D:  // msg
            if n == 3 { return (.message, 0) }
            return (.other, 0)
        case 0x00000000006C766C:  // lvl
            if n == 3 { return (.level, 0) }
            return (.other, 0)
        case 0x0000000000746D40:  // @mt
            if n == 3 { return (.message, 1) }
            return (.other, 0)
        case 0x00000000656D6974:  // time
            if n == 4 { return (.time, 0) }
            return (.other, 0)
        case 0x0000000065746164:  // date
            if n == 4 { return (.time, 3) }
            return (.other, 0)
        case 0x0000000079646F62:  // body
            if n == 4 { return (.message, 1) }
            return (.other, 0)
        case 0x0000006449716572:  // reqId
            if n == 5 { return (.requestID, 1) }
            return (.other, 0)
        case 0x0000006C65646F6D:  // model
            if n == 5 { return (.model, 1) }
            return (.other, 0)
        case 0x0000006C6576656C:  // level
            if n == 5 { return (.level, 0) }
            return (.other, 0)
        case 0x000000746E657665:  // event
            if n == 5 { return (.message, 1) }
            return (.other, 0)
        case 0x000064695F716572:  // req_id
            if n == 6 { return (.requestID, 1) }
            return (.other, 0)
        case 0x0044496563617274:  // traceID
            if n == 7 { return (.traceID, 0) }
            return (.other, 0)
        case 0x0064496563617274:  // traceId
            if n == 7 { return (.traceID, 0) }
            return (.other, 0)
        case 0x0064496C65646F6D:  // modelId
            if n == 7 { return (.model, 2) }
            return (.other, 0)
        case 0x006567617373656D:  // message
            if n == 7 { return (.message, 0) }
            return (.other, 0)
        case 0x00656D6974637361:  // asctime
            if n == 7 { return (.time, 1) }
            return (.other, 0)
        case 0x006E6F6973726576:  // version
            if n == 7 { return (.version, 1) }
            return (.other, 0)
        case 0x4974736575716572:  // requestId, requestID
            if n == 9 && w1 == 0x0000000000000064 { return (.requestID, 0) }
            if n == 9 && w1 == 0x0000000000000044 { return (.requestID, 0) }
            return (.other, 0)
        case 0x5F74736575716572:  // request_id
            if n == 10 && w1 == 0x0000000000006469 { return (.requestID, 0) }
            return (.other, 0)
        case 0x616E5F6C65646F6D:  // model_name
            if n == 10 && w1 == 0x000000000000656D { return (.model, 1) }
            return (.other, 0)
        case 0x616E5F6C6576656C:  // level_name
            if n == 10 && w1 == 0x000000000000656D { return (.level, 0) }
            return (.other, 0)
        case 0x617473656D697440:  // @timestamp
            if n == 10 && w1 == 0x000000000000706D { return (.time, 0) }
            return (.other, 0)
        case 0x636172546C65746F:  // otelTraceID
            if n == 11 && w1 == 0x0000000000444965 { return (.traceID, 1) }
            return (.other, 0)
        case 0x64692E6563617274:  // trace.id
            if n == 8 { return (.traceID, 0) }
            return (.other, 0)
        case 0x64695F6563617274:  // trace_id
            if n == 8 { return (.traceID, 0) }
            return (.other, 0)
        case 0x64695F6C65646F6D:  // model_id
            if n == 8 { return (.model, 2) }
            return (.other, 0)
        case 0x65636172742E6464:  // dd.trace_id
            if n == 11 && w1 == 0x000000000064695F { return (.traceID, 1) }
            return (.other, 0)
        case 0x6567617373656D40:  // @message
            if n == 8 { return (.message, 0) }
            return (.other, 0)
        case 0x656D697465746164:  // datetime
            if n == 8 { return (.time, 2) }
            return (.other, 0)
        case 0x65765F6C65646F6D:  // model_version
            if n == 13 && w1 == 0x0000006E6F697372 { return (.version, 0) }
            return (.other, 0)
        case 0x6576656C2E676F6C:  // log.level
            if n == 9 && w1 == 0x000000000000006C { return (.level, 0) }
            return (.other, 0)
        case 0x6576656C5F676F6C:  // log_level
            if n == 9 && w1 == 0x000000000000006C { return (.level, 0) }
            return (.other, 0)
        case 0x6C6576656C676F6C:  // loglevel
            if n == 8 { return (.level, 1) }
            return (.other, 0)
        case 0x6D5F646576726573:  // served_model_name
            if n == 17 && w1 == 0x6D616E5F6C65646F && w2 == 0x0000000000000065 { return (.model, 0) }
            return (.other, 0)
        case 0x6D614E6C65646F6D:  // modelName
            if n == 9 && w1 == 0x0000000000000065 { return (.model, 1) }
            return (.other, 0)
        case 0x6D616E6C6576656C:  // levelname
            if n == 9 && w1 == 0x0000000000000065 { return (.level, 0) }
            return (.other, 0)
        case 0x6D617473656D6974:  // timestamp
            if n == 9 && w1 == 0x0000000000000070 { return (.time, 0) }
            return (.other, 0)
        case 0x6D6954746E657665:  // eventTime
            if n == 9 && w1 == 0x0000000000000065 { return (.time, 2) }
            return (.other, 0)
        case 0x7261706563617274:  // traceparent
            if n == 11 && w1 == 0x0000000000746E65 { return (.traceparent, 0) }
            return (.other, 0)
        case 0x7265566C65646F6D:  // modelVersion
            if n == 12 && w1 == 0x000000006E6F6973 { return (.version, 0) }
            return (.other, 0)
        case 0x7365757165722D78:  // x-request-id
            if n == 12 && w1 == 0x0000000064692D74 { return (.requestID, 0) }
            return (.other, 0)
        case 0x7365757165725F78:  // x_request_id
            if n == 12 && w1 == 0x0000000064695F74 { return (.requestID, 0) }
            return (.other, 0)
        case 0x74616C6572726F63:  // correlationId, correlation_id
            if n == 13 && w1 == 0x00000064496E6F69 { return (.requestID, 2) }
            if n == 14 && w1 == 0x000064695F6E6F69 { return (.requestID, 2) }
            return (.other, 0)
        case 0x7974697265766573:  // severity, severity_text
            if n == 8 { return (.level, 1) }
            if n == 13 && w1 == 0x000000747865745F { return (.level, 1) }
            return (.other, 0)
        default:
            return (.other, 0)
        }
    }
}
