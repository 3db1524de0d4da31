/// How much space one part of a ``Layout`` split asks for.
public enum Constraint: Hashable, Sendable {
    /// Exactly this many cells (shrunk proportionally with the other fixed and percentage
    /// parts only when they overflow the space together).
    case fixed(Int)
    /// At least this many cells; then a share of the leftover like `fill(1)`.
    case min(Int)
    /// This percentage (0...100) of the space left after spacing.
    case percentage(Int)
    /// A share of the leftover space proportional to this weight.
    case fill(Int)
}

/// The axis along which ``Layout/split(_:_:_:spacing:)`` cuts a rectangle.
public enum Direction: Hashable, Sendable {
    /// Parts stacked top to bottom (the rectangle is cut into rows).
    case vertical
    /// Parts side by side, left to right (the rectangle is cut into columns).
    case horizontal
}
