import Foundation
import Testing

/// The consumer workflow end to end: copy `Examples/PodCounter` to a temporary directory, build it
/// with the real `swift build` (so SwiftPM runs the TriggerfishPlugin on it), and check what a user
/// sees: a binary that runs, or the build failing with diagnostics that point at the YAML.
///
/// Every test builds its own copy. The copies share one scratch directory (per checkout of this
/// repository, kept between runs), so only the first build compiles Yams and Triggerfish; the tests
/// are serialized because of it, and SwiftPM's lock on the scratch directory guards concurrent runs.
@Suite(.serialized, .timeLimit(.minutes(15)))
struct ExamplePackageTests {
    @Test func exampleBuildsAndRuns() async throws {
        let example = try ExampleCopy()
        defer { example.remove() }

        let build = try await example.build()
        try #require(build.status == 0, "swift build failed:\n\(build.output)")
        // Its YAML files are a playbooks and an actions file, so the plugin has nothing to warn about.
        #expect(!build.output.contains("not checked") && !build.output.contains("no playbooks"), "output:\n\(build.output)")

        // What a consumer compiles for its own code: the runtime and the core, never the emitters
        // (they are built for the plugin's tool only), an HTTP client or server. (The scratch
        // directory is kept between runs, so this names what must be absent, not the whole list.)
        let modules = try FileManager.default.contentsOfDirectory(
            atPath: try await example.executable().deletingLastPathComponent().appending(path: "Modules").path
        ).filter { $0.hasSuffix(".swiftmodule") }.map { String($0.dropLast(".swiftmodule".count)) }
        #expect(Set(["Triggerfish", "_TriggerfishCore", "PodCounter"]).isSubset(of: modules), "modules: \(modules)")
        let heavy = [
            "_TriggerfishGenerator", "TriggerfishWebhookSink", "AsyncHTTPClient", "NIOCore", "Hummingbird", "TriggerfishTesting",
            "TriggerfishServer", "Prometheus", "ServiceLifecycle",
        ]
        #expect(modules.filter(heavy.contains) == [], "modules: \(modules)")

        let run = try await runProcess([try await example.executable().path], in: example.directory)
        #expect(run.status == 0, "PodCounter failed:\n\(run.output)")
        #expect(
            run.lines == [
                "3 playbooks from playbooks.yaml; actions of this package: count_pods, log_change",
                "change: update Pod default/web-1",
                "Pod default/web-1 update",
                "    playbook 1 (playbooks.yaml:2): count_pods, log_change",
                "    finding [INFO] 1 pod(s) named web-* seen → no sink accepts it",
                "    '1 pod(s) named web-* seen' is about Pod default/web-1, from kubernetes_api_server",
                "change: update Pod default/web-2",
                "Pod default/web-2 update",
                "    playbook 1 (playbooks.yaml:2): count_pods, log_change",
                "    finding [HIGH] 2 pod(s) named web-* seen → no sink accepts it",
                "    '2 pod(s) named web-* seen' is about Pod default/web-2, from kubernetes_api_server",
                "Pod default/db-1 update: no playbook fired",
                "alert KubePodNotReady firing",
                "    playbook 3 (playbooks.yaml:23): create_finding, count_pods",
                "    finding [INFO] 1 pod(s) named api-* seen → no sink accepts it",
                "    finding [LOW] Pod api-7 is not ready → no sink accepts it",
                "    '1 pod(s) named api-* seen' is about Pod shop/api-7, from prometheus",
                "    'Pod api-7 is not ready' is about Pod shop/api-7, from prometheus",
                "alert KubePodNotReady firing: duplicate, already handled",
                #"refused: kubewatch CloudEvent: data.operation: expected "create", "update" or "delete"; found "patch""#,
            ])
    }

    @Test func aMisnamedPlaybooksFileIsNotCheckedAndTheBuildSaysSo() async throws {
        let example = try ExampleCopy()
        defer { example.remove() }
        // Not 'playbooks.yaml' nor '*.playbooks.yaml': the plugin does not read it, so the typo in it
        // is not reported and the build succeeds; what the user gets is a warning naming the file
        // and the names that are checked.
        try example.write(
            "Sources/PodCounter/my-playbooks.yaml",
            """
            - triggers:
                - on_pod_updat: {}
              actions:
                - count_pods:
                    prefix: web-

            """)
        let file = example.path("Sources/PodCounter/my-playbooks.yaml")
        let warning =
            "\(file): warning: not checked: Triggerfish reads playbooks from 'playbooks.yaml' or '*.playbooks.yaml' and action "
            + "declarations from 'actions.yaml' or '*.actions.yaml' (or .yml); rename the file to have it checked and embedded, "
            + "or exclude it from the target in Package.swift"

        let build = try await example.build()
        #expect(build.status == 0, "the build should succeed:\n\(build.output)")
        #expect(build.diagnostics(in: file) == [warning], "the file was validated, or not warned about:\n\(build.output)")
        #expect(!build.output.contains("on_pod_updat'"), "output:\n\(build.output)")
        // An input of the generator's command, the file is handled: SwiftPM does not call it unhandled.
        #expect(!build.output.contains("unhandled"), "output:\n\(build.output)")

        // Edited without being renamed, it is warned about again.
        let original = try String(contentsOfFile: file, encoding: .utf8)
        try example.write("Sources/PodCounter/my-playbooks.yaml", original + "# edited\n")
        let edited = try await example.build()
        #expect(edited.status == 0, "the build should succeed:\n\(edited.output)")
        #expect(edited.diagnostics(in: file) == [warning], "output:\n\(edited.output)")

        // Renamed, it is checked: the typo fails the build at its line.
        try FileManager.default.moveItem(atPath: file, toPath: example.path("Sources/PodCounter/my.playbooks.yaml"))
        let renamed = try await example.build()
        #expect(renamed.status != 0, "the build should fail:\n\(renamed.output)")
        #expect(!renamed.output.contains("not checked"), "output:\n\(renamed.output)")
        #expect(
            renamed.diagnostics(in: example.path("Sources/PodCounter/my.playbooks.yaml")) == [
                "\(example.path("Sources/PodCounter/my.playbooks.yaml")):2:7: error: unknown trigger 'on_pod_updat' in the playbook at line 1; did you mean 'on_pod_update'?"
            ], "output:\n\(renamed.output)")
    }

    @Test func aTargetWithThePluginAndNoPlaybooksIsWarnedAbout() async throws {
        let example = try ExampleCopy()
        defer { example.remove() }
        try FileManager.default.removeItem(atPath: example.path("Sources/PodCounter/playbooks.yaml"))

        let build = try await example.build()
        #expect(build.status == 0, "the build should succeed:\n\(build.output)")
        let warning =
            "warning: target 'PodCounter' applies TriggerfishPlugin but has no playbooks to check: put them in 'playbooks.yaml' or "
            + "'*.playbooks.yaml' (or .yml) in \(example.path("Sources/PodCounter")); until then EmbeddedPlaybooks has none "
            + "(a target that loads its playbooks at run time can have an empty 'playbooks.yaml')"
        #expect(build.lines.filter { $0.contains("no playbooks") } == [warning], "output:\n\(build.output)")

        // Asking for the missing file at run time is an error that says what is embedded, not an index out of range.
        let run = try await runProcess([try await example.executable().path], in: example.directory)
        #expect(run.status == 1)
        #expect(
            run.lines == [
                "playbooks.yaml: error: no playbooks file named 'playbooks.yaml' is embedded (embedded: none); "
                    + "TriggerfishPlugin embeds a target's 'playbooks.yaml' and '*.playbooks.yaml' (or .yml)"
            ], "output:\n\(run.output)")
    }

    @Test func brokenPlaybooksFailTheBuildWithPositions() async throws {
        let example = try ExampleCopy()
        defer { example.remove() }
        // Five mistakes at once; the build reports all of them, each at its YAML node.
        try example.write(
            "Sources/PodCounter/playbooks.yaml",
            """
            - triggers:
                - on_pod_updte:            # typo in the trigger
                    name_prefix: web-
              actions:
                - count_pods:
                    prefix: web-

            - triggers:
                - on_deployment_update: {}
              actions:
                - count_pods:              # needs a PodEvent; a deployment update is not one
                    prefix: web-

            - triggers:
                - on_pod_crash_loop:
                    restart_count: 3
              actions:
                - count_pods:
                    prefix: web-
                    treshold: 2            # misspelled parameter
                - create_finding:          # aggregation_key is required
                    title: "Pod $name is crash looping"
                    severity: MEDIUM

            - triggers:
                - on_prometheus_alert:
                    alert_name: KubePodNotReady
              actions:
                - count_pods:
                    prefix: api-
                    threshold: many        # not an int

            """)

        let build = try await example.build()
        #expect(build.status != 0, "the build should fail:\n\(build.output)")
        let file = example.path("Sources/PodCounter/playbooks.yaml")
        #expect(
            build.diagnostics(in: file) == [
                "\(file):2:7: error: unknown trigger 'on_pod_updte' in the playbook at line 1; did you mean 'on_pod_update'?",
                "\(file):11:7: error: action 'count_pods' needs a PodEvent, but trigger 'on_deployment_update' (line 9) produces a DeploymentChangeEvent, which is not one; compatible triggers: on_pod_crash_loop, on_image_pull_backoff, on_pod_oom_killed, on_container_oom_killed, on_pod_evicted, on_prometheus_alert, on_pod_create, on_pod_update, on_pod_delete, on_pod_all_changes",
                "\(file):20:9: error: unknown parameter 'treshold' for action 'count_pods'; did you mean 'threshold'?",
                "\(file):21:7: error: missing required parameter 'aggregation_key' (string) of action 'create_finding'",
                "\(file):31:20: error: parameter 'threshold' of action 'count_pods' must be an integer, found a string (many)",
            ], "output:\n\(build.output)")

        // `triggerfish validate` on the same files says exactly what the build said.
        let validate = try CLITests.triggerfish([
            "validate", "--actions", example.path("Sources/PodCounter/actions.yaml"), file,
        ])
        #expect(validate.status == 1)
        #expect(validate.stderr == build.diagnostics(in: file))
    }

    @Test func unknownEventInActionsFailsTheBuild() async throws {
        let example = try ExampleCopy()
        defer { example.remove() }
        try example.edit("Sources/PodCounter/actions.yaml", replacing: "event: PodEvent", with: "event: PodEvnt")

        let build = try await example.build()
        #expect(build.status != 0, "the build should fail:\n\(build.output)")
        let file = example.path("Sources/PodCounter/actions.yaml")
        #expect(
            build.diagnostics(in: file) == [
                "\(file):8:12: error: unknown event 'PodEvnt' in action 'count_pods'; did you mean 'PodEvent'?"
            ], "output:\n\(build.output)")
    }

    @Test func implementationWithTheWrongEventTypeDoesNotCompile() async throws {
        let example = try ExampleCopy()
        defer { example.remove() }
        // actions.yaml says count_pods accepts a PodEvent; the implementation claims a NodeEvent.
        try example.edit(
            "Sources/PodCounter/Actions.swift", replacing: "func countPods(_ event: some PodEvent",
            with: "func countPods(_ event: some NodeEvent")

        let build = try await example.build()
        #expect(build.status != 0, "the build should fail:\n\(build.output)")
        // The YAML is fine, so the plugin passes; the Swift compiler rejects the conformance.
        #expect(build.diagnostics(in: example.path("Sources/PodCounter/playbooks.yaml")).isEmpty)
        #expect(build.diagnostics(in: example.path("Sources/PodCounter/actions.yaml")).isEmpty)
        let actionsSwift = example.path("Sources/PodCounter/Actions.swift")
        #expect(
            build.diagnostics(in: actionsSwift).contains {
                $0.hasSuffix("error: type 'Actions' does not conform to protocol 'PlaybookActions'")
            },
            "output:\n\(build.output)")
        #expect(build.output.contains("protocol requires function 'countPods(_:parameters:context:)'"), "output:\n\(build.output)")
    }
}

// MARK: - A copy of the example package

/// The root of this repository (the package that vends the plugin), from this file's path.
let repositoryRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A build scratch directory kept between runs, one per checkout of this repository, so that
/// only the first build of a run compiles the dependencies.
func keptScratchDirectory(named prefix: String) -> URL {
    FileManager.default.temporaryDirectory
        .appending(path: prefix + repositoryRoot.path.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined())
        .appending(path: "scratch")
}

/// A copy of `Examples/PodCounter` in a fresh temporary directory, depending on this repository by
/// absolute path.
struct ExampleCopy {
    let directory: URL

    /// The scratch directory every copy builds in, one per checkout of the repository.
    static let scratchDirectory = keptScratchDirectory(named: "triggerfish-e2e")

    init() throws {
        let manager = FileManager.default
        let source = repositoryRoot.appending(path: "Examples/PodCounter")
        let parent = manager.temporaryDirectory.appending(path: "triggerfish-e2e-\(UUID().uuidString)").resolvingSymlinksInPath()
        directory = parent.appending(path: "PodCounter")  // the name is the package identity; keep it
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        try manager.copyItem(at: source.appending(path: "Sources"), to: directory.appending(path: "Sources"))
        let manifest = try String(contentsOf: source.appending(path: "Package.swift"), encoding: .utf8)
        let dependency = #".package(name: "Triggerfish", path: "../..")"#
        try #require(manifest.contains(dependency), "Examples/PodCounter/Package.swift no longer has \(dependency)")
        let rewritten = manifest.replacingOccurrences(
            of: dependency, with: ".package(name: \"Triggerfish\", path: \"\(repositoryRoot.path)\")")
        try rewritten.write(to: directory.appending(path: "Package.swift"), atomically: true, encoding: .utf8)
    }

    func path(_ relative: String) -> String { directory.appending(path: relative).path }

    func write(_ relative: String, _ contents: String) throws {
        try contents.write(to: directory.appending(path: relative), atomically: true, encoding: .utf8)
    }

    func edit(_ relative: String, replacing old: String, with new: String) throws {
        let contents = try String(contentsOf: directory.appending(path: relative), encoding: .utf8)
        try #require(contents.contains(old), "\(relative) no longer contains \(old)")
        try write(relative, contents.replacingOccurrences(of: old, with: new))
    }

    func build() async throws -> ProcessResult {
        try await runProcess(["swift", "build", "--scratch-path", Self.scratchDirectory.path], in: directory)
    }

    /// The built `PodCounter` binary.
    func executable() async throws -> URL {
        let result = try await runProcess(
            ["swift", "build", "--scratch-path", Self.scratchDirectory.path, "--show-bin-path"], in: directory)
        try #require(result.status == 0, "swift build --show-bin-path failed:\n\(result.output)")
        let binPath = try #require(result.lines.last)
        return URL(filePath: binPath).appending(path: "PodCounter")
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }
}

// MARK: - Running processes

struct ProcessResult {
    var status: Int32
    /// Standard output and standard error, interleaved as written.
    var output: String

    var lines: [String] { output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Diagnostic lines about `file` (`file:line:column: severity: message`), each from the path on
    /// (whatever SwiftPM printed before it on the same line is dropped), in order, without repeats.
    func diagnostics(in file: String) -> [String] {
        var seen: Set<String> = []
        return lines.compactMap { line -> String? in
            guard let start = line.range(of: file + ":")?.lowerBound else { return nil }
            let diagnostic = String(line[start...])
            guard diagnostic.contains(": error: ") || diagnostic.contains(": warning: ") else { return nil }
            return seen.insert(diagnostic).inserted ? diagnostic : nil
        }
    }
}

/// Runs `command` in `directory` and waits for it without blocking a thread. The command's first
/// word is looked up in the `PATH` (so `swift` is the toolchain running these tests) unless it is a
/// path. Output goes to a temporary file rather than a pipe, so a chatty process cannot fill a pipe.
func runProcess(_ command: [String], in directory: URL) async throws -> ProcessResult {
    let log = FileManager.default.temporaryDirectory.appending(path: "triggerfish-e2e-\(UUID().uuidString).log")
    guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path])
    }
    defer { try? FileManager.default.removeItem(at: log) }
    let handle = try FileHandle(forWritingTo: log)
    defer { try? handle.close() }

    let process = Process()
    process.executableURL = URL(filePath: "/usr/bin/env")
    process.arguments = command
    process.currentDirectoryURL = directory
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = handle
    process.standardError = handle
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    return ProcessResult(status: status, output: String(decoding: try Data(contentsOf: log), as: UTF8.self))
}
