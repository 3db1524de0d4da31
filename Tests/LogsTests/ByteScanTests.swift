import CLogScan
@testable import Logs
import Telemetry
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The vector byte searches of CLogScan against a scalar reference on random bytes, at every
/// alignment and against the end of a page (they must neither miss nor fault), and the key
/// cache of the structured scanners against reading every line cold.
@Suite struct ByteScanTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Two pages, the second not readable: bytes placed right before it fault when read past.
    final class GuardedPages {
        let base: UnsafeMutablePointer<UInt8>
        let page = 4096
        init() {
            let raw = mmap(nil, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
            mprotect(raw + 4096, 4096, PROT_NONE)
            base = raw.assumingMemoryBound(to: UInt8.self)
        }
        deinit { munmap(base, 2 * 4096) }
    }

    static func reference(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ a: UInt8, _ b: UInt8) -> Int {
        var i = from
        while i < end { if p[i] == a || p[i] == b { return i }; i += 1 }
        return end
    }

    #if arch(x86_64)
    @Test func vectorFindsMatchAScalarSearchOnRandomBytes() {
        var rng = Rng(state: 42)
        let pages = GuardedPages()
        let alphabet: [UInt8] = [34, 92, 61, 32, 9, 10, 58, 97, 98, 0xC3, 0xA9, 0xE2, 0x80]
        for round in 0..<20_000 {
            // A run of 0-100 bytes, ending anywhere in the last 100 bytes before the guard page.
            let length = rng.below(101)
            let end = pages.page - rng.below(101 - length)
            let start = end - length
            for k in start..<end { pages.base[k] = alphabet[rng.below(alphabet.count)] }
            let p = UnsafePointer(pages.base)
            let from = start + (length == 0 ? 0 : rng.below(length + 1))
            let a = alphabet[rng.below(alphabet.count)], b = alphabet[rng.below(alphabet.count)]
            #expect(mw_find2(p, from, end, a, b) == Self.reference(p, from, end, a, b), "round \(round)")
            #expect(mw_find1(p, from, end, a) == Self.reference(p, from, end, a, a), "round \(round)")
        }
    }
    #endif

    @Test func newlineMasksOfEveryImplementationMatchAScalarScan() {
        var rng = Rng(state: 99)
        let pages = GuardedPages()
        var checked = Set<Int32>()
        for round in 0..<5_000 {
            // Up to 4096 bytes ending anywhere in the last 200 bytes before the guard page.
            let n = rng.below(4097)
            let start = pages.page - n - rng.below(min(200, pages.page - n) + 1)
            for k in 0..<n { pages.base[start + k] = rng.below(8) == 0 ? 10 : UInt8(truncatingIfNeeded: rng.next()) }
            let words = (n + 63) / 64
            var expected = [UInt64](repeating: 0, count: max(1, words))
            for k in 0..<n where pages.base[start + k] == 10 { expected[k / 64] |= 1 << UInt64(k % 64) }
            for kind in [MW_SCAN_PORTABLE, MW_SCAN_SSE2, MW_SCAN_AVX2, MW_SCAN_AVX512] {
                var got = [UInt64](repeating: 0xDEAD, count: max(1, words))
                guard mw_newlines_using(Int32(kind), pages.base + start, n, &got) == 0 else { continue }
                checked.insert(Int32(kind))
                #expect(Array(got.prefix(words)) == Array(expected.prefix(words)), "round \(round), implementation \(kind), \(n) bytes")
            }
        }
        #expect(checked.contains(Int32(MW_SCAN_PORTABLE)))
        #expect(checked.contains(mw_newlines_kind()))
    }

    @Test func quoteIndexMatchesAScalarScan() {
        var rng = Rng(state: 5)
        let pages = GuardedPages()
        var indexed = 0
        for round in 0..<5_000 {
            let n = rng.below(3000)
            let start = pages.page * 0 + (pages.page - n) - rng.below(min(100, pages.page - n) + 1)
            let backslash = rng.below(4) == 0
            for k in 0..<n {
                let r = rng.below(10)
                pages.base[start + k] = r == 0 ? 34 : (r == 1 && backslash ? 92 : UInt8(65 + rng.below(26)))
            }
            var out = [UInt16](repeating: 0, count: n + 64)
            let count = mw_quote_index(pages.base + start, n, &out)
            let quotes = (0..<n).filter { pages.base[start + $0] == 34 }.map(UInt16.init)
            let hasBackslash = (0..<n).contains { pages.base[start + $0] == 92 }
            if count < 0 {
                #expect(hasBackslash || mw_quote_index(pages.base, 0, &out) < 0, "round \(round): refused without a backslash")
            } else {
                indexed += 1
                #expect(!hasBackslash, "round \(round)")
                #expect(Array(out.prefix(count)) == quotes, "round \(round)")
            }
        }
        // On a machine without AVX-512 VBMI2 nothing is indexed and the scanners read bytes.
        if mw_quote_index(pages.base, 0, nil) >= 0 { #expect(indexed > 3000) }
    }

    /// A JSON line read with the list of its quotes gives what reading its bytes gives, for
    /// lines with nested values, white space, strings cut by the line's end, numbers, literals.
    @Test func indexedJSONStringsReadAsBytes() {
        var rng = Rng(state: 11)
        let pieces = ["\"k\":\"v\"", "\"level\":\"warn\"", "\"time\":\"2024-11-29T03:00:00Z\"", "\"n\":12.5", "\"t\":true",
                      "\"o\":{\"a\":\"b\",\"c\":[1,\"x\"]}", "\"a\":[\"p\",\"q\"]", "\"msg\":\"caf\u{e9} \u{2615}\"", " \"s\" : \"sp\" ",
                      "\"model\":\"fraud-detector\"", "\"e\":\"\"", "\"z\":null"]
        var compared = 0
        for _ in 0..<4000 {
            var parts: [String] = []
            for _ in 0..<(1 + rng.below(12)) { parts.append(pieces[rng.below(pieces.count)]) }
            var line = "{" + parts.joined(separator: rng.below(8) == 0 ? " , " : ",") + "}"
            if rng.below(6) == 0 { line = String(line.prefix(rng.below(line.count))) }  // cut short
            var bytes = Array(line.utf8)
            bytes.append(contentsOf: [UInt8](repeating: 0, count: 0))
            bytes.withUnsafeBufferPointer { buf in
                let b = Bytes(buf)
                var out = [UInt16](repeating: 0, count: b.count + 64)
                let n = out.withUnsafeMutableBufferPointer { mw_quote_index(b.base, b.count, $0.baseAddress!) }
                guard n >= 0 else { return }
                compared += 1
                for truncated in [false, true] {
                    var viaBytes = LineScan(), viaIndex = LineScan()
                    viaBytes.reset(.json); viaIndex.reset(.json)
                    var byteStrings = ByteStrings()
                    let okBytes = JSONLineScanner.scan(b, truncated: truncated, into: &viaBytes, ReceiveContext.zero,
                                                       custom: CustomKeys(nil), timeLayout: nil, &byteStrings)
                    let okIndex = out.withUnsafeBufferPointer { q -> Bool in
                        var indexed = IndexedStrings(quotes: q.baseAddress!, count: n)
                        return JSONLineScanner.scan(b, truncated: truncated, into: &viaIndex, ReceiveContext.zero,
                                                    custom: CustomKeys(nil), timeLayout: nil, &indexed)
                    }
                    #expect(okBytes == okIndex, "\(line)")
                    #expect(Array(viaBytes.fields) == Array(viaIndex.fields), "\(line)")
                    #expect(viaBytes.level == viaIndex.level && viaBytes.time == viaIndex.time && viaBytes.message == viaIndex.message
                            && viaBytes.model == viaIndex.model, "\(line)")
                }
            }
        }
        if mw_quote_index(Bytes.emptyBase, 0, nil) >= 0 { #expect(compared > 1000) }
    }

    /// Random JSON and logfmt lines whose keys repeat (so the cache matches) or change at any
    /// place (so that it must not): one assembler reading them all gives the entries that a
    /// fresh assembler per line gives.
    @Test func keyCacheNeverChangesWhatIsRead() {
        var rng = Rng(state: 7)
        let keys = ["time", "level", "msg", "model", "modelx", "mode", "version", "request_id", "request_i",
                    "latency_ms", "status", "ts", "t", "lvl", "message", "trace_id", "k\u{e9}y", "a b", "x=y", "q\\\"k"]
        let values = ["2024-11-29T03:00:00.123Z", "ERROR", "warn", "fraud-detector", "3", "0123456789abcdef",
                      "12.5", "slow request: 100 ms", "caf\u{e9} \u{2615}", ""]
        for json in [true, false] {
            var lines: [String] = []
            var order = Array(keys.prefix(9))
            for _ in 0..<3000 {
                // Mostly the same keys; now and then one place changes (the first stays a plain
                // key, so that every line is read as the format when read alone).
                if rng.below(5) == 0 { order[1 + rng.below(order.count - 1)] = keys[rng.below(keys.count)] }
                var parts: [String] = []
                var seen = Set<String>()
                for key in order where seen.insert(key).inserted {
                    let value = values[rng.below(values.count)]
                    if json {
                        let k = key.replacingOccurrences(of: "\"", with: "")
                        parts.append("\"\(k)\":" + (value == "3" ? "3" : "\"\(value)\""))
                    } else {
                        let k = key.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "\"", with: "")
                        parts.append("\(k)=" + (value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value))
                    }
                }
                lines.append(json ? "{" + parts.joined(separator: ",") + "}" : parts.joined(separator: " "))
            }
            let warm = LogFixtures.read(lines: lines)
            #expect(warm.count == lines.count)
            for (k, line) in lines.enumerated() {
                let cold = LogFixtures.read(lines: [line])
                #expect(cold.count == 1)
                guard let c = cold.first, k < warm.count else { continue }
                let w = warm[k]
                #expect(c.fields == w.fields && c.level == w.level && c.statedTime == w.statedTime && c.model == w.model
                        && c.version == w.version && c.requestID == w.requestID && c.traceID == w.traceID
                        && c.message == w.message && c.format == w.format, "line \(k): \(line)")
            }
        }
    }
}
