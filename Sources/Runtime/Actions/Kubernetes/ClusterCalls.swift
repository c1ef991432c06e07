import Foundation
import _TriggerfishCore

/// The Kubernetes API as one action calls it: every refusal (``KubernetesAPIError``) or failure
/// to reach the API server becomes the action's error, with the refusal's description (what was
/// refused and why), as Robusta reports an API exception as the action's error.
struct ClusterCalls: Sendable {
    let api: any KubernetesAPI
    let action: String

    /// The runner's Kubernetes API, or the action's error saying there is none.
    init(_ context: ActionContext, action: String) throws(ActionError) {
        self.api = try context.kubernetesAPI(for: action)
        self.action = action
    }

    /// The action's error for a failed call.
    static func failure(_ error: any Error, action: String) -> ActionError {
        if let error = error as? ActionError { return error }
        return ActionError(.failed, action: action, message: "\(error)")
    }

    /// What an error says, without the action's name an ``ActionError``'s description adds.
    static func message(_ error: any Error) -> String {
        (error as? ActionError)?.message ?? "\(error)"
    }

    func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws(ActionError) -> KubernetesObject? {
        do {
            return try await api.object(resource, namespace: resource.namespaced ? namespace : nil, name: name)
        } catch {
            throw Self.failure(error, action: action)
        }
    }

    func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil)
        async throws(ActionError) -> [KubernetesObject]
    {
        do {
            return try await api.list(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
        } catch {
            throw Self.failure(error, action: action)
        }
    }

    func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws(ActionError) -> KubernetesObject
    {
        do {
            return try await api.patch(resource, namespace: namespace, name: name, patch: patch, type: type)
        } catch {
            throw Self.failure(error, action: action)
        }
    }

    func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws(ActionError) {
        do {
            try await api.delete(resource, namespace: namespace, name: name)
        } catch {
            throw Self.failure(error, action: action)
        }
    }

    /// A pod's log as Robusta's `RobustaPod.get_logs` reads it (reference B.2): the whole log of
    /// `container` (the pod's first container when `nil`); `nil` when the pod or the log does not
    /// exist; `""` after logging any other refusal; then `filterRegex` keeps the matches (joined by
    /// newlines) and the patterns mask theirs, in order.
    func log(
        of pod: KubernetesObject, container: String?, previous: Bool, patterns: [NamedRegexPattern]? = nil, style: String? = nil,
        filterRegex: String? = nil, context: ActionContext
    ) async throws(ActionError) -> String? {
        let containerName = container ?? pod.value(atPath: "spec.containers[0].name")?.stringValue
        let text: String?
        do {
            text = try await api.logs(
                namespace: pod.namespace ?? "", pod: pod.name ?? "", container: containerName, previous: previous, tailLines: nil)
        } catch let error as KubernetesAPIError {
            if error.isNotFound { return nil }
            context.log("\(action): \(error)")
            text = ""
        } catch {
            throw Self.failure(error, action: action)
        }
        guard var log = text else { return nil }
        if !log.isEmpty, let filterRegex {
            log = try LogText.matches(of: filterRegex, in: log, action: action).joined(separator: "\n")
        }
        if !log.isEmpty, let patterns {
            for pattern in patterns {
                log = try LogText.mask(pattern, in: log, named: style == "NAMED", action: action)
            }
        }
        return log
    }
}

/// Robusta's log filtering and masking (Python's `re.findall` and `re.sub`) with ``LinearRegex``:
/// logs are written by whatever runs in the pod. Each search is linear in the text it reads; a
/// search reads past its match only while a preferred alternative may still match (`a.*b|a`).
enum LogText {
    static func regex(_ pattern: String, action: String) throws(ActionError) -> LinearRegex {
        do {
            return try LinearRegex(pattern)
        } catch {
            throw ActionError(.failed, action: action, message: "invalid regular expression \(quoted: pattern)")
        }
    }

    /// What `re.findall` returns: each match, or its first group when the pattern has groups.
    static func matches(of pattern: String, in text: String, action: String) throws(ActionError) -> [String] {
        let expression = try regex(pattern, action: action)
        let scalars = Array(text.unicodeScalars)
        return expression.allMatches(in: scalars).map { match in
            let range = expression.groupCount > 0 ? match.range(of: 1) : match.range
            return range.map { String(String.UnicodeScalarView(scalars[$0])) } ?? ""
        }
    }

    /// Every match replaced by `[NAME]` (`named`) or by as many `*` as it has characters.
    static func mask(_ pattern: NamedRegexPattern, in text: String, named: Bool, action: String) throws(ActionError) -> String {
        let expression = try regex(pattern.regex, action: action)
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var last = 0
        for match in expression.allMatches(in: scalars) {
            result.append(contentsOf: scalars[last..<match.range.lowerBound])
            if named {
                result.append(contentsOf: "[\(pattern.name.uppercased())]".unicodeScalars)
            } else {
                result.append(contentsOf: repeatElement("*", count: match.range.count))
            }
            last = match.range.upperBound
        }
        result.append(contentsOf: scalars[last...])
        return String(result)
    }
}
