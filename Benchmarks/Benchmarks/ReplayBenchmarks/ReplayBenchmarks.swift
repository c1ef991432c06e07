import BenchSupport
import Benchmark
import Foundation
import Triggerfish

// One iteration = one recorded input, from its raw JSON line to the executed actions (parse,
// decode, candidate playbooks, filters, actions), so the wall-clock percentiles are per-event
// latencies and the throughput metric is events per second. Inputs cycle through the first 2,000
// lines of the workload (pods.jsonl: Pod updates of 10–17 KB; alerts.jsonl: Alertmanager bodies).

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .cpuTotal, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(10),
        maxIterations: 1_000_000)

    for (events, kind) in [("pods.jsonl", "k8s"), ("alerts.jsonl", "alerts")] {
        let lines = try! readLines(events, limit: 2_000)
        for count in [10, 100, 1000] {
            let engine = try! makeEngine(config: "playbooks_\(kind)_N\(count).yaml")
            Benchmark("Replay \(events) with \(count) playbooks (one input per iteration)") { benchmark in
                var next = 0
                for _ in benchmark.scaledIterations {
                    let line = lines[next % lines.count]
                    next += 1
                    let input = try line.withUnsafeBytes { buffer in try InputDecoder.decode(buffer) }
                    blackHole(await engine.handle(input))
                }
            }
        }
    }
}
