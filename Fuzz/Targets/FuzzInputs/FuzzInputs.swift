import FuzzSupport
import Triggerfish

// A request body of `/api/handle` (kubewatch) or `/api/alerts` (Alertmanager), or a line of a
// `replay` recording: `InputDecoder.decode`, which checks the whole text in one loop (the JSON
// parser's non-building mode explains a refusal) and reads only what it needs on demand. Compared
// with the building mode:
//
// - `JSONValue.parse` (building) and the decoder's check accept the same texts and reject the
//   others with the same error (same offset, same message);
// - what the decoder reads on demand equals what the public decoders give for the built value,
//   errors included, and an object's lazily read fields equal the built object's; an Alertmanager
//   body is read in one pass when it is well formed and member by member otherwise, and both
//   must give what the built value decodes to;
// - a built value survives `serialized()` and a second parse unchanged.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInputs(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(bytes(data, size))
    let built: Result<JSONValue, JSONParseError> = Result { () throws(JSONParseError) in try JSONValue.parse(input) }
    let decoded: Result<RecordedInput, InputError> = Result { () throws(InputError) in try InputDecoder.decode(input) }
    switch (built, decoded) {
    case (.failure(let parseError), .success):
        fatalError("fuzz invariant: the decoder accepts a text JSONValue.parse rejects (\(parseError))")
    case (.failure(let parseError), .failure(let inputError)):
        require(
            inputError.message == parseError.description,
            "the two parser modes reject differently: \(parseError.description.debugDescription) vs \(inputError.message.debugDescription)")
    case (.success(let value), _):
        require(
            (try? JSONValue.parse(value.serialized())) == value, "a value changes through serialized() and parse: \(value.serialized())")
        compare(decoded, with: value)
    }
    return 0
}

/// The decoder's on-demand reading against the public decoders of built values.
private func compare(_ decoded: Result<RecordedInput, InputError>, with value: JSONValue) {
    guard let members = value.objectValue else {
        if case .success = decoded { fatalError("fuzz invariant: a value that is not an object decodes") }
        return
    }
    if members["data"] != nil {
        let reference = Result { () throws(InputError) in try InputDecoder.decodeKubewatch(value) }
        switch (decoded, reference) {
        case (.success(.kubernetes(let lazy)), .success(let change)):
            require(lazy.operation == change.operation && lazy.kind == change.kind, "operation or kind differ")
            require(lazy.apiVersion == change.apiVersion, "apiVersion differs")
            compare(lazy.object, change.object)
            require((lazy.oldObject == nil) == (change.oldObject == nil), "oldObject differs")
            if let old = lazy.oldObject, let reference = change.oldObject { compare(old, reference) }
        case (.failure(let error), .failure(let referenceError)):
            require(
                error.message == "kubewatch CloudEvent: \(referenceError.message)",
                "kubewatch errors differ: \(error.message.debugDescription) vs \(referenceError.message.debugDescription)")
        default:
            fatalError("fuzz invariant: on-demand and built kubewatch decoding disagree: \(decoded) vs \(reference)")
        }
    } else if members["alerts"] != nil || members["receiver"] != nil {
        let reference = Result { () throws(InputError) in try InputDecoder.decodeAlertmanager(value) }
        switch (decoded, reference) {
        case (.success(.alerts(let lazy)), .success(let webhook)):
            require(lazy == webhook, "on-demand and built Alertmanager decoding differ")
        case (.failure(let error), .failure(let referenceError)):
            require(
                error.message == "Alertmanager webhook: \(referenceError.message)",
                "Alertmanager errors differ: \(error.message.debugDescription) vs \(referenceError.message.debugDescription)")
        default:
            fatalError("fuzz invariant: on-demand and built Alertmanager decoding disagree: \(decoded) vs \(reference)")
        }
    } else if case .success = decoded {
        fatalError("fuzz invariant: an object with neither 'data', 'alerts' nor 'receiver' decodes")
    }
}

/// An object read on demand against the same object built.
private func compare(_ lazy: KubernetesObject, _ built: KubernetesObject) {
    let reference = KubernetesObject(json: built.json)
    require(lazy.kind == reference.kind && lazy.apiVersion == reference.apiVersion, "kind or apiVersion differ")
    require(lazy.name == reference.name && lazy.namespace == reference.namespace, "name or namespace differ")
    require(lazy.labels == reference.labels && lazy.annotations == reference.annotations, "labels or annotations differ")
    require(lazy == reference && lazy.detached() == reference, "the objects differ")
    require(FindingSubject(lazy) == FindingSubject(reference), "finding subjects differ")
}

@main
enum Main {
    static func main() { runLibFuzzer(fuzzInputs) }
}
