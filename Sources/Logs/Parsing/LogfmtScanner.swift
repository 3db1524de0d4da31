/// Splits logfmt text (`a=1 b="two words" c`) into key/value pairs.
enum LogfmtScanner {
    static func pairs(_ line: String) -> [String: String] {
        var result: [String: String] = [:]
        var i = line.startIndex
        func skipSpaces() { while i < line.endIndex, line[i] == " " { i = line.index(after: i) } }
        while i < line.endIndex {
            skipSpaces()
            let keyStart = i
            while i < line.endIndex, line[i] != "=", line[i] != " " { i = line.index(after: i) }
            let key = String(line[keyStart..<i])
            guard i < line.endIndex, line[i] == "=" else {
                if !key.isEmpty { result[key] = "true" }
                continue
            }
            i = line.index(after: i)
            var value = ""
            if i < line.endIndex, line[i] == "\"" {
                i = line.index(after: i)
                while i < line.endIndex, line[i] != "\"" {
                    if line[i] == "\\", line.index(after: i) < line.endIndex { i = line.index(after: i) }
                    value.append(line[i]); i = line.index(after: i)
                }
                if i < line.endIndex { i = line.index(after: i) }
            } else {
                while i < line.endIndex, line[i] != " " { value.append(line[i]); i = line.index(after: i) }
            }
            if !key.isEmpty { result[key] = value }
        }
        return result
    }
}
