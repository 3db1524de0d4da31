import Telemetry

/// A finished record as the assembler hands it over, before any string is made: level and
/// stated time are already decoded, fields are positions in the record's bytes. Valid only
/// inside the `emit` call that receives it; `entry(source:)` makes a `LogEntry` to keep.
public struct LogRecord {
    let bytes: Bytes
    let owner: UnsafePointer<LogAssembler>
    /// The pending record's scan, inside the assembler.
    let scanPointer: UnsafePointer<LineScan>
    /// What a consumer that counts or filters reads, copied out so that reading it is inlined
    /// into the consumer (no call per property).
    @usableFromInline let summary: Summary

    @usableFromInline
    struct Summary {
        @usableFromInline let base: UnsafePointer<UInt8>
        @usableFromInline let count: Int
        @usableFromInline let level: LogLevel
        @usableFromInline let hasTime: Bool
        @usableFromInline let time: Int64
        @usableFromInline let lineCount: Int
        @usableFromInline let fieldCount: Int
        /// Start and end of the model, version, request id and message (start -1: none).
        @usableFromInline let model: (Int32, Int32)
        @usableFromInline let version: (Int32, Int32)
        @usableFromInline let requestID: (Int32, Int32)
        @usableFromInline let message: (Int32, Int32)

        @inlinable
        func raw(_ span: (Int32, Int32)) -> UnsafeBufferPointer<UInt8>? {
            guard span.0 >= 0 else { return nil }
            let start = Int(span.0)
            return UnsafeBufferPointer(start: base + start, count: max(0, min(Int(span.1), count) - start))
        }
    }

    init(bytes: Bytes, owner: UnsafePointer<LogAssembler>, scanPointer: UnsafePointer<LineScan>) {
        self.bytes = bytes
        self.owner = owner
        self.scanPointer = scanPointer
        // Each property read in place (a copy of the scan would retain its storage).
        @inline(__always) func pair(_ v: ValueSpan) -> (Int32, Int32) { (v.start, v.end) }
        let level = scanPointer.pointee.level
        summary = Summary(base: bytes.base, count: bytes.count,
                          level: level == .unknown && owner.pointee.pendingStack ? .error : level,
                          hasTime: scanPointer.pointee.hasTime, time: scanPointer.pointee.time,
                          lineCount: owner.pointee.pendingLines, fieldCount: scanPointer.pointee.fields.count,
                          model: pair(scanPointer.pointee.model), version: pair(scanPointer.pointee.version),
                          requestID: pair(scanPointer.pointee.requestID), message: pair(scanPointer.pointee.message))
    }

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
    @inlinable public var lineCount: Int { summary.lineCount }
    /// A line of the record was cut by the follower.
    public var truncated: Bool { owner.pointee.pendingTruncated }
    /// A Python traceback or Java stack trace was folded into the record.
    public var hasStackTrace: Bool { owner.pointee.pendingStack }

    public var format: LogFormat { scanPointer.pointee.format.logFormat(customs: owner.pointee.detector.customs) }

    /// The level the record states; a record without one that carries a stack trace is an error.
    @inlinable public var level: LogLevel { summary.level }

    @inlinable public var statedTime: Timestamp? { summary.hasTime ? Timestamp(milliseconds: summary.time) : nil }
    public var statedTimeAssumptions: LogTimeAssumptions { scan.timeAssumptions }

    /// Fields found in the record, keys included, without making strings.
    @inlinable public var fieldCount: Int { summary.fieldCount }

    /// The record's bytes (lines joined with `\n`), as read.
    @inlinable public var rawBytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: summary.base, count: summary.count) }

    /// The model's bytes as written (escapes not undone), if the record names a model.
    @inlinable public var rawModel: UnsafeBufferPointer<UInt8>? { summary.raw(summary.model) }
    /// The version's bytes as written, if the record names one.
    @inlinable public var rawVersion: UnsafeBufferPointer<UInt8>? { summary.raw(summary.version) }
    /// The request id's bytes as written, if any.
    @inlinable public var rawRequestID: UnsafeBufferPointer<UInt8>? { summary.raw(summary.requestID) }
    /// The message's bytes as written (first line only), if the format has a message.
    @inlinable public var rawMessage: UnsafeBufferPointer<UInt8>? { summary.raw(summary.message) }

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
