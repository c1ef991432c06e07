import Benchmark
import Foundation
import _TriggerfishCore
import _TriggerfishFileIO
import _TriggerfishGenerator

// Generating the full schema, and validating a runner config of 1,000 playbooks.
//
// The configs are the ones ../shared/bench/gen_workload.py writes (the very playbooks Robusta's
// runner was measured on); `run.sh` generates them into .workload/ and points WORKLOAD_DIR there.
// Their action `bench_count` is declared here, as a consumer would declare its own action.

let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let schemaFiles = try! TextFiles.schemaFiles(in: root.appendingPathComponent("schema").path)
let workload = ProcessInfo.processInfo.environment["WORKLOAD_DIR"] ?? root.appendingPathComponent("Benchmarks/.workload").path

let benchCount = """
    actions:
      bench_count:
        doc: Counts the events it is given (the benchmark's own action).
        event: ExecutionBaseEvent
    """

func schemaWithBenchCount() -> Schema {
    let base = SchemaLoader.load(files: schemaFiles).schema!
    return SchemaLoader.extend(base, with: [("bench.actions.yaml", benchCount)]).schema!
}

func config(_ name: String) -> String {
    let path = (workload as NSString).appendingPathComponent(name)
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        fatalError("missing \(path): run Benchmarks/run.sh, which generates the workload first")
    }
    return text
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(5))

    Benchmark("Load and validate the schema") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(SchemaLoader.load(files: schemaFiles))
        }
    }

    Benchmark("Generate the runtime Swift from the schema (load + emit)") { benchmark in
        for _ in benchmark.scaledIterations {
            let schema = SchemaLoader.load(files: schemaFiles).schema!
            blackHole(SwiftEmitter(schema: schema).runtimeFiles())
            blackHole(DocsEmitter(schema: schema).files())
        }
    }

    for name in ["playbooks_k8s_N1000.yaml", "playbooks_alerts_N1000.yaml"] {
        let text = config(name)
        let schema = schemaWithBenchCount()
        let validator = ConfigValidator(schema: schema)
        let check = validator.validate(text: text, file: name)
        precondition(!check.hasErrors && check.config?.playbooks.count == 1000, "\(name) does not validate: \(check.diagnostics)")
        Benchmark("Validate \(name) (1,000 playbooks)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(validator.validate(text: text, file: name))
            }
        }
    }
}
