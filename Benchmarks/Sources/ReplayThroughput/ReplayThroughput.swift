import ArgumentParser
import BenchSupport
import Foundation
import Synchronization
import Triggerfish

// Replay throughput from raw JSON lines to executed actions, on the workload Robusta's runner was
// measured on. Two passes per config:
//   - sequential: read, parse, decode and handle one line after another on one core, timing each
//     line; gives events/s on one core and the per-event latency distribution;
//   - pipeline: the InputPipeline `triggerfish replay` uses (parallel parsing, in-order handling).

@main
struct ReplayThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replay throughput, latency and peak memory on the benchmark workload.")

    @Argument(help: "The recording to replay, a file name inside the workload directory (pods.jsonl, alerts.jsonl).")
    var eventsFile: String

    @Argument(help: "The playbook configs to replay it with, file names inside the workload directory.")
    var configs: [String]

    func validate() throws {
        if configs.isEmpty { throw ValidationError("give at least one config") }
    }

    func run() async throws {
        for configName in configs {
            let clock = ContinuousClock()
            let loadStart = clock.now
            let engine = try makeEngine(config: configName)
            let loadTime = clock.now - loadStart

            // Sequential, one core.
            resetPeakResident()
            benchCountRuns.store(0, ordering: .relaxed)
            var latencies: [Duration] = []
            var inputs = 0
            var unreadable = 0
            var events = 0
            let start = clock.now
            for line in try LineReader(path: workloadPath(eventsFile)) {
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
            let sequential = clock.now - start
            let sequentialCount = benchCountRuns.load(ordering: .relaxed)
            let sequentialPeak = peakResidentMiB()
            latencies.sort()

            // The replay pipeline, on a fresh engine (rate limits and de-duplication start empty again).
            resetPeakResident()
            let pipelineEngine = try makeEngine(config: configName)
            benchCountRuns.store(0, ordering: .relaxed)
            let reports = Atomic<Int>(0)
            let pipelineStart = clock.now
            await InputPipeline(engine: pipelineEngine).run(try LineReader(path: workloadPath(eventsFile))) { _ in
                reports.add(1, ordering: .relaxed)
            }
            let pipeline = clock.now - pipelineStart
            let pipelineCount = benchCountRuns.load(ordering: .relaxed)
            func mib(_ value: Double?) -> String { value.map { String(format: "%.0f MiB", $0) } ?? "unknown" }

            print(
                """
                \(eventsFile) with \(configName) (\(engine.config.playbooks.count) playbooks, loaded in \(milliseconds(loadTime))):
                  sequential, one core: \(inputs) inputs (\(events) events, \(unreadable) unreadable) in \(String(format: "%.2f", seconds(sequential))) s = \(String(format: "%.0f", Double(inputs) / seconds(sequential))) inputs/s; bench_count ran \(sequentialCount) times; peak RSS \(mib(sequentialPeak))
                    latency per input: p50 \(milliseconds(percentile(latencies, 0.5))), p99 \(milliseconds(percentile(latencies, 0.99))), max \(milliseconds(latencies.last ?? .zero))
                  pipeline (\(ProcessInfo.processInfo.activeProcessorCount) parsers, 1 lane): \(reports.load(ordering: .relaxed)) inputs in \(String(format: "%.2f", seconds(pipeline))) s = \(String(format: "%.0f", Double(inputs) / seconds(pipeline))) inputs/s; bench_count ran \(pipelineCount) times; peak RSS \(mib(peakResidentMiB()))
                """)
        }
    }
}

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
