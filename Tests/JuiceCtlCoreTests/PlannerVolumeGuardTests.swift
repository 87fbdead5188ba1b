import Foundation
import JuiceCtlCore
import Testing

/// A converged volume whose guarded entries are as `lstat` would show them after juicectl made them, changed by
/// `change`.
private func guarded(
    _ spec: VolumeSpec, root: GuardedEntry = GuardedEntry(path: "/", kind: .directory, uid: 0, mode: 0o755),
    _ change: (inout [String: GuardedEntry]) -> Void = { _ in }
) -> VolumeObservation {
    var entries: [String: GuardedEntry] = [:]
    for path in [VolumeLayout.active, VolumeLayout.checkpoints, VolumeLayout.bookkeeping, VolumeLayout.manifests] {
        entries[path] = GuardedEntry(path: path, kind: .directory, uid: 0, mode: VolumeLayout.directoryMode(path)!)
    }
    entries[VolumeLayout.lineage] = GuardedEntry(path: VolumeLayout.lineage, kind: .regular, uid: 0, mode: 0o600)
    change(&entries)
    return ObservationFixture.converged(spec) { $0.guards = VolumeGuardObservation(root: root, entries: entries) }
}

@Suite("Planner: the volume root and juicectl's directories are root's alone")
struct PlannerVolumeGuardTests {
    @Test("a converged volume with root-owned 0755 and 0700 directories plans nothing")
    func safeEntriesPlanNothing() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, guarded(spec))
        #expect(plan.steps.isEmpty)
        #expect(plan.conflicts.isEmpty)
    }

    @Test("a root left 0777 by juicefs format is made 0755 with a reason naming the risk")
    func worldWritableRootIsSecured() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, guarded(spec, root: GuardedEntry(path: "/", kind: .directory, uid: 0, mode: 0o777)))
        #expect(plan.steps == [Step(.secureDirectory, .update, "/")])
        #expect(plan.actions.first?.reason.contains("mode 777") == true)
        #expect(plan.actions.first?.reason.contains("rename /checkpoints") == true)
    }

    @Test("a root owned by another user is given back to root")
    func foreignRootOwnerIsSecured() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, guarded(spec, root: GuardedEntry(path: "/", kind: .directory, uid: 1000, mode: 0o755)))
        #expect(plan.steps == [Step(.secureDirectory, .update, "/")])
        #expect(plan.actions.first?.reason.contains("owned by uid 1000") == true)
    }

    @Test("bookkeeping an older juicectl made 0755 is tightened to 0700, without a conflict")
    func looseBookkeepingIsTightened() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(
            spec,
            guarded(spec) { entries in
                entries[VolumeLayout.bookkeeping]?.mode = 0o755
                entries[VolumeLayout.manifests]?.mode = 0o755
            })
        #expect(
            plan.steps == [
                Step(.secureDirectory, .update, VolumeLayout.bookkeeping), Step(.secureDirectory, .update, VolumeLayout.manifests),
            ])
        #expect(plan.conflicts.isEmpty)
    }

    @Test(
        "an entry someone else could have planted is a blocking conflict naming it, and nothing on the volume is planned",
        arguments: [
            (
                VolumeLayout.checkpoints, GuardedEntry(path: VolumeLayout.checkpoints, kind: .directory, uid: 65534, mode: 0o755),
                "is owned by uid 65534, not root"
            ),
            (
                VolumeLayout.checkpoints, GuardedEntry(path: VolumeLayout.checkpoints, kind: .symbolicLink, uid: 65534, mode: 0o777),
                "is a symbolic link"
            ),
            (
                VolumeLayout.active, GuardedEntry(path: VolumeLayout.active, kind: .directory, uid: 0, mode: 0o777),
                "is writable by others (mode 777)"
            ),
            (
                VolumeLayout.bookkeeping, GuardedEntry(path: VolumeLayout.bookkeeping, kind: .regular, uid: 0, mode: 0o600),
                "is not a directory"
            ),
            (
                VolumeLayout.sharedLock, GuardedEntry(path: VolumeLayout.sharedLock, kind: .symbolicLink, uid: 0, mode: 0o777),
                "is a symbolic link"
            ),
            (
                VolumeLayout.lineage, GuardedEntry(path: VolumeLayout.lineage, kind: .regular, uid: 0, mode: 0o600, linkCount: 2),
                "has 2 names (hard links)"
            ),
            (
                VolumeLayout.restoreJournal, GuardedEntry(path: VolumeLayout.restoreJournal, kind: .other, uid: 0, mode: 0o600),
                "is not a regular file"
            ),
        ])
    func plantedEntryIsAConflict(path: String, entry: GuardedEntry, words: String) throws {
        let spec = try SpecFixture.spec(
            """
            version: 1
            name: demo
            baseDir: /srv/demo
            quotas:
              - path: /active/fs/more
                capacity: 1GiB
            checkpoints:
              retain: {last: 2}
            """)
        let plan = Planner.plan(spec, guarded(spec) { $0[path] = entry })
        #expect(plan.conflicts.map(\.code) == [.unsafeVolumeEntry])
        #expect(plan.conflicts.first?.target == path)
        #expect(plan.conflicts.first?.blocking == true)
        #expect(plan.conflicts.first?.message.contains("\(path) on the volume \(words)") == true, "\(plan.conflicts)")
        #expect(
            !plan.actions.contains { [.createDirectory, .setQuota, .createCheckpoint, .deleteCheckpoint, .restore].contains($0.kind) },
            "\(plan.steps)")
    }

    @Test("a world-writable root is still made 0755 when a planted entry blocks the rest")
    func rootIsSecuredBesideAConflict() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(
            spec,
            guarded(spec, root: GuardedEntry(path: "/", kind: .directory, uid: 0, mode: 0o777)) {
                $0[VolumeLayout.checkpoints]?.uid = 65534
            })
        #expect(plan.steps == [Step(.secureDirectory, .update, "/")])
        #expect(plan.conflicts.map(\.code) == [.unsafeVolumeEntry])
    }

    @Test("the modes juicectl keeps: / 0755, /active and /checkpoints 0755, the bookkeeping 0700, nothing for the tenant's paths")
    func directoryModes() {
        #expect(VolumeLayout.directoryMode("/") == 0o755)
        #expect(VolumeLayout.directoryMode(VolumeLayout.active) == 0o755)
        #expect(VolumeLayout.directoryMode(VolumeLayout.checkpoints) == 0o755)
        #expect(VolumeLayout.directoryMode(VolumeLayout.bookkeeping) == 0o700)
        #expect(VolumeLayout.directoryMode("\(VolumeLayout.staging)/x.1") == 0o700)
        #expect(VolumeLayout.directoryMode("/active/fs") == nil)
        #expect(VolumeLayout.directoryMode("/checkpoints/one") == nil)
        #expect(VolumeLayout.isGuarded("/checkpoints/.juicectl/manifests"))
        #expect(!VolumeLayout.isGuarded("/active/fs"))
        #expect(!VolumeLayout.isGuarded("/checkpoints/one/fs"))
    }
}
