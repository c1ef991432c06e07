import Foundation

/// The repository root, found from this file (`Tests/TestSupport/Fixtures.swift`).
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A folder of fixture files.
public struct FixtureFolder: Sendable {
    public let url: URL

    public init(_ url: URL) {
        self.url = url
    }

    /// The repository's own fixtures (`Tests/Fixtures`): what the tests of a clone run on.
    public static let repository = FixtureFolder(repositoryRoot.appendingPathComponent("Tests/Fixtures"))

    public func url(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func path(_ name: String) -> String { url(name).path }

    public func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8)
    }

    public func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name)))
    }

    /// The names of the files ending in `suffix`, sorted; none when the folder cannot be read.
    /// Callers that iterate over them `#require` them not to be empty.
    public func names(withSuffix suffix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted()
    }
}

/// Robusta's recorded inputs and configs, next to the repository in `../shared/fixtures/robusta`
/// (`README.md` there says where each comes from). A clone has no `../shared`; CI has it.
public enum RobustaFixtures {
    public static let folder = FixtureFolder(
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/robusta"))

    /// Whether the folder is there, so the conformance suite can run.
    public static var isPresent: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// The Kubernetes maintainers' fully populated object of each kind, next to the repository in
/// `../shared/fixtures/kubernetes`. A clone has no `../shared`; CI has it.
public enum KubernetesFixtures {
    public static let folder = FixtureFolder(
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/kubernetes"))

    /// Whether the folder is there; suites that read it are `.enabled(if:)` it, with ``absent`` as
    /// the reason Swift Testing prints when it is not.
    public static var isPresent: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    public static let absent = "../shared/fixtures/kubernetes not found (a clone has none; CI provides it)"
}
