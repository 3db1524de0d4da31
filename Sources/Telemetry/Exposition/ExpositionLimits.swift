/// Bounds that both exposition parsers (`TextFormatParser` for 0.0.4 and `OpenMetricsParser`)
/// enforce on untrusted input, so that a hostile or broken target yields a clear positioned
/// error instead of unbounded work or memory.
///
/// Prometheus itself leaves the number of labels unlimited by default (`label_limit: 0`) and
/// has no line-length limit in its parsers; these are modelwatch's own, chosen far above what
/// any real exporter writes (the largest line in Prometheus's own benchmark exposition is
/// under 300 bytes and carries 5 labels).
public enum ExpositionLimits {
    /// The longest line accepted, in bytes, without its newline: 1 MiB.
    public static let maxLineBytes = 1 << 20
    /// The most labels one sample (or one exemplar) may carry: 1,000.
    public static let maxLabelsPerSample = 1_000
}
