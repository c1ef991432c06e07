import Foundation
import Logging
import Synchronization
import Triggerfish

/// Which namespaces a watch covers: `include` (empty: all) minus `exclude`. Cluster-scoped
/// objects are always covered.
public struct NamespaceFilter: Sendable, Hashable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    public static let all = NamespaceFilter()

    public func allows(_ namespace: String?) -> Bool {
        guard let namespace else { return true }
        if exclude.contains(namespace) { return false }
        return include.isEmpty || include.contains(namespace)
    }
}

/// The current objects of the watched resources, as the watches last saw them, with
/// `metadata.managedFields` stripped (field ownership, often half an object's JSON, which no
/// trigger or action reads).
///
/// Memory: one object costs its JSON tree (``JSONValue``: an enum node per value, Swift strings,
/// dictionary storage), three to four times the size of its JSON text (measured by
/// `Benchmarks/run.sh watch`: 25 KiB per pod of the benchmark workload, 6.3 KiB of JSON each; the
/// fully populated pod fixture, 61 KB of indented JSON, takes about 175 KB), so 10,000 typical
/// pods take some 250 MB.
/// The watcher's emitted changes share the same trees (values are copy-on-write), so they cost
/// nothing more while the cache holds them.
public final class WatchCache: Sendable {
    /// One list+watch stream: a resource in one namespace, or in all (`namespace` `nil`).
    struct StreamKey: Hashable, Sendable {
        var resource: KubernetesResource
        var namespace: String?
    }

    struct Stream: Sendable {
        var synced = false
        var objects: [String: KubernetesObject] = [:]
    }

    private let streams: Mutex<[StreamKey: Stream]>
    let filter: NamespaceFilter

    init(keys: [StreamKey], filter: NamespaceFilter) {
        self.filter = filter
        streams = Mutex(Dictionary(keys.map { ($0, Stream()) }, uniquingKeysWith: { first, _ in first }))
    }

    /// What the cache knows of an object.
    public enum Lookup: Sendable, Hashable {
        /// The cache covers the object's resource and namespace and has synced: this is the
        /// object, or `nil` when there is none.
        case cached(KubernetesObject?)
        /// Not watched (another resource, an excluded namespace) or not listed yet: ask the API.
        case notCovered
    }

    public func lookup(_ resource: KubernetesResource, namespace: String?, name: String) -> Lookup {
        let namespace = resource.namespaced ? namespace : nil
        guard filter.allows(namespace) else { return .notCovered }
        return streams.withLock { streams in
            for key in [StreamKey(resource: resource, namespace: namespace), StreamKey(resource: resource, namespace: nil)] {
                if let stream = streams[key] {
                    guard stream.synced else { return .notCovered }
                    return .cached(stream.objects[Self.key(namespace: namespace, name: name)])
                }
            }
            return .notCovered
        }
    }

    /// The cached objects of `resource`, in every stream, sorted by namespace and name.
    public func objects(_ resource: KubernetesResource) -> [KubernetesObject] {
        streams.withLock { streams in
            streams.filter { $0.key.resource == resource }.flatMap { $0.value.objects.sorted { $0.key < $1.key }.map(\.value) }
        }
    }

    static func key(namespace: String?, name: String) -> String { "\(namespace ?? "")/\(name)" }
    static func key(_ object: KubernetesObject) -> String { key(namespace: object.namespace, name: object.name ?? "") }

    func objects(of stream: StreamKey) -> [String: KubernetesObject] {
        streams.withLock { $0[stream]?.objects ?? [:] }
    }

    /// A stream's objects once it has listed; `nil` before, or when the cache has no such stream.
    func syncedObjects(of stream: StreamKey) -> [String: KubernetesObject]? {
        streams.withLock { streams in streams[stream].flatMap { $0.synced ? $0.objects : nil } }
    }

    /// Starts a stream from another cache's objects, not yet synced: reads still go to the API
    /// until the stream lists.
    func seed(_ stream: StreamKey, with objects: [String: KubernetesObject]) {
        streams.withLock { $0[stream, default: Stream()].objects = objects }
    }

    func replace(_ stream: StreamKey, with objects: [String: KubernetesObject]) {
        streams.withLock {
            $0[stream, default: Stream()].objects = objects
            $0[stream, default: Stream()].synced = true
        }
    }

    /// Stores (or with `nil` removes) an object; returns what was there.
    func set(_ stream: StreamKey, key: String, to object: KubernetesObject?) -> KubernetesObject? {
        streams.withLock { streams in
            let old = streams[stream]?.objects[key]
            streams[stream, default: Stream()].objects[key] = object
            return old
        }
    }
}

/// The watch source: lists and then watches each resource a playbook needs, and turns what it
/// sees into ``KubernetesChange``s, as kubewatch does for Robusta.
///
/// - Objects present at the start emit nothing (the first list only fills the cache), unless the
///   watcher continues a previous one's cache: then the first list emits what changed since.
/// - Watches start from the list's resourceVersion with bookmarks, and restart from the last
///   resourceVersion seen when the server ends them or the connection drops (after a backoff):
///   nothing is missed and nothing repeated.
/// - When the resourceVersion is too old (410 Gone, or a watch's `Expired` error), the watcher lists
///   again and emits only the real differences from its cache: objects added meanwhile as
///   creates, changed ones (another resourceVersion) as updates with the old object, vanished
///   ones as deletes of the last object seen.
/// - Updates carry the old object; objects lose `metadata.managedFields` (see ``WatchCache``).
/// - Namespaced resources are watched in each `include`d namespace, or in all of them, then
///   `exclude`d namespaces are dropped.
///
/// Changes go to `deliver` one at a time per stream, in order. When it answers `false` (the runner's
/// queue is full) the same change is offered again after ``Options/refusedDelay`` and the stream
/// waits: the watch connection is not read meanwhile, so nothing is lost.
public final class ResourceWatcher: Sendable {
    public struct Options: Sendable {
        /// The first delay after a failed list or watch; doubles up to ``maxBackoff``.
        public var initialBackoff: Duration = .seconds(1)
        public var maxBackoff: Duration = .seconds(30)
        /// How long to wait before offering a refused change again.
        public var refusedDelay: Duration = .milliseconds(200)
        /// The watches' server-side timeout; `nil`: the client's.
        public var timeoutSeconds: Int?

        public init() {}
    }

    /// Receives one change; `false` when it cannot take it now (it is offered again later).
    public typealias Deliver = @Sendable (KubernetesChange) async throws -> Bool

    public let client: KubernetesClient
    public let resources: [KubernetesResource]
    public let namespaces: NamespaceFilter
    public let options: Options
    public let cache: WatchCache
    let sleeper: KubernetesClient.Sleeper
    let logger: Logger
    let streamKeys: [WatchCache.StreamKey]
    /// The streams that continue a previous watcher's: their first list emits what changed since.
    let continued: Set<WatchCache.StreamKey>

    /// - Parameter previous: the cache of a watcher this one replaces (the runner watches again
    ///   when a reload changes the kinds): for the resources both watch, the first list emits what
    ///   changed since that one last saw them, instead of taking them as present at start.
    public init(
        client: KubernetesClient, resources: [KubernetesResource], namespaces: NamespaceFilter = .all, options: Options = Options(),
        continuing previous: WatchCache? = nil, sleeper: @escaping KubernetesClient.Sleeper = { try await Task.sleep(for: $0) },
        logger: Logger = Logger(label: "triggerfish.kubernetes.watch")
    ) {
        self.client = client
        var unique: [KubernetesResource] = []
        for resource in resources where !unique.contains(resource) { unique.append(resource) }
        self.resources = unique
        self.namespaces = namespaces
        self.options = options
        self.sleeper = sleeper
        self.logger = logger
        var keys: [WatchCache.StreamKey] = []
        for resource in unique {
            if resource.namespaced, !namespaces.include.isEmpty {
                for namespace in namespaces.include where !namespaces.exclude.contains(namespace) {
                    keys.append(.init(resource: resource, namespace: namespace))
                }
            } else {
                keys.append(.init(resource: resource, namespace: nil))
            }
        }
        streamKeys = keys
        cache = WatchCache(keys: keys, filter: namespaces)
        var continued: Set<WatchCache.StreamKey> = []
        if let previous {
            for key in keys {
                guard let objects = previous.syncedObjects(of: key) else { continue }
                cache.seed(key, with: objects)
                continued.insert(key)
            }
        }
        self.continued = continued
    }

    /// Watches until cancelled (then returns), delivering every change to `deliver`.
    public func run(deliver: @escaping Deliver) async {
        await withTaskGroup(of: Void.self) { group in
            for key in streamKeys {
                group.addTask { await self.runStream(key, deliver: deliver) }
            }
        }
    }

    /// The same as an `AsyncStream` the caller iterates; finishing the iteration (or cancelling
    /// the task that runs ``run(deliver:)``) ends it. Its buffer is unbounded: the stream cannot
    /// refuse, so a slow consumer lets changes pile up in memory. Prefer ``run(deliver:)``.
    public func changes() -> (stream: AsyncStream<KubernetesChange>, run: @Sendable () async -> Void) {
        let (stream, continuation) = AsyncStream<KubernetesChange>.makeStream()
        return (
            stream,
            {
                await self.run { change in
                    if case .terminated = continuation.yield(change) { throw CancellationError() }
                    return true
                }
                continuation.finish()
            }
        )
    }

    func runStream(_ key: WatchCache.StreamKey, deliver: Deliver) async {
        var resourceVersion: String?
        var initial = !continued.contains(key)
        var failures = 0
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    resourceVersion = try await relist(key, initial: initial, deliver: deliver)
                    initial = false
                    failures = 0
                }
                var received = false
                for try await event in client.watch(
                    key.resource, namespace: key.namespace, resourceVersion: resourceVersion, allowBookmarks: true,
                    timeoutSeconds: options.timeoutSeconds)
                {
                    received = true
                    failures = 0
                    switch event {
                    case .added(let object), .modified(let object):
                        let object = Self.stripped(object)
                        if let version = object.resourceVersion { resourceVersion = version }
                        guard namespaces.allows(object.namespace) else { continue }
                        let old = cache.set(key, key: WatchCache.key(object), to: object)
                        if let old {
                            if old.resourceVersion == object.resourceVersion { continue }
                            try await offer(
                                .init(
                                    operation: .update, kind: key.resource.kind, apiVersion: key.resource.apiVersion, object: object,
                                    oldObject: old), deliver)
                        } else {
                            try await offer(
                                .init(operation: .create, kind: key.resource.kind, apiVersion: key.resource.apiVersion, object: object),
                                deliver)
                        }
                    case .deleted(let object):
                        let object = Self.stripped(object)
                        if let version = object.resourceVersion { resourceVersion = version }
                        guard namespaces.allows(object.namespace) else { continue }
                        _ = cache.set(key, key: WatchCache.key(object), to: nil)
                        try await offer(
                            .init(operation: .delete, kind: key.resource.kind, apiVersion: key.resource.apiVersion, object: object), deliver
                        )
                    case .bookmark(let version):
                        if !version.isEmpty { resourceVersion = version }
                    case .error(let error):
                        throw error
                    }
                }
                // The server ended the watch (its timeout): watch again from where it stopped. A
                // watch that ended with nothing at all counts as a failure, so a server that closes
                // at once is not asked again in a tight loop.
                if !received {
                    try await sleeper(backoff(failures))
                    failures += 1
                }
            } catch let error as KubernetesAPIError where error.isGone && resourceVersion != nil {
                logger.info("watch of \(key.resource): \(error); listing again")
                resourceVersion = nil
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                logger.warning("watch of \(key.resource)\(key.namespace.map { " in namespace \($0)" } ?? ""): \(error)")
                do {
                    try await sleeper(backoff(failures))
                } catch {
                    return
                }
                failures += 1
            }
        }
    }

    /// Lists a stream's objects; after the first list, emits what differs from the cache.
    /// Returns the list's resourceVersion.
    func relist(_ key: WatchCache.StreamKey, initial: Bool, deliver: Deliver) async throws -> String {
        let (items, resourceVersion) = try await client.listAll(key.resource, namespace: key.namespace)
        var current: [String: KubernetesObject] = [:]
        var order: [String] = []
        for item in items where namespaces.allows(item.namespace) {
            let object = Self.stripped(item)
            let objectKey = WatchCache.key(object)
            if current[objectKey] == nil { order.append(objectKey) }
            current[objectKey] = object
        }
        let previous = cache.objects(of: key)
        cache.replace(key, with: current)
        if initial { return resourceVersion }
        let kind = key.resource.kind
        let apiVersion = key.resource.apiVersion
        for objectKey in order {
            let object = current[objectKey]!
            if let old = previous[objectKey] {
                if old.resourceVersion != object.resourceVersion {
                    try await offer(.init(operation: .update, kind: kind, apiVersion: apiVersion, object: object, oldObject: old), deliver)
                }
            } else {
                try await offer(.init(operation: .create, kind: kind, apiVersion: apiVersion, object: object), deliver)
            }
        }
        for objectKey in previous.keys.sorted() where current[objectKey] == nil {
            try await offer(.init(operation: .delete, kind: kind, apiVersion: apiVersion, object: previous[objectKey]!), deliver)
        }
        return resourceVersion
    }

    /// Offers a change until it is taken.
    func offer(_ change: KubernetesChange, _ deliver: Deliver) async throws {
        while try await !deliver(change) {
            try await sleeper(options.refusedDelay)
        }
    }

    func backoff(_ failures: Int) -> Duration {
        var delay = options.initialBackoff
        for _ in 0..<min(failures, 30) {
            delay = delay * 2
            if delay >= options.maxBackoff { return options.maxBackoff }
        }
        return min(delay, options.maxBackoff)
    }

    /// The object without `metadata.managedFields`.
    static func stripped(_ object: KubernetesObject) -> KubernetesObject {
        guard case .object(var members) = object.json, case .object(var metadata) = members["metadata"],
            metadata["managedFields"] != nil
        else { return object }
        metadata["managedFields"] = nil
        members["metadata"] = .object(metadata)
        return KubernetesObject(json: .object(members))
    }
}

extension KubernetesObject {
    var resourceVersion: String? { json["metadata"]?["resourceVersion"]?.stringValue }
}

/// The Kubernetes API with a watch cache in front: ``object(_:namespace:name:)`` answers from
/// the cache for watched resources and namespaces once they are listed, and from the API
/// otherwise; everything else goes to the API.
public struct CachedKubernetesAPI: KubernetesAPI {
    public let client: KubernetesClient
    public let cache: WatchCache

    public init(client: KubernetesClient, cache: WatchCache) {
        self.client = client
        self.cache = cache
    }

    public func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws -> KubernetesObject? {
        if case .cached(let object) = cache.lookup(resource, namespace: namespace, name: name) { return object }
        return try await client.object(resource, namespace: namespace, name: name)
    }

    public func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws
        -> [KubernetesObject]
    {
        try await client.list(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
    }

    public func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) async throws -> String? {
        try await client.logs(namespace: namespace, pod: pod, container: container, previous: previous, tailLines: tailLines)
    }

    public func create(_ object: KubernetesObject, in resource: KubernetesResource) async throws -> KubernetesObject {
        try await client.create(object, in: resource)
    }

    public func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws -> KubernetesObject
    {
        try await client.patch(resource, namespace: namespace, name: name, patch: patch, type: type)
    }

    public func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws {
        try await client.delete(resource, namespace: namespace, name: name)
    }

    public func evict(namespace: String, pod: String) async throws {
        try await client.evict(namespace: namespace, pod: pod)
    }
}
