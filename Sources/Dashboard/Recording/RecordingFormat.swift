import Incidents
import Telemetry

/// The record types of a recording (`docs/recording-format.md`). Each `Msg` case has a type
/// of its own, so that a reader of an older minor version skips a message it does not know
/// (whole, thanks to the framing) instead of misreading it, and `recording info` counts
/// messages by kind from the frame headers alone.
public enum RecordType: UInt8, CaseIterable, Sendable {
    /// The first record: versions, times, config and rule files (`RecordingHeader`).
    case header = 0x01
    /// A seek point: the time, and a reset of every value state (a value keyframe) or of every
    /// dictionary too (a full keyframe).
    case keyframe = 0x02
    /// A message that could not be recorded (too large), and why.
    case omitted = 0x03
    case started = 0x10
    case resumed = 0x11
    case timerFired = 0x12
    case scrapeCompleted = 0x13
    case logLinesArrived = 0x14
    case logSourceStatus = 0x15
    case commandOutput = 0x16
    case commandFinished = 0x17
    case keyPressed = 0x18
    case mouse = 0x19
    case resized = 0x1A
    case configReloaded = 0x1B
    case configReloadFailed = 0x1C

    /// The type of the record a message is written as.
    public static func of(_ msg: Msg) -> RecordType {
        switch msg {
        case .started: .started
        case .resumed: .resumed
        case .timerFired: .timerFired
        case .scrapeCompleted: .scrapeCompleted
        case .logLinesArrived: .logLinesArrived
        case .logSourceStatus: .logSourceStatus
        case .commandOutput: .commandOutput
        case .commandFinished: .commandFinished
        case .keyPressed: .keyPressed
        case .mouse: .mouse
        case .resized: .resized
        case .configReloaded: .configReloaded
        case .configReloadFailed: .configReloadFailed
        }
    }

    /// The name `recording info` and error messages use (the `Msg` case's, for messages).
    public var name: String {
        switch self {
        case .header: "header"
        case .keyframe: "keyframe"
        case .omitted: "omitted"
        case .started: "started"
        case .resumed: "resumed"
        case .timerFired: "timerFired"
        case .scrapeCompleted: "scrapeCompleted"
        case .logLinesArrived: "logLinesArrived"
        case .logSourceStatus: "logSourceStatus"
        case .commandOutput: "commandOutput"
        case .commandFinished: "commandFinished"
        case .keyPressed: "keyPressed"
        case .mouse: "mouse"
        case .resized: "resized"
        case .configReloaded: "configReloaded"
        case .configReloadFailed: "configReloadFailed"
        }
    }

    /// A name for any type byte: the known name, or `type 0xNN`.
    public static func name(of code: UInt8) -> String {
        if let t = RecordType(rawValue: code) { return t.name }
        let digits = String(code, radix: 16, uppercase: true)
        return "type 0x" + (digits.count < 2 ? "0" : "") + digits
    }
}

/// Limits and defaults of the format that both sides rely on.
public enum RecordingLimits {
    /// Value keyframes are written this often in recorded time, by default: a reader seeking to
    /// a moment decodes at most this much before it.
    public static let defaultKeyframeInterval: Milliseconds = .minutes(5)
    /// Full keyframes (dictionaries reset) are written this often: a reader seeking skims at
    /// most this much (shapes only) before the value keyframe it starts at.
    public static let defaultFullKeyframeInterval: Milliseconds = .minutes(60)
    /// The most samples one scrape record may hold; a reader refuses a shape with more. The
    /// encoder omits (with an `omitted` record) a scrape whose worst-case encoding could pass
    /// the payload limit, which happens well before this.
    public static let maxSamplesPerScrape = 1 << 20
    /// The longest config or rule file text kept in a header; a longer one is replaced by a note.
    public static let maxHeaderText = 16 << 20
}
