import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Executor: checkpoint delete")
struct ExecutorCheckpointDeleteTests {
    @Test func renamesTheCheckpointIntoTrashRemovesItsManifestThenRmrsTheTrashPath() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("old")
            scenario.clearCalls()

            let outcome = await scenario.delete("old")

            #expect(outcome == .done("deleted checkpoint old; its space returns after the volume's trash days (7)"))
            let rename = try #require(scenario.timeline.first { $0.hasPrefix("rename /checkpoints/old ") }, "\(scenario.timeline)")
            let words = rename.split(separator: " ").map(String.init)
            #expect(words.count == 4 && words[3] == "noReplace", "\(rename)")
            let trash = words[2]
            #expect(trash.hasPrefix(VolumeLayout.trash + "/old."), "\(trash)")
            let renamed = scenario.position("rename into trash") { $0 == rename }
            let manifest = scenario.position("manifest removal") { $0 == "removeLocalItem \(VolumeLayout.manifest("old"))" }
            let rmr = scenario.position("rmr of the trash path") { $0 == "run juicefs rmr \(trash)" }
            #expect(renamed < manifest)
            #expect(manifest < rmr, "the tree is removed last: it stops existing as a checkpoint at the rename")
            #expect(scenario.commands == ["juicefs rmr \(trash)"])
            #expect(!scenario.exists("/checkpoints/old"))
            #expect(!scenario.exists(trash))
            #expect(!scenario.exists(VolumeLayout.manifest("old")))
        }
    }

    @Test func aPinnedCheckpointIsRefusedWithoutForce() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            let inode = try scenario.putCheckpoint("keeper", pinned: true)
            scenario.clearCalls()

            let outcome = await scenario.delete("keeper")

            #expect(outcome == .failed("checkpoint keeper is pinned; delete it with --force"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty, "\(scenario.timeline)")
            #expect(scenario.inode("/checkpoints/keeper") == inode)
            #expect(scenario.exists(VolumeLayout.manifest("keeper")))
        }
    }

    @Test func aPinnedCheckpointIsDeletedWithForce() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("keeper", pinned: true)

            let outcome = await scenario.delete("keeper", force: true)

            #expect(outcome.doneText?.hasPrefix("deleted checkpoint keeper;") == true, "\(outcome)")
            #expect(!scenario.exists("/checkpoints/keeper"))
            #expect(!scenario.exists(VolumeLayout.manifest("keeper")))
            #expect(scenario.runner.count(of: "juicefs") == 1)
            #expect(scenario.names(under: VolumeLayout.trash).isEmpty)
        }
    }

    @Test func aCheckpointWithoutManifestIsDeleted() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("by-hand", manifest: false)

            let outcome = await scenario.delete("by-hand")

            #expect(outcome.doneText != nil, "\(outcome)")
            #expect(!scenario.exists("/checkpoints/by-hand"))
        }
    }

    @Test func theMessageSaysSpaceReturnsNowWhenTheVolumeHasNoTrash() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            let config = try scenario.volume.mountConfig().replacingOccurrences(of: "\"TrashDays\": 7", with: "\"TrashDays\": 0")
            scenario.host.setFile("\(scenario.mountPath)/.config", text: config)
            try scenario.putCheckpoint("old")

            let outcome = await scenario.delete("old")

            #expect(outcome == .done("deleted checkpoint old; its space returns now (trash is off)"))
        }
    }

    @Test func aMissingCheckpointIsAnError() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.clearCalls()

            let outcome = await scenario.delete("ghost")

            #expect(outcome == .failed("checkpoint ghost does not exist"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty)
        }
    }

    @Test func theSourceOfARestoreInProgressIsRefusedEvenWithForce() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            let inode = try scenario.putCheckpoint("source")
            try scenario.putRecord(
                RestoreJournal(
                    checkpoint: "source", requestId: nil, stagingPath: "\(VolumeLayout.staging)/restore-source.t",
                    asideName: "pre-restore-20270101T000000Z", activeInode: 2, startedAt: Date()),
                VolumeLayout.restoreJournal)
            scenario.clearCalls()

            let outcome = await scenario.delete("source", force: true)

            #expect(outcome == .failed("checkpoint source is the source of a restore in progress; run juicectl apply first"))
            #expect(scenario.inode("/checkpoints/source") == inode)
            #expect(scenario.exists(VolumeLayout.manifest("source")))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func anotherCheckpointCanBeDeletedWhileARestoreIsInProgress() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("source")
            try scenario.putCheckpoint("unrelated")
            try scenario.putRecord(
                RestoreJournal(
                    checkpoint: "source", requestId: nil, stagingPath: "\(VolumeLayout.staging)/restore-source.t",
                    asideName: "pre-restore-20270101T000000Z", activeInode: 2, startedAt: Date()),
                VolumeLayout.restoreJournal)

            let outcome = await scenario.delete("unrelated")

            #expect(outcome.doneText != nil, "\(outcome)")
            #expect(!scenario.exists("/checkpoints/unrelated"))
            #expect(scenario.exists("/checkpoints/source"))
        }
    }

    @Test func anUnmountedVolumeFailsNamingJuicectlApply() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, mounted: false)

            let outcome = await scenario.delete("old")

            #expect(outcome.failureText?.contains("juicectl apply") == true, "\(outcome)")
            #expect(scenario.runner.commands.isEmpty)
        }
    }
}

@Suite("Executor: checkpoint leftovers")
struct ExecutorCheckpointLeftoverTests {
    @Test func anOrphanManifestIsRemovedWhenItsDirectoryIsMissing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()
            try scenario.putRecord(CheckpointManifest(name: "gone", createdAt: Date(), kind: .manual), VolumeLayout.manifest("gone"))

            let outcome = await scenario.removeLeftover(VolumeLayout.manifest("gone"))

            #expect(outcome == .done("removed the orphan manifest /checkpoints/.juicectl/manifests/gone.json"))
            #expect(!scenario.exists(VolumeLayout.manifest("gone")))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func aManifestWhoseDirectoryExistsStays() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("back")

            let outcome = await scenario.removeLeftover(VolumeLayout.manifest("back"))

            #expect(outcome == .skipped("checkpoint back exists again; its manifest stays"))
            #expect(scenario.exists(VolumeLayout.manifest("back")))
            #expect(!scenario.host.calls.contains { $0.hasPrefix("removeLocalItem") })
        }
    }

    @Test(arguments: [VolumeLayout.staging + "/nightly.k3j2", VolumeLayout.trash + "/old.9x8w"])
    func aStagingOrTrashTreeIsRemovedWithJuicefsRmr(path: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()
            scenario.putFile(path + "/fs/data.txt", "half a clone")

            let outcome = await scenario.removeLeftover(path)

            #expect(outcome == .done("removed \(path)"))
            #expect(scenario.commands == ["juicefs rmr \(path)"])
            #expect(!scenario.exists(path))
            #expect(!scenario.host.calls.contains { $0.hasPrefix("removeLocalItem") }, "trees go through juicefs rmr")
        }
    }

    @Test(arguments: ["/active", "/active/fs", "/checkpoints/keep", "/checkpoints/.juicectl/lineage.json"])
    func anyOtherPathIsRefused(path: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("keep")
            try scenario.putRecord(VolumeLineage(activeParent: "keep"), VolumeLayout.lineage)
            scenario.clearCalls()

            let outcome = await scenario.removeLeftover(path)

            #expect(outcome == .failed("\(path) is not juicectl's staging or trash; not removing it"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty, "\(scenario.timeline)")
            #expect(scenario.exists(path))
        }
    }

    @Test(arguments: [
        VolumeLayout.staging + "/../../keep",
        VolumeLayout.trash + "/..",
        VolumeLayout.staging + "/",
        VolumeLayout.manifests + "/../lineage.json",
        VolumeLayout.manifests + "/../../keep/fs/notes.json",
    ])
    func aPathThatLeavesStagingTrashOrManifestsIsRefused(path: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("keep")
            scenario.putFile("/checkpoints/keep/fs/notes.json", "{}")
            try scenario.putRecord(VolumeLineage(activeParent: "keep"), VolumeLayout.lineage)
            // What the real filesystem would resolve the path to exists.
            scenario.putFile(path, "resolves to something real")
            scenario.clearCalls()

            let outcome = await scenario.removeLeftover(path)

            #expect(outcome.failureText?.contains("not removing it") == true, "\(outcome)")
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty, "\(scenario.timeline)")
        }
    }

    @Test func theRestoreInProgressKeepsItsStagingTree() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()
            let staging = VolumeLayout.staging + "/restore-v1.abc"
            scenario.putFile(staging + "/fs/data.txt", "restored")
            try scenario.putRecord(
                RestoreJournal(
                    checkpoint: "v1", requestId: nil, stagingPath: staging,
                    asideName: "pre-restore-20270101T000000Z", activeInode: 2, startedAt: Date()),
                VolumeLayout.restoreJournal)

            let outcome = await scenario.removeLeftover(staging)

            #expect(outcome == .skipped("\(staging) belongs to the restore in progress"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.text(staging + "/fs/data.txt") == "restored")
        }
    }

    @Test func aLeftoverThatIsAlreadyGoneIsSkipped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()

            let outcome = await scenario.removeLeftover(VolumeLayout.trash + "/old.abc")

            #expect(outcome == .skipped("/checkpoints/.juicectl/trash/old.abc is already gone"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }
}
