import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Reconciler: checkpoint commands")
struct ReconcilerCheckpointTests {
    @Test func everyCommandThrowsNotMountedWhenTheVolumeIsNotMounted() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, mounted: false)
            let reconciler = scenario.volume.reconciler
            let spec = scenario.spec

            let create = await #expect(throws: Reconciler.NotMounted.self) { try await reconciler.createCheckpoint(spec, .init(name: "a")) }
            let delete = await #expect(throws: Reconciler.NotMounted.self) { try await reconciler.deleteCheckpoint(spec, name: "a") }
            let restore = await #expect(throws: Reconciler.NotMounted.self) { try await reconciler.restore(spec, name: "a") }
            let list = await #expect(throws: Reconciler.NotMounted.self) { try await reconciler.checkpoints(spec) }
            let errors = [create, delete, restore, list].compactMap { $0 }

            #expect(errors.count == 4)
            for error in errors {
                let text = "\(error)"
                #expect(text.contains("volume fixvol is not mounted"), "\(text)")
                #expect(text.contains(spec.mount.path))
                #expect(text.contains("juicectl apply"))
            }
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func createTakesTheVolumeLockWhileItRuns() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            let lockPath = scenario.spec.stateDir + "/lock"
            let holderDuringClone = Captured<String>()
            let juicefs = scenario.juicefs
            let host = scenario.host
            scenario.runner.on(prefix: ["juicefs", "clone"]) { command in
                if let operation = host.snapshot.heldLocks[lockPath] { holderDuringClone.set(operation) }
                return juicefs.handle(command)
            }

            let report = try await scenario.volume.reconciler.createCheckpoint(scenario.spec, .init(name: "locked", note: "n"))

            #expect(report.results.map(\.action.kind) == [.createCheckpoint])
            #expect(report.results.first?.outcome.doneText != nil, "\(report.results)")
            #expect(holderDuringClone.value == "checkpoint create", "the volume lock is held during the clone")
            #expect(host.snapshot.heldLocks[lockPath] == nil, "released afterwards")
            #expect(host.calls.filter { $0.hasSuffix(" \(lockPath)") } == ["lock \(lockPath)", "unlock \(lockPath)"])
            #expect(try scenario.record(CheckpointManifest.self, VolumeLayout.manifest("locked"))?.note == "n")
        }
    }

    @Test func aCommandWaitsForAnotherHolderAndFailsWithBusy() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            var configuration = Reconciler.Configuration()
            configuration.lockTimeout = .milliseconds(200)
            let reconciler = Reconciler(
                host: scenario.host, runner: scenario.runner, tools: VolumeScenario.tools, logger: .quiet,
                configuration: configuration)
            let holder = VolumeLock.Holder(pid: 4711, host: "node-2", operation: "apply", since: "2027-01-15T08:00:00Z")
            scenario.host.update { $0.locksHeldElsewhere[scenario.spec.stateDir + "/lock"] = holder }

            await #expect(throws: VolumeLock.Busy.self) {
                try await reconciler.createCheckpoint(scenario.spec, .init(name: "waits"))
            }
            #expect(scenario.runner.commands.isEmpty)
            #expect(!scenario.exists("/checkpoints/waits"))
        }
    }

    @Test func anInvalidNameIsRejectedBeforeTheLock() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.clearCalls()
            let reconciler = scenario.volume.reconciler

            await #expect(throws: CheckpointName.Invalid.self) { try await reconciler.createCheckpoint(scenario.spec, .init(name: "../x")) }
            await #expect(throws: CheckpointName.Invalid.self) { try await reconciler.deleteCheckpoint(scenario.spec, name: ".x") }
            await #expect(throws: CheckpointName.Invalid.self) { try await reconciler.restore(scenario.spec, name: "a b") }

            #expect(scenario.host.calls.isEmpty)
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.host.snapshot.heldLocks.isEmpty, "no lock is taken")
        }
    }

    @Test func aLeftoverIsRemovedBeforeTheRequestedCheckpoint() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()
            scenario.putFile(VolumeLayout.staging + "/half.abc/fs/data.txt", "half a clone")

            let report = try await scenario.volume.reconciler.createCheckpoint(scenario.spec, .init(name: "after"))

            #expect(report.results.map(\.action.kind) == [.removeLeftover, .createCheckpoint])
            #expect(report.results.allSatisfy { $0.outcome.doneText != nil }, "\(report.results)")
            let rmr = scenario.position("leftover removal") { $0 == "run juicefs rmr \(VolumeLayout.staging)/half.abc" }
            let clone = scenario.position("clone") { $0.hasPrefix("run juicefs clone --preserve /active ") }
            #expect(rmr < clone)
            #expect(!scenario.exists(VolumeLayout.staging + "/half.abc"))
            #expect(scenario.exists("/checkpoints/after"))
        }
    }

    @Test func anInterruptedRestoreIsRolledBackBeforeTheRequestedRestore() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await ExecutorResumeRestoreTests.interrupted(at: .afterClone, baseDir: base)
            try scenario.putCheckpoint("v2", data: "v2 data")
            scenario.clearCalls()

            let report = try await scenario.volume.reconciler.restore(scenario.spec, name: "v2")

            #expect(report.results.map(\.action.kind) == [.resumeRestore, .restore])
            #expect(report.results.first?.outcome.doneText?.hasPrefix("rolled back the restore of v1") == true, "\(report.results)")
            #expect(report.results.last?.outcome.doneText?.hasPrefix("restored /active to checkpoint v2") == true, "\(report.results)")
            let rollback = scenario.position("rollback rmr") { $0 == "run juicefs rmr \(ExecutorResumeRestoreTests.staging)" }
            let clone = scenario.position("clone of v2") { $0.hasPrefix("run juicefs clone --preserve /checkpoints/v2 ") }
            #expect(rollback < clone)
            #expect(scenario.text("/active/fs/data.txt") == "v2 data")
            #expect(try scenario.record(VolumeLineage.self, VolumeLayout.lineage)?.activeParent == "v2")
            #expect(!scenario.exists(VolumeLayout.restoreJournal))
            #expect(
                !report.remaining.actions.contains { $0.kind == .resumeRestore || $0.kind == .removeLeftover || $0.kind == .restore },
                "\(report.remaining.actions)")
        }
    }

    @Test func aSwappedRestoreIsCompletedBeforeACheckpointIsTaken() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await ExecutorResumeRestoreTests.interrupted(at: .afterExchange, baseDir: base)

            let report = try await scenario.volume.reconciler.createCheckpoint(scenario.spec, .init(name: "after-restore"))

            #expect(report.results.map(\.action.kind) == [.resumeRestore, .createCheckpoint])
            #expect(report.results.allSatisfy { $0.outcome.doneText != nil }, "\(report.results)")
            #expect(scenario.text("/checkpoints/after-restore/fs/data.txt") == "checkpoint data", "the checkpoint is of the restored tree")
            #expect(try scenario.record(CheckpointManifest.self, VolumeLayout.manifest("after-restore"))?.parent == "v1")
        }
    }

    @Test func aFailedRecoveryStopsTheRequestedAction() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putBookkeeping()
            scenario.putFile(VolumeLayout.trash + "/old.abc/fs/data.txt", "stuck")
            scenario.runner.on(prefix: ["juicefs", "rmr"], .failure(stderr: "juicefs[1] <FATAL>: rmr: permission denied [main.go:31]\n"))

            let report = try await scenario.volume.reconciler.createCheckpoint(scenario.spec, .init(name: "blocked"))

            #expect(report.results.map(\.action.kind) == [.removeLeftover])
            #expect(report.failed)
            #expect(scenario.runner.commands(startingWith: ["juicefs", "clone"]).isEmpty)
            #expect(!scenario.exists("/checkpoints/blocked"))
        }
    }

    @Test func deleteAndRestoreGoThroughTheExecutor() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("pinned", pinned: true)
            try scenario.putCheckpoint("v1", data: "v1 data")
            let reconciler = scenario.volume.reconciler

            let refused = try await reconciler.deleteCheckpoint(scenario.spec, name: "pinned")
            let forced = try await reconciler.deleteCheckpoint(scenario.spec, name: "pinned", force: true)
            let restored = try await reconciler.restore(scenario.spec, name: "v1")

            #expect(refused.results.map(\.outcome) == [.failed("checkpoint pinned is pinned; delete it with --force")])
            #expect(forced.results.first?.outcome.doneText?.hasPrefix("deleted checkpoint pinned") == true)
            #expect(restored.results.first?.outcome.doneText?.hasPrefix("restored /active to checkpoint v1") == true)
            #expect(scenario.text("/active/fs/data.txt") == "v1 data")
            #expect(!scenario.exists("/checkpoints/pinned"))
        }
    }

    @Test func theListingIsSortedByCreationWithTheLineageAndLeftovers() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("newer", createdAt: Date(timeIntervalSince1970: 1_800_000_100))
            try scenario.putCheckpoint("older", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
            try scenario.putCheckpoint("a-by-hand", manifest: false)
            try scenario.putRecord(CheckpointManifest(name: "gone", createdAt: Date(), kind: .manual), VolumeLayout.manifest("gone"))
            try scenario.putRecord(VolumeLineage(activeParent: "newer"), VolumeLayout.lineage)

            let listing = try await scenario.volume.reconciler.checkpoints(scenario.spec)

            #expect(listing.checkpoints.map(\.name) == ["older", "newer", "a-by-hand"])
            #expect(listing.activeParent == "newer")
            #expect(listing.leftovers == [Leftover(path: VolumeLayout.manifest("gone"), kind: .orphanManifest)])
            #expect(listing.restoreInProgress == nil)
            #expect(scenario.runner.commands.isEmpty, "listing changes nothing")
            #expect(scenario.exists(VolumeLayout.manifest("gone")))
        }
    }
}
