import Foundation
import PackagePlugin

/// Runs the Triggerfish generator before a target compiles.
///
/// - On the `Triggerfish` target of the package that vends this plugin: generates the event,
///   trigger, action and compatibility Swift from `schema/`.
/// - On any other target: validates its playbooks (`playbooks.yaml`, `*.playbooks.yaml`) against
///   the schema and its own actions (`actions.yaml`, `*.actions.yaml`), failing the build with
///   `path:line:column: error:` diagnostics, and generates `GeneratedPlaybooks.swift`. Other YAML
///   files of the target (a misnamed `my-playbooks.yaml`), and a target without playbooks, get a warning.
@main
struct TriggerfishPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        guard let vendor = Self.vendorPackage(from: context.package) else {
            throw PluginFailure("cannot find the Triggerfish package (with its schema/) among the package's dependencies")
        }
        let schemaDirectory = vendor.directoryURL.appending(path: "schema")
        let schemaFiles = try FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
            .map { schemaDirectory.appending(path: $0) }
        let tool = try context.tool(named: "TriggerfishGenerateTool")
        let output = context.pluginWorkDirectoryURL

        if vendor.id == context.package.id && target.name == "Triggerfish" {
            let names = [
                "GeneratedEvents.swift", "GeneratedTriggers.swift", "GeneratedActions.swift", "GeneratedTypes.swift",
                "GeneratedSchemaSource.swift",
            ]
            return [
                .buildCommand(
                    displayName: "Generating Triggerfish types from schema/",
                    executable: tool.url,
                    arguments: ["runtime", "--schema", schemaDirectory.path, "--output", output.path],
                    inputFiles: schemaFiles,
                    outputFiles: names.map { output.appending(path: $0) })
            ]
        }

        let files = target.sourceFiles.map(\.url)
        let playbooks = files.filter { Self.isPlaybookFile($0.lastPathComponent) }.sorted { $0.path < $1.path }
        let actions = files.filter { Self.isActionsFile($0.lastPathComponent) }.sorted { $0.path < $1.path }
        // Other YAML files: the generator warns about each, and as inputs of its command they are
        // warned about again whenever they change (a user fixing a file the build never reads).
        // Declared resources are left alone, as the user chose them.
        let unchecked = target.sourceFiles.filter { file in
            let name = file.url.lastPathComponent
            return file.type != .resource && (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && !Self.isPlaybookFile(name)
                && !Self.isActionsFile(name)
        }.map(\.url).sorted { $0.path < $1.path }
        if playbooks.isEmpty { Self.warnAboutMissingPlaybooks(of: target) }
        var arguments = ["consumer", "--schema", schemaDirectory.path, "--output", output.appending(path: "GeneratedPlaybooks.swift").path]
        for file in actions { arguments += ["--actions", file.path] }
        for file in playbooks { arguments += ["--playbooks", file.path] }
        for file in unchecked { arguments += ["--unchecked", file.path] }
        return [
            .buildCommand(
                displayName: "Checking playbooks of \(target.name)",
                executable: tool.url,
                arguments: arguments,
                inputFiles: schemaFiles + actions + playbooks + unchecked,
                outputFiles: [output.appending(path: "GeneratedPlaybooks.swift")])
        ]
    }

    /// A target with no playbooks: `EmbeddedPlaybooks` is empty, and a misnamed playbooks file would
    /// go unnoticed. A target that loads its configs at run time says so with an empty `playbooks.yaml`.
    ///
    /// SwiftPM (6.3) shows a plugin's diagnostics when it runs the plugin, which is when it plans the
    /// build: the first build, and builds after files of the package are added, removed or renamed or
    /// a manifest changes. Its command line prints them as `warning: message`, without the file, so
    /// the message names the folder.
    static func warnAboutMissingPlaybooks(of target: SourceModuleTarget) {
        Diagnostics.warning(
            "target '\(target.name)' applies TriggerfishPlugin but has no playbooks to check: put them in 'playbooks.yaml' or "
                + "'*.playbooks.yaml' (or .yml) in \(target.directoryURL.path); until then EmbeddedPlaybooks has none "
                + "(a target that loads its playbooks at run time can have an empty 'playbooks.yaml')")
    }

    static func isPlaybookFile(_ name: String) -> Bool {
        name == "playbooks.yaml" || name.hasSuffix(".playbooks.yaml") || name == "playbooks.yml" || name.hasSuffix(".playbooks.yml")
    }

    static func isActionsFile(_ name: String) -> Bool {
        name == "actions.yaml" || name.hasSuffix(".actions.yaml") || name == "actions.yml" || name.hasSuffix(".actions.yml")
    }

    /// The package that vends this plugin: it has the generator tool and a `schema/` folder.
    static func vendorPackage(from root: Package) -> Package? {
        var queue = [root]
        var seen: Set<String> = []
        while !queue.isEmpty {
            let package = queue.removeFirst()
            guard seen.insert(package.id).inserted else { continue }
            if package.products.contains(where: { $0.name == "TriggerfishGenerateTool" }),
                FileManager.default.fileExists(atPath: package.directoryURL.appending(path: "schema").path)
            {
                return package
            }
            queue += package.dependencies.map(\.package)
        }
        return nil
    }
}

struct PluginFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
