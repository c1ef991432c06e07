import ArgumentParser
import BenchSupport
import Foundation
import Synchronization
import Triggerfish

// Replay throughput from raw JSON lines to executed actions, on the workload Robusta's runner was
// measured on. Both passes read the file as `triggerfish replay` does, mapped into memory. Two
// passes per config (run.sh pins the first to one core):
//   - sequential: read, parse, decode and handle one line after another, timing each line; gives
//     events/s on one core and the per-event latency distribution;
//   - pipeline: the InputPipeline `triggerfish replay` uses (parallel parsing, in-order handling
//     per object, `--lanes` objects at once), on all cores.

@main
struct ReplayThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replay throughput, latency and peak memory on the benchmark workload.")

    enum Pass: String, ExpressibleByArgument, CaseIterable {
        case sequential, pipeline, both
    }

    @Argument(help: "The recording to replay, a file name inside the workload directory (pods.jsonl, alerts.jsonl).")
    var eventsFile: String

    @Argument(
        help: """
            The playbook configs to replay it with, file names inside the workload directory; \
            never:NAME is NAME with every name prefix made to match nothing; reads:NAME is NAME with \
            every playbook's action reading what it is given (both whole objects, or the alert's finding).
            """)
    var configs: [String] = []

    @Option(help: "Which passes to run: \(Pass.allCases.map(\.rawValue).joined(separator: ", ")).")
    var pass = Pass.both

    @Option(help: "Lanes of the pipeline pass: inputs about different objects handled at once.")
    var lanes = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Only time Foundation's JSONSerialization over the file (the reference where Python's orjson is missing).")
    var foundationParse = false

    func validate() throws {
        if configs.isEmpty && !foundationParse { throw ValidationError("give at least one config") }
    }

    func run() async throws {
        if foundationParse {
            let lines = try readLines(eventsFile, limit: .max)
            let clock = ContinuousClock()
            let start = clock.now
            for line in lines { _ = try JSONSerialization.jsonObject(with: Data(line)) }
            print("\(eventsFile): Foundation's JSONSerialization parses \(Int(Double(lines.count) / seconds(clock.now - start))) bodies/s")
            return
        }
        for configName in configs {
            let configPath =
                if configName.hasPrefix("never:") {
                    try neverMatchingConfig(String(configName.dropFirst(6)))
                } else if configName.hasPrefix("reads:") {
                    try readingConfig(String(configName.dropFirst(6)))
                } else {
                    workloadPath(configName)
                }
            if pass != .pipeline { try await sequential(configName, configPath: configPath) }
            if pass != .sequential { try await pipeline(configName, configPath: configPath) }
        }
    }

    /// Read, parse, decode and handle one line after another, timing each line.
    func sequential(_ configName: String, configPath: String) async throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        let engine = try makeEngine(configPath: configPath)
        let loadTime = clock.now - loadStart
        resetPeakResident()
        benchCountRuns.store(0, ordering: .relaxed)
        var latencies: [Duration] = []
        var inputs = 0
        var unreadable = 0
        var events = 0
        let allocations = allocationCounter()
        let allocationsBefore = allocations?() ?? 0
        let start = clock.now
        for line in try LineReader(path: workloadPath(eventsFile), mapping: true) {
            let lineStart = clock.now
            let decoded: Result<RecordedInput, InputError>
            do throws(InputError) { decoded = .success(try InputDecoder.decode(line.bytes)) } catch { decoded = .failure(error) }
            switch decoded {
            case .success(let input): events += (await engine.handle(input)).count
            case .failure: unreadable += 1
            }
            latencies.append(clock.now - lineStart)
            inputs += 1
        }
        let elapsed = clock.now - start
        let allocationsMade = (allocations?() ?? 0) - allocationsBefore
        latencies.sort()
        print(
            """
            \(eventsFile) with \(configName) (\(engine.config.playbooks.count) playbooks, loaded in \(milliseconds(loadTime)); heap allocator \(heapAllocator())):
              sequential: \(inputs) inputs (\(events) events, \(unreadable) unreadable) in \(String(format: "%.2f", seconds(elapsed))) s = \(rate(inputs, elapsed)) inputs/s; the benchmark's action ran \(benchCountRuns.load(ordering: .relaxed)) times; peak RSS \(mib(peakResidentMiB()))
                latency per input: p50 \(milliseconds(percentile(latencies, 0.5))), p99 \(milliseconds(percentile(latencies, 0.99))), max \(milliseconds(latencies.last ?? .zero))
            """)
        if allocations != nil {
            print("    heap allocations per input: \(String(format: "%.1f", Double(allocationsMade) / Double(max(inputs, 1))))")
        }
    }

    /// The replay pipeline on a fresh engine (rate limits and de-duplication start empty).
    func pipeline(_ configName: String, configPath: String) async throws {
        resetPeakResident()
        let engine = try makeEngine(configPath: configPath)
        benchCountRuns.store(0, ordering: .relaxed)
        let reports = Atomic<Int>(0)
        let clock = ContinuousClock()
        let start = clock.now
        await InputPipeline(engine: engine, lanes: lanes).run(try LineReader(path: workloadPath(eventsFile), mapping: true)) { _ in
            reports.add(1, ordering: .relaxed)
        }
        let elapsed = clock.now - start
        let inputs = reports.load(ordering: .relaxed)
        print(
            """
            \(eventsFile) with \(configName):
              pipeline (\(ProcessInfo.processInfo.activeProcessorCount) cores, \(lanes) lanes): \(inputs) inputs in \(String(format: "%.2f", seconds(elapsed))) s = \(rate(inputs, elapsed)) inputs/s; the benchmark's action ran \(benchCountRuns.load(ordering: .relaxed)) times; peak RSS \(mib(peakResidentMiB()))
            """)
    }
}

/// The allocation count of Benchmarks/malloc_count.c when `run.sh allocations` preloads it; `nil` otherwise.
func allocationCounter() -> (() -> Int)? {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "triggerfish_allocations") else { return nil }
    let count = unsafeBitCast(symbol, to: (@convention(c) () -> Int).self)
    return { count() }
}

func rate(_ count: Int, _ elapsed: Duration) -> String { String(format: "%.0f", Double(count) / seconds(elapsed)) }

func mib(_ value: Double?) -> String { value.map { String(format: "%.0f MiB", $0) } ?? "unknown" }

func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
    sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func milliseconds(_ d: Duration) -> String {
    let (seconds, attoseconds) = d.components
    return String(format: "%.3f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
}

func seconds(_ d: Duration) -> Double {
    let (s, atto) = d.components
    return Double(s) + Double(atto) / 1e18
}
