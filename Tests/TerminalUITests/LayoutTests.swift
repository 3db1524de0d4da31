import Testing
import TerminalUI

@Suite struct LayoutTests {
    let parent = Rect(x: 2, y: 3, width: 100, height: 20)

    /// Rects follow each other along the axis, never overlap and stay in the parent.
    func checkInvariants(_ rects: [Rect], in parent: Rect, _ direction: Direction, spacing: Int = 0) {
        var cursor = direction == .horizontal ? parent.x : parent.y
        for r in rects {
            #expect(parent.intersection(r) == r || r.isEmpty)
            let start = direction == .horizontal ? r.x : r.y
            #expect(start >= cursor)
            cursor = start + (direction == .horizontal ? r.width : r.height)
            #expect(cursor <= (direction == .horizontal ? parent.maxX : parent.maxY))
        }
    }

    @Test func fixedAndFillShareTheWidth() {
        let r = Layout.split(parent, .horizontal, [.fixed(10), .fill(1), .fixed(20)])
        #expect(r == [Rect(x: 2, y: 3, width: 10, height: 20), Rect(x: 12, y: 3, width: 70, height: 20),
                      Rect(x: 82, y: 3, width: 20, height: 20)])
        checkInvariants(r, in: parent, .horizontal)
    }

    @Test func verticalSplitStacksRows() {
        let r = Layout.split(parent, .vertical, [.fixed(1), .fill(1), .fixed(1)])
        #expect(r.map(\.y) == [3, 4, 22])
        #expect(r.map(\.height) == [1, 18, 1])
        #expect(r.allSatisfy { $0.x == 2 && $0.width == 100 })
    }

    @Test func fillSharesByWeightAndSumsExactly() {
        let sizes = Layout.solve(length: 10, [.fill(1), .fill(2)])
        #expect(sizes == [3, 7])   // 3.33 / 6.67: the larger remainder gets the extra cell
        let thirds = Layout.solve(length: 10, [.fill(1), .fill(1), .fill(1)])
        #expect(thirds == [4, 3, 3])
        #expect(thirds.reduce(0, +) == 10)
    }

    @Test func percentagesOfTheAvailableSpace() {
        #expect(Layout.solve(length: 80, [.percentage(25), .percentage(50)]) == [20, 40])
        // No fill or min: the rest stays unused at the end.
        let r = Layout.split(Rect(x: 0, y: 0, width: 80, height: 1), .horizontal, [.percentage(25), .percentage(50)])
        #expect(r.last!.maxX == 60)
    }

    @Test func overflowingFixedPartsShrinkProportionally() {
        let sizes = Layout.solve(length: 30, [.fixed(20), .fixed(40), .fill(1)])
        #expect(sizes == [10, 20, 0])
        let odd = Layout.solve(length: 10, [.fixed(7), .percentage(100)])
        #expect(odd.reduce(0, +) == 10)
        #expect(odd == [4, 6])    // requests 7 and 10 of 17 -> 4.1 and 5.9
    }

    @Test func minGetsItsValueThenSharesLikeFill() {
        #expect(Layout.solve(length: 50, [.min(10), .fill(1)]) == [30, 20])
        #expect(Layout.solve(length: 50, [.fixed(45), .min(10)]) == [45, 5])
        #expect(Layout.solve(length: 12, [.min(10), .min(10)]) == [6, 6])
        #expect(Layout.solve(length: 30, [.min(10), .fill(3)]) == [15, 15])
    }

    @Test func spacingIsLeftBetweenPartsAndCountsTowardsTheParent() {
        let r = Layout.split(Rect(x: 0, y: 0, width: 21, height: 1), .horizontal, [.fill(1), .fill(1)], spacing: 1)
        #expect(r == [Rect(x: 0, y: 0, width: 10, height: 1), Rect(x: 11, y: 0, width: 10, height: 1)])
        let p = Layout.split(Rect(x: 0, y: 0, width: 21, height: 1), .horizontal, [.percentage(50), .fill(1)], spacing: 1)
        #expect(p.map(\.width) == [10, 10])
    }

    @Test func tinyParentsNeverOverflow() {
        for width in 0...6 {
            let p = Rect(x: 1, y: 0, width: width, height: 1)
            let r = Layout.split(p, .horizontal, [.fixed(3), .min(2), .fill(1), .percentage(40)], spacing: 2)
            #expect(r.count == 4)
            checkInvariants(r, in: p, .horizontal, spacing: 2)
        }
    }

    @Test func sumEqualsParentWheneverAFillOrMinExists() {
        let sets: [[Constraint]] = [[.fixed(3), .fill(2), .percentage(10)], [.min(1), .fixed(7)], [.fill(0), .fixed(5)],
                                    [.percentage(33), .percentage(33), .fill(1)]]
        for constraints in sets {
            for length in [0, 1, 7, 33, 100, 157] {
                let sizes = Layout.solve(length: length, constraints, spacing: 1)
                #expect(sizes.reduce(0, +) + (constraints.count - 1) == length || length < constraints.count - 1,
                        "\(constraints) at \(length): \(sizes)")
            }
        }
    }

    @Test func emptyConstraintsGiveNoRects() {
        #expect(Layout.split(parent, .horizontal, []).isEmpty)
    }
}
