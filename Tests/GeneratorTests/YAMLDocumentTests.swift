import Foundation
import Testing

@testable import _TriggerfishCore

/// YAML reading with positions: what a node is, where it is, how scalars resolve (YAML 1.1, as
/// PyYAML and so Robusta read them), and which documents are refused, with the exact message.
@Suite struct YAMLDocumentTests {
    func parse(_ text: String, limits: YAMLLimits = .default) -> YAMLDocument.Result {
        YAMLDocument.parse(text, file: "t.yaml", limits: limits)
    }

    func errors(_ text: String, limits: YAMLLimits = .default) -> [String] {
        parse(text, limits: limits).diagnostics.map(\.description)
    }

    func position(_ location: _TriggerfishCore.SourceLocation) -> String { "\(location.line):\(location.column)" }

    func value(_ text: String) throws -> YAMLScalar.Value {
        let result = parse("v: \(text)\n")
        #expect(result.diagnostics.isEmpty)
        return try #require(result.root?["v"]?.scalar?.value)
    }

    // MARK: Positions

    @Test func positionsOfKeysAndNodesAreOneBased() throws {
        let text = """
            # a comment
            root:
              list:
                - a
                - {x: 1, y: [2, 3]}
              "quoted": 'v'
              nested:
                deeper: |
                  text
            """
        let result = parse(text)
        #expect(result.diagnostics.isEmpty)
        let root = try #require(result.root)
        #expect(position(root.location) == "2:1")
        let rootPair = try #require(root.mapping?.first)
        #expect(rootPair.key == "root")
        #expect(position(rootPair.keyLocation) == "2:1")

        let inner = try #require(root["root"])
        #expect(position(inner.location) == "3:3")
        #expect(inner.mapping?.map(\.key) == ["list", "quoted", "nested"])
        #expect(inner.mapping?.map { position($0.keyLocation) } == ["3:3", "6:3", "7:3"])

        let list = try #require(inner["list"]?.sequence)
        #expect(list.map { position($0.location) } == ["4:7", "5:7"])
        let flow = list[1]
        #expect(flow.mapping?.map { position($0.keyLocation) } == ["5:8", "5:14"])
        #expect(flow["x"].map { position($0.location) } == "5:11")
        #expect(flow["y"]?.sequence?.map { position($0.location) } == ["5:18", "5:21"])

        #expect(inner["quoted"].map { position($0.location) } == "6:13")
        #expect(inner["quoted"]?.scalar?.text == "v")
        let literal = try #require(inner["nested"]?["deeper"])
        #expect(position(literal.location) == "8:13")
        #expect(literal.scalar?.value == .string("text"))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try #require(parse("émoji: ok\n名前: 値\n").root)
        #expect(root.mapping?.map { position($0.keyLocation) } == ["1:1", "2:1"])
        #expect(root["émoji"].map { position($0.location) } == "1:8")
        #expect(root["名前"].map { position($0.location) } == "2:5")
    }

    @Test func locationsCarryTheFileName() throws {
        let root = try #require(YAMLDocument.parse("a: 1\n", file: "dir/config.yaml").root)
        #expect(root["a"]?.location == _TriggerfishCore.SourceLocation(file: "dir/config.yaml", line: 1, column: 4))
    }

    // MARK: Scalars

    @Test(arguments: [
        ("yes", true), ("Yes", true), ("YES", true), ("no", false), ("No", false), ("NO", false),
        ("on", true), ("On", true), ("ON", true), ("off", false), ("Off", false), ("OFF", false),
        ("true", true), ("True", true), ("TRUE", true), ("false", false), ("False", false), ("FALSE", false),
    ])
    func yaml11Booleans(text: String, expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test(arguments: ["y", "n", "Y", "N", "yEs", "tRUE", "enabled"])
    func wordsPyYAMLDoesNotTakeAsBooleansStayStrings(text: String) throws {
        #expect(try value(text) == .string(text))
    }

    @Test(arguments: [
        ("0", 0), ("-0", 0), ("42", 42), ("+12", 12), ("-17", -17), ("1_000", 1000), ("0x1F", 31), ("-0x10", -16),
        ("0b101", 5), ("-0b101", -5), ("017", 15), ("00", 0), ("1:30", 90), ("190:20:30", 685_230),
    ])
    func yaml11Integers(text: String, expected: Int) throws {
        #expect(try value(text) == .int(expected))
    }

    @Test(arguments: [
        ("1.5", 1.5), ("-2.25", -2.25), ("1.", 1.0), (".5", 0.5), ("1_000.5", 1000.5), ("6.8523015e+5", 685_230.15),
        ("1.5e-3", 0.0015), ("1:30.5", 90.5), (".inf", Double.infinity), ("-.Inf", -Double.infinity), ("+.INF", Double.infinity),
    ])
    func yaml11Floats(text: String, expected: Double) throws {
        #expect(try value(text) == .double(expected))
    }

    @Test func notANumber() throws {
        for text in [".nan", ".NaN", ".NAN"] {
            guard case .double(let number) = try value(text) else {
                Issue.record("\(text) is not a float")
                continue
            }
            #expect(number.isNaN)
        }
    }

    /// Forms other YAML readers take as numbers but PyYAML (YAML 1.1) keeps as strings: a float
    /// needs a dot and a signed exponent, `0o` is YAML 1.2 only, and `08` is no octal.
    @Test(arguments: ["1e5", "1.5e3", "1E+5", "0o17", "018", "09", "-.5", "1.2.3", "0x", "0b", "1:60", "12:3x", "0xZZ", "1_a", "+", "."])
    func numberLookalikesStayStrings(text: String) throws {
        #expect(try value(text) == .string(text))
    }

    @Test(arguments: ["~", "null", "Null", "NULL", ""])
    func nullForms(text: String) throws {
        #expect(try value(text) == .null)
    }

    @Test func aLoneDashInAFlowListIsAString() throws {
        #expect(parse("[-]").root?.sequence?.first?.scalar?.value == .string("-"))
    }

    @Test func quotedScalarsStayStrings() throws {
        let root = try #require(parse("a: 'yes'\nb: \"1\"\nc: '~'\nd: \"\"\ne: 'null'\nf: yes\n").root)
        #expect(root["a"]?.scalar?.value == .string("yes"))
        #expect(root["b"]?.scalar?.value == .string("1"))
        #expect(root["c"]?.scalar?.value == .string("~"))
        #expect(root["d"]?.scalar?.value == .string(""))
        #expect(root["e"]?.scalar?.value == .string("null"))
        #expect(root["a"]?.scalar?.isQuoted == true)
        #expect(root["f"]?.scalar?.isQuoted == false)
        #expect(root["f"]?.scalar?.value == .bool(true))
    }

    @Test func explicitTagsWin() throws {
        let root = try #require(parse("a: !!str 1\nb: !!int \"12\"\nc: !!float '2.5'\nd: !!str yes\ne: !!null x\n").root)
        #expect(root["a"]?.scalar?.value == .string("1"))
        #expect(root["b"]?.scalar?.value == .int(12))
        #expect(root["c"]?.scalar?.value == .double(2.5))
        #expect(root["d"]?.scalar?.value == .string("yes"))
        #expect(root["e"]?.scalar?.value == .null)
    }

    @Test func kindDescriptionsNameWhatWasFound() throws {
        let root = try #require(parse("s: x\ni: 1\nd: 1.5\nb: no\nn: ~\nl: []\nm: {}\n").root)
        let found = root.mapping?.map { "\($0.key)=\($0.value.kindDescription)" }
        #expect(
            found == ["s=a string", "i=an integer", "d=a number", "b=a boolean", "n=null", "l=a list", "m=a mapping"])
    }

    @Test func mappingKeysKeepTheirWrittenText() throws {
        let root = try #require(parse("1: a\nyes: b\n~: c\n'q': d\n").root)
        #expect(root.mapping?.map(\.key) == ["1", "yes", "~", "q"])
    }

    // MARK: Empty documents

    @Test(arguments: ["", "\n", "# only a comment\n", "  \n\n"])
    func emptyDocumentsHaveNoRootAndNoErrors(text: String) {
        let result = parse(text)
        #expect(result.root == nil)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func explicitStartAndEndMarkersAreOneDocument() throws {
        let result = parse("---\na: 1\n...\n")
        #expect(result.diagnostics.isEmpty)
        #expect(result.root?["a"]?.scalar?.value == .int(1))
    }

    // MARK: Refused documents

    @Test func duplicateKeyIsReportedAtTheSecondOccurrenceWithTheFirstPosition() {
        #expect(errors("a: 1\nb: 2\na: 3\n") == ["t.yaml:3:1: error: duplicate key 'a' (first defined at line 1, column 1)"])
        #expect(
            errors("top:\n  x: 1\n  y: 2\n  x: 3\n  x: 4\n") == [
                "t.yaml:4:3: error: duplicate key 'x' (first defined at line 2, column 3)",
                "t.yaml:5:3: error: duplicate key 'x' (first defined at line 2, column 3)",
            ])
        #expect(errors("{k: 1, k: 2}") == ["t.yaml:1:8: error: duplicate key 'k' (first defined at line 1, column 2)"])
    }

    @Test func sameKeyInDifferentMappingsIsFine() {
        #expect(errors("a: {k: 1}\nb: {k: 2}\n").isEmpty)
    }

    /// A duplicate key is an error that does not stop reading: the first value is kept, so the rest
    /// of the file is still checked in the same pass.
    @Test func aDuplicateKeyKeepsTheFirstValue() {
        let result = parse("a: 1\na: 2\nb: 3\n")
        #expect(result.diagnostics.map(\.description) == ["t.yaml:2:1: error: duplicate key 'a' (first defined at line 1, column 1)"])
        #expect(result.root?["a"]?.scalar?.value == .int(1))
        #expect(result.root?["b"]?.scalar?.value == .int(3))
    }

    @Test func aDocumentThatCannotBeReadOnHasNoRoot() {
        #expect(parse("a: [1, 2\n").root == nil)
    }

    @Test func nonScalarMappingKeysAreRejected() {
        #expect(errors("? [1, 2]\n: x\n") == ["t.yaml:1:3: error: mapping keys must be single values such as strings, not a list"])
        #expect(errors("{[a]: 1}") == ["t.yaml:1:2: error: mapping keys must be single values such as strings, not a list"])
        #expect(errors("? {a: 1}\n: x\n") == ["t.yaml:1:3: error: mapping keys must be single values such as strings, not a mapping"])
        #expect(
            errors("base: &m {a: 1}\nuse:\n  *m : x\n") == [
                "t.yaml:3:3: error: mapping keys must be single values such as strings, not a mapping"
            ])
    }

    @Test func syntaxErrorsCarryThePositionAndLibyamlsExplanation() {
        #expect(
            errors("a: [1, 2\nb: 3\n") == [
                "t.yaml:2:2: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)"
            ])
        #expect(errors("a: b: c\n") == ["t.yaml:1:5: error: YAML syntax error: mapping values are not allowed in this context"])
        #expect(
            errors("a:\n\t- b\n") == [
                "t.yaml:2:1: error: YAML syntax error: found character that cannot start any token (while scanning for the next token at line 2, column 1)"
            ])
        #expect(
            errors("a: 'open\n") == [
                "t.yaml:2:1: error: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)"
            ])
    }

    @Test func multipleDocumentsAreRejected() {
        #expect(
            errors("a: 1\n---\nb: 2\n") == [
                "t.yaml:2:1: error: expected a single YAML document, but found another one; remove the '---' separator or split the file"
            ])
    }

    @Test func unknownAliasIsReported() {
        #expect(errors("a: *x\n") == ["t.yaml:1:4: error: unknown alias '*x': no anchor '&x' is defined before it"])
    }

    // MARK: Anchors, aliases and merge keys

    @Test func aliasesShareTheAnchoredNode() throws {
        let root = try #require(parse("a: &x [1, 2]\nb: *x\n").root)
        #expect(root["b"]?.sequence?.compactMap { $0.scalar?.value } == [.int(1), .int(2)])
        // The alias is the anchored node itself, so its position is the anchor's.
        #expect(root["b"] === root["a"])
    }

    @Test func mergeKeysBringInPairsThatAreNotSetExplicitly() throws {
        let text = """
            base: &base
              image: nginx
              replicas: 1
            web:
              <<: *base
              replicas: 3
            """
        let root = try #require(parse(text).root)
        let web = try #require(root["web"]?.mapping)
        #expect(web.map(\.key) == ["replicas", "image"])
        #expect(web.map { position($0.keyLocation) } == ["6:3", "2:3"])
        #expect(root["web"]?["replicas"]?.scalar?.value == .int(3))
        #expect(root["web"]?["image"]?.scalar?.value == .string("nginx"))
    }

    @Test func mergeOfAListOfMappingsLetsEarlierMappingsWin() throws {
        let text = """
            a: &a {x: 1, y: 1}
            b: &b {y: 2, z: 2}
            c:
              <<: [*a, *b]
              z: 3
            """
        let root = try #require(parse(text).root)
        let c = try #require(root["c"])
        #expect(c.mapping?.map(\.key) == ["z", "x", "y"])
        #expect(c["x"]?.scalar?.value == .int(1))
        #expect(c["y"]?.scalar?.value == .int(1))
        #expect(c["z"]?.scalar?.value == .int(3))
    }

    @Test func aQuotedMergeKeyIsAnOrdinaryKey() throws {
        let root = try #require(parse("a: &a {x: 1}\nb:\n  '<<': *a\n").root)
        #expect(root["b"]?.mapping?.map(\.key) == ["<<"])
    }

    @Test func mergeOfNonMappingsIsReportedWhereTheValueIsWritten() {
        #expect(
            errors("a: &a 1\nb:\n  <<: *a\n") == [
                "t.yaml:3:7: error: a '<<' merge takes a mapping or a list of mappings, not an integer (1)"
            ])
        #expect(errors("b:\n  <<: [{x: 1}, 2]\n") == ["t.yaml:2:16: error: a '<<' merge takes mappings, not an integer (2)"])
    }

    // MARK: Hostile input

    /// Nine levels of ten aliases would expand to 10^10 nodes; the reader stops counting at the limit.
    @Test func billionLaughsIsRefused() {
        var text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            text += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let result = parse(text)
        #expect(result.root == nil)
        #expect(
            result.diagnostics.map(\.description) == [
                "t.yaml:6:45: error: YAML aliases expand the document to more than the limit of 1000000 nodes; refusing it (a YAML alias bomb?)"
            ])
    }

    @Test func expansionLimitCountsEveryNodeOfEveryAlias() {
        let limits = YAMLLimits(maxExpandedNodes: 10)
        // a: 1 + 3 items = 4 nodes, plus 2 keys and the root = 7; the alias adds 4 more.
        #expect(errors("a: &a [1, 2, 3]\n", limits: limits).isEmpty)
        #expect(
            errors("a: &a [1, 2, 3]\nb: *a\n", limits: limits) == [
                "t.yaml:2:4: error: YAML aliases expand the document to more than the limit of 10 nodes; refusing it (a YAML alias bomb?)"
            ])
    }

    /// Aliases used as mapping keys (which some readers hash, expanding them) are refused as keys;
    /// nothing is expanded or hashed, so this finishes at once.
    @Test func aliasBombAsMappingKeysIsRefused() {
        var text = "k0: &k0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            text += "k\(level): &k\(level) [" + (0..<10).map { "{*k\(level - 1) : \($0)}" }.joined(separator: ", ") + "]\n"
        }
        let result = parse(text)
        // Every aliased key is dropped, so nothing is left to expand.
        #expect(result.root?["k9"]?.sequence?.allSatisfy { $0.mapping?.isEmpty == true } == true)
        var expected: [String] = []
        for line in 2...10 {
            for index in 0..<10 {
                expected.append("t.yaml:\(line):\(11 + 11 * index): error: mapping keys must be single values such as strings, not a list")
            }
        }
        #expect(result.diagnostics.map(\.description) == expected)
    }

    @Test func aliasBombThroughComplexKeysIsRefused() {
        var text = "a0: &a0 {x: [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]}\n"
        for level in 1...9 {
            text += "a\(level): &a\(level)\n"
            for index in 0..<10 {
                text += "  ? *a\(level - 1)\n  : \(index)\n"
            }
        }
        let result = parse(text)
        #expect(result.root?["a9"]?.mapping?.isEmpty == true)
        #expect(result.diagnostics.count == 90)
        #expect(
            result.diagnostics.first?.description == "t.yaml:3:5: error: mapping keys must be single values such as strings, not a mapping")
    }

    @Test func deepFlowNestingIsRefused() {
        #expect(errors(String(repeating: "[", count: 10_000)) == ["t.yaml:1:1: error: YAML nesting is deeper than the limit of 200 levels"])
        // Below libyaml's own limit (which counts '[' as it scans ahead) the reader's check speaks,
        // at the first node too deep: the 201st '[', or the key of the 200th mapping.
        #expect(errors(String(repeating: "[", count: 300)) == ["t.yaml:1:202: error: YAML nesting is deeper than the limit of 200 levels"])
        #expect(
            errors(String(repeating: "{a: ", count: 10_000)) == ["t.yaml:1:802: error: YAML nesting is deeper than the limit of 200 levels"]
        )
    }

    @Test func deepBlockNestingIsRefused() {
        let text = String(repeating: "- ", count: 10_000) + "x\n"
        #expect(errors(text) == ["t.yaml:1:403: error: YAML nesting is deeper than the limit of 200 levels"])
    }

    @Test func nestingLimitIsExact() {
        let limits = YAMLLimits(maxDepth: 3)
        #expect(errors("[[[x]]]", limits: limits).isEmpty)
        #expect(errors("[[[[x]]]]", limits: limits) == ["t.yaml:1:5: error: YAML nesting is deeper than the limit of 3 levels"])
    }

    /// Aliases can stack nesting without writing it out; the limit counts through them.
    @Test func nestingThroughAliasesIsRefused() {
        let limits = YAMLLimits(maxDepth: 3)
        #expect(errors("a: &a [[x]]\nb: *a\n", limits: limits).isEmpty)
        #expect(
            errors("a: &a [[x]]\nb: [*a]\n", limits: limits) == [
                "t.yaml:2:5: error: YAML nesting is deeper than the limit of 3 levels through the alias '*a'"
            ])

        // With the default limits: a hundred anchors, each nesting the previous one 190 levels deeper.
        var text = "l0: &l0 x\n"
        for level in 1...100 {
            text +=
                "l\(level): &l\(level) " + String(repeating: "[", count: 190) + "*l\(level - 1)" + String(repeating: "]", count: 190) + "\n"
        }
        #expect(errors(text) == ["t.yaml:3:199: error: YAML nesting is deeper than the limit of 200 levels through the alias '*l1'"])
    }

    /// A merge of a long list of large mappings costs time proportional to the pairs, not their square.
    @Test func largeMergesAreLinear() throws {
        var text = "a: &a {" + (0..<100_000).map { "k\($0): 1" }.joined(separator: ", ") + "}\n"
        text += "b: {<<: [*a, *a, *a], extra: 2}\n"
        let result = parse(text)
        #expect(result.diagnostics.isEmpty)
        let merged = try #require(result.root?["b"]?.mapping)
        #expect(merged.count == 100_001)
        #expect(merged.first?.key == "extra")
        #expect(merged.last?.key == "k99999")
    }

    @Test func oversizedInputIsRefusedBeforeParsing() {
        let limits = YAMLLimits(maxBytes: 100)
        #expect(errors("a: " + String(repeating: "x", count: 96) + "\n", limits: limits).isEmpty)
        #expect(
            errors("a: " + String(repeating: "x", count: 97) + "\n", limits: limits) == [
                "t.yaml:1:1: error: file is 101 bytes, more than the limit of 100 bytes"
            ])
        // Bytes, not characters: 34 three-byte characters are 102 bytes.
        #expect(
            errors(String(repeating: "値", count: 34), limits: limits) == [
                "t.yaml:1:1: error: file is 102 bytes, more than the limit of 100 bytes"
            ])
    }

    @Test func defaultLimits() {
        #expect(YAMLLimits.default.maxBytes == 16 << 20)
        #expect(YAMLLimits.default.maxExpandedNodes == 1_000_000)
        #expect(YAMLLimits.default.maxDepth == 200)
    }
}
