import Sources
import Testing

/// The pure parts: line splitting with bounded memory, and where `tail -n N` starts.
@Suite struct LineAssemblerTests {
    @Test func splitsLinesAndRemovesOneCarriageReturn() {
        var a = LineAssembler(maxLineBytes: 100)
        let lines = a.lines(Array("one\ntwo\r\nthree\r\r\n\n".utf8))
        #expect(lines.map(\.text) == ["one", "two", "three\r", ""])
        #expect(lines.allSatisfy { !$0.flags.cut && !$0.flags.unterminated })
    }

    @Test func holdsAPartialLineUntilItsNewline() {
        var a = LineAssembler(maxLineBytes: 100)
        #expect(a.lines(Array("first\nsec".utf8)).map(\.text) == ["first"])
        #expect(a.pendingBytes == 3)
        #expect(a.lines(Array("on".utf8)).isEmpty)
        #expect(a.lines(Array("d\r".utf8)).isEmpty)
        #expect(a.lines(Array("\nthird".utf8)).map(\.text) == ["second"])
        let rest = a.finishLines()
        #expect(rest.map(\.text) == ["third"])
        #expect(rest.first?.flags.unterminated == true)
        #expect(a.pendingBytes == 0)
    }

    @Test func cutsALongLineAndSkipsItsRest() {
        var a = LineAssembler(maxLineBytes: 8)
        // Whole in one chunk.
        var lines = a.lines(Array("0123456789abc\nok\n".utf8))
        #expect(lines.map(\.text) == ["01234567", "ok"])
        #expect(lines.map(\.flags.cut) == [true, false])
        // Across chunks: cut as soon as the limit is passed, the rest dropped as it arrives.
        lines = a.lines(Array("abcdef".utf8))
        #expect(lines.isEmpty)
        lines = a.lines(Array("ghijkl".utf8))
        #expect(lines.map(\.text) == ["abcdefgh"])
        #expect(lines.first?.flags.cut == true)
        #expect(a.discarding)
        #expect(a.lines(Array("mnopqrstuvwxyz".utf8)).isEmpty)
        #expect(a.lines(Array("xyz\nnext\n".utf8)).map(\.text) == ["next"])
        // Exactly the limit is not cut, even when the newline comes later.
        #expect(a.lines(Array("12345678".utf8)).isEmpty)
        lines = a.lines(Array("\n".utf8))
        #expect(lines.map(\.text) == ["12345678"])
        #expect(lines.first?.flags.cut == false)
    }

    @Test func tenMegabytesWithoutANewlineNeverHoldMoreThanTheLimit() {
        let limit = 1 << 20
        var a = LineAssembler(maxLineBytes: limit)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var delivered: [(text: String, flags: LineAssembler.Flags)] = []
        for _ in 0..<(10 * 16) {
            delivered += a.lines(chunk)
            #expect(a.pendingBytes <= limit)
            #expect(a.pendingCapacity <= 2 * limit)
        }
        #expect(delivered.count == 1)
        #expect(delivered.first?.text.utf8.count == limit)
        #expect(delivered.first?.flags.cut == true)
        delivered = a.lines(Array("tail of it\nnext line\n".utf8))
        #expect(delivered.map(\.text) == ["next line"])
    }

    @Test func dropsNULPaddingAtTheStartOfALine() {
        var a = LineAssembler(maxLineBytes: 16)
        var bytes = [UInt8](repeating: 0, count: 100)  // longer than the limit: still not a cut line
        bytes += Array("after the hole\nmid\u{0}dle\n".utf8)
        let lines = a.lines(bytes)
        #expect(lines.map(\.text) == ["after the hole", "mid\u{0}dle"])
        #expect(lines.allSatisfy { !$0.flags.cut })
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        var a = LineAssembler(maxLineBytes: 100)
        let lines = a.lines([0x61, 0xFF, 0x62, 0x0A])
        #expect(lines.map(\.text) == ["a\u{FFFD}b"])
    }

    @Test func binarySniffingIgnoresLeadingNULPadding() {
        func binary(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { BinarySniffer.looksBinary($0) } }
        #expect(!binary(Array("plain text\n".utf8)))
        #expect(!binary([0, 0, 0] + Array("text after a hole\n".utf8)))
        #expect(binary([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0]))
        #expect(!binary([0xC3, 0x28, 0x0A]))  // invalid UTF-8 is not binary
    }
}

@Suite struct TailStartTests {
    func start(_ text: String, lines: Int, max: Int = 100, chunk: Int = 4) -> TailStart.Start {
        let bytes = Array(text.utf8)
        return TailStart.start(lastLines: lines, end: Int64(bytes.count), maxLineBytes: max, chunkSize: chunk) { off, buf in
            let n = Swift.min(buf.count, bytes.count - Int(off))
            for i in 0..<n { buf[i] = bytes[Int(off) + i] }
            return n
        }
    }

    @Test func findsTheLastNCompleteLines() {
        let text = "a\nbb\nccc\ndddd\n"
        #expect(start(text, lines: 0).offset == 14)
        #expect(start(text, lines: 1).offset == 9)
        #expect(start(text, lines: 2).offset == 5)
        #expect(start(text, lines: 4).offset == 0)
        #expect(start(text, lines: 10).offset == 0)
    }

    @Test func aPartialLastLineIsNotCountedButIsIncluded() {
        let text = "a\nbb\nccc\npart"
        #expect(start(text, lines: 0).offset == 9)  // the line being written is delivered whole
        #expect(start(text, lines: 1).offset == 5)
        #expect(start("no newline yet", lines: 0).offset == 0)
    }

    @Test func readsOnlyTheEndOfAHugeFile() {
        let size: Int64 = 1 << 40  // a terabyte of "x\n", never materialized
        var read: Int64 = 0
        let s = TailStart.start(lastLines: 3, end: size, maxLineBytes: 1 << 20) { off, buf in
            for i in 0..<buf.count { buf[i] = (off + Int64(i)) % 2 == 1 ? 0x0A : 0x78 }
            read += Int64(buf.count)
            return buf.count
        }
        #expect(s.offset == size - 6)
        #expect(read <= 64 * 1024)
    }

    @Test func linesLongerThanTheLimitNeverStartMidLine() {
        let long = String(repeating: "x", count: 50)
        // Asked for 2 lines with a limit of 10: the scan stops after 22 bytes, having found one
        // newline; the start is after it, so only whole lines are read.
        let s = start("a\n" + long + "\n" + long + "\nshort\n", lines: 2, max: 10)
        #expect(s.offset == 2 + 51 + 51)
        #expect(!s.skipFirstLine)
        // A partial line already past the limit: start at the end, skip its rest.
        let p = start("a\n" + long, lines: 0, max: 10)
        #expect(p.offset == Int64(2 + 50))
        #expect(p.skipFirstLine)
    }
}

/// The `tail -F` state machine on an in-memory file system and a virtual clock.
@Suite struct FollowedPathTests {
    let path = "/logs/app.log"

    func follower(_ fs: MemoryFileSystem, start: LogStartPosition = .end, patterns: [String]? = nil,
                  maxLine: Int = 1 << 20, recover: Bool = true) -> LogFollower {
        LogFollower(patterns: patterns ?? [path],
                    options: LogFollowOptions(start: start, maxLineBytes: maxLine, useInotify: false,
                                              rotationGraceMilliseconds: 1000, recoverCopyTruncate: recover),
                    fileSystem: fs)
    }

    @Test func startsAtTheEndThenDeliversNewLines() {
        let fs = MemoryFileSystem()
        fs.append(path, "old 1\nold 2\nbeing writ")
        let f = follower(fs)
        #expect(f.poll(now: ms(0)).texts == [])
        fs.append(path, "ten\nnew 1\n")
        let batches = f.poll(now: ms(100))
        #expect(batches.texts == ["being written", "new 1"])
        #expect(batches.lines.map(\.sequence) == [1, 2])
        #expect(f.reports.first?.status == .following)
    }

    @Test func startsNLinesBack() {
        let fs = MemoryFileSystem()
        fs.append(path, (1...20_000).map { "line \($0)\n" }.joined())
        let f = follower(fs, start: .lines(3))
        #expect(f.poll(now: ms(0)).texts == ["line 19998", "line 19999", "line 20000"])
        // One 64 KiB chunk from the end, the 4 KiB sniffed at the start: not the 230 KB file.
        #expect(fs.bytesRead < 70_000)
        let g = follower(fs, start: .beginning)
        #expect(g.poll(now: ms(0)).texts.count == 20_000)
    }

    @Test func rotationByRenameFinishesTheOldFileFirst() {
        let fs = MemoryFileSystem()
        fs.create(path)
        let f = follower(fs)
        _ = f.poll(now: ms(0))
        fs.append(path, "a1\na2\n")
        let old = fs.inode(of: path)!
        fs.rename(path, path + ".1")
        // The writer has not reopened yet: it still writes to the renamed file.
        fs.append(inode: old, "a3\n")
        var got = f.poll(now: ms(100))
        #expect(got.texts == ["a1", "a2", "a3"])
        #expect(f.reports.first?.status == .draining)
        // An empty new file does not end the old one while the writer may still use it...
        fs.create(path)
        fs.append(inode: old, "a4 partial")
        got = f.poll(now: ms(200))
        #expect(got.texts == [])
        // ...data in the new file does: the old one is read to its end, its partial line
        // delivered as unterminated, and the new one read from its first byte.
        fs.append(inode: old, " end")
        fs.append(path, "b1\n")
        got = f.poll(now: ms(300))
        #expect(got.texts == ["a4 partial end", "b1"])
        #expect(got.lines.map(\.sequence) == [4, 5])
        #expect(got.lines.map(\.unterminated) == [true, false])
        #expect(got.notices.contains(.rotated))
        #expect(got.notices.contains(.opened(offset: 0)))
        #expect(fs.openHandles == 1)
        #expect(f.reports.first?.rotations == 1)
    }

    @Test func aRenamedFileThatStaysQuietIsClosedAfterTheGrace() {
        let fs = MemoryFileSystem()
        fs.append(path, "x\n")
        let f = follower(fs)
        _ = f.poll(now: ms(0))
        fs.rename(path, path + ".1")
        _ = f.poll(now: ms(100))
        #expect(f.reports.first?.status == .draining)
        _ = f.poll(now: ms(900))
        #expect(fs.openHandles == 1)
        let got = f.poll(now: ms(1200))
        #expect(got.notices.contains(.rotated))
        #expect(f.reports.first?.status == .waiting)
        #expect(fs.openHandles == 0)
        fs.append(path, "new\n")
        #expect(f.poll(now: ms(1300)).texts == ["new"])
    }

    @Test func copyTruncateReadsWhatWasMissedFromTheCopy() {
        let fs = MemoryFileSystem()
        fs.create(path)
        let f = follower(fs)
        _ = f.poll(now: ms(0))
        fs.append(path, "l1\nl2\n")
        #expect(f.poll(now: ms(10)).texts == ["l1", "l2"])
        // Written, then copied and truncated before the follower looked again; a newer file
        // with a matching name but other content sits beside the copy.
        fs.append(path, "l3\nl4 half")
        fs.copy(path, path + ".1")
        fs.truncate(path)
        fs.append(path + ".2", "other\nlines that are newer and long enough\n")
        fs.append(path, " done\nl5\n")
        let got = f.poll(now: ms(20))
        #expect(got.texts == ["l3", "l4 half done", "l5"])
        #expect(got.notices.contains(.truncated(recoveredFrom: path + ".1")))
        #expect(f.reports.first?.truncations == 1)
    }

    @Test func copyTruncateWithoutACopyRestartsAtZero() {
        let fs = MemoryFileSystem()
        fs.create(path)
        let f = follower(fs, recover: false)
        _ = f.poll(now: ms(0))
        fs.append(path, "long line number one\npart")
        #expect(f.poll(now: ms(10)).texts == ["long line number one"])
        fs.truncate(path)
        fs.append(path, "n1\n")
        let got = f.poll(now: ms(20))
        #expect(got.texts == ["part", "n1"])
        #expect(got.lines.map(\.unterminated) == [true, false])
        #expect(got.notices.contains(.truncated(recoveredFrom: nil)))
    }

    @Test func truncationRefilledPastTheOffsetIsStillNoticed() {
        let fs = MemoryFileSystem()
        fs.create(path)
        let f = follower(fs, recover: false)
        _ = f.poll(now: ms(0))
        fs.append(path, "aaaa\n")
        _ = f.poll(now: ms(10))
        fs.truncate(path)
        fs.append(path, "bbbb\ncccc\n")  // longer than before: the size alone says nothing
        let got = f.poll(now: ms(20))
        #expect(got.texts == ["bbbb", "cccc"])
        #expect(got.notices.contains(.truncated(recoveredFrom: nil)))
    }

    @Test func deleteAndRecreate() {
        let fs = MemoryFileSystem()
        fs.append(path, "")
        let f = follower(fs)
        _ = f.poll(now: ms(0))
        fs.append(path, "before\n")
        fs.unlink(path)
        var got = f.poll(now: ms(10))
        #expect(got.texts == ["before"])
        #expect(f.reports.first?.status == .draining)
        fs.append(path, "after\n")
        got = f.poll(now: ms(20))
        #expect(got.texts == ["after"])
        #expect(got.lines.map(\.sequence) == [2])
        #expect(fs.openHandles == 1)
    }

    @Test func aMissingFileIsReadFromItsStartWhenItAppears() {
        let fs = MemoryFileSystem()
        let f = follower(fs)
        var got = f.poll(now: ms(0))
        #expect(got.notices == [.statusChanged(.waiting)])
        fs.append(path, "first\nsecond\n")
        got = f.poll(now: ms(100))
        #expect(got.texts == ["first", "second"])
        #expect(got.notices.contains(.opened(offset: 0)))
    }

    @Test func permissionDeniedIsRetriedAndKeepsTheStartPosition() {
        let fs = MemoryFileSystem()
        fs.append(path, "before start\n")
        fs.setDenied(path, true)
        let f = follower(fs)
        #expect(f.poll(now: ms(0)).notices == [.statusChanged(.permissionDenied)])
        fs.append(path, "written while denied\n")
        #expect(f.poll(now: ms(100)).texts == [])
        fs.setDenied(path, false)
        let got = f.poll(now: ms(200))
        // The end was taken when following started, so nothing after it is skipped.
        #expect(got.texts == ["written while denied"])
        #expect(got.notices.contains(.statusChanged(.following)))
    }

    @Test func nonRegularFilesAreReportedAndNeverOpened() {
        let fs = MemoryFileSystem()
        fs.create(path, kind: .fifo)
        let f = follower(fs)
        #expect(f.poll(now: ms(0)).notices == [.statusChanged(.notRegularFile(.fifo))])
        #expect(fs.openHandles == 0)
        fs.unlink(path)
        fs.create(path, kind: .directory)
        #expect(f.poll(now: ms(10)).notices == [.statusChanged(.notRegularFile(.directory))])
        fs.unlink(path)
        fs.append(path, "a file again\n")
        #expect(f.poll(now: ms(20)).texts == ["a file again"])
    }

    @Test func aBinaryFileIsReportedAndNotRead() {
        let fs = MemoryFileSystem()
        fs.append(path, [0x7F, 0x45, 0x4C, 0x46, 0, 0, 0x0A, 0x41, 0x0A])
        let f = follower(fs, start: .beginning)
        #expect(f.poll(now: ms(0)).notices == [.statusChanged(.binary)])
        fs.append(path, [0x0A, 0x42, 0x0A])
        #expect(f.poll(now: ms(10)).texts == [])
        // Replaced by a text file: read.
        fs.unlink(path)
        fs.append(path, "text\n")
        #expect(f.poll(now: ms(20)).texts == ["text"])
    }

    @Test func aGlobPicksUpNewFilesFromTheirStart() {
        let fs = MemoryFileSystem()
        fs.append("/logs/a.log", "old a\n")
        let f = follower(fs, patterns: ["/logs/*.log"])
        _ = f.poll(now: ms(0))
        fs.append("/logs/b.log", "b1\n")
        fs.append("/logs/b.txt", "not matched\n")
        fs.append("/logs/a.log", "a1\n")
        let got = f.poll(now: ms(100))
        #expect(got.map(\.path) == ["/logs/a.log", "/logs/b.log"])
        #expect(got.texts == ["a1", "b1"])
        #expect(got[1].notices.first == .discovered)
        #expect(f.reports.map(\.pattern) == ["/logs/*.log", "/logs/*.log"])
    }

    @Test func finishDeliversTheLastLineWithoutANewlineAndStops() {
        let fs = MemoryFileSystem()
        fs.append(path, "a\nb without newline")
        let f = follower(fs, start: .beginning)
        #expect(f.poll(now: ms(0)).texts == ["a"])
        #expect(!f.hasMoreToRead)
        let last = f.finish(now: ms(1))
        #expect(last.texts == ["b without newline"])
        #expect(last.lines.map(\.unterminated) == [true])
        #expect(last.lines.map(\.sequence) == [2])
        #expect(fs.openHandles == 0)
        fs.append(path, "\nmore\n")
        #expect(f.poll(now: ms(2)).isEmpty)
        #expect(f.isFinished)
    }

    @Test func longLinesAreCutWithBoundedMemory() {
        let fs = MemoryFileSystem()
        fs.create(path)
        let f = follower(fs, maxLine: 1000)
        _ = f.poll(now: ms(0))
        fs.append(path, String(repeating: "y", count: 5000))
        var got = f.poll(now: ms(10))
        #expect(got.lines.count == 1)
        #expect(got.lines.first?.cut == true)
        #expect(got.lines.first?.text.utf8.count == 1000)
        #expect(f.reports.first?.pendingBytes == 0)
        fs.append(path, "yyy\nafter\n")
        got = f.poll(now: ms(20))
        #expect(got.texts == ["after"])
        #expect(f.reports.first?.cutLines == 1)
    }
}
