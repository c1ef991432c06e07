import Foundation

/// A container's CPU and memory requests or limits, read as Robusta's job_info_enricher reads
/// them: CPU in cores (`500m` is 0.5, rounded to thousandths), memory in whole MiB.
struct ContainerResources {
    var cpu: Double
    var memoryMB: Int

    init(_ resources: JSONValue?) {
        cpu = Self.cores(resources?["cpu"])
        memoryMB = Self.bytes(resources?["memory"]) / (1024 * 1024)
    }

    static func quantity(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .int(let number)?: String(number)
        case .double(let number)?: String(number)
        default: nil
        }
    }

    static func cores(_ value: JSONValue?) -> Double {
        guard let text = quantity(value), !text.isEmpty else { return 0 }
        let milli = text.contains("m")
        // Robusta's parse_cpu also reads a `k` suffix as thousands of cores.
        let kilo = !milli && text.hasSuffix("k")
        let digits = kilo ? String(text.dropLast()) : text.replacingOccurrences(of: "m", with: "")
        guard let number = Double(digits.trimmingCharacters(in: .whitespaces)) else { return 0 }
        return ((milli ? number / 1000 : kilo ? number * 1000 : number) * 1000).rounded() / 1000
    }

    static let factors: [(String, Int)] = [
        ("Ki", 1 << 10), ("k", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40), ("Pi", 1 << 50), ("Ei", 1 << 60), ("K", 1_000),
        ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000), ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ]

    static func bytes(_ value: JSONValue?) -> Int {
        guard let text = quantity(value), !text.isEmpty else { return 0 }
        for (suffix, factor) in factors where text.hasSuffix(suffix) {
            guard let number = Int(text.dropLast(suffix.count)) else { return 0 }
            let (product, overflow) = number.multipliedReportingOverflow(by: factor)
            return overflow ? 0 : product
        }
        return Int(text) ?? 0
    }

    /// `request/limit`, each `None` when not set (or zero), as Robusta prints them.
    static func pair<T: Numeric>(_ request: T, _ limit: T) -> String {
        "\(request == 0 ? "None" : "\(request)")/\(limit == 0 ? "None" : "\(limit)")"
    }
}
