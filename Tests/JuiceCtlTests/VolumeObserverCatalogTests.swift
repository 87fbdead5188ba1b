import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("VolumeObserver: checkpoint catalog")
struct VolumeObserverCatalogTests {
    static let staging = VolumeLayout.staging + "/restore-v1.k3j2"
    static let aside = "pre-restore-20270115T080000Z"

    static func putJournal(_ scenario: CheckpointScenario) throws {
        try scenario.putRecord(
            RestoreJournal(
                checkpoint: "v1", requestId: "req-5", stagingPath: staging, asideName: aside,
                activeInode: CheckpointScenario.activeInode, startedAt: Date(timeIntervalSince1970: 1_800_000_000)),
            VolumeLayout.restoreJournal)
    }

    @Test func aJournalGivesTheRestoreProgressWithTheInodesFoundNow() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            try Self.putJournal(scenario)
            #expect(scenario.host.copyTree(scenario.hostPath("/checkpoints/v1"), to: scenario.hostPath(Self.staging)) == 0)
            let stagingInode = try #require(scenario.inode(Self.staging))

            let before = try #require(await scenario.volume.observer.observe(scenario.spec).catalog?.restore)

            #expect(before.journal.checkpoint == "v1")
            #expect(before.journal.stagingPath == Self.staging)
            #expect(before.activeInode == CheckpointScenario.activeInode)
            #expect(before.stagingInode == stagingInode)
            #expect(!before.asideExists)
            #expect(!before.swapped)

            #expect(
                await scenario.host.rename(
                    scenario.hostPath(Self.staging), to: scenario.hostPath("/active"), mode: .exchange, deadline: .seconds(1)) == 0)
            let after = try #require(await scenario.volume.observer.observe(scenario.spec).catalog?.restore)

            #expect(after.activeInode == stagingInode)
            #expect(after.stagingInode == CheckpointScenario.activeInode)
            #expect(after.swapped)

            #expect(
                await scenario.host.rename(
                    scenario.hostPath(Self.staging), to: scenario.hostPath("/checkpoints/\(Self.aside)"), mode: .noReplace,
                    deadline: .seconds(1)) == 0)
            let aside = try #require(await scenario.volume.observer.observe(scenario.spec).catalog?.restore)

            #expect(aside.stagingInode == nil)
            #expect(aside.asideExists)
            #expect(aside.swapped)
        }
    }

    @Test func noJournalMeansNoRestoreProgress() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()

            let catalog = try #require(await scenario.volume.observer.observe(scenario.spec).catalog)

            #expect(catalog.restore == nil)
            #expect(catalog.leftovers.isEmpty)
        }
    }

    @Test func stagingAndTrashEntriesAreLeftoversButNotTheJournalsStagingPathNorHiddenNames() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            try Self.putJournal(scenario)
            scenario.putFile(Self.staging + "/fs/data.txt", "restore clone")
            scenario.putFile(VolumeLayout.staging + "/nightly.abc/fs/data.txt", "half a clone")
            scenario.putFile(VolumeLayout.staging + "/.partial", "not juicectl's")
            scenario.putFile(VolumeLayout.trash + "/old.xyz/fs/data.txt", "being removed")

            let catalog = try #require(await scenario.volume.observer.observe(scenario.spec).catalog)

            #expect(
                catalog.leftovers == [
                    Leftover(path: VolumeLayout.staging + "/nightly.abc", kind: .staging),
                    Leftover(path: VolumeLayout.trash + "/old.xyz", kind: .trash),
                ])
        }
    }

    @Test func leftoversAreFoundWithoutTheFullCatalog() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()
            scenario.putFile(VolumeLayout.trash + "/old.xyz/fs/data.txt", "being removed")

            let observation = await scenario.volume.observer.observe(scenario.spec, fullCatalog: false)

            #expect(observation.catalog?.leftovers == [Leftover(path: VolumeLayout.trash + "/old.xyz", kind: .trash)])
            #expect(observation.catalog?.entries == nil)
        }
    }

    @Test func theFullCatalogReadsManifestsAndReportsOrphans() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("alpha", kind: .scheduled, parent: "root", pinned: true)
            try scenario.putCheckpoint("by-hand", manifest: false)
            try scenario.putRecord(CheckpointManifest(name: "gone", createdAt: Date(), kind: .manual), VolumeLayout.manifest("gone"))
            try scenario.putRecord(VolumeLineage(activeParent: "alpha", appliedRestoreRequests: ["r1"]), VolumeLayout.lineage)
            scenario.clearCalls()

            let catalog = try #require(await scenario.volume.observer.observe(scenario.spec, fullCatalog: true).catalog)

            let entries = try #require(catalog.entries)
            #expect(entries.map(\.name) == ["alpha", "by-hand"], "juicectl's own .juicectl is no checkpoint")
            let alpha = try #require(catalog.entry("alpha")?.manifest)
            #expect(alpha.kind == .scheduled)
            #expect(alpha.parent == "root")
            #expect(alpha.pinned)
            #expect(catalog.entry("by-hand")?.manifest == nil)
            #expect(catalog.entry("by-hand")?.kind == .manual)
            #expect(catalog.leftovers == [Leftover(path: VolumeLayout.manifest("gone"), kind: .orphanManifest)])
            #expect(catalog.lineage == VolumeLineage(activeParent: "alpha", appliedRestoreRequests: ["r1"]))
            #expect(scenario.host.calls.contains("readFile \(scenario.hostPath(VolumeLayout.manifest("alpha")))"))
            #expect(
                !scenario.host.calls.contains("readFile \(scenario.hostPath(VolumeLayout.manifest("by-hand")))"),
                "a manifest that is not listed is not read")
        }
    }

    @Test func theManifestOfTheRestoreInProgressIsNoOrphan() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            try Self.putJournal(scenario)
            try scenario.putRecord(
                CheckpointManifest(name: Self.aside, createdAt: Date(), kind: .preRestore), VolumeLayout.manifest(Self.aside))

            let catalog = try #require(await scenario.volume.observer.observe(scenario.spec, fullCatalog: true).catalog)

            #expect(catalog.leftovers.isEmpty, "\(catalog.leftovers)")
            #expect(catalog.restore?.journal.asideName == Self.aside)
        }
    }

    @Test("without a schedule, retention or a full catalog no manifest is read; the lineage is, so that its damage shows")
    func withoutScheduleRetainOrFullCatalogNoManifestIsRead() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("alpha")
            try scenario.putRecord(CheckpointManifest(name: "gone", createdAt: Date(), kind: .manual), VolumeLayout.manifest("gone"))
            try scenario.putRecord(VolumeLineage(activeParent: "alpha"), VolumeLayout.lineage)
            scenario.clearCalls()

            let catalog = try #require(await scenario.volume.observer.observe(scenario.spec).catalog)

            #expect(catalog.entries == nil)
            #expect(catalog.lineage == VolumeLineage(activeParent: "alpha"), "the lineage is read (one small file)")
            #expect(
                catalog.leftovers == [Leftover(path: VolumeLayout.manifest("gone"), kind: .orphanManifest)],
                "orphan manifests show from the two directory listings alone")
            let calls = scenario.host.calls
            #expect(!calls.contains { $0.hasPrefix("readFile \(scenario.hostPath(VolumeLayout.manifests))") }, "\(calls)")
        }
    }

    @Test(arguments: ["checkpoints:\n  schedule: \"@every 15m\"\n", "checkpoints:\n  retain:\n    last: 3\n"])
    func aScheduleOrRetentionInTheSpecReadsTheFullCatalog(yaml: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, yaml)
            try scenario.putCheckpoint("alpha", kind: .scheduled)
            try scenario.putRecord(CheckpointManifest(name: "gone", createdAt: Date(), kind: .manual), VolumeLayout.manifest("gone"))

            let catalog = try #require(await scenario.volume.observer.observe(scenario.spec).catalog)

            #expect(catalog.entries?.map(\.name) == ["alpha"])
            #expect(catalog.entry("alpha")?.kind == .scheduled)
            #expect(catalog.leftovers == [Leftover(path: VolumeLayout.manifest("gone"), kind: .orphanManifest)])
        }
    }

    @Test(arguments: [("v1", true), ("missing", false)])
    func aRestoreRequestInTheSpecReadsTheLineageAndWhetherItsCheckpointExists(checkpoint: String, exists: Bool) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, "restore:\n  checkpoint: \(checkpoint)\n  requestId: req-9\n")
            try scenario.putCheckpoint("v1")
            try scenario.putRecord(VolumeLineage(activeParent: "v0", appliedRestoreRequests: ["req-1"]), VolumeLayout.lineage)
            scenario.clearCalls()

            let catalog = try #require(await scenario.volume.observer.observe(scenario.spec).catalog)

            #expect(catalog.restoreTargetExists == exists)
            #expect(catalog.lineage.appliedRestoreRequests == ["req-1"])
            #expect(catalog.entries == nil, "a restore request alone does not read every manifest")
            #expect(!scenario.host.calls.contains { $0.hasPrefix("readFile \(scenario.hostPath(VolumeLayout.manifests))") })
        }
    }

    @Test func anUnmountedVolumeHasNoCatalog() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, mounted: false)

            let observation = await scenario.volume.observer.observe(scenario.spec, fullCatalog: true)

            #expect(observation.catalog == nil)
            #expect(!scenario.host.calls.contains { $0.hasPrefix("listDirectory") })
        }
    }

    @Test func thePlannerResumesTheRestoreFirstThenRemovesLeftovers() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            try Self.putJournal(scenario)
            scenario.putFile(VolumeLayout.trash + "/old.xyz/fs/data.txt", "being removed")

            let observation = await scenario.volume.observer.observe(scenario.spec)
            let actions = Planner.plan(scenario.spec, observation).actions

            let recovery = actions.filter { $0.kind == .resumeRestore || $0.kind == .removeLeftover }
            #expect(recovery.map(\.kind) == [.resumeRestore, .removeLeftover], "\(actions)")
            #expect(recovery.last?.target == VolumeLayout.trash + "/old.xyz")
        }
    }
}
