import _TriggerfishCore

/// The filters every Kubernetes trigger takes (Robusta's `K8sBaseTrigger`), taken once per
/// configured trigger from what validation checked and compiled: name and namespace prefixes,
/// the label selector and the scope. Checked in Robusta's order, after the trigger's kind and
/// operation.
struct KubernetesFilters: Sendable {
    var namePrefix: String?
    var namespacePrefix: String?
    var labels: [(key: String, value: String)] = []
    var scope: CompiledScope?
    var changeFilters: ChangeFilters?

    /// - Parameter scope: the trigger's `scope`, as validation compiled it.
    init(parameters: JSONValue, scope: CompiledScope?, path: String) throws(ParameterError) {
        let reader = try ParameterReader(parameters, path: path)
        namePrefix = try reader.optional("name_prefix")
        namespacePrefix = try reader.optional("namespace_prefix")
        // Checked by the validator (`label_selector` type); here only split into pairs.
        if let selector: String = try reader.optional("labels_selector") { labels = LabelSelector.pairs(in: selector) }
        self.scope = scope
        changeFilters = try reader.optional("change_filters")
    }

    /// Whether the object passes the prefixes, the label selector and the scope. A cluster-scoped
    /// object has the namespace "" (so it fails any non-empty namespace prefix); a missing label
    /// counts as "".
    func accepts(_ object: KubernetesObject) -> Bool {
        if let namePrefix, !(object.name ?? "").hasPrefix(namePrefix) { return false }
        if let namespacePrefix, !(object.namespace ?? "").hasPrefix(namespacePrefix) { return false }
        if !labels.isEmpty {
            let objectLabels = object.labels
            for (key, value) in labels where (objectLabels[key] ?? "") != value { return false }
        }
        if let scope, !scope.accepts({ Self.scopeValue($0, of: object) }) { return false }
        return true
    }

    /// What Robusta's scope sees of a Kubernetes object: `name`, `namespace` (absent for a
    /// cluster-scoped object), `labels`, `annotations`, and `attributes` (the raw object).
    static func scopeValue(_ attribute: String, of object: KubernetesObject) -> ScopeValue? {
        switch attribute {
        case "name": object.name.map(ScopeValue.text)
        case "namespace": object.namespace.map(ScopeValue.text)
        case "labels": .pairs(object.labels)
        case "annotations": .pairs(object.annotations)
        case "attributes": .object(object.json)
        default: nil
        }
    }
}

extension ChangeFilters {
    /// Robusta's change filters on one change. Both objects lose the `ignore` paths; for an
    /// update, the differences whose path contains an `include` string (any difference when
    /// `include` is empty) are returned, and `nil` means none remain, so the playbook is skipped.
    /// Creates and deletes always pass, with no differences.
    func filteredDifferences(of change: KubernetesChange) -> [DiffEntry]? {
        guard change.operation == .update else { return [] }
        let ignore = self.ignore ?? []
        let old = change.oldObject.map { $0.json.removing(paths: ignore) }
        let new = change.object.json.removing(paths: ignore)
        let include = self.include ?? []
        let differences = DiffEntry.between(old, new).filter { entry in
            include.isEmpty || include.contains { entry.path.contains($0) }
        }
        return differences.isEmpty ? nil : differences
    }
}

extension JSONValue {
    /// A copy without the values at the given dotted paths (`status`, `metadata.managedFields`,
    /// `spec.containers[0].image`); paths that are not there, or not valid paths, are ignored.
    public func removing(paths: [String]) -> JSONValue {
        var result = self
        for path in paths {
            if let components = JSONPathComponent.parse(path), !components.isEmpty { result.remove(components[...]) }
        }
        return result
    }

    mutating func remove(_ components: ArraySlice<JSONPathComponent>) {
        guard let first = components.first else { return }
        let rest = components.dropFirst()
        switch (self, first) {
        case (.object(var members), .key(let key)):
            guard members[key] != nil else { return }
            self = .null  // drops the second reference, so the members are changed in place
            if rest.isEmpty {
                members[key] = nil
            } else {
                members[key]!.remove(rest)
            }
            self = .object(members)
        case (.array(var items), .index(let index)) where items.indices.contains(index):
            self = .null
            if rest.isEmpty {
                items.remove(at: index)
            } else {
                items[index].remove(rest)
            }
            self = .array(items)
        default:
            return
        }
    }
}
