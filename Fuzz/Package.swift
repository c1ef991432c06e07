// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the parsers a user's bytes reach (docs/fuzzing.md). Build and run them
// with `.ci/fuzz.sh`, which builds this package as
//
//     swift build -c release --package-path Fuzz \
//         -Xswiftc -sanitize=address \
//         -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table -Xswiftc -use-ld=lld
//
// Why not simply `-Xswiftc -sanitize=fuzzer,address`: SwiftPM passes -Xswiftc flags to every
// target it builds, the build-tool plugin's TriggerfishGenerateTool included, and
// `-sanitize=fuzzer` at link time links libFuzzer into that tool too, whose link then fails. So the
// whole graph is compiled with AddressSanitizer and the coverage libFuzzer reads (what
// `-sanitize=fuzzer` adds when compiling, less stack-depth tracing), and only the fuzz targets
// below link libFuzzer (`-sanitize=fuzzer` in their linker settings).
//
// Each target is an executable whose `main` starts libFuzzer (`runLibFuzzer`, through
// `LLVMFuzzerRunDriver`) on its `LLVMFuzzerTestOneInput`: SwiftPM links an executable's `main` to
// the module's own entry point (`--defsym main=<Module>_main`), so an executable without one does
// not link, and libFuzzer's own `main` is replaced. Release, because fuzzing is executions per
// second. lld, because gold prints a warning for each ASan symbol and crashed with an internal
// error on one link. Build with exactly these flags from the repository's root (as the script
// does): another working directory or other flags rebuild the plugin's tool (minutes).
let package = Package(
    name: "TriggerfishFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Triggerfish", path: "..")
    ],
    targets: [
        .target(name: "CLibFuzzer", path: "Targets/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Targets/FuzzSupport"),
        fuzzTarget("FuzzConfig"),
        fuzzTarget("FuzzInputs"),
        fuzzTarget("FuzzScopes"),
        fuzzTarget("FuzzCron"),
        fuzzTarget("FuzzTemplates"),
        fuzzTarget("FuzzServerBodies"),
    ]
)

/// One libFuzzer executable: `Targets/<name>/`, linked with libFuzzer.
func fuzzTarget(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "Triggerfish", package: "Triggerfish")],
        path: "Targets/\(name)",
        linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]
    )
}
