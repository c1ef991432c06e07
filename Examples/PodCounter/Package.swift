// swift-tools-version:6.1
import PackageDescription

// A consumer of Triggerfish: its own actions (actions.yaml + Actions.swift) and playbooks
// (playbooks.yaml), checked by the TriggerfishPlugin at `swift build`.
let package = Package(
    name: "PodCounter",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Triggerfish", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "PodCounter",
            dependencies: [.product(name: "Triggerfish", package: "Triggerfish")],
            plugins: [.plugin(name: "TriggerfishPlugin", package: "Triggerfish")]
        )
    ]
)
