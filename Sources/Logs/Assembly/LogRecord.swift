import Telemetry

/// A finished record as the assembler hands it over, before any string is made: level and
/// stated time are already decoded, fields are positions in the record's bytes. Valid only
/// inside the `emit` call that receives it; `entry(source:)` makes a `LogEntry` to keep.
public struct LogRecord {
    let bytes: Bytes
    let owner: UnsafePointer<LogAssembler>
    /// The pending record's scan, inside the assembler.
    let scanPointer: UnsafePointer<LineScan>

    var scan: LineScan {
        unsafeAddress { scanPointer }
    }

    var firstLineLength: Int { owner.pointee.pendingFirstLineLength }
    var customNames: [String] {
        let f = scanPointer.pointee.format
        guard f.kind == .custom, owner.pointee.customGroupNames.indices.contains(Int(f.custom)) else { return [] }
        return owner.pointee.customGroupNames[Int(f.custom)]
    }

    /// When the first line was read.
    public var receivedAt: Timestamp { Timestamp(milliseconds: owner.pointee.pendingReceivedAt) }
    /// Lines folded into the record.
    public var lineCount: Int { owner.pointee.pendingLines }
    /// A line of the record was cut by the follower.
    public var truncated: Bool { owner.pointee.pendingTruncated }
    /// A Python traceback or Java stack trace was folded into the record.
    public var hasStackTrace: Bool { owner.pointee.pendingStack }

    public var format: LogFormat { scanPointer.pointee.format.logFormat(customs: owner.pointee.detector.customs) }

    /// The level the record states; a record without one that carries a stack trace is an error.
    public var level: LogLevel {
        let level = scanPointer.pointee.level
        return level == .unknown && hasStackTrace ? .error : level
    }

    public var statedTime: Timestamp? {
        scanPointer.pointee.hasTime ? Timestamp(milliseconds: scanPointer.pointee.time) : nil
    }
    public var statedTimeAssumptions: LogTimeAssumptions { scan.timeAssumptions }

    /// Fields found in the record, keys included, without making strings.
    public var fieldCount: Int { scanPointer.pointee.fields.count }

    /// The record's bytes (lines joined with `\n`), as read.
    public var rawBytes: UnsafeBufferPointer<UInt8> { bytes.slice(0, bytes.count) }

    /// The model's bytes as written (escapes not undone), if the record names a model.
    public var rawModel: UnsafeBufferPointer<UInt8>? {
        let span = scanPointer.pointee.model
        return span.isPresent ? Decoding.bytes(bytes, span) : nil
    }
    /// The version's bytes as written, if the record names one.
    public var rawVersion: UnsafeBufferPointer<UInt8>? { scan.version.isPresent ? Decoding.bytes(bytes, scan.version) : nil }
    /// The request id's bytes as written, if any.
    public var rawRequestID: UnsafeBufferPointer<UInt8>? { scan.requestID.isPresent ? Decoding.bytes(bytes, scan.requestID) : nil }
    /// The message's bytes as written (first line only), if the format has a message.
    public var rawMessage: UnsafeBufferPointer<UInt8>? { scan.message.isPresent ? Decoding.bytes(bytes, scan.message) : nil }

    public var model: String? { scan.model.isPresent ? Decoding.string(bytes, scan.model) : nil }
    public var version: String? { scan.version.isPresent ? Decoding.string(bytes, scan.version) : nil }
    public var requestID: String? { scan.requestID.isPresent ? Decoding.string(bytes, scan.requestID) : nil }
    public var traceID: String? { scan.traceID.isPresent ? Decoding.string(bytes, scan.traceID) : nil }

    /// The message, continuation lines included.
    public var message: String {
        var head = scan.message.isPresent ? Decoding.string(bytes, scan.message)
            : String(decoding: bytes.slice(0, firstLineLength), as: UTF8.self)
        // A message field's own final line break (Docker's `log`, `print` output) is no content.
        let kind = scan.format.kind
        if kind == .json || kind == .logfmt, head.hasSuffix("\n") {
            head.removeLast()
            if head.hasSuffix("\r") { head.removeLast() }
        }
        guard lineCount > 1, firstLineLength < bytes.count else { return head }
        return head + String(decoding: bytes.slice(firstLineLength, bytes.count), as: UTF8.self)
    }

    public var text: String { String(decoding: bytes.slice(0, bytes.count), as: UTF8.self) }

    /// The fields as text: written keys, and the implied ones of plain formats.
    public var fields: [String: String] {
        var result: [String: String] = [:]
        result.reserveCapacity(scan.fields.count)
        let list = scanPointer.pointee.fields
        for k in 0..<list.count {
            let f = list[k]
            let key: String
            switch f.implied {
            case .none: key = Decoding.string(bytes, f.key)
            case .custom:
                let k = Int(f.key.start)
                key = customNames.indices.contains(k) ? customNames[k] : "group\(k)"
            default: key = f.implied.name
            }
            if result[key] == nil { result[key] = Decoding.string(bytes, f.value) }
        }
        return result
    }

    /// A `LogEntry` to keep.
    public func entry(source: String) -> LogEntry {
        LogEntry(source: source, time: receivedAt, level: level, message: message, fields: fields, model: model,
                 statedTime: statedTime, statedTimeAssumptions: statedTimeAssumptions,
                 version: version, requestID: requestID, traceID: traceID, format: format,
                 truncated: truncated, lineCount: lineCount, text: text)
    }
}
