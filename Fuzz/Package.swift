// swift-tools-version:6.1
import PackageDescription

// libFuzzer harness for the exposition parsers. Build and run with scripts/fuzz, which passes
// `--sanitize fuzzer -Xswiftc -parse-as-library`; a plain `swift build` of this package is not
// meaningful (the entry point is libFuzzer's).
let package = Package(
    name: "modelwatch-fuzz",
    dependencies: [
        .package(name: "modelwatch", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "fuzz-exposition",
            dependencies: [.product(name: "Telemetry", package: "modelwatch")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
