import Foundation
import Testing

@testable import Triggerfish

/// Each smart trigger's condition called as a function on hand-made objects, without an engine.
@Suite struct TriggerConditionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The trigger's condition from its parameters as a playbook writes them.
    func condition<T: ConditionalTrigger>(_ trigger: T.Type, _ parameters: JSONValue = [:]) throws -> TriggerCondition {
        T.makeCondition(try T.Parameters(parameterValue: parameters, path: T.key))
    }

    func pod(
        _ name: String = "web-1", owner: String? = nil, containers: [JSONValue] = [], initContainers: [JSONValue] = [],
        status extra: [String: JSONValue] = [:]
    ) -> KubernetesObject {
        var status: [String: JSONValue] = ["containerStatuses": .array(containers), "initContainerStatuses": .array(initContainers)]
        status.merge(extra) { _, new in new }
        var pod = object("Pod", name, ["status": .object(status)])
        if let owner {
            var json = pod.json.objectValue ?? [:]
            var metadata = json["metadata"]?.objectValue ?? [:]
            metadata["ownerReferences"] = [["kind": "ReplicaSet", "name": .string(owner)]]
            json["metadata"] = .object(metadata)
            pod = KubernetesObject(json: .object(json))
        }
        return pod
    }

    func waiting(_ reason: String, restarts: Int = 0, name: String = "app") -> JSONValue {
        ["name": .string(name), "restartCount": .int(restarts), "state": ["waiting": ["reason": .string(reason)]]]
    }

    func terminated(_ reason: String, name: String = "app") -> JSONValue {
        ["name": .string(name), "restartCount": 1, "state": ["terminated": ["reason": .string(reason)]]]
    }

    func changed(_ object: KubernetesObject, _ operation: KubernetesOperation = .update, old: KubernetesObject? = nil) -> KubernetesChange {
        KubernetesChange(operation: operation, kind: object.kind ?? "", object: object, oldObject: old)
    }

    // MARK: on_pod_crash_loop

    @Test func crashLoopNeedsAWaitingContainerRestartedAtLeastRestartCountTimes() throws {
        let crashLoop = try condition(OnPodCrashLoop.self)
        #expect(crashLoop.matches(changed(pod(containers: [waiting("CrashLoopBackOff", restarts: 2)])), now))
        #expect(!crashLoop.matches(changed(pod(containers: [waiting("CrashLoopBackOff", restarts: 1)])), now))
        #expect(crashLoop.matches(changed(pod(initContainers: [waiting("CrashLoopBackOff", restarts: 5)])), now))
        let running: JSONValue = ["name": "app", "restartCount": 9, "state": ["running": ["startedAt": "x"]]]
        #expect(!crashLoop.matches(changed(pod(containers: [running])), now))
        let nullWaiting: JSONValue = ["name": "app", "restartCount": 9, "state": ["waiting": nil]]
        #expect(!crashLoop.matches(changed(pod(containers: [nullWaiting])), now))
        #expect(!crashLoop.matches(changed(pod()), now))
    }

    @Test func crashLoopRestartReasonIsASubstringOfTheWaitingReason() throws {
        let crashLoop = try condition(OnPodCrashLoop.self, ["restart_reason": "CrashLoop", "restart_count": 0])
        #expect(crashLoop.matches(changed(pod(containers: [waiting("CrashLoopBackOff")])), now))
        #expect(!crashLoop.matches(changed(pod(containers: [waiting("ContainerCreating")])), now))
    }

    @Test func podTriggersRateLimitByNamespaceAndOwner() throws {
        let crashLoop = try condition(OnPodCrashLoop.self, ["rate_limit": 60])
        let owned = try #require(crashLoop.rateLimit?(changed(pod(owner: "web-rs"))))
        #expect(owned.seconds == 60 && owned.key == "default:web-rs")
        let alone = try #require(crashLoop.rateLimit?(changed(pod("solo"))))
        #expect(alone.seconds == 60 && alone.key == "default:solo")
        #expect(crashLoop.changeFilters == nil)
    }

    // MARK: on_image_pull_backoff

    @Test func imagePullBackOffFiresOnlyFireDelayAfterThePodStarted() throws {
        let backOff = try condition(OnImagePullBackoff.self)
        func started(_ secondsAgo: TimeInterval) -> [String: JSONValue] {
            ["startTime": .string(RFC3339.format(now.addingTimeInterval(-secondsAgo)))]
        }
        #expect(backOff.matches(changed(pod(containers: [waiting("ImagePullBackOff")], status: started(120))), now))
        #expect(!backOff.matches(changed(pod(containers: [waiting("ImagePullBackOff")], status: started(119))), now))
        #expect(!backOff.matches(changed(pod(containers: [waiting("ErrImagePull")], status: started(600))), now))
        // A pod without a start time counts as just started.
        #expect(!backOff.matches(changed(pod(containers: [waiting("ImagePullBackOff")])), now))
        let immediate = try condition(OnImagePullBackoff.self, ["fire_delay": 0])
        #expect(immediate.matches(changed(pod(containers: [waiting("ImagePullBackOff")], status: started(0))), now))
        #expect(backOff.rateLimit?(changed(pod(owner: "rs"))).seconds == 14400)
    }

    // MARK: on_pod_oom_killed, on_container_oom_killed

    @Test func podOOMKilledUnlessThePodIsExcludedByNamePrefixAndNamespace() throws {
        let oom = try condition(OnPodOomKilled.self)
        #expect(oom.matches(changed(pod(containers: [terminated("OOMKilled")])), now))
        #expect(oom.matches(changed(pod(initContainers: [terminated("OOMKilled")])), now))
        #expect(!oom.matches(changed(pod(containers: [terminated("Error")])), now))
        let excluding = try condition(OnPodOomKilled.self, ["exclude": [["name": "web-", "namespace": "default"]]])
        #expect(!excluding.matches(changed(pod("web-1", containers: [terminated("OOMKilled")])), now))
        #expect(excluding.matches(changed(pod("db-1", containers: [terminated("OOMKilled")])), now))
        let otherNamespace = try condition(OnPodOomKilled.self, ["exclude": [["name": "web-", "namespace": "prod"]]])
        #expect(otherNamespace.matches(changed(pod("web-1", containers: [terminated("OOMKilled")])), now))
        #expect(oom.rateLimit?(changed(pod(owner: "rs"))).seconds == 3600)
    }

    @Test func containerOOMKilledExcludesByContainerName() throws {
        let excluding = try condition(OnContainerOomKilled.self, ["exclude": [["name": "sidecar"]]])
        #expect(!excluding.matches(changed(pod(containers: [terminated("OOMKilled", name: "sidecar-proxy")])), now))
        #expect(excluding.matches(changed(pod(containers: [terminated("OOMKilled", name: "app")])), now))
        #expect(
            excluding.matches(
                changed(pod(containers: [terminated("OOMKilled", name: "sidecar"), terminated("OOMKilled", name: "app")])), now))
        #expect(!excluding.matches(changed(pod(containers: [terminated("Completed", name: "app")])), now))
    }

    // MARK: on_pod_evicted

    @Test func evictionIsThePodsStatusReasonRateLimitedPerPod() throws {
        let evicted = try condition(OnPodEvicted.self)
        #expect(evicted.matches(changed(pod(status: ["reason": "Evicted"])), now))
        #expect(!evicted.matches(changed(pod(status: ["reason": "Preempted"])), now))
        #expect(!evicted.matches(changed(pod()), now))
        let limit = try #require(evicted.rateLimit?(changed(pod("web-1", owner: "rs"))))
        #expect(limit.seconds == 14400 && limit.key == "default:web-1")
    }

    // MARK: on_job_failure

    @Test func jobFailureFiresOnlyWhenTheFailedConditionAppears() throws {
        let failure = try condition(OnJobFailure.self)
        func job(_ conditions: [String]) -> KubernetesObject {
            object("Job", "backup", ["status": ["conditions": .array(conditions.map { ["type": .string($0), "status": "True"] })]])
        }
        #expect(failure.matches(changed(job(["Failed"]), old: job([])), now))
        #expect(failure.matches(changed(job(["Failed"]), .create), now))
        #expect(!failure.matches(changed(job(["Failed"]), old: job(["Failed"])), now))
        #expect(!failure.matches(changed(job(["Complete"]), old: job([])), now))
        #expect(failure.rateLimit == nil)
    }

    // MARK: on_kubernetes_warning_event*

    func event(type: String = "Warning", reason: String = "BackOff", note: String = "Back-off restarting", regarding: Bool = true)
        -> KubernetesObject
    {
        var extra: [String: JSONValue] = ["type": .string(type), "reason": .string(reason), "note": .string(note)]
        if regarding { extra["regarding"] = ["kind": "Pod", "name": "web-1", "namespace": "shop"] }
        return object("Event", "web-1.17a", extra)
    }

    @Test func warningEventsNeedAWarningAboutAnObject() throws {
        let warning = try condition(OnKubernetesWarningEvent.self)
        #expect(warning.matches(changed(event(), .create), now))
        #expect(warning.matches(changed(event(), .update), now))
        #expect(!warning.matches(changed(event(type: "Normal"), .create), now))
        #expect(!warning.matches(changed(event(regarding: false), .create), now))
        let limit = try #require(warning.rateLimit?(changed(event(), .create)))
        #expect(limit.seconds == 3600 && limit.key == "BackOff:shop/Pod/web-1")
    }

    @Test func warningEventsIncludeAndExcludeByReasonAndNoteIgnoringCase() throws {
        let including = try condition(OnKubernetesWarningEventCreate.self, ["include": ["backoff"]])
        #expect(including.matches(changed(event(), .create), now))
        #expect(!including.matches(changed(event(reason: "FailedMount", note: "volume"), .create), now))
        let excluding = try condition(OnKubernetesWarningEventUpdate.self, ["exclude": ["RESTARTING"]])
        #expect(!excluding.matches(changed(event(), .update), now))
        #expect(excluding.matches(changed(event(reason: "FailedMount", note: "volume"), .update), now))
        let both = try condition(OnKubernetesWarningEventDelete.self, ["include": ["back"], "exclude": ["restarting"]])
        #expect(!both.matches(changed(event(), .delete), now))
    }

    @Test func warningEventOperationsAreComparedIgnoringCase() throws {
        let creates = try condition(OnKubernetesWarningEvent.self, ["operations": ["CREATE"]])
        #expect(creates.matches(changed(event(), .create), now))
        #expect(!creates.matches(changed(event(), .update), now))
    }

    // MARK: on_kubernetes_resource_operation

    @Test func resourceOperationMatchesKindsAndOperationsIgnoringCaseEmptyMeaningAll() throws {
        let deployments = try condition(OnKubernetesResourceOperation.self, ["resources": ["deployment"], "operations": ["Update"]])
        #expect(deployments.matches(changed(object("Deployment", "d")), now))
        #expect(!deployments.matches(changed(object("Deployment", "d"), .create), now))
        #expect(!deployments.matches(changed(object("StatefulSet", "s")), now))
        let everything = try condition(OnKubernetesResourceOperation.self)
        #expect(everything.matches(changed(object("Widget", "w"), .delete), now))
        #expect(everything.rateLimit == nil)
        // Its change filters are always set (by default: spec changes other than spec.replicas).
        #expect(everything.changeFilters != nil)
    }
}
