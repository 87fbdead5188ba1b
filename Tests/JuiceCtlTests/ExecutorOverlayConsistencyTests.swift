import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// An error a test's body throws.
private struct BodyFailed: Error, Equatable {}

@Suite("Executor: overlay freeze, checkpoint and restore")
struct ExecutorOverlayConsistencyTests {
    static let imagePath = VolumeSpec.OverlaySettings.imagePath

    // MARK: whileFrozen

    @Test func theMarkerIsWrittenBeforeTheFreezeAndRemovedAfterTheThaw() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.clearCalls()
            let host = scenario.host
            let marker = scenario.spec.frozenMarkerFile

            let (value, frozenFor) = try await scenario.executor.whileFrozen(scenario.spec) {
                host.update { $0.calls.append("body") }
                #expect(host.text(of: marker) == scenario.upperMount, "the marker names the frozen mount point")
                return 42
            }

            #expect(value == 42)
            #expect(frozenFor > .zero)
            let steps = [
                scenario.position("writeLocalFile \(marker)"),
                scenario.position("run fsfreeze --freeze /root-upper"),
                scenario.position("body"),
                scenario.position("run fsfreeze --unfreeze /root-upper"),
                scenario.position("removeLocalItem \(marker)"),
            ]
            #expect(steps == steps.sorted(), "\(scenario.timeline)")
            #expect(!host.fileExists(marker))
        }
    }

    @Test func aBodyThatThrowsIsStillThawedAndItsErrorPassedOn() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.clearCalls()
            let host = scenario.host

            await #expect(throws: BodyFailed()) {
                _ = try await scenario.executor.whileFrozen(scenario.spec) {
                    host.update { $0.calls.append("body") }
                    throw BodyFailed()
                }
            }

            #expect(scenario.position("body") < scenario.position("run fsfreeze --unfreeze /root-upper"))
            #expect(!host.fileExists(scenario.spec.frozenMarkerFile), "thawed, so the marker goes")
        }
    }

    @Test func aFreezeThatFailsRunsNothingAndLeavesNoMarker() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.runner.on(["fsfreeze", "--freeze", scenario.upperMount], .failure(stderr: "fsfreeze: Operation not supported\n"))
            let ran = Captured<Bool>()

            let error = await #expect(throws: StepError.self) {
                _ = try await scenario.executor.whileFrozen(scenario.spec) { ran.set(true) }
            }

            #expect(error?.message == "fsfreeze --freeze \(scenario.upperMount) failed: fsfreeze: Operation not supported")

            #expect(ran.value == nil, "the body does not run unfrozen")
            #expect(scenario.runner.commands(startingWith: ["fsfreeze", "--unfreeze"]).isEmpty)
            #expect(!scenario.host.fileExists(scenario.spec.frozenMarkerFile))
        }
    }

    @Test func aThawThatFailsKeepsTheMarkerSoTheNextRunThaws() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.runner.on(["fsfreeze", "--unfreeze", scenario.upperMount], .failure(stderr: "fsfreeze: Device or resource busy\n"))

            let error = await #expect(throws: StepError.self) {
                _ = try await scenario.executor.whileFrozen(scenario.spec) { 1 }
            }

            #expect(error?.message == "fsfreeze --unfreeze \(scenario.upperMount) failed: fsfreeze: Device or resource busy")

            #expect(scenario.runner.commands(startingWith: ["fsfreeze", "--unfreeze"]).count == 2, "tried again on the way out")
            #expect(scenario.host.fileExists(scenario.spec.frozenMarkerFile))
            #expect(scenario.host.text(of: scenario.spec.frozenMarkerFile) == scenario.upperMount)
        }
    }

    @Test func aBodyThatThrowsWhileTheThawFailsKeepsTheMarkerAndReportsTheBodysError() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.runner.on(["fsfreeze", "--unfreeze", scenario.upperMount], .failure(stderr: "fsfreeze: Device or resource busy\n"))

            await #expect(throws: BodyFailed()) {
                _ = try await scenario.executor.whileFrozen(scenario.spec) { throw BodyFailed() }
            }

            #expect(scenario.host.fileExists(scenario.spec.frozenMarkerFile))
        }
    }

    @Test func aThawThatFindsTheFilesystemNotFrozenCountsAsThawed() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.runner.on(
                ["fsfreeze", "--unfreeze", scenario.upperMount],
                .failure(stderr: "fsfreeze: \(scenario.upperMount): unfreeze failed: Invalid argument\n"))

            let (value, _) = try await scenario.executor.whileFrozen(scenario.spec) { "done" }

            #expect(value == "done")
            #expect(!scenario.host.fileExists(scenario.spec.frozenMarkerFile))
        }
    }

    // MARK: Checkpoint create

    @Test func aCheckpointFreezesSyncsAndClonesTheImageAloneThenThawsThenClonesTheRest() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.clearCalls()
            let marker = scenario.spec.frozenMarkerFile

            let outcome = await scenario.checkpoint.create("before-upgrade")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.hasPrefix("created manual checkpoint before-upgrade (clone of /active in "))
            #expect(text.contains("; overlay image frozen for "), "\(text)")
            #expect(text.hasSuffix(" ms)"), "\(text)")
            let clones = scenario.runner.commands(startingWith: ["juicefs", "clone"]).map { Array($0.arguments.dropFirst(2)) }
            try #require(clones.count == 2, "\(scenario.commands)")
            #expect(clones[0][0] == scenario.image, "the image is cloned alone, first")
            #expect(clones[1][0] == scenario.checkpoint.hostPath("/active/fs"), "then the rest of /active, entry by entry")
            #expect(!clones.contains { $0[0] == scenario.checkpoint.hostPath("/active") }, "never /active as a whole")
            let staging = String(clones[0][1].dropFirst(scenario.mountPath.count).dropLast("/root-upper.img".count))
            #expect(staging.hasPrefix(VolumeLayout.staging + "/before-upgrade."), "\(staging)")
            #expect(clones[1][1] == scenario.checkpoint.hostPath("\(staging)/fs"))

            // The image is flushed before the freeze (sync of its filesystem, fsync of the file) and fsync'ed again
            // inside the frozen window.
            let fsyncs = scenario.timeline.indices.filter { scenario.timeline[$0] == "fsync /active/root-upper.img" }
            try #require(fsyncs.count == 2, "\(scenario.timeline)")
            let steps = [
                scenario.position("run sync --file-system /root-upper"),
                fsyncs[0],
                scenario.position("mkdir \(staging)"),
                scenario.position("copyOwnership /active \(staging)"),
                scenario.position("writeLocalFile \(marker)"),
                scenario.position("run fsfreeze --freeze /root-upper"),
                fsyncs[1],
                scenario.position("run juicefs clone --preserve /active/root-upper.img \(staging)/root-upper.img"),
                scenario.position("run fsfreeze --unfreeze /root-upper"),
                scenario.position("removeLocalItem \(marker)"),
                scenario.position("run juicefs clone --preserve /active/fs \(staging)/fs"),
                scenario.position("writeLocalFile /checkpoints/.juicectl/manifests/before-upgrade.json"),
                scenario.position("rename \(staging) /checkpoints/before-upgrade noReplace"),
            ]
            #expect(steps == steps.sorted() && Set(steps).count == steps.count, "\(scenario.timeline)")

            #expect(scenario.checkpoint.text("/checkpoints/before-upgrade/root-upper.img") == "ext4 image")
            #expect(scenario.checkpoint.text("/checkpoints/before-upgrade/fs/data.txt") == CheckpointScenario.liveData)
            #expect(!scenario.host.fileExists(marker))
        }
    }

    @Test func aCheckpointWithTheImageNotMountedIsOnePlainCloneWithoutAFreeze() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            scenario.clearCalls()

            let outcome = await scenario.checkpoint.create("plain")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(!text.contains("frozen"))
            #expect(scenario.runner.count(of: "fsfreeze") == 0)
            let clones = scenario.runner.commands(startingWith: ["juicefs", "clone"])
            #expect(clones.count == 1)
            #expect(clones.first?.arguments[2] == scenario.checkpoint.hostPath("/active"))
            #expect(scenario.checkpoint.text("/checkpoints/plain/root-upper.img") == "ext4 image")
        }
    }

    @Test func aFailedImageCloneThawsAndCreatesNoCheckpoint() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            let host = scenario.host
            let image = scenario.image
            scenario.runner.on(
                where: { $0.arguments.starts(with: ["clone", "--preserve", image]) },
                handler: { command in
                    OverlayScenario.log(command, on: host)
                    return .failure(stderr: "<FATAL>: clone: no space left [main@main.go:31]\n")
                })
            scenario.clearCalls()

            let outcome = await scenario.checkpoint.create("broken")

            #expect(outcome.failureText != nil, "\(outcome)")
            #expect(scenario.runner.commands(startingWith: ["fsfreeze", "--unfreeze"]).count == 1)
            #expect(!host.fileExists(scenario.spec.frozenMarkerFile))
            #expect(!scenario.checkpoint.exists("/checkpoints/broken"))
            #expect(
                !scenario.host.calls.contains { $0.hasPrefix("run juicefs clone --preserve \(scenario.mountPath)/active/fs") },
                "nothing more is cloned")
        }
    }

    @Test func aListingOfActiveThatFailsFailsTheCheckpointInsteadOfLeavingTheTreeOut() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.host.setStat(scenario.checkpoint.hostPath("/active"), .timedOut)

            let outcome = await scenario.checkpoint.create("partial")

            #expect(outcome.failureText?.contains("cannot list /active") == true, "\(outcome)")
            #expect(!scenario.checkpoint.exists("/checkpoints/partial"))
            #expect(!scenario.checkpoint.exists(VolumeLayout.manifest("partial")))
            #expect(scenario.runner.commands(startingWith: ["fsfreeze", "--unfreeze"]).count == 1, "thawed before the listing")
        }
    }

    // MARK: Restore

    @Test func aRestoreTakesTheOverlayDownBeforeTheExchangeAndBringsItUpOnTheRestoredImage() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            try scenario.checkpoint.putCheckpoint("v1")
            scenario.checkpoint.putFile("/checkpoints/v1/root-upper.img", "image of v1")
            scenario.clearCalls()

            let outcome = await scenario.checkpoint.restore("v1")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(
                text.hasSuffix(
                    "; loop-mounted /active/root-upper.img at \(scenario.upperMount) (nosuid,nodev); mounted the overlay at /mnt/newroot"),
                "\(text)")
            let exchange = try #require(scenario.timeline.first { $0.hasPrefix("rename ") && $0.hasSuffix(" /active exchange") })
            let options = scenario.overlay.overlayOptions.replacingOccurrences(of: scenario.mountPath + "/", with: "/")
            let steps = [
                scenario.position("writeLocalFile /checkpoints/.juicectl/restore.json"),
                scenario.position("run umount /mnt/newroot"),
                scenario.position("run umount /root-upper"),
                scenario.position(exchange),
                scenario.position("run mount -t ext4 -o nosuid,nodev /dev/loop3 /root-upper"),
                scenario.position("run mount -t overlay overlay -o \(options) /mnt/newroot"),
            ]
            #expect(steps == steps.sorted(), "\(scenario.timeline)")
            #expect(scenario.runner.count(of: "mkfs.ext4") == 0, "the restored tree has its image")
            #expect(scenario.checkpoint.text(Self.imagePath) == "image of v1")
            #expect(scenario.host.snapshot.loopDevices.map(\.backingFile) == [scenario.image])
            #expect(scenario.mountPoints.suffix(2) == [scenario.upperMount, "/mnt/newroot"])
            #expect(scenario.stateStore.load().overlayTarget == "/mnt/newroot")
            #expect(scenario.stateStore.load().overlayUpperMount == scenario.upperMount)
        }
    }

    @Test func aRestoredTreeWithoutAnImageGetsAFreshOne() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            try scenario.checkpoint.putCheckpoint("v1")
            scenario.clearCalls()

            let outcome = await scenario.checkpoint.restore("v1")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.contains("; made a sparse 100GiB ext4 image at /active/root-upper.img; loop-mounted"), "\(text)")
            #expect(scenario.runner.count(of: "mkfs.ext4") == 1)
            #expect(scenario.checkpoint.exists(Self.imagePath))
            #expect(
                scenario.position("run umount /root-upper") < scenario.position("run mount -t ext4 -o nosuid,nodev /dev/loop3 /root-upper"))
        }
    }

    @Test func aBusyOverlayRollsTheRestoreBackWithNothingSwapped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            try scenario.checkpoint.putCheckpoint("v1")
            scenario.runner.on(["umount", "/mnt/newroot"], .failure(exit: 32, stderr: "umount: /mnt/newroot: target is busy.\n"))
            let mountsBefore = scenario.mountPoints
            scenario.clearCalls()

            let outcome = await scenario.checkpoint.restore("v1")

            let text = try #require(outcome.failureText, "\(outcome)")
            #expect(
                text.hasPrefix(
                    """
                    the overlay could not be taken down, so nothing was restored: cannot unmount /mnt/newroot: umount: /mnt/newroot: \
                    target is busy.
                    """
                ), "\(text)")
            #expect(!scenario.timeline.contains { $0.hasSuffix(" exchange") }, "nothing swapped")
            #expect(scenario.runner.commands(startingWith: ["umount", "--lazy"]).isEmpty, "a restore never forces")
            #expect(scenario.checkpoint.inode("/active") == CheckpointScenario.activeInode)
            #expect(scenario.checkpoint.text("/active/fs/data.txt") == CheckpointScenario.liveData)
            #expect(!scenario.checkpoint.exists(VolumeLayout.restoreJournal), "rolled back: no journal")
            #expect(scenario.checkpoint.names(under: VolumeLayout.staging).isEmpty, "rolled back: no staging clone")
            #expect(!scenario.checkpoint.names(under: VolumeLayout.checkpoints).contains { $0.hasPrefix("pre-restore-") })
            #expect(scenario.mountPoints == mountsBefore, "the overlay and its image stay up")
        }
    }
}
