@testable import Logs
import Testing

/// Level words are compared as integers lowered eight bytes at a time; this checks them against
/// a plain reading of the same table on every case variant and on random bytes.
@Suite struct LevelWordTests {
    static let table: [String: LogLevel] = [
        "err": .error, "inf": .info, "wrn": .warn, "dbg": .debug, "trc": .trace, "ftl": .fatal, "pnc": .fatal,
        "log": .info, "crt": .fatal, "info": .info, "warn": .warn, "crit": .fatal, "fine": .debug, "eror": .error,
        "error": .error, "emerg": .fatal, "debug": .debug, "trace": .trace, "fatal": .fatal, "finer": .trace,
        "panic": .fatal, "alert": .fatal, "notice": .info, "severe": .error, "finest": .trace, "warning": .warn,
        "verbose": .trace, "critical": .fatal, "emergency": .fatal, "information": .info,
    ]
    static let letters: [UInt8: LogLevel] = [116: .trace, 100: .debug, 105: .info, 119: .warn, 101: .error, 102: .fatal, 99: .fatal]

    /// ASCII letters lowered, every other byte kept.
    static func lower(_ bytes: [UInt8]) -> [UInt8] { bytes.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 } }

    static func reference(_ bytes: [UInt8], letters: Bool) -> LogLevel? {
        let l = lower(bytes)
        if l.count == 1 { return letters ? Self.letters[l[0]] : nil }
        guard let word = String(validating: l, as: UTF8.self) else { return nil }
        return table[word]
    }

    static func upperReference(_ bytes: [UInt8]) -> LogLevel? {
        guard bytes.count >= 3, bytes.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { return nil }
        return reference(bytes, letters: false)
    }

    static func check(_ bytes: [UInt8]) {
        // Inside a longer buffer (the word read in place), and alone (read byte by byte at its end).
        for padded in [bytes + Array("  trailing bytes".utf8), bytes] {
            padded.withUnsafeBufferPointer { buf in
                let b = Bytes(buf)
                for letters in [false, true] {
                    #expect(LevelParsing.word(b, 0, bytes.count, letters: letters) == reference(bytes, letters: letters),
                            "\(bytes) letters \(letters)")
                }
                #expect(LevelParsing.upperWord(b, 0, bytes.count) == upperReference(bytes), "\(bytes)")
            }
        }
    }

    @Test func everyCaseVariantOfEveryWord() {
        for word in Array(Self.table.keys) + ["t", "d", "i", "w", "e", "f", "c"] {
            let bytes = Array(word.utf8)
            for variant in 0..<(1 << bytes.count) {
                Self.check(bytes.enumerated().map { k, c in variant & (1 << k) != 0 ? c & ~0x20 : c })
            }
        }
    }

    @Test func randomBytes() {
        var state: UInt64 = 3
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            return z ^ (z >> 31)
        }
        // Bytes near the letters of the words, their case bit flipped, and beyond ASCII.
        let alphabet: [UInt8] = Array("errorinfowarndebugtracefatalcriticalEWIF".utf8) + [0, 64, 91, 96, 123, 0xC5, 0xE5, 0x80]
        for _ in 0..<50_000 {
            let n = Int(next() % 13)
            Self.check((0..<n).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
        }
    }
}
