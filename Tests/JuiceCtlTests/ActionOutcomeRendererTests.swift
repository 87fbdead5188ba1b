import Foundation
import JuiceCtlCore
import Testing

@testable import JuiceCtl

@Suite("Action outcomes in words")
struct ActionOutcomeRendererTests {
    static let mount = Action(.mount, .create, target: "/mnt/demo", reason: "the volume is not mounted")

    @Test func eachOutcomeHasItsName() {
        #expect(ActionOutcomeRenderer.word(.done("mounted")) == "done")
        #expect(ActionOutcomeRenderer.word(.failed("no")) == "failed")
        #expect(ActionOutcomeRenderer.word(.skipped("already mounted")) == "skipped")
        #expect(ActionOutcomeRenderer.word(.notRun(.stopped)) == "not-run")
        #expect(ActionOutcomeRenderer.word(.notRun(.prerequisiteFailed(kind: .mount, target: "/mnt/demo"))) == "not-run")
    }

    @Test func aReasonReadsAsItAlwaysDid() {
        #expect(ActionOutcomeRenderer.text(.stopped) == "juicectl is shutting down; the next run does it")
        #expect(ActionOutcomeRenderer.text(.prerequisiteFailed(kind: .startBackup, target: "/srv/m.db")) == "start-backup /srv/m.db failed")
        #expect(ActionOutcomeRenderer.text(.skippedByPrecondition("/active exists")) == "/active exists")
        #expect(ActionOutcomeRenderer.text(.done("mounted")) == "mounted")
    }

    @Test func aSkippedActionIsLookedAtAndAHeldBackOneIsNot() {
        #expect(ActionResult.Outcome.skipped("x") == .notRun(.skippedByPrecondition("x")))
        #expect(!ActionResult.Outcome.skipped("x").heldBack)
        #expect(ActionResult.Outcome.notRun(.stopped).heldBack)
        #expect(ActionResult.Outcome.notRun(.prerequisiteFailed(kind: .format, target: "demo")).heldBack)
        #expect(!ActionResult.Outcome.failed("x").heldBack)
    }

    @Test func theReportLineSaysWhyAnActionWasNotRun() {
        let line = ReportRenderer.line(
            ActionResult(action: Self.mount, outcome: .notRun(.prerequisiteFailed(kind: .format, target: "demo")), milliseconds: 0))
        #expect(line.hasSuffix(": not run: format demo failed"))
        let skipped = ReportRenderer.line(ActionResult(action: Self.mount, outcome: .skipped("already mounted"), milliseconds: 3))
        #expect(skipped.hasSuffix("/mnt/demo: skipped: already mounted"))
    }

    @Test(arguments: [
        ActionResult.Outcome.done("mounted"), .failed("it broke"), .skipped("already there"), .notRun(.stopped),
        .notRun(.prerequisiteFailed(kind: .createDirectory, target: "/active dir")),
    ])
    func anOutcomeIsStoredAsBeforeAndReadBack(outcome: ActionResult.Outcome) throws {
        let data = try JSONEncoder().encode(outcome)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: String]])
        let key =
            switch ActionOutcomeRenderer.word(outcome) {
            case "not-run": "notRun"
            case let word: word
            }
        #expect(object == [key: ["_0": ActionOutcomeRenderer.text(outcome)]])
        #expect(try JSONDecoder().decode(ActionResult.Outcome.self, from: data) == outcome)
    }
}

extension ActionOutcomeRendererTests {
    @Test func theLogShowsAnOutcomeAsItAlwaysDid() {
        #expect("\(ActionResult.Outcome.done("mounted \"demo\""))" == #"done("mounted \"demo\"")"#)
        #expect("\(ActionResult.Outcome.skipped("already there"))" == #"skipped("already there")"#)
        #expect("\(ActionResult.Outcome.notRun(.stopped))" == #"notRun("juicectl is shutting down; the next run does it")"#)
    }
}
