import ArgumentParser
import Foundation
import Triggerfish
import _TriggerfishCore
import _TriggerfishFileIO

/// `triggerfish rbac --config FILE`: the ClusterRole and Role a config needs, from schema/permissions.yaml.
struct Rbac: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the RBAC ClusterRole and Role a playbook config needs to run in a cluster.",
        discussion: """
            Derives, from schema/permissions.yaml, exactly the Kubernetes API permissions of the config's triggers \
            (get, list and watch on the kinds they fire for; get on the objects alerts name), of its actions (as their \
            parameters use the API) and of the runner (a Lease for leader election; a ConfigMap for the schedule \
            state when a playbook runs on a schedule), and prints them as a ClusterRole and a Role in the runner's \
            namespace: no wildcard, rules merged and sorted. A config with errors prints them and exits 1. \
            See docs/deploy.md.
            """)

    @Option(help: "The playbook config (runner config, Helm values or a list of playbooks).")
    var config = Replay.bundledConfig

    @Option(name: .customLong("actions"), help: "A file declaring custom actions (actions.yaml format); repeatable.")
    var actionFiles: [String] = []

    @Option(
        name: .customLong("manual-action"),
        help: "An action you will run by manual trigger (/api/trigger, triggerfish trigger); repeatable.")
    var manualActions: [String] = []

    @Option(help: "The name of the ClusterRole and Role.")
    var name = "triggerfish"

    @Option(help: "The namespace the runner runs in (the Role's).")
    var namespace = "triggerfish"

    func validate() throws {
        guard Self.isDNSSubdomain(name) else {
            throw ValidationError("--name must be a lower-case DNS name (a-z, 0-9, '-' and '.', at most 253 characters); got '\(name)'")
        }
        guard Self.isDNSLabel(namespace) else {
            throw ValidationError(
                "--namespace must be a lower-case DNS label (a-z, 0-9 and '-', at most 63 characters); got '\(namespace)'")
        }
    }

    func run() throws {
        CLILogging.bootstrap()
        let loaded: PlaybookConfig
        do throws(ConfigLoadError) {
            do throws(FileReadError) {
                try Replay.checkBundled(config, option: "--config")
            } catch {
                throw ConfigLoadError(error)
            }
            let schema = try PlaybookConfig.schema(addingActionFiles: actionFiles)
            loaded = try PlaybookConfig.load(path: config, schema: schema, customActionsHint: customActionsHint)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        for warning in loaded.warnings { printError(warning.description) }
        let permissions: RequiredPermissions
        do throws(RequiredPermissions.UnknownAction) {
            permissions = try RequiredPermissions(config: loaded, manualActions: manualActions)
        } catch {
            printError("error: --manual-action: \(error.description)")
            throw ExitCode(1)
        }
        var source = "triggerfish rbac --config \(config)"
        for file in actionFiles { source += " --actions \(file)" }
        for action in manualActions { source += " --manual-action \(action)" }
        if name != "triggerfish" { source += " --name \(name)" }
        if namespace != "triggerfish" { source += " --namespace \(namespace)" }
        StandardOutput.write(permissions.yaml(name: name, namespace: namespace, source: source))
    }

    /// A DNS-1123 label: what a namespace name must be.
    static func isDNSLabel(_ text: String) -> Bool {
        (1...63).contains(text.count) && text.first.map(isLowerAlphanumeric) == true && text.last.map(isLowerAlphanumeric) == true
            && text.allSatisfy { isLowerAlphanumeric($0) || $0 == "-" }
    }

    /// A DNS-1123 subdomain: what the name of a Role or ClusterRole must be.
    static func isDNSSubdomain(_ text: String) -> Bool {
        text.count <= 253 && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    static func isLowerAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isLowercase || character.isNumber)
    }
}
