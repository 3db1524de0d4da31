// swift-tools-version:6.1
import PackageDescription

// Layers (arrows point down only):
//   modelwatch -> CursesBackend, Sources, Dashboard
//   Dashboard -> TerminalUI, Telemetry, Models, Logs, Incidents
//   CursesBackend -> CNcursesw, TerminalUI          (the only ncurses user)
//   Sources -> Telemetry, Logs, Incidents, DemoFleet (all I/O lives here)
let package = Package(
    name: "modelwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "modelwatch", targets: ["modelwatch"]),
        .executable(name: "modelwatch-bench", targets: ["modelwatch-bench"]),
        // For the fuzzing package in Fuzz/, which builds with -sanitize=fuzzer on its own.
        .library(name: "Telemetry", targets: ["Telemetry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // Pure core libraries: no terminal, no sockets, no files.
        .target(name: "Telemetry"),
        .target(name: "PromQL", dependencies: ["Telemetry"]),
        .target(name: "Alerting", dependencies: ["PromQL", "Telemetry", .product(name: "Yams", package: "Yams")]),
        .target(name: "Models", dependencies: ["Telemetry"]),
        .target(name: "Logs", dependencies: ["Telemetry", "CLogScan"]),
        // Byte searches and masks for the log scanners: SSE2 inlined, AVX2/AVX-512 chosen at run time (docs/performance.md).
        .target(name: "CLogScan"),
        .target(name: "Incidents", dependencies: ["Telemetry", .product(name: "Yams", package: "Yams")]),
        .target(name: "DemoFleet", dependencies: ["Telemetry"]),
        .target(name: "TerminalUI"),
        .target(
            name: "Dashboard",
            dependencies: ["Telemetry", "Models", "Logs", "Incidents", "TerminalUI", "DemoFleet", "Alerting", "PromQL",
                           .product(name: "Yams", package: "Yams")]
        ),
        // I/O.
        .target(
            name: "Sources",
            dependencies: ["Telemetry", "Logs", "Incidents", "DemoFleet",
                           .product(name: "FlyingFox", package: "FlyingFox")]
        ),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .target(name: "CursesBackend", dependencies: ["CNcursesw", "TerminalUI"]),
        .executableTarget(
            name: "modelwatch",
            dependencies: ["Dashboard", "Sources", "CursesBackend", "TerminalUI", "Telemetry", "PromQL", "Alerting",
                           "Models", "Logs", "Incidents", "DemoFleet",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "modelwatch-bench",
            dependencies: ["Telemetry", "Sources", "DemoFleet", "PromQL", "Alerting", "Logs",
                           .product(name: "FlyingFox", package: "FlyingFox")],
            path: "Sources/Benchmarks"
        ),
        .target(name: "TestSupport", dependencies: ["Dashboard", "TerminalUI", "Telemetry", "DemoFleet", "Alerting", "Incidents"]),

        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "TestSupport"]),
        .testTarget(name: "PromQLTests", dependencies: ["PromQL", "Telemetry", "TestSupport"]),
        .testTarget(name: "AlertingTests", dependencies: ["Alerting", "PromQL", "Telemetry", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Telemetry", "DemoFleet"]),
        .testTarget(name: "LogsTests", dependencies: ["Logs", "Telemetry"]),
        .testTarget(name: "IncidentsTests", dependencies: ["Incidents", "Telemetry"]),
        .testTarget(name: "DemoFleetTests", dependencies: ["DemoFleet", "Telemetry"]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "TestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "TestSupport", "TerminalUI", "Telemetry", "DemoFleet", "Models", "Alerting", "Logs"], exclude: ["Snapshots"]),
        .testTarget(name: "SourcesTests", dependencies: ["Sources", "Telemetry", "DemoFleet", "Incidents"]),
        .testTarget(name: "CursesBackendTests", dependencies: ["CursesBackend", "TerminalUI"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
        .testTarget(name: "DifferentialTests", dependencies: ["Telemetry", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
