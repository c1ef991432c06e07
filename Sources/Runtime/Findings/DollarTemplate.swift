/// `$` templates, the one engine behind Robusta's finding templates (``FindingTemplate``), its
/// Python-style templated parameters and `finding_label_rules` replacements: `$name` and `${name}` are replaced by the name's value
/// (`<missing>` when it has none), `$$` is a literal `$`, and a `$` that starts no placeholder is
/// kept as it is (as Python's `safe_substitute` does: a `${` not closed right after a name is
/// text, and substitution goes on). The dialects differ only in what a name is:
///
/// - ``Dialect/python(dottedNames:)``, Python's `string.Template.safe_substitute`: a name is an
///   ASCII identifier (`[_A-Za-z][_A-Za-z0-9]*`; with `dottedNames`, `.` may follow the first
///   character too, as in Robusta's extended templates where `${labels.app}` is one name), braced
///   or not. A `${` not closed right after a name is kept as text, and substitution goes on.
/// - ``Dialect/eventTemplate``, Robusta's finding templates (`format_event_templated_string`, as
///   robusta-actions.md A.7 records it): a bare name as the Python dialect's with dotted names
///   (so `$name.` is the name `name.` and `$annotations.x` the key `annotations.x`), and a braced
///   one may also hold `/` and `-` (`${labels.app.kubernetes.io/name}`).
/// - ``Dialect/groupNumbers``, regex replacements: a name is a group number (ASCII digits),
///   braced or not; otherwise as the Python dialect.
enum DollarTemplate {
    enum Dialect: Sendable {
        case python(dottedNames: Bool)
        case eventTemplate
        case groupNumbers

        /// The end of the name a bare `$name` holds from `start`, `nil` when none starts there.
        func nameEnd(in characters: [Character], from start: Int) -> Int? {
            switch self {
            case .eventTemplate:
                return Self.python(dottedNames: true).nameEnd(in: characters, from: start)
            case .python(let dotted):
                guard start < characters.count, Self.isIdentifierStart(characters[start]) else { return nil }
                var end = start + 1
                while end < characters.count, Self.isIdentifierPart(characters[end]) || (dotted && characters[end] == ".") { end += 1 }
                return end
            case .groupNumbers:
                var end = start
                while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
                return end > start ? end : nil
            }
        }

        /// The key of the `${...}` whose key starts at `start`, and the position of its closing
        /// `}`; `nil` when it is no placeholder (the `$` is then kept as text).
        func braced(in characters: [Character], from start: Int) -> (key: String, close: Int)? {
            switch self {
            case .python, .groupNumbers:
                guard let end = nameEnd(in: characters, from: start), end < characters.count, characters[end] == "}" else { return nil }
                return (String(characters[start..<end]), end)
            case .eventTemplate:
                guard start < characters.count, Self.isIdentifierStart(characters[start]) else { return nil }
                var end = start + 1
                while end < characters.count, Self.isIdentifierPart(characters[end]) || ".-/".contains(characters[end]) { end += 1 }
                guard end < characters.count, characters[end] == "}" else { return nil }
                return (String(characters[start..<end]), end)
            }
        }

        static func isIdentifierStart(_ character: Character) -> Bool {
            character == "_" || (character.isASCII && character.isLetter)
        }

        static func isIdentifierPart(_ character: Character) -> Bool {
            isIdentifierStart(character) || (character.isASCII && character.isNumber)
        }
    }

    /// The template with its placeholders replaced by `value(name)`.
    static func substitute(_ template: String, dialect: Dialect, value: (String) -> String?) -> String {
        let characters = Array(template)
        var output = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "$", index + 1 < characters.count else {
                output.append(character)
                index += 1
                continue
            }
            if characters[index + 1] == "$" {
                output.append("$")
                index += 2
                continue
            }
            if characters[index + 1] == "{", let (key, close) = dialect.braced(in: characters, from: index + 2) {
                output += value(key) ?? "<missing>"
                index = close + 1
                continue
            }
            if let end = dialect.nameEnd(in: characters, from: index + 1) {
                output += value(String(characters[(index + 1)..<end])) ?? "<missing>"
                index = end
            } else {
                output.append("$")
                index += 1
            }
        }
        return output
    }
}
