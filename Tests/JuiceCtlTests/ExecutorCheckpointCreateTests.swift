import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Executor: checkpoint create")
struct ExecutorCheckpointCreateTests {
    @Test func clonesActiveIntoAStagingNameThenWritesTheManifestBeforeRenamingIntoPlace() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.clearCalls()

            let outcome = await scenario.create("before-upgrade", note: "before the upgrade")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.hasPrefix("created manual checkpoint before-upgrade (clone of /active in "))
            let clone = try #require(scenario.runner.commands(startingWith: ["juicefs", "clone"]).first)
            #expect(scenario.runner.count(of: "juicefs") == 1, "\(scenario.commands)")
            #expect(Array(clone.arguments.prefix(3)) == ["clone", "--preserve", scenario.hostPath("/active")])
            let staging = clone.arguments[3]
            let stagingPrefix = scenario.hostPath(VolumeLayout.staging) + "/before-upgrade."
            #expect(staging.hasPrefix(stagingPrefix), "\(staging)")
            #expect(staging.count > stagingPrefix.count, "the staging name has a token")
            let stagingVolumePath = String(staging.dropFirst(scenario.mountPath.count))

            let cloned = scenario.position("clone") { $0 == "run juicefs clone --preserve /active \(stagingVolumePath)" }
            let manifest = scenario.position("manifest write") {
                $0 == "writeLocalFile /checkpoints/.juicectl/manifests/before-upgrade.json"
            }
            let renamed = scenario.position("rename into place") {
                $0 == "rename \(stagingVolumePath) /checkpoints/before-upgrade noReplace"
            }
            let lineage = scenario.position("lineage write") { $0 == "writeLocalFile /checkpoints/.juicectl/lineage.json" }
            #expect(cloned < manifest)
            #expect(manifest < renamed, "the manifest is written before the checkpoint appears")
            #expect(renamed < lineage)

            // The checkpoint is a complete copy of /active under its own inodes; staging is empty again.
            #expect(scenario.text("/checkpoints/before-upgrade/fs/data.txt") == CheckpointScenario.liveData)
            #expect(scenario.inode("/checkpoints/before-upgrade") != CheckpointScenario.activeInode)
            #expect(scenario.inode("/active") == CheckpointScenario.activeInode, "/active is untouched")
            #expect(scenario.names(under: VolumeLayout.staging).isEmpty)
        }
    }

    @Test func theManifestRecordsKindNotePinLabelsTimeAndThePreviousActiveParent() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()
            try scenario.putRecord(VolumeLineage(activeParent: "nightly-1", appliedRestoreRequests: ["req-1"]), VolumeLayout.lineage)
            let before = Date()

            let outcome = await scenario.create("release", note: "tagged", pinned: true, labels: ["team": "db"])

            #expect(outcome.doneText?.hasSuffix("; pinned)") == true, "\(outcome)")
            let manifest = try #require(try scenario.record(CheckpointManifest.self, VolumeLayout.manifest("release")))
            #expect(manifest.name == "release")
            #expect(manifest.kind == .manual)
            #expect(manifest.parent == "nightly-1", "the parent is the activeParent before this checkpoint")
            #expect(manifest.pinned)
            #expect(manifest.note == "tagged")
            #expect(manifest.labels == ["team": "db"])
            #expect(manifest.createdAt >= before.addingTimeInterval(-1) && manifest.createdAt <= Date().addingTimeInterval(1))
            let lineage = try #require(try scenario.record(VolumeLineage.self, VolumeLayout.lineage))
            #expect(lineage.activeParent == "release")
            #expect(lineage.appliedRestoreRequests == ["req-1"], "applied restore requests are kept")
        }
    }

    @Test func theFirstCheckpointHasNoParentAndCreatesTheBookkeepingDirectories() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)

            let outcome = await scenario.create("first")

            #expect(outcome.doneText != nil, "\(outcome)")
            #expect(try scenario.record(CheckpointManifest.self, VolumeLayout.manifest("first"))?.parent == nil)
            #expect(try scenario.record(VolumeLineage.self, VolumeLayout.lineage)?.activeParent == "first")
            for directory in [VolumeLayout.bookkeeping, VolumeLayout.manifests, VolumeLayout.staging, VolumeLayout.trash] {
                #expect(scenario.host.createdDirectories.contains(scenario.hostPath(directory)), "\(directory)")
            }
        }
    }

    @Test func aSecondCheckpointDescendsFromTheFirst() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)

            _ = await scenario.create("one")
            let outcome = await scenario.create("two")

            #expect(outcome.doneText != nil, "\(outcome)")
            #expect(try scenario.record(CheckpointManifest.self, VolumeLayout.manifest("two"))?.parent == "one")
            #expect(try scenario.record(VolumeLineage.self, VolumeLayout.lineage)?.activeParent == "two")
        }
    }

    @Test func anExistingNameFailsForAManualCheckpointAndChangesNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            let inode = try scenario.putCheckpoint("taken", data: "old checkpoint")
            let manifestBefore = scenario.text(VolumeLayout.manifest("taken"))
            scenario.clearCalls()

            let outcome = await scenario.create("taken")

            #expect(outcome == .failed("checkpoint taken already exists; choose another name (existing checkpoints are never overwritten)"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty, "\(scenario.timeline)")
            #expect(scenario.inode("/checkpoints/taken") == inode)
            #expect(scenario.text("/checkpoints/taken/fs/data.txt") == "old checkpoint")
            #expect(scenario.text(VolumeLayout.manifest("taken")) == manifestBefore)
        }
    }

    @Test func anExistingNameIsSkippedForAScheduledCheckpoint() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("auto-20270115T080000Z", kind: .scheduled)
            scenario.clearCalls()

            let outcome = await scenario.create("auto-20270115T080000Z", kind: .scheduled)

            #expect(outcome == .skipped("checkpoint auto-20270115T080000Z already exists"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty)
        }
    }

    @Test func aRestoreJournalOnTheVolumeMakesCreateFail() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()
            try scenario.putRecord(
                RestoreJournal(
                    checkpoint: "x", requestId: nil, stagingPath: "\(VolumeLayout.staging)/restore-x.t",
                    asideName: "pre-restore-20270101T000000Z", activeInode: 2, startedAt: Date()),
                VolumeLayout.restoreJournal)
            scenario.clearCalls()

            let outcome = await scenario.create("during-restore")

            #expect(outcome == .failed("a restore is in progress; run juicectl apply to complete or roll it back first"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty)
        }
    }

    @Test func anUnmountedVolumeFailsNamingJuicectlApply() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, mounted: false)

            let outcome = await scenario.create("nowhere")

            let text = try #require(outcome.failureText, "\(outcome)")
            #expect(text.contains("is not mounted"))
            #expect(text.contains("juicectl apply"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty)
        }
    }

    @Test func aStaleMountFailsLikeAnUnmountedOne() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.host.setStat(scenario.mountPath, .timedOut)
            scenario.clearCalls()

            let outcome = await scenario.create("stale")

            #expect(outcome.failureText?.contains("juicectl apply") == true, "\(outcome)")
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func aFailedCloneLeavesNoCheckpointNoManifestAndAnUnchangedLineage() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.runner.on(
                prefix: ["juicefs", "clone"], .failure(stderr: "juicefs[1] <FATAL>: clone: no space left on device [main.go:31]\n"))

            let outcome = await scenario.create("nospace")

            #expect(outcome.failureText?.contains("no space left on device") == true, "\(outcome)")
            #expect(!scenario.exists("/checkpoints/nospace"))
            #expect(!scenario.exists(VolumeLayout.manifest("nospace")))
            #expect(!scenario.exists(VolumeLayout.lineage))
        }
    }

    @Test func aRenameThatFindsTheNameTakenRemovesTheManifestAgain() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            // Another writer creates the name while the clone runs.
            let juicefs = scenario.juicefs
            scenario.runner.on(prefix: ["juicefs", "clone"]) { [scenario] command in
                let result = juicefs.handle(command)
                scenario.putFile("/checkpoints/raced/fs/other.txt", "someone else")
                return result
            }

            let outcome = await scenario.create("raced")

            #expect(outcome.failureText?.hasPrefix("renaming /checkpoints/.juicectl/staging/raced.") == true, "\(outcome)")
            #expect(!scenario.exists(VolumeLayout.manifest("raced")), "no manifest describes a checkpoint juicectl did not make")
            #expect(scenario.text("/checkpoints/raced/fs/other.txt") == "someone else")
            #expect(scenario.names(under: VolumeLayout.staging).count == 1, "the staging clone is a leftover for the next run")
        }
    }

    static let invalidNames = [
        "", ".hidden", "a/b", "..", "../active", "-dash", "with space", "ümlaut", String(repeating: "x", count: 129),
    ]

    @Test(arguments: invalidNames)
    func anInvalidNameFailsBeforeTouchingTheHost(name: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.clearCalls()

            let outcome = await scenario.create(name)

            #expect(outcome.failureText?.hasPrefix("invalid checkpoint name") == true, "\(outcome)")
            #expect(scenario.host.calls.isEmpty, "\(scenario.host.calls)")
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test(arguments: invalidNames)
    func anInvalidNameIsRefusedByDeleteAndRestoreToo(name: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.clearCalls()

            let deleted = await scenario.delete(name, force: true)
            let restored = await scenario.restore(name)

            #expect(deleted.failureText?.hasPrefix("invalid checkpoint name") == true, "\(deleted)")
            #expect(restored.failureText?.hasPrefix("invalid checkpoint name") == true, "\(restored)")
            #expect(scenario.host.calls.isEmpty, "\(scenario.host.calls)")
            #expect(scenario.runner.commands.isEmpty)
        }
    }
}
