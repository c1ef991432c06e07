import Synchronization

/// An alert's labels as the engine holds them: the pairs as decoded, in body order, or the map
/// they were set to. Compared and hashed as the map.
///
/// Before a playbook runs, the engine reads a dozen labels of every alert by name (its name, the
/// trigger filters' pod, namespace and instance, the objects it names) and never the whole map.
/// A decoded alert has about ten labels whose names are short: comparing such a name with each
/// key costs a fraction of hashing it, and building the map hashed every key once more. So
/// ``subscript(_:)`` scans the pairs, and the map is built at the first read of ``map`` and kept.
struct AlertLabels: Sendable, Hashable {
    enum Storage: Sendable {
        case pairs(Pairs)
        case map([String: String])
    }

    /// Decoded pairs and, once something has read it, their map. A class, so the map built by
    /// one reader is there for the next (an alert's event is shared by the playbooks it fires).
    final class Pairs: Sendable {
        /// In body order; a repeated key keeps its last value, as the map does.
        let pairs: [(key: String, value: String)]
        private let built = Mutex<[String: String]?>(nil)

        init(_ pairs: [(key: String, value: String)]) { self.pairs = pairs }

        var map: [String: String] {
            if let map = built.withLock({ $0 }) { return map }
            // Built outside the lock; two readers at once may both build it, and either result is the same.
            var map: [String: String] = [:]
            map.reserveCapacity(pairs.count)
            for (key, value) in pairs { map[key] = value }
            built.withLock { $0 = map }
            return map
        }
    }

    var storage: Storage

    init(_ map: [String: String]) { storage = .map(map) }

    /// Decoded pairs, in body order.
    init(pairs: [(key: String, value: String)]) { storage = .pairs(Pairs(pairs)) }

    /// The value of label `key`.
    subscript(_ key: String) -> String? {
        switch storage {
        case .map(let map): return map[key]
        case .pairs(let pairs):
            // From the end: the last of repeated keys is the one the map keeps. Compared as the
            // map compares them (canonical equivalence), so not by length first: "K" and the
            // Kelvin sign are the same key in a different number of bytes.
            for pair in pairs.pairs.reversed() where pair.key == key { return pair.value }
            return nil
        }
    }

    /// The labels as a map; built once from decoded pairs.
    var map: [String: String] {
        switch storage {
        case .map(let map): map
        case .pairs(let pairs): pairs.map
        }
    }

    static func == (left: AlertLabels, right: AlertLabels) -> Bool { left.map == right.map }

    func hash(into hasher: inout Hasher) { hasher.combine(map) }
}
