/// A grapheme with its style and display width: the unit that truncation and wrapping work on.
struct StyledGrapheme: Hashable, Sendable {
    var character: Character
    var style: Style
    var width: Int
    var isSpace: Bool { character == " " }
}

/// Text as styled graphemes, shared by ``TextLayout`` (one style) and ``Line`` (many).
/// Zero-width graphemes (lone marks) are dropped: they cannot occupy a cell.
struct StyledText: Hashable, Sendable {
    var graphemes: [StyledGrapheme]

    init(_ graphemes: [StyledGrapheme]) { self.graphemes = graphemes }
    init(_ line: Line) {
        graphemes = []
        for span in line.spans {
            for g in span.text {
                let w = DisplayWidth.of(g)
                if w > 0 { graphemes.append(StyledGrapheme(character: g, style: span.style, width: w)) }
            }
        }
    }
    init(_ text: String, style: Style = .plain) { self.init(Line([Span(text, style: style)])) }

    var width: Int { graphemes.reduce(0) { $0 + $1.width } }
    var string: String { String(graphemes.map(\.character)) }

    /// Consecutive graphemes of equal style grouped into spans.
    var spans: [Span] {
        var out: [Span] = []
        var text = "", style: Style? = nil
        for g in graphemes {
            if g.style != style, let s = style { out.append(Span(text, style: s)); text = "" }
            style = g.style
            text.append(g.character)
        }
        if let s = style { out.append(Span(text, style: s)) }
        return out
    }

    /// The longest prefix that fits in `width` columns, without ellipsis.
    func clipped(toWidth width: Int) -> StyledText {
        var used = 0, out: [StyledGrapheme] = []
        for g in graphemes {
            if used + g.width > width { break }
            out.append(g); used += g.width
        }
        return StyledText(out)
    }

    /// See ``TextLayout/truncate(_:toWidth:)``.
    func truncated(toWidth width: Int) -> StyledText {
        guard width > 0 else { return StyledText([]) }
        if self.width <= width { return self }
        var kept = clipped(toWidth: width - 1)
        let style = kept.graphemes.count < graphemes.count ? graphemes[kept.graphemes.count].style
            : (graphemes.last?.style ?? .plain)
        // A wide glyph that did not fit leaves one column: pad it so `…` ends at `width`.
        while kept.width < width - 1 { kept.graphemes.append(StyledGrapheme(character: " ", style: style, width: 1)) }
        kept.graphemes.append(StyledGrapheme(character: "…", style: style, width: 1))
        return kept
    }

    /// See ``TextLayout/wrap(_:width:)``. Hard line breaks are not handled here.
    func wrapped(toWidth width: Int) -> [StyledText] {
        guard width > 0 else { return [] }
        var lines: [StyledText] = []
        var current: [StyledGrapheme] = []
        var currentWidth = 0
        var firstLine = true

        func emit() {
            while let last = current.last, last.isSpace { current.removeLast() }
            lines.append(StyledText(current))
            current = []; currentWidth = 0; firstLine = false
        }

        // Tokens: runs of spaces and runs of non-spaces.
        var tokens: [[StyledGrapheme]] = []
        for g in graphemes {
            if let lastTok = tokens.last, let lastG = lastTok.last, lastG.isSpace == g.isSpace {
                tokens[tokens.count - 1].append(g)
            } else {
                tokens.append([g])
            }
        }
        for token in tokens {
            let tw = token.reduce(0) { $0 + $1.width }
            if token[0].isSpace {
                // Spaces at the start of a wrapped line are dropped; leading indentation of
                // the first line is kept (as far as it fits).
                if current.isEmpty && !firstLine { continue }
                if currentWidth + tw <= width {
                    current += token; currentWidth += tw
                } else if current.isEmpty {
                    for g in token where currentWidth + g.width <= width { current.append(g); currentWidth += g.width }
                } else {
                    emit()
                }
                continue
            }
            if currentWidth + tw <= width {
                current += token; currentWidth += tw
                continue
            }
            if tw <= width {
                emit()
                current = token; currentWidth = tw
                continue
            }
            // A word longer than the width: start it on a fresh line and break it.
            if current.contains(where: { !$0.isSpace }) { emit() } else { current = []; currentWidth = 0 }
            for g in token {
                if currentWidth + g.width > width && !current.isEmpty { emit() }
                current.append(g); currentWidth += g.width
            }
        }
        if !current.isEmpty || lines.isEmpty { emit() }
        return lines
    }
}
