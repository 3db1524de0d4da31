/// Reads one line as a given format, or finds the format a line has. Custom formats come first,
/// then the built-in ones from the most specific shape to the least.

struct FormatDetector: Sendable {
    let customs: [CustomLogFormat]
    let customKeys: [CustomKeys]
    /// Keys of the first JSON and the first logfmt custom format, used by the built-in readers
    /// too, so that their names are understood whichever way a line is found.
    let jsonKeys: CustomKeys
    let logfmtKeys: CustomKeys
    let jsonLayout: TimeLayout?
    let logfmtLayout: TimeLayout?

    init(customs: [CustomLogFormat]) {
        self.customs = customs
        self.customKeys = customs.map { CustomKeys($0) }
        let json = customs.first { $0.kind == .json }
        let logfmt = customs.first { $0.kind == .logfmt }
        self.jsonKeys = CustomKeys(json)
        self.logfmtKeys = CustomKeys(logfmt)
        self.jsonLayout = json?.compiled.layout
        self.logfmtLayout = logfmt?.compiled.layout
    }

    /// Reads `b` as `format`; on success `s` holds what was found.
    func scan(_ b: Bytes, as format: FormatID, truncated: Bool, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        s.reset(format)
        let ok: Bool
        switch format.kind {
        case .json:
            ok = JSONLineScanner.scan(b, truncated: truncated, into: &s, context, custom: jsonKeys, timeLayout: jsonLayout)
        case .logfmt:
            ok = LogfmtLineScanner.looksLike(b)
                && LogfmtLineScanner.scan(b, strict: true, into: &s, context, custom: logfmtKeys, timeLayout: logfmtLayout)
        case .rfc5424: ok = PlainScanners.rfc5424(b, context, &s)
        case .syslog: ok = PlainScanners.syslog(b, context, &s)
        case .glog: ok = PlainScanners.glog(b, context, &s)
        case .vllm: ok = PlainScanners.vllm(b, context, &s)
        case .pythonBasic: ok = PlainScanners.pythonBasic(b, &s)
        case .goLog: ok = PlainScanners.goLog(b, context, &s)
        case .timestamped: ok = PlainScanners.timestamped(b, context, &s)
        case .epoch: ok = PlainScanners.epoch(b, context, &s)
        case .plain: PlainScanners.plain(b, &s); ok = true
        case .custom:
            let k = Int(format.custom)
            guard customs.indices.contains(k) else { return false }
            ok = scanCustom(b, k, truncated: truncated, context, &s)
        }
        if ok { finishScan(b, &s) }
        return ok
    }

    /// The first format that reads `b`, custom formats first; `.plain` when none does.
    func detect(_ b: Bytes, truncated: Bool, _ context: ReceiveContext, _ s: inout LineScan) -> FormatID {
        for k in customs.indices {
            s.reset(FormatID(.custom, custom: k))
            if scanCustom(b, k, truncated: truncated, context, &s) {
                finishScan(b, &s)
                return s.format
            }
        }
        var first: UInt8 = 0
        var i = 0
        while i < b.count, b[i] == 32 || b[i] == 9 { i += 1 }
        if i < b.count { first = b[i] }
        if i == 0 || first == 123 {
            @inline(__always) func attempt(_ f: FormatID) -> Bool { scan(b, as: f, truncated: truncated, context, &s) }
            switch first {
            case 123:  // {
                if attempt(.json) { return .json }
            case 60:  // <
                if attempt(.rfc5424) { return .rfc5424 }
                if attempt(.syslog) { return .syslog }
            case 91:  // [
                if attempt(.timestamped) { return .timestamped }
            case 40:  // (
                if attempt(.vllm) { return .vllm }
            case 48...57:
                if attempt(.timestamped) { return .timestamped }
                if attempt(.goLog) { return .goLog }
                if attempt(.epoch) { return .epoch }
                if attempt(.logfmt) { return .logfmt }
            case 65...90:
                if attempt(.glog) { return .glog }
                if attempt(.vllm) { return .vllm }
                if attempt(.syslog) { return .syslog }
                if attempt(.pythonBasic) { return .pythonBasic }
                if attempt(.logfmt) { return .logfmt }
            case 97...122, 64, 95:
                if attempt(.logfmt) { return .logfmt }
            default:
                break
            }
        }
        _ = scan(b, as: .plain, truncated: truncated, context, &s)
        return .plain
    }

    /// After a successful read, over the bytes the spans point into.
    @inline(__always)
    func finishScan(_ b: Bytes, _ s: inout LineScan) {
        if let text = s.replacementText {
            text.withUnsafeBufferPointer { finish(Bytes($0), &s) }
        } else {
            finish(b, &s)
        }
    }

    /// After a successful read: the model, version and request id that free text names.
    @inline(__always)
    func finish(_ b: Bytes, _ s: inout LineScan) {
        if !s.model.isPresent || !s.requestID.isPresent {
            MessageHints.apply(b, s.message, glog: s.tritonStyle, &s)
        }
        // A bare `version` names a model's version only beside a model (else it is the program's).
        if s.version.isPresent, s.versionRank >= 2, !s.model.isPresent { s.version = .none }
        // A JSON line without a level whose message starts like a plain line (Docker's
        // json-file `log`, a logger's preformatted message): the level of that line.
        if s.level == .unknown, s.message.isPresent, s.format == .json || s.format == .logfmt {
            let sub = Bytes(b.base + Int(s.message.start), s.message.count)
            var inner = LineScan(reserve: false)
            for format in [FormatID.Kind.glog, .vllm, .timestamped, .pythonBasic] {
                inner.reset(FormatID(format))
                if scanInner(sub, format, &inner) {
                    s.level = inner.level
                    if !s.hasTime, inner.hasTime { s.setTime(inner.time, inner.timeAssumptions) }
                    return
                }
            }
        }
    }

    private func scanInner(_ b: Bytes, _ format: FormatID.Kind, _ s: inout LineScan) -> Bool {
        let context = ReceiveContext.zero
        switch format {
        case .glog: return PlainScanners.glog(b, context, &s)
        case .vllm: return PlainScanners.vllm(b, context, &s)
        case .timestamped: return PlainScanners.timestamped(b, context, &s) && s.level != .unknown
        case .pythonBasic: return PlainScanners.pythonBasic(b, &s)
        default: return false
        }
    }

    func scanCustom(_ b: Bytes, _ k: Int, truncated: Bool, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        let f = customs[k]
        switch f.kind {
        case .json:
            return JSONLineScanner.scan(b, truncated: truncated, into: &s, context, custom: customKeys[k], timeLayout: f.compiled.layout)
        case .logfmt:
            return LogfmtLineScanner.looksLike(b)
                && LogfmtLineScanner.scan(b, strict: true, into: &s, context, custom: customKeys[k], timeLayout: f.compiled.layout)
        case .regex:
            return scanRegex(b, f, context, &s)
        }
    }

    /// A regular-expression format: the line is matched as a `String` (invalid UTF-8 repaired,
    /// so the spans then point into the repaired text, kept in `replacementText`).
    func scanRegex(_ b: Bytes, _ f: CustomLogFormat, _ context: ReceiveContext, _ s: inout LineScan) -> Bool {
        guard let regex = f.compiled.regex else { return false }
        let raw = UnsafeBufferPointer(start: b.base, count: b.count)
        let line = String(decoding: raw, as: UTF8.self)
        guard let match = try? regex.firstMatch(in: line) else { return false }
        var repaired: [UInt8]?
        if line.utf8.count != b.count || !line.utf8.elementsEqual(raw) { repaired = Array(line.utf8) }
        func offset(_ i: String.Index) -> Int { line.utf8.distance(from: line.startIndex, to: i) }
        var spans: [(String, ValueSpan)] = []
        for element in match.output {
            guard let name = element.name, let range = element.range else { continue }
            spans.append((name, ValueSpan(offset(range.lowerBound), offset(range.upperBound))))
        }
        func work(_ bytes: Bytes) {
            for (name, span) in spans {
                if let role = CustomLogFormat.role(ofGroup: name) {
                    switch role {
                    case .time:
                        if let layout = f.compiled.layout, let r = layout.parse(bytes, Int(span.start), Int(span.end), context) {
                            s.setTime(r.ms, r.assumptions)
                        } else if f.compiled.layout == nil, let r = TimeParsing.any(bytes, Int(span.start), Int(span.end), context, &s.dateCache) {
                            s.setTime(r.ms, r.assumptions)
                        }
                    case .level:
                        s.level = LevelParsing.word(bytes, Int(span.start), Int(span.end), letters: true) ?? s.level
                    default:
                        s.assign(role, rank: 0, value: span, isString: true, bytes, context)
                    }
                } else if let index = f.compiled.extraGroupNames.firstIndex(of: name) {
                    s.fields.append(FieldSpan(custom: index, value: span))
                }
            }
            if !s.message.isPresent { s.message = ValueSpan(0, bytes.count) }
        }
        if let repaired {
            repaired.withUnsafeBufferPointer { work(Bytes($0)) }
            s.replacementText = repaired
        } else {
            work(b)
        }
        return true
    }
}

extension FieldSpan {
    /// A field named by a custom format's extra group `index`.
    init(custom index: Int, value: ValueSpan) {
        self.key = ValueSpan(index, index)
        self.implied = .custom
        self.value = value
    }
}
