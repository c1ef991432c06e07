import Foundation
import Testing
import TriggerfishTestSupport

@testable import Triggerfish

/// The repository's own recorded inputs: kubewatch CloudEvents, Alertmanager webhooks and two
/// JSON files that are no runner input (`Tests/Fixtures/*.json`).
enum InputFixtures {
    static func bytes(_ name: String) throws -> [UInt8] {
        try FixtureFolder.repository.bytes(name)
    }

    /// Every JSON fixture, by name; the test fails, saying why, when there is none.
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let names = FixtureFolder.repository.names(withSuffix: ".json")
        try #require(!names.isEmpty, "no JSON fixtures in \(FixtureFolder.repository.url.path): the tests need the repository's own inputs")
        return try names.map { ($0, try bytes($0)) }
    }
}

@Suite struct JSONParsingTests {
    func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(text)
    }

    /// The error `text` gives, or `nil` when it parses.
    func error(_ text: String) -> JSONParseError? {
        error(Array(text.utf8))
    }

    func error(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Values

    @Test func scalarsAndContainers() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" \t\r\ntrue\n") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("\"\"") == .string(""))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([:]))
        #expect(try parse("[ 1 , [ ] , { } , \"a\" ]") == [1, [], [:], "a"])
        #expect(
            try parse(#"{"a": {"b": [true, false, null]}, "c": -2.5, "d": "x"}"#)
                == ["a": ["b": [true, false, nil]], "c": -2.5, "d": "x"])
    }

    @Test func integersThatFitInt64AreInts() throws {
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("42") == .int(42))
        #expect(try parse("-17") == .int(-17))
        #expect(try parse("9223372036854775807") == .int(Int.max))
        #expect(try parse("-9223372036854775808") == .int(Int.min))
        #expect(try parse("9223372036854775808") == .double(0x1p63))
        #expect(try parse("-9223372036854775809") == .double(-0x1p63))
        #expect(try parse("18446744073709551616") == .double(0x1p64))
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test func fractionsAndExponentsAreDoubles() throws {
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("-0.0") == .double(-0.0))
        #expect(try parse("1e3") == .double(1000))
        #expect(try parse("1E+3") == .double(1000))
        #expect(try parse("25e-1") == .double(2.5))
        #expect(try parse("0.1") == .double(0.1))
        #expect(try parse("1e-400") == .double(0))
        #expect(try parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try parse(String(repeating: "9", count: 300)) == .double(1e300))
    }

    @Test func stringsAndEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti"))
        #expect(try parse(#""\u0041\u00e9\u20AC\u0000""#) == .string("A\u{E9}\u{20AC}\u{0}"))
        #expect(try parse(#""\ud83d\ude00 and \uD83D\uDE00""#) == .string("\u{1F600} and \u{1F600}"))
        #expect(try parse("\"caf\u{E9} \u{20AC} \u{1F600} \u{10FFFF}\"") == .string("caf\u{E9} \u{20AC} \u{1F600} \u{10FFFF}"))
        #expect(try parse(#""\u003cb\u003e \u0026""#) == .string("<b> &"))
        // A quote, backslash, control character or non-ASCII byte at every position of an 8-byte block.
        for length in 0..<20 {
            let prefix = String(repeating: "x", count: length)
            #expect(try parse("\"\(prefix)\"") == .string(prefix))
            #expect(try parse("\"\(prefix)\\n\(prefix)\"") == .string(prefix + "\n" + prefix))
            #expect(try parse("\"\(prefix)\u{E9}\(prefix)\"") == .string(prefix + "\u{E9}" + prefix))
            #expect(error("\"\(prefix)\n\"")?.offset == length + 1)
        }
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try parse(#"{"a": 1, "b": 2, "a": 3}"#) == ["a": 3, "b": 2])
    }

    @Test func entryPointsAgree() throws {
        let text = #"{"k": ["v", 1]}"#
        let expected: JSONValue = ["k": ["v", 1]]
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(("[" + text + "]").dropFirst().dropLast()) == expected)
        #expect(try JSONValue.parse(Array(text.utf8)) == expected)
        #expect(try Array(text.utf8).withUnsafeBytes { try JSONValue.parse($0) } == expected)
        #expect(error([UInt8]()) == JSONParseError(offset: 0, message: "expected a value, found end of input"))
    }

    // MARK: Errors

    @Test(arguments: [
        ("", 0, "expected a value, found end of input"),
        ("   ", 3, "expected a value, found end of input"),
        ("{\"a\" 1}", 5, "expected ':' after an object key, found '1'"),
        ("{\"a\": 1,}", 8, "expected a string key after ',', found '}' (trailing commas are not allowed)"),
        ("[1, 2,]", 6, "expected a value after ',', found ']' (trailing commas are not allowed)"),
        ("{a: 1}", 1, "expected a string key, found 'a'"),
        ("{\"a\": 1 \"b\": 2}", 8, "expected ',' or '}' after an object member, found '\"'"),
        ("[1 2]", 3, "expected ',' or ']' after an array element, found '2'"),
        ("[1, 2", 5, "expected ',' or ']' after an array element, found end of input"),
        ("{\"a\": 1", 7, "expected ',' or '}' after an object member, found end of input"),
        ("01", 0, "leading zeros are not allowed in numbers"),
        ("-01", 1, "leading zeros are not allowed in numbers"),
        ("-", 1, "expected a digit after '-', found end of input"),
        ("-a", 1, "expected a digit after '-', found 'a'"),
        ("1.", 2, "expected a digit after '.' in a number, found end of input"),
        (".5", 0, "expected a value, found '.'"),
        ("1e", 2, "expected a digit in the exponent of a number, found end of input"),
        ("1e+", 3, "expected a digit in the exponent of a number, found end of input"),
        ("+1", 0, "expected a value, found '+'"),
        ("1e400", 0, "number is too large for a 64-bit floating-point value"),
        ("-1e400", 0, "number is too large for a 64-bit floating-point value"),
        ("NaN", 0, "expected a value, found 'N'"),
        ("Infinity", 0, "expected a value, found 'I'"),
        ("[-Infinity]", 2, "expected a digit after '-', found 'I'"),
        ("tru", 3, "expected 'true', found end of input"),
        ("nul1", 3, "expected 'null', found '1'"),
        ("False", 0, "expected a value, found 'F'"),
        ("1 2", 2, "expected end of input after the JSON value, found '2'"),
        ("{} x", 3, "expected end of input after the JSON value, found 'x'"),
        ("[1] // comment", 4, "expected end of input after the JSON value, found '/'"),
        ("/* c */ 1", 0, "expected a value, found '/'"),
        ("'a'", 0, "expected a value, found '''"),
        ("\"abc", 4, "expected '\"' to end the string that starts at byte 0, found end of input"),
        ("[\"a\tb\"]", 3, "control character 0x09 must be escaped in a string"),
        ("\"a\nb\"", 2, "control character 0x0A must be escaped in a string"),
        ("\"\\x\"", 2, "expected an escape character (\" \\ / b f n r t u) after '\\', found 'x'"),
        ("\"\\", 2, "expected an escape character after '\\', found end of input"),
        ("\"\\u12G4\"", 5, "expected 4 hex digits after '\\u', found 'G'"),
        ("\"\\u12\"", 5, "expected 4 hex digits after '\\u', found '\"'"),
        ("\"\\ud800\"", 7, "unpaired surrogate \\uD800: expected a '\\u' low surrogate (DC00-DFFF) to follow, found '\"'"),
        ("\"\\ud800x\"", 7, "unpaired surrogate \\uD800: expected a '\\u' low surrogate (DC00-DFFF) to follow, found 'x'"),
        ("\"\\ud800\\u0041\"", 7, "unpaired surrogate \\uD800: expected a low surrogate (DC00-DFFF) to follow, found \\u0041"),
        ("\"\\ud800\\ud800\"", 7, "unpaired surrogate \\uD800: expected a low surrogate (DC00-DFFF) to follow, found \\uD800"),
        ("\"\\udc00\"", 1, "unpaired surrogate \\uDC00: a low surrogate must follow a high one (D800-DBFF)"),
        ("\u{FEFF}{}", 0, "expected a value, found a UTF-8 byte order mark (bytes 0xEF 0xBB 0xBF)"),
    ])
    func syntaxErrorsSayWhereAndWhat(input: String, offset: Int, message: String) {
        #expect(error(input) == JSONParseError(offset: offset, message: message))
    }

    @Test func errorDescriptionLeadsWithTheOffset() {
        let failure = error("{\"key\" 1}")
        #expect(failure?.description == "invalid JSON at byte 7: expected ':' after an object key, found '1'")
    }

    @Test(
        arguments: [
            ([0x22, 0xFF, 0x22], 1, "invalid UTF-8: byte 0xFF cannot start a character"),
            ([0x22, 0x80, 0x22], 1, "invalid UTF-8: byte 0x80 cannot start a character"),
            ([0x22, 0xC0, 0x80, 0x22], 1, "invalid UTF-8: byte 0xC0 cannot start a character"),  // overlong NUL
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1, "invalid UTF-8: byte 0xF5 cannot start a character"),  // above U+10FFFF
            ([0x22, 0xE0, 0x80, 0x80, 0x22], 2, continuation("A0-0xBF", lead: "E0", found: "byte 0x80")),  // overlong
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 2, continuation("80-0x9F", lead: "ED", found: "byte 0xA0")),  // surrogate U+D800
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 2, continuation("80-0x8F", lead: "F4", found: "byte 0x90")),  // U+110000
            ([0x22, 0x61, 0xE2, 0x82, 0x22], 4, continuation("80-0xBF", lead: "E2", found: "'\"'")),
            ([0x22, 0x61, 0xE2, 0x82], 4, continuation("80-0xBF", lead: "E2", found: "end of input")),
            ([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], 4, continuation("80-0xBF", lead: "C3", found: "'('")),
            ([0xC3, 0xA9], 0, "expected a value, found byte 0xC3"),
            ([0x5B, 0x00, 0x5D], 1, "expected a value, found byte 0x00"),
        ] as [([UInt8], Int, String)])
    func invalidUTF8IsRejected(input: [UInt8], offset: Int, message: String) {
        #expect(error(input) == JSONParseError(offset: offset, message: message))
    }

    static func continuation(_ range: String, lead: String, found: String) -> String {
        "invalid UTF-8: expected a byte in 0x\(range) to continue the character that starts with byte 0x\(lead), found \(found)"
    }

    // MARK: Hostile input

    @Test func nestingIsLimited() throws {
        let depth = JSONValue.maximumParseDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONValue.parse(deepest) }
        let objects = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(throws: Never.self) { try JSONValue.parse(objects) }

        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        #expect(error(tooDeep) == JSONParseError(offset: depth, message: "arrays and objects nest deeper than 512 levels"))
        let hostile = String(repeating: "[{\"a\":", count: 200_000)
        #expect(error(hostile) == JSONParseError(offset: 1536, message: "arrays and objects nest deeper than 512 levels"))
    }

    @Test func hugeNumbersAndStrings() throws {
        let digits = String(repeating: "7", count: 100_000)
        #expect(error(digits) == JSONParseError(offset: 0, message: "number is too large for a 64-bit floating-point value"))
        #expect(try parse("0." + digits) == .double(0.7777777777777778))
        #expect(error("1e" + digits) == JSONParseError(offset: 0, message: "number is too large for a 64-bit floating-point value"))
        #expect(try parse("1e-" + digits) == .double(0))
        let long = String(repeating: "ab\u{E9}\\n", count: 100_000)
        #expect(try parse("\"" + long + "\"") == .string(String(repeating: "ab\u{E9}\n", count: 100_000)))
    }

    @Test func everyTruncationOfAFixtureFails() throws {
        let bytes = try InputFixtures.bytes("alertmanager_webhook_two_alerts.json")
        #expect(throws: Never.self) { try JSONValue.parse(bytes) }
        // Trailing whitespace aside, every proper prefix is incomplete JSON.
        let content = bytes.count - bytes.reversed().prefix { $0 == 0x0A || $0 == 0x20 }.count
        for length in 0..<content {
            let failure = error(Array(bytes[..<length]))
            #expect(failure != nil, "prefix of \(length) bytes parsed")
            #expect((failure?.offset ?? 0) <= length)
        }
    }

    /// Random and mutated inputs must give a value or an error, never a crash.
    @Test func fuzzNeverCrashes() throws {
        var random = SplitMix64(seed: 20_260_820)
        let alphabet = Array(#"{}[]:,"\ 0123456789-+.eEtrufalsn/bu"#.utf8) + [0x00, 0x0A, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]
        var parsed = 0
        for _ in 0..<20_000 {
            let length = Int(random.next() % 64)
            let input = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            if error(input) == nil { parsed += 1 }
        }
        for _ in 0..<2_000 {
            let input = (0..<Int(random.next() % 256)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if error(input) == nil { parsed += 1 }
        }
        for fixture in try InputFixtures.all() {
            for _ in 0..<400 {
                var input = fixture.bytes
                for _ in 0..<(1 + random.next() % 4) {
                    guard let index = input.indices.randomElement(using: &random) else { break }
                    switch random.next() % 3 {
                    case 0: input[index] = UInt8(truncatingIfNeeded: random.next())
                    case 1: input.remove(at: index)
                    default: input.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: index)
                    }
                }
                if let failure = error(input) {
                    #expect(failure.offset >= 0 && failure.offset <= input.count, "\(fixture.name)")
                } else {
                    parsed += 1
                }
            }
        }
        #expect(parsed > 0)
    }

    // MARK: Agreement with Foundation

    @Test func fixturesParseAsFoundationDoes() throws {
        for fixture in try InputFixtures.all() {
            let foundation = try JSONSerialization.jsonObject(with: Data(fixture.bytes), options: [.fragmentsAllowed])
            #expect(try JSONValue.parse(fixture.bytes) == JSONValue(foundation: foundation), "\(fixture.name)")
        }
    }
}

/// A small deterministic generator, so fuzz runs repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
