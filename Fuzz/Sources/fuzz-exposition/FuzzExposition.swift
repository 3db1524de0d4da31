import Telemetry

/// libFuzzer's entry: the bytes go to both parsers through `Exposition.parse`, the entry point
/// scrapes use (UTF-8 and NUL checks first). A parse error is an expected outcome; a crash, a
/// trap or a sanitizer report is a bug. Successful parses are checked for a few invariants that
/// must hold for any input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for format in ExpositionFormat.allCases {
        do {
            let families = try Exposition.parse(bytes, format: format)
            for family in families {
                precondition(!family.samples.isEmpty, "a family without samples was returned")
                for sample in family.samples {
                    precondition(sample.name.hasPrefix(family.name), "sample \(sample.name) outside family \(family.name)")
                }
            }
        } catch {
            precondition(error.line >= 1 && error.column >= 1, "error position out of range: \(error)")
        }
    }
    // The String entry of the OpenMetrics parser too (it allows NUL, as the grammar does).
    if let text = String(validating: bytes, as: UTF8.self) {
        do {
            let families = try OpenMetricsParser.parse(text)
            precondition(families.allSatisfy { !$0.samples.isEmpty }, "a family without samples was returned")
        } catch {
            precondition(error.line >= 1 && error.column >= 1, "error position out of range: \(error)")
        }
    }
    _ = ExpositionFormat.detect(bytes)
    return 0
}
