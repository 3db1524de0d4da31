import Incidents
import Telemetry

/// The first record of a recording: what made it, when, and the config and rule files in
/// force, as text (secrets scrubbed: `SecretScrubber`). Replay rebuilds the session's rules
/// from these texts.
///
/// Its payload is a list of tagged fields (`tag` uvarint, `length` uvarint, `length` bytes), so
/// that a newer minor version can add fields that older readers skip (`docs/recording-format.md`).
public struct RecordingHeader: Hashable, Sendable {
    /// A file's name (as given to modelwatch) and its text.
    public struct SourceText: Hashable, Sendable {
        public var name: String
        public var text: String
        public init(name: String, text: String) { self.name = name; self.text = text }
    }

    /// Wall-clock time the recording was made.
    public var created: Timestamp
    /// `modelwatch --version` of the writer.
    public var modelwatchVersion: String
    /// The recorded (session) time the recording starts from: the base of the first record's
    /// time. Virtual time for the demo and replays, the system clock live.
    public var start: Timestamp
    /// `live`, `demo`, ... (how the session got its data).
    public var mode: String
    public var config: SourceText?
    public var ruleFiles: [SourceText]
    public var logRuleFiles: [SourceText]
    /// Anything else worth knowing to replay (`seed`, `screen`...), in order.
    public var attributes: [Attribute]
    /// How often value keyframes are written, in recorded time.
    public var keyframeInterval: Milliseconds
    /// How often full keyframes (dictionaries reset too) are written, in recorded time.
    public var fullKeyframeInterval: Milliseconds
    /// How many secret-looking values were taken out of the texts above (and target URLs).
    public var redactions: Int

    public struct Attribute: Hashable, Sendable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) { self.key = key; self.value = value }
    }

    public init(created: Timestamp, modelwatchVersion: String, start: Timestamp, mode: String, config: SourceText? = nil,
                ruleFiles: [SourceText] = [], logRuleFiles: [SourceText] = [], attributes: [Attribute] = [],
                keyframeInterval: Milliseconds = RecordingLimits.defaultKeyframeInterval,
                fullKeyframeInterval: Milliseconds = RecordingLimits.defaultFullKeyframeInterval, redactions: Int = 0) {
        self.created = created; self.modelwatchVersion = modelwatchVersion; self.start = start; self.mode = mode
        self.config = config; self.ruleFiles = ruleFiles; self.logRuleFiles = logRuleFiles; self.attributes = attributes
        self.keyframeInterval = keyframeInterval; self.fullKeyframeInterval = fullKeyframeInterval; self.redactions = redactions
    }

    /// The value of an attribute.
    public subscript(attribute key: String) -> String? { attributes.first { $0.key == key }?.value }

    /// This header with secrets scrubbed from its texts and over-long texts replaced by a note;
    /// `redactions` counts what was taken out.
    public func scrubbed() -> RecordingHeader {
        var h = self
        func clean(_ s: SourceText) -> SourceText {
            guard s.text.utf8.count <= RecordingLimits.maxHeaderText else {
                return SourceText(name: s.name, text: "# not recorded: \(s.text.utf8.count) bytes, over the \(RecordingLimits.maxHeaderText >> 20) MiB limit\n")
            }
            let (text, n) = SecretScrubber.text(s.text)
            h.redactions += n
            return SourceText(name: s.name, text: text)
        }
        h.config = config.map(clean)
        h.ruleFiles = ruleFiles.map(clean)
        h.logRuleFiles = logRuleFiles.map(clean)
        return h
    }

    // MARK: Encoding

    private enum Tag: UInt64 {
        case created = 1, version = 2, start = 3, mode = 4, config = 5, ruleFile = 6, logRuleFile = 7, attribute = 8
        case keyframeInterval = 9, redactions = 10, fullKeyframeInterval = 11
    }

    func encode() -> [UInt8] {
        var out = ByteSink()
        func field(_ tag: Tag, _ body: (inout ByteSink) -> Void) {
            var f = ByteSink()
            body(&f)
            out.uvarint(tag.rawValue)
            out.count(f.bytes.count)
            out.bytes += f.bytes
        }
        field(.created) { $0.varint(created.milliseconds) }
        field(.version) { $0.string(modelwatchVersion) }
        field(.start) { $0.varint(start.milliseconds) }
        field(.mode) { $0.string(mode) }
        if let config { field(.config) { $0.string(config.name); $0.string(config.text) } }
        for r in ruleFiles { field(.ruleFile) { $0.string(r.name); $0.string(r.text) } }
        for r in logRuleFiles { field(.logRuleFile) { $0.string(r.name); $0.string(r.text) } }
        for a in attributes { field(.attribute) { $0.string(a.key); $0.string(a.value) } }
        field(.keyframeInterval) { $0.varint(keyframeInterval.value) }
        field(.redactions) { $0.int(redactions) }
        field(.fullKeyframeInterval) { $0.varint(fullKeyframeInterval.value) }
        return out.bytes
    }

    static func decode(_ input: inout ByteSource) throws(RecordingDecodeError) -> RecordingHeader {
        var h = RecordingHeader(created: Timestamp(milliseconds: 0), modelwatchVersion: "", start: Timestamp(milliseconds: 0), mode: "")
        var seen = Set<UInt64>()
        while !input.isAtEnd {
            let tag = try input.uvarint()
            let length = try input.count()
            let body = try input.bytes(length)
            var f = ByteSource(body)
            guard let known = Tag(rawValue: tag) else { continue }  // a newer minor version's field
            switch known {
            case .created: h.created = Timestamp(milliseconds: try f.varint())
            case .version: h.modelwatchVersion = try f.string()
            case .start: h.start = Timestamp(milliseconds: try f.varint())
            case .mode: h.mode = try f.string()
            case .config: h.config = SourceText(name: try f.string(), text: try f.string())
            case .ruleFile: h.ruleFiles.append(SourceText(name: try f.string(), text: try f.string()))
            case .logRuleFile: h.logRuleFiles.append(SourceText(name: try f.string(), text: try f.string()))
            case .attribute: h.attributes.append(Attribute(try f.string(), try f.string()))
            case .keyframeInterval: h.keyframeInterval = Milliseconds(try f.varint())
            case .redactions: h.redactions = try f.int()
            case .fullKeyframeInterval: h.fullKeyframeInterval = Milliseconds(try f.varint())
            }
            try f.expectEnd()
            seen.insert(tag)
        }
        for required in [Tag.created, .version, .start, .mode] where !seen.contains(required.rawValue) {
            throw RecordingDecodeError("the header has no \(required) field")
        }
        return h
    }
}
