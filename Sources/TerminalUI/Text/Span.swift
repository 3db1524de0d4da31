/// A piece of text drawn in one style.
///
/// The text is passed through ``Sanitizer/visible(_:)`` when the span is made, so its
/// ``width`` is the width that will actually be drawn, even for untrusted input.
public struct Span: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The (sanitized) text.
    public let text: String
    /// The style of every cell of the text.
    public var style: Style

    public init(_ text: String, style: Style = .plain) {
        self.text = Sanitizer.visible(text); self.style = style
    }
    public init(stringLiteral value: String) { self.init(value) }

    /// Display width in columns.
    public var width: Int { DisplayWidth.of(text) }
    public var description: String { text }
}
