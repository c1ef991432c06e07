import Hummingbird
import Triggerfish

extension Runner {
    /// `/api/trigger`: runs an action by hand (Robusta's manual trigger).
    func trigger(_ request: Request) async -> Response {
        metrics.receive(.trigger)
        if let refusal = refuseWhileDraining(.trigger) { return refusal }
        if let refusal = authenticate(request, endpoint: .trigger) { return refusal }
        return Self.failure(.notImplemented, "TEMPORARY")
    }
}
