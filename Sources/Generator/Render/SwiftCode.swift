import _TriggerfishCore

/// A small Swift syntax model: what the emitters translate the schema into, and what
/// ``SwiftRenderer`` prints within the project's line length, in the layout `swift format` keeps.
public indirect enum SwiftExpression: Sendable, Equatable {
    /// Code written as is (a name, a number, `nil`, a short call).
    case code(String)
    /// A string literal, escaped.
    case string(String)
    /// A raw multi-line string literal holding `text` exactly.
    case multilineString(String)
    /// `[a, b]`: one element per line when it does not fit.
    case array([SwiftExpression])
    /// `[k: v]` (`[:]` when empty): one entry per line when it does not fit.
    case dictionary([Pair])
    /// `(a, b)`.
    case tuple([SwiftExpression])
    /// `callee(label: value, ...)`: one argument per line when it does not fit.
    case call(String, [Argument])

    public struct Pair: Sendable, Equatable {
        public var key: SwiftExpression
        public var value: SwiftExpression
        public init(_ key: SwiftExpression, _ value: SwiftExpression) {
            self.key = key
            self.value = value
        }
    }

    public struct Argument: Sendable, Equatable {
        public var label: String?
        public var value: SwiftExpression
        public init(_ label: String?, _ value: SwiftExpression) {
            self.label = label
            self.value = value
        }
    }
}

/// A parameter of a function or initializer declaration: `label name: Type = default`.
public struct SwiftParameter: Sendable, Equatable {
    public var name: String
    public var type: String
    public var defaultValue: SwiftExpression?

    public init(_ name: String, _ type: String, default defaultValue: SwiftExpression? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
    }
}

/// A statement of a function body.
public enum SwiftStatement: Sendable, Equatable {
    /// A line of code written as is (it must be short).
    case code(String)
    /// `prefix` followed by an expression that wraps when long (`self.x = try reader.value(...)`).
    case expression(prefix: String, SwiftExpression)
    /// A nested block: the `opening` line (`if x {`, `[`), its statements (indented one level
    /// deeper unless `indented` is false, as a `switch`'s cases), and the `closing` line.
    case block(String, [SwiftStatement], closing: String = "}", indented: Bool = true)
}

/// A declaration: a type with members, a property, a function, a type alias.
public indirect enum SwiftDeclaration: Sendable, Equatable {
    /// `modifiers kind name: inherited { members }` (`kind` is `struct`, `enum`, `protocol`, `extension`).
    case type(doc: String, modifiers: String, kind: String, name: String, inherits: [String], members: [SwiftDeclaration])
    /// `modifiers let|var name: Type = value`.
    case property(doc: String, modifiers: String, keyword: String, name: String, type: String?, value: SwiftExpression?)
    /// `modifiers name(parameters) effects -> result { body }`; `name` includes `func` (or is `init`);
    /// no body for a protocol requirement.
    case function(
        doc: String, modifiers: String, name: String, parameters: [SwiftParameter], effects: String, body: [SwiftStatement]?)
    /// `modifiers var name: Type { body }`, a computed property.
    case computedProperty(doc: String, modifiers: String, name: String, type: String, body: [SwiftStatement])
    /// `modifiers typealias name = type`.
    case typeAlias(doc: String, modifiers: String, name: String, type: String)
    /// `// text`
    case comment(String)
    /// An empty line between members.
    case blank
}

/// A Swift source file: a header comment, imports and declarations, separated by blank lines.
public struct SwiftFile: Sendable {
    public var header: String
    public var imports: [String]
    public var declarations: [SwiftDeclaration]

    public init(header: String, imports: [String] = [], declarations: [SwiftDeclaration]) {
        self.header = header
        self.imports = imports
        self.declarations = declarations
    }
}
