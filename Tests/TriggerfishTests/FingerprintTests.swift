import Foundation
import Testing

@testable import Triggerfish

/// The hand-written SHA-256 against FIPS 180-4's examples and NIST's test vectors, and values
/// `sha256sum` gives for messages around the padding boundaries.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func nistVectors(message: String, digest: String) {
        #expect(SHA256.hex(message) == digest)
    }

    @Test func oneMillionAs() {
        #expect(
            SHA256.hex(repeatElement(UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// 55 bytes pad into one block, 56 and 64 into two; a multi-byte UTF-8 text hashes its bytes.
    @Test(arguments: [
        (String(repeating: "x", count: 55), "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"),
        (String(repeating: "x", count: 56), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"),
        (String(repeating: "x", count: 64), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"),
        ("Triggerfish ✓ ünïcode", "efeac2417f485e0fb8b0ec9f60e6708ddc7ff0750f56dd6d4a47b9df66e7db29"),
    ])
    func paddingBoundariesAndUTF8(message: String, digest: String) {
        #expect(SHA256.hex(message) == digest)
    }

    @Test func updatingInPiecesIsHashingTheWhole() {
        var hash = SHA256()
        hash.update("abcdbcdecdefdefgefghfghighij".utf8)
        hash.update("hijkijkljklmklmnlmnomnopnopq".utf8)
        let hex = hash.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

/// Findings' default fingerprints are Robusta's (robusta-actions.md A.3).
@Suite struct FingerprintTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    /// (run) in A.3: the babysitter's finding for deployment prod/web.
    @Test func babysitterFindingForADeploymentHasRobustasFingerprint() async throws {
        let context = ActionContext()
        let web = KubernetesObject.fixture("Deployment", "web", namespace: "prod", ["spec": ["replicas": 1]])
        let event = DeploymentChangeEventInstance(
            change: KubernetesChange(operation: .create, kind: "Deployment", object: web, oldObject: nil))
        try await actions["resource_babysitter"]!.run(event, parameters: nil, context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.fingerprint.hasPrefix("97424634b2c2"))
        #expect(finding.fingerprint == "97424634b2c250d0e2e9c4d5598e670619e42e75b0e2f2a61acf3c7b7eef0a61")
    }

    /// The parts as Python writes them: the subject type as its enum member, `None` for what is
    /// missing, the source `none` as `None`, and no comma before the aggregation key.
    @Test(arguments: [
        (
            FindingSubject(kind: "Pod", name: "web-1", namespace: "prod", node: "node-1"), "kubernetes_api_server", "CrashLoop",
            "FindingSubjectType.TYPE_POD,web-1,prod,node-1,kubernetes_api_serverCrashLoop"
        ),
        (
            FindingSubject(kind: "Node", name: "n1", node: "n1"), "prometheus", "NodeDown",
            "FindingSubjectType.TYPE_NODE,n1,None,n1,prometheusNodeDown"
        ),
        (FindingSubject(name: "Unresolved"), "none", "k", "FindingSubjectType.TYPE_NONE,Unresolved,None,None,Nonek"),
        (
            FindingSubject(), "scheduler", "GeneralScheduledTask",
            "FindingSubjectType.TYPE_NONE,None,None,None,schedulerGeneralScheduledTask"
        ),
        (
            FindingSubject(kind: "Ingress", name: "site", namespace: "prod"), "kubernetes_api_server", "k",
            "FindingSubjectType.TYPE_NONE,site,prod,None,kubernetes_api_serverk"
        ),
        (
            FindingSubject(kind: "HorizontalPodAutoscaler", name: "h", namespace: "prod"), "prometheus", "k",
            "FindingSubjectType.TYPE_HPA,h,prod,None,prometheusk"
        ),
    ])
    func fingerprintHashesPythonRenderings(subject: FindingSubject, source: String, key: String, hashed: String) {
        #expect(Finding.defaultFingerprint(subject: subject, source: source, aggregationKey: key) == SHA256.hex(hashed))
        #expect(Finding(title: "t", aggregationKey: key, source: source, subject: subject).fingerprint == SHA256.hex(hashed))
    }

    @Test(arguments: [
        ("Deployment", "TYPE_DEPLOYMENT"), ("node", "TYPE_NODE"), ("Pod", "TYPE_POD"), ("Job", "TYPE_JOB"), ("DaemonSet", "TYPE_DAEMONSET"),
        ("StatefulSet", "TYPE_STATEFULSET"), ("HorizontalPodAutoscaler", "TYPE_HPA"), ("helmreleases", "TYPE_HELM_RELEASES"),
        ("ReplicaSet", "TYPE_NONE"), ("Service", "TYPE_NONE"),
    ])
    func subjectTypesAreRobustasFromKind(kind: String, member: String) {
        #expect(Finding.subjectTypeName(kind: kind) == "FindingSubjectType." + member)
    }

    /// create_finding's finding is about the event's subject from its source; customise_finding
    /// changing the key later keeps the fingerprint computed when it was made (A.3).
    @Test func customisingTheKeyDoesNotRecomputeTheFingerprint() async throws {
        let context = ActionContext()
        let event = PodChangeEventInstance(
            change: KubernetesChange(operation: .update, kind: "Pod", object: pod("web-1", namespace: "prod"), oldObject: nil))
        try await actions["create_finding"]!.run(event, parameters: ["title": "t", "aggregation_key": "PodChanged"], context: context)
        let created = SHA256.hex("FindingSubjectType.TYPE_POD,web-1,prod,node-1,kubernetes_api_serverPodChanged")
        #expect(context.findings.map(\.fingerprint) == [created])
        try await actions["customise_finding"]!.run(event, parameters: ["aggregation_key": "Renamed"], context: context)
        #expect(context.findings.map(\.aggregationKey) == ["Renamed"])
        #expect(context.findings.map(\.fingerprint) == [created])
    }
}
