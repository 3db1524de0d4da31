import Incidents
import Telemetry
import Testing

/// The container of a recording: CRC-32C, the preamble, frames, and a scanner that reads up to
/// the last whole record of a file cut short or damaged anywhere, and says where it stopped.
@Suite struct RecordFramingTests {
    /// The bitwise definition of CRC-32C, for checking the table-driven one.
    static func referenceCRC(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        }
        return ~c
    }

    @Test func crc32cMatchesItsCheckValueAndTheBitwiseDefinition() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // iSCSI's test vector (RFC 3720 B.4): 32 bytes of zeros.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        var rng = Rng(1)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(CRC32C.checksum(bytes) == Self.referenceCRC(bytes), "length \(length)")
            let cut = length / 3
            #expect(CRC32C.checksum(Array(bytes[cut...]), continuing: CRC32C.checksum(Array(bytes[..<cut]))) == CRC32C.checksum(bytes))
        }
    }

    @Test func aFrameIsLengthTypeCRCPayload() {
        let frame = RecordFraming.frame(type: 0x13, payload: [0xAA, 0xBB, 0xCC])
        #expect(frame.count == 12)
        #expect(Array(frame[0..<5]) == [3, 0, 0, 0, 0x13])
        let crc = Self.referenceCRC([3, 0, 0, 0, 0x13, 0xAA, 0xBB, 0xCC])
        #expect(Array(frame[5..<9]) == [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)])
        #expect(Array(frame[9...]) == [0xAA, 0xBB, 0xCC])
        #expect(RecordFraming.preamble() == [0x89, 0x4D, 0x57, 0x52, 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, 0, 0])
        #expect(RecordFraming.preamble(RecordingVersion(major: 0x0102, minor: 0x0304)).suffix(4) == [2, 1, 4, 3])
    }

    @Test func thePreambleIsCheckedWithMessages() {
        #expect(RecordFraming.readPreamble(RecordFraming.preamble(), file: "f") == .success(RecordingVersion(major: 1, minor: 0)))
        #expect(RecordFraming.readPreamble(RecordFraming.preamble(RecordingVersion(major: 1, minor: 7)), file: "f")
                == .success(RecordingVersion(major: 1, minor: 7)))
        func problem(_ bytes: [UInt8]) -> String {
            if case .failure(let p) = RecordFraming.readPreamble(bytes, file: "r.mwr") { return p.description }
            return "read"
        }
        #expect(problem(RecordFraming.preamble(RecordingVersion(major: 2, minor: 0)))
                == "r.mwr: recording format 2.0 is newer than this modelwatch reads (1.x): nothing was read; read it with a newer modelwatch")
        #expect(problem(RecordFraming.preamble(RecordingVersion(major: 0, minor: 9)))
                == "r.mwr: recording format 0.9 is no longer read (this modelwatch reads 1.x): nothing was read")
        #expect(problem(Array("# HELP x\n".utf8)) == "r.mwr: not a modelwatch recording (its first bytes are not the recording magic)")
        #expect(problem([]) == "r.mwr: the file ends after 0 bytes, inside the 12-byte preamble: nothing could be read")
        #expect(problem(Array(RecordFraming.magic.prefix(5))) == "r.mwr: the file ends after 5 bytes, inside the 12-byte preamble: nothing could be read")
    }

    /// A file of `n` frames of assorted types and sizes (an empty payload among them).
    static func file(_ n: Int, seed: UInt64 = 3) -> (bytes: [UInt8], frames: [(type: UInt8, payload: [UInt8])]) {
        var rng = Rng(seed)
        var bytes = RecordFraming.preamble()
        var frames: [(UInt8, [UInt8])] = []
        for i in 0..<n {
            let payload = (0..<(i == 2 ? 0 : Int(rng.next() % 300))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let type = UInt8(1 + rng.next() % 0x30)
            frames.append((type, payload))
            bytes += RecordFraming.frame(type: type, payload: payload)
        }
        return (bytes, frames)
    }

    @Test func theScannerReadsBackEveryFrame() {
        let (bytes, frames) = Self.file(40)
        let scan = FrameScanner.scan(bytes, file: "f")
        #expect(scan.problem == nil && scan.version == RecordFraming.current)
        #expect(scan.frames.count == 40)
        for (f, expected) in zip(scan.frames, frames) {
            #expect(f.type == expected.type && Array(bytes[f.payload]) == expected.payload)
        }
        #expect(scan.frames.map(\.index) == Array(0..<40))
        #expect(scan.frames.last?.end == bytes.count)
    }

    /// What `kill -9` leaves: a file cut anywhere. Every whole frame before the cut comes back,
    /// and the problem is a truncation at the start of the frame that was cut.
    @Test func aFileCutAtAnyByteReadsUpToItsLastWholeFrame() {
        let (bytes, _) = Self.file(12)
        let whole = FrameScanner.scan(bytes, file: "f").frames
        for cut in RecordFraming.preambleSize..<bytes.count {
            let scan = FrameScanner.scan(Array(bytes[..<cut]), file: "cut.mwr")
            let complete = whole.filter { $0.end <= cut }
            #expect(scan.frames == complete, "cut at \(cut)")
            let boundary = complete.last?.end ?? RecordFraming.preambleSize
            if cut == boundary {
                #expect(scan.problem == nil, "cut at \(cut)")
                continue
            }
            guard let p = scan.problem else { Issue.record("no problem for a cut at \(cut)"); continue }
            #expect(p.isTruncation)
            #expect(p.offset == boundary && p.record == complete.count)
            let needed = cut - boundary < RecordFraming.frameHeaderSize ? RecordFraming.frameHeaderSize : whole[complete.count].end - boundary
            #expect(p.kind == .truncated(needed: needed, available: cut - boundary), "cut at \(cut)")
            #expect(p.description == "cut.mwr: record #\(complete.count) at byte \(boundary) is cut short (it needs \(needed) bytes, the file has \(cut - boundary) more): the recording ends here, cut off by a crash most likely; read up to byte \(boundary)")
        }
    }

    /// Every single flipped bit in a frame is caught: a CRC error naming the frame, or (a bit
    /// in the length) a length past the end or the limit; never a frame read wrong.
    @Test func everyFlippedBitIsCaught() {
        let (bytes, _) = Self.file(6)
        let whole = FrameScanner.scan(bytes, file: "f").frames
        let target = whole[4]
        for offset in target.offset..<target.end {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[offset] ^= UInt8(1) << UInt8(bit)
                let scan = FrameScanner.scan(damaged, file: "d.mwr")
                #expect(scan.frames == Array(whole.prefix(4)), "byte \(offset) bit \(bit)")
                guard let p = scan.problem else { Issue.record("byte \(offset) bit \(bit) not caught"); continue }
                #expect(p.offset == target.offset && p.record == 4)
                switch p.kind {
                case .badChecksum(let stored, let computed, _, _):
                    #expect(stored != computed)
                    #expect(p.description.hasPrefix("d.mwr: record #4 at byte \(target.offset) ("))
                    #expect(p.description.contains("fails its CRC-32C check"))
                    #expect(p.description.hasSuffix("the file is damaged here; read up to byte \(target.offset)"))
                case .truncated, .oversized:
                    #expect(offset < target.offset + 4, "only a flip in the length can look like a cut")
                default:
                    Issue.record("byte \(offset) bit \(bit): \(p.kind)")
                }
            }
        }
    }

    @Test func aTailOfZerosIsAnUnfinishedWriteAndAHugeLengthIsDamage() {
        let (bytes, _) = Self.file(3)
        let zeros = FrameScanner.scan(bytes + [UInt8](repeating: 0, count: 4096), file: "z")
        #expect(zeros.frames.count == 3)
        #expect(zeros.problem?.kind == .zeroTail(length: 4096))
        #expect(zeros.problem?.isTruncation == true)
        #expect(zeros.problem?.description == "z: the last 4096 bytes, from byte \(bytes.count), are zeros (a write a crash left unfinished): the recording ends here; read up to byte \(bytes.count)")

        let huge = FrameScanner.scan(bytes + [0xFF, 0xFF, 0xFF, 0x7F, 0x13, 0, 0, 0, 0, 1, 2, 3], file: "h")
        #expect(huge.frames.count == 3)
        #expect(huge.problem?.kind == .oversized(length: 0x7FFF_FFFF))
        #expect(huge.problem?.isTruncation == false)
    }

    @Test func aScannerCanStartAtAFrameFoundEarlier() {
        let (bytes, _) = Self.file(10)
        let whole = FrameScanner.scan(bytes, file: "f").frames
        var scanner = FrameScanner(file: "f", offset: whole[6].offset, index: 6)
        var got: [FrameScanner.Frame] = []
        bytes.withUnsafeBytes { buffer in
            while case .frame(let f) = scanner.next(in: buffer) { got.append(f) }
        }
        #expect(got == Array(whole[6...]))
        // Without checksums (an index built from frame headers), lengths are still checked.
        #expect(FrameScanner.scan(bytes, file: "f", verifyChecksum: false).frames == whole)
    }

    /// Random bytes after a valid preamble, and valid files with random bytes overwritten:
    /// the scanner never traps, every frame it returns lies inside the bytes and passed its
    /// CRC, and it always ends (at the end or at a problem inside the bytes).
    @Test func randomAndMutatedBytesNeverCrashTheScanner() {
        var rng = Rng(99)
        let (valid, _) = Self.file(20)
        for round in 0..<5000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = RecordFraming.preamble() + (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = valid
                for _ in 0..<(1 + Int(rng.next() % 3)) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            }
            let scan = FrameScanner.scan(bytes, file: "r")
            for f in scan.frames {
                #expect(f.payload.upperBound <= bytes.count && f.offset + RecordFraming.frameHeaderSize == f.payload.lowerBound)
                let head = Array(bytes[f.offset..<f.offset + 5])
                let stored = UInt32(bytes[f.offset + 5]) | UInt32(bytes[f.offset + 6]) << 8 | UInt32(bytes[f.offset + 7]) << 16 | UInt32(bytes[f.offset + 8]) << 24
                #expect(Self.referenceCRC(head + Array(bytes[f.payload])) == stored)
            }
            if let p = scan.problem { #expect(p.offset <= bytes.count) }
        }
    }

    @Test func problemsNameTheRecordedTimeWhenKnown() {
        var p = RecordingProblem(file: "x.mwr", offset: 100, record: 7, kind: .malformed(type: 0x13, detail: "a string reference past the end"),
                                 typeName: "scrapeCompleted", reachedTime: Timestamp(milliseconds: 1_795_921_205_123))
        #expect(p.description == "x.mwr: record #7 at byte 100 (scrapeCompleted) cannot be decoded: a string reference past the end; read up to byte 100, recorded time 2026-11-29T03:00:05.123Z")
        p.kind = .missingHeader(type: 0x12)
        #expect(p.description == "x.mwr: the first record (at byte 100) is of type 0x12, not the header: the file is damaged; read up to byte 100, recorded time 2026-11-29T03:00:05.123Z")
        #expect(RecordingProblem.iso(Timestamp(milliseconds: -1)) == "1969-12-31T23:59:59.999Z")
        #expect(RecordingProblem.iso(Timestamp(milliseconds: 0)) == "1970-01-01T00:00:00.000Z")
        _ = RecordingProblem.iso(Timestamp(milliseconds: .min))   // no overflow trap at the extremes
        _ = RecordingProblem.iso(Timestamp(milliseconds: .max))
    }
}

/// What the scrubber takes out of config and rule text, and what it leaves alone.
@Suite struct SecretScrubberTests {
    @Test func urlsLoseTheirPasswordsAndTokens() {
        #expect(SecretScrubber.url("https://ops:hunter2@h:8443/metrics").text == "https://ops:<redacted>@h:8443/metrics")
        #expect(SecretScrubber.url("https://ghp_abc123@github.com/x").text == "https://<redacted>@github.com/x")
        #expect(SecretScrubber.url("http://h/m?module=http_2xx&access_token=abc&X-Amz-Signature=ff#frag").text
                == "http://h/m?module=http_2xx&access_token=<redacted>&X-Amz-Signature=<redacted>#frag")
        #expect(SecretScrubber.url("http://h/m?apikey=1&Password=2&sessionid=3&authz=4").redactions == 4)
        #expect(SecretScrubber.url("http://127.0.0.1:8002/metrics").redactions == 0)
        #expect(SecretScrubber.url("demo://triton-a").redactions == 0)
        #expect(SecretScrubber.url("file:///var/tmp/x.prom").redactions == 0)
        #expect(SecretScrubber.url("http://user:@h/").redactions == 0, "an empty password is nothing to hide")
    }

    @Test func keyValuesAndAuthorizationHeadersLoseTheirValues() {
        let text = """
        password: hunter2
          api_key: "quoted value" # comment stays
        credentials_file: /run/secrets/token
        password_env: SCRAPE_PW
        basic_auth: { username: ops, password: inline }
        TOKEN=abc123
        Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig
        header: Basic dXNlcjpwYXNzd29yZA==
        note: Basic checks are done first
        expr: sum(rate(vllm:prompt_tokens_total[5m])) / job:tokens:rate5m > 0
        annotations: { runbook_url: "https://wiki/x?token=t0p" }
        """
        let (out, n) = SecretScrubber.text(text)
        #expect(out == """
        password: <redacted>
          api_key: "<redacted>" # comment stays
        credentials_file: /run/secrets/token
        password_env: SCRAPE_PW
        basic_auth: { username: ops, password: <redacted> }
        TOKEN=<redacted>
        Authorization: Bearer <redacted>
        header: Basic <redacted>
        note: Basic checks are done first
        expr: sum(rate(vllm:prompt_tokens_total[5m])) / job:tokens:rate5m > 0
        annotations: { runbook_url: "https://wiki/x?token=<redacted>" }
        """)
        #expect(n == 7)
        // Scrubbing is idempotent: the mark is not taken for a secret.
        #expect(SecretScrubber.text(out) == (out, 0))
    }

    @Test func nonASCIITextStaysValid() {
        let text = "summary: 中文 ☃︎ e\u{301}\npassword: 秘密の値\nurl: http://ü:ñ@höst/ü?token=ü"
        let (out, n) = SecretScrubber.text(text)
        #expect(out == "summary: 中文 ☃︎ e\u{301}\npassword: <redacted>\nurl: http://ü:<redacted>@höst/ü?token=<redacted>")
        #expect(n == 3)
    }
}

/// SplitMix64, seeded: randomized tests that reproduce.
struct Rng {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
