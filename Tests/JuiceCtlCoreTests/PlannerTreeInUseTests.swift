import Foundation
import Testing

@testable import JuiceCtlCore

/// Plans around trees something still uses: retention keeps such a checkpoint (with a note), a pending restore waits
/// (a conflict) or, with terminateUsers, says whom it terminates.
@Suite("Planner: trees in use")
struct PlannerTreeInUseTests {
    static let viewer = TreeUser(
        tree: "/checkpoints/pre-restore-20261120T100000Z", volumePath: "/checkpoints/pre-restore-20261120T100000Z/fs",
        holder: .mount(mountPoint: "/srv/old-bind", namespace: 1, hostNamespace: true, pids: []))
    static let shell = TreeUser(
        tree: "/active", volumePath: "/active/fs",
        holder: .process(pid: 77, command: "sh", references: [.workingDirectory]))

    static func observed(_ spec: VolumeSpec, users: [TreeUser]?) -> VolumeObservation {
        var observation = ObservationFixture.converged(spec)
        observation.now = CheckpointFixture.date("2026-11-21 12:00")
        observation.catalog = CheckpointCatalog(entries: [
            CheckpointFixture.entry("pre-restore-20261120T100000Z", "2026-11-20 10:00", kind: .preRestore),
            CheckpointFixture.entry("auto-1", "2026-11-21 09:00"),
            CheckpointFixture.entry("auto-2", "2026-11-21 10:00"),
            CheckpointFixture.entry("golden", "2026-11-19 10:00", kind: .manual),
        ])
        observation.treeUsers = users
        return observation
    }

    @Test func retentionKeepsACheckpointThatAMountStillReachesAndSaysWhy() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("checkpoints:\n  retain:\n    last: 2\n"))

        let kept = Planner.plan(spec, Self.observed(spec, users: [Self.viewer]))
        #expect(kept.steps.isEmpty, "\(kept.steps)")
        #expect(kept.isConverged)
        let note = try #require(kept.notes.first)
        #expect(note.kind == .keptInUse && note.target == "pre-restore-20261120T100000Z")
        #expect(note.message.contains("mount at /srv/old-bind in juicectl's mount namespace"), "\(note.message)")
        #expect(PlanRenderer.human([kept]).contains("  = kept pre-restore-20261120T100000Z: retention would remove it"))

        let pruned = Planner.plan(spec, Self.observed(spec, users: []))
        #expect(pruned.steps == [Step(.deleteCheckpoint, .delete, "pre-restore-20261120T100000Z")])
        #expect(pruned.notes.isEmpty)
    }

    @Test func theObserverIsAskedExactlyAboutWhatRetentionWouldRemove() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("checkpoints:\n  schedule: \"@hourly\"\n  retain:\n    last: 2\n"))
        let entries = Self.observed(spec, users: nil).catalog?.entries ?? []
        // The due 12:00 slot pushes auto-1 out as well.
        let pruned = RetentionPlan.pruned(spec.checkpoints, entries: entries, now: CheckpointFixture.date("2026-11-21 12:00"))
        #expect(Set(pruned) == ["pre-restore-20261120T100000Z", "auto-1"])
    }

    @Test func aPendingRestoreWaitsWhileActiveIsInUse() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("restore:\n  checkpoint: golden\n  requestId: r1\n"))

        let plan = Planner.plan(spec, Self.observed(spec, users: [Self.shell]))

        #expect(plan.steps.isEmpty)
        let conflict = try #require(plan.conflicts.first)
        #expect(conflict.code == .restoreTargetInUse && !conflict.blocking)
        #expect(conflict.message.contains("pid 77 (sh): working directory /active/fs"), "\(conflict.message)")
        #expect(conflict.hint?.contains("restore.terminateUsers: true") == true)
    }

    @Test func aPendingRestoreWithTerminateUsersSaysWhomItTerminates() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml("restore:\n  checkpoint: golden\n  requestId: r1\n  terminateUsers: true\n  grace: 3s\n"))

        let plan = Planner.plan(spec, Self.observed(spec, users: [Self.shell]))

        let action = try #require(plan.actions.first)
        #expect(action.kind == .restore)
        #expect(action.checkpoint?.terminateUsers == true && action.checkpoint?.grace == .seconds(3))
        #expect(
            action.reason.contains("first terminates what uses /active (SIGTERM, then SIGKILL after 3s): pid 77 (sh)"), "\(action.reason)")
    }

    @Test func terminateUsersCannotEndAMountInJuicectlsNamespace() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("restore:\n  checkpoint: golden\n  requestId: r1\n  terminateUsers: true\n"))
        let bind = TreeUser(
            tree: "/active", volumePath: "/active/fs", holder: .mount(mountPoint: "/srv/bind", namespace: 1, hostNamespace: true, pids: []))

        let plan = Planner.plan(spec, Self.observed(spec, users: [Self.shell, bind]))

        #expect(plan.actions.isEmpty)
        #expect(plan.conflicts.first?.code == .restoreTargetInUse)
        #expect(plan.conflicts.first?.message.contains("/srv/bind") == true)
        #expect(plan.conflicts.first?.message.contains("pid 77") == false, "only what terminating cannot end is named")
    }
}
