/// Splits a rectangle into parts along one axis from a list of ``Constraint``s.
///
/// The solver, for a length `L` along the axis and `n` parts:
/// 1. `available = L - spacing * (n - 1)` (at least 0).
/// 2. `fixed` and `percentage` parts are honoured first. If together they ask for more than
///    `available`, they are shrunk in proportion to their requests and nothing is left.
/// 3. `min` parts then get their minimum from what is left (shrunk in proportion when the
///    minimums do not fit).
/// 4. The leftover is shared by `min` parts (weight 1) and `fill(w)` parts (weight `w`),
///    by the largest-remainder method, so the sizes add up exactly.
///
/// The parts never overlap and never leave the parent. When any `min` or `fill` part
/// exists, sizes plus spacing cover the parent exactly; otherwise the unused space is
/// left at the end.
public enum Layout {
    /// The rectangles for `constraints`, in order, inside `rect`.
    public static func split(_ rect: Rect, _ direction: Direction, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        let length = direction == .vertical ? rect.height : rect.width
        let sizes = solve(length: length, constraints, spacing: spacing)
        var pos = 0
        var out: [Rect] = []
        out.reserveCapacity(sizes.count)
        for size in sizes {
            let start = Swift.min(pos, length)
            let len = Swift.min(size, length - start)
            switch direction {
            case .vertical: out.append(Rect(x: rect.x, y: rect.y + start, width: rect.width, height: len))
            case .horizontal: out.append(Rect(x: rect.x + start, y: rect.y, width: len, height: rect.height))
            }
            pos = start + len + Swift.max(0, spacing)
        }
        return out
    }

    /// The sizes along the axis that ``split(_:_:_:spacing:)`` uses.
    public static func solve(length: Int, _ constraints: [Constraint], spacing: Int = 0) -> [Int] {
        let n = constraints.count
        guard n > 0 else { return [] }
        let available = Swift.max(0, Swift.max(0, length) - Swift.max(0, spacing) * (n - 1))
        var sizes = Array(repeating: 0, count: n)

        // 1. Fixed and percentage.
        var hardIdx: [Int] = [], hardReq: [Int] = []
        for (i, c) in constraints.enumerated() {
            switch c {
            case .fixed(let v): hardIdx.append(i); hardReq.append(Swift.max(0, v))
            case .percentage(let p): hardIdx.append(i); hardReq.append(available * Swift.min(100, Swift.max(0, p)) / 100)
            default: break
            }
        }
        let hardTotal = hardReq.reduce(0, +)
        let hardSizes = hardTotal > available ? distribute(available, weights: hardReq) : hardReq
        for (k, i) in hardIdx.enumerated() { sizes[i] = hardSizes[k] }
        var remaining = available - hardSizes.reduce(0, +)

        // 2. Minimums.
        var minIdx: [Int] = [], minReq: [Int] = []
        for (i, c) in constraints.enumerated() { if case .min(let v) = c { minIdx.append(i); minReq.append(Swift.max(0, v)) } }
        let minTotal = minReq.reduce(0, +)
        let minSizes = minTotal > remaining ? distribute(remaining, weights: minReq) : minReq
        for (k, i) in minIdx.enumerated() { sizes[i] = minSizes[k] }
        remaining -= minSizes.reduce(0, +)

        // 3. Leftover shared by weight.
        var shareIdx: [Int] = [], shareWeight: [Int] = []
        for (i, c) in constraints.enumerated() {
            switch c {
            case .min: shareIdx.append(i); shareWeight.append(1)
            case .fill(let w): shareIdx.append(i); shareWeight.append(Swift.max(0, w))
            default: break
            }
        }
        if !shareIdx.isEmpty && remaining > 0 {
            if shareWeight.allSatisfy({ $0 == 0 }) { shareWeight = Array(repeating: 1, count: shareWeight.count) }
            let shares = distribute(remaining, weights: shareWeight)
            for (k, i) in shareIdx.enumerated() { sizes[i] += shares[k] }
        }
        return sizes
    }

    /// Splits `total` in proportion to `weights` (largest remainder; ties go to the earlier
    /// part), so that the parts add up to exactly `total` when any weight is positive.
    static func distribute(_ total: Int, weights: [Int]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0, total > 0 else { return Array(repeating: 0, count: weights.count) }
        var parts = weights.map { total * $0 / sum }
        var left = total - parts.reduce(0, +)
        let order = weights.indices.sorted { a, b in
            let ra = total * weights[a] % sum, rb = total * weights[b] % sum
            return ra != rb ? ra > rb : a < b
        }
        var k = 0
        while left > 0 {
            let i = order[k % order.count]
            if weights[i] > 0 { parts[i] += 1; left -= 1 }
            k += 1
        }
        return parts
    }
}
