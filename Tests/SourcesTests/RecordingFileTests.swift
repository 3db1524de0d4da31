import Foundation
import Incidents
@testable import Sources
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The recording file on disk: created new and 0600, every append whole on disk when it
/// returns, anything but a new regular file refused with a reason, and a file cut anywhere
/// readable up to its last whole record.
@Suite struct RecordingFileTests {
    /// A stand-in for `RecordingEncoder.fileStart()`: the preamble and a header frame.
    static let start = RecordFraming.preamble() + RecordFraming.frame(type: 0x01, payload: Array("header".utf8))

    static func payload(_ i: Int) -> [UInt8] { (0..<(i * 37 % 500)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) } }

    @Test func createsTheFile0600AndEachAppendIsWholeOnDisk() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let path = dir.file("session.mwr")
        let w = try RecordingFileWriter(creating: path, start: Self.start)
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(try dir.bytes("session.mwr") == Self.start)
        var expected = Self.start
        for i in 0..<20 {
            if i % 2 == 0 {
                try w.append(type: UInt8(0x10 + i % 5), payload: Self.payload(i))
                expected += RecordFraming.frame(type: UInt8(0x10 + i % 5), payload: Self.payload(i))
            } else {
                let framed = RecordFraming.frame(type: 0x13, payload: Self.payload(i)) + RecordFraming.frame(type: 0x12, payload: [])
                try w.append(framed: framed)
                expected += framed
            }
            // What `kill -9` right after `append` returned would leave: exactly the records so far.
            #expect(try dir.bytes("session.mwr") == expected)
            #expect(w.size == expected.count)
        }
        try w.close()
        let scan = FrameScanner.scan(try RecordingFile.read(path: path).get(), file: path)
        #expect(scan.problem == nil)
        #expect(scan.frames.count == 1 + 10 + 20)
    }

    @Test func appendsAfterCloseThrowAndCloseTwiceIsHarmless() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let path = dir.file("r.mwr")
        let w = try RecordingFileWriter(creating: path, start: Self.start, syncPolicy: .everyRecord)
        try w.append(type: 0x10, payload: [1])
        try w.syncIfDue()
        try w.sync()
        try w.close()
        try w.close()
        #expect(throws: RecordingFileError(path: path, message: "closed")) { try w.append(type: 0x10, payload: [2]) }
        #expect(throws: RecordingFileError(path: path, message: "closed")) { try w.sync() }
        try w.syncIfDue()   // nothing to do on a closed file
        #expect(try dir.bytes("r.mwr") == Self.start + RecordFraming.frame(type: 0x10, payload: [1]))
    }

    /// A recording is written once, by one session: records refer back to earlier ones, so
    /// appending to another file (or after its torn tail) would make it unreadable.
    @Test func anythingButANewRegularFileIsRefusedWithTheReason() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        func refusal(_ path: String) -> String? {
            do { _ = try RecordingFileWriter(creating: path, start: Self.start); return nil } catch { return error.description }
        }
        let existing = dir.file("old.mwr")
        FileManager.default.createFile(atPath: existing, contents: Data([1, 2, 3]))
        #expect(refusal(existing) == "recording \(existing): already exists (a recording is written once, by one session)")
        #expect(try dir.bytes("old.mwr") == [1, 2, 3], "left untouched")
        #expect(refusal(dir.path) == "recording \(dir.path): not a regular file (a directory)")
        #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
        #expect(refusal(dir.file("fifo")) == "recording \(dir.file("fifo")): not a regular file (a FIFO)")
        #expect(symlink(existing, dir.file("link")) == 0)
        #expect(refusal(dir.file("link")) == "recording \(dir.file("link")): not a regular file (a symlink)")
        #expect(symlink(dir.file("nowhere"), dir.file("dangling")) == 0)
        #expect(refusal(dir.file("dangling")) == "recording \(dir.file("dangling")): not a regular file (a symlink)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("nowhere")), "a dangling symlink is not followed to create its target")
        #expect(refusal(dir.file("missing/r.mwr")) == "recording \(dir.file("missing/r.mwr")): the directory \(dir.file("missing")) does not exist")
        #expect(refusal("") == "recording : no path given")
        #expect(refusal(dir.file("a\u{0}b")) == "recording \(dir.file("a\u{0}b")): the path contains a NUL character")
    }

    @Test func readingRefusesWhatIsNotARegularFile() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        #expect(throws: RecordingFileError(path: dir.path, message: "not a regular file (a directory)")) { try RecordingFile.read(path: dir.path).get() }
        #expect(throws: RecordingFileError(path: dir.file("none"), message: "No such file or directory")) {
            try RecordingFile.read(path: dir.file("none")).get()
        }
        #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
        #expect(throws: RecordingFileError(path: dir.file("fifo"), message: "not a regular file (a FIFO)")) {
            try RecordingFile.read(path: dir.file("fifo")).get()
        }
    }

    /// The file a crash leaves is the file cut anywhere: truncating a written recording at
    /// every byte of its last records, every whole record before the cut reads back, and the
    /// problem names the file and the offset of the record that was cut.
    @Test func aRecordingCutAnywhereReadsUpToItsLastWholeRecord() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let path = dir.file("full.mwr")
        let w = try RecordingFileWriter(creating: path, start: Self.start)
        for i in 0..<12 { try w.append(type: 0x13, payload: Self.payload(i + 3)) }
        try w.close()
        let bytes = try RecordingFile.read(path: path).get()
        let whole = FrameScanner.scan(bytes, file: path).frames
        let cutPath = dir.file("cut.mwr")
        for cut in whole[whole.count - 4].offset...bytes.count {
            FileManager.default.createFile(atPath: cutPath, contents: Data(bytes[..<cut]))
            let scan = FrameScanner.scan(try RecordingFile.read(path: cutPath).get(), file: cutPath)
            let complete = whole.filter { $0.end <= cut }
            #expect(scan.frames == complete, "cut at \(cut)")
            let boundary = complete.last?.end ?? 0
            if cut == boundary { #expect(scan.problem == nil); continue }
            let p = try #require(scan.problem)
            #expect(p.isTruncation && p.offset == boundary)
            #expect(p.description.hasPrefix("\(cutPath): record #\(complete.count) at byte \(boundary) is cut short"))
        }
    }

    /// Two threads appending at once: each record lands whole (the writer serializes appends).
    @Test func concurrentAppendsStayWhole() async throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let path = dir.file("c.mwr")
        let w = try RecordingFileWriter(creating: path, start: Self.start)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for i in 0..<50 { try? w.append(type: UInt8(0x10 + t), payload: Self.payload(t * 50 + i)) }
                }
            }
        }
        try w.close()
        let scan = FrameScanner.scan(try RecordingFile.read(path: path).get(), file: path)
        #expect(scan.problem == nil)
        #expect(scan.frames.count == 1 + 200)
        for t in 0..<4 { #expect(scan.frames.filter { $0.type == UInt8(0x10 + t) }.count == 50) }
    }
}
