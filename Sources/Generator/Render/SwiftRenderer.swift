import _TriggerfishCore

/// Prints the Swift syntax model as source text within `lineLength` columns, in the layout the
/// project's `swift format` configuration keeps: what fits stays on one line; a call that does not
/// fit takes one argument per line (its `)` after the last), a collection literal one element per
/// line with a trailing comma, a declaration one parameter per line (its `)` on a line of its own);
/// doc comments are wrapped at spaces; a multi-line string is indented with its delimiters, and
/// its long lines are continued with a `\` escape so the string's value does not change.
public struct SwiftRenderer: Sendable {
    public var lineLength: Int
    public var indentUnit = "    "

    public init(lineLength: Int = 140) {
        self.lineLength = lineLength
    }

    // MARK: Files and declarations

    public func render(_ file: SwiftFile) -> String {
        var lines: [String] = []
        if !file.header.isEmpty { lines += file.header.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        if !file.imports.isEmpty {
            if !lines.isEmpty { lines.append("") }
            lines += file.imports.map { "import \($0)" }
        }
        for declaration in file.declarations {
            if !lines.isEmpty { lines.append("") }
            lines += render(declaration, indent: "")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func render(_ declaration: SwiftDeclaration, indent: String) -> [String] {
        switch declaration {
        case .blank:
            return [""]
        case .comment(let text):
            return ["\(indent)// \(text)"]
        case .typeAlias(let doc, let modifiers, let name, let type):
            return docLines(doc, indent: indent) + ["\(indent)\(prefix(modifiers))typealias \(name) = \(type)"]
        case .property(let doc, let modifiers, let keyword, let name, let type, let value):
            var head = "\(indent)\(prefix(modifiers))\(keyword) \(name)"
            if let type { head += ": \(type)" }
            guard let value else { return docLines(doc, indent: indent) + [head] }
            return docLines(doc, indent: indent) + expression(value, prefix: head + " = ", suffix: "", indent: indent)
        case .computedProperty(let doc, let modifiers, let name, let type, let body):
            return docLines(doc, indent: indent) + ["\(indent)\(prefix(modifiers))var \(name): \(type) {"]
                + body.flatMap { render($0, indent: indent + indentUnit) } + [indent + "}"]
        case .function(let doc, let modifiers, let name, let parameters, let effects, let body):
            let opening = "\(indent)\(prefix(modifiers))\(name)("
            let closing = ")" + (effects.isEmpty ? "" : " " + effects) + (body == nil ? "" : " {")
            let oneLine = parameters.map { parameter($0, indent: "") }
            var lines = docLines(doc, indent: indent)
            if oneLine.allSatisfy({ $0.count == 1 }), fits(opening + oneLine.map { $0[0] }.joined(separator: ", ") + closing) {
                lines.append(opening + oneLine.map { $0[0] }.joined(separator: ", ") + closing)
            } else {
                lines.append(opening)
                let inner = indent + indentUnit
                for (index, item) in parameters.enumerated() {
                    lines += appending(index < parameters.count - 1 ? "," : "", to: parameter(item, indent: inner))
                }
                lines.append(indent + closing)
            }
            guard let body else { return lines }
            if body.isEmpty { return appending("}", to: lines) }
            for statement in body { lines += render(statement, indent: indent + indentUnit) }
            lines.append(indent + "}")
            return lines
        case .type(let doc, let modifiers, let kind, let name, let inherits, let members):
            var lines = docLines(doc, indent: indent)
            let head = "\(indent)\(prefix(modifiers))\(kind) \(name)"
            if inherits.isEmpty || fits(head + ": " + inherits.joined(separator: ", ") + " {") {
                lines.append(head + (inherits.isEmpty ? "" : ": " + inherits.joined(separator: ", ")) + " {")
            } else {
                // Filled at commas, continued one level deeper; the brace then goes on a line of its own.
                var current = head + ":"
                var first = true
                for (index, name) in inherits.enumerated() {
                    let item = name + (index < inherits.count - 1 ? "," : "")
                    if first || fits(current + " " + item) {
                        current += " " + item
                    } else {
                        lines.append(current)
                        current = indent + indentUnit + item
                    }
                    first = false
                }
                lines += [current, indent + "{"]
            }
            for member in members { lines += render(member, indent: indent + indentUnit) }
            lines.append(indent + "}")
            return lines
        }
    }

    public func render(_ statement: SwiftStatement, indent: String) -> [String] {
        switch statement {
        case .code(let text):
            return [indent + text]
        case .expression(let prefix, let value):
            return expression(value, prefix: indent + prefix, suffix: "", indent: indent)
        case .block(let opening, let statements, let closing, let indented):
            let inner = indented ? indent + indentUnit : indent
            return [indent + opening] + statements.flatMap { render($0, indent: inner) } + [indent + closing]
        }
    }

    func parameter(_ parameter: SwiftParameter, indent: String) -> [String] {
        let head = "\(indent)\(parameter.name): \(parameter.type)"
        guard let value = parameter.defaultValue else { return [head] }
        let lines = expression(value, prefix: head + " = ", suffix: "", indent: indent)
        // A default that became a multi-line string has its content level with the parameter.
        guard lines.count > 1, lines[0].hasSuffix("\"\"\"") else { return lines }
        return [lines[0]] + lines.dropFirst().map { $0.isEmpty ? $0 : String($0.dropFirst(indentUnit.count)) }
    }

    func prefix(_ modifiers: String) -> String { modifiers.isEmpty ? "" : modifiers + " " }

    // MARK: Expressions

    /// The one-line form, or `nil` when the expression cannot be on one line (a multi-line string).
    public func inline(_ expression: SwiftExpression) -> String? {
        switch expression {
        case .code(let text): return text
        case .string(let text): return SwiftNames.literal(text)
        case .multilineString: return nil
        case .array(let items):
            guard let parts = inlineAll(items) else { return nil }
            return "[" + parts.joined(separator: ", ") + "]"
        case .dictionary(let pairs):
            if pairs.isEmpty { return "[:]" }
            var parts: [String] = []
            for pair in pairs {
                guard let key = inline(pair.key), let value = inline(pair.value) else { return nil }
                parts.append("\(key): \(value)")
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .tuple(let items):
            guard let parts = inlineAll(items) else { return nil }
            return "(" + parts.joined(separator: ", ") + ")"
        case .call(let callee, let arguments):
            var parts: [String] = []
            for argument in arguments {
                guard let value = inline(argument.value) else { return nil }
                parts.append(argument.label.map { "\($0): \(value)" } ?? value)
            }
            return callee + "(" + parts.joined(separator: ", ") + ")"
        }
    }

    func inlineAll(_ items: [SwiftExpression]) -> [String]? {
        var parts: [String] = []
        for item in items {
            guard let part = inline(item) else { return nil }
            parts.append(part)
        }
        return parts
    }

    /// Lines for `prefix` + the expression + `suffix`, the first starting with `prefix` (which
    /// includes the indentation) and continuation lines indented from `indent`.
    public func expression(_ value: SwiftExpression, prefix: String, suffix: String, indent: String) -> [String] {
        if let text = inline(value), fits(prefix + text + suffix) { return [prefix + text + suffix] }
        let inner = indent + indentUnit
        switch value {
        case .code(let text):
            return [prefix + text + suffix]
        case .string(let text):
            // Too long for one line: the same value as a multi-line string, continued at spaces.
            guard text.contains(" "), !text.contains("\n"), !text.hasSuffix(" ") else {
                return [prefix + SwiftNames.literal(text) + suffix]
            }
            return multilineString(text, prefix: prefix, suffix: suffix, contentIndent: contentIndent(prefix: prefix, indent: indent))
        case .multilineString(let text):
            return multilineString(text, prefix: prefix, suffix: suffix, contentIndent: contentIndent(prefix: prefix, indent: indent))
        case .array(let items):
            if items.isEmpty { return [prefix + "[]" + suffix] }
            // A trailing comma only for several elements, as `swift format` has it.
            let comma = items.count > 1 ? "," : ""
            return [prefix + "["] + items.flatMap { expression($0, prefix: inner, suffix: comma, indent: inner) } + [indent + "]" + suffix]
        case .dictionary(let pairs):
            if pairs.isEmpty { return [prefix + "[:]" + suffix] }
            var lines = [prefix + "["]
            for pair in pairs {
                let key = inline(pair.key) ?? ""
                lines += expression(pair.value, prefix: "\(inner)\(key): ", suffix: pairs.count > 1 ? "," : "", indent: inner)
            }
            return lines + [indent + "]" + suffix]
        case .tuple(let items):
            return arguments(items.map { SwiftExpression.Argument(nil, $0) }, opening: prefix + "(", suffix: suffix, indent: indent)
        case .call(let callee, let list):
            return arguments(list, opening: prefix + callee + "(", suffix: suffix, indent: indent)
        }
    }

    /// One argument per line, the closing parenthesis after the last one; when only the last
    /// argument is a multi-line string, the others stay on the opening line.
    func arguments(_ list: [SwiftExpression.Argument], opening: String, suffix: String, indent: String) -> [String] {
        guard !list.isEmpty else { return [opening + ")" + suffix] }
        let inner = indent + indentUnit
        if list.contains(where: { if case .multilineString = $0.value { true } else { false } }) {
            // A multi-line string argument: the closing parenthesis goes on a line of its own.
            var lines = [opening]
            for (index, argument) in list.enumerated() {
                let label = argument.label.map { "\($0): " } ?? ""
                lines += expression(argument.value, prefix: inner + label, suffix: index < list.count - 1 ? "," : "", indent: inner)
            }
            return lines + [indent + ")" + suffix]
        }
        var lines = [opening]
        for (index, argument) in list.enumerated() {
            let label = argument.label.map { "\($0): " } ?? ""
            let end = index < list.count - 1 ? "," : ")" + suffix
            lines += expression(argument.value, prefix: inner + label, suffix: end, indent: inner)
        }
        return lines
    }

    /// Where a multi-line string's content goes: level with its opening delimiter when that
    /// starts the line, one level deeper than `indent` otherwise (`let x = #"""`).
    func contentIndent(prefix: String, indent: String) -> String {
        prefix.allSatisfy { $0 == " " } ? prefix : indent + indentUnit
    }

    /// A raw multi-line string literal whose content and closing delimiter are indented by
    /// `contentIndent`; lines too long are split at a space and continued with `\#`.
    func multilineString(_ text: String, prefix: String, suffix: String, contentIndent inner: String) -> [String] {
        var hashes = "#"
        while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
        var lines = [prefix + hashes + "\"\"\""]
        let continuation = "\\" + hashes
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                lines.append("")
                continue
            }
            var rest = Substring(line)
            while inner.count + rest.count > lineLength,
                let cut = splitPoint(rest, width: lineLength - inner.count - continuation.count)
            {
                lines.append(inner + rest[..<cut] + continuation)
                rest = rest[cut...]
            }
            lines.append(inner + rest)
        }
        lines.append(inner + "\"\"\"" + hashes + suffix)
        return lines
    }

    /// Where to split a long line of a string: before the last space that keeps the first part
    /// within `width` (so the space starts the continuation line), never leaving a part that is
    /// only spaces.
    func splitPoint(_ line: Substring, width: Int) -> Substring.Index? {
        guard width > 0 else { return nil }
        var best: Substring.Index?
        var offset = 0
        var index = line.startIndex
        while index < line.endIndex, offset <= width {
            if line[index] == " ", offset > 0, line[line.startIndex..<index].contains(where: { $0 != " " }) { best = index }
            index = line.index(after: index)
            offset += 1
        }
        return best
    }

    // MARK: Doc comments

    /// `///` lines for `text`, each paragraph line wrapped at spaces to fit.
    public func docLines(_ text: String, indent: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines: [String] = []
        let width = lineLength - indent.count - 4
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if paragraph.isEmpty {
                lines.append(indent + "///")
                continue
            }
            var current = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                if current.isEmpty {
                    current = String(word)
                } else if current.count + 1 + word.count <= width {
                    current += " " + word
                } else {
                    lines.append(indent + "/// " + current)
                    current = String(word)
                }
            }
            lines.append(indent + "/// " + current)
        }
        return lines
    }

    // MARK: Helpers

    func fits(_ line: String) -> Bool { line.count <= lineLength }

    func appending(_ text: String, to lines: [String]) -> [String] {
        guard let last = lines.last else { return lines }
        return lines.dropLast() + [last + text]
    }
}
