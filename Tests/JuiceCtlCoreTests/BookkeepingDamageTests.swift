import Foundation
import Testing

@testable import JuiceCtlCore

/// Damaged bookkeeping in the plan (a named conflict and its repair), the lineage rebuilt from manifests, and the
/// Degraded condition of a restore that completed with steps undone.
@Suite("Damaged bookkeeping and restores completed with a shortfall")
struct BookkeepingDamageTests {
    private static let clone = "/checkpoints/.juicectl/staging/restore-golden.k3x9"

    private static func observed(_ spec: VolumeSpec, _ catalog: CheckpointCatalog) -> VolumeObservation {
        ObservationFixture.converged(spec) { $0.catalog = catalog }
    }

    @Test("an empty lineage is a BookkeepingDamaged conflict, apply rebuilds it, and a restore request waits for it")
    func emptyLineage() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("restore:\n  checkpoint: golden\n  requestId: r1\n"))
        var catalog = CheckpointCatalog(entries: [CheckpointFixture.entry("golden", "2026-11-01")], restoreTargetExists: true)
        catalog.damage = [BookkeepingDamage(kind: .lineageEmpty, path: VolumeLayout.lineage, detail: "the file is empty")]

        let plan = Planner.plan(spec, Self.observed(spec, catalog))

        #expect(plan.conflictSteps == [ConflictStep(.bookkeepingDamaged, VolumeLayout.lineage, blocking: false)])
        #expect(
            plan.steps == [Step(.repairBookkeeping, .replace, VolumeLayout.lineage)],
            "no restore on a lineage that cannot say whether r1 was applied")
        #expect(plan.actions.first?.damage?.kind == .lineageEmpty)
        #expect(plan.conflicts.first?.hint?.contains("rebuilds it from the checkpoint manifests") == true)
    }

    @Test("an undecodable journal with /active a directory is moved aside, and the restore clone in staging is kept, not removed")
    func undecodableJournalConsistent() throws {
        let spec = try SpecFixture.spec()
        let trees = RestoreTrees(active: .directory(inode: 200), staging: [Self.clone: 100])
        var catalog = CheckpointCatalog(leftovers: [
            Leftover(path: Self.clone, kind: .staging),
            Leftover(path: "/checkpoints/.juicectl/staging/c1.abc", kind: .staging),
        ])
        catalog.damage = [BookkeepingDamage(kind: .journalUndecodable, path: VolumeLayout.restoreJournal, detail: "not JSON", trees: trees)]

        let plan = Planner.plan(spec, Self.observed(spec, catalog))

        #expect(plan.conflictSteps == [ConflictStep(.bookkeepingDamaged, VolumeLayout.restoreJournal, blocking: false)])
        #expect(
            plan.steps == [
                Step(.repairBookkeeping, .update, VolumeLayout.restoreJournal),
                Step(.removeLeftover, .delete, "/checkpoints/.juicectl/staging/c1.abc"),
            ])
        let reason = try #require(plan.actions.first?.reason)
        #expect(reason.contains("/active is a directory (inode 200)") && reason.contains("\(Self.clone) (inode 100)"), "\(reason)")
    }

    @Test("an undecodable journal with /active missing is only a conflict that says what was found: nothing is moved")
    func undecodableJournalInconsistent() throws {
        let spec = try SpecFixture.spec()
        var catalog = CheckpointCatalog(leftovers: [Leftover(path: Self.clone, kind: .staging)])
        catalog.damage = [
            BookkeepingDamage(
                kind: .journalUndecodable, path: VolumeLayout.restoreJournal, detail: "not JSON",
                trees: RestoreTrees(active: .missing, staging: [Self.clone: 100]))
        ]

        let plan = Planner.plan(spec, Self.observed(spec, catalog))

        #expect(plan.steps.isEmpty, "\(plan.steps)")
        #expect(plan.conflictSteps == [ConflictStep(.bookkeepingDamaged, VolumeLayout.restoreJournal, blocking: false)])
        #expect(plan.conflicts.first?.message.contains("/active does not exist; staging holds \(Self.clone) (inode 100)") == true)
        let status = VolumeStatus(spec: spec, observation: Self.observed(spec, catalog), plan: plan)
        #expect(status.conditions.first { $0.type == .degraded }?.reason == .conflict(.bookkeepingDamaged))
    }

    @Test("the lineage rebuilt from manifests: the last event on /active names its parent, pre-restores name applied requests")
    func rebuiltLineage() {
        let manifests = [
            CheckpointManifest(name: "c1", createdAt: CheckpointFixture.date("2026-11-01"), kind: .manual),
            CheckpointManifest(
                name: "pre-restore-20261102T000000Z", createdAt: CheckpointFixture.date("2026-11-02"), kind: .preRestore,
                replacedBy: "c1", restoreRequestId: "r1"),
            CheckpointManifest(name: "pre-restore-20261103T000000Z", createdAt: CheckpointFixture.date("2026-11-03"), kind: .preRestore),
            CheckpointManifest(name: "auto-20261104T000000Z", createdAt: CheckpointFixture.date("2026-11-04"), kind: .scheduled),
            CheckpointManifest(
                name: "pre-restore-20261105T000000Z", createdAt: CheckpointFixture.date("2026-11-05"), kind: .preRestore,
                replacedBy: "c1", restoreRequestId: "r2"),
        ]
        #expect(
            VolumeLineage.rebuilt(from: manifests.reversed()) == VolumeLineage(activeParent: "c1", appliedRestoreRequests: ["r1", "r2"]))
        #expect(VolumeLineage.rebuilt(from: Array(manifests.prefix(4))).activeParent == "auto-20261104T000000Z")
        #expect(VolumeLineage.rebuilt(from: []) == VolumeLineage())
    }

    @Test("a restore completed without a quota is Degraded with the reason and the path, until the quota is as declared")
    func shortfallDegrades() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("quotas:\n  - {path: /active/fs/x/y, capacity: 1GiB}\n"))
        let shortfall = RestoreShortfall(
            checkpoint: "golden", completedAt: Date(),
            problems: [
                .init(path: "/active/fs/x/y", reason: .quotaPathIsSymbolicLink, message: "/active/fs/x on the volume is a symbolic link")
            ])
        let undone = ObservationFixture.converged(spec) {
            $0.restoreShortfall = shortfall
            $0.quotas?["/active/fs/x/y"] = .none(source: "stat")
        }
        let degraded = VolumeStatus(spec: spec, observation: undone, plan: Planner.plan(spec, undone)).conditions.first {
            $0.type == .degraded
        }
        #expect(degraded?.status == true)
        #expect(degraded?.reason == .restoreShortfall(.quotaPathIsSymbolicLink))
        #expect(
            degraded?.message.contains("/active/fs/x/y: /active/fs/x on the volume is a symbolic link") == true,
            "\(degraded?.message ?? "")")

        let resolved = ObservationFixture.converged(spec) { $0.restoreShortfall = shortfall }
        let healthy = VolumeStatus(spec: spec, observation: resolved, plan: Planner.plan(spec, resolved)).conditions.first {
            $0.type == .degraded
        }
        #expect(healthy?.status == false, "the quota is set as declared: the shortfall no longer holds")
    }
}
