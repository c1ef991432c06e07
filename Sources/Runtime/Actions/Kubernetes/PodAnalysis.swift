import Foundation

/// What Robusta's pod helpers read from a pod: crash information (reference B.3), the reasons an
/// image cannot be pulled (B.4) or a pod cannot be scheduled (B.5), and which issue a pod has (B.10).
enum PodAnalysis {
    static func statuses(_ pod: KubernetesObject, includingInit includeInit: Bool = true) -> [JSONValue] {
        let regular = pod.json.value(atPath: "status.containerStatuses")?.arrayValue ?? []
        guard includeInit else { return regular }
        return regular + (pod.json.value(atPath: "status.initContainerStatuses")?.arrayValue ?? [])
    }

    static func string(_ value: JSONValue?) -> String { value.map(BuiltinActionImplementations.text) ?? "None" }

    // MARK: Crash info (B.3)

    /// Container statuses (regular, then init) waiting after at least one restart.
    static func crashedContainers(_ pod: KubernetesObject) -> [JSONValue] {
        statuses(pod).filter { status in
            status["state"]?["waiting"].map { !$0.isNull } == true && (status["restartCount"]?.intValue ?? 0) >= 1
        }
    }

    /// One `Container Crash information` enrichment per crashed container: its state, then its
    /// previous run (the table has no rows when there was none).
    static func crashEnrichments(_ pod: KubernetesObject) -> [Enrichment] {
        crashedContainers(pod).map { status in
            var rows = [["Container", string(status["name"])], ["Restarts", string(status["restartCount"])]]
            if let terminated = status["state"]?["terminated"], !terminated.isNull {
                rows += [["Status", "TERMINATED"], ["Reason", string(terminated["reason"])]]
            }
            if let waiting = status["state"]?["waiting"], !waiting.isNull {
                rows += [["Status", "WAITING"], ["Reason", string(waiting["reason"])]]
            }
            var previous: [[String]] = []
            if let terminated = status["lastState"]?["terminated"], !terminated.isNull {
                previous += [["Status", "TERMINATED"], ["Reason", string(terminated["reason"])]]
                if let started = terminated["startedAt"]?.stringValue { previous.append(["Started at", started]) }
                if let finished = terminated["finishedAt"]?.stringValue { previous.append(["Finished at", finished]) }
            }
            return Enrichment(
                title: "Container Crash information",
                blocks: [
                    .table(headers: ["label", "value"], rows: rows, name: "*Crash Info*"),
                    .table(headers: ["label", "value"], rows: previous, name: "*Previous Container*"),
                ],
                type: "crash_info")
        }
    }

    // MARK: Image pull (B.4)

    static func waitingReason(_ status: JSONValue) -> String? { status["state"]?["waiting"]?["reason"]?.stringValue }

    static let imagePullReasons: Set<String> = ["ImagePullBackOff", "ErrImagePull"]

    enum PullFailure {
        case repoDoesntExist, notAuthorized, timeout, unknown

        var reasonAndFix: (String, String)? {
            switch self {
            case .repoDoesntExist: ("Image not found", "Make sure the image repository, image name and image tag are correct.")
            case .notAuthorized:
                (
                    "Unauthorized",
                    "The repo is access protected. Make sure to configure the correct image pull secrets: https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry"
                )
            case .timeout: ("Timeout", "If this does not resolved after a few minutes, make sure the image repository is responding.")
            case .unknown: nil
            }
        }
    }

    static let pullPatterns: [(String, PullFailure)] = [
        (#"failed to pull and unpack image ".*?": failed to resolve reference ".*?": .*?(no such host|not found)"#, .repoDoesntExist),
        (
            #"failed to pull and unpack image ".*?": failed to resolve reference ".*?": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"#,
            .notAuthorized
        ),
        (
            #"failed to pull and unpack image ".*?": failed to resolve reference ".*?": failed to authorize: failed to fetch anonymous token: unexpected status: 403 Forbidden"#,
            .notAuthorized
        ),
        (
            #"Error response from daemon: pull access denied for .*?, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"#,
            .notAuthorized
        ),
        (#"Error response from daemon: manifest for .*? not found: manifest unknown: manifest unknown"#, .repoDoesntExist),
        (
            #"Error response from daemon: Head ".*?": denied: Permission "artifactregistry.repositories.downloadArtifacts" denied on resource ".*?" \(or it may not exist\)"#,
            .notAuthorized
        ),
        (#"Error response from daemon: manifest for .*? not found: manifest unknown: Failed to fetch ".*?""#, .repoDoesntExist),
        (#".*Timeout exceeded.*"#, .timeout),
    ]

    /// ``pullPatterns`` compiled once; event messages are matched in linear time (``LinearRegex``).
    static let compiledPullPatterns: [(LinearRegex, PullFailure)] = pullPatterns.map { pattern, failure in
        // These fixed patterns compile (PodAnalysisTests match each).
        (try! LinearRegex(pattern), failure)
    }

    static func pullFailure(_ message: String) -> PullFailure {
        let scalars = Array(message.unicodeScalars)
        return compiledPullPatterns.first { $0.0.firstMatch(in: scalars, anchoring: .whole) != nil }?.1 ?? .unknown
    }

    /// The start of a FailedScheduling event's note that says how many nodes are available.
    static let nodesAvailable = try! LinearRegex(#"^\d+\/\d+( nodes are available\:).*"#)

    /// The pod's events, as the image-pull and pending analyses read them (one call per pod).
    static func podEvents(_ pod: KubernetesObject, cluster: ClusterCalls) async throws(ActionError) -> [JSONValue] {
        try await cluster.list(.event, namespace: pod.namespace, fieldSelector: "regarding.name=\(pod.name ?? "")").map(\.json)
    }

    /// The `Container ImagePullBackoff Information` enrichment: a table per container that cannot
    /// pull its image and has the kubelet's event saying why, then the unexplained errors.
    static func imagePullEnrichment(_ pod: KubernetesObject, cluster: ClusterCalls, context: ActionContext) async throws(ActionError)
        -> Enrichment
    {
        let events = try await podEvents(pod, cluster: cluster)
        var tables: [Block] = []
        var errors: [Block] = []
        for status in statuses(pod, includingInit: false) where imagePullReasons.contains(waitingReason(status) ?? "") {
            let name = string(status["name"])
            let image = string(status["image"])
            let prefixes = ["Unknown", "NotFound"].map { "Failed to pull image \"\(image)\": rpc error: code = \($0) desc = " }
            var message: String?
            for event in events
            where event["type"]?.stringValue == "Warning" && event["reason"]?.stringValue == "Failed"
                && event.value(atPath: "deprecatedSource.component")?.stringValue == "kubelet"
            {
                let note = event["note"]?.stringValue ?? ""
                if let prefix = prefixes.first(where: { note.hasPrefix($0) }) {
                    message = String(note.dropFirst(prefix.count))
                    break
                }
            }
            guard let message else {
                context.log(
                    "image pull analysis: no kubelet event explains why container \(name) of pod \(pod.name ?? "") cannot pull \(image)")
                continue
            }
            var rows = [["Container", name], ["Image", image]]
            let failure = pullFailure(message)
            if let reasonAndFix = failure.reasonAndFix {
                rows += [["Reason", reasonAndFix.0], ["Fix", reasonAndFix.1]]
            } else {
                errors.append(.markdown("*Error message:* \(name):\n\(message)"))
            }
            tables.append(.table(headers: ["label", "value"], rows: rows))
        }
        return Enrichment(title: "Container ImagePullBackoff Information", blocks: tables + errors, type: "image_pull_backoff_info")
    }

    // MARK: Pending (B.5)

    static let pendingReasonTemplates: [(name: String, templates: [String])] = [
        ("NotEnoughGPU", [#".*(Insufficient [^\/]+\/gpu).*"#]),
        ("NotEnoughMemory", ["Insufficient memory"]),
        ("NotEnoughCPU", ["Insufficient cpu"]),
        ("NoMatchingTaint", [#".*(had taint \{[^}]+\}, that the pod didn't tolerate).*"#, "node(s) had untolerated taint"]),
        ("NodesUnschedulable", ["node(s) were unschedulable"]),
        (
            "NoMatchingAffinity",
            [
                "didn't match Pod's node affinity/selector", "didn't match pod affinity/anti-affinity rules",
                "didn't match pod anti-affinity rules",
            ]
        ),
        ("PVCNotFound", [#".*(persistentvolumeclaim "[^"]*" not found).*"#]),
        ("TooManyPods", ["Too many pods"]),
    ]

    /// ``pendingReasonTemplates`` with each template compiled once (`nil`: not a regex).
    static let compiledPendingTemplates: [(name: String, templates: [(String, LinearRegex?)])] = pendingReasonTemplates.map { group in
        (group.name, group.templates.map { ($0, try? LinearRegex($0)) })
    }

    /// The scheduling problems the message names, in Robusta's order; `[Unknown]` when none.
    static func pendingReasons(in message: String) -> [String] {
        let scalars = Array(message.unicodeScalars)
        let found = compiledPendingTemplates.filter { group in
            group.templates.contains { template, regex in
                regex?.firstMatch(in: scalars, anchoring: .whole) != nil || message.contains(template)
            }
        }
        .map(\.name)
        return found.isEmpty ? ["Unknown"] : found
    }

    /// The `Unscheduled Pod Information` enrichment: the pod and its PodScheduled condition's
    /// message, and for missing CPU, memory or GPUs what the pod requests.
    static func pendingEnrichment(_ pod: KubernetesObject, cluster: ClusterCalls) async throws(ActionError) -> Enrichment {
        let conditions = pod.json.value(atPath: "status.conditions")?.arrayValue ?? []
        let unscheduled = conditions.first { $0["type"]?.stringValue == "PodScheduled" }?["message"]?.stringValue
        let events = try await podEvents(pod, cluster: cluster)
        var reasons: [String] = []
        if var message = unscheduled {
            let candidates = events.filter { event in
                event["type"]?.stringValue == "Warning" && event["reason"]?.stringValue == "FailedScheduling"
                    && (event["note"]?.stringValue).map { note in
                        nodesAvailable.firstMatch(in: note, anchoring: .start) != nil
                    } == true
            }
            if let newest = ObjectEvents.newestFirst(candidates).first, let note = newest["note"]?.stringValue { message = note }
            reasons = pendingReasons(in: message)
        }
        var rows = [["Pod", pod.name ?? "None"]]
        if let unscheduled, !unscheduled.isEmpty { rows.append(["Reason", unscheduled]) }
        var blocks: [Block] = [.table(headers: ["label", "value"], rows: rows)]
        if reasons.contains(where: { ["NotEnoughGPU", "NotEnoughCPU", "NotEnoughMemory"].contains($0) }) {
            blocks.append(.markdown("*Pod requires:* \(extendedRequests(pod).joined(separator: ", "))"))
        }
        return Enrichment(title: "Unscheduled Pod Information", blocks: blocks, type: "pending_pod_info")
    }

    /// `1.0 nvidia.com/gpu`: the pod's requests of resources other than CPU and memory, summed over
    /// its containers (as Robusta's code runs, its CPU and memory are always 0 and left out).
    static func extendedRequests(_ pod: KubernetesObject) -> [String] {
        var totals: [(String, Double)] = []
        for container in pod.json.value(atPath: "spec.containers")?.arrayValue ?? [] {
            for (resource, value) in (container["resources"]?["requests"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
            where resource != "cpu" && resource != "memory" {
                let amount = Double(ContainerResources.quantity(value) ?? "") ?? 0
                if let index = totals.firstIndex(where: { $0.0 == resource }) {
                    totals[index].1 += amount
                } else {
                    totals.append((resource, amount))
                }
            }
        }
        return totals.map { "\(pythonFloat($0.1)) \($0.0)" }
    }

    /// A float as Python prints it: `1.0`, `0.5`.
    static func pythonFloat(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e16 ? "\(Int(value)).0" : "\(value)"
    }

    // MARK: Issues (B.10)

    enum Issue: Equatable {
        case imagePullBackoff, crashloopBackoff, crashing, pending, noneDetected

        var text: String {
            switch self {
            case .imagePullBackoff: "ImagePullBackoff"
            case .pending: "scheduling issue"
            case .crashloopBackoff, .crashing, .noneDetected: "CrashLoopBackoff"
            }
        }
    }

    static func isPending(_ pod: KubernetesObject) -> Bool {
        pod.json.value(atPath: "status.phase")?.stringValue?.lowercased() == "pending"
    }

    static func isCrashLooping(_ pod: KubernetesObject) -> Bool {
        statuses(pod).contains { status in
            guard let waiting = status["state"]?["waiting"], !waiting.isNull else { return false }
            return (status["restartCount"]?.intValue ?? 0) > 1 && (waiting["reason"]?.stringValue ?? "").contains("CrashLoopBackOff")
        }
    }

    /// A container whose previous run ended in `Error` less than 15 minutes before `now`.
    static func crashedRecently(_ pod: KubernetesObject, now: Date) -> Bool {
        statuses(pod).contains { status in
            guard let terminated = status["lastState"]?["terminated"], terminated["reason"]?.stringValue == "Error",
                let finished = terminated["finishedAt"]?.stringValue.flatMap(RFC3339.date)
            else { return false }
            return finished > now.addingTimeInterval(-15 * 60)
        }
    }

    static func issue(_ pod: KubernetesObject, now: Date) -> Issue {
        if statuses(pod).contains(where: { imagePullReasons.contains(waitingReason($0) ?? "") }) { return .imagePullBackoff }
        if isCrashLooping(pod) { return .crashloopBackoff }
        if crashedRecently(pod, now: now) { return .crashing }
        if isPending(pod) { return .pending }
        return .noneDetected
    }

    /// The enrichments that explain a pod's issue, in Robusta's order (image pull, pending, crash);
    /// `nil` when none applies.
    static func issueEnrichments(_ pod: KubernetesObject, cluster: ClusterCalls, now: Date, context: ActionContext)
        async throws(ActionError) -> [Enrichment]?
    {
        if statuses(pod).contains(where: { imagePullReasons.contains(waitingReason($0) ?? "") }) {
            let enrichment = try await imagePullEnrichment(pod, cluster: cluster, context: context)
            return [enrichment]
        }
        if isPending(pod) {
            let enrichment = try await pendingEnrichment(pod, cluster: cluster)
            return [enrichment]
        }
        if isCrashLooping(pod) || crashedRecently(pod, now: now) { return crashEnrichments(pod) }
        return nil
    }

    /// The first container's waiting message and reason (`unknown` when it has none), when it waits.
    static func messageAndReason(_ pod: KubernetesObject) -> (String?, String?) {
        guard let waiting = statuses(pod, includingInit: false).first?["state"]?["waiting"], !waiting.isNull else { return (nil, nil) }
        return (waiting["message"]?.stringValue, waiting["reason"]?.stringValue ?? "unknown")
    }
}
