import Foundation
import Testing

@testable import Triggerfish

/// The one `$`-template engine in its dialects, side by side where they differ.
@Suite struct TemplateTests {
    let values = ["name": "web", "labels.app": "shop", "a": "A", "5": "five"]

    func python(_ template: String, dotted: Bool = false) -> String {
        DollarTemplate.substitute(template, dialect: .python(dottedNames: dotted)) { values[$0] }
    }

    func finding(_ template: String) -> String {
        DollarTemplate.substitute(template, dialect: .eventTemplate) { values[$0] }
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

    /// robusta-actions.md A.7: dotted names bare or braced, braced ones also with `/` and `-`;
    /// `$name.` is the unknown name `name.` and `$Name` an unknown name too (run).
    @Test func findingNamesAreDottedIdentifiersBracedOnesAlsoWithSlashAndDash() {
        #expect(finding("${labels.app} $labels.app") == "shop shop")
        #expect(finding("$name. $Name ${name}.") == "<missing> <missing> web.")
        #expect(finding("${labels.app.kubernetes.io/name-x} ${a/b}") == "<missing> <missing>")
        #expect(finding("cost $5") == "cost $5")
        #expect(finding("$é") == "$é")
        #expect(finding("${with space}") == "${with space}")
        // An unclosed brace is text; later placeholders are still replaced.
        #expect(finding("${a $name") == "${a web")
    }

    @Test func findingTemplatesReadTheSubject() {
        let subject = FindingSubject(
            kind: "Pod", name: "web-1", namespace: "shop", node: "n1", labels: ["app.kubernetes.io/name": "web"],
            annotations: ["team": "core"])
        #expect(
            FindingTemplate.render(
                "$kind $namespace/$name on $node: ${labels.app.kubernetes.io/name} ${annotations.team} $other", subject: subject)
                == "pod shop/web-1 on n1: web core <missing>")
        // (run) in robusta-actions.md C1, create_finding on a PodEvent.
        let api = FindingSubject(kind: "Pod", name: "api-1", namespace: "default", node: "n1", labels: ["team": "core"])
        #expect(
            FindingTemplate.render("Pod $name in $namespace on $node: ${labels.team} $annotations.x", subject: api)
                == "Pod api-1 in default on n1: core <missing>")
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
