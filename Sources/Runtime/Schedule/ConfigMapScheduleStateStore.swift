/// Keeps the scheduler's state in a ConfigMap, as Robusta does, so a runner rescheduled onto another
/// node (or a new leader) continues the schedules: the document ``DirectoryScheduleStateStore``
/// writes to a file is the ConfigMap's `scheduled-jobs.json` key. The ConfigMap is created on the
/// first save and patched (JSON merge patch on that key only) afterwards.
public final class ConfigMapScheduleStateStore: ScheduleStateStore {
    /// The ConfigMap's key holding the state.
    public static let key = DirectoryScheduleStateStore.fileName

    let kubernetes: any KubernetesAPI
    public let namespace: String
    public let name: String

    public init(kubernetes: any KubernetesAPI, namespace: String, name: String = "triggerfish-scheduled-jobs") {
        self.kubernetes = kubernetes
        self.namespace = namespace
        self.name = name
    }

    public var location: String { "ConfigMap \(namespace)/\(name)" }

    /// The saved jobs; empty when the ConfigMap or its key does not exist yet.
    public func load() async throws(ScheduleStateError) -> [String: ScheduledJobState] {
        let object: KubernetesObject?
        do {
            object = try await kubernetes.object(.configMap, namespace: namespace, name: name)
        } catch {
            throw ScheduleStateError("cannot read the scheduler state from \(location): \(error)")
        }
        guard let text = object?.json.value(atPath: "data")?[Self.key]?.stringValue else { return [:] }
        let document: JSONValue
        do {
            document = try JSONValue.parse(text)
        } catch {
            throw ScheduleStateError("the scheduler state in \(location) (key \(Self.key)) is not valid JSON: \(error)")
        }
        do {
            return try ScheduleStateFormat.jobs(in: document)
        } catch {
            throw ScheduleStateError(
                "the scheduler state in \(location) (key \(Self.key)) is not Triggerfish scheduler state: \(error.message)")
        }
    }

    public func save(_ jobs: [String: ScheduledJobState]) async throws(ScheduleStateError) {
        let text = ScheduleStateFormat.document(jobs).prettySerialized() + "\n"
        do {
            do {
                _ = try await kubernetes.patch(
                    .configMap, namespace: namespace, name: name, patch: ["data": [Self.key: .string(text)]], type: .merge)
            } catch let error as KubernetesAPIError where error.isNotFound {
                let configMap: JSONValue = [
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": [
                        "name": .string(name), "namespace": .string(namespace), "labels": ["app.kubernetes.io/managed-by": "triggerfish"],
                    ],
                    "data": [Self.key: .string(text)],
                ]
                _ = try await kubernetes.create(KubernetesObject(json: configMap), in: .configMap)
            }
        } catch {
            throw ScheduleStateError("cannot write the scheduler state to \(location): \(error)")
        }
    }
}
