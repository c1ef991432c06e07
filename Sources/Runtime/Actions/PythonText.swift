/// Values as Python's `str()` writes them, for the actions whose output Robusta builds that way.
enum PythonText {
    /// A string as Python's `repr()` writes it: in single quotes, or double quotes when it holds
    /// a single quote and no double quote; backslashes, that quote and control characters escaped.
    static func repr(_ text: String) -> String {
        let quote: Unicode.Scalar = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var output = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case quote: output += "\\" + String(quote)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + String(quote)
    }

    /// A dict of strings as Python's `str()` writes it: `{'app': 'web', 'tier': 'db'}`, `{}` when
    /// empty. Python keeps the keys in the order they were added (the object's); Triggerfish's
    /// maps have no order, so the keys are sorted.
    static func dict(_ pairs: [String: String]) -> String {
        "{" + pairs.sorted { $0.key < $1.key }.map { "\(repr($0.key)): \(repr($0.value))" }.joined(separator: ", ") + "}"
    }
}
