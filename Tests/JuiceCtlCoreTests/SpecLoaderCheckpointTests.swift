import Foundation
import Testing
@testable import JuiceCtlCore

@Suite("SpecLoader checkpoints and restore")
struct SpecLoaderCheckpointTests {
    @Test("without checkpoints and restore nothing is scheduled, nothing pruned and nothing restored")
    func defaults() throws {
        let spec = try SpecFixture.spec()
        #expect(spec.checkpoints == VolumeSpec.CheckpointSettings())
        #expect(spec.checkpoints.schedule == nil)
        #expect(spec.checkpoints.retain == nil)
        #expect(spec.restore == nil)
    }

    @Test("an empty checkpoints mapping is the same as none")
    func emptyCheckpoints() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("checkpoints: {}\n"))
        #expect(spec.checkpoints == VolumeSpec.CheckpointSettings())
        #expect(spec == (try SpecFixture.spec()))
    }

    @Test("a schedule is parsed as written", arguments: ["@every 15m", "@hourly", "0 */6 * * *", "30 2 * * MON-FRI"])
    func schedule(text: String) throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("checkpoints:\n  schedule: \"\(text)\"\n"))
        #expect(spec.checkpoints.schedule == (try CheckpointSchedule(text)))
        #expect(spec.checkpoints.schedule?.text == text)
        #expect(spec.checkpoints.retain == nil)
    }

    @Test("every retain key is read; the ones left out are 0 and false")
    func retain() throws {
        let full = try SpecFixture.spec(SpecFixture.yaml("""
            checkpoints:
              retain:
                last: 3
                hourly: 24
                daily: 7
                weekly: 4
                monthly: 12
                pruneManual: true
                prunePinned: true

            """))
        #expect(full.checkpoints.retain == RetentionPolicy(last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12,
                                                           pruneManual: true, prunePinned: true))
        let partial = try SpecFixture.spec(SpecFixture.yaml("checkpoints:\n  retain:\n    daily: 7\n"))
        #expect(partial.checkpoints.retain == RetentionPolicy(daily: 7))
        #expect(partial.checkpoints.schedule == nil)
    }

    @Test("a restore request carries its checkpoint and request id")
    func restore() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("restore:\n  checkpoint: before-upgrade\n  requestId: change-4711:2\n"))
        #expect(spec.restore == VolumeSpec.RestoreRequest(checkpoint: "before-upgrade", requestId: "change-4711:2"))
    }

    @Test("schedule, retention and restore are part of the spec's revision")
    func revision() throws {
        let plain = try SpecFixture.spec().origin.revision
        let revisions = try [
            "checkpoints:\n  schedule: \"@daily\"\n",
            "checkpoints:\n  schedule: \"@hourly\"\n",
            "checkpoints:\n  retain:\n    last: 3\n",
            "checkpoints:\n  retain:\n    last: 4\n",
            "restore:\n  checkpoint: a\n  requestId: r1\n",
            "restore:\n  checkpoint: a\n  requestId: r2\n",
        ].map { try SpecFixture.spec(SpecFixture.yaml($0)).origin.revision }
        #expect(Set(revisions + [plain]).count == revisions.count + 1, "every change gives a new revision")
    }

    @Test("a schedule the tool cannot parse is an error at its value, with an example", arguments: [
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  schedule: \"61 * * * *\"\n"), line: 5, column: 13,
                           path: "checkpoints.schedule", message: "'61' is outside minute 0-59", hint: "e.g. @every 15m"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    last: 3\n  schedule: \"@every 10s\"\n"), line: 7, column: 13,
                           path: "checkpoints.schedule", message: "@every needs whole seconds and at least 1m"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  schedule: '* * * *'\n"), line: 5, column: 13,
                           path: "checkpoints.schedule", message: "has 4"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  schedule: \"\"\n"), line: 5, column: 13,
                           path: "checkpoints.schedule", message: "must not be empty"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  schedule: 15\n"), line: 5, column: 13,
                           path: "checkpoints.schedule", message: "expected a schedule: @every 15m"),
    ])
    func badSchedule(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("a retain that keeps nothing is an error at the retain mapping", arguments: [
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    last: 0\n    daily: 0\n"), line: 6, column: 5,
                           path: "checkpoints.retain", message: "retain keeps nothing: set at least one of last, hourly, daily, weekly, monthly above 0",
                           hint: "remove retain to keep every checkpoint"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    pruneManual: true\n"), line: 6, column: 5,
                           path: "checkpoints.retain", message: "retain needs at least one of last, hourly, daily, weekly, monthly"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain: {}\n"), line: 5, column: 11,
                           path: "checkpoints.retain", message: "retain needs at least one of last, hourly, daily, weekly, monthly"),
    ])
    func retainKeepsNothing(expected: ExpectedDiagnostic) {
        expected.check()
        #expect(SpecFixture.errors(expected.yaml).count == 1, "one problem, one error: \(SpecFixture.errors(expected.yaml))")
    }

    @Test("a retain value of the wrong kind is one error at that key, not also 'keeps nothing'", arguments: [
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    last: \"3\"\n"), line: 6, column: 11,
                           path: "checkpoints.retain.last", message: "expected an integer, found a string"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    daily: -1\n"), line: 6, column: 12,
                           path: "checkpoints.retain.daily", message: "-1 is below the minimum 0"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    weekly: 1.5\n"), line: 6, column: 13,
                           path: "checkpoints.retain.weekly", message: "expected an integer, found a number"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    monthly: 3\n    pruneManual: yes\n"), line: 7, column: 18,
                           path: "checkpoints.retain.pruneManual", message: "expected true or false, found a string"),
    ])
    func retainWrongType(expected: ExpectedDiagnostic) {
        expected.check()
        let errors = SpecFixture.errors(expected.yaml)
        #expect(errors.map(\.path) == [expected.path], "\(errors)")
    }

    @Test("an unknown key under checkpoints or retain names the keys allowed there", arguments: [
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  shedule: \"@daily\"\n"), line: 5, column: 3,
                           path: "checkpoints.shedule", message: "unknown key 'shedule'", hint: "did you mean 'schedule'?"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    yearly: 2\n    last: 1\n"), line: 6, column: 5,
                           path: "checkpoints.retain.yearly", message: "unknown key 'yearly'"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("restore:\n  checkpoint: a\n  requestId: r1\n  force: true\n"), line: 7, column: 3,
                           path: "restore.force", message: "unknown key 'force'", hint: "expected one of: checkpoint, requestId"),
    ])
    func unknownKeys(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("a restore request must name a valid checkpoint and a request id", arguments: [
        ExpectedDiagnostic(yaml: SpecFixture.yaml("restore:\n  checkpoint: nightly\n"), line: 5, column: 3,
                           path: "restore", message: "missing required key 'requestId' in 'restore'", hint: "a restore runs once per id"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("restore:\n  requestId: r1\n"), line: 5, column: 3,
                           path: "restore", message: "missing required key 'checkpoint' in 'restore'"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("restore:\n  checkpoint: ../x\n  requestId: r1\n"), line: 5, column: 15,
                           path: "restore.checkpoint", message: "'../x' is not a checkpoint name"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("restore:\n  checkpoint: \".hidden\"\n  requestId: r1\n"), line: 5, column: 15,
                           path: "restore.checkpoint", message: "'.hidden' is not a checkpoint name"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("restore:\n  checkpoint: nightly\n  requestId: \"a b\"\n"), line: 6, column: 14,
                           path: "restore.requestId", message: "is not a request id"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("restore: nightly\n"), line: 4, column: 10,
                           path: "restore", message: "expected a mapping, found a string"),
    ])
    func badRestore(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("every error of the checkpoint sections is reported in one run, in line order")
    func allErrorsAtOnce() {
        let errors = SpecFixture.errors(SpecFixture.yaml("""
            checkpoints:
              schedule: "0 0 0 * *"
              retain:
                last: 0
            restore:
              checkpoint: -x

            """))
        #expect(errors.map(\.path) == ["checkpoints.schedule", "checkpoints.retain", "restore", "restore.checkpoint"], "\(errors)")
        #expect(errors.map(\.location.line) == [5, 7, 9, 9])
    }
}
