// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Triggerfish",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Triggerfish", targets: ["Triggerfish"]),
        .executable(name: "triggerfish", targets: ["TriggerfishCLI"]),
        // The generator the plugin runs; also `swift run TriggerfishGenerateTool docs ...`.
        .executable(name: "TriggerfishGenerateTool", targets: ["TriggerfishGenerateTool"]),
        .plugin(name: "TriggerfishPlugin", targets: ["TriggerfishPlugin"]),
        // Not API: the generator's internals, for the benchmark package in Benchmarks/.
        .library(name: "_TriggerfishGenerator", targets: ["_TriggerfishGenerator", "_TriggerfishCore", "_TriggerfishFileIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // The core every stage shares: YAML with positions and limits, the schema model, the
        // config validator and diagnostics. Pure: no emitters, no file system.
        .target(
            name: "_TriggerfishCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Sources/Core"
        ),
        // Reading text files (configs, recordings, schema folders) with one wording for every
        // failure, and writing generated files only when they change.
        .target(
            name: "_TriggerfishFileIO",
            dependencies: ["_TriggerfishCore"],
            path: "Sources/FileIO"
        ),
        // The emitters: Swift for the runtime and consumer targets, and the reference docs.
        // Only the generator tool links them.
        .target(
            name: "_TriggerfishGenerator",
            dependencies: ["_TriggerfishCore"],
            path: "Sources/Generator"
        ),
        // The executable the build-tool plugin runs; also `swift run TriggerfishGenerateTool docs ...`.
        .executableTarget(
            name: "TriggerfishGenerateTool",
            dependencies: [
                "_TriggerfishCore",
                "_TriggerfishFileIO",
                "_TriggerfishGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/GeneratorTool"
        ),
        .plugin(
            name: "TriggerfishPlugin",
            capability: .buildTool(),
            dependencies: [.target(name: "TriggerfishGenerateTool")]
        ),
        // The runtime that generated code links: events, triggers, actions, findings, sinks and
        // the engine. Its event, trigger and action types are generated from schema/ by the
        // plugin. Configs loaded at run time go through the core's validator; it never links the
        // emitters, HTTP clients or servers.
        .target(
            name: "Triggerfish",
            dependencies: ["_TriggerfishCore", "_TriggerfishFileIO"],
            path: "Sources/Runtime",
            plugins: ["TriggerfishPlugin"]
        ),
        .executableTarget(
            name: "TriggerfishCLI",
            dependencies: [
                "Triggerfish",
                "_TriggerfishCore",
                "_TriggerfishFileIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CLI"
        ),
        // For the test targets, never a product: the fixture folders (the repository's own in
        // Tests/Fixtures, Robusta's in ../shared/fixtures/robusta), Robusta's scope-table format and
        // running the built `triggerfish`.
        .target(
            name: "TriggerfishTestSupport",
            dependencies: ["Triggerfish", "_TriggerfishCore"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "GeneratorTests",
            dependencies: ["_TriggerfishCore", "_TriggerfishFileIO", "_TriggerfishGenerator"],
            path: "Tests/GeneratorTests",
            exclude: ["Goldens"]
        ),
        .testTarget(
            name: "TriggerfishTests",
            dependencies: ["Triggerfish", "_TriggerfishCore", "_TriggerfishFileIO", "TriggerfishTestSupport"],
            path: "Tests/TriggerfishTests"
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["_TriggerfishCore", "TriggerfishCLI", "TriggerfishTestSupport"],
            path: "Tests/EndToEndTests"
        ),
        // Compares Triggerfish with Robusta's recorded fixtures and behaviour. Runs only where
        // ../shared/fixtures/robusta exists (CI); elsewhere one line of the output says it was skipped.
        .testTarget(
            name: "RobustaConformanceTests",
            dependencies: ["Triggerfish", "_TriggerfishCore", "_TriggerfishFileIO", "TriggerfishCLI", "TriggerfishTestSupport"],
            path: "Tests/RobustaConformanceTests"
        ),
    ]
)
