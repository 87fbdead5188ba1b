import Foundation
import Testing

@testable import JuiceCtlCore

extension SpecFixture {
    /// The minimal spec with a restore of checkpoint v1 as request r1 (lines 4 to 6), then `extra`: its first line is
    /// line 7, and a key of restore written in it starts at column 3.
    static func restoreV1(_ extra: String) -> String {
        yaml("restore:\n  checkpoint: v1\n  requestId: r1\n" + extra)
    }
}

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

    @Test("checkpoints.durable makes scheduled checkpoints durable, and the plan's scheduled step asks for it")
    func durable() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("checkpoints:\n  schedule: \"@hourly\"\n  durable: true\n"))
        #expect(spec.checkpoints.durable)
        #expect(try SpecFixture.spec().checkpoints.durable == false)
        var observation = ObservationFixture.converged(spec)
        observation.catalog = CheckpointCatalog(entries: [])
        let step = try #require(Planner.plan(spec, observation).actions.first { $0.kind == .createCheckpoint })
        #expect(step.checkpoint?.durable == true)
        #expect(step.reason.hasSuffix("; durable"))
    }

    @Test("checkpoints.durable is a boolean, an error at its value otherwise")
    func durableIsABoolean() {
        let errors = SpecFixture.errors(SpecFixture.yaml("checkpoints:\n  durable: yes\n"))
        #expect(errors.map(\.path) == ["checkpoints.durable"])
        #expect(errors.first?.location.line == 5)
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
        let full = try SpecFixture.spec(
            SpecFixture.yaml(
                """
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
        #expect(
            full.checkpoints.retain
                == RetentionPolicy(
                    last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12,
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

    @Test("a restore request terminates no user unless told, and would give them 10s between SIGTERM and SIGKILL")
    func restoreDefaults() throws {
        let restore = try #require(try SpecFixture.spec(SpecFixture.restoreV1("")).restore)
        #expect(restore.terminateUsers == false)
        #expect(restore.grace == .seconds(10))
    }

    @Test(
        "terminateUsers and grace reach the model, grace from 0s to 1h",
        arguments: [
            ("true", "0s" as String?, true, TimeSpan.zero), ("true", "1h", true, .seconds(3600)), ("true", "2m30s", true, .seconds(150)),
            ("false", nil, false, .seconds(10)), ("true", nil, true, .seconds(10)), ("True", "\"0\"", true, .zero),
        ])
    func terminateUsers(flag: String, grace: String?, terminate: Bool, expected: TimeSpan) throws {
        let yaml = SpecFixture.restoreV1("  terminateUsers: \(flag)\n" + (grace.map { "  grace: \($0)\n" } ?? ""))
        let result = SpecLoader().load(text: yaml, file: "spec.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let restore = try #require(result.specs.first?.restore)
        #expect(restore == VolumeSpec.RestoreRequest(checkpoint: "v1", requestId: "r1", terminateUsers: terminate, grace: expected))
    }

    @Test("grace without terminateUsers: true is accepted with a warning at grace", arguments: ["", "  terminateUsers: false\n"])
    func graceWithoutTerminate(flag: String) throws {
        let result = SpecLoader().load(text: SpecFixture.restoreV1("\(flag)  grace: 30s\n"), file: "spec.yaml")
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let warning = try #require(result.diagnostics.warnings.first)
        #expect(result.diagnostics.warnings.count == 1)
        #expect(warning.path == "restore.grace")
        #expect(warning.location.line == (flag.isEmpty ? 7 : 8) && warning.location.column == 10)
        #expect(warning.message == "grace has no effect without terminateUsers: true")
        #expect(result.specs.first?.restore?.grace == .seconds(30))
    }

    @Test(
        "terminateUsers is a YAML 1.2 boolean and grace a duration from 0s to 1h, each checked at its value",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.restoreV1("  terminateUsers: yes\n"), line: 7, column: 19, path: "restore.terminateUsers",
                message: "expected true or false, found a string", hint: "'yes' is a string in YAML 1.2"),
            ExpectedDiagnostic(
                yaml: SpecFixture.restoreV1("  terminateUsers: \"true\"\n"), line: 7, column: 19,
                path: "restore.terminateUsers", message: "expected true or false, found a string"),
            ExpectedDiagnostic(
                yaml: SpecFixture.restoreV1("  terminateUsers: 1\n"), line: 7, column: 19, path: "restore.terminateUsers",
                message: "expected true or false, found an integer"),
            ExpectedDiagnostic(
                yaml: SpecFixture.restoreV1("  terminateUsers: true\n  grace: 1h1s\n"), line: 8, column: 10,
                path: "restore.grace", message: "'1h1s' is above the maximum 1h", hint: "0s to 1h"),
            ExpectedDiagnostic(
                yaml: SpecFixture.restoreV1("  terminateUsers: true\n  grace: -1s\n"), line: 8, column: 10,
                path: "restore.grace", message: "'-1s' is not a duration"),
            ExpectedDiagnostic(
                yaml: SpecFixture.restoreV1("  terminateUsers: true\n  grace: 0\n"), line: 8, column: 10, path: "restore.grace",
                message: "found an integer"),
            ExpectedDiagnostic(
                yaml: SpecFixture.restoreV1("  terminateUser: true\n"), line: 7, column: 3, path: "restore.terminateUser",
                message: "unknown key 'terminateUser'", hint: "did you mean 'terminateUsers'?"),
        ])
    func badTerminateUsers(expected: ExpectedDiagnostic) {
        expected.check()
        #expect(SpecFixture.errors(expected.yaml).count == 1, "one problem, one error: \(SpecFixture.errors(expected.yaml))")
    }

    @Test("schedule, retention and restore, with terminateUsers and grace, are part of the spec's revision")
    func revision() throws {
        let plain = try SpecFixture.spec().origin.revision
        let revisions = try [
            "checkpoints:\n  schedule: \"@daily\"\n",
            "checkpoints:\n  schedule: \"@hourly\"\n",
            "checkpoints:\n  retain:\n    last: 3\n",
            "checkpoints:\n  retain:\n    last: 4\n",
            "restore:\n  checkpoint: a\n  requestId: r1\n",
            "restore:\n  checkpoint: a\n  requestId: r2\n",
            "restore:\n  checkpoint: a\n  requestId: r2\n  terminateUsers: true\n",
            "restore:\n  checkpoint: a\n  requestId: r2\n  terminateUsers: true\n  grace: 1s\n",
        ].map { try SpecFixture.spec(SpecFixture.yaml($0)).origin.revision }
        #expect(Set(revisions + [plain]).count == revisions.count + 1, "every change gives a new revision")
    }

    @Test(
        "a schedule the tool cannot parse is an error at its value, with an example",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  schedule: \"61 * * * *\"\n"), line: 5, column: 13,
                path: "checkpoints.schedule", message: "'61' is outside minute 0-59", hint: "e.g. @every 15m"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    last: 3\n  schedule: \"@every 10s\"\n"), line: 7, column: 13,
                path: "checkpoints.schedule", message: "@every needs whole seconds and at least 1m"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  schedule: '* * * *'\n"), line: 5, column: 13,
                path: "checkpoints.schedule", message: "has 4"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  schedule: \"\"\n"), line: 5, column: 13,
                path: "checkpoints.schedule", message: "must not be empty"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  schedule: 15\n"), line: 5, column: 13,
                path: "checkpoints.schedule", message: "expected a schedule: @every 15m"),
        ])
    func badSchedule(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "a retain that keeps nothing is an error at the retain mapping",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    last: 0\n    daily: 0\n"), line: 6, column: 5,
                path: "checkpoints.retain",
                message: "retain keeps nothing: set at least one of last, hourly, daily, weekly, monthly above 0",
                hint: "remove retain to keep every checkpoint"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    pruneManual: true\n"), line: 6, column: 5,
                path: "checkpoints.retain", message: "retain needs at least one of last, hourly, daily, weekly, monthly"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain: {}\n"), line: 5, column: 11,
                path: "checkpoints.retain", message: "retain needs at least one of last, hourly, daily, weekly, monthly"),
        ])
    func retainKeepsNothing(expected: ExpectedDiagnostic) {
        expected.check()
        #expect(SpecFixture.errors(expected.yaml).count == 1, "one problem, one error: \(SpecFixture.errors(expected.yaml))")
    }

    @Test(
        "a retain value of the wrong kind is one error at that key, not also 'keeps nothing'",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    last: \"3\"\n"), line: 6, column: 11,
                path: "checkpoints.retain.last", message: "expected an integer, found a string"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    daily: -1\n"), line: 6, column: 12,
                path: "checkpoints.retain.daily", message: "-1 is below the minimum 0"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    weekly: 1.5\n"), line: 6, column: 13,
                path: "checkpoints.retain.weekly", message: "expected an integer, found a number"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    monthly: 3\n    pruneManual: yes\n"), line: 7, column: 18,
                path: "checkpoints.retain.pruneManual", message: "expected true or false, found a string"),
        ])
    func retainWrongType(expected: ExpectedDiagnostic) {
        expected.check()
        let errors = SpecFixture.errors(expected.yaml)
        #expect(errors.map(\.path) == [expected.path], "\(errors)")
    }

    @Test(
        "an unknown key under checkpoints or retain names the keys allowed there",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  shedule: \"@daily\"\n"), line: 5, column: 3,
                path: "checkpoints.shedule", message: "unknown key 'shedule'", hint: "did you mean 'schedule'?"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    yearly: 2\n    last: 1\n"), line: 6, column: 5,
                path: "checkpoints.retain.yearly", message: "unknown key 'yearly'"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("restore:\n  checkpoint: a\n  requestId: r1\n  force: true\n"), line: 7, column: 3,
                path: "restore.force", message: "unknown key 'force'",
                hint: "expected one of: checkpoint, requestId, terminateUsers, grace"),
        ])
    func unknownKeys(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "a restore request must name a valid checkpoint and a request id",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("restore:\n  checkpoint: nightly\n"), line: 5, column: 3,
                path: "restore", message: "missing required key 'requestId' in 'restore'", hint: "a restore runs once per id"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("restore:\n  requestId: r1\n"), line: 5, column: 3,
                path: "restore", message: "missing required key 'checkpoint' in 'restore'"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("restore:\n  checkpoint: ../x\n  requestId: r1\n"), line: 5, column: 15,
                path: "restore.checkpoint", message: "'../x' is not a checkpoint name"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("restore:\n  checkpoint: \".hidden\"\n  requestId: r1\n"), line: 5, column: 15,
                path: "restore.checkpoint", message: "'.hidden' is not a checkpoint name"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("restore:\n  checkpoint: nightly\n  requestId: \"a b\"\n"), line: 6, column: 14,
                path: "restore.requestId", message: "is not a request id"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("restore: nightly\n"), line: 4, column: 10,
                path: "restore", message: "expected a mapping, found a string"),
        ])
    func badRestore(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("every error of the checkpoint sections is reported in one run, in line order")
    func allErrorsAtOnce() {
        let errors = SpecFixture.errors(
            SpecFixture.yaml(
                """
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
