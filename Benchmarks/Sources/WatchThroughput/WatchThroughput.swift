import ArgumentParser
import BenchSupport
import CHeapStats
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Triggerfish
import TriggerfishKubernetes
import TriggerfishTesting

// The watch path of `triggerfish serve --watch`, on the Pod bodies of the benchmark workload:
//   - throughput: ResourceWatcher lists the pods, then reads one watch stream carrying every
//     update of pods.jsonl (`MODIFIED`, each object with a new resourceVersion) and delivers each
//     change with its old object from the cache; once with a delivery that only counts, once
//     handing each change to an engine running a playbook config;
//   - memory per watched object: the heap the watch cache holds after listing many pods, against
//     the JSON text the API server sent for them;
//   - resolving an alert's pod: `object(.pod, namespace:, name:)` from the watch cache
//     (`CachedKubernetesAPI`) and from the API server (a GET over loopback).
//
// The API server here is a minimal stand-in that answers the list, the watch and the gets with bytes
// prepared before the clock starts, so what is measured is the client's work (HTTP, JSON parsing,
// the cache, the change), not a server's. Run it pinned to one core with `./run.sh watch`.

@main
struct WatchThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch throughput, memory per watched object and alert resolution time on the benchmark workload.")

    @Option(help: "Playbook configs (in the workload directory) the changes are also handed to.")
    var config: [String] = ["playbooks_k8s_N10.yaml"]

    @Option(help: "Pods to list for the memory measurement.")
    var cachedPods = 20_000

    @Option(help: "Reads per alert resolution measurement.")
    var reads = 2_000

    func run() async throws {
        let workload = try Workload.load()
        print(
            "workload: \(workload.updates.count) Pod updates of \(workload.initial.count) pods (median object \(workload.medianObjectBytes) bytes)"
        )
        let server = try await StandInAPIServer.start(workload: workload, cachedPods: cachedPods)
        defer { server.stop() }

        // Throughput: only counting, then through engines.
        try await measureWatch(server: server, workload: workload, label: "watch only (delivery counts)") { _ in }
        for name in config {
            let engine = try makeEngine(config: name)
            try await measureWatch(server: server, workload: workload, label: "watch + engine with \(name)") { change in
                _ = await engine.handle(change)
            }
        }

        try await measureMemory(server: server)
        try await measureResolution(server: server, workload: workload)
    }

    func client(_ server: StandInAPIServer) throws -> KubernetesClient {
        try KubernetesClient(configuration: KubernetesConfiguration(server: server.url, credentials: .token("bench")))
    }

    func measureWatch(
        server: StandInAPIServer, workload: Workload, label: String, handle: @escaping @Sendable (KubernetesChange) async -> Void
    ) async throws {
        server.state.mode.withLock { $0 = .throughput }
        let client = try client(server)
        let watcher = ResourceWatcher(
            client: client, resources: [.pod], logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let delivered = Atomic<Int>(0)
        let updates = Atomic<Int>(0)
        let total = workload.updates.count
        let (done, finished) = AsyncStream.makeStream(of: Void.self)
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task {
            await watcher.run { change in
                await handle(change)
                if change.operation == .update, change.oldObject != nil { updates.add(1, ordering: .relaxed) }
                if delivered.add(1, ordering: .relaxed).newValue == total { finished.finish() }
                return true
            }
        }
        for await _ in done {}
        let elapsed = clock.now - start
        task.cancel()
        await task.value
        try await client.shutdown()
        let seconds = elapsed.seconds
        print(
            "\(label): \(delivered.load(ordering: .relaxed)) changes (\(updates.load(ordering: .relaxed)) updates with their old object) in \(String(format: "%.2f", seconds)) s = \(String(format: "%.0f", Double(total) / seconds)) changes/s, \(String(format: "%.1f", Double(server.streamBytes) / seconds / 1_048_576)) MiB/s of stream"
        )
    }

    func measureMemory(server: StandInAPIServer) async throws {
        server.state.mode.withLock { $0 = .memory }
        let client = try client(server)
        let watcher = ResourceWatcher(
            client: client, resources: [.pod], logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let before = heapInUse()
        let task = Task { await watcher.run { _ in true } }
        // The initial list fills the cache; the watch that follows carries nothing.
        while watcher.cache.objects(.pod).count < cachedPods { try await Task.sleep(for: .milliseconds(20)) }
        // Let the list's buffers go before reading the heap.
        try await Task.sleep(for: .milliseconds(300))
        let after = heapInUse()
        let objects = watcher.cache.objects(.pod).count
        task.cancel()
        await task.value
        try await client.shutdown()
        let perObject = Double(after - before) / Double(objects)
        let textPerObject = Double(server.memoryListTextBytes) / Double(objects)
        print(
            "memory: \(objects) pods cached; heap \(String(format: "%.1f", Double(after - before) / 1_048_576)) MiB = \(String(format: "%.1f", perObject / 1024)) KiB per pod, \(String(format: "%.1f", perObject / textPerObject))× its JSON text (\(String(format: "%.1f", textPerObject / 1024)) KiB, managedFields included)"
        )
    }

    func measureResolution(server: StandInAPIServer, workload: Workload) async throws {
        server.state.mode.withLock { $0 = .throughput }
        let client = try client(server)
        let watcher = ResourceWatcher(
            client: client, resources: [.pod], logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        server.state.holdWatch.withLock { $0 = true }
        let task = Task { await watcher.run { _ in true } }
        while watcher.cache.objects(.pod).count < workload.initial.count { try await Task.sleep(for: .milliseconds(20)) }
        let cached = CachedKubernetesAPI(client: client, cache: watcher.cache)
        let names = workload.initial.map { ($0.namespace, $0.name) }
        let clock = ContinuousClock()
        func measure(_ api: any KubernetesAPI, _ label: String) async throws {
            var latencies: [Duration] = []
            latencies.reserveCapacity(reads)
            var found = 0
            for index in 0..<reads {
                let (namespace, name) = names[index % names.count]
                let start = clock.now
                if try await api.object(kind: "Pod", namespace: namespace, name: name) != nil { found += 1 }
                latencies.append(clock.now - start)
            }
            latencies.sort()
            print(
                "resolve an alert's pod \(label): \(found)/\(reads) found; p50 \(latencies.percentile(0.5).microseconds) µs, p99 \(latencies.percentile(0.99).microseconds) µs"
            )
        }
        try await measure(cached, "from the watch cache")
        try await measure(client, "from the API (GET over loopback)")
        server.state.holdWatch.withLock { $0 = false }
        task.cancel()
        await task.value
        try await client.shutdown()
    }
}

/// The workload's pods: each pod's first old object (what the list returns) and every update's
/// new object with a fresh resourceVersion (what the watch carries).
struct Workload: Sendable {
    struct Pod: Sendable {
        var namespace: String
        var name: String
        var json: JSONValue
    }

    var initial: [Pod]
    var updates: [JSONValue]
    var medianObjectBytes: Int

    static func load() throws -> Workload {
        var initial: [Pod] = []
        var seen = Set<String>()
        var updates: [JSONValue] = []
        var sizes: [Int] = []
        var version = 1
        for line in try LineReader(path: workloadPath("pods.jsonl")) {
            let body = try JSONValue.parse(Array(line.bytes))
            guard let data = body["data"], var object = data["obj"], let metadata = object["metadata"],
                let name = metadata["name"]?.stringValue
            else { continue }
            let namespace = metadata["namespace"]?.stringValue ?? "default"
            if seen.insert("\(namespace)/\(name)").inserted, var old = data["oldObj"] {
                old = old.setting(resourceVersion: String(version))
                version += 1
                initial.append(Pod(namespace: namespace, name: name, json: old))
            }
            version += 1
            object = object.setting(resourceVersion: String(version))
            updates.append(object)
            sizes.append(object.encoded.count)
        }
        sizes.sort()
        return Workload(initial: initial, updates: updates, medianObjectBytes: sizes.isEmpty ? 0 : sizes[sizes.count / 2])
    }
}

extension JSONValue {
    func setting(resourceVersion: String) -> JSONValue {
        guard case .object(var members) = self, case .object(var metadata) = members["metadata"] else { return self }
        metadata["resourceVersion"] = .string(resourceVersion)
        members["metadata"] = .object(metadata)
        return .object(members)
    }

    var encoded: [UInt8] { Array(try! JSONEncoder().encode(self)) }
}

/// Answers `GET /api/v1/pods` (the list), `GET /api/v1/pods?watch=true` (after each list, one
/// stream of every update; then watches that stay open) and `GET /api/v1/namespaces/NS/pods/NAME`
/// with bytes prepared at start.
final class StandInAPIServer: Sendable {
    enum Mode { case throughput, memory }

    /// What the handlers and the benchmark share.
    final class State: Sendable {
        let mode = Mutex(Mode.throughput)
        /// Every watch stays open with nothing to say.
        let holdWatch = Mutex(false)
        /// The update stream was served since the last list.
        let servedStream = Mutex(false)
    }

    let port: Int
    let task: Task<Void, any Error>
    let state: State
    /// The JSON text of the pods the memory list carries.
    let memoryListTextBytes: Int
    /// The bytes of the update stream.
    let streamBytes: Int

    var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, task: Task<Void, any Error>, state: State, memoryListTextBytes: Int, streamBytes: Int) {
        self.port = port
        self.task = task
        self.state = state
        self.memoryListTextBytes = memoryListTextBytes
        self.streamBytes = streamBytes
    }

    func stop() { task.cancel() }

    static func start(workload: Workload, cachedPods: Int) async throws -> StandInAPIServer {
        func list(_ items: [[UInt8]], resourceVersion: Int) -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeString(#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"\#(resourceVersion)"},"items":["#)
            for (index, item) in items.enumerated() {
                if index > 0 { buffer.writeString(",") }
                buffer.writeBytes(item)
            }
            buffer.writeString("]}")
            return buffer
        }
        let initialItems = workload.initial.map(\.json.encoded)
        let throughputList = list(initialItems, resourceVersion: 1)
        // Many distinct pods for the memory measurement: the workload's, renamed.
        var memoryItems: [[UInt8]] = []
        var memoryBytes = 0
        for index in 0..<cachedPods {
            let pod = workload.initial[index % workload.initial.count]
            guard case .object(var members) = pod.json, case .object(var metadata) = members["metadata"] else { continue }
            metadata["name"] = .string("\(pod.name)-\(index)")
            metadata["resourceVersion"] = .string(String(index + 1))
            members["metadata"] = .object(metadata)
            let bytes = JSONValue.object(members).encoded
            memoryBytes += bytes.count
            memoryItems.append(bytes)
        }
        let memoryList = list(memoryItems, resourceVersion: cachedPods + 1)
        var chunks: [ByteBuffer] = []
        var chunk = ByteBuffer()
        var streamBytes = 0
        for object in workload.updates {
            chunk.writeString(#"{"type":"MODIFIED","object":"#)
            chunk.writeBytes(object.encoded)
            chunk.writeString("}\n")
            if chunk.readableBytes >= 64 << 10 {
                streamBytes += chunk.readableBytes
                chunks.append(chunk)
                chunk = ByteBuffer()
            }
        }
        if chunk.readableBytes > 0 {
            streamBytes += chunk.readableBytes
            chunks.append(chunk)
        }
        var objectsByKey: [String: ByteBuffer] = [:]
        for (pod, bytes) in zip(workload.initial, initialItems) { objectsByKey["\(pod.namespace)/\(pod.name)"] = ByteBuffer(bytes: bytes) }
        let objects = objectsByKey
        let streamChunks = chunks

        let state = State()
        let router = Router()
        let json: HTTPFields = [.contentType: "application/json"]
        router.get("/api/v1/pods") { request, _ -> Response in
            let memory = state.mode.withLock { $0 == .memory }
            guard request.uri.queryParameters.get("watch") == "true" else {
                state.servedStream.withLock { $0 = false }
                return Response(status: .ok, headers: json, body: .init(byteBuffer: memory ? memoryList : throughputList))
            }
            let first = state.servedStream.withLock { served in
                defer { served = true }
                return !served
            }
            if memory || !first || state.holdWatch.withLock({ $0 }) {
                // An open watch with nothing to say, until the client goes away.
                return Response(
                    status: .ok, headers: json,
                    body: ResponseBody { writer in
                        try? await Task.sleep(for: .seconds(3600))
                        try await writer.finish(nil)
                    })
            }
            return Response(
                status: .ok, headers: json,
                body: ResponseBody { writer in
                    for chunk in streamChunks { try await writer.write(chunk) }
                    try await writer.finish(nil)
                })
        }
        router.get("/api/v1/namespaces/:namespace/pods/:name") { _, context -> Response in
            let key = "\(context.parameters.get("namespace") ?? "")/\(context.parameters.get("name") ?? "")"
            guard let object = objects[key] else { return Response(status: .notFound) }
            return Response(status: .ok, headers: json, body: .init(byteBuffer: object))
        }
        let (port, task) = try await LoopbackApplication.start("the stand-in API server") { configuration, onServerRunning in
            Application(
                router: router, configuration: configuration, onServerRunning: onServerRunning,
                logger: Logger(label: "bench.server", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        return StandInAPIServer(port: port, task: task, state: state, memoryListTextBytes: memoryBytes, streamBytes: streamBytes)
    }
}

/// Bytes the allocator has handed out and not had back.
func heapInUse() -> Int { Int(triggerfish_heap_in_use()) }

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }

    var microseconds: String { String(format: "%.0f", seconds * 1e6) }
}

extension Array where Element == Duration {
    func percentile(_ p: Double) -> Duration { self[Swift.min(count - 1, Int((Double(count - 1) * p).rounded()))] }
}
