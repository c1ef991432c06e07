// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Triggerfish",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Triggerfish", targets: ["Triggerfish"]),
        .library(name: "TriggerfishGenerator", targets: ["TriggerfishGenerator"]),
        .executable(name: "triggerfish", targets: ["TriggerfishCLI"]),
        // The generator the plugin runs; also `swift run TriggerfishGenerateTool docs ...`.
        .executable(name: "TriggerfishGenerateTool", targets: ["TriggerfishGenerateTool"]),
        .plugin(name: "TriggerfishPlugin", targets: ["TriggerfishPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // Pure core: schema model, YAML with positions, validation, Swift and docs emitters.
        .target(
            name: "TriggerfishGenerator",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Sources/Generator"
        ),
        // Thin executable the build-tool plugin runs.
        .executableTarget(
            name: "TriggerfishGenerateTool",
            dependencies: [
                "TriggerfishGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/GeneratorTool"
        ),
        .plugin(
            name: "TriggerfishPlugin",
            capability: .buildTool(),
            dependencies: [.target(name: "TriggerfishGenerateTool")]
        ),
        // The runtime that generated code links. Its event, trigger and action types are
        // generated from schema/ by the plugin.
        .target(
            name: "Triggerfish",
            // Configs loaded at run time go through the same validator the build uses.
            dependencies: ["TriggerfishGenerator"],
            path: "Sources/Runtime",
            plugins: ["TriggerfishPlugin"]
        ),
        .executableTarget(
            name: "TriggerfishCLI",
            dependencies: [
                "Triggerfish",
                "TriggerfishGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CLI"
        ),
        // For the test targets, never a product: the fixture folders (the repository's own in
        // Tests/Fixtures, Robusta's in ../shared/fixtures/robusta), Robusta's scope-table format and
        // running the built `triggerfish`.
        .target(
            name: "TriggerfishTestSupport",
            dependencies: ["Triggerfish", "TriggerfishGenerator"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "GeneratorTests",
            dependencies: ["TriggerfishGenerator"],
            path: "Tests/GeneratorTests",
            exclude: ["Goldens"]
        ),
        .testTarget(
            name: "TriggerfishTests",
            dependencies: ["Triggerfish", "TriggerfishGenerator", "TriggerfishTestSupport"],
            path: "Tests/TriggerfishTests"
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TriggerfishGenerator", "TriggerfishCLI"],
            path: "Tests/EndToEndTests"
        ),
        // Compares Triggerfish with Robusta's recorded fixtures and behaviour. Runs only where
        // ../shared/fixtures/robusta exists (CI); elsewhere one line of the output says it was skipped.
        .testTarget(
            name: "RobustaConformanceTests",
            dependencies: ["Triggerfish", "TriggerfishGenerator", "TriggerfishCLI", "TriggerfishTestSupport"],
            path: "Tests/RobustaConformanceTests"
        ),
    ]
)
