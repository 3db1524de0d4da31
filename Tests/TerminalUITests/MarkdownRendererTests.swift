import Testing
import TerminalUI

@Suite struct MarkdownRendererTests {
    private func text(_ md: String, width: Int = 40, checked: @escaping (Int) -> Bool? = { _ in nil }) -> [String] {
        MarkdownRenderer.render(md, width: width, checked: checked).map(\.line.plainText)
    }

    @Test func headingsParagraphsAndWrapping() {
        let md = """
        # Roll back fraud-detector

        The new version is failing requests.
        Roll it back before paging the owner.

        ## Check
        ### Detail ###
        """
        #expect(text(md, width: 24) == [
            "Roll back fraud-detector",
            "════════════════════════",
            "",
            "The new version is",
            "failing requests. Roll",
            "it back before paging",
            "the owner.",
            "",
            "Check",
            "",
            "### Detail",
        ])
    }

    @Test func listsChecklistsAndContinuations() {
        let md = """
        - first
          continued
        * [ ] open box
        - [x] done box
        1. numbered
          - nested
        """
        #expect(text(md) == [
            "• first continued",
            "[ ] open box",
            "[x] done box",
            "1. numbered",
            "  ◦ nested",
        ])
        let rows = MarkdownRenderer.render(md, firstLine: 10, width: 40)
        #expect(rows[1].element == .checklist(sourceLine: 12))
        #expect(rows[2].element == .checklist(sourceLine: 13))
        #expect(rows[0].element == .text)
    }

    @Test func checkedOverrideWinsOverTheFile() {
        let md = "- [ ] a\n- [x] b"
        #expect(text(md, checked: { $0 == 1 ? true : ($0 == 2 ? false : nil) }) == ["[x] a", "[ ] b"])
    }

    @Test func wrappedChecklistItemKeepsItsElementAndHangingIndent() {
        let rows = MarkdownRenderer.render("- [ ] check the canary error rate first", width: 20)
        #expect(rows.map(\.line.plainText) == ["[ ] check the canary", "    error rate first"])
        #expect(rows.allSatisfy { $0.element == .checklist(sourceLine: 1) })
    }

    @Test func codeBlocksAreCutNotWrappedAndCanBeReplaced() {
        let md = """
        text
        ```sh rollback
        kubectl rollout undo deployment/a-very-long-name
        ```
        ~~~
        plain
        ~~~
        """
        let rows = MarkdownRenderer.render(md, width: 20)
        #expect(rows.map(\.line.plainText) == ["text", "", "  kubectl rollout u…", "", "  plain"])
        #expect(rows[2].element == .code(fenceLine: 2))
        #expect(rows[4].element == .code(fenceLine: 5))

        var seen: [MarkdownRenderer.CodeBlock] = []
        let replaced = MarkdownRenderer.render(md, width: 40, codeBlock: { block in
            seen.append(block)
            return block.info.hasPrefix("sh") ? [Line("$ expanded"), Line("  second row")] : nil
        })
        #expect(seen.map(\.info) == ["sh rollback", ""])
        #expect(seen[0].code == ["kubectl rollout undo deployment/a-very-long-name"])
        #expect(replaced.map(\.line.plainText) == ["text", "", "$ expanded", "  second row", "", "  plain"])
    }

    @Test func anUnclosedFenceRunsToTheEnd() {
        #expect(text("```\na\nb") == ["  a", "  b"])
    }

    @Test func inlineStyles() {
        let rows = MarkdownRenderer.render("**bold** and *it* and `code` and snake_case_name", width: 60)
        let spans = rows[0].line.spans
        #expect(rows[0].line.plainText == "bold and it and code and snake_case_name")
        #expect(spans.first { $0.text == "bold" }?.style.attributes.contains(.bold) == true)
        #expect(spans.first { $0.text == "it" }?.style.attributes.contains(.italic) == true)
        #expect(spans.first { $0.text == "code" }?.style.attributes.contains(.reverse) == true)
        #expect(spans.allSatisfy { !$0.style.attributes.contains(.italic) || $0.text == "it" })
    }

    @Test func linksShowTheirTarget() {
        #expect(text("see [the runbook](model-latency.md) and <https://example.com/x>", width: 80)
                == ["see the runbook (model-latency.md) and https://example.com/x"])
        #expect(text("[https://a.b](https://a.b)", width: 80) == ["https://a.b"])
    }

    @Test func unmatchedMarkersStayText() {
        #expect(text("2 * 3 = 6 and a lone ` and [brackets]", width: 80) == ["2 * 3 = 6 and a lone ` and [brackets]"])
        #expect(text("escaped \\*not em\\*", width: 80) == ["escaped *not em*"])
    }

    @Test func tablesAlign() {
        let md = """
        | step | command |
        |---|---|
        | 1 | `kubectl get pods` |
        """
        #expect(text(md) == ["step │ command", "─────┼─────────────────", "1    │ kubectl get pods"])
    }

    @Test func quotesAndRules() {
        #expect(text("> careful\n\n---", width: 10) == ["│ careful", "", "──────────"])
    }

    @Test func escapeSequencesFromTheFileNeverReachTheTerminal() {
        let rows = MarkdownRenderer.render("# \u{1B}]52;c;bad\u{07} title\n\nhi \u{1B}[31mred", width: 80)
        for row in rows {
            for span in row.line.spans {
                #expect(!span.text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
            }
        }
    }

    @Test func zeroWidthGivesNothing() {
        #expect(MarkdownRenderer.render("# a", width: 0).isEmpty)
    }
}
