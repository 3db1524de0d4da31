/// How a scraped sample's labels combine with its target's labels (`job`, `instance`, ...),
/// as Prometheus does with `honor_labels: false` (the default).
public enum TargetLabels {
    /// The sample's labels with the target's labels attached.
    ///
    /// As in Prometheus's `mutateSampleLabels`: the target label wins; a sample label of the same
    /// name (with a non-empty value) is kept as `exported_<name>` (or `exported_exported_<name>`
    /// ... when that is taken too, conflicts resolved shortest name first). Labels with an empty
    /// value are absent, on either side.
    public static func merge(sample: Labels, target: Labels) -> Labels {
        var result: [String: String] = [:]
        result.reserveCapacity(sample.count + target.count)
        for pair in sample where !pair.value.isEmpty { result[pair.name] = pair.value }
        var conflicts: [(name: String, value: String)] = []
        for pair in target {
            if let existing = result[pair.name], !existing.isEmpty {
                conflicts.append((pair.name, existing))
            }
            result[pair.name] = pair.value.isEmpty ? nil : pair.value
        }
        // Prometheus sorts conflicts by name length (stable), then prefixes until free.
        let ordered = conflicts.enumerated()
            .sorted { ($0.element.name.utf8.count, $0.offset) < ($1.element.name.utf8.count, $1.offset) }
            .map(\.element)
        for conflict in ordered {
            var newName = "exported_" + conflict.name
            while result[newName] != nil { newName = "exported_" + newName }
            result[newName] = conflict.value
        }
        return Labels(result)
    }
}
