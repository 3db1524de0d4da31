import Dashboard
import Foundation
import Sources
import Telemetry
import TerminalUI

/// Writes every message a live session folds, with the time it was folded at, to a recording
/// (`docs/recording-format.md`). Append-only and synced every second: after `kill -9` the file
/// reads up to its last whole record. A write that fails stops the recording, says so once, and
/// the session goes on.
final class SessionRecorder {
    private var encoder: RecordingEncoder
    private var writer: RecordingFileWriter?
    let path: String
    /// Why recording stopped, if it did.
    private(set) var failure: String?

    init(path: String, launch: Launch, start: Timestamp, operatorName: String, size: Size) throws {
        let config = SessionRecorder.sourceTexts(launch.configPath.map { [$0] } ?? []).first
        let header = RecordingHeader(
            created: Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded())),
            modelwatchVersion: Modelwatch.configuration.version, start: start,
            mode: launch.mode == .demo ? "demo" : "live", config: config,
            ruleFiles: SessionRecorder.sourceTexts(launch.ruleFilePaths),
            logRuleFiles: SessionRecorder.sourceTexts(launch.logRuleFilePaths),
            attributes: [.init("operator", operatorName), .init("screen", "\(size.width)x\(size.height)")])
        encoder = RecordingEncoder(header: header.scrubbed())
        self.path = path
        writer = try RecordingFileWriter(creating: path, start: encoder.fileStart())
    }

    /// The files' texts, for a recording's header (a file that cannot be read is left out:
    /// `Launch` has reported it).
    static func sourceTexts(_ paths: [String]) -> [RecordingHeader.SourceText] {
        paths.compactMap { path in (try? Launch.readText(path)).map { RecordingHeader.SourceText(name: path, text: $0) } }
    }

    func record(_ msg: Msg, at time: Timestamp) {
        guard let writer else { return }
        do {
            try writer.append(framed: encoder.framed(msg, at: time))
            try writer.syncIfDue()
        } catch {
            failure = "\(error)"
            self.writer = nil
        }
    }

    func close() {
        try? writer?.close()
        writer = nil
    }
}
