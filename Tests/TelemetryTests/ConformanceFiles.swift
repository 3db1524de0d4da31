import Foundation

/// Reads test vectors from `../shared/conformance/` relative to the package root.
enum ConformanceFiles {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "conformance file missing: \(path)" }
    }

    /// The package root: this file is `<root>/Tests/TelemetryTests/ConformanceFiles.swift`.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The text of `../shared/conformance/<relativePath>`; throws (failing the test) when absent.
    static func read(_ relativePath: String) throws -> String {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/" + relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
