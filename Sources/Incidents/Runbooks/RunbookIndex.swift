import Foundation

/// The runbooks of one folder, and the choice of a runbook for an alert. Pure: the caller reads
/// the files and gives their parsed runbooks, whose `file` is the path they were read from.
public struct RunbookIndex: Sendable {
    /// The runbooks folder (a path, absolute or relative to the working directory).
    public let directory: String
    /// Runbooks in file-name order.
    public let runbooks: [Runbook]
    private let byPath: [String: Int]

    public init(directory: String, runbooks: [Runbook]) {
        self.directory = RunbookIndex.normalize(directory)
        self.runbooks = runbooks.sorted { $0.file < $1.file }
        var byPath: [String: Int] = [:]
        for (i, r) in self.runbooks.enumerated() { byPath[RunbookIndex.normalize(r.file)] = i }
        self.byPath = byPath
    }

    /// Why a runbook was chosen, or why none was.
    public enum Link: Hashable, Sendable {
        /// The alert's `runbook_url` named this local runbook.
        case linked(Runbook, path: String)
        /// The first runbook (in file-name order) whose `alerts:` matchers select the alert.
        case matched(Runbook)
        /// `runbook_url` is an http(s) URL: show it (and copy it); nothing opens in the terminal.
        case external(url: String)
        /// No runbook, and why, in words for the operator.
        case none(reason: String)

        public var runbook: Runbook? {
            switch self {
            case .linked(let r, _), .matched(let r): r
            case .external, .none: nil
            }
        }
    }

    /// The runbook for an alert: its `runbook_url` annotation wins (a path relative to
    /// `ruleDirectory`, the directory of the rule file that defines the alert, or a `file://`
    /// URL; an http(s) URL is returned as an external link); else the first runbook whose matchers
    /// select the labels; else none. A `runbook_url` that names no loaded runbook, or a path
    /// outside the runbooks folder, is reported as such rather than replaced by a match.
    public func runbook(labels: [String: String], annotations: [String: String], ruleDirectory: String) -> Link {
        switch localTarget(annotations: annotations, ruleDirectory: ruleDirectory) {
        case .web(let url)?: return .external(url: url)
        case .refused(let reason)?: return .none(reason: reason)
        case .file(let normalized, let raw)?:
            guard RunbookIndex.isInside(normalized, directory) else {
                return .none(reason: "runbook_url \(raw) points to \(normalized), outside the runbooks folder \(directory)")
            }
            guard let i = byPath[normalized] else {
                return .none(reason: "runbook_url \(raw) points to \(normalized), which is not a loaded runbook")
            }
            return .linked(runbooks[i], path: normalized)
        case nil:
            break
        }
        if let r = runbooks.first(where: { $0.matches(labels: labels) }) { return .matched(r) }
        let name = labels["alertname"].map { "alert \($0)" } ?? "this alert"
        return .none(reason: "no runbook: \(name) has no runbook_url annotation and no runbook's `alerts:` matchers select it")
    }

    /// Where an alert's `runbook_url` points, before looking it up.
    public enum URLTarget: Hashable, Sendable {
        /// A local path or `file://` URL, normalized (relative to the rule's directory).
        case file(path: String, raw: String)
        case web(String)
        /// Neither: why.
        case refused(String)
    }

    /// Reads an alert's `runbook_url` (nil when it has none); `runbook(...)` and anyone who
    /// needs the path it names (to say why that file did not load) read it the same way.
    public func localTarget(annotations: [String: String], ruleDirectory: String) -> URLTarget? {
        guard let raw = annotations["runbook_url"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        let lower = raw.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return .web(raw) }
        let path: String
        if lower.hasPrefix("file://") {
            guard let url = URL(string: raw), url.host == nil || url.host == "" || url.host == "localhost",
                  !url.path.isEmpty else {
                return .refused("runbook_url \(raw) is not a local file URL")
            }
            path = url.path
        } else if lower.contains("://") || lower.hasPrefix("mailto:") {
            return .refused("runbook_url \(raw) is neither a local path, a file:// URL nor an http(s) URL")
        } else {
            path = raw.hasPrefix("/") ? raw : ruleDirectory + "/" + raw
        }
        return .file(path: RunbookIndex.normalize(path), raw: raw)
    }

    /// Resolves `.` and `..` and repeated slashes, lexically (symlinks are the caller's to check).
    public static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for p in path.split(separator: "/") {
            if p == "." { continue }
            if p == ".." {
                if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(p) }
                continue
            }
            parts.append(p)
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    static func isInside(_ path: String, _ dir: String) -> Bool {
        if dir == "." { return !path.hasPrefix("/") && !path.hasPrefix("..") }
        return path.hasPrefix(dir + "/")
    }
}
