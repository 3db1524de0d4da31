/// A terminal color. Backends degrade `.indexed` and `.rgb` to what the terminal supports
/// (256, 16, or none).
public enum Color: Hashable, Sendable {
    /// The terminal's own default foreground or background.
    case `default`
    /// One of the 16 ANSI colors (0-7 normal, 8-15 bright).
    case ansi(UInt8)
    /// One of the xterm 256-color palette entries.
    case indexed(UInt8)
    /// A 24-bit color; backends map it to the nearest palette entry.
    case rgb(UInt8, UInt8, UInt8)
}

/// Text attributes, as a bit set.
public struct Attributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1 << 0)
    public static let dim = Attributes(rawValue: 1 << 1)
    public static let italic = Attributes(rawValue: 1 << 2)
    public static let underline = Attributes(rawValue: 1 << 3)
    public static let reverse = Attributes(rawValue: 1 << 4)
}

/// How a cell is drawn: foreground, background and attributes.
public struct Style: Hashable, Sendable {
    public var foreground: Color
    public var background: Color
    public var attributes: Attributes

    public init(foreground: Color = .default, background: Color = .default, attributes: Attributes = []) {
        self.foreground = foreground; self.background = background; self.attributes = attributes
    }
    public static let plain = Style()

    public func with(foreground: Color) -> Style { var s = self; s.foreground = foreground; return s }
    public func with(background: Color) -> Style { var s = self; s.background = background; return s }
    public func adding(_ a: Attributes) -> Style { var s = self; s.attributes.formUnion(a); return s }
}

extension Style {
    /// This style with `overlay` laid on top: its non-default colors replace ours and its
    /// attributes are added. Used for highlights that must keep a cell's other styling.
    public func patched(with overlay: Style) -> Style {
        var s = self
        if overlay.foreground != .default { s.foreground = overlay.foreground }
        if overlay.background != .default { s.background = overlay.background }
        s.attributes.formUnion(overlay.attributes)
        return s
    }
}
