/// Markdown drawn for the terminal: headings, paragraphs, bullet and numbered lists, checklists,
/// block quotes, fenced code blocks, rules and tables, with inline emphasis, code and links.
///
/// It reads the CommonMark subset that runbooks use, line by line, and never fails: what it does
/// not understand is shown as text. Every line it returns remembers the source line it came from
/// and the checklist item or code block it belongs to, so a screen can select, tick and replace
/// them without parsing the Markdown again. Text from the file goes through ``Span`` and so is
/// sanitized: escape sequences in a runbook never reach the terminal.
public enum MarkdownRenderer {
    /// A fenced code block, as the caller's `codeBlock` closure sees it.
    public struct CodeBlock: Hashable, Sendable {
        /// 1-based source line of the opening fence.
        public var fenceLine: Int
        /// The info string after the fence (`sh rollback timeout=2m`).
        public var info: String
        /// The lines between the fences.
        public var code: [String]
    }

    /// One drawn row.
    public struct RenderedLine: Hashable, Sendable {
        public enum Element: Hashable, Sendable {
            case text
            case heading(level: Int)
            /// Part of the checklist item whose box is on `sourceLine`.
            case checklist(sourceLine: Int)
            /// Part of the code block whose opening fence is on `fenceLine`.
            case code(fenceLine: Int)
            case blank
        }
        public var line: Line
        /// 1-based line of the Markdown this row came from.
        public var sourceLine: Int
        public var element: Element
    }

    /// Draws `markdown` in rows of at most `width` columns.
    /// - Parameters:
    ///   - firstLine: the source line number of the first line of `markdown` (after front matter).
    ///   - checked: overrides the box of the checklist item on a source line (`nil`: as written).
    ///   - codeBlock: rows to draw instead of a code block's own (`nil`: the code as written).
    public static func render(_ markdown: String, firstLine: Int = 1, width: Int, styles: MarkdownStyles = MarkdownStyles(),
                              checked: (Int) -> Bool? = { _ in nil },
                              codeBlock: (CodeBlock) -> [Line]? = { _ in nil }) -> [RenderedLine] {
        guard width > 0 else { return [] }
        var out: [RenderedLine] = []
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.last == "\r" ? line.dropLast() : line
        }
        var paragraph: [Substring] = []
        var paragraphLine = 0
        var i = 0

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            let text = paragraph.map { $0.trimmingLeadingSpaces() }.joined(separator: " ")
            for row in Line(Inline.spans(text, styles: styles)).wrapped(toWidth: width) {
                out.append(RenderedLine(line: row, sourceLine: paragraphLine, element: .text))
            }
            paragraph = []
        }
        func blank(_ line: Int) {
            if let last = out.last, last.element == .blank { return }
            if out.isEmpty { return }
            out.append(RenderedLine(line: Line(""), sourceLine: line, element: .blank))
        }

        while i < lines.count {
            let raw = lines[i]
            let number = firstLine + i
            let trimmed = raw.trimmingLeadingSpaces()
            let indent = raw.count - trimmed.count

            if trimmed.isEmpty {
                flushParagraph(); blank(number); i += 1; continue
            }
            if indent < 4, let fence = Fence(trimmed) {
                flushParagraph(); blank(number)
                var code: [String] = []
                var j = i + 1
                while j < lines.count, !fence.isClosed(by: lines[j]) {
                    code.append(String(fence.dedent(lines[j], openingIndent: indent)))
                    j += 1
                }
                let block = CodeBlock(fenceLine: number, info: fence.info, code: code)
                let rows = codeBlock(block) ?? code.map { Line("  " + $0, style: styles.codeBlock) }
                for row in rows {
                    // Code is cut, not wrapped: a wrapped command reads as two commands.
                    out.append(RenderedLine(line: row.width > width ? row.truncated(toWidth: width) : row,
                                            sourceLine: number, element: .code(fenceLine: number)))
                }
                if rows.isEmpty {
                    out.append(RenderedLine(line: Line("  (empty block)", style: styles.muted), sourceLine: number,
                                            element: .code(fenceLine: number)))
                }
                blank(number)
                i = min(lines.count, j + 1)
                continue
            }
            if indent < 4, let (level, title) = heading(trimmed) {
                flushParagraph(); blank(number)
                let style = level == 1 ? styles.heading1 : styles.heading
                let prefix = level <= 2 ? "" : String(repeating: "#", count: level) + " "
                for row in Line(Inline.spans(prefix + title, styles: styles, base: style)).wrapped(toWidth: width) {
                    out.append(RenderedLine(line: row, sourceLine: number, element: .heading(level: level)))
                }
                if level == 1 {
                    out.append(RenderedLine(line: Line(String(repeating: "═", count: min(width, max(3, DisplayWidth.of(title)))),
                                                       style: styles.heading1),
                                            sourceLine: number, element: .heading(level: level)))
                }
                i += 1
                continue
            }
            if indent < 4, isRule(trimmed) {
                flushParagraph()
                out.append(RenderedLine(line: Line(String(repeating: "─", count: width), style: styles.muted),
                                        sourceLine: number, element: .text))
                i += 1
                continue
            }
            if let item = ListItem(raw) {
                flushParagraph()
                // Lines indented past the marker continue the item.
                var text = String(item.text)
                var j = i + 1
                while j < lines.count {
                    let next = lines[j]
                    let nextTrimmed = next.trimmingLeadingSpaces()
                    if nextTrimmed.isEmpty || ListItem(next) != nil || Fence(nextTrimmed) != nil { break }
                    if next.count - nextTrimmed.count < item.contentColumn { break }
                    text += " " + nextTrimmed
                    j += 1
                }
                let depth = item.indent / 2
                let lead = String(repeating: "  ", count: depth)
                var marker: [Span]
                var element = RenderedLine.Element.text
                if let box = item.checkbox {
                    let isChecked = checked(number) ?? box
                    marker = [Span(lead + (isChecked ? "[x] " : "[ ] "), style: isChecked ? styles.done : styles.bullet)]
                    element = .checklist(sourceLine: number)
                } else if let ordinal = item.ordinal {
                    marker = [Span(lead + ordinal + " ", style: styles.bullet)]
                } else {
                    marker = [Span(lead + (depth % 2 == 0 ? "• " : "◦ "), style: styles.bullet)]
                }
                let markerWidth = marker.reduce(0) { $0 + $1.width }
                let bodyWidth = max(1, width - markerWidth)
                let isDone = item.checkbox.map { checked(number) ?? $0 } ?? false
                let body = Inline.spans(text, styles: styles, base: isDone ? styles.done : .plain)
                for (k, row) in Line(body).wrapped(toWidth: bodyWidth).enumerated() {
                    let head = k == 0 ? marker : [Span(String(repeating: " ", count: markerWidth))]
                    out.append(RenderedLine(line: Line(head + row.spans), sourceLine: number, element: element))
                }
                i = j
                continue
            }
            if indent < 4, trimmed.hasPrefix(">") {
                flushParagraph()
                let quoted = trimmed.dropFirst().trimmingLeadingSpaces()
                for row in Line(Inline.spans(String(quoted), styles: styles, base: styles.quote)).wrapped(toWidth: max(1, width - 2)) {
                    out.append(RenderedLine(line: Line([Span("│ ", style: styles.muted)] + row.spans), sourceLine: number, element: .text))
                }
                i += 1
                continue
            }
            if indent < 4, trimmed.hasPrefix("|") {
                flushParagraph()
                // A table is drawn with its columns aligned; wide tables are cut, not wrapped.
                var rows: [[String]] = []
                var j = i
                while j < lines.count, lines[j].trimmingLeadingSpaces().hasPrefix("|") {
                    rows.append(tableCells(lines[j].trimmingLeadingSpaces()))
                    j += 1
                }
                for (k, row) in TableLayout.layout(rows, styles: styles).enumerated() {
                    let line = row.width > width ? row.truncated(toWidth: width) : row
                    out.append(RenderedLine(line: line, sourceLine: number + k, element: .text))
                }
                i = j
                continue
            }
            if paragraph.isEmpty { paragraphLine = number }
            paragraph.append(raw)
            i += 1
        }
        flushParagraph()
        while let last = out.last, last.element == .blank { out.removeLast() }
        return out
    }

    static func heading(_ s: Substring) -> (Int, String)? {
        let hashes = s.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = s.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var title = rest.trimmingLeadingSpaces()
        // A closing run of #s is not part of the title.
        while title.last == " " { title = title.dropLast() }
        let closing = title.reversed().prefix { $0 == "#" }.count
        if closing > 0, closing < title.count, title.dropLast(closing).last == " " { title = title.dropLast(closing) }
        while title.last == " " { title = title.dropLast() }
        return (hashes, String(title))
    }

    static func isRule(_ s: Substring) -> Bool {
        let chars = s.filter { $0 != " " }
        guard chars.count >= 3, let c = chars.first, "-*_".contains(c) else { return false }
        return chars.allSatisfy { $0 == c }
    }

    static func tableCells(_ row: Substring) -> [String] {
        var body = row
        if body.first == "|" { body = body.dropFirst() }
        if body.last == "|" { body = body.dropLast() }
        var cells: [String] = []
        var current = ""
        var escaped = false
        for c in body {
            if escaped { current.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "|" { cells.append(current.trimmingCharactersSpaces()); current = ""; continue }
            current.append(c)
        }
        cells.append(current.trimmingCharactersSpaces())
        return cells
    }

    /// Pipe tables: the delimiter row becomes a rule, columns padded to their widest cell.
    enum TableLayout {
        static func layout(_ rows: [[String]], styles: MarkdownStyles) -> [Line] {
            let isDelimiter: ([String]) -> Bool = { cells in
                !cells.isEmpty && cells.allSatisfy { cell in
                    !cell.isEmpty && cell.allSatisfy { "-:".contains($0) } && cell.contains("-")
                }
            }
            let rendered: [[[Span]]] = rows.map { row in row.map { Inline.spans($0, styles: styles) } }
            let columns = rows.map(\.count).max() ?? 0
            var widths = Array(repeating: 0, count: columns)
            for (r, row) in rendered.enumerated() where !isDelimiter(rows[r]) {
                for (c, cell) in row.enumerated() { widths[c] = max(widths[c], cell.reduce(0) { $0 + $1.width }) }
            }
            var out: [Line] = []
            for (r, row) in rendered.enumerated() {
                if isDelimiter(rows[r]) {
                    out.append(Line(widths.map { String(repeating: "─", count: $0) }.joined(separator: "─┼─"), style: styles.muted))
                    continue
                }
                var spans: [Span] = []
                for c in 0..<columns {
                    let cell = c < row.count ? row[c] : []
                    let used = cell.reduce(0) { $0 + $1.width }
                    let style = r == 0 ? styles.strong : Style.plain
                    spans += cell.map { Span($0.text, style: style.patched(with: $0.style)) }
                    if c < columns - 1 {
                        spans.append(Span(String(repeating: " ", count: widths[c] - used)))
                        spans.append(Span(" │ ", style: styles.muted))
                    }
                }
                out.append(Line(spans))
            }
            return out
        }
    }
}

/// An opening code fence: three or more backquotes or tildes, and an info string.
struct Fence {
    let character: Character
    let length: Int
    let info: String

    init?(_ trimmed: Substring) {
        guard let c = trimmed.first, c == "`" || c == "~" else { return nil }
        let n = trimmed.prefix { $0 == c }.count
        guard n >= 3 else { return nil }
        let info = trimmed.dropFirst(n)
        if c == "`", info.contains("`") { return nil }
        character = c; length = n
        self.info = info.trimmingCharactersSpaces()
    }

    func isClosed(by line: Substring) -> Bool {
        let t = line.trimmingLeadingSpaces()
        guard line.count - t.count < 4 else { return false }
        let n = t.prefix { $0 == character }.count
        return n >= length && t.dropFirst(n).allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// A fence indented by N spaces removes up to N spaces from each code line (CommonMark).
    func dedent(_ line: Substring, openingIndent: Int) -> Substring {
        var s = line
        var n = 0
        while n < openingIndent, s.first == " " { s = s.dropFirst(); n += 1 }
        return s
    }
}

/// `- item`, `* item`, `+ item`, `1. item`, `1) item`, optionally with a `[ ]`/`[x]` box.
struct ListItem: Equatable {
    let indent: Int
    let ordinal: String?
    let checkbox: Bool?
    let text: Substring
    /// The column where the item's text starts; continuation lines indented at least this far
    /// (or two spaces, whichever is less) belong to it.
    let contentColumn: Int

    init?(_ raw: Substring) {
        let trimmed = raw.trimmingLeadingSpaces()
        indent = raw.count - trimmed.count
        var rest: Substring
        if let c = trimmed.first, "-*+".contains(c), trimmed.dropFirst().first == " " {
            ordinal = nil
            rest = trimmed.dropFirst(2)
            if ListItem.isRuleLike(trimmed) { return nil }
        } else {
            let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
            guard (1...9).contains(digits.count) else { return nil }
            let after = trimmed.dropFirst(digits.count)
            guard let d = after.first, d == "." || d == ")", after.dropFirst().first == " " else { return nil }
            ordinal = String(digits) + String(d)
            rest = after.dropFirst(2)
        }
        let markerWidth = trimmed.count - rest.count
        rest = rest.trimmingLeadingSpaces()
        if rest.count >= 3, rest.hasPrefix("["), rest.dropFirst(2).first == "]",
           let box = rest.dropFirst().first, box == " " || box == "x" || box == "X",
           rest.count == 3 || rest.dropFirst(3).first == " " {
            checkbox = box != " "
            rest = rest.dropFirst(3).trimmingLeadingSpaces()
        } else {
            checkbox = nil
        }
        text = rest
        contentColumn = indent + min(markerWidth, 2)
    }

    private static func isRuleLike(_ s: Substring) -> Bool { MarkdownRenderer.isRule(s) }
}

/// Inline Markdown: `**strong**`, `*emphasis*`, `` `code` ``, `[text](url)`, `<url>`, `\` escapes.
enum Inline {
    static func spans(_ text: String, styles: MarkdownStyles, base: Style = .plain) -> [Span] {
        var out: [Span] = []
        var pending = ""
        var bold = false, italic = false
        let chars = Array(text)
        var i = 0

        func current() -> Style {
            var s = base
            if bold { s = s.patched(with: styles.strong) }
            if italic { s = s.patched(with: styles.emphasis) }
            return s
        }
        func flush() {
            if !pending.isEmpty { out.append(Span(pending, style: current())); pending = "" }
        }
        func closes(_ marker: [Character], from start: Int) -> Bool {
            var j = start
            while j + marker.count <= chars.count {
                if chars[j] == "\\" { j += 2; continue }
                if Array(chars[j..<j + marker.count]) == marker, j > start, chars[j - 1] != " " { return true }
                j += 1
            }
            return false
        }

        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count, chars[i + 1].isPunctuation || chars[i + 1].isSymbol {
                pending.append(chars[i + 1]); i += 2; continue
            }
            if c == "`" {
                let run = chars[i...].prefix { $0 == "`" }.count
                // The code span ends at the next run of exactly as many backquotes.
                var j = i + run
                var end: Int?
                while j < chars.count {
                    if chars[j] == "`" {
                        let r = chars[j...].prefix { $0 == "`" }.count
                        if r == run { end = j; break }
                        j += r
                    } else { j += 1 }
                }
                if let end {
                    flush()
                    var code = String(chars[(i + run)..<end])
                    if code.count >= 2, code.first == " ", code.last == " ", code.contains(where: { $0 != " " }) {
                        code = String(code.dropFirst().dropLast())
                    }
                    out.append(Span(code, style: base.patched(with: styles.code)))
                    i = end + run
                    continue
                }
                pending += String(repeating: "`", count: run); i += run; continue
            }
            if c == "[", let link = link(chars, at: i) {
                flush()
                let textSpans = spans(link.text, styles: styles, base: current().patched(with: styles.link))
                out += textSpans
                if link.url != link.text, !link.url.isEmpty {
                    out.append(Span(" (" + link.url + ")", style: styles.muted))
                }
                i = link.end
                continue
            }
            if c == "<", let close = chars[i...].firstIndex(of: ">"), close > i + 1 {
                let inner = String(chars[(i + 1)..<close])
                if inner.hasPrefix("http://") || inner.hasPrefix("https://") || inner.hasPrefix("file://")
                    || inner.hasPrefix("mailto:"), !inner.contains(" ") {
                    flush()
                    out.append(Span(inner, style: current().patched(with: styles.link)))
                    i = close + 1
                    continue
                }
            }
            if c == "*" || c == "_" {
                let run = chars[i...].prefix { $0 == c }.count
                let before: Character? = i > 0 ? chars[i - 1] : nil
                let after: Character? = i + run < chars.count ? chars[i + run] : nil
                // `_` inside a word (snake_case names) is a letter, not emphasis.
                let intraword = c == "_" && (before.map { $0.isLetter || $0.isNumber } ?? false)
                    && (after.map { $0.isLetter || $0.isNumber } ?? false)
                if !intraword {
                    if run >= 2 {
                        let marker = [c, c]
                        if bold { flush(); bold = false; i += 2; if run >= 3 { pending.append(c); i += run - 2 }; continue }
                        if after != nil, after != " ", closes(marker, from: i + 2) {
                            flush(); bold = true; i += 2; continue
                        }
                    } else {
                        if italic { flush(); italic = false; i += 1; continue }
                        if after != nil, after != " ", closes([c], from: i + 1) {
                            flush(); italic = true; i += 1; continue
                        }
                    }
                }
                pending += String(repeating: String(c), count: run); i += run; continue
            }
            pending.append(c)
            i += 1
        }
        flush()
        return out
    }

    /// `[text](url)` or `[text](url "title")` starting at `i`.
    static func link(_ chars: [Character], at i: Int) -> (text: String, url: String, end: Int)? {
        var depth = 0
        var j = i
        var textEnd: Int?
        while j < chars.count {
            if chars[j] == "\\" { j += 2; continue }
            if chars[j] == "[" { depth += 1 }
            if chars[j] == "]" { depth -= 1; if depth == 0 { textEnd = j; break } }
            j += 1
        }
        guard let textEnd, textEnd + 1 < chars.count, chars[textEnd + 1] == "(" else { return nil }
        guard let close = chars[(textEnd + 2)...].firstIndex(of: ")") else { return nil }
        var target = String(chars[(textEnd + 2)..<close]).trimmingCharactersSpaces()
        if let space = target.firstIndex(of: " ") { target = String(target[..<space]) }
        if target.hasPrefix("<"), target.hasSuffix(">") { target = String(target.dropFirst().dropLast()) }
        return (String(chars[(i + 1)..<textEnd]), target, close + 1)
    }
}

/// The styles Markdown is drawn in; the dashboard fills them from its theme.
public struct MarkdownStyles: Hashable, Sendable {
    public var heading1 = Style(attributes: [.bold, .underline])
    public var heading = Style(attributes: .bold)
    public var strong = Style(attributes: .bold)
    public var emphasis = Style(attributes: .italic)
    public var code = Style(attributes: .reverse)
    public var codeBlock = Style.plain
    public var link = Style(attributes: .underline)
    public var quote = Style(attributes: .italic)
    public var bullet = Style.plain
    public var done = Style(attributes: .dim)
    public var muted = Style(attributes: .dim)

    public init() {}
}

extension Substring {
    func trimmingLeadingSpaces() -> Substring { drop { $0 == " " || $0 == "\t" } }
    func trimmingCharactersSpaces() -> String {
        String(trimmingLeadingSpaces().reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension String {
    func trimmingCharactersSpaces() -> String { Substring(self).trimmingCharactersSpaces() }
}
