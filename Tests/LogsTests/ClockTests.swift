@testable import Logs
import Testing

/// `HH:MM:SS` is read as one integer; this checks it against a byte-by-byte reading.
@Suite struct ClockTests {
    static func reference(_ bytes: [UInt8]) -> (Int, Int, Int)? {
        func two(_ i: Int) -> Int? {
            let a = bytes[i] &- 48, b = bytes[i + 1] &- 48
            return a < 10 && b < 10 ? Int(a) * 10 + Int(b) : nil
        }
        guard bytes.count >= 8, bytes[2] == 58, bytes[5] == 58, let h = two(0), let m = two(3), let s = two(6),
              h <= 24, m <= 59, s <= 60 else { return nil }
        return (h, m, s)
    }

    static func check(_ bytes: [UInt8]) {
        let got = bytes.withUnsafeBufferPointer { TimeParsing.clock(Bytes($0), 0) }
        let want = reference(bytes)
        #expect(got?.0 == want?.0 && got?.1 == want?.1 && got?.2 == want?.2, "\(bytes)")
    }

    @Test func everyTimeOfDayAndItsNeighbours() {
        for h in 0..<30 {
            for m in stride(from: 0, to: 70, by: 1) {
                for s in [0, 1, 9, 10, 30, 59, 60, 61, 69] {
                    Self.check(Array("\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s)".utf8))
                }
            }
        }
    }

    @Test func randomBytesNearDigitsAndColons() {
        var state: UInt64 = 17
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            return z ^ (z >> 31)
        }
        let alphabet: [UInt8] = Array("0123456789:".utf8) + [47, 59, 0, 32, 0x80, 0xB9, 0xFF, 0x3A, 0x2F]
        for _ in 0..<200_000 {
            var bytes = (0..<8).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            if next() % 2 == 0 { bytes[2] = 58; bytes[5] = 58 }
            Self.check(bytes)
        }
    }
}
