import ArgumentParser
import BenchSupport
import Foundation
import Triggerfish

// How the cost of an input grows with its size and with the number of playbooks, on one core (each
// figure the fastest of three passes):
//   - body size: Pod updates of ~1 KB to ~1 MB (the workload's pods with their containers
//     repeated), the workload's 10 playbooks;
//   - playbooks: 1 to 10,000 playbooks that never fire, and as many that fire as the workload's
//     do (name prefixes of the workload's pods), over the workload's first 5,000 Pod updates;
//   - memory: peak RSS against the number of distinct Pods seen (1,000 to 100,000) with a config
//     that has alert playbooks, so the engine remembers objects for resolving alerts.

@main
struct CostCurve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Events/s against body size and against the number of playbooks.")

    enum Part: String, ExpressibleByArgument, CaseIterable {
        case sizes, playbooks, memory
    }

    @Option(help: "Which curves to measure (repeatable): sizes, playbooks, memory; all when none is given.")
    var part: [Part] = []

    func run() async throws {
        let parts = part.isEmpty ? Part.allCases : part
        let pods = try readLines("pods.jsonl", limit: 5000)
        if parts.contains(.sizes) { try await bodySizes(pods) }
        if parts.contains(.playbooks) { try await playbookCounts(pods) }
        if parts.contains(.memory) { try await distinctObjects(pods[0]) }
    }

    /// Peak RSS while Pod updates of ever new pods stream through an engine that remembers
    /// objects for alerts (its limits bound it; issue 12 measured ~36 KB per pod before them).
    func distinctObjects(_ body: [UInt8]) async throws {
        print("peak RSS against distinct Pods seen (one core, playbooks_alerts_N10.yaml remembers objects):")
        guard case .kubernetes(let change) = try InputDecoder.decode(body), let name = change.object.name else { return }
        // The body split where the pod's name is, so each update names a new pod.
        let text = String(decoding: body, as: UTF8.self)
        let parts = text.components(separatedBy: name)
        let engine = try makeEngine(config: "playbooks_alerts_N10.yaml")
        resetPeakResident()
        let before = peakResidentMiB() ?? 0
        var seen = 0
        for target in [1_000, 10_000, 100_000] {
            while seen < target {
                let body = Array(parts.joined(separator: "\(name)-\(seen)").utf8)
                _ = await engine.handle(try InputDecoder.decode(body))
                seen += 1
            }
            let usage = engine.objects.usage
            print(
                "  \(String(format: "%7d", target)) pods: peak RSS \(String(format: "%6.1f", peakResidentMiB() ?? 0)) MiB "
                    + "(\(String(format: "%.1f", before)) MiB before); remembered \(usage.objects) objects, "
                    + "\(usage.bytes / 1024) KiB, \(usage.forgotten) forgotten")
        }
    }

    func bodySizes(_ pods: [[UInt8]]) async throws {
        print("events/s against body size (one core, playbooks_k8s_N10.yaml):")
        let engine = try makeEngine(config: "playbooks_k8s_N10.yaml")
        for target in [1_000, 10_000, 100_000, 1_000_000] {
            let count = max(100, min(5000, 200_000_000 / target))
            // 50 distinct bodies (names from 50 workload pods), each replayed count/50 times.
            let distinct = try pods.prefix(50).map { try Self.resize($0, to: target) }
            let bodies = (0..<count).map { distinct[$0 % distinct.count] }
            let size = bodies.reduce(0) { $0 + $1.count } / bodies.count
            let elapsed = try await replay(bodies, engine: engine)
            print(
                "  \(String(format: "%9d", size)) bytes: \(String(format: "%8.0f", Double(count) / elapsed)) events/s, "
                    + "\(String(format: "%6.0f", Double(size * count) / elapsed / 1e6)) MB/s")
        }
    }

    func playbookCounts(_ pods: [[UInt8]]) async throws {
        print("events/s against the number of playbooks (one core, 5,000 Pod updates):")
        // Prefixes the workload's pods have: their names without the last two dash-separated parts.
        var prefixes: [String] = []
        var seen: Set<String> = []
        for line in pods {
            guard case .kubernetes(let change) = try InputDecoder.decode(line), let name = change.object.name else { continue }
            let prefix = name.split(separator: "-").dropLast(2).joined(separator: "-")
            if !prefix.isEmpty, seen.insert(prefix).inserted { prefixes.append(prefix) }
        }
        // One pass before measuring, so that the first row (the baseline of the cost column) is
        // not the one that warms the allocator and the caches.
        _ = try await replay(pods, engine: try makeEngine(config: "playbooks_k8s_N10.yaml"))
        var baseline: Double?
        for count in [1, 10, 100, 1_000, 10_000] {
            var row = "  \(String(format: "%6d", count)) playbooks:"
            for firing in [false, true] {
                var yaml = "active_playbooks:\n"
                for index in 0..<count {
                    let prefix = firing ? prefixes[index % prefixes.count] : "never-\(index)"
                    yaml += "- triggers:\n  - on_pod_update:\n      name_prefix: \"\(prefix)\"\n  actions:\n  - bench_count: {}\n"
                }
                let path = NSTemporaryDirectory() + "curve-\(count)-\(firing).yaml"
                try yaml.write(toFile: path, atomically: true, encoding: .utf8)
                let engine = try makeEngine(configPath: path)
                benchCountRuns.store(0, ordering: .relaxed)
                let elapsed = try await replay(pods, engine: engine)
                let rate = Double(pods.count) / elapsed
                if !firing {
                    baseline = baseline ?? rate
                    row +=
                        " never firing \(String(format: "%7.0f", rate)) events/s (\(String(format: "%.2f", baseline! / rate))x the cost of 1);"
                } else {
                    row +=
                        " firing \(String(format: "%7.0f", rate)) events/s, bench_count ran \(benchCountRuns.load(ordering: .relaxed) / 3) times a pass"
                }
            }
            print(row)
        }
    }

    /// Decodes and handles each body, one after another, three times; the seconds the fastest
    /// pass took (a shared machine's speed varies from one second to the next).
    func replay(_ bodies: [[UInt8]], engine: PlaybookEngine) async throws -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<3 {
            let start = clock.now
            for body in bodies { _ = await engine.handle(try InputDecoder.decode(body)) }
            let (seconds, attoseconds) = (clock.now - start).components
            best = min(best, Double(seconds) + Double(attoseconds) / 1e18)
        }
        return best
    }

    /// The workload body with its objects' containers repeated, or cut, until it is about `target` bytes.
    static func resize(_ body: [UInt8], to target: Int) throws -> [UInt8] {
        var json = try JSONValue.parse(body)
        guard case .object(var root) = json, case .object(var data) = root["data"] else { return body }
        func objects(_ update: (inout [String: JSONValue]) -> Void) {
            for key in ["obj", "oldObj"] {
                guard case .object(var object) = data[key] else { continue }
                update(&object)
                data[key] = .object(object)
            }
        }
        // Small bodies: only metadata and one container.
        if target < body.count {
            objects { object in
                object["status"] = nil
                let metadata = object["metadata"]
                object["metadata"] = [
                    "name": metadata?["name"] ?? .null, "namespace": metadata?["namespace"] ?? .null,
                    "labels": metadata?["labels"] ?? .null,
                ]
                let container = object["spec"]?["containers"]?[0]
                object["spec"] = ["containers": [["name": container?["name"] ?? .null, "image": container?["image"] ?? .null]]]
            }
        }
        root["data"] = .object(data)
        json = .object(root)
        var bytes = Array(json.serialized().utf8)
        var copies = 1
        while bytes.count < target {
            copies = max(copies + 1, copies * target / max(bytes.count, 1))
            let containers = copies
            objects { object in
                guard case .object(var spec) = object["spec"], let first = spec["containers"]?.arrayValue?.first else { return }
                spec["containers"] = .array(
                    (0..<containers).map { index in
                        guard case .object(var container) = first else { return first }
                        container["name"] = .string("c\(index)")
                        return .object(container)
                    })
                object["spec"] = .object(spec)
            }
            root["data"] = .object(data)
            bytes = Array(JSONValue.object(root).serialized().utf8)
        }
        return bytes
    }
}
