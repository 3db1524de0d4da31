/// A size in terminal cells.
public struct Size: Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }
    public var description: String { "\(width)x\(height)" }
}

/// A rectangle of cells; `x`, `y` are the top-left corner, 0-based.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public init(size: Size) { self.init(x: 0, y: 0, width: size.width, height: size.height) }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var size: Size { Size(width: width, height: height) }

    /// The rectangle shrunk by `n` cells on every side.
    public func inset(by n: Int) -> Rect {
        Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n)
    }
    public func intersection(_ o: Rect) -> Rect {
        let nx = max(x, o.x), ny = max(y, o.y)
        return Rect(x: nx, y: ny, width: min(maxX, o.maxX) - nx, height: min(maxY, o.maxY) - ny)
    }
    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
    public var description: String { "(\(x),\(y) \(width)x\(height))" }
}

extension Rect {
    /// A `width` x `height` rectangle centered in `parent`, shrunk to fit inside it.
    /// When the leftover space is odd, the extra column or row goes to the right/bottom.
    public static func centered(width: Int, height: Int, in parent: Rect) -> Rect {
        let w = min(max(0, width), parent.width)
        let h = min(max(0, height), parent.height)
        return Rect(x: parent.x + (parent.width - w) / 2, y: parent.y + (parent.height - h) / 2, width: w, height: h)
    }

    /// The rectangle with `top`, `left`, `bottom`, `right` cells removed (never negative).
    public func inset(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) -> Rect {
        Rect(x: x + left, y: y + top, width: width - left - right, height: height - top - bottom)
    }

    /// One row of this rectangle, `row` counted from its top.
    public func row(_ row: Int) -> Rect { Rect(x: x, y: y + row, width: width, height: 1) }
}
