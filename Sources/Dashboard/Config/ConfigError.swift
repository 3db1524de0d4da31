/// A problem in a config, theme or other YAML file, positioned at the file, line, column and
/// the key path that holds the bad value (`targets[1].interval`).
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file; self.line = line; self.column = column; self.keyPath = keyPath; self.message = message
    }

    public var description: String {
        "\(file):\(line):\(column): " + (keyPath.isEmpty ? "" : "\(keyPath): ") + message
    }
}
