import Foundation
import Testing
import TriggerfishTesting

@testable import Triggerfish

/// An action that writes the time its context gives it.
enum ReadClockAction: ActionDefinition {
    static let name = "read_clock"
    static let eventName = "ExecutionBaseEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any ExecutionBaseEvent.Type }

    struct Parameters: ActionParameters {
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {}
    }
}

/// Actions read the engine's clock (`PlaybookEngine.Options.now`) through their context, so
/// "less than 15 minutes ago" follows the clock a test moves.
@Suite struct ActionClockTests {
    @Test func actionsSeeTheEnginesClock() async throws {
        let clock = ManualDate(Date(timeIntervalSince1970: 1_704_103_200))
        let engine = try PlaybookHarness.engine(
            """
            active_playbooks:
              - triggers: [{on_pod_all_changes: {}}]
                actions: [{read_clock: {}}]
            """,
            actionDeclarations: """
                actions:
                  read_clock:
                    doc: "Logs the time its context gives."
                    event: ExecutionBaseEvent
                """,
            registrations: [
                ActionRegistration(ReadClockAction.self) { _, _, context in context.log(RFC3339.format(context.now())) }
            ],
            clock: clock)
        let first = await engine.handle(update(object("Pod", "web-1"), object("Pod", "web-1")))
        clock.advance(900)
        let second = await engine.handle(update(object("Pod", "web-1"), object("Pod", "web-1")))
        #expect(first.logs + second.logs == ["2024-01-01T10:00:00Z", "2024-01-01T10:15:00Z"])
    }
}
