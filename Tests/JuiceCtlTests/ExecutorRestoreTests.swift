import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Executor: restore")
struct ExecutorRestoreTests {
    /// A spec with a second quota whose directory the checkpoint does not have.
    static let twoQuotas = """
        quotas:
          - path: /active/fs
            capacity: 10TiB
          - path: /active/fs/projects
            capacity: 1GiB
        """

    @Test func runsEveryStepInOrderJournalFirstAndJournalRemovalLast() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, Self.twoQuotas)
            try scenario.putCheckpoint("v1", data: "checkpoint data")
            try scenario.putRecord(VolumeLineage(activeParent: "v0"), VolumeLayout.lineage)
            scenario.clearCalls()

            let outcome = await scenario.restore("v1", requestId: "req-7")

            let text = try #require(outcome.doneText, "\(outcome)")
            let clone = try #require(scenario.runner.commands(startingWith: ["juicefs", "clone"]).first)
            let staging = String(clone.arguments[3].dropFirst(scenario.mountPath.count))
            #expect(Array(clone.arguments.prefix(3)) == ["clone", "--preserve", scenario.hostPath("/checkpoints/v1")])
            #expect(staging.hasPrefix(VolumeLayout.staging + "/restore-v1."), "\(staging)")
            let aside = try #require(scenario.names(under: VolumeLayout.checkpoints).first { $0.hasPrefix("pre-restore-") })
            #expect(aside.count == "pre-restore-20270115T080000Z".count, "\(aside)")
            #expect(text.hasPrefix("restored /active to checkpoint v1 (clone in "))
            #expect(text.contains("the replaced tree is checkpoint \(aside)"))
            #expect(
                text.hasSuffix("; quotas set on /active/fs, /active/fs/projects; removed from the replaced tree: /checkpoints/\(aside)/fs"))

            let steps = [
                scenario.position("journal write") { $0 == "writeLocalFile /checkpoints/.juicectl/restore.json" },
                scenario.position("clone") { $0 == "run juicefs clone --preserve /checkpoints/v1 \(staging)" },
                scenario.position("pre-restore manifest") { $0 == "writeLocalFile /checkpoints/.juicectl/manifests/\(aside).json" },
                scenario.position("exchange") { $0 == "rename \(staging) /active exchange" },
                scenario.position("aside rename") { $0 == "rename \(staging) /checkpoints/\(aside) noReplace" },
            ]
            // Setting the new quotas, deleting the old tree's and listing run at once after the aside rename;
            // within setting, a missing quota directory is made before its quota is set.
            let quotaSteps = [
                scenario.position("quota set /active/fs") {
                    $0.hasPrefix("run juicefs quota set \(scenario.volume.url) --path /active/fs --capacity 10240 ")
                },
                scenario.position("quota set /active/fs/projects") {
                    $0.hasPrefix("run juicefs quota set \(scenario.volume.url) --path /active/fs/projects --capacity 1 ")
                },
                scenario.position("quota list") { $0 == "run juicefs quota list \(scenario.volume.url)" },
                scenario.position("quota delete") {
                    $0 == "run juicefs quota delete \(scenario.volume.url) --path /checkpoints/\(aside)/fs"
                },
            ]
            let mkdir = scenario.position("mkdir of the missing quota directory") { $0 == "mkdir /active/fs/projects" }
            let finalSteps = [
                scenario.position("lineage write") { $0 == "writeLocalFile /checkpoints/.juicectl/lineage.json" },
                scenario.position("journal removal") { $0 == "removeLocalItem /checkpoints/.juicectl/restore.json" },
            ]
            #expect(steps == steps.sorted() && Set(steps).count == steps.count, "\(scenario.timeline)")
            #expect(quotaSteps.allSatisfy { $0 > steps.last! && $0 < finalSteps.first! }, "\(scenario.timeline)")
            #expect(mkdir < quotaSteps[1], "\(scenario.timeline)")
            #expect(finalSteps == finalSteps.sorted(), "\(scenario.timeline)")
            #expect(finalSteps.last == scenario.timeline.count - 1, "nothing happens after the journal is removed")
            #expect(scenario.timeline.filter { $0.hasPrefix("rename ") }.count == 2)
            #expect(scenario.runner.unmatchedCommands.isEmpty)
        }
    }

    @Test func afterwardsActiveIsTheCheckpointAndTheOldTreeIsAPreRestoreCheckpoint() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            let checkpointInode = try scenario.putCheckpoint("v1", data: "checkpoint data")
            try scenario.putRecord(VolumeLineage(activeParent: "v0", appliedRestoreRequests: ["req-1"]), VolumeLayout.lineage)
            let before = Date()

            let outcome = await scenario.restore("v1", requestId: "req-7")

            #expect(outcome.doneText != nil, "\(outcome)")
            // /active holds a fresh clone of the checkpoint, which itself is unchanged.
            #expect(scenario.text("/active/fs/data.txt") == "checkpoint data")
            let activeInode = try #require(scenario.inode("/active"))
            #expect(activeInode != CheckpointScenario.activeInode && activeInode != checkpointInode)
            #expect(scenario.inode("/checkpoints/v1") == checkpointInode)
            #expect(scenario.text("/checkpoints/v1/fs/data.txt") == "checkpoint data")
            // The replaced tree is kept whole, as itself (same inode), under its pre-restore name.
            let aside = try #require(scenario.names(under: VolumeLayout.checkpoints).first { $0.hasPrefix("pre-restore-") })
            #expect(scenario.inode("/checkpoints/\(aside)") == CheckpointScenario.activeInode)
            #expect(scenario.text("/checkpoints/\(aside)/fs/data.txt") == CheckpointScenario.liveData)
            let manifest = try #require(try scenario.record(CheckpointManifest.self, VolumeLayout.manifest(aside)))
            #expect(manifest.kind == .preRestore)
            #expect(manifest.parent == "v0")
            #expect(manifest.replacedBy == "v1")
            #expect(manifest.createdAt >= before.addingTimeInterval(-1))
            #expect(aside == CheckpointName.preRestore(at: manifest.createdAt))
            // Bookkeeping.
            let lineage = try #require(try scenario.record(VolumeLineage.self, VolumeLayout.lineage))
            #expect(lineage.activeParent == "v1")
            #expect(lineage.appliedRestoreRequests == ["req-1", "req-7"])
            #expect(!scenario.exists(VolumeLayout.restoreJournal))
            #expect(scenario.names(under: VolumeLayout.staging).isEmpty)
            // The spec's quota is on the new /active/fs and nowhere else.
            #expect(scenario.juicefs.quotaPaths == ["/active/fs": .init(capacityGiB: "10240", inodes: "0")])
            let record = try #require(scenario.volume.stateStore.load().quotas["/active/fs"])
            #expect(record.setAt >= before.addingTimeInterval(-1), "the fresh quota is recorded as set now")
        }
    }

    @Test func theJournalRecordsTheRestoreBeforeTheCloneStarts() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            let journalDuringClone = Captured<RestoreJournal?>()
            let activeDuringClone = Captured<UInt64?>()
            let juicefs = scenario.juicefs
            scenario.runner.on(prefix: ["juicefs", "clone"]) { [scenario] command in
                journalDuringClone.set(try? scenario.record(RestoreJournal.self, VolumeLayout.restoreJournal))
                activeDuringClone.set(scenario.inode("/active"))
                return juicefs.handle(command)
            }
            let before = Date()

            let outcome = await scenario.restore("v1", requestId: "req-9")

            #expect(outcome.doneText != nil, "\(outcome)")
            let journal = try #require(journalDuringClone.value ?? nil)
            let clone = try #require(scenario.runner.commands(startingWith: ["juicefs", "clone"]).first)
            #expect(journal.checkpoint == "v1")
            #expect(journal.requestId == "req-9")
            #expect(journal.activeInode == CheckpointScenario.activeInode)
            #expect(scenario.hostPath(journal.stagingPath) == clone.arguments[3])
            #expect(journal.asideName == CheckpointName.preRestore(at: journal.startedAt))
            #expect(journal.startedAt >= before.addingTimeInterval(-1))
            #expect(activeDuringClone.value == CheckpointScenario.activeInode, "/active is untouched while the clone runs")
            #expect(scenario.exists("/checkpoints/\(journal.asideName)"))
        }
    }

    @Test func aTakenPreRestoreNameGetsASuffix() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            // Both names a restore starting this second or the next could pick.
            let now = Date()
            for date in [now, now.addingTimeInterval(1), now.addingTimeInterval(2)] {
                try scenario.putCheckpoint(CheckpointName.preRestore(at: date), data: "earlier", kind: .preRestore)
            }

            let outcome = await scenario.restore("v1")

            #expect(outcome.doneText != nil, "\(outcome)")
            let aside = try #require(
                scenario.names(under: VolumeLayout.checkpoints).first { $0.hasPrefix("pre-restore-") && $0.hasSuffix("-2") })
            #expect(scenario.text("/checkpoints/\(aside)/fs/data.txt") == CheckpointScenario.liveData)
            for date in [now, now.addingTimeInterval(1), now.addingTimeInterval(2)] {
                #expect(
                    scenario.text("/checkpoints/\(CheckpointName.preRestore(at: date))/fs/data.txt") == "earlier",
                    "existing checkpoints are never overwritten")
            }
        }
    }

    @Test(arguments: [false, true])
    func aFailedCloneRollsBackAndLeavesActiveUntouched(partialClone: Bool) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            let juicefs = scenario.juicefs
            scenario.runner.on(prefix: ["juicefs", "clone"]) { [scenario] command in
                if partialClone {
                    _ = juicefs.handle(command)
                } else {
                    scenario.host.update { $0.calls.append("run " + FakeCommandRunner.argv(command).joined(separator: " ")) }
                }
                return .failure(stderr: "juicefs[1] <FATAL>: clone: input/output error [main.go:31]\n")
            }
            scenario.clearCalls()

            let outcome = await scenario.restore("v1", requestId: "req-1")

            #expect(outcome.failureText?.contains("input/output error") == true, "\(outcome)")
            let clone = try #require(scenario.runner.commands(startingWith: ["juicefs", "clone"]).first)
            let staging = String(clone.arguments[3].dropFirst(scenario.mountPath.count))
            let rmrs = scenario.commands.filter { $0.hasPrefix("juicefs rmr") }
            #expect(rmrs == (partialClone ? ["juicefs rmr \(staging)"] : []), "the staging clone is removed only when it exists")
            #expect(!scenario.exists(staging))
            #expect(!scenario.exists(VolumeLayout.restoreJournal))
            #expect(scenario.timeline.last == "removeLocalItem /checkpoints/.juicectl/restore.json", "\(scenario.timeline)")
            #expect(!scenario.timeline.contains { $0.hasPrefix("rename ") })
            #expect(scenario.inode("/active") == CheckpointScenario.activeInode)
            #expect(scenario.text("/active/fs/data.txt") == CheckpointScenario.liveData)
            #expect(!scenario.names(under: VolumeLayout.checkpoints).contains { $0.hasPrefix("pre-restore-") })
            #expect(!scenario.names(under: VolumeLayout.manifests).contains { $0.hasPrefix("pre-restore-") })
            #expect(scenario.juicefs.quotaPaths.keys.sorted() == ["/active/fs"])
            #expect(try scenario.record(VolumeLineage.self, VolumeLayout.lineage) == nil, "the request is not recorded as applied")
        }
    }

    @Test func anAppliedRequestIdIsSkipped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            try scenario.putRecord(VolumeLineage(activeParent: "v1", appliedRestoreRequests: ["req-1"]), VolumeLayout.lineage)
            scenario.clearCalls()

            let outcome = await scenario.restore("v1", requestId: "req-1")

            #expect(outcome == .skipped("restore request req-1 was already applied to this volume"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty, "\(scenario.timeline)")
            #expect(scenario.inode("/active") == CheckpointScenario.activeInode)
        }
    }

    @Test func aMissingCheckpointFails() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.clearCalls()

            let outcome = await scenario.restore("ghost")

            #expect(outcome == .failed("checkpoint ghost does not exist"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty)
        }
    }

    @Test func anotherRestoreInProgressFails() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            try scenario.putRecord(
                RestoreJournal(
                    checkpoint: "v1", requestId: nil, stagingPath: "\(VolumeLayout.staging)/restore-v1.t",
                    asideName: "pre-restore-20270101T000000Z", activeInode: 2, startedAt: Date()),
                VolumeLayout.restoreJournal)
            scenario.clearCalls()

            let outcome = await scenario.restore("v1")

            #expect(outcome == .failed("another restore is in progress; run juicectl apply to complete or roll it back first"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty)
        }
    }

    @Test func anUnmountedVolumeFailsNamingJuicectlApply() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, mounted: false)

            let outcome = await scenario.restore("v1")

            #expect(outcome.failureText?.contains("juicectl apply") == true, "\(outcome)")
            #expect(scenario.runner.commands.isEmpty)
        }
    }
}
