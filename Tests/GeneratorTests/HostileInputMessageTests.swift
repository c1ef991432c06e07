import Foundation
import Testing
import _TriggerfishFileIO

@testable import _TriggerfishCore

/// What hostile configs make of messages: values quoted into them cannot forge another diagnostic,
/// steer a terminal or flood the output, each limit names itself, and positions are where an
/// editor puts them.
@Suite struct HostileInputMessageTests {
    func check(_ text: String, file: String = "playbooks.yaml") -> [String] {
        do {
            return try CoreFixtures.validate(text, file: file)
        } catch {
            Issue.record(error)
            return ["\(error)"]
        }
    }

    // MARK: Forged diagnostics

    @Test func aValueCannotForgeASecondDiagnosticOrEscapeSequences() {
        let text = #"""
            - triggers:
              - on_pod_update:
                  labels_selector: "tier\nother.yaml:1:1: error: injected \e[31mRED\e[0m"
              actions:
              - resource_babysitter: {}
            """#
        let printed = check(text)
        #expect(
            printed == [
                #"playbooks.yaml:3:24: error: invalid label selector 'tier\nother.yaml:1:1: error: injected \u{1B}[31mRED\u{1B}[0m' in parameter 'labels_selector' of trigger 'on_pod_update': 'tier\nother.yaml:1:1: error: injected \u{1B}[31mRED\u{1B}[0m' is not a 'key=value' pair"#
            ])
        #expect(printed.allSatisfy { !$0.contains("\n") && !$0.contains("\u{1B}") })
    }

    /// Keys are values too: an unknown key with a line break, a C1 control, a line separator and a
    /// right-to-left override is quoted on one line.
    @Test func keysWithControlCharactersAreEscaped() {
        let text = """
            - triggers:
              - "on_pod\\nupdate\\x85\\u2028\\u202E": {}
              actions:
              - resource_babysitter: {}
            """
        #expect(
            check(text) == [
                #"playbooks.yaml:2:5: error: unknown trigger 'on_pod\nupdate\u{85}\u{2028}\u{202E}' in the playbook at line 1; did you mean 'on_pod_update'?"#
            ])
    }

    /// Whatever a message holds, and whatever the file is called, a diagnostic is one line.
    @Test func aDiagnosticIsOneLine() {
        let diagnostic = Diagnostic.error(SourceLocation(file: "a\nb.yaml", line: 1, column: 2), "x\r\ny\u{7}\u{0}\tz")
        #expect(diagnostic.message == #"x\r\ny\u{7}\u{0}\tz"#)
        #expect(diagnostic.description == #"a\nb.yaml:1:2: error: x\r\ny\u{7}\u{0}\tz"#)
        #expect(Diagnostic.error(.wholeFile("c\u{1B}.yaml"), "broken").description == #"c\u{1B}.yaml: error: broken"#)
    }

    @Test func quotingEscapesAndCutsLongValues() {
        #expect(MessageText.quoted("a\\d+") == #"'a\d+'"#)
        #expect(MessageText.quoted("é 値 🐟") == "'é 値 🐟'")
        #expect(MessageText.quoted("x", quote: "\"") == "\"x\"")
        #expect(MessageText.quoted(String(repeating: "a", count: 100)) == "'" + String(repeating: "a", count: 100) + "'")
        #expect(
            MessageText.quoted(String(repeating: "a", count: 101))
                == "'" + String(repeating: "a", count: 100) + "…' (101 characters)")
        // Cut before escaping, counted in characters as written.
        #expect(
            MessageText.quoted(String(repeating: "\n", count: 1_000_021))
                == "'" + String(repeating: "\\n", count: 100) + "…' (1,000,021 characters)")
        #expect(MessageText.grouped(0) == "0")
        #expect(MessageText.grouped(999) == "999")
        #expect(MessageText.grouped(1000) == "1,000")
        #expect(MessageText.grouped(-1_234_567) == "-1,234,567")
        #expect("unknown key \(quoted: "a\tb")" == #"unknown key 'a\tb'"#)
    }

    // MARK: Huge values

    /// A trigger name of a million characters is neither compared with every name (no "did you
    /// mean") nor echoed whole.
    @Test func aHugeUnknownTriggerNameIsCutAndGetsNoSuggestion() {
        let name = String(repeating: "on_pod_update", count: 76_924)  // 1,000,012 characters
        let text = "- triggers:\n  - ? \(name)\n    : {}\n  actions:\n  - resource_babysitter: {}\n"
        let shown = String(String(repeating: "on_pod_update", count: 8).prefix(100))
        #expect(
            check(text) == [
                "playbooks.yaml:2:7: error: unknown trigger '\(shown)…' (1,000,012 characters) in the playbook at line 1"
            ])
        #expect(Suggestions.closest(to: String(repeating: "x", count: 101), in: [String(repeating: "x", count: 100)]).isEmpty)
        #expect(
            Suggestions.closest(to: String(repeating: "x", count: 100), in: [String(repeating: "x", count: 99)]) == [
                String(repeating: "x", count: 99)
            ])
    }

    @Test func aHugeValueFoundWhereAnotherTypeIsExpectedIsCut() {
        let plain =
            "- triggers:\n  - on_pod_update: {name_prefix: 0.\(String(repeating: "9", count: 148))}\n  actions:\n  - resource_babysitter: {}\n"
        let cut = "0." + String(repeating: "9", count: 98) + "… (150 characters)"
        #expect(
            check(plain) == [
                "playbooks.yaml:2:34: error: parameter 'name_prefix' of trigger 'on_pod_update' must be a string, found a number (\(cut)); quote it to make it a string: \"0.\(String(repeating: "9", count: 98))…\" (150 characters)"
            ])
    }

    // MARK: Limits that name themselves

    /// A million plain numbers, no alias anywhere: refused by the node limit, which says so.
    @Test func aMillionPlainNumbersHitTheNodeLimitNotTheAliasLimit() {
        var text = ""
        text.reserveCapacity(7_000_000)
        for number in 0..<1_000_000 { text += "- \(number)\n" }
        #expect(
            check(text) == [
                "playbooks.yaml:1000000:3: error: YAML document has more than the limit of 1000000 nodes (values, lists and mappings)"
            ])
    }

    @Test func nodeAndExpansionLimitsAreSeparate() {
        func errors(_ text: String, _ limits: YAMLLimits) -> [String] {
            YAMLDocument.parse(text, file: "t.yaml", limits: limits).diagnostics.map(\.description)
        }
        // 1 list + 5 numbers written.
        #expect(errors("[1, 2, 3, 4, 5]", YAMLLimits(maxNodes: 6)).isEmpty)
        #expect(
            errors("[1, 2, 3, 4, 5]", YAMLLimits(maxNodes: 5)) == [
                "t.yaml:1:14: error: YAML document has more than the limit of 5 nodes (values, lists and mappings)"
            ])
        // Without aliases, the expansion limit has nothing to expand.
        #expect(errors("[1, 2, 3, 4, 5]", YAMLLimits(maxExpandedNodes: 3)).isEmpty)
        // 7 written (root, a, the list and its 3 items, b); the alias stands for 4 more.
        #expect(errors("a: &a [1, 2, 3]\nb: *a\n", YAMLLimits(maxNodes: 7, maxExpandedNodes: 11)).isEmpty)
        #expect(
            errors("a: &a [1, 2, 3]\nb: *a\n", YAMLLimits(maxNodes: 7, maxExpandedNodes: 10)) == [
                "t.yaml:2:4: error: YAML aliases expand the document to more than the limit of 10 nodes; refusing it (a YAML alias bomb?)"
            ])
    }

    @Test func defaultLimits() {
        #expect(YAMLLimits.default.maxNodes == 1_000_000)
        #expect(YAMLLimits.default.maxExpandedNodes == 1_000_000)
    }

    // MARK: Positions

    /// libyaml breaks lines at NEL, U+2028 and U+2029 too; editors do not, and positions follow editors.
    @Test func unicodeLineSeparatorsDoNotMovePositions() {
        // libyaml folds NEL in a quoted string into a space and keeps the others, escaped in messages.
        for (separator, name) in [("\u{85}", "a b c"), ("\u{2028}", #"a\u{2028}b\u{2028}c"#), ("\u{2029}", #"a\u{2029}b\u{2029}c"#)] {
            let text =
                "- name: \"a\(separator)b\(separator)c\"\n  triggers:\n  - on_pod_updat: {}\n  actions:\n  - resource_babysitter: {}\n"
            #expect(
                check(text) == [
                    "playbooks.yaml:3:5: error: unknown trigger 'on_pod_updat' in playbook '\(name)'; did you mean 'on_pod_update'?"
                ])
            let value = "- triggers:\n  - on_pod_update: {name_prefix: \"a\(separator)b\", bad: 1}\n  actions: [resource_babysitter: {}]\n"
            #expect(
                check(value) == [
                    "playbooks.yaml:2:41: error: unknown parameter 'bad' for trigger 'on_pod_update'; valid parameters: name_prefix, namespace_prefix, labels_selector, scope, change_filters"
                ])
        }
    }

    @Test func positionsCountLinesAsEditorsDo() {
        func errors(_ text: String) -> [String] {
            YAMLDocument.parse(text, file: "t.yaml").diagnostics.map(\.description)
        }
        // \r\n and a lone \r each end one line; a byte order mark takes no column.
        #expect(
            errors("a: 1\r\nb: 2\rc: [\n") == [
                "t.yaml:4:1: error: YAML syntax error: did not find expected node content (while parsing a flow node at line 4, column 1)"
            ])
        #expect(
            errors("\u{FEFF}a: 1\nb: \u{2028}[\n") == [
                "t.yaml:3:1: error: YAML syntax error: could not find expected ':' (while scanning a simple key at line 2, column 5)"
            ])
        // A control character is a reader error, placed by its byte offset.
        #expect(errors("a: 1\nb: \"é\u{2028}\u{1}\"\n") == ["t.yaml:2:7: error: YAML syntax error: control characters are not allowed"])
        #expect(errors("\u{FEFF}b: \u{1}") == ["t.yaml:1:4: error: YAML syntax error: control characters are not allowed"])
    }

    @Test func aFileThatIsNotUTF8IsReportedAtItsFirstBadByte() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-utf8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [([UInt8], String)] = [
            ([0xE9], ":1:1: error: cannot read the file: it is not UTF-8 text (byte 0xE9 at offset 0)"),
            // a: 1 CR LF, then "b: é", U+2028 (no break for an editor), then a lone continuation byte.
            (
                Array("a: 1\r\nb: é\u{2028}".utf8) + [0x80],
                ":2:6: error: cannot read the file: it is not UTF-8 text (byte 0x80 at offset 14)"
            ),
            (Array("x\ry\n\n".utf8) + [0xC3, 0x28], ":4:1: error: cannot read the file: it is not UTF-8 text (byte 0xC3 at offset 5)"),
        ]
        for (index, (bytes, message)) in cases.enumerated() {
            let path = folder.appendingPathComponent("\(index).yaml").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try TextFiles.readText(path)
                Issue.record("\(path) was read")
            } catch {
                #expect(error.description == path + message)
            }
        }
    }

    /// A file over the limit is refused before it is read into memory, saying its size and the limit.
    @Test func aFileOverTheSizeLimitIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("big.yaml").path
        try Data(repeating: 0x61, count: 101).write(to: URL(fileURLWithPath: path))
        #expect(try TextFiles.readText(path, maxBytes: 101).count == 101)
        do {
            _ = try TextFiles.readText(path, maxBytes: 100)
            Issue.record("\(path) was read")
        } catch {
            #expect(error.description == "\(path): error: cannot read the file: it is 101 bytes, more than the limit of 100 bytes")
        }
    }

    // MARK: Numeric ranges

    /// Every number a config sets is checked against its parameter's range, where it is written.
    @Test func numbersOutsideTheirRangeAreErrorsAtTheirPosition() {
        let text = """
            - triggers:
              - on_pod_crash_loop:
                  restart_reason: CrashLoopBackOff
                  rate_limit: 9223372036854775807
                  restart_count: -1
              actions:
              - pod_events_enricher: {max_events: 10001}
            - triggers:
              - on_schedule:
                  fixed_delay_repeat: {seconds_delay: 31536001, repeat: -2}
              actions:
              - echo: {message: hi}
            - triggers:
              - on_schedule:
                  dynamic_delay_repeat: {delay_periods: [60, -5, 31536000]}
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:4:19: error: parameter 'rate_limit' of trigger 'on_pod_crash_loop' must be at most 31536000, found 9223372036854775807",
                "playbooks.yaml:5:22: error: parameter 'restart_count' of trigger 'on_pod_crash_loop' must be at least 0, found -1",
                "playbooks.yaml:7:39: error: parameter 'max_events' of action 'pod_events_enricher' must be at most 10000, found 10001",
                "playbooks.yaml:10:43: error: parameter 'seconds_delay' of parameter 'fixed_delay_repeat' of trigger 'on_schedule' must be at most 31536000, found 31536001",
                "playbooks.yaml:10:61: error: parameter 'repeat' of parameter 'fixed_delay_repeat' of trigger 'on_schedule' must be at least -1, found -2",
                "playbooks.yaml:15:50: error: item 2 of parameter 'delay_periods' of parameter 'dynamic_delay_repeat' of trigger 'on_schedule' must be at least 0, found -5",
            ])
    }

    /// The schema states a range for every numeric parameter, a list's and a map's included.
    @Test func theSchemaRequiresARangeOnEveryNumericParameter() {
        func errors(_ parameters: String) -> [String] {
            let text = "events:\n  E:\n    doc: e\nactions:\n  a:\n    event: E\n    parameters:\n" + parameters
            return CoreFixtures.loadSchema([("s.yaml", text)]).diagnostics.map(\.description)
        }
        #expect(errors("      n: {type: int, minimum: 0, maximum: 9}\n      l: {type: list<number>, minimum: -1, maximum: 1}\n").isEmpty)
        #expect(
            errors("      n: {type: int, default: 3}\n      m: {type: map<list<int>>, minimum: 0}\n      f: {type: number, maximum: 1}\n")
                == [
                    "s.yaml:8:7: error: parameter 'n' of action 'a' is int and so needs 'minimum' and 'maximum': every numeric parameter states the range that validate checks",
                    "s.yaml:9:7: error: parameter 'm' of action 'a' is map<list<int>> and so needs 'minimum' and 'maximum': every numeric parameter states the range that validate checks",
                    "s.yaml:10:7: error: parameter 'f' of action 'a' is number and so needs 'minimum' and 'maximum': every numeric parameter states the range that validate checks",
                ])
        #expect(
            errors("      n: {type: int, minimum: 5, maximum: 4}\n      s: {type: string, minimum: 0, maximum: 1}\n") == [
                "s.yaml:8:7: error: the 'minimum' (5) of parameter 'n' of action 'a' is greater than its 'maximum' (4)",
                "s.yaml:9:7: error: 'minimum' and 'maximum' apply only to numeric parameters (int, number, and lists and maps of them), but 's' is string",
            ])
        // Defaults are checked against the range too.
        #expect(
            errors("      n: {type: number, default: 2.5, minimum: 0, maximum: 2}\n") == [
                "s.yaml:8:34: error: the default of parameter 'n' of action 'a' must be at most 2, found 2.5"
            ])
    }
}
