import Telemetry

/// Reads one raw log line on its own into a `LogEntry`: its format detected from the line
/// alone, nothing folded. Files go through a `LogAssembler` instead, which detects the format
/// per file and folds multi-line records. Lines are untrusted: nothing here interprets them
/// beyond splitting text; drawing them safely is the UI's job.
public enum LogLineParser {
    public static func parse(_ line: String, source: String, receivedAt: Timestamp,
                             customFormats: [CustomLogFormat] = []) -> LogEntry {
        var assembler = LogAssembler(source: source, customFormats: customFormats)
        if let entry = assembler.append(line, receivedAt: receivedAt) { return entry }
        return assembler.finish()!
    }
}
