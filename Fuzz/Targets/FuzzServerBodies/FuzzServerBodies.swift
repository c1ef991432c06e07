import Dispatch
import FuzzSupport
import Triggerfish

// The request bodies of `triggerfish serve`, through exactly the functions its routes hand them
// to (Sources/Server/Routes.swift and TriggerRoute.swift), without Hummingbird: the server target
// and its NIO stack are not built under the sanitizer here, and a socket per input would cost
// far more than the parsing it reaches. The HTTP layer is Hummingbird's; schemathesis drives it
// (.ci/schemathesis.sh).
//
// - `POST /api/handle` and `/api/alerts`: `InputDecoder.decode` on the body, then (once queued)
//   `PlaybookEngine.handle` runs the config's playbooks on it;
// - `POST /api/trigger`: `JSONValue.parse`, `ManualTriggerRequest(json:)`, then
//   `PlaybookEngine.trigger`, which checks the parameters against the action's and runs it;
// - `POST /api/playbooks/reload` reads no body (its config file is FuzzConfig's input).
//
// Each input goes to all three. The engine is built for each input from `config` (playbooks
// that fire on every Kubernetes change and every alert, with templates of all three dialects and
// scopes), so that what it remembers of earlier inputs neither grows without bound nor makes a
// crash depend on the inputs before it. It has no cluster and no sink instances: actions that
// need the Kubernetes API fail saying so, findings are routed and counted.

private let config = """
    sinks_config:
      - console_sink:
          name: console
          scope:
            include:
              - labels: "app=.*, tier!=db"
                name: "[a-z]+-[0-9]+"
    active_playbooks:
      - name: every-change
        triggers:
          - on_kubernetes_any_resource_all_changes:
              scope:
                exclude:
                  - name: "skip-.*"
                    namespace: [kube-system, "ops-[0-9]+"]
        actions:
          - create_finding:
              title: "$kind $name in $namespace on $node: ${labels.app} ${labels.app.kubernetes.io/name} $$"
              description: "$annotations.summary ${annotations.description} $name."
              aggregation_key: fuzz
          - customise_finding:
              finding_label_rules:
                - source_fields: [name, namespace, labels.app]
                  regex: "([a-z]+)-([0-9]+);(.*);(.*)"
                  target_label: team
                  replacement: "$1/${2}$$ $3 $9"
          - resource_babysitter: {}
      - name: resource-templates
        triggers:
          - on_pod_all_changes: {}
          - on_deployment_all_changes: {}
          - on_kubernetes_warning_event_create: {}
        actions:
          - template_enricher:
              template: "$name ${namespace} $kind $$ ${unknown} $"
      - name: every-alert
        triggers:
          - on_prometheus_alert:
              status: all
              scope:
                include:
                  - labels: "severity=(critical|warning), alertname!=Watchdog"
                  - annotations: "summary=.+"
        actions:
          - default_enricher:
              alert_annotations_enrichment: true
          - create_finding:
              title: "$name ${labels.alertname} ${labels.severity}"
              aggregation_key: alerts
    """

private let loaded: PlaybookConfig = {
    do {
        return try PlaybookConfig.load(text: config, file: "fuzz-serve.yaml", schema: PlaybookConfig.builtinSchema)
    } catch {
        fatalError("the fuzz target's own config does not load: \(error)")
    }
}()

private let actions = BuiltinActionImplementations().registrations

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerBodies(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = UnsafeRawBufferPointer(bytes(data, size))
    let engine: PlaybookEngine
    do {
        engine = try PlaybookEngine(config: loaded, actions: actions)
    } catch {
        fatalError("the fuzz target's engine cannot be built: \(error)")
    }
    // /api/handle and /api/alerts.
    if let input = try? InputDecoder.decode(body) {
        wait { _ = await engine.handle(input) }
    }
    // /api/trigger.
    if let json = try? JSONValue.parse(body), let request = try? ManualTriggerRequest(json: json) {
        require(
            (try? ManualTriggerRequest(json: request.jsonValue)) == request, "a trigger request changes through jsonValue")
        wait { _ = (await engine.trigger(request)).jsonValue.serialized() }
    }
    return 0
}

/// Runs `body` to its end: libFuzzer calls the target synchronously.
private func wait(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}

@main
enum Main {
    static func main() { runLibFuzzer(fuzzServerBodies) }
}
