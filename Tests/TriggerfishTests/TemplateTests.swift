import Foundation
import Testing

@testable import Triggerfish

/// The one `$`-template engine in its two dialects, side by side where they differ.
@Suite struct TemplateTests {
    let values = ["name": "web", "labels.app": "shop", "a": "A", "5": "five"]

    func python(_ template: String, dotted: Bool = false) -> String {
        DollarTemplate.substitute(template, dialect: .python(dottedNames: dotted)) { values[$0] }
    }

    func finding(_ template: String) -> String {
        DollarTemplate.substitute(template, dialect: .finding) { values[$0] }
    }

    @Test func bothDialectsReplaceBareAndBracedNamesAndKeepAnEscapedDollar() {
        for render in [{ python($0) }, { python($0, dotted: true) }, finding] {
            #expect(render("$name/${name}-x") == "web/web-x")
            #expect(render("$$name costs $$") == "$name costs $")
            #expect(render("$nobody and ${nobody}") == "<missing> and <missing>")
            #expect(render("end $") == "end $")
            #expect(render("${}") == "${}")
            #expect(render("${a") == "${a")
            #expect(render("$ alone, $-dash") == "$ alone, $-dash")
        }
    }

    @Test func pythonNamesAreASCIIIdentifiersDotsOnlyWhenAsked() {
        #expect(python("${labels.app} $labels.app") == "${labels.app} <missing>.app")
        #expect(python("${labels.app} $labels.app", dotted: true) == "shop shop")
        #expect(python("cost $5") == "cost $5")
        #expect(python("$é") == "$é")
        #expect(python("${with space}") == "${with space}")
        // An unclosed brace is text; later placeholders are still replaced.
        #expect(python("${a $name") == "${a web")
    }

    @Test func findingBareNamesAreWordsOfAnyScriptAndBracedKeysAnyText() {
        #expect(finding("${labels.app} $labels.app") == "shop <missing>.app")
        #expect(finding("cost $5") == "cost five")
        #expect(finding("$é") == "<missing>")
        #expect(finding("${with space}") == "<missing>")
        // An unclosed brace keeps the rest of the template as it is.
        #expect(finding("${a $name") == "${a $name")
    }

    @Test func findingTemplatesReadTheSubject() {
        let subject = FindingSubject(
            kind: "Pod", name: "web-1", namespace: "shop", node: "n1", labels: ["app.kubernetes.io/name": "web"],
            annotations: ["team": "core"])
        #expect(
            FindingTemplate.render(
                "$kind $namespace/$name on $node: ${labels.app.kubernetes.io/name} ${annotations.team} $other", subject: subject)
                == "pod shop/web-1 on n1: web core <missing>")
    }

    @Test func groupNumbersAreDigitsBracedOrNot() {
        let groups = ["0": "web-1", "1": "web", "12": "twelve"]
        func expand(_ replacement: String) -> String {
            DollarTemplate.substitute(replacement, dialect: .groupNumbers) { groups[$0] ?? "" }
        }
        #expect(expand("$1-${1}x $0 $12 ${1}2") == "web-webx web-1 twelve web2")
        #expect(expand("$$1 $name ${1 $") == "$1 $name ${1 $")
        #expect(expand("$9 ${9}") == " ")
    }
}
