// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so the main package's users never build
// ordo-one/benchmark. Run them with `./run.sh` (see README.md here).
let package = Package(
    name: "TriggerfishBenchmarks",
    platforms: [.macOS(.v15)],
    traits: [
        .trait(
            name: "Mimalloc",
            description: "Link ReplayThroughput with mimalloc, as the Containerfile links triggerfish (run.sh does when it can)."
        )
    ],
    dependencies: [
        .package(name: "Triggerfish", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "GeneratorBenchmarks",
            dependencies: [
                .product(name: "_TriggerfishGenerator", package: "Triggerfish"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/GeneratorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The benchmark's own action `bench_count`, declared in actions.yaml and checked by the
        // Triggerfish plugin like any consumer's action.
        .target(
            name: "BenchSupport",
            dependencies: ["CHeapStats", .product(name: "Triggerfish", package: "Triggerfish")],
            path: "Sources/BenchSupport",
            plugins: [.plugin(name: "TriggerfishPlugin", package: "Triggerfish")]
        ),
        .executableTarget(
            name: "ReplayBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Triggerfish", package: "Triggerfish"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ReplayBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Whole-file replay throughput, latency percentiles and peak memory: `./run.sh throughput`.
        .executableTarget(
            name: "ReplayThroughput",
            dependencies: [
                "BenchSupport",
                .product(name: "Triggerfish", package: "Triggerfish"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/ReplayThroughput",
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux], traits: ["Mimalloc"]))]
        ),
        // Events/s against body size and against the number of playbooks: `./run.sh curve`.
        .executableTarget(
            name: "CostCurve",
            dependencies: [
                "BenchSupport",
                .product(name: "Triggerfish", package: "Triggerfish"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CostCurve"
        ),
        // The watch of `serve --watch`: changes/s, memory per watched object, alert resolution
        // from the cache and from the API: `./run.sh watch`.
        // glibc's heap statistics, and which library serves malloc, which Swift's Glibc module
        // does not export.
        .target(name: "CHeapStats", path: "Sources/CHeapStats"),
        .executableTarget(
            name: "WatchThroughput",
            dependencies: [
                "BenchSupport",
                "CHeapStats",
                .product(name: "Triggerfish", package: "Triggerfish"),
                .product(name: "TriggerfishKubernetes", package: "Triggerfish"),
                .product(name: "TriggerfishTesting", package: "Triggerfish"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/WatchThroughput"
        ),
    ]
)
