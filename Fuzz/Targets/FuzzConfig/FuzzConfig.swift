import Foundation
import FuzzSupport
import Triggerfish

// A config file, through what `triggerfish validate` and `serve`'s (re)load do with it: the text
// check of `TextFiles.readText`, the YAML layer and `ConfigValidator` against the bundled schema
// (`PlaybookConfig.load` runs the validator and converts what it accepts for running), and the
// diagnostics as they are printed.

private let schema = PlaybookConfig.builtinSchema

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // `TextFiles.readText` refuses what is not UTF-8 before any YAML is read.
    guard let text = String(bytes: bytes(data, size), encoding: .utf8) else { return 0 }
    let output = ConfigValidator(schema: schema).validate(text: text, file: "fuzz.yaml")
    for diagnostic in output.diagnostics { _ = diagnostic.description }
    do {
        let config = try PlaybookConfig.load(text: text, file: "fuzz.yaml", schema: schema)
        require(!output.hasErrors, "load accepted a config the validator rejects")
        for warning in config.warnings { _ = warning.description }
    } catch {
        require(
            output.hasErrors || output.config == nil,
            "load rejected a config the validator accepts: \(error.diagnostics.map(\.description))")
    }
    return 0
}

@main
enum Main {
    static func main() { runLibFuzzer(fuzzConfig) }
}
