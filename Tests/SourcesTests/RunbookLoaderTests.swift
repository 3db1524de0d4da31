#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Incidents
import Sources
import Testing

/// `setfsuid(2)`: the file-system user ID of the calling thread alone. As root, dropping it to
/// `nobody` also drops CAP_DAC_OVERRIDE for this thread, so a test can see a real EACCES.
@_silgen_name("setfsuid") private func setFileSystemUID(_ uid: UInt32) -> Int32

@Suite struct RunbookLoaderTests {
    /// A fresh folder under the temporary directory, removed by the caller's `defer`.
    static func tempDir(_ name: String = "rb") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mw-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    static func writeBytes(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func good(_ title: String, alert: String = "X") -> String {
        """
        ---
        title: \(title)
        owner: team
        alerts:
          - alertname: \(alert)
        ---

        # \(title)

        - [ ] check it

        ```sh diagnose timeout=10s
        echo {{ $labels.model }}
        ```

        """
    }

    /// Every kind of bad input in one folder: each is reported with its file (and place), and
    /// the good runbooks beside them still load.
    @Test func goodRunbooksLoadBesideEveryKindOfBadOne() throws {
        let root = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/runbooks"
        let outside = root + "/outside.md"
        try Self.write(Self.good("Outside"), outside)

        try Self.write(Self.good("Good"), dir + "/good.md")
        try Self.write(Self.good("Nested"), dir + "/team/nested.md")
        try Self.write("---\ntitle: [unclosed\n---\n", dir + "/bad-yaml.md")
        try Self.write("# T\n\n```sh restart\nls\n```\n", dir + "/unknown-kind.md")
        try Self.write("# T\n\n```sh diagnose\necho {{ $labels.model }} {{ .version }}\n```\n", dir + "/unknown-variable.md")
        // Latin-1 "é" (0xE9) on line 3, after "caf".
        try Self.writeBytes(Array("# T\n\n".utf8) + Array("caf".utf8) + [0xE9] + Array("\n".utf8), dir + "/latin1.md")
        try Self.writeBytes(Array("# T\nab".utf8) + [0] + Array("\n".utf8), dir + "/nul.md")
        try Self.write(Self.good("Big") + String(repeating: "x", count: 5000), dir + "/big.md")
        try Self.write(Self.good("Inside a folder named .md"), dir + "/folder.md/inner.md")
        #expect(mkfifo(dir + "/pipe.md", 0o644) == 0)
        let socketPath = dir + "/socket.md"
        let sock = try Self.bindUnixSocket(socketPath)
        defer { close(sock) }
        #expect(symlink("good.md", dir + "/link-inside.md") == 0)
        #expect(symlink(outside, dir + "/link-outside.md") == 0)
        #expect(symlink("../runbooks/../outside.md", dir + "/link-dotdot.md") == 0)
        #expect(symlink("nowhere.md", dir + "/dangling.md") == 0)
        #expect(symlink(root, dir + "/loop") == 0)   // a symlinked folder: not followed
        try Self.write(Self.good("Hidden"), dir + "/.hidden.md")
        try Self.write("not markdown", dir + "/notes.txt")

        let folder = RunbookLoader.load(directory: dir, maximumFileBytes: 4096)
        #expect(folder.runbooks.map(\.file) == [dir + "/folder.md/inner.md", dir + "/good.md", dir + "/link-inside.md", dir + "/team/nested.md"])
        #expect(folder.runbooks.map(\.title) == ["Inside a folder named .md", "Good", "Good", "Nested"])
        #expect(folder.filesLeftOut == 0)

        func problem(_ name: String) -> RunbookError? { folder.problems.first { $0.file == dir + "/" + name } }
        func expectProblem(_ name: String, _ kind: RunbookError.Kind, _ line: Int, _ column: Int, _ words: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
            guard let p = problem(name) else {
                Issue.record("no problem reported for \(name): \(folder.problems)", sourceLocation: sourceLocation); return
            }
            #expect(p.kind == kind, "\(p)", sourceLocation: sourceLocation)
            #expect((p.line, p.column) == (line, column), "\(p)", sourceLocation: sourceLocation)
            #expect(p.message.contains(words), "\(p)", sourceLocation: sourceLocation)
            #expect(p.description.hasPrefix("\(dir)/\(name):\(line):\(column): "), "\(p)", sourceLocation: sourceLocation)
        }
        // Yams places the unclosed flow sequence at the end of the front matter.
        expectProblem("bad-yaml.md", .badFrontMatter, 3, 1, "front matter is not valid YAML")
        expectProblem("unknown-kind.md", .unknownKind, 3, 7, "unknown command kind `restart`")
        expectProblem("unknown-variable.md", .badTemplate, 4, 26, "unknown parameter `{{ .version }}`")
        expectProblem("latin1.md", .notUTF8, 3, 4, "is not UTF-8: invalid byte 0xE9")
        expectProblem("nul.md", .notUTF8, 2, 3, "NUL byte")
        expectProblem("big.md", .tooLarge, 1, 1, "over the limit of 4096 bytes")
        expectProblem("folder.md", .notARegularFile, 1, 1, "is a directory named *.md")
        expectProblem("pipe.md", .notARegularFile, 1, 1, "is a FIFO")
        expectProblem("socket.md", .notARegularFile, 1, 1, "is a socket")
        expectProblem("link-outside.md", .outsideFolder, 1, 1, "outside the runbooks folder")
        expectProblem("link-dotdot.md", .outsideFolder, 1, 1, "outside the runbooks folder")
        expectProblem("dangling.md", .unreadable, 1, 1, "cannot be resolved")
        #expect(folder.problems.count == 12, "exactly the bad files, nothing about .hidden.md, notes.txt or loop: \(folder.problems)")
        #expect(folder.markdownFilesFound == 16)
    }

    static func bindUnixSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw CocoaError(.fileWriteUnknown) }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, b) in bytes.enumerated() { buffer[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw CocoaError(.fileWriteUnknown) }
        return fd
    }

    @Test func aFileNameThatIsNotUTF8IsReported() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(Self.good("Good"), dir + "/good.md")
        let name = Array((dir + "/bad-").utf8) + [0xFF] + Array(".md".utf8) + [0]
        let fd = name.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        #expect(fd >= 0)
        close(fd)
        let folder = RunbookLoader.load(directory: dir)
        #expect(folder.runbooks.map(\.title) == ["Good"])
        #expect(folder.problems.count == 1)
        #expect(folder.problems.first?.kind == .notUTF8)
        #expect(folder.problems.first?.message.contains("name of this file is not UTF-8") == true, "\(folder.problems)")
    }

    @Test func aMissingFolderOrAFileInsteadIsOneProblem() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = RunbookLoader.load(directory: dir + "/nope")
        #expect(missing.runbooks.isEmpty)
        #expect(missing.problems.map(\.description) == ["\(dir)/nope: the runbooks folder does not exist"])
        try Self.write("x", dir + "/file")
        let file = RunbookLoader.load(directory: dir + "/file")
        #expect(file.problems.map(\.description) == ["\(dir)/file: is not a folder (it is a regular file)"])
    }

    /// A folder or file this process may not read is reported, and the rest loads. Run as root,
    /// the test drops its thread's file-system user to nobody, so the denial is real.
    @Test func unreadableFoldersAndFilesAreReported() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(Self.good("Good"), dir + "/good.md")
        try Self.write(Self.good("Secret"), dir + "/secret.md")
        try Self.write(Self.good("Locked"), dir + "/locked/inner.md")
        // The folder must be readable by nobody; the two denied entries are not.
        #expect(chmod(dir, 0o755) == 0)
        #expect(chmod(dir + "/good.md", 0o644) == 0)
        #expect(chmod(dir + "/secret.md", 0o600) == 0)
        #expect(chmod(dir + "/locked", 0o700) == 0)
        let parent = (dir as NSString).deletingLastPathComponent
        var st = stat()
        #expect(stat(parent, &st) == 0 && st.st_mode & 0o001 != 0, "the temporary directory must be searchable by others")

        let asRoot = geteuid() == 0
        if asRoot { _ = setFileSystemUID(65534) }
        let folder = RunbookLoader.load(directory: dir)
        let whole = RunbookLoader.load(directory: dir + "/locked")
        if asRoot { _ = setFileSystemUID(0) }

        #expect(folder.runbooks.map(\.title) == ["Good"])
        #expect(folder.problems.map(\.description) == [
            "\(dir)/locked: cannot read this folder: Permission denied",
            "\(dir)/secret.md:1:1: cannot be read: Permission denied",
        ])
        #expect(whole.problems.map(\.description) == ["\(dir)/locked: cannot read the runbooks folder: Permission denied"])
    }

    @Test func moreFilesThanTheLimitLoadTheFirstInOrderAndSayHowManyWereLeftOut() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<25 { try Self.write(Self.good("R\(i)"), dir + "/" + String(format: "r%02d.md", i)) }
        let folder = RunbookLoader.load(directory: dir, maximumFiles: 10)
        #expect(folder.runbooks.map(\.title) == (0..<10).map { "R\($0)" })
        #expect(folder.markdownFilesFound == 25)
        #expect(folder.filesLeftOut == 15)
        #expect(folder.problems.map(\.description) == [
            "\(dir): 25 *.md files, over the limit of 10: read the first 10 in file-name order, left out 15 (from r10.md on)",
        ])
    }

    @Test func foldersNestedTooDeeplyAreReported() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let deep = (1...(RunbookLoader.maximumDepth + 2)).map { "d\($0)" }.joined(separator: "/")
        try Self.write(Self.good("Deep"), dir + "/" + deep + "/x.md")
        try Self.write(Self.good("Top"), dir + "/top.md")
        let folder = RunbookLoader.load(directory: dir)
        #expect(folder.runbooks.map(\.title) == ["Top"])
        #expect(folder.problems.count == 1)
        #expect(folder.problems.first?.message.contains("nested deeper than \(RunbookLoader.maximumDepth) levels") == true, "\(folder.problems)")
    }

    @Test func aByteOrderMarkAndWindowsLineEndsAreRead() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = Self.good("Windows").replacingOccurrences(of: "\n", with: "\r\n")
        try Self.writeBytes([0xEF, 0xBB, 0xBF] + Array(text.utf8), dir + "/w.md")
        let folder = RunbookLoader.load(directory: dir)
        #expect(folder.problems.isEmpty, "\(folder.problems)")
        #expect(folder.runbooks.first?.title == "Windows")
        #expect(folder.runbooks.first?.matchers.count == 1)
        #expect(folder.runbooks.first?.commands.count == 1)
    }

    /// Paths of the index are the folder as given plus the relative path, so runbook_url
    /// resolution (lexical, in RunbookIndex) finds them.
    @Test func runbookURLsResolveAgainstTheLoadedIndex() throws {
        let root = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.write(Self.good("Good"), root + "/runbooks/sub/good.md")
        let folder = RunbookLoader.load(directory: root + "/rules/../runbooks/")
        #expect(folder.directory == root + "/runbooks")
        let link = folder.index.runbook(labels: [:], annotations: ["runbook_url": "../runbooks/sub/good.md"], ruleDirectory: root + "/rules")
        #expect(link.runbook?.title == "Good")
    }

    @Test func resolveInsideFollowsSymlinksAtOpenTime() throws {
        let root = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/runbooks"
        try Self.write(Self.good("Good"), dir + "/good.md")
        try Self.write(Self.good("Secret"), root + "/secret.md")
        let real = try #require(RunbookLoader.realPathForTests(dir))

        #expect(RunbookLoader.resolveInside(directory: dir, path: dir + "/good.md") == .success(real + "/good.md"))
        // Lexically inside, really outside.
        #expect(symlink(root + "/secret.md", dir + "/trap.md") == 0)
        guard case .failure(let e) = RunbookLoader.resolveInside(directory: dir, path: dir + "/trap.md") else {
            Issue.record("a symlink leading outside must be refused"); return
        }
        #expect(e.kind == .outsideFolder && e.message.contains("outside the runbooks folder"))
        #expect(e.description.hasPrefix(dir + "/trap.md: "))
        #expect((try? RunbookLoader.resolveInside(directory: dir, path: dir + "/../secret.md").get()) == nil)
        #expect(RunbookLoader.resolveInside(directory: dir, path: dir + "/gone.md").failureKind == .unreadable)
        #expect(RunbookLoader.resolveInside(directory: dir, path: dir).failureKind == .outsideFolder, "the folder itself is not inside it")
        try FileManager.default.createDirectory(atPath: dir + "/sub.md", withIntermediateDirectories: true)
        #expect(RunbookLoader.resolveInside(directory: dir, path: dir + "/sub.md").failureKind == .notARegularFile)
        #expect(RunbookLoader.resolveInside(directory: root + "/nope", path: dir + "/good.md").failureKind == .unreadable)

        // The file is loaded, then swapped for a symlink to a file outside: reading it again at
        // open time refuses it.
        let folder = RunbookLoader.load(directory: dir)
        #expect(folder.runbooks.map(\.title) == ["Good"])
        #expect(RunbookLoader.loadRunbook(directory: dir, path: dir + "/good.md").map(\.title) == .success("Good"))
        try FileManager.default.removeItem(atPath: dir + "/good.md")
        #expect(symlink(root + "/secret.md", dir + "/good.md") == 0)
        #expect(RunbookLoader.loadRunbook(directory: dir, path: dir + "/good.md").failureKind == .outsideFolder)
    }

    @Test func readTextChecksSizeTypeAndEncoding() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write("# ok\n", dir + "/ok.md")
        #expect(RunbookLoader.readText(path: dir + "/ok.md") == .success("# ok\n"))
        #expect(RunbookLoader.readText(path: dir + "/ok.md", maximumFileBytes: 3).failureKind == .tooLarge)
        #expect(RunbookLoader.readText(path: dir).failureKind == .notARegularFile)
        #expect(RunbookLoader.readText(path: dir + "/none.md").failureKind == .unreadable)
        #expect(mkfifo(dir + "/p.md", 0o644) == 0)
        #expect(RunbookLoader.readText(path: dir + "/p.md").failureKind == .notARegularFile, "a FIFO is refused without blocking")
    }

    /// 5,000 runbooks of a realistic size in 50 subfolders: all load, in order, quickly.
    @Test func fiveThousandFilesLoadQuickly() throws {
        let dir = try Self.tempDir("rb5000")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = Self.good("T") + String(repeating: "Some prose about what to check, and why it matters at 3 a.m.\n", count: 20)
        for i in 0..<5_000 {
            try Self.write(body.replacingOccurrences(of: "title: T", with: "title: R\(i)"), dir + String(format: "/team-%02d/runbook-%04d.md", i % 50, i))
        }
        let clock = ContinuousClock()
        var folder: RunbookFolder?
        let elapsed = clock.measure { folder = RunbookLoader.load(directory: dir) }
        let loaded = try #require(folder)
        #expect(loaded.runbooks.count == 5_000)
        #expect(loaded.problems.isEmpty)
        #expect(loaded.runbooks.first?.file == dir + "/team-00/runbook-0000.md")
        #expect(loaded.runbooks.last?.file == dir + "/team-49/runbook-4999.md")
        print("RunbookLoader: 5,000 files (\(body.utf8.count) bytes each) loaded in \(elapsed)")
        // Generous for a debug build on two busy cores; measured figures are in docs/runbooks.md.
        #expect(elapsed < .seconds(20), "5,000 runbooks took \(elapsed)")
    }
}

extension Result where Failure == RunbookError {
    var failureKind: RunbookError.Kind? {
        if case .failure(let e) = self { return e.kind }
        return nil
    }
}

extension RunbookLoader {
    static func realPathForTests(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
