import Foundation
import Testing

@testable import JuiceCtlCore

/// `suspend: {reason: ...}`: loading, revision, plan output and the Suspended condition.
@Suite("Suspend")
struct SuspendTests {
    static let suspendedYAML = SpecFixture.yaml("suspend: {reason: maintenance window}\n")

    /// A quota to fix: the planner sees one action on an otherwise converged volume.
    static func quotaDrift(_ spec: VolumeSpec) -> VolumeObservation {
        ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = .none(source: "statfs") }
    }

    // MARK: Loading

    @Test(
        "suspend with a reason loads, in flow or block style",
        arguments: [
            SpecFixture.yaml("suspend: {reason: maintenance window}\n"),
            SpecFixture.yaml("suspend:\n  reason: maintenance window\n"),
            SpecFixture.yaml("suspend:\n  reason: \"maintenance window\"\n"),
        ])
    func loadsReason(yaml: String) throws {
        let spec = try SpecFixture.spec(yaml)
        #expect(spec.suspend?.reason == "maintenance window")
    }

    @Test("suspend loads without a warning")
    func noWarning() {
        let result = SpecLoader().load(text: Self.suspendedYAML, file: "spec.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.specs.count == 1)
    }

    @Test("without suspend the volume is not suspended")
    func absentMeansNotSuspended() throws {
        #expect(try SpecFixture.spec().suspend == nil)
    }

    @Test("a reason of exactly 1024 characters is accepted")
    func longestReason() throws {
        let reason = String(repeating: "r", count: 1024)
        #expect(try SpecFixture.spec(SpecFixture.yaml("suspend:\n  reason: \(reason)\n")).suspend?.reason == reason)
    }

    @Test("suspend: {} is an error naming file, line, column and the missing reason")
    func emptySuspendIsAnError() throws {
        let result = SpecLoader().load(text: SpecFixture.yaml("suspend: {}\n"), file: "volumes/demo.yaml")
        #expect(result.specs.isEmpty)
        let error = try #require(result.diagnostics.errors.first)
        #expect(result.diagnostics.errors.count == 1, "\(result.diagnostics)")
        #expect(error.location == JuiceCtlCore.SourceLocation(file: "volumes/demo.yaml", line: 4, column: 10))
        #expect(error.path == "suspend", "a missing key is reported at the mapping that lacks it")
        #expect(error.message == "missing required key 'reason' in 'suspend'")
        #expect(error.description.hasPrefix("volumes/demo.yaml:4:10: "), "\(error.description)")
    }

    @Test(
        "suspend's reason is required, not empty, at most 1024 characters and a string, with no other key",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend: {}\n"), line: 4, column: 10,
                path: "suspend", message: "missing required key 'reason' in 'suspend'"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend:\n  until: tomorrow\n"), line: 5, column: 3,
                path: "suspend", message: "missing required key 'reason' in 'suspend'"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend:\n  reason: \"\"\n"), line: 5, column: 11,
                path: "suspend.reason", message: "must not be empty"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend:\n  reason: \(String(repeating: "r", count: 1025))\n"), line: 5, column: 11,
                path: "suspend.reason", message: "is longer than 1024 characters"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend:\n  reason: [a, b]\n"), line: 5, column: 11,
                path: "suspend.reason", message: "expected why the volume is suspended, found a list"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend:\n  reason: maintenance\n  until: tomorrow\n"), line: 6, column: 3,
                path: "suspend.until", message: "unknown key 'until'", hint: "expected one of: reason"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend:\n  reasn: maintenance\n"), line: 5, column: 3,
                path: "suspend.reasn", message: "unknown key 'reasn'", hint: "did you mean 'reason'?"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend: maintenance\n"), line: 4, column: 10,
                path: "suspend", message: "expected a mapping, found a string"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("suspend: [maintenance]\n"), line: 4, column: 10,
                path: "suspend", message: "expected a mapping, found a list"),
        ])
    func invalidSuspend(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("suspend: with nothing after it (null) is an error at suspend")
    func nullSuspend() {
        let errors = SpecFixture.errors(SpecFixture.yaml("suspend:\n"))
        #expect(errors.contains { $0.path == "suspend" && $0.message.contains("expected a mapping") }, "\(errors)")
    }

    // MARK: Revision

    @Test("suspending, and changing the reason, change the spec revision")
    func suspendChangesRevision() throws {
        let active = try SpecFixture.spec()
        let suspended = try SpecFixture.spec(Self.suspendedYAML)
        let otherReason = try SpecFixture.spec(SpecFixture.yaml("suspend: {reason: disk replacement}\n"))
        #expect(suspended.origin.revision != active.origin.revision)
        #expect(otherReason.origin.revision != suspended.origin.revision)
        #expect(
            try SpecFixture.spec(SpecFixture.yaml("suspend:\n  reason: 'maintenance window'\n")).origin.revision
                == suspended.origin.revision,
            "the revision follows content, not style")
    }

    // MARK: Planning and plan output

    @Test("planning is unchanged by suspend: the drift is still listed", arguments: ["quota drift", "not mounted", "fresh"])
    func planningUnchanged(situation: String) throws {
        let active = try SpecFixture.spec()
        let suspended = try SpecFixture.spec(Self.suspendedYAML)
        func observe(_ spec: VolumeSpec) -> VolumeObservation {
            switch situation {
            case "quota drift": Self.quotaDrift(spec)
            case "not mounted": ObservationFixture.formattedNotMounted(spec)
            default: ObservationFixture.fresh()
            }
        }
        let activePlan = Planner.plan(active, observe(active))
        let suspendedPlan = Planner.plan(suspended, observe(suspended))
        #expect(!suspendedPlan.actions.isEmpty)
        #expect(suspendedPlan.steps == activePlan.steps)
        #expect(suspendedPlan.conflictSteps == activePlan.conflictSteps)
        #expect(!suspendedPlan.isConverged)
    }

    @Test("the human plan says the volume is suspended, right under the volume line, and still lists the drift")
    func humanPlanShowsSuspension() throws {
        let spec = try SpecFixture.spec(Self.suspendedYAML)
        let text = PlanRenderer.human([Planner.plan(spec, Self.quotaDrift(spec))])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count > 2)
        #expect(lines[0].hasPrefix("Volume demo (spec.yaml, revision "))
        #expect(lines[1] == "  Suspended: maintenance window. apply and run change nothing; the drift below is reported only.")
        #expect(lines.contains { $0.hasPrefix("  +   quota") && $0.contains("/active/fs") }, "\(text)")
        #expect(!text.contains("No changes"))
    }

    @Test("a converged suspended volume says both that it is suspended and that nothing changes")
    func humanPlanConvergedSuspended() throws {
        let spec = try SpecFixture.spec(Self.suspendedYAML)
        let text = PlanRenderer.human([Planner.plan(spec, ObservationFixture.converged(spec))])
        #expect(text.contains("  Suspended: maintenance window. apply and run change nothing; the drift below is reported only.\n"))
        #expect(text.contains("  No changes: the volume is converged.\n"))
    }

    @Test("the human plan of an active volume has no Suspended line")
    func humanPlanActive() throws {
        let spec = try SpecFixture.spec()
        #expect(!PlanRenderer.human([Planner.plan(spec, Self.quotaDrift(spec))]).contains("Suspended"))
    }

    @Test("the JSON plan gives each volume's suspension reason, and omits it for an active volume")
    func jsonPlanShowsSuspension() throws {
        let suspended = try SpecFixture.spec(Self.suspendedYAML)
        let active = try SpecFixture.spec("version: 1\nname: other\nbaseDir: /srv/other\n")
        let json = PlanRenderer.json([
            Planner.plan(suspended, Self.quotaDrift(suspended)), Planner.plan(active, ObservationFixture.converged(active)),
        ])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let volumes = try #require(document["volumes"] as? [[String: Any]])
        try #require(volumes.count == 2)
        #expect(volumes[0]["suspended"] as? String == "maintenance window")
        #expect((volumes[0]["actions"] as? [Any])?.count == 1, "the drift is still in the plan")
        #expect(volumes[0]["converged"] as? Bool == false)
        #expect(volumes[1]["suspended"] == nil)
        #expect(volumes[1]["converged"] as? Bool == true)
    }

    // MARK: Status

    @Test("a suspended volume with drift is Suspended True with the number of changes pending")
    func statusSuspendedWithDrift() throws {
        let spec = try SpecFixture.spec(Self.suspendedYAML)
        let observation = Self.quotaDrift(spec)
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(status.conditions.map(\.type) == [.ready, .degraded, .backupFresh, .durable, .suspended])
        let suspended = try #require(status.conditions.last)
        #expect(suspended.status)
        #expect(suspended.reason == .suspendedBySpec)
        #expect(suspended.message == "maintenance window (1 change(s) pending, not applied)")
        #expect(suspended.observedRevision == spec.origin.revision)
        #expect(status.conditions.first?.reason == .changesPending, "Ready still reports the drift")
    }

    @Test("a suspended volume with several changes pending counts them all")
    func statusSuspendedCountsChanges() throws {
        let spec = try SpecFixture.spec(Self.suspendedYAML)
        let observation = ObservationFixture.fresh()
        let plan = Planner.plan(spec, observation)
        let status = VolumeStatus(spec: spec, observation: observation, plan: plan)
        let suspended = try #require(status.conditions.first { $0.type == .suspended })
        #expect(plan.actions.count > 1)
        #expect(suspended.message == "maintenance window (\(plan.actions.count) change(s) pending, not applied)")
    }

    @Test("a converged suspended volume is Ready and Suspended with no drift")
    func statusSuspendedConverged() throws {
        let spec = try SpecFixture.spec(Self.suspendedYAML)
        let observation = ObservationFixture.converged(spec)
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(status.isReady)
        let suspended = try #require(status.conditions.first { $0.type == .suspended })
        #expect(suspended.status)
        #expect(suspended.message == "maintenance window (no drift)")
        #expect(StatusRenderer.human([status]).contains("  Suspended   True  SuspendedBySpec: maintenance window (no drift)\n"))
    }

    @Test("an active volume is Suspended False, reason Active, even without a backup")
    func statusActive() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("backup:\n  enabled: false\n"))
        let observation = ObservationFixture.converged(spec)
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(status.conditions.map(\.type) == [.ready, .degraded, .suspended])
        let suspended = try #require(status.conditions.last)
        #expect(!suspended.status)
        #expect(suspended.reason == .active)
        #expect(suspended.message == "changes are applied")
    }
}
