import TerminalUI

/// The named roles a screen draws with. Theme files give each a style.
public enum ThemeRole: String, CaseIterable, Hashable, Sendable {
    case text, muted, title, border
    case header, headerMode = "header.mode", banner
    case selection
    case statusOK = "status.ok", statusWarning = "status.warning", statusCritical = "status.critical"
    case statusDown = "status.down", statusNoData = "status.nodata"
    case chartTraffic = "chart.traffic", chartErrors = "chart.errors", chartLatency = "chart.latency"
    case statusBar = "statusbar", statusBarKey = "statusbar.key"
    case helpKey = "help.key"
    case logError = "log.error", logWarning = "log.warning"
}

/// Styles for every role. Loaded from `themes/NAME.yaml`; `monochrome()` derives the
/// no-color variant used when `NO_COLOR` is set or the terminal has no colors.
public struct Theme: Hashable, Sendable {
    public var name: String
    public var styles: [ThemeRole: Style]

    public init(name: String, styles: [ThemeRole: Style]) {
        self.name = name; self.styles = styles
    }

    public func style(_ role: ThemeRole) -> Style { styles[role] ?? .plain }

    /// The same theme without colors: attributes stay, and a role that had a background
    /// color becomes reverse video so that selections and bars stay visible.
    public func monochrome() -> Theme {
        var out: [ThemeRole: Style] = [:]
        for role in ThemeRole.allCases {
            let s = style(role)
            var attrs = s.attributes
            if s.background != .default { attrs.insert(.reverse) }
            out[role] = Style(attributes: attrs)
        }
        // Selection must stay visible even in a theme that gave it no background.
        out[.selection] = Style(attributes: out[.selection]!.attributes.union(.reverse))
        return Theme(name: name + " (monochrome)", styles: out)
    }

    /// A theme made of attributes alone, for when no theme file can be found.
    public static let builtinMonochrome: Theme = {
        var styles: [ThemeRole: Style] = [:]
        for role in ThemeRole.allCases { styles[role] = .plain }
        styles[.title] = Style(attributes: .bold)
        styles[.header] = Style(attributes: [.reverse])
        styles[.headerMode] = Style(attributes: [.reverse, .bold])
        styles[.selection] = Style(attributes: .reverse)
        styles[.statusCritical] = Style(attributes: .bold)
        styles[.statusDown] = Style(attributes: .bold)
        styles[.statusBar] = Style(attributes: .reverse)
        styles[.statusBarKey] = Style(attributes: [.reverse, .bold])
        styles[.helpKey] = Style(attributes: .bold)
        styles[.muted] = Style(attributes: .dim)
        styles[.logError] = Style(attributes: .bold)
        return Theme(name: "monochrome", styles: styles)
    }()
}
