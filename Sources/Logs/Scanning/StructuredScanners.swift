import CLogScan

/// The key names a structured format's parts are read from, beyond the built-in ones:
/// a `CustomLogFormat`'s, matched first.

struct CustomKeys: Sendable {
    var names: [(bytes: [UInt8], role: KeyRole)] = []
    var isEmpty: Bool { names.isEmpty }

    init(_ format: CustomLogFormat?) {
        guard let f = format else { return }
        for (list, role) in [(f.timeFields, KeyRole.time), (f.levelFields, .level), (f.messageFields, .message),
                             (f.modelFields, .model), (f.versionFields, .version), (f.requestIDFields, .requestID),
                             (f.traceIDFields, .traceID)] {
            for name in list { names.append((Array(name.utf8), role)) }
        }
    }

    /// The role of a key by the custom names; custom names outrank every built-in name.
    func role(_ b: Bytes, _ s: Int, _ e: Int) -> KeyRole? {
        for (name, role) in names where name.count == e - s {
            var same = true
            for k in 0..<name.count where name[k] != b[s + k] { same = false; break }
            if same { return role }
        }
        return nil
    }
}

extension LineScan {
    /// Records what a structured key stands for. `isString` tells a quoted value from a bare one.
    @inline(__always)
    mutating func assign(_ role: KeyRole, rank: UInt8, value: ValueSpan, isString: Bool, _ b: Bytes,
                         _ context: ReceiveContext, timeLayout: TimeLayout? = nil) {
        switch role {
        case .other:
            return
        case .time:
            guard rank < timeRank else { return }
            let s = Int(value.start), e = Int(value.end)
            if let layout = timeLayout {
                if let r = layout.parse(b, s, e, context) { setTime(r.ms, r.assumptions); timeRank = rank }
            } else if isString {
                if let r = TimeParsing.any(b, s, e, context, &dateCache) { setTime(r.ms, r.assumptions); timeRank = rank }
            } else if let ms = TimeParsing.epochNumber(b, s, e) {
                setTime(ms); timeRank = rank
            }
        case .level:
            guard rank < levelRank else { return }
            let s = Int(value.start), e = Int(value.end)
            if let l = isString ? LevelParsing.word(b, s, e, letters: true) : LevelParsing.number(b, s, e) {
                level = l; levelRank = rank
            }
        case .message:
            if rank < messageRank { message = value; messageRank = rank }
        case .model:
            if rank < modelRank, value.count > 0 { model = value; modelRank = rank }
        case .version:
            if rank < versionRank, value.count > 0 { version = value; versionRank = rank }
        case .requestID:
            if !requestID.isPresent, value.count > 0 { requestID = value }
        case .traceID:
            if !traceID.isPresent || rank == 0, value.count > 0 { traceID = value }
        case .traceparent:
            // W3C: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`.
            let s = Int(value.start)
            if !traceID.isPresent, value.encoding == .raw, value.count >= 55, b[s + 2] == 45, b[s + 35] == 45 {
                traceID = ValueSpan(s + 3, s + 35)
            }
        }
    }
}

/// How a JSON string's end is found (a strategy, so that the scanner can be specialized).
protocol JSONStrings {
    /// For a string whose opening quote is at `i - 1`: the index of its closing quote (or the
    /// line's length when the line ends first) and whether it holds an escape.
    mutating func string(_ b: Bytes, _ i: Int) -> (Int, Bool)
    /// A key was read without this strategy (the key cache): its quotes are at `open` and `close`.
    mutating func skipped(_ open: Int, _ close: Int)
}

struct ByteStrings: JSONStrings {
    @inline(__always) func string(_ b: Bytes, _ i: Int) -> (Int, Bool) { JSONLineScanner.string(b, i) }
    @inline(__always) func skipped(_ open: Int, _ close: Int) {}
}

/// A line without backslashes, from the ascending list of its quotes' indexes: a string that
/// opens at the quote under the cursor closes at the next one. Where each string ends is then
/// known before the bytes in between are looked at, so reading one field does not wait for the
/// end of the one before to be found.
struct IndexedStrings: JSONStrings {
    let quotes: UnsafePointer<UInt16>
    let count: Int
    var cursor = 0

    @inline(__always) mutating func string(_ b: Bytes, _ i: Int) -> (Int, Bool) {
        let k = cursor
        if k &+ 1 < count, Int(quotes[k]) == i &- 1 {
            cursor = k &+ 2
            return (Int(quotes[k &+ 1]), false)
        }
        // Not where expected (a string inside a nested value, or no closing quote).
        let j = first(atOrAfter: i)
        cursor = j &+ 1
        return (j < count ? Int(quotes[j]) : b.count, false)
    }

    @inline(__always) mutating func skipped(_ open: Int, _ close: Int) {
        let k = cursor
        if k &+ 1 < count, Int(quotes[k]) == open, Int(quotes[k &+ 1]) == close {
            cursor = k &+ 2
        } else {
            cursor = first(atOrAfter: close &+ 1)
        }
    }

    func first(atOrAfter i: Int) -> Int {
        var j = 0
        while j < count, Int(quotes[j]) < i { j &+= 1 }
        return j
    }
}

/// JSON lines: one object per line. Only the top level is read into fields; a nested object
/// or array is kept as its JSON text.
enum JSONLineScanner {
    @inline(__always)
    static func skipWS(_ b: Bytes, _ i: Int) -> Int {
        // Compact JSON has none: one comparison decides (a branch, so that the index returned
        // does not wait for the byte to be loaded).
        if _fastPath(i < b.count && b[i] > 32) { return i }
        return skipWSSlow(b, i)
    }

    @inline(never)
    static func skipWSSlow(_ b: Bytes, _ i: Int) -> Int {
        var i = i
        while i < b.count {
            let c = b[i]
            if c > 32 { break }
            if c == 32 || c == 9 || c == 13 || c == 10 { i &+= 1 } else { break }
        }
        return i
    }

    /// `,` `}` `]` space tab CR LF: where a number, `true`, `false` or `null` ends. Branchless.
    @inline(__always) static func isScalarEnd(_ c: UInt8) -> Bool {
        let low: UInt64 = (1 << 44) | (1 << 32) | (1 << 9) | (1 << 13) | (1 << 10)
        let high: UInt64 = (1 << (125 - 64)) | (1 << (93 - 64))
        let w = c < 64 ? low : (c < 128 ? high : 0)
        return (w &>> UInt64(c & 63)) & 1 != 0
    }

    /// Scans a string whose opening quote is at `i - 1`: returns the index of the closing quote
    /// (or `count` when the line ends first) and whether it holds an escape.
    @inline(__always)
    static func string(_ b: Bytes, _ i: Int) -> (Int, Bool) {
        var j = b.find(34, or: 92, from: i, to: b.count)
        var escaped = false
        while j < b.count, b[j] == 92 {
            escaped = true
            j = b.find(34, or: 92, from: j + 2, to: b.count)
        }
        return (min(j, b.count), escaped)
    }

    /// Skips a nested object or array starting at `i` (its opening bracket); returns the index
    /// after its closing bracket, or `count`.
    static func skipNested(_ b: Bytes, _ i: Int, _ strings: inout some JSONStrings) -> Int {
        var depth = 0
        var j = i
        while j < b.count {
            let c = b[j]
            if c == 34 {
                j = strings.string(b, j + 1).0 + 1
                continue
            }
            if c == 123 || c == 91 { depth += 1 } else if c == 125 || c == 93 {
                depth -= 1
                if depth == 0 { return j + 1 }
            }
            j += 1
        }
        return b.count
    }

    /// Reads a line as a JSON object. A line cut short (`truncated`) keeps what was read.
    /// Returns false when the line is no JSON object.
    static func scan(_ b: Bytes, truncated: Bool, into s: inout LineScan, _ context: ReceiveContext,
                     custom: CustomKeys, timeLayout: TimeLayout? = nil) -> Bool {
        if b.count >= 64, b.count < 4096 {
            // The quotes' indexes from vector compares (where the machine has them).
            let indexed: Bool? = withUnsafeTemporaryAllocation(of: UInt16.self, capacity: b.count &+ 64) { out in
                let n = mw_quote_index(b.base, b.count, out.baseAddress!)
                guard n >= 0 else { return nil }
                var strings = IndexedStrings(quotes: UnsafePointer(out.baseAddress!), count: n)
                return scan(b, truncated: truncated, into: &s, context, custom: custom, timeLayout: timeLayout, &strings)
            }
            if let indexed { return indexed }
        }
        var strings = ByteStrings()
        return scan(b, truncated: truncated, into: &s, context, custom: custom, timeLayout: timeLayout, &strings)
    }

    @inline(__always)
    static func scan(_ b: Bytes, truncated: Bool, into s: inout LineScan, _ context: ReceiveContext,
                     custom: CustomKeys, timeLayout: TimeLayout?, _ strings: inout some JSONStrings) -> Bool {
        var i = skipWS(b, 0)
        guard i < b.count, b[i] == 123 else { return false }
        i += 1
        var complete = false
        // Keys are matched against the last line's at the same place (built-in names only).
        let cached = custom.isEmpty
        var place = 0
        loop: while true {
            i = skipWS(b, i)
            guard i < b.count else { break }
            let c = b[i]
            if c == 125 { complete = true; i += 1; break }  // }
            guard c == 34 else { return false }
            let ks = i + 1
            let ke: Int, keyEscaped: Bool
            var known: KeyCache.Slot?
            if cached, let slot = s.keys.match(place, b, i) {
                // `"key":` as on the last line: no escape, the colon right after the quote.
                known = slot
                ke = i &+ slot.length &- 2
                keyEscaped = false
                strings.skipped(i, ke)
                i = skipWS(b, i &+ slot.length)
            } else {
                (ke, keyEscaped) = strings.string(b, ks)
                guard ke < b.count else { break }
                i = skipWS(b, ke + 1)
                guard i < b.count else { break }
                guard b[i] == 58 else { return false }  // :
                if cached, !keyEscaped, i == ke &+ 1 {
                    let (role, rank) = KeyRoles.role(b, ks, ke)
                    known = KeyCache.Slot(role: role, rank: rank)
                    s.keys.remember(place, b, ks &- 1, length: ke &+ 2 &- ks &+ 1, role: role, rank: rank)
                }
                i = skipWS(b, i + 1)
            }
            place &+= 1
            guard i < b.count else { break }
            let v = b[i]
            let value: ValueSpan
            let isString: Bool
            if v == 34 {
                let (ve, escaped) = strings.string(b, i + 1)
                value = ValueSpan(i + 1, ve, escaped ? .json : .raw)
                isString = true
                i = ve + 1
            } else if v == 123 || v == 91 {
                let end = skipNested(b, i, &strings)
                value = ValueSpan(i, end)
                isString = false
                i = end
            } else {
                var j = i
                while j < b.count, !isScalarEnd(b[j]) { j += 1 }
                guard j > i else { return false }
                value = ValueSpan(i, j)
                isString = false
                i = j
            }
            let key = ValueSpan(ks, ke, keyEscaped ? .json : .raw)
            s.fields.append(FieldSpan(key: key, value: value))
            if let known {
                if known.role != .other { s.assign(known.role, rank: known.rank &+ 1, value: value, isString: isString, b, context) }
            } else if !keyEscaped {
                if !custom.isEmpty, let role = custom.role(b, ks, ke) {
                    s.assign(role, rank: 0, value: value, isString: isString, b, context, timeLayout: timeLayout)
                } else {
                    let (role, rank) = KeyRoles.role(b, ks, ke)
                    if role != .other { s.assign(role, rank: rank &+ 1, value: value, isString: isString, b, context) }
                }
            }
            i = skipWS(b, min(i, b.count))
            guard i < b.count else { break }
            let sep = b[i]
            if sep == 44 { i += 1; continue loop }
            if sep == 125 { complete = true; i += 1; break }
            return false
        }
        if complete {
            // Only white space may follow the object.
            return skipWS(b, i) == b.count
        }
        // The line ended inside the object: a JSON line only when the follower cut it.
        return truncated && !s.fields.isEmpty
    }
}

/// logfmt: `time=... level=warn msg="queue full" model=fraud-detector`. Keys are runs of bytes
/// up to `=`; a value is a run up to a space, or a quoted string with backslash escapes. A key
/// without `=` has an empty value.
enum LogfmtLineScanner {
    /// Whether the line starts like logfmt: a key of word bytes, then `=`.
    @inline(__always)
    static func looksLike(_ b: Bytes) -> Bool {
        var i = 0
        while i < b.count, i < 64 {
            let c = b[i]
            if c == 61 { return i > 0 }
            if !(Bytes.isWordByte(c) || c == 64 || c == 47) { return false }  // also @ and /
            i += 1
        }
        return false
    }

    /// The index after the spaces and tabs at `i`. One space (between pairs) is decided by a
    /// branch, so that the next key's index does not wait for the byte to be loaded.
    @inline(__always)
    static func skipSeparators(_ b: Bytes, _ i: Int) -> Int {
        let n = b.count
        if _fastPath(i &+ 1 < n && b[i] == 32 && b[i &+ 1] != 32 && b[i &+ 1] != 9) { return i &+ 1 }
        return skipSeparatorsSlow(b, i)
    }

    @inline(never)
    static func skipSeparatorsSlow(_ b: Bytes, _ i: Int) -> Int {
        var i = i
        while i < b.count, b[i] == 32 || b[i] == 9 { i += 1 }
        return i
    }

    /// Reads `key=value` pairs. With `strict`, at least two pairs with `=` are needed, the first
    /// at the line's start (detection); otherwise any pairs.
    static func scan(_ b: Bytes, from start: Int = 0, strict: Bool, into s: inout LineScan, _ context: ReceiveContext,
                     custom: CustomKeys, timeLayout: TimeLayout? = nil) -> Bool {
        var i = start
        var pairs = 0
        let n = b.count
        // Keys are matched against the last line's at the same place (built-in names only).
        let cached = custom.isEmpty
        var place = 0
        while i < n {
            i = skipSeparators(b, i)
            guard i < n else { break }
            let ks = i
            let ke: Int
            var known: KeyCache.Slot?
            if cached, let slot = s.keys.match(place, b, ks) {
                // `key=` as on the last line.
                known = slot
                ke = ks &+ slot.length &- 1
                i = ke
            } else {
                // A key runs to `=` or a space; `looksLike` checked the first key's bytes, later
                // keys are taken as written.
                i = b.find(61, or: 32, from: i, to: n)
                ke = i
            }
            place &+= 1
            guard i < n, b[i] == 61 else {
                if ke > ks {
                    if strict && pairs == 0 { return false }
                    s.fields.append(FieldSpan(key: ValueSpan(ks, ke), value: ValueSpan(ke, ke)))
                }
                continue
            }
            if ke == ks {
                if strict { return false }
                i += 1
                continue
            }
            if cached, known == nil {
                let (role, rank) = KeyRoles.role(b, ks, ke)
                known = KeyCache.Slot(role: role, rank: rank)
                s.keys.remember(place &- 1, b, ks, length: ke &- ks &+ 1, role: role, rank: rank)
            }
            i += 1
            let value: ValueSpan
            let isString: Bool
            if i < n, b[i] == 34 {
                var j = b.find(34, or: 92, from: i + 1, to: n)
                var escaped = false
                while j < n, b[j] == 92 {
                    escaped = true
                    j = b.find(34, or: 92, from: j + 2, to: n)
                }
                j = min(j, n)
                value = ValueSpan(i + 1, j, escaped ? .quoted : .raw)
                isString = true
                i = min(j + 1, n)
            } else {
                let ve = b.find(32, or: 9, from: i, to: n)
                value = ValueSpan(i, ve)
                isString = true
                i = ve
            }
            pairs += 1
            s.fields.append(FieldSpan(key: ValueSpan(ks, ke), value: value))
            if let known {
                if known.role != .other { s.assign(known.role, rank: known.rank &+ 1, value: value, isString: isString, b, context) }
            } else if !custom.isEmpty, let role = custom.role(b, ks, ke) {
                s.assign(role, rank: 0, value: value, isString: isString, b, context, timeLayout: timeLayout)
            } else {
                let (role, rank) = KeyRoles.role(b, ks, ke)
                if role != .other { s.assign(role, rank: rank &+ 1, value: value, isString: isString, b, context) }
            }
        }
        return strict ? pairs >= 2 : pairs >= 1
    }
}

