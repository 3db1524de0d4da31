import ArgumentParser
import CursesBackend
import Dashboard
import Foundation
import Sources
import Telemetry
import TerminalUI

/// `modelwatch replay FILE`: a recorded session played back through the same `reduce`, in the
/// terminal or headless. A replay never runs a command.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recorded session: the same screens and alerts at the same recorded times; nothing runs."
    )

    @Argument(help: "A recording (modelwatch --record, or modelwatch recording record-demo).")
    var file: String

    @Flag(help: "No terminal: fold the whole recording and print what --print asks for.")
    var headless = false

    @Option(help: "With --headless: alerts (every transition), timeline, summary, or markdown (the timeline for a review).")
    var print: String = "summary"

    @Flag(help: "Training: the recorded operator's actions are hidden, nothing ahead can be seen; your actions are kept.")
    var training = false

    @Option(help: "Start at this recorded time (14:32, 14:32:10) or offset (+5m).")
    var at: String?

    @Option(help: "A facilitator's notes: lines of `14:32 text` or `+5m text`, shown (and the replay paused) at their time.")
    var notes: String?

    @OptionGroup var display: DisplayOptions

    @Flag(help: "Do not capture the mouse.")
    var noMouse = false

    func validate() throws {
        guard ["alerts", "timeline", "summary", "markdown"].contains(print) else {
            throw ValidationError("--print takes alerts, timeline, summary or markdown")
        }
    }

    func run() throws {
        let loaded = try ReplayLoading.load(file, display: display, size: Size(width: 120, height: 40))
        var facilitatorNotes: [ReplaySession.FacilitatorNote] = []
        if let notes {
            let start = loaded.messages.first?.time ?? loaded.initial.now
            let text: String
            do { text = try Launch.readText(notes) } catch {
                FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
                throw ExitCode(2)
            }
            switch ReplaySession.parseNotes(text, start: start) {
            case .success(let parsed): facilitatorNotes = parsed
            case .failure(let error):
                FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(notes)):\(error.line): \(error.message)\n".utf8))
                throw ExitCode(2)
            }
        }
        var session = ReplaySession(recording: loaded.messages, initial: loaded.initial, training: training, notes: facilitatorNotes)
        if let at {
            guard let target = ReplaySession.parseGoto(at, now: session.start, start: session.start) else {
                throw ValidationError("--at '\(at)' is not like 14:32, 14:32:10 or +5m")
            }
            session.seek(to: target)
        }
        if headless {
            session.seek(to: session.end)
            let text: String
            switch print {
            case "alerts": text = ReplayReport.alerts(session.state, start: session.start)
            case "timeline": text = ReplayReport.timeline(session.state, start: session.start)
            case "markdown": text = ReplayReport.markdown(session.state, start: session.start, end: session.end,
                                                           title: "Incident timeline: \((file as NSString).lastPathComponent)")
            default: text = ReplayReport.summary(session.state, start: session.start, end: session.end, messages: session.recording.count)
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            if loaded.problem != nil { throw ExitCode(1) }
            return
        }
        let (code, ended) = ReplayTerminal.run(session, theme: loaded.theme, mouse: !noMouse, monochrome: display.monochrome)
        if training, let ended { FileHandle.standardOutput.write(Data(ended.score.report.utf8)) }
        if code != 0 { throw ExitCode(code) }
    }
}

/// `modelwatch timeline FILE --format markdown`: a recording's incident timeline for the review.
struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Print a recording's incident timeline (Markdown for the post-incident review, or text)."
    )

    @Argument(help: "A recording.")
    var file: String

    @Option(help: "markdown or text.")
    var format: String = "markdown"

    @Option(help: "The document's title.")
    var title: String?

    @OptionGroup var display: DisplayOptions

    func validate() throws {
        guard ["markdown", "text"].contains(format) else { throw ValidationError("--format takes markdown or text") }
    }

    func run() throws {
        let loaded = try ReplayLoading.load(file, display: display, size: Size(width: 120, height: 40))
        var session = ReplaySession(recording: loaded.messages, initial: loaded.initial)
        session.seek(to: session.end)
        let text = format == "text"
            ? ReplayReport.timeline(session.state, start: session.start)
            : ReplayReport.markdown(session.state, start: session.start, end: session.end,
                                    title: title ?? "Incident timeline: \((file as NSString).lastPathComponent)")
        FileHandle.standardOutput.write(Data(text.utf8))
        if loaded.problem != nil { throw ExitCode(1) }
    }
}

/// Reads a recording and rebuilds the state its session started from.
enum ReplayLoading {
    struct Loaded {
        var messages: [RecordedMsg]
        var initial: State
        var theme: Theme
        /// Why reading stopped early, if it did (already reported on stderr).
        var problem: String?
    }

    /// Opens a recording for reading; a file that cannot be read, or is not a recording this
    /// version can read, is reported on stderr and exits 2.
    static func openReader(_ file: String) throws -> (reader: RecordingReader, size: Int) {
        let bytes: [UInt8]
        switch RecordingFile.read(path: file) {
        case .success(let b): bytes = b
        case .failure(let error):
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(error.description))\n".utf8))
            throw ExitCode(2)
        }
        do {
            return (try RecordingReader(bytes: bytes, file: file), bytes.count)
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(error.description))\n".utf8))
            throw ExitCode(2)
        }
    }

    static func load(_ file: String, display: DisplayOptions, size: Size) throws -> Loaded {
        var reader = try openReader(file).reader
        var messages: [RecordedMsg] = []
        var omitted = 0
        while let entry = reader.next() {
            if let msg = entry.message { messages.append(RecordedMsg(time: entry.time, msg: msg)) } else { omitted += 1 }
        }
        var problem: String?
        if let stop = reader.problem {
            let reached = messages.last.map { " (recorded time \(Format.dateTime($0.time)))" } ?? ""
            problem = "\(stop.description); replaying the \(messages.count) messages read up to byte \(reader.offset)\(reached)"
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(problem!))\n".utf8))
        }
        if omitted > 0 {
            FileHandle.standardError.write(Data("modelwatch: \(omitted) messages were not recorded (over the recorder's limits)\n".utf8))
        }
        let header = reader.header
        var launch: Launch
        do {
            launch = try Launch.resolve(configPath: nil, forceDemo: true, display: display)
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if header.mode != "demo" {
            launch.mode = .live
            launch.banner = nil
            if let config = header.config {
                do {
                    let parsed = try AppConfig.parse(config.text, file: config.name)
                    launch.targets = parsed.targets
                    launch.retention = parsed.retention
                    launch.memoryBudget = parsed.memoryBudget
                    launch.modelMappings = parsed.modelMetrics
                    launch.logs = parsed.logs
                } catch {
                    FileHandle.standardError.write(Data("modelwatch: the recorded config: \(error)\n".utf8))
                }
            }
        }
        // The rules in force when it was recorded, from the recording, not from today's files.
        launch.ruleGroups = []
        launch.ruleErrors = []
        launch.logRules = []
        launch.loadRules(texts: header.ruleFiles.map { ($0.name, .success($0.text)) })
        launch.loadLogRules(texts: header.logRuleFiles.map { ($0.name, .success($0.text)) })
        launch.execution = .dryRun(reason: "replay")
        var state = launch.makeState(size: size)
        if let name = header.attributes.first(where: { $0.key == "operator" })?.value { state.operatorName = name }
        return Loaded(messages: messages, initial: state, theme: launch.theme, problem: problem)
    }
}

/// The replay in a real terminal: the replay's clock runs on the system clock.
enum ReplayTerminal {
    /// Runs until `q`; returns the exit status and the session as it ended.
    static func run(_ initial: ReplaySession, theme: Theme, mouse: Bool, monochrome: Bool) -> (Int32, ReplaySession?) {
        let terminal: CursesTerminal
        do {
            terminal = try CursesTerminal(options: CursesOptions(forceMonochrome: monochrome, mouse: mouse, reloadOnHangup: false))
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            return (1, nil)
        }
        defer { terminal.shutdown() }
        var theme = theme
        if terminal.colorMode == .monochrome { theme = theme.monochrome() }
        var session = initial
        session.resize(terminal.size)
        let clock = ContinuousClock()
        var last = clock.now
        while !session.state.quitting {
            let now = clock.now
            let elapsed = now - last
            last = now
            let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            session.advance(realElapsed: Milliseconds(ms))
            terminal.draw(session.view(size: terminal.size, theme: theme))
            if let event = terminal.readEvent(timeoutMilliseconds: 100) {
                switch event {
                case .key(let key): session.handleViewerKey(key)
                case .mouse: break
                case .resized(let size):
                    terminal.invalidate()
                    session.resize(size)
                }
            }
        }
        return (0, session)
    }
}
