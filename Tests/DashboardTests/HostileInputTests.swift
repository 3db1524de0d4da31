import Dashboard
import Foundation
import Telemetry
import TerminalUI
import TestSupport
import Testing

/// Label values and log lines come from outside: nothing in them may reach the terminal raw.
@Suite struct HostileInputTests {
    static let hostile = "evil\u{1B}[2J\u{1B}]52;c;cm0gLXJmIC8=\u{07}\u{9B}31m\u{202E}name\r\n\t"

    func family(model: String) -> MetricFamily {
        MetricFamily(name: "nv_inference_request_success", type: .counter, samples: [
            Sample(name: "nv_inference_request_success", labels: Labels(["model": model, "version": "1\u{1B}[31m"]), value: 10),
        ])
    }

    @Test func controlCharactersFromLabelsAndLogsNeverReachACell() throws {
        var state = State(mode: .live, targets: [ScrapeTarget(name: "t", url: "http://127.0.0.1:9/metrics")], hasLogSources: true,
                          size: Size(width: 120, height: 40))
        let t0 = Timestamp(milliseconds: 1_000_000)
        _ = reduce(&state, .started(at: t0))
        for i in 0..<3 {
            var f = family(model: Self.hostile)
            f.samples[0].value = Double(10 + i * 10)
            _ = reduce(&state, .scrapeCompleted(ScrapeResult(target: "t", startedAt: t0 + .seconds(Int64(i * 15)),
                                                             duration: Milliseconds(3), outcome: .success([f]))))
        }
        _ = reduce(&state, .logLinesArrived(source: "t.log", lines: ["ERROR " + Self.hostile, "{\"level\":\"error\",\"msg\":\"\(Self.hostile.unicodeScalars.map { $0.value < 0x20 ? String(format: "\\\\u%04x", $0.value) : String($0) }.joined())\"}"], at: t0 + .seconds(31)))
        let theme = try Fixtures.theme("dark")
        var screens: [ScreenBuffer] = [View.render(state, theme: theme)]
        let key = try #require(state.models.keys.first)
        state.ui.screen = .model(key)
        screens.append(View.render(state, theme: theme))
        for buffer in screens {
            for cell in buffer.cells {
                for scalar in cell.grapheme.unicodeScalars {
                    #expect(scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80..<0xA0).contains(scalar.value)
                            && !(0x202A...0x202E).contains(scalar.value), "raw U+\(String(scalar.value, radix: 16)) in a cell")
                }
            }
        }
        let text = PlainTextRenderer.text(screens[0])
        #expect(text.contains("evil^[[2J"), "escape shown visibly")
    }
}
