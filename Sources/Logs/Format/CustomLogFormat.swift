/// A log format the configuration describes, tried before the built-in ones on the files it is
/// given to. Either a regular expression with named groups, or the field names of a JSON or
/// logfmt format whose names the built-in lists do not know.
///
/// Regular expression groups: `time`, `level`, `message` (or `msg`), `model`, `version`,
/// `request_id`, `trace_id`; any other named group becomes a field of that name. The pattern
/// is searched for anywhere in the line (anchor it with `^` to match from the start); a line
/// it does not match is read by the built-in formats, or continues the record before it.
///
/// Field names (JSON, logfmt): each list is tried in order before the built-in names
/// (`time`/`ts`/`timestamp`..., `level`/`severity`..., `msg`/`message`...).
///
/// `timeLayout` is a strftime subset (`%Y %y %m %d %e %H %M %S %f %L %z %Z %b %B %a %A %s %T %F %%`);
/// without it the time is read as any of the built-in shapes (RFC 3339, Python's asctime,
/// syslog, epoch seconds or milliseconds).
public struct CustomLogFormat: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A regular expression (Swift `Regex` syntax) with named groups.
        case regex(String)
        case json
        case logfmt
    }

    public var name: String
    public var kind: Kind
    public var timeFields: [String]
    public var levelFields: [String]
    public var messageFields: [String]
    public var modelFields: [String]
    public var versionFields: [String]
    public var requestIDFields: [String]
    public var traceIDFields: [String]
    public var timeLayout: String?

    let compiled: Compiled

    /// A regular-expression format. Throws when the pattern or the time layout is invalid.
    public init(name: String, regex pattern: String, timeLayout: String? = nil) throws(CustomLogFormatError) {
        try self.init(name: name, kind: .regex(pattern), timeLayout: timeLayout)
    }

    /// A format of any kind; for JSON lines and logfmt, with its own field names. Throws when a
    /// pattern or the time layout is invalid.
    public init(name: String, kind: Kind, timeFields: [String] = [], levelFields: [String] = [],
                messageFields: [String] = [], modelFields: [String] = [], versionFields: [String] = [],
                requestIDFields: [String] = [], traceIDFields: [String] = [],
                timeLayout: String? = nil) throws(CustomLogFormatError) {
        self.name = name
        self.kind = kind
        self.timeFields = timeFields; self.levelFields = levelFields; self.messageFields = messageFields
        self.modelFields = modelFields; self.versionFields = versionFields
        self.requestIDFields = requestIDFields; self.traceIDFields = traceIDFields
        self.timeLayout = timeLayout
        var pattern: String?
        if case .regex(let p) = kind { pattern = p }
        self.compiled = try Compiled(pattern: pattern, timeLayout: timeLayout, name: name)
    }

    public static func == (a: CustomLogFormat, b: CustomLogFormat) -> Bool {
        a.name == b.name && a.kind == b.kind && a.timeFields == b.timeFields && a.levelFields == b.levelFields
            && a.messageFields == b.messageFields && a.modelFields == b.modelFields && a.versionFields == b.versionFields
            && a.requestIDFields == b.requestIDFields && a.traceIDFields == b.traceIDFields && a.timeLayout == b.timeLayout
    }

    public func hash(into h: inout Hasher) {
        h.combine(name); h.combine(kind); h.combine(timeLayout)
    }

    /// The compiled pattern and layout, shared by copies.
    final class Compiled: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>?
        let layout: TimeLayout?
        /// Named groups that are no role: their names, as field keys.
        let extraGroupNames: [String]

        init(pattern: String?, timeLayout: String?, name: String) throws(CustomLogFormatError) {
            if let pattern {
                do {
                    let r = try Regex(pattern)
                    self.regex = r
                } catch {
                    throw CustomLogFormatError(format: name, message: "invalid regular expression: \(error)")
                }
            } else {
                self.regex = nil
            }
            if let timeLayout {
                do throws(CustomLogFormatError) { self.layout = try TimeLayout(timeLayout) } catch {
                    throw CustomLogFormatError(format: name, message: error.message)
                }
            } else {
                self.layout = nil
            }
            var extras: [String] = []
            if let pattern {
                // Group names in order of appearance: `(?<name>` and `(?P<name>`.
                var rest = Substring(pattern)
                while let r = rest.firstRange(of: "(?") {
                    rest = rest[r.upperBound...]
                    if rest.hasPrefix("P<") { rest = rest.dropFirst() }
                    guard rest.hasPrefix("<"), !rest.hasPrefix("<="), !rest.hasPrefix("<!") else { continue }
                    guard let close = rest.firstIndex(of: ">") else { break }
                    let groupName = String(rest[rest.index(after: rest.startIndex)..<close])
                    if CustomLogFormat.role(ofGroup: groupName) == nil, !extras.contains(groupName) { extras.append(groupName) }
                    rest = rest[close...]
                }
            }
            self.extraGroupNames = extras
        }
    }

    static func role(ofGroup name: String) -> KeyRole? {
        switch name {
        case "time", "timestamp", "ts": return .time
        case "level", "severity": return .level
        case "message", "msg": return .message
        case "model": return .model
        case "version": return .version
        case "request_id", "requestId": return .requestID
        case "trace_id", "traceId": return .traceID
        default: return nil
        }
    }
}

public struct CustomLogFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    public var format: String
    public var message: String
    public init(format: String, message: String) { self.format = format; self.message = message }
    public var description: String { "log format '\(format)': \(message)" }
}

/// A strftime-style time layout, read from bytes.
struct TimeLayout: Hashable, Sendable {
    enum Piece: Hashable, Sendable {
        case literal(UInt8)
        case year4, year2, month2, monthName, day2, daySpace, hour2, minute2, second2, fraction, millis3
        case zone, zoneName, weekdayName, epochSeconds
    }

    let pieces: [Piece]
    let hasYear: Bool
    let hasZone: Bool

    init(_ layout: String) throws(CustomLogFormatError) {
        var pieces: [Piece] = []
        var it = Array(layout.utf8).makeIterator()
        while let c = it.next() {
            guard c == 37 else { pieces.append(.literal(c)); continue }  // %
            guard let d = it.next() else { throw CustomLogFormatError(format: "", message: "time layout ends with '%'") }
            switch d {
            case UInt8(ascii: "Y"): pieces.append(.year4)
            case UInt8(ascii: "y"): pieces.append(.year2)
            case UInt8(ascii: "m"): pieces.append(.month2)
            case UInt8(ascii: "b"), UInt8(ascii: "h"), UInt8(ascii: "B"): pieces.append(.monthName)
            case UInt8(ascii: "d"): pieces.append(.day2)
            case UInt8(ascii: "e"): pieces.append(.daySpace)
            case UInt8(ascii: "H"): pieces.append(.hour2)
            case UInt8(ascii: "M"): pieces.append(.minute2)
            case UInt8(ascii: "S"): pieces.append(.second2)
            case UInt8(ascii: "f"): pieces.append(.fraction)
            case UInt8(ascii: "L"): pieces.append(.millis3)
            case UInt8(ascii: "z"): pieces.append(.zone)
            case UInt8(ascii: "Z"): pieces.append(.zoneName)
            case UInt8(ascii: "a"), UInt8(ascii: "A"): pieces.append(.weekdayName)
            case UInt8(ascii: "s"): pieces.append(.epochSeconds)
            case UInt8(ascii: "T"): pieces += [.hour2, .literal(58), .minute2, .literal(58), .second2]
            case UInt8(ascii: "F"): pieces += [.year4, .literal(45), .month2, .literal(45), .day2]
            case 37: pieces.append(.literal(37))
            default:
                throw CustomLogFormatError(format: "", message: "time layout: %\(Character(Unicode.Scalar(d))) is not supported")
            }
        }
        self.pieces = pieces
        self.hasYear = pieces.contains(.year4) || pieces.contains(.year2) || pieces.contains(.epochSeconds)
        self.hasZone = pieces.contains(.zone) || pieces.contains(.zoneName) || pieces.contains(.epochSeconds)
    }

    func parse(_ b: Bytes, _ s: Int, _ e: Int, _ context: ReceiveContext) -> TimeParsing.Result? {
        var i = s
        var year = context.year, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0
        var offset = 0
        var epoch: Int64?
        for piece in pieces {
            switch piece {
            case .literal(let c):
                guard i < e, b[i] == c else { return nil }
                i += 1
            case .year4:
                guard i + 4 <= e, let v = b.four(i) else { return nil }
                year = v; i += 4
            case .year2:
                guard i + 2 <= e, let v = b.two(i) else { return nil }
                year = 2000 + v; i += 2
            case .month2:
                guard i + 2 <= e, let v = b.two(i) else { return nil }
                month = v; i += 2
            case .monthName:
                guard let m = TimeParsing.month(b, i) else { return nil }
                month = m; i += 3
                while i < e, Bytes.isLetter(b[i]) { i += 1 }
            case .day2:
                guard i + 2 <= e, let v = b.two(i) else { return nil }
                day = v; i += 2
            case .daySpace:
                guard i + 2 <= e else { return nil }
                if b[i] == 32, let v = b.digit(i + 1) { day = v } else if let v = b.two(i) { day = v } else { return nil }
                i += 2
            case .hour2:
                guard i + 2 <= e, let v = b.two(i) else { return nil }
                hour = v; i += 2
            case .minute2:
                guard i + 2 <= e, let v = b.two(i) else { return nil }
                minute = v; i += 2
            case .second2:
                guard i + 2 <= e, let v = b.two(i) else { return nil }
                second = v; i += 2
            case .fraction:
                var digits = 0
                var v = 0
                while i < e, Bytes.isDigit(b[i]) {
                    if digits < 3 { v = v * 10 + Int(b[i] - 48) }
                    digits += 1; i += 1
                }
                guard digits > 0 else { return nil }
                if digits == 1 { v *= 100 } else if digits == 2 { v *= 10 }
                millis = v
            case .millis3:
                guard i + 3 <= e, let d = b.digit(i + 2), let v = b.two(i) else { return nil }
                millis = v * 10 + d; i += 3
            case .zone:
                guard let (o, end) = TimeParsing.zone(b, i), end <= e else { return nil }
                offset = o; i = end
            case .zoneName:
                if b.has("UTC", at: i) || b.has("GMT", at: i) { i += 3 } else if i < e, b[i] == 90 { i += 1 } else { return nil }
            case .weekdayName:
                let start = i
                while i < e, Bytes.isLetter(b[i]) { i += 1 }
                guard i > start else { return nil }
            case .epochSeconds:
                guard let r = TimeParsing.epoch(b, i, e) else { return nil }
                epoch = r.ms; i = r.end
            }
        }
        if let epoch { return TimeParsing.Result(ms: epoch, end: i, assumptions: []) }
        guard TimeParsing.validDate(month, day), TimeParsing.validTime(hour, minute, second) else { return nil }
        var assumptions: LogTimeAssumptions = []
        var ms: Int64
        if hasYear {
            ms = TimeParsing.instant(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
        } else {
            ms = TimeParsing.withoutYear(month: month, day: day, hour: hour, minute: minute, second: second, millis: millis, context: context)
            assumptions.insert(.yearFromReceipt)
        }
        if hasZone { ms -= Int64(offset) * 60_000 } else { assumptions.insert(.zoneAssumedUTC) }
        return TimeParsing.Result(ms: ms, end: i, assumptions: assumptions)
    }
}
