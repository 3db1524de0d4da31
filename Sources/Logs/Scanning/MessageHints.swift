/// The model, version and request id that free text names, read from the first 4 KiB of a
/// message when no field gave them:
///
/// - `model 'x'`, `model "x"`, `model: x`, `model=x` (and `model_name=`, `request_id=`,
///   `trace_id=`... as in logfmt);
/// - `'x' version 4` gives the version too;
/// - HTTP paths: KServe/Triton `/v1/models/x:predict`, `/v2/models/x/versions/2/infer`,
///   TorchServe `/predictions/x/1.0`;
/// - Triton (glog): the first quoted name (`loaded 'x'`), `loading: x:3`,
///   `ModelInstanceInitialize: x_0_1`; instance names `x_0_1` name model `x`.
enum MessageHints {
    static let window = 4096

    /// With `fillOnly`, `key=value` pairs set only what is still missing (continuation lines
    /// of a record whose first line named some of it).
    static func apply(_ b: Bytes, _ span: ValueSpan, glog: Bool, fillOnly: Bool = false, _ s: inout LineScan) {
        guard span.isPresent else { return }
        let start = Int(span.start)
        let end = min(Int(span.end), start + window)
        let enc = span.encoding
        // `key=value` pairs of the names that matter.
        var i = b.findNear(61, from: start, to: end)
        var place = KeyCache.messagePlaces
        while i < end {
            i = equals(b, i, start, end, enc, fillOnly: fillOnly, place: place, &s)
            place &+= 1
            i = b.findNear(61, from: i, to: end)
        }
        // Quoted names: `model 'x'`, `'x' version 4`, and in glog the first quoted name.
        i = start
        while !s.model.isPresent, i < end {
            i = b.find(39, or: 34, from: i, to: end)
            guard i < end else { break }
            i = quoted(b, i, start, end, glog: glog, enc, &s)
        }
        // HTTP paths.
        i = start
        while !s.model.isPresent, i < end {
            i = b.findNear(47, from: i, to: end)
            guard i < end else { break }
            i = path(b, i, end, enc, &s)
        }
        // `model: x`, `request id: x`, and Triton's `loading: x:3`, `ModelInstanceInitialize: x_0_1`.
        i = start
        while !s.model.isPresent || !s.requestID.isPresent, i < end {
            i = b.findNear(58, from: i, to: end)
            guard i < end else { break }
            i = colon(b, i, start, end, glog: glog, enc, &s)
        }
        // `model churn-predictor ...`: the word, then a name with a digit, `-` or `_` in it.
        i = start
        while !s.model.isPresent, i + 6 < end {
            guard let at = b.firstIndex(of: "odel ", from: i + 1, to: end) else { break }
            i = at + 5
            guard at >= 1, b[at - 1] | 0x20 == 109, at == start + 1 || !Bytes.isLetter(b[at - 2]) else { continue }
            var e = i
            var marked = false
            while e < end, Bytes.isWordByte(b[e]) {
                if b[e] == 45 || b[e] == 95 || Bytes.isDigit(b[e]) { marked = true }
                e += 1
            }
            while e > i, b[e - 1] == 46 || b[e - 1] == 45 { e -= 1 }
            if marked, e > i, Bytes.isLetter(b[i]) {
                s.model = ValueSpan(i, e, enc)
                s.modelRank = 9
                versionAfter(b, e, end, enc, &s)
            }
        }
    }

    /// `key=value` at the `=` at `i`; returns where to look on.
    static func equals(_ b: Bytes, _ i: Int, _ start: Int, _ end: Int, _ enc: ValueEncoding, fillOnly: Bool,
                       place: Int, _ s: inout LineScan) -> Int {
        // The key: the word bytes before the `=`. As the last message's key at this place
        // (the same bytes, not preceded by a word byte), or found and looked up.
        let role: KeyRole, rank: UInt8
        let cachedLength = s.keys.length(place) &- 1
        if cachedLength > 0, i &- cachedLength >= start, let slot = s.keys.match(place, b, i &- cachedLength),
           i &- cachedLength == start || !Bytes.isWordByte(b[i &- cachedLength &- 1]) {
            role = slot.role
            rank = slot.rank
        } else {
            var ks = i
            while ks > start, Bytes.isWordByte(b[ks - 1]) { ks -= 1 }
            guard ks < i else { return i + 1 }
            (role, rank) = KeyRoles.role(b, ks, i)
            s.keys.remember(place, b, ks, length: i &- ks &+ 1, role: role, rank: rank)
        }
        switch role {
        case .model, .version, .requestID, .traceID, .traceparent:
            var vs = i + 1
            var ve: Int
            // `['x']` (a Python list of one name, as vLLM prints `served_model_name`).
            if vs + 1 < end, b[vs] == 91, b[vs + 1] == 39 || b[vs + 1] == 34 { vs += 1 }
            if vs < end, b[vs] == 39 || b[vs] == 34 {
                let q = b[vs]
                vs += 1
                ve = b.find(q, from: vs, to: end)
            } else {
                // To a space or a comma (eight bytes at a time), less a closing `;`, `)` or `]`.
                ve = b.find(32, or: 44, from: vs, to: end)
                while ve > vs, b[ve - 1] == 59 || b[ve - 1] == 41 || b[ve - 1] == 93 { ve -= 1 }
            }
            let present: Bool
            switch role {
            case .model: present = s.model.isPresent
            case .version: present = s.version.isPresent
            case .requestID: present = s.requestID.isPresent
            default: present = s.traceID.isPresent
            }
            if ve > vs, !(fillOnly && present), !isPlaceholder(b, vs, ve) {
                s.assign(role, rank: rank &+ 1, value: ValueSpan(vs, ve, enc), isString: true, b, ReceiveContext.zero)
            }
            return ve
        default:
            return i + 1
        }
    }

    /// `N.A.`, `-`, `none`, `null`: a value that says there is none.
    static func isPlaceholder(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
        b.equalsIgnoringCase(s, e, "N.A.") || b.equalsIgnoringCase(s, e, "N.A") || b.equalsIgnoringCase(s, e, "-") || b.equalsIgnoringCase(s, e, "none")
            || b.equalsIgnoringCase(s, e, "null") || b.equalsIgnoringCase(s, e, "n/a")
    }

    /// A quote at `i`; returns where to look on.
    static func quoted(_ b: Bytes, _ i: Int, _ start: Int, _ end: Int, glog: Bool, _ enc: ValueEncoding,
                       _ s: inout LineScan) -> Int {
        let c = b[i]
        let close = b.find(c, or: 32, from: i + 1, to: min(end, i + 131))
        guard close < end, b[close] == c, close > i + 1 else { return i + 1 }
        if (glog && c == 39 && looksLikeName(b, i + 1, close)) || wordBefore(b, i, start, "model") {
            var e = close
            if glog { e = instanceStripped(b, i + 1, close) }
            s.model = ValueSpan(i + 1, e, enc)
            versionAfter(b, close + 1, end, enc, &s)
            return close + 1
        }
        if b.has(" version ", at: close + 1) {
            s.model = ValueSpan(i + 1, close, enc)
            versionAfter(b, close + 1, end, enc, &s)
            return close + 1
        }
        return close + 1
    }

    /// A model-like name: word bytes only, not a hexadecimal address or a number.
    static func looksLikeName(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
        guard e - s <= 128, !b.has("0x", at: s) else { return false }
        var letters = false
        for k in s..<e {
            let c = b[k]
            guard Bytes.isWordByte(c) else { return false }
            if Bytes.isLetter(c) { letters = true }
        }
        return letters
    }

    /// A `/` at `i`: `/models/x...`, `/predictions/x/v`; returns where to look on.
    static func path(_ b: Bytes, _ i: Int, _ end: Int, _ enc: ValueEncoding, _ s: inout LineScan) -> Int {
        if b.has("/models/", at: i) {
            let ms = i + 8
            let me = segmentEnd(b, ms, end)
            if me > ms {
                s.model = ValueSpan(ms, me, enc)
                if b.has("/versions/", at: me) {
                    let ve = segmentEnd(b, me + 10, end)
                    if ve > me + 10, !s.version.isPresent { s.version = ValueSpan(me + 10, ve, enc) }
                }
                return me
            }
        } else if b.has("/predictions/", at: i) {
            let ms = i + 13
            let me = segmentEnd(b, ms, end)
            if me > ms {
                s.model = ValueSpan(ms, me, enc)
                if me < end, b[me] == 47 {
                    let ve = segmentEnd(b, me + 1, end)
                    if ve > me + 1, !s.version.isPresent { s.version = ValueSpan(me + 1, ve, enc) }
                }
                return me
            }
        }
        return i + 1
    }

    /// A `:` at `i`: `model: x`, and in glog `loading: x:3`, `ModelInstanceInitialize: x_0_1`.
    static func colon(_ b: Bytes, _ i: Int, _ start: Int, _ end: Int, glog: Bool, _ enc: ValueEncoding,
                      _ s: inout LineScan) -> Int {
        if !s.requestID.isPresent,
           wordBefore(b, i, start, "requestId") || wordBefore(b, i, start, "request_id")
            || wordBefore(b, i, start, "request id") || wordBefore(b, i, start, "trace_id") {
            let vs = b.skipSpaces(i + 1)
            var ve = vs
            while ve < end, !Bytes.isValueEnd(b[ve]) { ve += 1 }
            while ve > vs, b[ve - 1] == 46 { ve -= 1 }
            if ve > vs, !isPlaceholder(b, vs, ve) {
                if b[i - 1] == 100 && b[i - 2] == 105 && b[i - 3] == 95 && b[i - 4] == 101 {  // trace_id
                    if !s.traceID.isPresent { s.traceID = ValueSpan(vs, ve, enc) }
                } else {
                    s.requestID = ValueSpan(vs, ve, enc)
                }
            }
            return max(ve, i + 1)
        }
        if s.model.isPresent { return i + 1 }
        if wordBefore(b, i, start, "model") {
            let vs = b.skipSpaces(i + 1)
            var ve = vs
            while ve < end, Bytes.isWordByte(b[ve]) || b[ve] == 47 { ve += 1 }
            while ve > vs, b[ve - 1] == 46 { ve -= 1 }  // a sentence's full stop
            if ve > vs {
                s.model = ValueSpan(vs, ve, enc)
                return ve
            }
        }
        if glog, i + 1 < end, b[i + 1] == 32,
           wordBefore(b, i, start, "loading") || wordBefore(b, i, start, "ModelInstanceInitialize") {
            let vs = i + 2
            var ve = vs
            while ve < end, Bytes.isWordByte(b[ve]) { ve += 1 }
            if ve > vs {
                s.model = ValueSpan(vs, instanceStripped(b, vs, ve), enc)
                if ve < end, b[ve] == 58 {
                    var ne = ve + 1
                    while ne < end, Bytes.isDigit(b[ne]) { ne += 1 }
                    if ne > ve + 1, !s.version.isPresent { s.version = ValueSpan(ve + 1, ne, enc) }
                }
                return ve
            }
        }
        return i + 1
    }

    /// Whether `word` (any case) ends right before `i`, after at most one space, as a whole word.
    /// `unloading` counts as `loading`'s.
    static func wordBefore(_ b: Bytes, _ i: Int, _ floor: Int, _ word: StaticString) -> Bool {
        var e = i
        if e > floor, b[e - 1] == 32 { e -= 1 }
        let n = word.utf8CodeUnitCount
        let s = e - n
        guard s >= floor, b.equalsIgnoringCase(s, e, word) else { return false }
        return s == floor || !Bytes.isLetter(b[s - 1]) || b.has("un", at: s - 2)
    }

    /// A `version N` (or `version v2`) after a model name.
    static func versionAfter(_ b: Bytes, _ i: Int, _ end: Int, _ enc: ValueEncoding, _ s: inout LineScan) {
        guard !s.version.isPresent, b.has(" version ", at: i) else { return }
        let vs = i + 9
        var ve = vs
        while ve < end, Bytes.isWordByte(b[ve]) { ve += 1 }
        while ve > vs, b[ve - 1] == 46 { ve -= 1 }
        if ve > vs { s.version = ValueSpan(vs, ve, enc) }
    }

    /// The end of a path segment: before `/`, `:`, `?`, a quote, a space.
    static func segmentEnd(_ b: Bytes, _ i: Int, _ end: Int) -> Int {
        var j = i
        while j < end {
            let c = b[j]
            if c == 47 || c == 58 || c == 63 || c == 34 || c == 39 || c == 32 || c == 9 { break }
            j += 1
        }
        return j
    }

    /// Triton names model instances `MODEL_GROUP_INDEX` (`fraud-detector_0_1`): the model is
    /// what precedes the two trailing numbers.
    static func instanceStripped(_ b: Bytes, _ s: Int, _ e: Int) -> Int {
        var j = e
        for _ in 0..<2 {
            let digitsEnd = j
            while j > s, Bytes.isDigit(b[j - 1]) { j -= 1 }
            guard j < digitsEnd, j > s + 1, b[j - 1] == 95 else { return e }
            j -= 1
        }
        return j
    }
}

extension ReceiveContext {
    static let zero = ReceiveContext(receivedAt: 0)
}
