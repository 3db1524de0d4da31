import Incidents
import Telemetry
import TerminalUI

/// A message as a session folded it, with the time it was folded at: what a recording holds.
public struct RecordedMsg: Hashable, Sendable {
    public var time: Timestamp
    public var msg: Msg

    public init(time: Timestamp, msg: Msg) { self.time = time; self.msg = msg }
}

/// Plays a recorded session back through the same `reduce`, on a clock of its own: play and
/// pause, speeds from 1x to 600x, step, seek, and jumps between alert transitions and deploys.
///
/// Replaying folds the recorded messages, in order, into a fresh state and throws every effect
/// away: the effects' answers (scrapes, log lines, timers) are themselves in the recording. So
/// the state at any recorded moment is the state the live session had then, and the alert
/// transitions come at the same recorded times. Nothing runs: a command effect is dropped, and
/// the viewer's own confirmations are folded as a replay's ("would run").
public struct ReplaySession {
    public let recording: [RecordedMsg]
    /// The state the recorded session started from.
    public let initial: State
    public private(set) var state: State
    /// Index of the next recorded message to fold.
    public private(set) var next = 0
    /// The recorded time shown.
    public private(set) var position: Timestamp
    public var playing = true
    public private(set) var speed: Double = 1
    /// Training: the recorded operator's own keys are not folded (the trainee decides), and
    /// nothing after the furthest moment reached can be seen or jumped to.
    public let training: Bool
    /// The furthest recorded time reached so far (training hides what comes after it).
    public private(set) var furthest: Timestamp
    /// Alert transitions and deploys over the whole recording, for jumping between them.
    public let marks: [TimelineEvent]
    /// The recorded session's whole timeline, its operator's actions included: what a trainee
    /// is scored against.
    public let reference: [TimelineEvent]

    /// A facilitator's note, shown when the replay reaches its time.
    public struct FacilitatorNote: Hashable, Sendable {
        public var time: Timestamp
        public var text: String
        public init(time: Timestamp, text: String) { self.time = time; self.text = text }
    }
    /// The facilitator's notes in time order, and how many have been shown.
    public let notes: [FacilitatorNote]
    private var notesShown = 0

    public static let speeds: [Double] = [1, 2, 5, 10, 30, 60, 120, 300, 600]

    public var start: Timestamp { recording.first?.time ?? initial.now }
    public var end: Timestamp { recording.last?.time ?? start }
    public var finished: Bool { next >= recording.count }

    public init(recording: [RecordedMsg], initial: State, training: Bool = false, notes: [FacilitatorNote] = []) {
        self.notes = notes.sorted { $0.time < $1.time }
        self.recording = recording
        self.initial = initial
        self.training = training
        self.state = initial
        let start = recording.first?.time ?? initial.now
        self.position = start
        self.furthest = start
        // One headless pass finds every transition, so `{`/`}` can jump to them.
        var probe = initial
        for item in recording { ReplaySession.fold(item, into: &probe, training: false) }
        marks = probe.timeline.events.filter {
            [.alertFiring, .alertResolved, .alertPending, .deploy].contains($0.kind)
        }
        reference = probe.timeline.events
        fold(through: start)
    }

    /// Folds one recorded message; what the viewer's terminal decides (its size) is not replayed.
    static func fold(_ item: RecordedMsg, into state: inout State, training: Bool) {
        switch item.msg {
        case .resized:
            return
        case .keyPressed, .mouse:
            if training { return }
        default:
            break
        }
        _ = reduce(&state, item.msg)
        state.now = max(state.now, item.time)
    }

    /// Folds every message recorded at or before `time`.
    mutating func fold(through time: Timestamp) {
        while next < recording.count, recording[next].time <= time {
            ReplaySession.fold(recording[next], into: &state, training: training)
            next += 1
        }
        position = max(position, time)
        state.now = max(state.now, position)
        furthest = max(furthest, position)
        while notesShown < notes.count, notes[notesShown].time <= position {
            let note = notes[notesShown]
            notesShown += 1
            state.timeline.append(TimelineEvent(time: note.time, kind: .note, summary: "facilitator: \(note.text)"))
            playing = false
            _ = say("facilitator: \(note.text) (paused · space goes on)")
        }
    }

    /// Facilitator notes, one per line: `14:32 text`, `14:32:10 text` or `+5m text` (from the
    /// recording's start); `#` starts a comment. Errors name the line.
    public static func parseNotes(_ text: String, start: Timestamp) -> Result<[FacilitatorNote], NotesError> {
        var notes: [FacilitatorNote] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let time = parseGoto(String(parts[0]), now: start, start: start) else {
                return .failure(NotesError(line: i + 1, message: "expected `14:32 text` or `+5m text`"))
            }
            notes.append(FacilitatorNote(time: time, text: String(parts[1])))
        }
        return .success(notes)
    }

    public struct NotesError: Error, Hashable, Sendable {
        public var line: Int
        public var message: String
    }

    // MARK: The clock

    /// Moves the recorded clock by `elapsed` real time at the current speed, if playing.
    public mutating func advance(realElapsed elapsed: Milliseconds) {
        guard playing, !finished else { return }
        let step = Milliseconds(Int64((Double(elapsed.value) * speed).rounded()))
        fold(through: min(end, position + step))
        if finished { playing = false }
    }

    /// Goes to a recorded time: forward by folding on, backward by folding again from the start.
    /// In training, not past the furthest moment reached.
    public mutating func seek(to target: Timestamp) {
        var time = max(start, min(end, target))
        if training { time = min(time, furthest) }
        if time < position {
            let ui = state.ui
            state = initial
            next = 0
            notesShown = 0
            position = start
            fold(through: time)
            state.ui = ui
        }
        fold(through: time)
        position = time
        state.now = max(state.now, time)
    }

    /// Folds the next recorded message, whatever its time.
    public mutating func stepForward() {
        guard next < recording.count else { return }
        fold(through: recording[next].time)
    }

    /// The viewer's terminal changed size.
    public mutating func resize(_ size: Size) {
        _ = reduce(&state, .resized(size))
    }

    /// How the trainee did so far, against the recorded incident.
    public var score: TrainingScore { TrainingScore.compute(reference: reference, trainee: state.timeline.events) }

    public mutating func faster() { speed = ReplaySession.speeds.first { $0 > speed } ?? speed }
    public mutating func slower() { speed = ReplaySession.speeds.last { $0 < speed } ?? speed }

    /// The next (or previous) alert transition or deploy; in training, never one ahead.
    public func mark(after time: Timestamp) -> TimelineEvent? {
        guard !training else { return nil }
        return marks.first { $0.time > time }
    }

    public func mark(before time: Timestamp) -> TimelineEvent? { marks.last { $0.time < time } }

    // MARK: The viewer's keys

    /// The replay's own keys; every other key goes to `reduce` as a replay's (nothing runs).
    /// Returns what it did, for a notice.
    @discardableResult
    public mutating func handleViewerKey(_ key: Key) -> String? {
        if let prompt = state.ui.textPrompt, prompt.purpose == .command, key == .enter {
            let words = prompt.text.split(separator: " ")
            if words.first?.lowercased() == "goto" {
                guard words.count == 2, let target = ReplaySession.parseGoto(String(words[1]), now: position, start: start) else {
                    state.ui.textPrompt?.error = "goto 14:32, goto 14:32:10 or goto +5m / -90s"
                    return nil
                }
                state.ui.textPrompt = nil
                seek(to: target)
                return say("at \(Format.clock(position))")
            }
        }
        if state.ui.textPrompt == nil, state.ui.silenceForm == nil, state.ui.commandConfirmation == nil, !state.ui.showHelp {
            switch key {
            case .character(" "):
                playing.toggle()
                if playing && finished { return say("the recording has ended") }
                return say(playing ? "playing at \(ReplaySession.speedText(speed))" : "paused")
            case .character(">"):
                faster(); return say("speed \(ReplaySession.speedText(speed))")
            case .character("<"):
                slower(); return say("speed \(ReplaySession.speedText(speed))")
            case .character("."):
                playing = false
                stepForward()
                return say("stepped to \(Format.clock(position))")
            case .character("}"):
                guard let mark = mark(after: position) else { return say(training ? "training: what comes next is hidden" : "no later transition") }
                seek(to: mark.time)
                return say("\(Format.clock(mark.time)) \(mark.summary)")
            case .character("{"):
                guard let mark = mark(before: position) else { return say("no earlier transition") }
                seek(to: mark.time)
                return say("\(Format.clock(mark.time)) \(mark.summary)")
            default:
                break
            }
        }
        // Everything else is the viewer's own action, folded as a replay's: nothing runs.
        let mode = state.mode
        state.mode = .replay
        _ = reduce(&state, .keyPressed(key))
        state.mode = mode
        return nil
    }

    mutating func say(_ text: String) -> String {
        state.notice = text
        // Five seconds of the viewer's time, whatever the speed.
        state.noticeUntil = state.now + Milliseconds(Int64(5_000 * speed))
        return text
    }

    static func speedText(_ speed: Double) -> String { "\(Int(speed))x" }

    /// `14:32` or `14:32:10` (UTC, on the recording's first day, or the day after if earlier than
    /// its start), or `+5m` / `-90s` from the current position.
    public static func parseGoto(_ text: String, now: Timestamp, start: Timestamp) -> Timestamp? {
        if let sign = text.first, sign == "+" || sign == "-" {
            guard let d = AppConfig.parseDuration(String(text.dropFirst())) else { return nil }
            return sign == "+" ? now + d : now - d
        }
        let parts = text.split(separator: ":").map { Int($0) }
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0 != nil }) else { return nil }
        let h = parts[0]!, m = parts[1]!, s = parts.count == 3 ? parts[2]! : 0
        guard (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(s) else { return nil }
        let dayMs: Int64 = 86_400_000
        let dayStart = (start.milliseconds / dayMs) * dayMs
        var t = dayStart + Int64((h * 3600 + m * 60 + s) * 1000)
        if t < start.milliseconds - 60_000 { t += dayMs }
        return Timestamp(milliseconds: t)
    }

    // MARK: Drawing

    /// The screen as the viewer sees it: the recorded session's, with REPLAY and the recorded
    /// time in the header and the replay's state in the banner row.
    public func view(size: Size, theme: Theme) -> ScreenBuffer {
        var shown = state
        shown.mode = .replay
        shown.ui.size = size
        let total = Format.age(end - start)
        let at = Format.age(position - start)
        var banner = "REPLAY \(Format.dateTime(position)) · \(at) of \(total) · \(playing ? "▶ \(ReplaySession.speedText(speed))" : (finished ? "■ ended" : "❚❚ paused"))"
        banner += training ? " · TRAINING: you decide, nothing runs" : " · nothing runs"
        banner += " · space play/pause · < > speed · . step · { } transitions · :goto"
        if let notice = state.notice, let until = state.noticeUntil, state.now < until { banner = notice + "  ·  " + banner }
        shown.notice = nil
        shown.banner = banner
        return View.render(shown, theme: theme)
    }
}
