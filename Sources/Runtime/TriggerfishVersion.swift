/// The version of this Triggerfish checkout, as `triggerfish --version` prints it.
///
/// Releases are tagged `MAJOR.MINOR.PATCH` (semantic versioning, no `v` prefix, as SwiftPM
/// expects); between releases the version carries `-dev`. CHANGELOG.md lists what each changed.
public enum TriggerfishVersion {
    public static let current = "0.1.0-dev"
}
