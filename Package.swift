// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Triggerfish",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Triggerfish", targets: ["Triggerfish"]),
        // The `webhook_sink` on AsyncHTTPClient, apart so that the runtime never links an HTTP client.
        .library(name: "TriggerfishWebhookSink", targets: ["TriggerfishWebhookSink"]),
        // For tests, ours and consumers': an HTTP receiver, capturing sinks, an engine harness.
        .library(name: "TriggerfishTesting", targets: ["TriggerfishTesting"]),
        // `triggerfish serve` as a library: the runner's HTTP endpoints, for programs that embed it.
        .library(name: "TriggerfishServer", targets: ["TriggerfishServer"]),
        // The Kubernetes API client (kubeconfig, in-cluster), watches and their cache, apart so that
        // the runtime never links an HTTP client.
        .library(name: "TriggerfishKubernetes", targets: ["TriggerfishKubernetes"]),
        .executable(name: "triggerfish", targets: ["TriggerfishCLI"]),
        // The generator the plugin runs; also `swift run TriggerfishGenerateTool docs ...`.
        .executable(name: "TriggerfishGenerateTool", targets: ["TriggerfishGenerateTool"]),
        .plugin(name: "TriggerfishPlugin", targets: ["TriggerfishPlugin"]),
        // Not API: the generator's internals, for the benchmark package in Benchmarks/.
        .library(name: "_TriggerfishGenerator", targets: ["_TriggerfishGenerator", "_TriggerfishCore", "_TriggerfishFileIO"]),
    ],
    traits: [
        .trait(
            name: "Mimalloc",
            description: """
                Link `triggerfish` with mimalloc (Debian: libmimalloc-dev) in place of glibc's malloc, as \
                the Containerfile does: two cores then replay alerts about 1.9 times as fast as one, not 1.7 \
                (docs/performance.md).
                """
        )
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // Named for their error types only (the webhook sink's log says why an attempt failed);
        // async-http-client builds them anyway.
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
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
            dependencies: [
                "_TriggerfishCore", "_TriggerfishFileIO", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Sources/Runtime",
            plugins: ["TriggerfishPlugin"]
        ),
        // `webhook_sink`: POSTs findings with AsyncHTTPClient. Programs that deliver to webhooks
        // (the CLI's `replay --deliver`) register its builder with the runtime's SinkFactory.
        .target(
            name: "TriggerfishWebhookSink",
            dependencies: [
                "Triggerfish",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/WebhookSink"
        ),
        // The Kubernetes API on AsyncHTTPClient: configuration as client-go finds it (in cluster,
        // kubeconfig with exec plugins), the runtime's KubernetesAPI with retries and Status errors,
        // watches, and the watch source that turns them into KubernetesChanges with a cache.
        .target(
            name: "TriggerfishKubernetes",
            dependencies: [
                "Triggerfish", "_TriggerfishCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Kubernetes"
        ),
        // `triggerfish serve`: Robusta's runner endpoints on Hummingbird, the bounded input queue, bearer
        // authentication, reloads, /metrics (swift-prometheus) and graceful shutdown (swift-service-lifecycle).
        .target(
            name: "TriggerfishServer",
            dependencies: [
                "Triggerfish",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Server"
        ),
        // What tests of the runtime and of consumers' playbooks need: a live HTTP receiver
        // (Hummingbird) with scripted answers, capturing sinks and consoles, an engine harness.
        .target(
            name: "TriggerfishTesting",
            dependencies: [
                "Triggerfish",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Testing"
        ),
        .executableTarget(
            name: "TriggerfishCLI",
            dependencies: [
                "Triggerfish",
                "TriggerfishServer",
                "TriggerfishWebhookSink",
                "TriggerfishKubernetes",
                "_TriggerfishCore",
                "_TriggerfishFileIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/CLI",
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux], traits: ["Mimalloc"]))]
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
            dependencies: [
                "Triggerfish", "_TriggerfishCore", "_TriggerfishFileIO", "TriggerfishTestSupport", "TriggerfishTesting",
                "TriggerfishWebhookSink", .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            path: "Tests/TriggerfishTests"
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Triggerfish", "_TriggerfishCore", "TriggerfishCLI", "TriggerfishTestSupport", "TriggerfishTesting"],
            path: "Tests/EndToEndTests"
        ),
        // The runner over real HTTP on 127.0.0.1 (AsyncHTTPClient), with real Alertmanager and
        // Prometheus processes where their binaries are installed (Debian's prometheus-alertmanager
        // and prometheus; .ci/run installs them), and the OpenAPI document in docs/openapi.yaml.
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Triggerfish", "TriggerfishServer", "TriggerfishTesting", "TriggerfishTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/ServerTests"
        ),
        // The Kubernetes client, configuration and watch source over real HTTP on 127.0.0.1.
        .testTarget(
            name: "KubernetesTests",
            dependencies: [
                "TriggerfishKubernetes", "Triggerfish", "_TriggerfishCore", "TriggerfishTesting", "TriggerfishServer",
                "TriggerfishTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/KubernetesTests"
        ),
        // The fake Kubernetes API server (TriggerfishTesting) over real HTTP and TLS with AsyncHTTPClient.
        .testTarget(
            name: "FakeKubernetesTests",
            dependencies: [
                "Triggerfish", "TriggerfishTesting", "TriggerfishTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/FakeKubernetesTests"
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
