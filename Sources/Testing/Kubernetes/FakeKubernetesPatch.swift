import Triggerfish

/// The patch formats the fake API server applies.
enum FakeKubernetesPatch {
    /// RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything else
    /// (lists included) replaces.
    static func merge(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = merge(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }

    /// Kubernetes' strategic merge patch, good enough for tests rather than complete: objects merge
    /// as in a JSON merge patch; a list whose items are all objects with a `name` (containers,
    /// env, volumes, ports...) merges item by item on `name` (items not in the patch stay, in their
    /// place; new ones are appended); an item `{"name": ..., "$patch": "delete"}` removes that item;
    /// `"$patch": "replace"` in an object replaces it whole; other lists (and those of items
    /// without `name`, such as tolerations) are replaced, as are lists whose real merge key is not
    /// `name` (`containerPort`, `ip`, `type` for conditions: not modelled). `$retainKeys`,
    /// `$setElementOrder` and `$deleteFromPrimitiveList` directives are dropped without effect.
    static func strategicMerge(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        switch patch {
        case .object(var patchMembers):
            if patchMembers["$patch"]?.stringValue == "replace" {
                patchMembers["$patch"] = nil
                return .object(patchMembers.filter { !$0.key.hasPrefix("$") })
            }
            var result = target.objectValue ?? [:]
            for (key, value) in patchMembers {
                if key.hasPrefix("$") { continue }
                if value.isNull {
                    result[key] = nil
                } else {
                    result[key] = strategicMerge(result[key] ?? .null, value)
                }
            }
            return .object(result)
        case .array(let items):
            guard case .array(let existing) = target, !items.isEmpty, items.allSatisfy({ $0["name"]?.stringValue != nil }),
                existing.allSatisfy({ $0["name"]?.stringValue != nil })
            else { return .array(items.map { strategicMerge(.null, $0) }) }
            var merged = existing
            for item in items {
                let name = item["name"]?.stringValue
                let index = merged.firstIndex { $0["name"]?.stringValue == name }
                if item["$patch"]?.stringValue == "delete" {
                    if let index { merged.remove(at: index) }
                } else if let index {
                    merged[index] = strategicMerge(merged[index], item)
                } else {
                    merged.append(strategicMerge(.null, item))
                }
            }
            return .array(merged)
        default:
            return patch
        }
    }
}

extension FakeKubernetesPatch {
    /// A failed JSON patch operation.
    struct Failure: Error {
        var message: String
    }

    enum Operation {
        case add(JSONValue)
        case replace(JSONValue)
        case remove
    }

    /// RFC 6902 JSON patch (`application/json-patch+json`): `add`, `remove`, `replace`, `move`,
    /// `copy` and `test` operations on RFC 6901 pointers, applied in order.
    static func json(_ target: JSONValue, _ operations: JSONValue) throws(Failure) -> JSONValue {
        guard case .array(let operations) = operations else { throw Failure(message: "a JSON patch must be a list of operations") }
        var document = target
        for operation in operations {
            let name = operation["op"]?.stringValue ?? ""
            guard let path = operation["path"]?.stringValue else { throw Failure(message: "operation \"\(name)\" has no path") }
            let tokens = try pointer(path)
            switch name {
            case "add":
                document = try apply(document, tokens[...], .add(operation["value"] ?? .null))
            case "replace":
                document = try apply(document, tokens[...], .replace(operation["value"] ?? .null))
            case "remove":
                document = try apply(document, tokens[...], .remove)
            case "test":
                guard value(in: document, at: tokens[...]) == (operation["value"] ?? .null) else {
                    throw Failure(message: "testing value \(path) failed")
                }
            case "move", "copy":
                guard let from = operation["from"]?.stringValue, let moved = value(in: document, at: try pointer(from)[...]) else {
                    throw Failure(
                        message: "\(name) operation does not apply: doc is missing from path: \(operation["from"]?.stringValue ?? "")")
                }
                if name == "move" { document = try apply(document, try pointer(from)[...], .remove) }
                document = try apply(document, tokens[...], .add(moved))
            default:
                throw Failure(message: "Unexpected kind: \(name)")
            }
        }
        return document
    }

    static func pointer(_ path: String) throws(Failure) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw Failure(message: "JSON pointer must be empty or start with a \"/\": \(path)") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func value(in document: JSONValue, at tokens: ArraySlice<String>) -> JSONValue? {
        guard let token = tokens.first else { return document }
        switch document {
        case .object(let members): return members[token].flatMap { value(in: $0, at: tokens.dropFirst()) }
        case .array(let items):
            guard let index = Int(token), items.indices.contains(index) else { return nil }
            return value(in: items[index], at: tokens.dropFirst())
        default: return nil
        }
    }

    static func apply(_ document: JSONValue, _ tokens: ArraySlice<String>, _ operation: Operation) throws(Failure) -> JSONValue {
        let missing = Failure(message: "the path \"/\(tokens.joined(separator: "/"))\" does not exist in the object")
        guard let token = tokens.first else {
            switch operation {
            case .add(let value), .replace(let value): return value
            case .remove: throw missing
            }
        }
        let rest = tokens.dropFirst()
        switch document {
        case .object(var members):
            if rest.isEmpty {
                switch operation {
                case .add(let value): members[token] = value
                case .replace(let value):
                    guard members[token] != nil else { throw missing }
                    members[token] = value
                case .remove:
                    guard members.removeValue(forKey: token) != nil else { throw missing }
                }
            } else {
                guard let child = members[token] else { throw missing }
                members[token] = try apply(child, rest, operation)
            }
            return .object(members)
        case .array(var items):
            if rest.isEmpty, case .add(let value) = operation {
                if token == "-" {
                    items.append(value)
                } else {
                    guard let index = Int(token), (0...items.count).contains(index) else { throw missing }
                    items.insert(value, at: index)
                }
                return .array(items)
            }
            guard let index = Int(token), items.indices.contains(index) else { throw missing }
            if rest.isEmpty {
                switch operation {
                case .add(let value), .replace(let value): items[index] = value
                case .remove: items.remove(at: index)
                }
            } else {
                items[index] = try apply(items[index], rest, operation)
            }
            return .array(items)
        default:
            throw missing
        }
    }
}
