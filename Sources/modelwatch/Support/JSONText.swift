import Foundation
import TerminalUI

/// JSON output for the headless commands (`drift --json`, `logs --json`): strings with every
/// control, C1 and bidi character escaped, so the output is safe to show in a terminal too.
enum JSONText {
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// A JSON number: Swift's shortest round-trip form; null for NaN and ±Inf, which JSON lacks.
    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// A JSON string, every control character escaped.
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u == "\u{2028}" || u == "\u{2029}" || Sanitizer.needsEscape(u) {
                    out += String(format: "\\u%04X", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
