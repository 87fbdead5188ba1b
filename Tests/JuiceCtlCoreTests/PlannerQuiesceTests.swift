import Foundation
import Testing

@testable import JuiceCtlCore

/// The sandbox's cgroups in plans and status: a freeze a killed checkpoint left is undone first, and shown.
@Suite("Planner and status: frozen sandbox")
struct PlannerQuiesceTests {
    static let cgroup = "/sys/fs/cgroup/freezer/sandbox-1"

    static func observed(
        _ spec: VolumeSpec, state: FreezerState, left: [String]?, inProgress: Bool = false,
        mounted: Bool = true
    ) -> VolumeObservation {
        var observation = mounted ? ObservationFixture.converged(spec) : ObservationFixture.formattedNotMounted(spec)
        observation.quiesce = QuiesceObservation(
            cgroups: [CgroupObservation(path: cgroup, presence: .cgroup(version: .v1, state: state))],
            leftFrozen: left, checkpointInProgress: inProgress)
        return observation
    }

    @Test func aFreezeLeftByAKilledCheckpointIsThawedBeforeAnythingElse() throws {
        let spec = try SpecFixture.spec()
        var observation = Self.observed(spec, state: .frozen, left: [Self.cgroup], mounted: false)
        observation.mount = .absent

        let plan = Planner.plan(spec, observation)

        #expect(plan.steps.first == Step(.thawCgroups, .update, Self.cgroup), "\(plan.steps)")
        #expect(plan.actions.first?.reason.contains("every process there is stopped") == true)
    }

    @Test func aFreezeThatARunningCheckpointHoldsIsLeftAlone() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, Self.observed(spec, state: .frozen, left: [Self.cgroup], inProgress: true))
        #expect(plan.isConverged, "\(plan.steps)")
    }

    @Test func aCgroupFrozenByOthersIsNotJuicectlsToThaw() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, Self.observed(spec, state: .frozen, left: nil))
        #expect(plan.isConverged, "\(plan.steps)")
    }

    @Test func aRecordWhoseCgroupsRunAgainIsDroppedByTheThawStep() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, Self.observed(spec, state: .thawed, left: [Self.cgroup]))
        #expect(plan.steps == [Step(.thawCgroups, .update, Self.cgroup)])
        #expect(plan.actions.first?.reason.contains("they run again: drop the record") == true)
    }

    @Test func downThawsALeftFreezeBeforeUnmounting() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.planDown(spec, Self.observed(spec, state: .frozen, left: [Self.cgroup]))
        #expect(plan.steps.first == Step(.thawCgroups, .update, Self.cgroup), "\(plan.steps)")
        #expect(plan.steps.contains { $0.kind == .unmount })
    }

    @Test(arguments: [
        (FreezerState.frozen, [cgroup] as [String]?, false, true, ConditionReason.leftFrozen),
        (FreezerState.frozen, [cgroup] as [String]?, true, true, .checkpointInProgress),
        (FreezerState.frozen, nil as [String]?, false, true, .frozenElsewhere),
        (FreezerState.freezing, nil as [String]?, false, true, .frozenElsewhere),
        (FreezerState.thawed, nil as [String]?, false, false, .running),
    ])
    func statusShowsAFrozenSandboxWithWhy(state: FreezerState, left: [String]?, inProgress: Bool, frozen: Bool, reason: ConditionReason)
        throws
    {
        let spec = try SpecFixture.spec()
        let observation = Self.observed(spec, state: state, left: left, inProgress: inProgress)
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))

        let condition = status.conditions.first { $0.type == .sandboxFrozen }
        #expect(condition?.status == frozen)
        #expect(condition?.reason == reason)
        let degraded = status.conditions.first { $0.type == .degraded }
        #expect((degraded?.reason == .sandboxLeftFrozen) == (reason == .leftFrozen), "\(String(describing: degraded))")
    }

    @Test func aVolumeWithoutQuiesceHasNoSandboxFrozenCondition() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec)
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(!status.conditions.contains { $0.type == .sandboxFrozen })
    }
}
