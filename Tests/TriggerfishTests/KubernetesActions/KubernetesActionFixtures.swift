import Foundation
import Testing

@testable import Triggerfish

/// Realistic objects for the Kubernetes action tests, and a way to run an action and read what it did.
enum KubernetesActionFixtures {
    static let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    /// Runs a built-in action on an event against `api`; the context holds what it added.
    static func run(
        _ action: String, _ event: any TriggerfishEvent, parameters: JSONValue = nil, api: FakeKubernetesAPI?,
        now: Date = Date(timeIntervalSince1970: 1_704_103_200)  // 2024-01-01T10:00:00Z
    ) async throws -> ActionContext {
        let context = ActionContext(kubernetes: api, now: { now })
        try await actions[action]!.run(event, parameters: parameters, context: context)
        return context
    }

    /// The action's error as the engine reports it (`action 'x': message`), or `nil`.
    static func error(
        _ action: String, _ event: any TriggerfishEvent, parameters: JSONValue = nil, api: FakeKubernetesAPI?
    ) async -> String? {
        do {
            _ = try await run(action, event, parameters: parameters, api: api)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// `web-1` in `prod` on `node-1`, owned by a ReplicaSet: container `web` crash-loops (3 restarts,
    /// its previous run ended in Error), `sidecar` runs.
    static func crashingPod(name: String = "web-1", finishedAt: String = "2024-01-01T09:58:00Z") -> KubernetesObject {
        KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": "prod", "labels": ["app": "web"],
                "ownerReferences": [
                    ["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-6d4f", "uid": "rs-1", "controller": true]
                ],
            ],
            "spec": [
                "nodeName": "node-1",
                "containers": [
                    [
                        "name": "web", "image": "web:1.2",
                        "resources": ["requests": ["memory": "100Mi", "cpu": "250m"], "limits": ["memory": "200Mi"]],
                    ],
                    ["name": "sidecar", "image": "envoy:1.29"],
                ],
            ],
            "status": [
                "phase": "Running",
                "conditions": [["type": "Ready", "status": "False"], ["type": "PodScheduled", "status": "True"]],
                "containerStatuses": [
                    [
                        "name": "web", "image": "web:1.2", "restartCount": 3,
                        "state": ["waiting": ["reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=web"]],
                        "lastState": [
                            "terminated": [
                                "reason": "Error", "exitCode": 1, "startedAt": "2024-01-01T09:57:00Z", "finishedAt": .string(finishedAt),
                            ]
                        ],
                    ],
                    [
                        "name": "sidecar", "image": "envoy:1.29", "restartCount": 0,
                        "state": ["running": ["startedAt": "2024-01-01T09:00:00Z"]],
                    ],
                ],
            ],
        ])
    }

    /// `api-7` in `prod` whose container `api` cannot pull `registry.example.com/api:9.9`.
    static func imagePullPod() -> KubernetesObject {
        KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "api-7", "namespace": "prod", "labels": ["app": "api"]],
            "spec": ["nodeName": "node-2", "containers": [["name": "api", "image": "registry.example.com/api:9.9"]]],
            "status": [
                "phase": "Pending",
                "containerStatuses": [
                    [
                        "name": "api", "image": "registry.example.com/api:9.9", "restartCount": 0,
                        "state": [
                            "waiting": ["reason": "ImagePullBackOff", "message": "Back-off pulling image \"registry.example.com/api:9.9\""]
                        ],
                    ]
                ],
            ],
        ])
    }

    static func node(_ name: String = "node-1", unschedulable: JSONValue? = nil) -> KubernetesObject {
        var spec: [String: JSONValue] = ["podCIDR": "10.0.1.0/24"]
        if let unschedulable { spec["unschedulable"] = unschedulable }
        return KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": ["kubernetes.io/hostname": .string(name)]],
            "spec": .object(spec),
            "status": [
                "capacity": ["cpu": "4", "memory": "8192Mi", "pods": "110"],
                "allocatable": ["cpu": "3800m", "memory": "7168Mi", "pods": "110"],
                "conditions": [
                    ["type": "MemoryPressure", "status": "False"], ["type": "DiskPressure", "status": "False"],
                    ["type": "Ready", "status": "True"],
                ],
            ],
        ])
    }

    /// An events.k8s.io/v1 Event about `kind/name`.
    static func event(
        _ id: String, kind: String, name: String, namespace: String?, reason: String, type: String = "Warning", note: String,
        time: String, component: String? = nil
    ) -> KubernetesObject {
        var regarding: [String: JSONValue] = ["kind": .string(kind), "name": .string(name)]
        if let namespace { regarding["namespace"] = .string(namespace) }
        var json: [String: JSONValue] = [
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": ["name": .string("\(name).\(id)"), "namespace": .string(namespace ?? "default")],
            "regarding": .object(regarding), "reason": .string(reason), "type": .string(type), "note": .string(note),
            "deprecatedLastTimestamp": .string(time),
        ]
        if let component { json["deprecatedSource"] = ["component": .string(component)] }
        return KubernetesObject(json: .object(json))
    }

    static func deployment(selector: JSONValue = ["matchLabels": ["app": "web"]], status: JSONValue = [:]) -> KubernetesObject {
        KubernetesObject(json: [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "prod", "labels": ["app": "web"]],
            "spec": ["replicas": 3, "selector": selector, "template": ["metadata": ["labels": ["app": "web"]]]],
            "status": status,
        ])
    }

    static func job() -> KubernetesObject {
        KubernetesObject(json: [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": "backup", "namespace": "ops", "labels": ["controller-uid": "uid-42", "job-name": "backup"]],
            "spec": ["backoffLimit": 2, "selector": ["matchLabels": ["controller-uid": "uid-42"]]],
            "status": ["failed": 2],
        ])
    }

    static func jobPod(_ name: String, startTime: String) -> KubernetesObject {
        KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": "ops", "labels": ["controller-uid": "uid-42", "job-name": "backup"]],
            "spec": ["containers": [["name": "backup", "image": "backup:3"]]],
            "status": ["phase": "Failed", "startTime": .string(startTime)],
        ])
    }

    /// The 403 a runner without the RBAC rule gets, as the engine reports it.
    static func forbidden(_ action: String, _ verb: String, _ resource: String, namespace: String? = nil, name: String? = nil) -> String {
        var target = resource
        if let name { target += " \"\(name)\"" }
        if let namespace { target += " in namespace \"\(namespace)\"" }
        return
            "action '\(action)': the Kubernetes API refused to \(verb) \(target) (403 Forbidden): \(resource) is forbidden: User \"system:serviceaccount:triggerfish:runner\" cannot \(verb) resource \"\(resource)\""
    }
}
