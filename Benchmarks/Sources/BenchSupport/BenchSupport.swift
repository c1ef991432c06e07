import CHeapStats
import Foundation
import Synchronization
import Triggerfish

/// How many times `bench_count` ran.
public let benchCountRuns = Atomic<Int>(0)

/// The implementation of the benchmark's `bench_count` action (declared in actions.yaml).
struct BenchActions: PlaybookActions {
    func benchCount(_ event: some ExecutionBaseEvent, parameters: BenchCountAction.Parameters, context: ActionContext) async throws {
        benchCountRuns.add(1, ordering: .relaxed)
    }

    func benchRead(_ event: some KubernetesAnyChangeEvent, parameters: BenchReadAction.Parameters, context: ActionContext) async throws {
        let members = (event.object.json.objectValue?.count ?? 0) + (event.oldObject?.json.objectValue?.count ?? 0)
        benchCountRuns.add(members > 0 ? 1 : 0, ordering: .relaxed)
    }

    func benchReadAlert(_ event: some PrometheusKubernetesAlert, parameters: BenchReadAlertAction.Parameters, context: ActionContext)
        async throws
    {
        let finding = DefaultFinding.forAlert(event)
        benchCountRuns.add(finding.title.isEmpty ? 0 : 1, ordering: .relaxed)
    }
}

/// Where `run.sh` put the workload that ../shared/bench/gen_workload.py writes.
public let workloadDirectory =
    ProcessInfo.processInfo.environment["WORKLOAD_DIR"]
    ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent(".workload").path

public func workloadPath(_ name: String) -> String { (workloadDirectory as NSString).appendingPathComponent(name) }

/// An engine for one of the workload's playbook configs, with the built-in actions and `bench_count`.
public func makeEngine(config name: String) throws -> PlaybookEngine {
    try makeEngine(configPath: workloadPath(name))
}

/// An engine for the playbook config at `path`, with the built-in actions and `bench_count`.
public func makeEngine(configPath path: String) throws -> PlaybookEngine {
    let schema = try PlaybookConfig.schema(addingActions: EmbeddedPlaybooks.actionFiles)
    let config = try PlaybookConfig.load(path: path, schema: schema)
    return try PlaybookEngine(config: config, actions: BuiltinActionImplementations().registrations + BenchActions().registrations)
}

/// A copy of one of the workload's configs in which no trigger can match a workload object
/// (every name prefix starts with `never-`), written to a temporary file: what a config's
/// playbooks cost when they do not fire.
public func neverMatchingConfig(_ name: String) throws -> String {
    try rewrittenConfig(name, as: "never-", replacing: "name_prefix: \"", with: "name_prefix: \"never-")
}

/// A copy of one of the workload's configs in which every playbook runs an action that reads
/// what it is given instead of `bench_count` (which reads nothing), written to a temporary file:
/// what building the unread parts costs when an action reads them. Kubernetes configs get
/// `bench_read` (both whole objects), alert configs `bench_read_alert` (the alert's finding).
public func readingConfig(_ name: String) throws -> String {
    let action = name.contains("alerts") ? "bench_read_alert" : "bench_read"
    return try rewrittenConfig(name, as: "reads-", replacing: "bench_count: {}", with: "\(action): {}")
}

/// The workload config `name` with `target` replaced, written to a temporary file named with `prefix`.
func rewrittenConfig(_ name: String, as prefix: String, replacing target: String, with replacement: String) throws -> String {
    let text = try String(contentsOfFile: workloadPath(name), encoding: .utf8)
    let path = NSTemporaryDirectory() + prefix + name
    try text.replacingOccurrences(of: target, with: replacement).write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The first `limit` lines of a workload file, as bytes.
public func readLines(_ name: String, limit: Int) throws -> [[UInt8]] {
    var lines: [[UInt8]] = []
    for line in try LineReader(path: workloadPath(name)) {
        lines.append(Array(line.bytes))
        if lines.count == limit { break }
    }
    return lines
}

/// Starts a new peak-memory measurement (Linux: resets VmHWM through /proc/self/clear_refs).
public func resetPeakResident() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// The process's peak resident memory (VmHWM), in MiB; `nil` where /proc is not available.
public func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return nil }
    return kilobytes / 1024
}

/// The heap allocator this process's `malloc` resolves to, by the file of the library that
/// defines it: `mimalloc` where run.sh linked it (as the Containerfile links `triggerfish`) or it
/// was preloaded, `glibc` otherwise. Reported beside the figures, which depend on it.
public func heapAllocator() -> String {
    guard let file = triggerfish_malloc_library() else { return "unknown" }
    let library = (String(cString: file) as NSString).lastPathComponent
    if library.hasPrefix("libmimalloc") { return "mimalloc" }
    if library.hasPrefix("libc.so") { return "glibc" }
    return library
}
