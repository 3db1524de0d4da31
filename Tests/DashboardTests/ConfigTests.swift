import Dashboard
import Foundation
import Telemetry
import TestSupport
import Testing

@Suite struct ConfigTests {
    @Test func aFullConfigParses() throws {
        let text = """
        theme: light
        scrape:
          interval: 10s
        targets:
          - name: triton
            url: http://127.0.0.1:8002/metrics
            interval: 5s
            timeout: 2s
          - url: file:///var/tmp/metrics.prom
        """
        let config = try AppConfig.parse(text, file: "mw.yaml")
        #expect(config.theme == "light")
        #expect(config.targets.count == 2)
        #expect(config.targets[0] == ScrapeTarget(name: "triton", url: "http://127.0.0.1:8002/metrics", interval: .seconds(5), timeout: .seconds(2)))
        #expect(config.targets[1].interval == .seconds(10))
        #expect(config.targets[1].timeout == .seconds(10), "timeout defaults to 10s, capped at the interval")
    }

    func error(_ text: String) -> ConfigError? {
        do { _ = try AppConfig.parse(text, file: "bad.yaml"); return nil } catch { return error }
    }

    @Test func theDriftSectionSetsWindowReferenceAndPatterns() throws {
        let config = try AppConfig.parse("""
            drift:
              window: 5m
              interval: 1m
              reference: day_before
              minimum_count: 500
              histograms: [feature, embedding_norm]
            targets:
              - url: http://x:1/metrics
            """, file: "conf/modelwatch.yaml")
        let settings = config.drift.settings(baseline: nil)
        #expect(settings.window == .minutes(5))
        #expect(settings.interval == .minutes(1))
        #expect(settings.reference == .offset(.minutes(24 * 60)))
        #expect(settings.minimumCount == 500)
        #expect(settings.watches("model_embedding_norm") && !settings.watches("request_latency_seconds"))
        let pinned = try AppConfig.parse("drift:\n  baseline: ref.prom\ntargets:\n  - url: http://x:1/m\n", file: "conf/m.yaml")
        #expect(pinned.drift.baselineFile == "conf/ref.prom", "relative to the config file")

        let bad = try #require(error("drift:\n  reference: yesterday\ntargets:\n  - url: http://x:1/m\n"))
        #expect(bad.line == 2)
        #expect(bad.message.contains("after_deploy, day_before, week_before"))
        let both = try #require(error("drift:\n  reference: 1d\n  baseline: x.prom\ntargets:\n  - url: http://x:1/m\n"))
        #expect(both.line == 3)
        let empty = try #require(error("drift:\n  histograms: []\ntargets:\n  - url: http://x:1/m\n"))
        #expect(empty.message.contains("non-empty"))
    }

    @Test func theLogsSectionNamesFilesBufferAndCustomFormats() throws {
        let config = try AppConfig.parse("""
            logs:
              files: [/var/log/triton/*.log, /srv/app.log]
              lines: 200
              buffer: 20000
              formats:
                - name: svc
                  json: {time: ts, level: severity, message: msg, model: model_id}
                - name: legacy
                  regex: '^(?<time>\\S+) \\[(?<level>\\w+)\\] (?<message>.*)$'
            log_rule_files: [rules/logs.yaml]
            targets:
              - url: http://x:1/metrics
            """, file: "conf/m.yaml")
        #expect(config.logs.files == ["/var/log/triton/*.log", "/srv/app.log"])
        #expect(config.logs.lines == 200 && config.logs.buffer == 20000)
        #expect(config.logs.formats.map(\.name) == ["svc", "legacy"])
        #expect(config.logRuleFiles == ["conf/rules/logs.yaml"])
        let badRegex = try #require(error("logs:\n  formats:\n    - {name: x, regex: '('}\ntargets:\n  - url: http://x:1/m\n"))
        #expect(badRegex.line == 3 && badRegex.message.contains("format 'x'"), "\(badRegex)")
        let tiny = try #require(error("logs:\n  buffer: 5\ntargets:\n  - url: http://x:1/m\n"))
        #expect(tiny.line == 2 && tiny.message.contains("100"))
        let neither = try #require(error("logs:\n  formats:\n    - {name: x}\ntargets:\n  - url: http://x:1/m\n"))
        #expect(neither.message.contains("regex, json or logfmt"))
    }

    @Test func errorsNameTheFileLineAndKey() throws {
        let badDuration = try #require(error("targets:\n  - name: a\n    url: http://x:1/metrics\n    interval: soon\n"))
        #expect(badDuration.file == "bad.yaml")
        #expect(badDuration.line == 4)
        #expect(badDuration.keyPath == "targets[0].interval")
        #expect(badDuration.description.hasPrefix("bad.yaml:4:"))

        let unknownKey = try #require(error("targets:\n  - url: http://x:1/metrics\n    intervall: 5s\n"))
        #expect(unknownKey.line == 3)
        #expect(unknownKey.message.contains("intervall"))

        let badURL = try #require(error("targets:\n  - url: ftp://x/metrics\n"))
        #expect(badURL.keyPath == "targets[0].url")
        #expect(badURL.line == 2)

        let duplicate = try #require(error("targets:\n  - {name: a, url: 'http://x:1/m'}\n  - {name: a, url: 'http://y:1/m'}\n"))
        #expect(duplicate.line == 3)
        #expect(duplicate.message.contains("duplicate"))

        let missing = try #require(error("theme: dark\n"))
        #expect(missing.message.contains("targets"))

        let syntax = try #require(error("targets: [\n"))
        #expect(syntax.message.contains("invalid YAML"))
    }

    @Test func credentialsAreReferencesNeverValues() throws {
        let config = try AppConfig.parse("""
        storage: { retention: 2h, memory_budget: 64MiB }
        targets:
          - name: bearer
            url: https://x:1/metrics
            authorization: { credentials_file: /run/secrets/token }
          - name: basic
            url: http://y:2/metrics
            basic_auth: { username: ops, password_env: SCRAPE_PASSWORD }
        """, file: "auth.yaml")
        #expect(config.targets[0].auth == .bearer(.file("/run/secrets/token")))
        #expect(config.targets[1].auth == .basic(username: "ops", password: .environment("SCRAPE_PASSWORD")))
        #expect(config.retention == .minutes(120))
        #expect(config.memoryBudget == 64 << 20)

        let inline = try #require(error("targets:\n  - url: http://x:1/m\n    authorization: { credentials: hunter2 }\n"))
        #expect(inline.message.contains("credentials_file"))
        #expect(!inline.description.contains("hunter2"), "the error never repeats the secret")
        let both = try #require(error("targets:\n  - url: http://x:1/m\n    basic_auth: { username: a, password_file: /p, password_env: P }\n"))
        #expect(both.message.contains("not both"))
        let fileTarget = try #require(error("targets:\n  - url: file:///m.prom\n    authorization: { credentials_env: T }\n"))
        #expect(fileTarget.message.contains("only sent to http"))
        let size = try #require(error("storage: { memory_budget: lots }\ntargets: [{url: 'http://x:1/m'}]\n"))
        #expect(size.keyPath == "storage.memory_budget")
    }

    @Test func durationsReadLikePrometheus() {
        #expect(AppConfig.parseDuration("500ms") == Milliseconds(500))
        #expect(AppConfig.parseDuration("1h30m") == Milliseconds(5_400_000))
        #expect(AppConfig.parseDuration("2m30s") == Milliseconds(150_000))
        #expect(AppConfig.parseDuration("15") == nil)
        #expect(AppConfig.parseDuration("") == nil)
        #expect(AppConfig.parseDuration("5x") == nil)
    }
}

@Suite struct ThemeTests {
    @Test(arguments: ["dark", "light", "high-contrast"])
    func everyShippedThemeParsesAndStylesEveryRole(_ name: String) throws {
        let theme = try Fixtures.theme(name)
        #expect(theme.name == name)
        for role in ThemeRole.allCases { #expect(theme.styles[role] != nil, "\(name) lacks \(role.rawValue)") }
    }

    @Test func monochromeDropsColorsButKeepsSelectionVisible() throws {
        let mono = try Fixtures.theme("dark").monochrome()
        for role in ThemeRole.allCases {
            #expect(mono.style(role).foreground == .default)
            #expect(mono.style(role).background == .default)
        }
        #expect(mono.style(.selection).attributes.contains(.reverse))
        #expect(mono.style(.header).attributes.contains(.reverse))
    }

    @Test func themeErrorsNameLineAndRole() {
        #expect(throws: ConfigError.self) { try ThemeParser.parse("styles:\n  txet: { fg: 1 }\n", file: "t.yaml") }
        do {
            _ = try ThemeParser.parse("styles:\n  text: { fg: 300 }\n", file: "t.yaml")
            Issue.record("accepted color 300")
        } catch {
            #expect(error.line == 2)
            #expect(error.keyPath == "styles.text.fg")
        }
    }
}
