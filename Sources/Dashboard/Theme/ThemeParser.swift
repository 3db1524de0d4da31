import TerminalUI
import Yams

/// Reads a theme file:
///
/// ```yaml
/// name: dark
/// styles:
///   text: { fg: 252 }
///   header: { fg: "#ffffff", bg: 24, attrs: [bold] }
///   status.critical: { fg: brightred, attrs: [bold] }
/// ```
///
/// Colors are a palette index 0-255, `#rrggbb`, one of the 16 ANSI names (`red`,
/// `brightred`, ...) or `default`. Errors name the file, line and key.
public enum ThemeParser {
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Theme {
        let root = try YAMLDocument.parse(text, file: file)
        try root.expectKeys(["name", "styles"])
        let name = try root.optional("name")?.string() ?? "unnamed"
        var styles: [ThemeRole: Style] = [:]
        if let map = try root.optional("styles") {
            for (key, node) in try map.mapping() {
                guard let role = ThemeRole(rawValue: key.text) else {
                    throw key.error("unknown style role '\(key.text)'; known roles: \(ThemeRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                styles[role] = try style(node)
            }
        }
        return Theme(name: name, styles: styles)
    }

    static func style(_ node: YAMLValue) throws(ConfigError) -> Style {
        try node.expectKeys(["fg", "bg", "attrs"])
        var style = Style()
        if let fg = try node.optional("fg") { style.foreground = try color(fg) }
        if let bg = try node.optional("bg") { style.background = try color(bg) }
        if let attrs = try node.optional("attrs") {
            for item in try attrs.sequence() {
                switch try item.string() {
                case "bold": style.attributes.insert(.bold)
                case "dim": style.attributes.insert(.dim)
                case "italic": style.attributes.insert(.italic)
                case "underline": style.attributes.insert(.underline)
                case "reverse": style.attributes.insert(.reverse)
                case let other: throw item.error("unknown attribute '\(other)' (bold, dim, italic, underline, reverse)")
                }
            }
        }
        return style
    }

    static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    static func color(_ node: YAMLValue) throws(ConfigError) -> Color {
        let text = try node.string()
        if text == "default" { return .default }
        if let n = Int(text) {
            guard (0...255).contains(n) else { throw node.error("color index \(n) is outside 0-255") }
            return .indexed(UInt8(n))
        }
        if text.hasPrefix("#"), text.count == 7, let v = UInt32(text.dropFirst(), radix: 16) {
            return .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        }
        let lower = text.lowercased()
        if let i = ansiNames.firstIndex(of: lower) { return .ansi(UInt8(i)) }
        if lower.hasPrefix("bright"), let i = ansiNames.firstIndex(of: String(lower.dropFirst(6))) { return .ansi(UInt8(i + 8)) }
        throw node.error("'\(text)' is not a color (0-255, #rrggbb, an ANSI name or default)")
    }
}
