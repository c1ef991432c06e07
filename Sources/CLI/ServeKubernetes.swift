import ArgumentParser
import Foundation
import Logging
import Synchronization
import Triggerfish
import TriggerfishKubernetes
import TriggerfishServer

/// `serve`'s Kubernetes options: how to reach the API, what to watch, leader election.
struct KubernetesOptions: ParsableArguments {
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        /// No Kubernetes API: changes come from kubewatch only.
        case none
        /// client-go's order: in cluster when KUBERNETES_SERVICE_HOST is set, else the kubeconfig.
        case auto
        case inCluster = "in-cluster"
        case kubeconfig
    }

    @Option(
        help: ArgumentHelp(
            "How to reach the Kubernetes API: none, auto (in cluster when KUBERNETES_SERVICE_HOST is set, else the kubeconfig), in-cluster or kubeconfig.",
            valueName: "mode"))
    var kubernetes: Mode?

    @Option(help: "The kubeconfig file (else KUBECONFIG, else ~/.kube/config); implies --kubernetes kubeconfig.")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use instead of its current-context; implies --kubernetes kubeconfig.")
    var context: String?

    @Flag(help: "Watch the API server for changes of the kinds the playbooks listen to (no kubewatch needed).")
    var watch = false

    @Option(name: .customLong("namespace"), help: "Watch only this namespace; repeatable (default: all namespaces).")
    var namespaces: [String] = []

    @Option(name: .customLong("exclude-namespace"), help: "Do not watch this namespace; repeatable.")
    var excludedNamespaces: [String] = []

    @Flag(help: "Run as one of several replicas: only the holder of a coordination.k8s.io Lease watches and runs schedules.")
    var leaderElection = false

    @Option(help: "The Lease's namespace (default: the service account's namespace in a cluster, else the kubeconfig context's).")
    var leaderElectionNamespace: String?

    @Option(help: "The Lease's name.")
    var leaseName = "triggerfish-leader"

    @Option(help: "In a cluster, the ConfigMap holding the scheduler's state when --state-dir is not given.")
    var scheduleStateConfigmap = "triggerfish-scheduled-jobs"

    var mode: Mode { kubernetes ?? (kubeconfig != nil || context != nil ? .kubeconfig : .none) }

    func validate() throws {
        if mode == .none {
            for (flag, given) in [
                ("--watch", watch), ("--leader-election", leaderElection), ("--namespace", !namespaces.isEmpty),
                ("--exclude-namespace", !excludedNamespaces.isEmpty),
            ] where given {
                throw ValidationError("\(flag) needs the Kubernetes API: add --kubernetes auto, in-cluster or kubeconfig")
            }
        }
        if mode == .inCluster && (kubeconfig != nil || context != nil) {
            throw ValidationError("--kubeconfig and --context cannot be used with --kubernetes in-cluster")
        }
        if !namespaces.isEmpty && !excludedNamespaces.isEmpty, let both = namespaces.first(where: excludedNamespaces.contains) {
            throw ValidationError("namespace '\(both)' is both watched (--namespace) and excluded (--exclude-namespace)")
        }
    }

    /// The runner's cluster access, in a cluster without --state-dir the ConfigMap schedule store,
    /// and the client (to shut down when the runner has stopped); `nil` for `--kubernetes none`.
    func cluster(stateDirectory: String?, logger: Logger) throws -> (
        cluster: RunnerCluster, scheduleStore: (any ScheduleStateStore)?, client: KubernetesClient
    )? {
        let configuration: KubernetesConfiguration
        switch mode {
        case .none: return nil
        case .auto: configuration = try KubernetesConfiguration.load(kubeconfig: kubeconfig, context: context)
        case .inCluster: configuration = try KubernetesConfiguration.inCluster()
        case .kubeconfig: configuration = try KubernetesConfiguration.fromKubeconfig(path: kubeconfig, context: context)
        }
        let client = try KubernetesClient(configuration: configuration, logger: logger)
        logger.info("Kubernetes API: \(configuration.server) (\(configuration.source))")
        let live = LiveCluster(client: client)
        var cluster = RunnerCluster(kubernetes: live)
        if watch {
            let filter = NamespaceFilter(include: namespaces, exclude: excludedNamespaces)
            cluster.watch = { kinds, continuing, deliver in
                let resources = kinds.sorted().compactMap { KubernetesResource(kind: $0) }
                let previous = live.previous.withLock { previous in
                    defer { previous = nil }
                    return continuing ? previous : nil
                }
                let watcher = ResourceWatcher(
                    client: client, resources: resources, namespaces: filter, continuing: previous, logger: logger)
                live.cache.withLock { $0 = watcher.cache }
                defer {
                    live.cache.withLock { $0 = nil }
                    live.previous.withLock { $0 = watcher.cache }
                }
                await watcher.run { change in await deliver(change) }
            }
        }
        let namespace = leaderElectionNamespace ?? configuration.namespace
        if leaderElection {
            let host = ProcessInfo.processInfo.environment["HOSTNAME"] ?? ProcessInfo.processInfo.hostName
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            cluster.leaderElection = LeaderElector.Options(namespace: namespace, leaseName: leaseName, identity: "\(host)_\(suffix)")
        }
        let inCluster = configuration.source.hasPrefix("in-cluster")
        let store: (any ScheduleStateStore)? =
            inCluster && stateDirectory == nil
            ? ConfigMapScheduleStateStore(kubernetes: live, namespace: configuration.namespace, name: scheduleStateConfigmap) : nil
        return (cluster, store, client)
    }
}

/// The Kubernetes API the runner uses: reads go to the current watch's cache first, when a watch
/// runs and has listed the object's kind (the cache changes when a reload changes the kinds
/// watched), and to the API otherwise.
final class LiveCluster: KubernetesAPI {
    let client: KubernetesClient
    let cache = Mutex<WatchCache?>(nil)
    /// The cache of the watch that stopped last, which a watch restarted by a reload continues.
    let previous = Mutex<WatchCache?>(nil)

    init(client: KubernetesClient) { self.client = client }

    var api: any KubernetesAPI { cache.withLock { $0 }.map { CachedKubernetesAPI(client: client, cache: $0) } ?? client }

    func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws -> KubernetesObject? {
        try await api.object(resource, namespace: namespace, name: name)
    }

    func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws
        -> [KubernetesObject]
    {
        try await client.list(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
    }

    func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) async throws -> String? {
        try await client.logs(namespace: namespace, pod: pod, container: container, previous: previous, tailLines: tailLines)
    }

    func create(_ object: KubernetesObject, in resource: KubernetesResource) async throws -> KubernetesObject {
        try await client.create(object, in: resource)
    }

    func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws -> KubernetesObject
    {
        try await client.patch(resource, namespace: namespace, name: name, patch: patch, type: type)
    }

    func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws {
        try await client.delete(resource, namespace: namespace, name: name)
    }

    func evict(namespace: String, pod: String) async throws {
        try await client.evict(namespace: namespace, pod: pod)
    }
}
