import Hummingbird
import NIOCore
import Triggerfish

extension Runner {
    /// `/api/trigger`: runs an action by hand, synchronously, and answers with Robusta's body
    /// (`success`, `msg`, `error_code`, `findings`). A body that is not JSON, or not a request
    /// (no `action_name`, an unknown key), is answered 400; every outcome of running it, failures
    /// included, 200 as Robusta answers it.
    func trigger(_ request: Request) async -> Response {
        metrics.receive(.trigger)
        if let refusal = refuseWhileDraining(.trigger) { return refusal }
        if let refusal = authenticate(request, endpoint: .trigger) { return refusal }
        let body: ByteBuffer
        switch await readBody(request, endpoint: .trigger) {
        case .success(let read): body = read
        case .failure(let refusal): return refusal.response
        }
        let manual: ManualTriggerRequest
        do {
            let json = try body.withUnsafeReadableBytes { bytes in try JSONValue.parse(bytes) }
            manual = try ManualTriggerRequest(json: json)
        } catch {
            metrics.reject(.trigger, .badInput)
            return Self.failure(.badRequest, "\(error)")
        }
        let response = await live.withCurrent { generation in await generation.engine.trigger(manual) }
        metrics.accept(.trigger)
        Self.log(response.report, logger: logger)
        return Self.json(.ok, response.jsonValue)
    }
}
