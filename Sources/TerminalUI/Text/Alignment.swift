/// Horizontal placement of text within a width.
public enum Alignment: Hashable, Sendable {
    case left, center, right

    /// The number of blank columns before content of width `used` in `width` columns.
    /// `center` puts the odd column on the right.
    public func leadingPadding(used: Int, width: Int) -> Int {
        let free = max(0, width - used)
        switch self {
        case .left: return 0
        case .center: return free / 2
        case .right: return free
        }
    }
}
