import Foundation
import Synchronization
import Triggerfish

/// The state of a fake Kubernetes cluster: objects, their history and pods' logs, served over
/// HTTP by ``FakeKubernetesServer`` following the API conventions (resourceVersions, watches,
/// 410 Gone, preconditions, Status objects). Thread-safe; tests seed it, change it as controllers
/// would, read what clients wrote, queue faults and read the request log.
///
/// ```swift
/// let cluster = FakeKubernetesCluster()
/// try cluster.add(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web-1", "namespace": "prod"], ...])
/// try await FakeKubernetesServer.withServer(cluster: cluster) { server in
///     // point a client at server.url
///     #expect(cluster.requests.map(\.description) == ["GET /api/v1/namespaces/prod/pods/web-1"])
/// }
/// ```
///
/// Every write takes the next cluster-wide resourceVersion (`"1"`, `"2"`, ...; seeding counts) and
/// is kept, per resource, in a history of the last ``Options/historyLimit`` changes: a watch from
/// an older version than the history holds (or than ``compact()`` left) gets a 410 `Expired`.
/// Simplifications: list pages after the first read the current objects after the last key (not a
/// snapshot at the first page's version); namespaces need not exist; deletions are immediate
/// unless the object has finalizers (then it gets a `deletionTimestamp` and goes when the last
/// finalizer is removed), pods included (no grace period).
public final class FakeKubernetesCluster: Sendable {
    public struct Options: Sendable {
        /// How many changes per resource a watch can replay.
        public var historyLimit: Int
        /// `creationTimestamp`s and `deletionTimestamp`s.
        public var now: @Sendable () -> Date
        /// Watches' `timeoutSeconds` and periodic bookmarks sleep on it (a `ManualClock` in tests).
        public var clock: any Clock<Duration>
        /// When set, every watch that allows bookmarks gets one after each such interval.
        public var bookmarkInterval: Duration?
        /// Resources besides the standard ones (custom resources).
        public var resources: [KubernetesResource]

        public init(
            historyLimit: Int = 1000, now: @escaping @Sendable () -> Date = { Date() }, clock: any Clock<Duration> = ContinuousClock(),
            bookmarkInterval: Duration? = nil, resources: [KubernetesResource] = []
        ) {
            self.historyLimit = historyLimit
            self.now = now
            self.clock = clock
            self.bookmarkInterval = bookmarkInterval
            self.resources = resources
        }
    }

    /// What a watch stream carries.
    enum WatchItem: Sendable {
        case event(type: String, object: JSONValue)
        case bookmark(JSONValue)
        case error(FakeKubernetesStatus)
        case end
    }

    struct Watcher {
        var resourceKey: String
        var namespace: String?
        var labels: FakeLabelSelector
        var fields: FakeFieldSelector
        var bookmarks: Bool
        var continuation: AsyncStream<WatchItem>.Continuation
        var timer: Task<Void, Never>?
    }

    struct History {
        var changes: [FakeKubernetesChange] = []
        /// A watch from this version or a later one can be served.
        var start = 0
    }

    struct LogKey: Hashable {
        var namespace: String
        var pod: String
        var container: String
        var previous: Bool
    }

    struct State {
        var resources: [String: KubernetesResource] = [:]
        var objects: [String: [String: JSONValue]] = [:]
        var histories: [String: History] = [:]
        var resourceVersion = 0
        var compacted = 0
        var uids = 0
        var generatedNames = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
        var logs: [LogKey: String] = [:]
        var faults: [FakeKubernetesFault] = []
        var authorizer: (@Sendable (FakeKubernetesRequestAttributes) -> Bool)?
        var requests: [FakeKubernetesRequest] = []
        var changes: [FakeKubernetesChange] = []
    }

    public let options: Options
    let state: Mutex<State>

    public init(options: Options = Options()) {
        self.options = options
        var initial = State()
        for resource in Self.standardResources + options.resources { initial.resources[Self.key(resource)] = resource }
        state = Mutex(initial)
    }

    // MARK: Resources

    static func key(_ resource: KubernetesResource) -> String { "\(resource.group)/\(resource.version)/\(resource.plural)" }
    static func objectKey(namespace: String?, name: String) -> String { "\(namespace ?? "")/\(name)" }

    /// The resources every fake cluster serves: the core group's, apps, batch, autoscaling,
    /// networking, policy, events.k8s.io, coordination, RBAC, storage, discovery, apiregistration
    /// and apiextensions ones.
    public static let standardResources: [KubernetesResource] = {
        func resource(_ apiVersion: String, _ plural: String, _ kind: String, namespaced: Bool = true) -> KubernetesResource {
            let parts = apiVersion.split(separator: "/").map(String.init)
            return KubernetesResource(
                group: parts.count == 2 ? parts[0] : "", version: parts.last ?? apiVersion, plural: plural, kind: kind,
                namespaced: namespaced)
        }
        return [
            resource("v1", "pods", "Pod"), resource("v1", "services", "Service"), resource("v1", "configmaps", "ConfigMap"),
            resource("v1", "secrets", "Secret"), resource("v1", "serviceaccounts", "ServiceAccount"), resource("v1", "events", "Event"),
            resource("v1", "endpoints", "Endpoints"), resource("v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
            resource("v1", "replicationcontrollers", "ReplicationController"), resource("v1", "limitranges", "LimitRange"),
            resource("v1", "resourcequotas", "ResourceQuota"), resource("v1", "podtemplates", "PodTemplate"),
            resource("v1", "nodes", "Node", namespaced: false), resource("v1", "namespaces", "Namespace", namespaced: false),
            resource("v1", "persistentvolumes", "PersistentVolume", namespaced: false),
            resource("apps/v1", "deployments", "Deployment"), resource("apps/v1", "replicasets", "ReplicaSet"),
            resource("apps/v1", "statefulsets", "StatefulSet"), resource("apps/v1", "daemonsets", "DaemonSet"),
            resource("apps/v1", "controllerrevisions", "ControllerRevision"),
            resource("batch/v1", "jobs", "Job"), resource("batch/v1", "cronjobs", "CronJob"),
            resource("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
            resource("autoscaling/v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
            resource("networking.k8s.io/v1", "ingresses", "Ingress"), resource("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy"),
            resource("networking.k8s.io/v1", "ingressclasses", "IngressClass", namespaced: false),
            resource("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget"), resource("events.k8s.io/v1", "events", "Event"),
            resource("coordination.k8s.io/v1", "leases", "Lease"),
            resource("rbac.authorization.k8s.io/v1", "roles", "Role"),
            resource("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
            resource("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", namespaced: false),
            resource("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", namespaced: false),
            resource("storage.k8s.io/v1", "storageclasses", "StorageClass", namespaced: false),
            resource("discovery.k8s.io/v1", "endpointslices", "EndpointSlice"),
            resource("scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", namespaced: false),
            resource("apiregistration.k8s.io/v1", "apiservices", "APIService", namespaced: false),
            resource("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced: false),
        ]
    }()

    /// Resources whose `status` is a subresource: writes to the object leave its status alone,
    /// writes to `.../status` change only the status.
    static let statusSubresource: Set<String> = [
        "pods", "nodes", "namespaces", "services", "persistentvolumes", "persistentvolumeclaims", "replicationcontrollers",
        "resourcequotas", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs", "horizontalpodautoscalers",
        "ingresses", "poddisruptionbudgets", "apiservices", "customresourcedefinitions",
    ]

    /// Serves another resource (a custom resource, another version).
    public func register(_ resource: KubernetesResource) {
        state.withLock { $0.resources[Self.key(resource)] = resource }
    }

    /// The resource at `/api/{version}/{plural}` (`group` `""`) or `/apis/{group}/{version}/{plural}`.
    public func resource(group: String, version: String, plural: String) -> KubernetesResource? {
        state.withLock { $0.resources["\(group)/\(version)/\(plural)"] }
    }

    /// The resource that holds objects of this `apiVersion` and `kind`.
    public func resource(apiVersion: String, kind: String) -> KubernetesResource? {
        state.withLock { state in Self.resource(apiVersion: apiVersion, kind: kind, in: state) }
    }

    static func resource(apiVersion: String, kind: String, in state: State) -> KubernetesResource? {
        let matching = state.resources.values.filter { $0.apiVersion == apiVersion && $0.kind == kind }
        if let first = matching.min(by: { $0.plural < $1.plural }) { return first }
        if let known = KubernetesResource(kind: kind), known.apiVersion == apiVersion { return known }
        return nil
    }

    // MARK: Seeding and reading

    /// Stores an object as a controller would have made it (an addition, or a modification when
    /// it exists): its `apiVersion` and `kind` say which resource; a namespaced object without a
    /// namespace goes to `default`. Its `uid` and `creationTimestamp` are kept, or set when
    /// missing; its `resourceVersion` is the cluster's next. Returns the object as stored.
    @discardableResult
    public func add(_ object: JSONValue) throws(FakeKubernetesStatus) -> JSONValue {
        try state.withLock { state throws(FakeKubernetesStatus) in
            let resource = try Self.resource(of: object, in: state)
            var object = object
            let name = object["metadata"]?["name"]?.stringValue ?? ""
            guard !name.isEmpty else {
                throw .invalid(resource, name: "", "metadata.name: Required value: name or generateName is required")
            }
            var namespace: String?
            if resource.namespaced {
                namespace = object["metadata"]?["namespace"]?.stringValue ?? "default"
                object = object.setting(["metadata", "namespace"], to: .string(namespace ?? "default"))
            } else {
                object = object.setting(["metadata", "namespace"], to: nil)
            }
            if object["metadata"]?["uid"]?.stringValue == nil {
                object = object.setting(["metadata", "uid"], to: .string(nextUID(&state)))
            }
            if object["metadata"]?["creationTimestamp"]?.stringValue == nil {
                object = object.setting(["metadata", "creationTimestamp"], to: .string(timestamp()))
            }
            let old = state.objects[Self.key(resource)]?[Self.objectKey(namespace: namespace, name: name)]
            return write(&state, resource, old == nil ? .added : .modified, object, old: old)
        }
    }

    /// Parses and stores a JSON object (see ``add(_:)-(JSONValue)``), or every item of a `List`.
    @discardableResult
    public func add(json text: String) throws -> [JSONValue] {
        let value = try JSONValue.parse(text)
        if let items = value["items"]?.arrayValue, value["kind"]?.stringValue?.hasSuffix("List") == true {
            return try items.map { item throws(FakeKubernetesStatus) in try add(item) }
        }
        return [try add(value)]
    }

    /// Stores every object of every `*.json` file in a folder (each an object or a `List`), in
    /// file name order; returns them as stored.
    @discardableResult
    public func load(directory: URL) throws -> [JSONValue] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        var stored: [JSONValue] = []
        for name in names {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            stored += try add(json: text)
        }
        return stored
    }

    static func resource(of object: JSONValue, in state: State) throws(FakeKubernetesStatus) -> KubernetesResource {
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let kind = object["kind"]?.stringValue ?? ""
        guard let resource = resource(apiVersion: apiVersion, kind: kind, in: state) else {
            throw .badRequest("no kind \"\(kind)\" is registered for version \"\(apiVersion)\" in the fake cluster")
        }
        return resource
    }

    /// The object as stored, `nil` when there is none.
    public func object(_ resource: KubernetesResource, namespace: String?, name: String) -> JSONValue? {
        state.withLock { $0.objects[Self.key(resource)]?[Self.objectKey(namespace: resource.namespaced ? namespace : nil, name: name)] }
    }

    /// The objects of a resource (in `namespace`, or all), ordered by namespace and name.
    public func objects(_ resource: KubernetesResource, namespace: String? = nil) -> [JSONValue] {
        state.withLock { state in
            Self.sortedObjects(in: state, resource).filter {
                namespace == nil || $0.value["metadata"]?["namespace"]?.stringValue == namespace
            }
            .map(\.value)
        }
    }

    static func sortedObjects(in state: State, _ resource: KubernetesResource) -> [(key: String, value: JSONValue)] {
        (state.objects[key(resource)] ?? [:]).sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    /// The cluster's current resourceVersion.
    public var resourceVersion: String { state.withLock { String($0.resourceVersion) } }

    /// Every write so far, oldest first (not bounded, unlike the watch history).
    public var changes: [FakeKubernetesChange] { state.withLock { $0.changes } }

    /// The writes to one resource, oldest first.
    public func changes(of resource: KubernetesResource) -> [FakeKubernetesChange] {
        state.withLock { $0.changes.filter { Self.key($0.resource) == Self.key(resource) } }
    }

    /// Forgets the watch history: a watch or a paginated list from any version before the current
    /// one now gets 410 `Expired`, as after an etcd compaction.
    public func compact() {
        state.withLock { state in
            state.compacted = state.resourceVersion
            for key in state.histories.keys {
                state.histories[key]?.changes = []
                state.histories[key]?.start = state.resourceVersion
            }
        }
    }

    /// The oldest version a watch of `resource` can start from.
    static func start(in state: State, _ resource: KubernetesResource) -> Int {
        max(state.compacted, state.histories[key(resource)]?.start ?? 0)
    }

    // MARK: Logs

    /// Sets what `pods/{pod}/log` serves for a container (and for its previous instance).
    public func setLog(_ text: String, namespace: String, pod: String, container: String, previous: Bool = false) {
        state.withLock { $0.logs[LogKey(namespace: namespace, pod: pod, container: container, previous: previous)] = text }
    }

    // MARK: Faults, authorization, the request log

    /// Queues a fault (see ``FakeKubernetesFault``).
    public func inject(_ fault: FakeKubernetesFault) {
        state.withLock { $0.faults.append(fault) }
    }

    /// The faults not used up yet.
    public var pendingFaults: [FakeKubernetesFault] { state.withLock { $0.faults } }

    /// Decides every request (after the bearer token check): `false` answers 403 Forbidden worded
    /// as RBAC words it. `nil` (the default) allows everything.
    public func authorize(_ authorizer: (@Sendable (FakeKubernetesRequestAttributes) -> Bool)?) {
        state.withLock { $0.authorizer = authorizer }
    }

    /// Refuses one verb on one resource (any subresource unless given), everywhere or in one namespace.
    public func forbid(_ verb: String, _ resource: KubernetesResource, subresource: String? = nil, namespace: String? = nil) {
        let previous = state.withLock { $0.authorizer }
        authorize { attributes in
            if attributes.verb == verb, attributes.resource.group == resource.group, attributes.resource.plural == resource.plural,
                subresource == nil || attributes.subresource == subresource, namespace == nil || attributes.namespace == namespace
            {
                return false
            }
            return previous?(attributes) ?? true
        }
    }

    func isAllowed(_ attributes: FakeKubernetesRequestAttributes) -> Bool {
        let authorizer = state.withLock { $0.authorizer }
        return authorizer?(attributes) ?? true
    }

    func takeFault(method: String, path: String, attributes: FakeKubernetesRequestAttributes?) -> FakeKubernetesFault.Effect? {
        state.withLock { state in
            guard let index = state.faults.firstIndex(where: { $0.matches(method: method, path: path, attributes: attributes) }) else {
                return nil
            }
            let effect = state.faults[index].effect
            state.faults[index].times -= 1
            if state.faults[index].times <= 0 { state.faults.remove(at: index) }
            return effect
        }
    }

    /// Every request so far, oldest first.
    public var requests: [FakeKubernetesRequest] { state.withLock { $0.requests } }

    /// Forgets the requests so far (after seeding through the API, say).
    public func clearRequests() {
        state.withLock { $0.requests = [] }
    }

    func record(_ request: FakeKubernetesRequest) -> Int {
        state.withLock { state in
            state.requests.append(request)
            return state.requests.count - 1
        }
    }

    func answered(_ index: Int, status: Int) {
        state.withLock { state in
            if state.requests.indices.contains(index) { state.requests[index].status = status }
        }
    }

    /// Waits until at least `count` requests arrived. No deadline of its own: the test's time
    /// limit ends a wait for requests that never come.
    public func waitForRequests(_ count: Int) async {
        while state.withLock({ $0.requests.count }) < count && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// How many watches are open.
    public var watchCount: Int { state.withLock { $0.watchers.count } }

    /// Waits until at least `count` watches are open (so that a change made next reaches them).
    public func waitForWatches(_ count: Int) async {
        while watchCount < count && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Sends every open watch that allows bookmarks a `BOOKMARK` with the current resourceVersion.
    public func sendBookmarks() {
        state.withLock { state in
            for watcher in state.watchers.values where watcher.bookmarks {
                guard let resource = state.resources[watcher.resourceKey] else { continue }
                watcher.continuation.yield(.bookmark(Self.bookmark(resource, version: state.resourceVersion)))
            }
        }
    }

    static func bookmark(_ resource: KubernetesResource, version: Int, initialEventsEnd: Bool = false) -> JSONValue {
        var metadata: [String: JSONValue] = ["resourceVersion": .string(String(version))]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        return ["kind": .string(resource.kind), "apiVersion": .string(resource.apiVersion), "metadata": .object(metadata)]
    }

    /// Ends every open watch cleanly, as an API server does when it restarts.
    public func endWatches() {
        state.withLock { state in
            for watcher in state.watchers.values {
                watcher.continuation.yield(.end)
            }
        }
    }

    // MARK: Writing

    func nextUID(_ state: inout State) -> String {
        state.uids += 1
        let hex = String(state.uids, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    func timestamp() -> String {
        RFC3339.format(Date(timeIntervalSince1970: options.now().timeIntervalSince1970.rounded(.down)))
    }

    /// Stores a change with the next resourceVersion, records it and tells the watches.
    func write(
        _ state: inout State, _ resource: KubernetesResource, _ type: FakeKubernetesChange.ChangeType, _ object: JSONValue, old: JSONValue?
    ) -> JSONValue {
        state.resourceVersion += 1
        let stored = object.setting(["metadata", "resourceVersion"], to: .string(String(state.resourceVersion)))
        let resourceKey = Self.key(resource)
        let objectKey = Self.objectKey(
            namespace: stored["metadata"]?["namespace"]?.stringValue, name: stored["metadata"]?["name"]?.stringValue ?? "")
        if type == .deleted {
            state.objects[resourceKey]?[objectKey] = nil
        } else {
            state.objects[resourceKey, default: [:]][objectKey] = stored
        }
        let change = FakeKubernetesChange(
            type: type, resource: resource, object: stored, oldObject: old, resourceVersion: state.resourceVersion)
        state.changes.append(change)
        var history = state.histories[resourceKey] ?? History()
        history.changes.append(change)
        if history.changes.count > max(1, options.historyLimit) {
            history.start = history.changes.removeFirst().resourceVersion
        }
        state.histories[resourceKey] = history
        for watcher in state.watchers.values where watcher.resourceKey == resourceKey {
            if let item = Self.watchItem(change, for: watcher) { watcher.continuation.yield(item) }
        }
        return stored
    }

    /// The event a watch sees for a change: selectors apply to the object before and after, so an
    /// object that stops matching is `DELETED` for the watch and one that starts matching `ADDED`.
    static func watchItem(_ change: FakeKubernetesChange, for watcher: Watcher) -> WatchItem? {
        func matches(_ object: JSONValue?) -> Bool {
            guard let object else { return false }
            if let namespace = watcher.namespace, object["metadata"]?["namespace"]?.stringValue != namespace { return false }
            return watcher.labels.matches(labels(of: object)) && watcher.fields.matches(object)
        }
        let now = matches(change.object)
        switch change.type {
        case .added:
            return now ? .event(type: "ADDED", object: change.object) : nil
        case .modified:
            switch (matches(change.oldObject), now) {
            case (true, true): return .event(type: "MODIFIED", object: change.object)
            case (false, true): return .event(type: "ADDED", object: change.object)
            case (true, false): return .event(type: "DELETED", object: change.object)
            case (false, false): return nil
            }
        case .deleted:
            return now || matches(change.oldObject) ? .event(type: "DELETED", object: change.object) : nil
        }
    }

    static func labels(of object: JSONValue) -> [String: String] {
        (object["metadata"]?["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// Creates an object as `POST` does: the server sets `uid`, `creationTimestamp`,
    /// `resourceVersion`, the namespace (from the request, `namespace`), a name from `generateName`.
    @discardableResult
    public func create(_ object: JSONValue, in resource: KubernetesResource, namespace: String?) throws(FakeKubernetesStatus) -> JSONValue {
        try state.withLock { state throws(FakeKubernetesStatus) in
            var object = object
            guard case .object = object else { throw .badRequest("the body of the request is not a JSON object") }
            try Self.checkType(of: object, for: resource)
            object = object.setting(["apiVersion"], to: .string(resource.apiVersion)).setting(["kind"], to: .string(resource.kind))
            if resource.namespaced {
                let given = object["metadata"]?["namespace"]?.stringValue ?? ""
                let namespace = namespace ?? (given.isEmpty ? "default" : given)
                if !given.isEmpty && given != namespace {
                    throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
                }
                object = object.setting(["metadata", "namespace"], to: .string(namespace))
            } else {
                object = object.setting(["metadata", "namespace"], to: nil)
            }
            var name = object["metadata"]?["name"]?.stringValue ?? ""
            if name.isEmpty, let prefix = object["metadata"]?["generateName"]?.stringValue, !prefix.isEmpty {
                name = prefix + nextSuffix(&state)
                object = object.setting(["metadata", "name"], to: .string(name))
            }
            guard !name.isEmpty else {
                throw .invalid(resource, name: "", "metadata.name: Required value: name or generateName is required")
            }
            if let version = object["metadata"]?["resourceVersion"]?.stringValue, !version.isEmpty {
                throw FakeKubernetesStatus(
                    code: 500, reason: "InternalError",
                    message: "Internal error occurred: resourceVersion should not be set on objects to be created",
                    details: ["causes": [["message": "resourceVersion should not be set on objects to be created"]]])
            }
            let key = Self.objectKey(namespace: object["metadata"]?["namespace"]?.stringValue, name: name)
            if state.objects[Self.key(resource)]?[key] != nil { throw .alreadyExists(resource, name: name) }
            object = object.setting(["metadata", "uid"], to: .string(nextUID(&state)))
                .setting(["metadata", "creationTimestamp"], to: .string(timestamp()))
                .setting(["metadata", "deletionTimestamp"], to: nil)
            return write(&state, resource, .added, object, old: nil)
        }
    }

    func nextSuffix(_ state: inout State) -> String {
        state.generatedNames += 1
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var number = state.generatedNames * 7919 + 104_729
        var suffix = ""
        for _ in 0..<5 {
            suffix.append(alphabet[number % alphabet.count])
            number /= alphabet.count
        }
        return suffix
    }

    static func checkType(of object: JSONValue, for resource: KubernetesResource) throws(FakeKubernetesStatus) {
        if let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty, apiVersion != resource.apiVersion {
            throw .badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version (\(resource.apiVersion))")
        }
        if let kind = object["kind"]?.stringValue, !kind.isEmpty, kind != resource.kind {
            throw .badRequest("the kind in the data (\(kind)) does not match the expected kind (\(resource.kind))")
        }
    }

    /// Replaces an object as `PUT` does. A `metadata.resourceVersion` in `object` is a
    /// precondition: 409 Conflict when the stored object has another. `subresource` `status`
    /// replaces only the status; otherwise a resource with a status subresource keeps its status.
    @discardableResult
    public func replace(
        _ object: JSONValue, in resource: KubernetesResource, namespace: String?, name: String, subresource: String? = nil
    ) throws(FakeKubernetesStatus) -> JSONValue {
        try state.withLock { state throws(FakeKubernetesStatus) in
            guard case .object = object else { throw .badRequest("the body of the request is not a JSON object") }
            try Self.checkType(of: object, for: resource)
            let namespace = resource.namespaced ? namespace : nil
            let bodyName = object["metadata"]?["name"]?.stringValue ?? ""
            guard bodyName == name else {
                throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
            }
            guard let old = state.objects[Self.key(resource)]?[Self.objectKey(namespace: namespace, name: name)] else {
                throw .notFound(resource, name: name)
            }
            if let version = object["metadata"]?["resourceVersion"]?.stringValue, !version.isEmpty,
                version != old["metadata"]?["resourceVersion"]?.stringValue
            {
                throw .conflict(resource, name: name)
            }
            return try update(&state, resource, old: old, new: object, subresource: subresource)
        }
    }

    /// How a patch applies.
    enum PatchFormat {
        case merge
        case strategicMerge
        /// RFC 6902, `application/json-patch+json`.
        case json

        init(_ type: KubernetesPatchType) {
            switch type {
            case .merge: self = .merge
            case .strategicMerge: self = .strategicMerge
            }
        }

        init?(contentType: String) {
            if contentType == "application/json-patch+json" {
                self = .json
            } else if let type = KubernetesPatchType(rawValue: contentType) {
                self.init(type)
            } else {
                return nil
            }
        }
    }

    /// Patches an object as `PATCH` does (merge or strategic merge; see ``FakeKubernetesPatch``). A
    /// `metadata.resourceVersion` in the patch is a precondition: 409 Conflict when it differs.
    @discardableResult
    public func patch(
        _ patch: JSONValue, type: KubernetesPatchType, in resource: KubernetesResource, namespace: String?, name: String,
        subresource: String? = nil
    ) throws(FakeKubernetesStatus) -> JSONValue {
        try self.patch(patch, format: PatchFormat(type), in: resource, namespace: namespace, name: name, subresource: subresource)
    }

    func patch(
        _ patch: JSONValue, format: PatchFormat, in resource: KubernetesResource, namespace: String?, name: String, subresource: String?
    ) throws(FakeKubernetesStatus) -> JSONValue {
        try state.withLock { state throws(FakeKubernetesStatus) in
            let namespace = resource.namespaced ? namespace : nil
            guard let old = state.objects[Self.key(resource)]?[Self.objectKey(namespace: namespace, name: name)] else {
                throw .notFound(resource, name: name)
            }
            let patched: JSONValue
            switch format {
            case .merge, .strategicMerge:
                guard case .object = patch else { throw .badRequest("the body of the request is not a JSON object") }
                patched = format == .merge ? FakeKubernetesPatch.merge(old, patch) : FakeKubernetesPatch.strategicMerge(old, patch)
            case .json:
                do throws(FakeKubernetesPatch.Failure) {
                    patched = try FakeKubernetesPatch.json(old, patch)
                } catch {
                    throw FakeKubernetesStatus(code: 422, reason: "Invalid", message: error.message)
                }
            }
            // A resourceVersion the patch sets is a precondition, as on the API server.
            if let version = patched["metadata"]?["resourceVersion"]?.stringValue, !version.isEmpty,
                version != old["metadata"]?["resourceVersion"]?.stringValue
            {
                throw .conflict(resource, name: name)
            }
            return try update(&state, resource, old: old, new: patched, subresource: subresource)
        }
    }

    /// Writes `new` over `old`, keeping what the server owns; no write when nothing changed.
    func update(
        _ state: inout State, _ resource: KubernetesResource, old: JSONValue, new: JSONValue, subresource: String?
    ) throws(FakeKubernetesStatus) -> JSONValue {
        var updated: JSONValue
        let hasStatus = Self.statusSubresource.contains(resource.plural)
        if subresource == "status" {
            updated = old.setting(["status"], to: new["status"])
        } else {
            updated = new
            if hasStatus { updated = updated.setting(["status"], to: old["status"]) }
        }
        updated = updated.setting(["apiVersion"], to: .string(resource.apiVersion)).setting(["kind"], to: .string(resource.kind))
        for field in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp"] {
            updated = updated.setting(["metadata", field], to: old["metadata"]?[field])
        }
        updated = updated.setting(["metadata", "resourceVersion"], to: old["metadata"]?["resourceVersion"])
        if updated == old { return old }
        if updated["metadata"]?["deletionTimestamp"] != nil, (updated["metadata"]?["finalizers"]?.arrayValue ?? []).isEmpty {
            return write(&state, resource, .deleted, updated, old: old)
        }
        return write(&state, resource, .modified, updated, old: old)
    }

    /// Deletes an object as `DELETE` does, with the preconditions of a `DeleteOptions`
    /// (`preconditions.uid`, `preconditions.resourceVersion`). An object with finalizers gets a
    /// `deletionTimestamp` and stays. Returns the object's last state.
    @discardableResult
    public func delete(
        _ resource: KubernetesResource, namespace: String?, name: String, preconditions: JSONValue? = nil
    ) throws(FakeKubernetesStatus) -> JSONValue {
        try state.withLock { state throws(FakeKubernetesStatus) in
            try delete(&state, resource, namespace: namespace, name: name, preconditions: preconditions)
        }
    }

    func delete(
        _ state: inout State, _ resource: KubernetesResource, namespace: String?, name: String, preconditions: JSONValue?
    ) throws(FakeKubernetesStatus) -> JSONValue {
        let namespace = resource.namespaced ? namespace : nil
        guard let old = state.objects[Self.key(resource)]?[Self.objectKey(namespace: namespace, name: name)] else {
            throw .notFound(resource, name: name)
        }
        for (field, label) in [("uid", "UID"), ("resourceVersion", "ResourceVersion")] {
            if let wanted = preconditions?[field]?.stringValue, let actual = old["metadata"]?[field]?.stringValue, wanted != actual {
                throw .conflict(
                    resource, name: name,
                    because: "Precondition failed: \(label) in precondition: \(wanted), \(label) in object meta: \(actual)")
            }
        }
        if !(old["metadata"]?["finalizers"]?.arrayValue ?? []).isEmpty {
            if old["metadata"]?["deletionTimestamp"] != nil { return old }
            return write(&state, resource, .modified, old.setting(["metadata", "deletionTimestamp"], to: .string(timestamp())), old: old)
        }
        return write(&state, resource, .deleted, old, old: old)
    }

    // MARK: Pods: logs and eviction

    /// What `GET pods/{pod}/log` answers: the text set with ``setLog(_:namespace:pod:container:previous:)``
    /// (empty when none), its last `tailLines` lines.
    public func log(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) throws(FakeKubernetesStatus)
        -> String
    {
        try state.withLock { state throws(FakeKubernetesStatus) in
            guard let object = state.objects[Self.key(.pod)]?[Self.objectKey(namespace: namespace, name: pod)] else {
                throw .notFound(.pod, name: pod)
            }
            func names(_ field: String) -> [String] {
                (object["spec"]?[field]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            }
            let containers = names("containers")
            let others = names("initContainers") + names("ephemeralContainers")
            let chosen: String
            if let container {
                guard containers.contains(container) || others.contains(container) else {
                    throw .badRequest("container \(container) is not valid for pod \(pod)")
                }
                chosen = container
            } else if containers.count == 1 {
                chosen = containers[0]
            } else {
                var message = "a container name must be specified for pod \(pod), choose one of: [\(containers.joined(separator: " "))]"
                let initContainers = names("initContainers")
                if !initContainers.isEmpty { message += " or one of the init containers: [\(initContainers.joined(separator: " "))]" }
                throw .badRequest(message)
            }
            let key = LogKey(namespace: namespace, pod: pod, container: chosen, previous: previous)
            guard let text = state.logs[key] ?? (previous ? nil : "") else {
                throw .badRequest("previous terminated container \"\(chosen)\" in pod \"\(pod)\" not found")
            }
            guard let tailLines else { return text }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let endsWithNewline = text.hasSuffix("\n")
            if endsWithNewline { lines.removeLast() }
            let tail = lines.suffix(max(0, tailLines))
            return tail.isEmpty ? "" : tail.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
        }
    }

    /// Evicts a pod as the policy/v1 Eviction subresource does: refused with 429 when a
    /// PodDisruptionBudget in its namespace whose selector matches it has
    /// `status.disruptionsAllowed` below 1 (that budget's `disruptionsAllowed` goes down by one
    /// otherwise), 500 when more than one matches; then the pod is deleted.
    public func evict(namespace: String, pod: String) throws(FakeKubernetesStatus) {
        try state.withLock { state throws(FakeKubernetesStatus) in
            guard let object = state.objects[Self.key(.pod)]?[Self.objectKey(namespace: namespace, name: pod)] else {
                throw .notFound(.pod, name: pod)
            }
            let labels = Self.labels(of: object)
            let budgets = Self.sortedObjects(in: state, .podDisruptionBudget).map(\.value).filter { budget in
                guard budget["metadata"]?["namespace"]?.stringValue == namespace,
                    let selector = FakeLabelSelector(object: budget["spec"]?["selector"])
                else { return false }
                return selector.matches(labels)
            }
            if budgets.count > 1 {
                throw FakeKubernetesStatus(
                    code: 500, reason: "InternalError",
                    message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
            }
            if let budget = budgets.first {
                let allowed = budget["status"]?["disruptionsAllowed"]?.intValue ?? 0
                guard allowed >= 1 else {
                    let name = budget["metadata"]?["name"]?.stringValue ?? ""
                    let desired = budget["status"]?["desiredHealthy"]?.intValue ?? 0
                    let current = budget["status"]?["currentHealthy"]?.intValue ?? 0
                    throw FakeKubernetesStatus(
                        code: 429, reason: "TooManyRequests", message: "Cannot evict pod as it would violate the pod's disruption budget.",
                        details: [
                            "causes": [
                                [
                                    "reason": "DisruptionBudget",
                                    "message": .string(
                                        "The disruption budget \(name) needs \(desired) healthy pods and has \(current) currently"),
                                ]
                            ]
                        ])
                }
                _ = write(
                    &state, .podDisruptionBudget, .modified, budget.setting(["status", "disruptionsAllowed"], to: .int(allowed - 1)),
                    old: budget)
            }
            _ = try delete(&state, .pod, namespace: namespace, name: pod, preconditions: nil)
        }
    }

    // MARK: Lists and watches

    struct ContinueToken {
        var resourceVersion: Int
        var start: String

        var encoded: String {
            let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(resourceVersion), "start": .string(start + "\u{0}")]
            return Data(json.serialized().utf8).base64EncodedString()
        }

        init(resourceVersion: Int, start: String) {
            self.resourceVersion = resourceVersion
            self.start = start
        }

        init(decoding text: String) throws(FakeKubernetesStatus) {
            guard let data = Data(base64Encoded: text), let json = try? JSONValue.parse(Array(data)),
                let version = json["rv"]?.intValue, var start = json["start"]?.stringValue
            else { throw .badRequest("continue key is not valid: \(text)") }
            if start.hasSuffix("\u{0}") { start.removeLast() }
            resourceVersion = version
            self.start = start
        }
    }

    /// A list as `GET` on a collection answers it: `{kind}List` with `metadata.resourceVersion`,
    /// items without `kind` and `apiVersion` (as the API server serves built-in types), `limit`
    /// and `continue` pages (`metadata.continue`, `metadata.remainingItemCount`).
    public func list(
        _ resource: KubernetesResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
        continue continueToken: String? = nil, resourceVersion: String? = nil, resourceVersionMatch: String? = nil
    ) throws(FakeKubernetesStatus) -> JSONValue {
        let labels = try labelSelector.map { text throws(FakeKubernetesStatus) in try FakeLabelSelector(parsing: text) } ?? .everything
        let fields =
            try fieldSelector.map { text throws(FakeKubernetesStatus) in try FakeFieldSelector(parsing: text, for: resource) }
            ?? .everything
        let namespace = resource.namespaced ? namespace : nil
        return try state.withLock { state throws(FakeKubernetesStatus) in
            let start = Self.start(in: state, resource)
            var token: ContinueToken?
            if let continueToken, !continueToken.isEmpty {
                let decoded = try ContinueToken(decoding: continueToken)
                if decoded.resourceVersion < start {
                    var status = FakeKubernetesStatus.expired(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
                    )
                    status.metadata["continue"] = .string(
                        ContinueToken(resourceVersion: state.resourceVersion, start: decoded.start).encoded)
                    throw status
                }
                token = decoded
            } else if let resourceVersion, !resourceVersion.isEmpty {
                guard let version = Int(resourceVersion), version >= 0 else {
                    throw .badRequest("invalid resource version: \(resourceVersion)")
                }
                if version > 0, resourceVersionMatch == "Exact" || limit != nil, version < start {
                    throw .expired("too old resource version: \(version) (\(start))")
                }
            }
            var matching = Self.sortedObjects(in: state, resource).filter { entry in
                if let token, !token.start.utf8.lexicographicallyPrecedes(entry.key.utf8) { return false }
                if let namespace, entry.value["metadata"]?["namespace"]?.stringValue != namespace { return false }
                return labels.matches(Self.labels(of: entry.value)) && fields.matches(entry.value)
            }
            let version = token?.resourceVersion ?? state.resourceVersion
            var metadata: [String: JSONValue] = ["resourceVersion": .string(String(version))]
            if let limit, limit > 0, matching.count > limit {
                let remaining = matching.count - limit
                matching = Array(matching.prefix(limit))
                metadata["continue"] = .string(ContinueToken(resourceVersion: version, start: matching[matching.count - 1].key).encoded)
                if labelSelector == nil && fieldSelector == nil { metadata["remainingItemCount"] = .int(remaining) }
            }
            let items = matching.map { $0.value.setting(["kind"], to: nil).setting(["apiVersion"], to: nil) }
            return [
                "kind": .string(resource.kind + "List"), "apiVersion": .string(resource.apiVersion), "metadata": .object(metadata),
                "items": .array(items),
            ]
        }
    }

    /// Opens a watch: without a resourceVersion (or `"0"`) it starts with an `ADDED` event per
    /// matching object; from a version it replays the changes after it (410 `Expired` as an
    /// `ERROR` event when the history no longer reaches back so far).
    func watch(
        _ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?, resourceVersion: String?,
        bookmarks: Bool, sendInitialEvents: Bool, timeout: Duration?
    ) throws(FakeKubernetesStatus) -> (id: Int, stream: AsyncStream<WatchItem>) {
        let labels = try labelSelector.map { text throws(FakeKubernetesStatus) in try FakeLabelSelector(parsing: text) } ?? .everything
        let fields =
            try fieldSelector.map { text throws(FakeKubernetesStatus) in try FakeFieldSelector(parsing: text, for: resource) }
            ?? .everything
        var version: Int?
        if let resourceVersion, !resourceVersion.isEmpty, resourceVersion != "0" {
            guard let parsed = Int(resourceVersion), parsed >= 0 else { throw .badRequest("invalid resource version: \(resourceVersion)") }
            version = parsed
        }
        let (stream, continuation) = AsyncStream.makeStream(of: WatchItem.self)
        let id = state.withLock { state in
            var watcher = Watcher(
                resourceKey: Self.key(resource), namespace: resource.namespaced ? namespace : nil, labels: labels, fields: fields,
                bookmarks: bookmarks, continuation: continuation)
            if let version {
                let start = Self.start(in: state, resource)
                if version < start {
                    continuation.yield(.error(.expired("too old resource version: \(version) (\(start))")))
                    continuation.yield(.end)
                } else {
                    for change in state.histories[watcher.resourceKey]?.changes ?? [] where change.resourceVersion > version {
                        if let item = Self.watchItem(change, for: watcher) { continuation.yield(item) }
                    }
                }
            } else {
                for (_, object) in Self.sortedObjects(in: state, resource) {
                    let change = FakeKubernetesChange(
                        type: .added, resource: resource, object: object, oldObject: nil, resourceVersion: state.resourceVersion)
                    if let item = Self.watchItem(change, for: watcher) { continuation.yield(item) }
                }
                if sendInitialEvents && bookmarks {
                    continuation.yield(.bookmark(Self.bookmark(resource, version: state.resourceVersion, initialEventsEnd: true)))
                }
            }
            state.nextWatcher += 1
            let id = state.nextWatcher
            watcher.timer = timer(for: continuation, resource: resource, timeout: timeout, bookmarks: bookmarks)
            state.watchers[id] = watcher
            return id
        }
        return (id, stream)
    }

    /// Ends the watch after its timeout, and sends periodic bookmarks, on the options' clock.
    func timer(
        for continuation: AsyncStream<WatchItem>.Continuation, resource: KubernetesResource, timeout: Duration?, bookmarks: Bool
    ) -> Task<Void, Never>? {
        let interval = bookmarks ? options.bookmarkInterval : nil
        guard timeout != nil || interval != nil else { return nil }
        let clock = options.clock
        return Task { [weak self] in
            var untilTimeout = timeout
            var untilBookmark = interval
            while !Task.isCancelled {
                let step = [untilTimeout, untilBookmark].compactMap { $0 }.min() ?? .zero
                do { try await clock.sleep(for: step) } catch { return }
                if let left = untilTimeout.map({ $0 - step }) {
                    untilTimeout = left
                    if left <= .zero {
                        continuation.yield(.end)
                        return
                    }
                }
                if let left = untilBookmark.map({ $0 - step }) {
                    untilBookmark = left <= .zero ? interval : left
                    if left <= .zero, let self {
                        continuation.yield(.bookmark(Self.bookmark(resource, version: self.state.withLock { $0.resourceVersion })))
                    }
                }
            }
        }
    }

    func endWatch(_ id: Int) {
        let watcher = state.withLock { $0.watchers.removeValue(forKey: id) }
        watcher?.timer?.cancel()
        watcher?.continuation.finish()
    }
}

extension JSONValue {
    /// This value with the value at `path` (object keys) set, or removed when `value` is `nil`;
    /// objects are made along the path as needed.
    func setting(_ path: [String], to value: JSONValue?) -> JSONValue {
        guard let first = path.first else { return value ?? .null }
        var members = objectValue ?? [:]
        if path.count == 1 {
            members[first] = value
        } else {
            if value == nil && members[first] == nil { return self }
            members[first] = (members[first] ?? .object([:])).setting(Array(path.dropFirst()), to: value)
        }
        return .object(members)
    }
}
