import Foundation
import Triggerfish

extension JSONValue {
    /// The value of what `JSONSerialization` parsed, to compare the two parsers; `nil` for what
    /// JSON has no value for.
    public init?(foundation any: Any) {
        switch any {
        case is NSNull: self = .null
        case let string as String: self = .string(string)
        case let array as [Any]:
            let items = array.compactMap(JSONValue.init(foundation:))
            guard items.count == array.count else { return nil }
            self = .array(items)
        case let object as [String: Any]:
            let members = object.compactMapValues(JSONValue.init(foundation:))
            guard members.count == object.count else { return nil }
            self = .object(members)
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c": self = .bool(number.boolValue)
            case "d", "f": self = .double(number.doubleValue)
            // An integer beyond Int64 that fits UInt64: a double, as JSONValue parses it.
            case "Q" where number.uint64Value > UInt64(Int64.max): self = .double(Double(number.uint64Value))
            default: self = .int(number.intValue)
            }
        default: return nil
        }
    }
}
