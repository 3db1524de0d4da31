/// Duplicate label-name detection for the exposition parsers, linear for the usual handful of
/// labels and hashed past 16, so that a hostile line with up to
/// `ExpositionLimits.maxLabelsPerSample` labels costs linear, not quadratic, time.
enum ExpositionLabelNames {
    /// Whether `name` is already among `labels` (the names read so far on this line). `seen`
    /// starts empty for each label set and is filled once the set grows past 16 labels.
    @inline(__always)
    static func isDuplicate(_ name: String, in labels: [(String, String)], seen: inout Set<String>) -> Bool {
        if labels.count < 16 {
            return labels.contains(where: { $0.0 == name })
        }
        if seen.isEmpty {
            seen.reserveCapacity(64)
            for (existing, _) in labels { seen.insert(existing) }
        }
        return !seen.insert(name).inserted
    }
}
