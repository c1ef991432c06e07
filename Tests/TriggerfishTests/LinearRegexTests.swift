import Foundation
import Testing

@testable import Triggerfish
@testable import _TriggerfishCore

/// The linear-time regex engine every configured regex runs on (``LinearRegex``).
@Suite struct LinearRegexTests {
    // MARK: Agreement with Swift's backtracking Regex

    /// A small deterministic generator (SplitMix64), so a failure names a reproducible case.
    struct Generator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

        /// A pattern over `a`, `b`, `-` and `1` of about `depth` levels.
        mutating func pattern(depth: Int) -> String {
            if depth == 0 || below(4) == 0 {
                return pick(["a", "b", "ab", ".", "[ab]", "[^a]", "[a-b1]", "\\d", "\\w", "\\W", "-", "a", "b", ""])
            }
            switch below(9) {
            case 0, 1: return pattern(depth: depth - 1) + pattern(depth: depth - 1)
            case 2: return pattern(depth: depth - 1) + "|" + pattern(depth: depth - 1)
            case 3: return "(" + pattern(depth: depth - 1) + ")"
            case 4: return "(?:" + pattern(depth: depth - 1) + ")"
            case 5: return pick(["^", "$", "\\b", "\\B", "\\A", "\\z"]) + pattern(depth: depth - 1)
            default:
                let atom = below(2) == 0 ? "(" + pattern(depth: depth - 1) + ")" : pick(["a", "b", ".", "[ab]", "(?:a|b)", "(a|)", "(|b)"])
                let quantifier = pick(["*", "+", "?", "{2}", "{1,2}", "{0,2}", "{2,}", "*?", "+?", "??", "{1,2}?", "{,1}"])
                return atom + quantifier
            }
        }

        mutating func input() -> String {
            String((0..<below(7)).map { _ in pick(["a", "b", "-", "1", "a", "b"]) })
        }
    }

    /// Group ranges as scalar offsets, `nil` for a group that did not take part.
    static func swiftGroups(_ match: Regex<AnyRegexOutput>.Match, in text: String) -> [Range<Int>?] {
        match.output.map { group in
            group.range.map { range in
                text.unicodeScalars.distance(
                    from: text.startIndex, to: range.lowerBound)..<text.unicodeScalars.distance(from: text.startIndex, to: range.upperBound)
            }
        }
    }

    static func linearGroups(_ match: LinearRegex.Match, groupCount: Int) -> [Range<Int>?] {
        (0...groupCount).map { match.range(of: $0) }
    }

    /// Generated patterns × generated inputs: the same match or no match, and the same group
    /// ranges, for fullmatch, match at the start and search. Swift's `Regex` with simple word
    /// boundaries (Python's `\b`) is the reference; inputs are short so that it never takes long.
    @Test func agreesWithSwiftRegexOnGeneratedCases() throws {
        var generator = Generator(state: 12)
        var cases = 0
        var nestedEmptyLoopCases = 0
        var disagreements: [String] = []
        for _ in 0..<1500 {
            let pattern = (generator.below(8) == 0 ? "(?i)" : "") + generator.pattern(depth: 4)
            guard let reference = try? Regex(pattern).matchingSemantics(.unicodeScalar).wordBoundaryKind(.simple) else { continue }
            let linear: LinearRegex
            do {
                linear = try LinearRegex(pattern)
            } catch {
                disagreements.append("\(pattern): \(error.message)")
                continue
            }
            for _ in 0..<12 {
                var text = generator.input()
                if pattern.hasPrefix("(?i)") { text = text.uppercased() }
                // Swift's simple word boundaries take digits for non-word characters; Python's do not.
                if pattern.contains("\\b") || pattern.contains("\\B") { text = text.replacingOccurrences(of: "1", with: "-") }
                var expected = [
                    try reference.wholeMatch(in: text), try reference.prefixMatch(in: text), try reference.firstMatch(in: text),
                ]
                .map { $0.map { Self.swiftGroups($0, in: text) } }
                var actual = [LinearRegex.Anchoring.whole, .start, .anywhere].map { anchoring in
                    linear.firstMatch(in: text, anchoring: anchoring).map { Self.linearGroups($0, groupCount: linear.groupCount) }
                }
                cases += 3
                if linear.nestsEmptyLoops {
                    // The documented difference: only the whole match is compared.
                    expected = expected.map { $0.map { Array($0.prefix(1)) } }
                    actual = actual.map { $0.map { Array($0.prefix(1)) } }
                    nestedEmptyLoopCases += 3
                }
                if expected != actual && disagreements.count < 400 {
                    disagreements.append("\(pattern) on '\(text)': Swift \(expected), linear \(actual)")
                }
            }
        }
        #expect(disagreements == [])
        #expect(cases > 50_000)
        #expect(nestedEmptyLoopCases < cases / 20)
    }

    /// Finding every match (log filters and masks) gives what `NSRegularExpression` gave.
    @Test func allMatchesAgreeWithNSRegularExpression() throws {
        var generator = Generator(state: 7)
        var disagreements: [String] = []
        var cases = 0
        for _ in 0..<600 {
            let pattern = generator.pattern(depth: 3)
            guard let reference = try? NSRegularExpression(pattern: pattern), let linear = try? LinearRegex(pattern) else { continue }
            for _ in 0..<8 {
                let text = generator.input()
                let expected = reference.matches(in: text, range: NSRange(location: 0, length: text.utf16.count)).map {
                    $0.range.location..<$0.range.location + $0.range.length
                }
                let actual = linear.allMatches(in: Array(text.unicodeScalars)).map(\.range)
                cases += 1
                if expected != actual && disagreements.count < 400 {
                    disagreements.append("\(pattern) on '\(text)': ICU \(expected), linear \(actual)")
                }
            }
        }
        #expect(disagreements == [])
        #expect(cases > 3_000)
    }

    // MARK: Hostile patterns finish

    @Test func nestedQuantifiersOnHostileInputsFinish() throws {
        let text = String(repeating: "a", count: 10_000) + "!"
        let nested = try LinearRegex("(a+)+$")
        #expect(nested.firstMatch(in: text, anchoring: .whole) == nil)
        #expect(nested.firstMatch(in: text, anchoring: .start) == nil)
        #expect(nested.firstMatch(in: text, anchoring: .anywhere) == nil)
        let choices = try LinearRegex("(a|aa)*b")
        #expect(choices.firstMatch(in: text, anchoring: .anywhere) == nil)
        #expect(choices.firstMatch(in: String(repeating: "a", count: 10_000) + "b", anchoring: .whole)?.range == 0..<10_001)
        let dots = try LinearRegex("(.*)*x")
        #expect(dots.firstMatch(in: text, anchoring: .anywhere) == nil)
        #expect(
            dots.firstMatch(in: text + "x", anchoring: .anywhere).map { LinearRegexTests.linearGroups($0, groupCount: 1) } == [
                0..<10_002, 10_001..<10_001,
            ])
    }

    /// The issue's case: a scope `(a+)+$` and a pod named 22 × `a` + `!` stalled the runner.
    @Test func scopeWithNestedQuantifiersRejectsAHostilePodName() throws {
        let scope = try CompiledScope(.object(["include": .array([.object(["name": .string("(a+)+$")])])]))
        #expect(!scope.accepts { $0 == "name" ? .text(String(repeating: "a", count: 22) + "!") : nil })
        #expect(!scope.accepts { $0 == "name" ? .text(String(repeating: "a", count: 5_000) + "!") : nil })
        #expect(scope.accepts { $0 == "name" ? .text(String(repeating: "a", count: 5_000)) : nil })
    }

    @Test func logFilterAndMaskOnHostileLogsFinish() throws {
        let log = String(repeating: "a", count: 20_000) + "!"
        #expect(try LogText.matches(of: "(a+)+!", in: log, action: "logs_enricher") == [String(repeating: "a", count: 20_000)])
        let masked = try LogText.mask(NamedRegexPattern(name: "x", regex: "(a|aa)+b"), in: log, named: true, action: "logs_enricher")
        #expect(masked == log)
    }

    /// The fixed patterns the pod analyses match event messages with compile, and match.
    @Test func podAnalysisPatterns() {
        #expect(PodAnalysis.compiledPullPatterns.count == PodAnalysis.pullPatterns.count)
        #expect(PodAnalysis.compiledPendingTemplates.allSatisfy { $0.templates.allSatisfy { $0.1 != nil } })
        let notFound = #"failed to pull and unpack image "x:1": failed to resolve reference "x:1": registry: not found"#
        #expect(PodAnalysis.pullFailure(notFound) == .repoDoesntExist)
        #expect(PodAnalysis.pullFailure("Error: Timeout exceeded while pulling") == .timeout)
        #expect(PodAnalysis.pullFailure("something else") == .unknown)
        #expect(
            PodAnalysis.pendingReasons(
                in: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had taint {a: b}, that the pod didn't tolerate.")
                == ["NotEnoughCPU", "NoMatchingTaint"])
        #expect(PodAnalysis.nodesAvailable.firstMatch(in: "0/3 nodes are available: x", anchoring: .start) != nil)
    }

    // MARK: Python's meaning

    @Test func pythonSemantics() throws {
        func groups(_ pattern: String, _ text: String, _ anchoring: LinearRegex.Anchoring = .anywhere) throws -> [Range<Int>?]? {
            let regex = try LinearRegex(pattern)
            return regex.firstMatch(in: text, anchoring: anchoring).map { Self.linearGroups($0, groupCount: regex.groupCount) }
        }
        // `$` also matches before a final newline; `\Z` only at the end; `.` skips only `\n`.
        #expect(try groups("a$", "a\n") == [0..<1])
        #expect(try groups("a\\Z", "a\n") == nil)
        #expect(try groups("a.", "a\r") == [0..<2])
        #expect(try groups("a.", "a\n") == nil)
        #expect(try groups("(?s)a.", "a\n") == [0..<2])
        #expect(try groups("(?m)^b$", "a\nb\nc") == [2..<3])
        // Simple word boundaries, Unicode `\w` and `\d`.
        #expect(try groups("\\bb", "a.b") == [2..<3])
        #expect(try groups("\\w+", "é_1") == [0..<3])
        #expect(try groups("\\d", "١") == [0..<1])
        // Named groups, flags, escapes, counted repetition, lazy quantifiers.
        #expect(try groups("(?P<x>a)(?<y>b)", "ab") == [0..<2, 0..<1, 1..<2])
        #expect(try LinearRegex("(?P<x>a)(?<y>b)").groupNames == ["x": 1, "y": 2])
        #expect(try groups("(?i)k[A-Z]", "\u{212A}x", .whole) == [0..<2])
        #expect(try groups("(?i:a)b", "AB") == nil)
        #expect(try groups("\\x41\\u0042\\n\\t\\.", "AB\n\t.") == [0..<5])
        #expect(try groups("a{2,3}?", "aaaa") == [0..<2])
        #expect(try groups("a{2", "a{2") == [0..<3])
        #expect(try groups("(?x) a b # comment", "ab") == [0..<2])
        #expect(try groups("(a*)*", "b") == [0..<0, 0..<0])
        #expect(try groups("(a|)*", "aa") == [0..<2, 2..<2])
        #expect(try groups("(|a)*", "aa") == [0..<0, 0..<0])
    }

    /// Why a pattern does not compile, in full.
    @Test(arguments: [
        ("(a)\\1", "backreference '\\1' is not supported: it cannot be matched in linear time"),
        ("(?P<n>a)(?P=n)", "backreference '(?P=' is not supported: it cannot be matched in linear time"),
        ("a(?=b)", "lookahead '(?=' is not supported: it cannot be matched in linear time"),
        ("a(?!b)", "lookahead '(?!' is not supported: it cannot be matched in linear time"),
        ("(?<=a)b", "lookbehind '(?<=' is not supported: it cannot be matched in linear time"),
        ("(?<!a)b", "lookbehind '(?<!' is not supported: it cannot be matched in linear time"),
        ("(?>a)", "atomic group '(?>' is not supported: it cannot be matched in linear time"),
        ("a++", "possessive quantifier '++' is not supported: it cannot be matched in linear time"),
        ("a{1001}", "repetition count 1001 in '{1001}' is over the limit of 1000"),
        ("(?:(?:a{1000}){1000})", "the pattern is too large: it compiles to more than 20000 instructions"),
        (
            String(repeating: "(a{90})", count: 100),
            "the pattern is too large: its 9203 instructions and 100 groups would keep more than 1000000 positions per scalar matched"
        ),
        ("a{3,2}", "range lower bound '3' must be less than or equal to upper bound '2'"),
        ("a**", "quantifier '*' must appear after expression"),
        ("*a", "quantifier '*' must appear after expression"),
        ("foo(", "expected ')'"),
        ("a)", "unbalanced ')'"),
        ("[z-a]", "character 'z' must compare less than or equal to 'a'"),
        ("[", "expected custom character class members"),
        ("[ab", "expected ']'"),
        ("[\\d-z]", "invalid bound for character class range"),
        ("\\p{L}", "Unicode property '\\p' is not supported (Python's re has none)"),
        ("[[:alpha:]]", "POSIX class '[:alpha:]' is not supported (Python's re has none)"),
        ("\\q", "unknown escape '\\q'"),
        ("a\\", "pattern ends with '\\'"),
        ("(?u)", "unknown group construct or flag '(?u'"),
        (String(repeating: "(", count: 101) + String(repeating: ")", count: 101), "groups are nested more than 100 deep"),
    ])
    func rejectedPatterns(pattern: String, message: String) {
        #expect(throws: RuleProblem(message)) { try LinearRegex(pattern) }
    }

    // MARK: Through the validator

    static func validate(_ yaml: String) -> [String] {
        ConfigValidator(schema: PlaybookConfig.builtinSchema).validate(text: yaml, file: "rules.yaml").diagnostics.map(\.description)
    }

    @Test func validatorNamesTheConstructItRejects() {
        let yaml = """
            active_playbooks:
              - triggers:
                  - on_pod_update: {scope: {include: [{name: 'web-(?=x)'}]}}
                actions:
                  - create_finding: {title: t, aggregation_key: k}
            """
        #expect(
            Self.validate(yaml) == [
                "rules.yaml:3:50: error: invalid regex 'web-(?=x)' in 'name' in include entry 1 of parameter 'scope' of trigger 'on_pod_update': lookahead '(?=' is not supported: it cannot be matched in linear time"
            ])
    }

    @Test func validatorRejectsBackreferencesInRegexParameters() {
        let yaml = """
            active_playbooks:
              - triggers:
                  - on_pod_update: {}
                actions:
                  - logs_enricher: {filter_regex: '(a)\\1'}
            """
        #expect(
            Self.validate(yaml) == [
                "rules.yaml:5:39: error: invalid regex '(a)\\1' in parameter 'filter_regex' of action 'logs_enricher': backreference '\\1' is not supported: it cannot be matched in linear time"
            ])
    }

    @Test func validatorWarnsAboutNestedQuantifiers() {
        let yaml = """
            active_playbooks:
              - triggers:
                  - on_pod_update: {scope: {include: [{name: '(a+)+$', labels: 'app=(x*)*'}]}}
                actions:
                  - create_finding: {title: t, aggregation_key: k}
                  - logs_enricher: {filter_regex: '(.*)*x'}
            sinks_config:
              - console_sink: {name: c, match: {title: '(\\w+\\s?)+:'}}
            """
        #expect(
            Self.validate(yaml) == [
                "rules.yaml:3:50: warning: regex '(a+)+$' in 'name' in include entry 1 of parameter 'scope' of trigger 'on_pod_update' nests quantifiers ('+' inside '+'): Python's re in Robusta can take exponential time on some inputs (Triggerfish matches in linear time)",
                "rules.yaml:3:68: warning: regex '(x*)*' in 'labels' in include entry 1 of parameter 'scope' of trigger 'on_pod_update' nests quantifiers ('*' inside '*'): Python's re in Robusta can take exponential time on some inputs (Triggerfish matches in linear time)",
                "rules.yaml:6:39: warning: regex '(.*)*x' in parameter 'filter_regex' of action 'logs_enricher' nests quantifiers ('*' inside '*'): Python's re in Robusta can take exponential time on some inputs (Triggerfish matches in linear time)",
                "rules.yaml:8:44: warning: regex '(\\w+\\s?)+:' in 'title' in 'match' of sink 'console_sink' nests quantifiers ('+' inside '+'): Python's re in Robusta can take exponential time on some inputs (Triggerfish matches in linear time)",
            ])
    }
}
