/// Plain-text line shapes: a time and a level at known places, the rest the message. Each
/// reader returns false when the line is not of its shape, leaving `s` to be reset.
enum PlainScanners {
    // MARK: - Shared pieces

    /// A level word among the next `maxTokens` space-separated words from `i`: `ERROR`,
    /// `[ERROR]`, `[INFO ]` (log4j's padding), `<warn>`, `ERROR:`, `INFO/MainProcess]`
    /// (Celery), `level=info`. Lower case counts only when bracketed, after a tab or after
    /// `level=`. Returns the level, the token's start, the index after it, and whether it was bracketed.
    static func findLevel(_ b: Bytes, from: Int, maxTokens: Int) -> (LogLevel, Int, Int, Bool)? {
        var j = from
        var tokens = 0
        let n = b.count
        while tokens < maxTokens, j < n {
            var tabbed = false
            while j < n, b[j] == 32 || b[j] == 9 { if b[j] == 9 { tabbed = true }; j += 1 }
            guard j < n else { return nil }
            let ts = j
            var te = j
            while te < n, b[te] != 32, b[te] != 9 { te += 1 }
            var a = ts
            var opener: UInt8 = 0
            if a < te, b[a] == 91 || b[a] == 40 || b[a] == 60 { opener = b[a]; a += 1 }  // [ ( <
            var wordStart = a
            if b.has("level=", at: a) { wordStart = a + 6 } else if b.has("lvl=", at: a) { wordStart = a + 4 }
            var k = wordStart
            while k < te, Bytes.isLetter(b[k]) { k += 1 }
            if k - wordStart >= 3 {
                var rest = k
                while rest < te, Bytes.isDigit(b[rest]) { rest += 1 }
                let follows = rest == te || b[rest] == 58 || b[rest] == 47 || b[rest] == 93 || b[rest] == 124
                    || b[rest] == 41 || b[rest] == 62 || b[rest] == 44
                if follows {
                    let anyCase = opener != 0 || tabbed || wordStart != a
                    if let level = anyCase ? LevelParsing.word(b, wordStart, k) : LevelParsing.upperWord(b, wordStart, k) {
                        var end = te
                        // `[INFO ]`: the closing bracket after the padding.
                        if opener == 91, rest == te {
                            let after = b.skipSpaces(te)
                            if after < n, b[after] == 93 { end = after + 1 }
                        }
                        return (level, ts, end, opener != 0)
                    }
                }
            }
            j = te
            tokens += 1
        }
        return nil
    }

    /// Skips spaces and the separators loggers put before a message (`-`, `:`, `|`).
    static func skipSeparators(_ b: Bytes, _ i: Int) -> Int {
        var i = i
        while i < b.count {
            let c = b[i]
            if c == 32 || c == 9 { i += 1; continue }
            if (c == 45 || c == 58 || c == 124), i + 1 == b.count || b[i + 1] == 32 || b[i + 1] == 9 { i += 1; continue }
            break
        }
        return i
    }

    /// The index after the space-free token at `i`.
    @inline(__always)
    static func tokenEnd(_ b: Bytes, _ i: Int) -> Int {
        b.find(32, or: 9, from: i, to: b.count)
    }

    /// A source location right at `i`: `[register_model():363]` (KServe), `engine.py:123]`
    /// (vLLM), `[engine.py:123]`. Returns the location's span and the index after it.
    static func caller(_ b: Bytes, _ i: Int) -> (ValueSpan, Int)? {
        guard i < b.count else { return nil }
        let te = tokenEnd(b, i)
        guard te - i >= 3, b[te - 1] == 93 else { return nil }  // ends with ]
        let s = b[i] == 91 ? i + 1 : i
        var hasColon = false
        for k in s..<(te - 1) {
            let c = b[k]
            if c == 58 { hasColon = true } else if c == 91 || c == 93 { return nil }
        }
        guard hasColon else { return nil }
        return (ValueSpan(s, te - 1), te)
    }

    /// The first level word in capitals within the first 256 bytes from `i`, standing alone
    /// (`ERROR`, `[WARN]`, `FATAL:`), as the old parser read unknown shapes.
    static func firstLevelWord(_ b: Bytes, from i: Int) -> LogLevel? {
        let end = min(b.count, i + 256)
        var k = i
        var boundary = true
        while k < end {
            // An escape sequence (`ESC [ 32 m`, a color) is a word boundary, not part of a word.
            if b[k] == 27, k + 1 < end, b[k + 1] == 91 {
                k += 2
                while k < end, !(b[k] >= 64 && b[k] <= 126) { k += 1 }
                k += 1
                boundary = true
                continue
            }
            guard Bytes.isUpper(b[k]), boundary || !Bytes.isLetter(b[k - 1]) else {
                boundary = false
                k += 1
                continue
            }
            boundary = false
            var e = k
            while e < end, Bytes.isLetter(b[e]) { e += 1 }
            if e - k >= 3, e == b.count || !Bytes.isLetter(b[e]), let level = LevelParsing.upperWord(b, k, e) {
                return level
            }
            k = e + 1
        }
        return nil
    }

    // MARK: - Shapes

    /// glog/klog: `I1129 03:00:00.123456 1234 file.cc:12] msg`.
    static func glog(_ b: Bytes, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        guard b.count >= 22, let level = glogLevel(b[0]),
              let t = TimeParsing.glog(b, 1, context), t.end < b.count, b[t.end] == 32 else { return false }
        s.setTime(t.ms, t.assumptions)
        glogRest(b, b.skipSpaces(t.end), level, context, &s)
        return true
    }

    static func glogLevel(_ c: UInt8) -> LogLevel? {
        switch c {
        case UInt8(ascii: "I"): return .info
        case UInt8(ascii: "W"): return .warn
        case UInt8(ascii: "E"): return .error
        case UInt8(ascii: "F"): return .fatal
        default: return nil
        }
    }

    /// After glog's time (or Triton's ISO 8601 time and level letter): thread id, source
    /// location, message.
    static func glogRest(_ b: Bytes, _ start: Int, _ level: LogLevel, _ context: ReceiveContext, _ s: inout LineScan) {
        var i = start
        s.level = level
        s.tritonStyle = true
        // Thread id.
        let threadEnd = tokenEnd(b, i)
        if threadEnd > i, Bytes.isDigit(b[i]) {
            s.fields.append(FieldSpan(implied: .thread, value: ValueSpan(i, threadEnd)))
            i = b.skipSpaces(threadEnd)
        }
        if let (span, after) = caller(b, i) {
            s.fields.append(FieldSpan(implied: .caller, value: span))
            i = after
            if i < b.count, b[i] == 32 { i += 1 }
        }
        // A quoted message: Triton (since 2024) quotes and escapes its messages
        // (`model_lifecycle.cc:838] "successfully loaded 'x'"`); Kubernetes' structured klog
        // follows the quoted message with `key="value"` pairs.
        if i + 1 < b.count, b[i] == 34 {
            let (close, escaped) = JSONLineScanner.string(b, i + 1)
            if close == b.count - 1 {
                s.message = ValueSpan(i + 1, close, escaped ? .json : .raw)
                return
            }
            if close + 1 < b.count, b[close + 1] == 32 {
                let before = s.fields.count
                if LogfmtLineScanner.scan(b, from: close + 2, strict: false, into: &s, context, custom: CustomKeys(nil)) {
                    s.message = ValueSpan(i + 1, close, escaped ? .json : .raw)
                    s.messageRank = 0
                    s.level = level
                    return
                }
                s.fields.truncate(to: before)
            }
        }
        s.message = ValueSpan(i, b.count)
    }

    /// vLLM: `INFO 11-29 03:00:00 engine.py:123] msg`, `INFO 11-29 03:00:00 [engine.py:123] msg`,
    /// optionally after a worker's `(VllmWorkerProcess pid=123) ` prefix.
    static func vllm(_ b: Bytes, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        var i = 0
        if b.count > 0, b[0] == 40 {  // (
            let close = b.find(41, from: 1, to: min(b.count, 128))
            guard close < b.count, close + 1 < b.count, b[close + 1] == 32 else { return false }
            s.fields.append(FieldSpan(implied: .process, value: ValueSpan(1, close)))
            i = close + 2
        }
        var k = i
        while k < b.count, k - i < 9, Bytes.isUpper(b[k]) { k += 1 }
        guard k - i >= 4, k < b.count, b[k] == 32, let level = LevelParsing.word(b, i, k),
              let t = TimeParsing.monthDay(b, k + 1, context) else { return false }
        s.level = level
        s.setTime(t.ms, t.assumptions)
        i = b.skipSpaces(t.end)
        if let (span, after) = caller(b, i) {
            s.fields.append(FieldSpan(implied: .caller, value: span))
            i = after
            if i < b.count, b[i] == 32 { i += 1 }
        }
        s.message = ValueSpan(i, b.count)
        return true
    }

    /// Python's `basicConfig` default `LEVEL:logger:message` and uvicorn's `INFO:     message`.
    static func pythonBasic(_ b: Bytes, _ s: inout LineScan) -> Bool {
        var k = 0
        while k < b.count, k < 9, Bytes.isUpper(b[k]) { k += 1 }
        guard k >= 4, k < b.count, b[k] == 58, let level = LevelParsing.word(b, 0, k) else { return false }
        s.level = level
        var i = k + 1
        if i < b.count, b[i] == 32 {
            s.message = ValueSpan(b.skipSpaces(i), b.count)
            return true
        }
        let colon = b.find(58, from: i, to: min(b.count, i + 256))
        guard colon < b.count else { return false }
        for j in i..<colon where b[j] == 32 { return false }  // a logger name has no spaces
        s.fields.append(FieldSpan(implied: .logger, value: ValueSpan(i, colon)))
        i = colon + 1
        s.message = ValueSpan(i, b.count)
        return true
    }

    /// After a leading time at `i`: the level among the next words, then the message, with the
    /// source locations, threads and loggers of common layouts set aside as fields.
    static func afterTime(_ b: Bytes, _ i: Int, _ context: ReceiveContext, _ s: inout LineScan) {
        var i = i
        let n = b.count
        // Triton's `--log-format=ISO8601`: `2024-05-20T20:03:26Z I 3415 model_lifecycle.cc:441] "msg"`.
        let l = b.skipSpaces(i)
        if l + 4 < n, b[l + 1] == 32, let level = glogLevel(b[l]), Bytes.isDigit(b[l + 2]) {
            let pidEnd = tokenEnd(b, l + 2)
            var digits = true
            for k in (l + 2)..<pidEnd where !Bytes.isDigit(b[k]) { digits = false; break }
            if digits, caller(b, b.skipSpaces(pidEnd)) != nil {
                glogRest(b, l + 2, level, context, &s)
                return
            }
        }
        // `time level=info msg=...`: the rest is logfmt.
        let rest = b.skipSpaces(i)
        if rest < n, Bytes.isLetter(b[rest]) {
            let te = tokenEnd(b, rest)
            let eq = b.findNear(61, from: rest, to: te)
            if eq < te, eq > rest {
                let before = s.fields.count
                if LogfmtLineScanner.scan(b, from: rest, strict: true, into: &s, context, custom: CustomKeys(nil)) {
                    if !s.message.isPresent { s.message = ValueSpan(rest, n) }
                    return
                }
                s.fields.truncate(to: before)
                s.level = .unknown
                s.model = .none; s.version = .none; s.requestID = .none; s.traceID = .none
                s.message = .none; s.messageRank = .max; s.levelRank = .max
            }
        }
        guard let (level, _, levelEnd, bracketed) = findLevel(b, from: i, maxTokens: 6) else {
            s.message = ValueSpan(skipSeparators(b, i), n)
            return
        }
        s.level = level
        i = b.skipSpaces(levelEnd)
        if let (span, after) = caller(b, i) {
            s.fields.append(FieldSpan(implied: .caller, value: span))
            i = after
        }
        // log4j `[%-5p] %t %c - %m` (TorchServe): thread, logger, then ` - `.
        if bracketed {
            let t1 = tokenEnd(b, i)
            let l1 = b.skipSpaces(t1)
            let t2 = tokenEnd(b, l1)
            let d = b.skipSpaces(t2)
            if t1 > i, t2 > l1, d < n, b[d] == 45, d + 1 == n || b[d + 1] == 32 {
                s.fields.append(FieldSpan(implied: .thread, value: ValueSpan(i, t1)))
                s.fields.append(FieldSpan(implied: .logger, value: ValueSpan(l1, t2)))
                torchServeWorker(b, i, t1, &s)
                // The message starts after `- `, its own indentation kept.
                s.message = ValueSpan(min(n, d + 2), n)
                return
            }
        }
        // Spring Boot: `1234 --- [main] c.e.App : msg`.
        let pe = tokenEnd(b, i)
        if pe > i, Bytes.isDigit(b[i]), b.has(" --- ", at: pe) {
            var j = pe + 5
            s.fields.append(FieldSpan(implied: .pid, value: ValueSpan(i, pe)))
            // `[main]` is the thread; Spring Boot 3.2 puts the application's name first: `[app] [main]`.
            var groups: [ValueSpan] = []
            while j < n, b[j] == 91, groups.count < 2 {
                let close = b.find(93, from: j, to: min(n, j + 128))
                guard close < n else { break }
                var ts = j + 1
                while ts < close, b[ts] == 32 { ts += 1 }
                groups.append(ValueSpan(ts, close))
                j = b.skipSpaces(close + 1)
            }
            if groups.count == 2 { s.fields.append(FieldSpan(implied: .app, value: groups[0])) }
            if let thread = groups.last { s.fields.append(FieldSpan(implied: .thread, value: thread)) }
            let le = tokenEnd(b, j)
            let colon = b.skipSpaces(le)
            if le > j, colon < n, b[colon] == 58 {
                s.fields.append(FieldSpan(implied: .logger, value: ValueSpan(j, le)))
                i = colon + 1
            }
        }
        s.message = ValueSpan(skipSeparators(b, i), n)
    }

    /// TorchServe's worker threads carry the model: `W-9000-resnet-18_1.0` (with `-stdout` or
    /// `-stderr` for the worker's own output): model `resnet-18`, version `1.0`.
    static func torchServeWorker(_ b: Bytes, _ s0: Int, _ e0: Int, _ s: inout LineScan) {
        guard e0 - s0 > 4, b[s0] == 87, b[s0 + 1] == 45, Bytes.isDigit(b[s0 + 2]) else { return }
        var i = s0 + 2
        while i < e0, Bytes.isDigit(b[i]) { i += 1 }
        guard i < e0, b[i] == 45 else { return }
        let ms = i + 1
        var e = e0
        if b.has("-stdout", at: e - 7) { e -= 7 } else if b.has("-stderr", at: e - 7) { e -= 7 }
        var u = e - 1
        while u > ms, b[u] != 95 { u -= 1 }
        guard u > ms else { return }
        s.model = ValueSpan(ms, u)
        if e > u + 1 { s.version = ValueSpan(u + 1, e) }
    }

    /// `2024-11-29T03:00:00.123Z ...`, `[2024-11-29 03:00:00,123] ...`, `2024-11-29 03:00:00 +0000 ...`.
    static func timestamped(_ b: Bytes, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        guard b.count >= 19 else { return false }
        let bracketed = b[0] == 91
        let start = bracketed ? 1 : 0
        guard Bytes.isDigit(b[start]), let t = TimeParsing.iso(b, start, &s.dateCache) else { return false }
        s.setTime(t.ms, t.assumptions)
        var i = t.end
        if bracketed, i < b.count, b[i] == 93 { i += 1 }
        afterTime(b, i, context, &s)
        return true
    }

    /// Go's `log`: `2024/11/29 03:00:00 file.go:12: msg`.
    static func goLog(_ b: Bytes, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        guard b.count >= 19, let t = TimeParsing.slashed(b, 0) else { return false }
        s.setTime(t.ms, t.assumptions)
        var i = b.skipSpaces(t.end)
        // `Lshortfile`/`Llongfile`: `file.go:12: `.
        let te = tokenEnd(b, i)
        if te - i > 4, b[te - 1] == 58, b.firstIndex(of: ".go:", from: i, to: te) != nil {
            s.fields.append(FieldSpan(implied: .caller, value: ValueSpan(i, te - 1)))
            i = te
        }
        afterTime(b, i, context, &s)
        if s.level == .unknown { s.message = ValueSpan(b.skipSpaces(i), b.count) }
        return true
    }

    /// A leading epoch time: `1732849200.123 ...` or `1732849200123 ...`.
    static func epoch(_ b: Bytes, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        guard b.count >= 11, Bytes.isDigit(b[0]), let t = TimeParsing.epoch(b, 0, b.count),
              t.end < b.count, b[t.end] == 32 || b[t.end] == 9 else { return false }
        s.setTime(t.ms, t.assumptions)
        afterTime(b, t.end, context, &s)
        return true
    }

    /// A leading `<PRI>` (1-3 digits, at most 191): the level from its severity, the index after.
    static func priority(_ b: Bytes) -> (LogLevel?, Int)? {
        guard b.count > 3, b[0] == 60 else { return nil }
        var v = 0
        var i = 1
        while i < b.count, i <= 4, Bytes.isDigit(b[i]) { v = v * 10 + Int(b[i] - 48); i += 1 }
        guard i > 1, i < b.count, b[i] == 62, v <= 191 else { return nil }
        return (LevelParsing.syslogSeverity(v % 8), i + 1)
    }

    /// RFC 3164: `[<PRI>]Nov 29 03:00:00 host prog[pid]: msg`.
    static func syslog(_ b: Bytes, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        var i = 0
        var priLevel: LogLevel?
        if let (level, after) = priority(b) { priLevel = level; i = after }
        guard let t = TimeParsing.bsd(b, i, context), t.end < b.count, b[t.end] == 32 else { return false }
        s.setTime(t.ms, t.assumptions)
        i = t.end + 1
        let hostEnd = tokenEnd(b, i)
        guard hostEnd > i else { return false }
        s.fields.append(FieldSpan(implied: .host, value: ValueSpan(i, hostEnd)))
        i = b.skipSpaces(hostEnd)
        // The tag: `prog[pid]:` or `prog:`.
        var j = i
        while j < b.count, j - i < 64, b[j] != 58, b[j] != 91, b[j] != 32 { j += 1 }
        if j > i, j < b.count, b[j] == 91 || b[j] == 58 {
            let tagEnd = j
            var afterTag = j
            if b[j] == 91 {
                let close = b.find(93, from: j, to: min(b.count, j + 24))
                if close < b.count, close + 1 < b.count, b[close + 1] == 58 {
                    s.fields.append(FieldSpan(implied: .app, value: ValueSpan(i, tagEnd)))
                    s.fields.append(FieldSpan(implied: .pid, value: ValueSpan(j + 1, close)))
                    afterTag = close + 2
                } else { afterTag = i }
            } else {
                s.fields.append(FieldSpan(implied: .app, value: ValueSpan(i, tagEnd)))
                afterTag = j + 1
            }
            i = afterTag
        }
        if i < b.count, b[i] == 32 { i += 1 }
        s.message = ValueSpan(i, b.count)
        s.level = priLevel ?? firstLevelWord(b, from: i) ?? .unknown
        return true
    }

    /// RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD-ID k="v"...] MSG`; `-` is nil.
    static func rfc5424(_ b: Bytes, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        guard let (level, after) = priority(b), after + 2 < b.count, b[after] == 49, b[after + 1] == 32 else { return false }
        var i = after + 2
        if b[i] == 45 {
            i += 1
        } else {
            guard let t = TimeParsing.iso(b, i, &s.dateCache) else { return false }
            s.setTime(t.ms, t.assumptions)
            i = t.end
        }
        for key in [ImpliedKey.host, .app, .pid, .msgid] {
            guard i < b.count, b[i] == 32 else { return false }
            i += 1
            let e = tokenEnd(b, i)
            if e > i, !(e == i + 1 && b[i] == 45) { s.fields.append(FieldSpan(implied: key, value: ValueSpan(i, e))) }
            i = e
        }
        guard i < b.count, b[i] == 32 else { return i == b.count }
        i += 1
        // Structured data: `-` or one or more `[id name="value" ...]`.
        if i < b.count, b[i] == 45 {
            i += 1
        } else {
            while i < b.count, b[i] == 91 {
                i += 1
                i = tokenEnd(b, i)  // SD-ID
                while i < b.count, b[i] == 32 {
                    i += 1
                    let ks = i
                    while i < b.count, b[i] != 61, b[i] != 32, b[i] != 93 { i += 1 }
                    guard i + 1 < b.count, b[i] == 61, b[i + 1] == 34 else { return false }
                    let ke = i
                    var j = i + 2
                    var escaped = false
                    while j < b.count, b[j] != 34 {
                        if b[j] == 92 { escaped = true; j += 1 }
                        j += 1
                    }
                    guard j < b.count else { return false }
                    let value = ValueSpan(ke + 2, j, escaped ? .quoted : .raw)
                    s.fields.append(FieldSpan(key: ValueSpan(ks, ke), value: value))
                    let (role, rank) = KeyRoles.role(b, ks, ke)
                    if role != .other { s.assign(role, rank: rank &+ 1, value: value, isString: true, b, context) }
                    i = j + 1
                }
                guard i < b.count, b[i] == 93 else { return false }
                i += 1
            }
        }
        if i < b.count, b[i] == 32 { i += 1 }
        // A UTF-8 byte order mark marks the message as UTF-8; it is not part of it.
        if b.has("\u{FEFF}", at: i) { i += 3 }
        s.level = level ?? .unknown
        s.message = ValueSpan(i, b.count)
        return true
    }

    /// Anything: the whole line is the message; the level is the first level word in capitals.
    static func plain(_ b: Bytes, _ s: inout LineScan) {
        if b.has("panic: ", at: 0) || b.has("fatal error: ", at: 0) {
            s.level = .fatal
        } else if b.has("Exception in thread \"", at: 0) {
            s.level = .error
        } else {
            s.level = firstLevelWord(b, from: 0) ?? .unknown
        }
        s.message = ValueSpan(0, b.count)
    }
}
