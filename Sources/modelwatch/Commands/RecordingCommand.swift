import ArgumentParser
import Dashboard
import Foundation
import Incidents
import Sources
import Telemetry
import TerminalUI

/// `modelwatch recording`: recordings without a terminal (`docs/recording-format.md`).
struct RecordingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recording",
        abstract: "Inspect recordings, and record the demo.",
        subcommands: [RecordingInfoCommand.self, RecordDemoCommand.self]
    )
}

/// `modelwatch recording info FILE`: what a recording holds and how far it can be read.
struct RecordingInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a recording: version, times, records by type, samples, bytes per sample, how far it reads.",
        discussion: """
        Reads the whole file, checking every record. A file cut off by a crash, a damaged \
        record or an unknown version is reported on stderr with the byte offset and the \
        recorded time reading got to; what came before is described. Exit status: 0 when the \
        whole file was read, 1 when reading stopped early, 2 when nothing could be read.
        """
    )

    @Argument(help: "The recording file.")
    var file: String

    func run() throws {
        let shownFile = Sanitizer.visible(file)
        var (reader, size) = try ReplayLoading.openReader(file)
        // Message by message, keeping none: only the counts are wanted.
        while reader.next() != nil {}
        let header = reader.header, version = reader.version, stats = reader.stats
        let contents = (problem: reader.problem, readUpTo: reader.offset)
        var out = ""
        func line(_ label: String, _ value: String) { out += (label + ":").padding(toLength: 15, withPad: " ", startingAt: 0) + value + "\n" }
        line("file", shownFile)
        line("format", "\(version) (written by modelwatch \(Sanitizer.visible(header.modelwatchVersion)))")
        line("created", RecordingProblem.iso(header.created))
        line("mode", Sanitizer.visible(header.mode))
        if let first = stats.firstTime, let last = stats.lastTime {
            line("recorded", "\(RecordingProblem.iso(first)) to \(RecordingProblem.iso(last)) (\(Self.span(stats.duration)))")
        } else {
            line("recorded", "nothing (no messages)")
        }
        line("config", header.config.map { "\(Sanitizer.visible($0.name)) (\($0.text.utf8.count) bytes)" } ?? "none")
        let rules = header.ruleFiles.map { "\(Sanitizer.visible($0.name)) (\($0.text.utf8.count) bytes)" }
        line("rule files", rules.isEmpty ? "none" : rules.joined(separator: ", "))
        let logRules = header.logRuleFiles.map { "\(Sanitizer.visible($0.name)) (\($0.text.utf8.count) bytes)" }
        line("log rules", logRules.isEmpty ? "none" : logRules.joined(separator: ", "))
        for a in header.attributes { line(Sanitizer.visible(a.key), Sanitizer.visible(a.value)) }
        line("redactions", "\(header.redactions) secret-looking value\(header.redactions == 1 ? "" : "s") taken out")
        line("keyframes", "every \(Self.span(header.keyframeInterval)), full every \(Self.span(header.fullKeyframeInterval))")
        out += "records:\n"
        out += "  " + "TYPE".padding(toLength: 20, withPad: " ", startingAt: 0) + "COUNT".leftPadded(10) + "BYTES".leftPadded(14) + "\n"
        for t in stats.byType {
            out += "  " + t.name.padding(toLength: 20, withPad: " ", startingAt: 0) + "\(t.count)".leftPadded(10) + "\(t.bytes)".leftPadded(14) + "\n"
        }
        line("messages", "\(stats.messages)" + (stats.omitted > 0 ? " (\(stats.omitted) omitted: too large to record)" : "")
             + (stats.unknown > 0 ? "; \(stats.unknown) records of newer types skipped" : ""))
        let scrapes = stats.byType.first { $0.type == RecordType.scrapeCompleted.rawValue }?.count ?? 0
        line("samples", "\(stats.samples) in \(scrapes) scrapes")
        if let bps = stats.bytesPerSample {
            line("bytes/sample", String(format: "%.3f", bps) + " (scrape records: \(stats.scrapeBytes) bytes; whole file: "
                 + String(format: "%.3f", Double(size) / Double(stats.samples)) + ")")
        } else {
            line("bytes/sample", "no samples")
        }
        line("size", "\(size) bytes")
        if let problem = contents.problem {
            line("read", "up to byte \(contents.readUpTo) of \(size), stopped: \(problem.isTruncation ? "cut off" : "damaged")")
        } else {
            line("read", "complete (\(size) bytes)")
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        if let problem = contents.problem {
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(problem.description))\n".utf8))
            throw ExitCode(1)
        }
    }

    /// `30m00s`, `1h05m00s`, `450ms`.
    static func span(_ d: Milliseconds) -> String {
        let ms = d.value
        if ms < 1000 { return "\(ms)ms" }
        let s = ms / 1000
        func pad(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(pad(s % 60))s" }
        return "\(s / 3600)h\(pad(s % 3600 / 60))m\(pad(s % 60))s"
    }
}

/// `modelwatch recording record-demo --duration 30m --out FILE`: the demo on virtual time,
/// every message written as it is folded.
struct RecordDemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record-demo",
        abstract: "Run the demo on virtual time and record every message it folds.",
        discussion: """
        The demo runs as `modelwatch demo` would (its rule pack, log rules and runbooks, or \
        --rules/--log-rules), on virtual time from 2026-11-29T03:00:00Z: deterministic, as fast \
        as the machine goes. Records are appended as virtual time advances, a second at a time, \
        so the file grows as it would live. The file must not exist.
        """
    )

    @Option(help: "Recorded time to run, e.g. 30m, 1h.")
    var duration: String = "30m"

    @Option(help: "The recording file to create.")
    var out: String

    @Option(help: "Screen size as WIDTHxHEIGHT (recorded as the first resize).")
    var size: String = "120x40"

    @Option(name: .customLong("keyframe-interval"), help: "Recorded time between value keyframes.")
    var keyframeInterval: String = "5m"

    @OptionGroup var display: DisplayOptions

    func validate() throws {
        guard let d = AppConfig.parseDuration(duration), d.value > 0, d.value <= Milliseconds.minutes(7 * 24 * 60).value else {
            throw ValidationError("--duration '\(duration)' is not a duration from 1ms to 7d, like 30m")
        }
        guard AppConfig.parseDuration(keyframeInterval).map({ $0.value > 0 }) == true else {
            throw ValidationError("--keyframe-interval '\(keyframeInterval)' is not a duration like 5m")
        }
        guard parseSize(size) != nil else { throw ValidationError("--size '\(size)' is not WIDTHxHEIGHT") }
    }

    func parseSize(_ text: String) -> Size? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 1000, h <= 1000 else { return nil }
        return Size(width: w, height: h)
    }

    func run() throws {
        let total = AppConfig.parseDuration(duration)!, size = parseSize(size)!
        let launch: Launch
        do {
            launch = try Launch.resolve(configPath: nil, forceDemo: true, display: display)
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(error)\n".utf8))
            throw ExitCode(2)
        }
        for error in launch.ruleErrors {
            FileHandle.standardError.write(Data("modelwatch: rule file error: \(Sanitizer.visible(error))\n".utf8))
        }
        let start = HeadlessSession.demoEpoch
        let header = RecordingHeader(
            created: Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded())),
            modelwatchVersion: Modelwatch.configuration.version, start: start, mode: "demo",
            ruleFiles: SessionRecorder.sourceTexts(launch.ruleFilePaths),
            logRuleFiles: SessionRecorder.sourceTexts(launch.logRuleFilePaths),
            attributes: [.init("seed", "42"), .init("screen", "\(size.width)x\(size.height)"),
                         .init("operator", launch.makeState(size: size).operatorName)],
            keyframeInterval: AppConfig.parseDuration(keyframeInterval)!)
        var encoder = RecordingEncoder(header: header)
        let writer: RecordingFileWriter
        do {
            writer = try RecordingFileWriter(creating: out, start: encoder.fileStart())
        } catch {
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(error.description))\n".utf8))
            throw ExitCode(2)
        }
        var runtime = VirtualRuntime(state: launch.makeState(size: size), start: start, performer: DemoPerformer(start: start))
        var written = 0
        func flush() throws {
            let messages = runtime.messages
            guard written < messages.count else { return }
            var bytes: [UInt8] = []
            for m in messages[written...] { bytes += encoder.framed(m) }
            written = messages.count
            try writer.append(framed: bytes)
        }
        do {
            runtime.start()
            runtime.send(.resized(size))
            try flush()
            var elapsed: Int64 = 0
            while elapsed < total.value {
                let step = min(1000, total.value - elapsed)
                runtime.advance(by: Milliseconds(step))
                elapsed += step
                try flush()
            }
            try writer.close()
        } catch let error as RecordingFileError {
            FileHandle.standardError.write(Data("modelwatch: \(Sanitizer.visible(error.description))\n".utf8))
            throw ExitCode(1)
        }
        let perSample = encoder.samples > 0 ? String(format: "%.3f", Double(writer.size) / Double(encoder.samples)) : "-"
        print("recorded \(RecordingInfoCommand.span(total)) of the demo to \(Sanitizer.visible(out)): \(encoder.messageCount) messages, "
              + "\(encoder.samples) samples, \(writer.size) bytes (\(perSample) bytes per sample, whole file)")
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
