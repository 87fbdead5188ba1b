import Foundation
import Testing

@testable import JuiceCtlCore

/// Plans of a volume another host could pick up: claimed before anything writes, refused and fenced while another
/// host owns it, released by down, started from the replica after another host had it.
@Suite("Planner: one owner at a time")
struct PlannerOwnershipTests {
    static let other = OwnershipObservation.Owner(
        host: "web-2", instance: "b-instance", pid: 77, since: Date(timeIntervalSince1970: 1_800_000_000))

    static func with(_ observation: VolumeObservation, _ state: OwnershipObservation.State, since: Bool = false) -> VolumeObservation {
        var observation = observation
        observation.ownership = OwnershipObservation(
            state: state, location: "s3 http://s3/b/p.juicectl-owner.json", ownedElsewhereSince: since)
        return observation
    }

    @Test(arguments: [OwnershipObservation.State.free, .released(by: other, generation: 3), .mineStale(generation: 4)])
    func aVolumeNobodyOwnsIsClaimedBeforeAnythingWrites(state: OwnershipObservation.State) throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, Self.with(ObservationFixture.fresh(), state))
        #expect(plan.steps.first == Step(.claimOwnership, .create, "s3 http://s3/b/p.juicectl-owner.json"), "\(plan.steps)")
        #expect(plan.steps.contains { $0.kind == .format })
    }

    @Test func aVolumeThisHostOwnsPlansAsBefore() throws {
        let spec = try SpecFixture.spec()
        let converged = Planner.plan(spec, Self.with(ObservationFixture.converged(spec), .mine(generation: 5)))
        #expect(converged.isConverged, "\(converged.steps)")
    }

    @Test func anotherHostsVolumeIsRefusedAndNothingStarts() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, Self.with(ObservationFixture.fresh(), .elsewhere(Self.other, generation: 6)))
        #expect(plan.actions.isEmpty, "\(plan.steps)")
        let conflict = try #require(plan.conflicts.first)
        #expect(conflict.code == .volumeOwnedElsewhere && conflict.blocking)
        #expect(conflict.message.contains("web-2") && conflict.message.contains("generation 6"), "\(conflict.message)")
        #expect(conflict.hint?.contains("juicectl takeover") == true)
    }

    @Test func aHostThatStillRunsAnotherHostsVolumeIsFenced() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, Self.with(ObservationFixture.converged(spec), .elsewhere(Self.other, generation: 6)))
        #expect(plan.steps == [Step(.fenceVolume, .delete, spec.mount.path, .interrupting)])
        #expect(plan.conflicts.first?.message.contains("this host was fenced") == true)
    }

    @Test func anUnreadableRecordStopsAStartButNotAVolumeThatRuns() throws {
        let spec = try SpecFixture.spec()
        let start = Planner.plan(spec, Self.with(ObservationFixture.fresh(), .unreadable("connection refused")))
        #expect(start.actions.isEmpty)
        #expect(start.conflicts.first?.code == .ownershipUnreadable)
        let running = Planner.plan(spec, Self.with(ObservationFixture.converged(spec), .unreadable("connection refused")))
        #expect(running.isConverged, "a blip of the store does not stop a running volume: \(running.steps)")
    }

    @Test func afterAnotherHostOwnedTheVolumeItStartsFromTheReplica() throws {
        let spec = try SpecFixture.spec()
        var observation = Self.with(ObservationFixture.formattedNotMounted(spec), .released(by: Self.other, generation: 8), since: true)
        observation.backup = ObservationFixture.replicating(spec)
        observation.backup?.process = .stopped
        let plan = Planner.plan(spec, observation)
        #expect(Array(plan.steps.map(\.kind).prefix(2)) == [.claimOwnership, .refreshMetadata], "\(plan.steps)")
        #expect(plan.actions.dropFirst().first?.reason.contains("older than the replica") == true)
        let again = Planner.plan(spec, Self.with(ObservationFixture.formattedNotMounted(spec), .released(by: Self.other, generation: 8)))
        #expect(!again.steps.contains { $0.kind == .refreshMetadata }, "nobody else wrote since: the local database is current")
    }

    @Test func downReleasesAVolumeThisHostOwnsAfterTheFinalSync() throws {
        let spec = try SpecFixture.spec()
        var observation = Self.with(ObservationFixture.converged(spec), .mine(generation: 5))
        observation.backup = ObservationFixture.replicating(spec)
        let plan = Planner.planDown(spec, observation)
        #expect(plan.steps.map(\.kind).suffix(2) == [.stopBackup, .releaseOwnership], "\(plan.steps)")
        let foreign = Planner.planDown(spec, Self.with(ObservationFixture.converged(spec), .elsewhere(Self.other, generation: 6)))
        #expect(!foreign.steps.contains { $0.kind == .releaseOwnership })
    }
}
