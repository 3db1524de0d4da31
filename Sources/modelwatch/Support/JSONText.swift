import Foundation
import Incidents

/// JSON output for the headless commands (`drift --json`, `logs --json`): strings with every
/// control, C1 and bidi character escaped, so the output is safe to show in a terminal too.
enum JSONText {
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// A JSON number: Swift's shortest round-trip form; null for NaN and ±Inf, which JSON lacks.
    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// A JSON string, every control, C1 and bidi character escaped: the audit log's escaping,
    /// so the two outputs never disagree on what is safe.
    static func string(_ s: String) -> String { AuditJSON.string(s) }
}
