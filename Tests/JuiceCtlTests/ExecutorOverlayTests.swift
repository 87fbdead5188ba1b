import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Executor: overlay")
struct ExecutorOverlayTests {
    static let imagePath = VolumeSpec.OverlaySettings.imagePath
    static let badSuperblock =
        """
        mount: /srv/x/root-upper: wrong fs type, bad option, bad superblock on /dev/loop3, missing codepage or helper program, or \
        other error.
        """

    // MARK: Image

    @Test func theImageIsMadeSparseInStagingFormattedThereAndRenamedIntoActiveWithoutReplacing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base, OverlayScenario.yaml + "  imageSize: 2GiB\n")
            scenario.clearCalls()

            let outcome = await scenario.run(.createOverlayImage, Self.imagePath)

            #expect(outcome == .done("made a sparse 2GiB ext4 image at /active/root-upper.img"))
            let sparse = try #require(scenario.host.snapshot.sparseFiles.first)
            #expect(scenario.host.snapshot.sparseFiles.count == 1)
            #expect(sparse.value == 2 << 30, "the sparse file has the spec's size")
            let staging = String(sparse.key.dropFirst(scenario.mountPath.count))
            #expect(staging.hasPrefix(VolumeLayout.staging + "/image-") && staging.hasSuffix(".img"), "\(staging)")

            let created = scenario.position("createSparseFile \(staging) \(2 << 30)")
            let formatted = scenario.position("run mkfs.ext4 -q -F -m 0 -E lazy_itable_init=1,lazy_journal_init=1 \(staging)")
            let renamed = scenario.position("rename \(staging) \(Self.imagePath) noReplace")
            #expect(created < formatted && formatted < renamed, "\(scenario.timeline)")
            #expect(scenario.checkpoint.exists(Self.imagePath))
            #expect(!scenario.checkpoint.exists(staging), "nothing is left in staging")
            #expect(scenario.runner.unmatchedCommands.isEmpty)
        }
    }

    @Test func anExistingImageIsNeverRecreated() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage("the user's upper layer")
            let inode = scenario.checkpoint.inode(Self.imagePath)
            scenario.clearCalls()

            let outcome = await scenario.run(.createOverlayImage, Self.imagePath)

            #expect(outcome.skippedText?.contains("already exists; an image is never recreated over an existing one") == true, "\(outcome)")
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.host.snapshot.sparseFiles.isEmpty)
            #expect(scenario.checkpoint.inode(Self.imagePath) == inode)
            #expect(scenario.checkpoint.text(Self.imagePath) == "the user's upper layer")
        }
    }

    @Test func anImageThatAppearsWhileTheNewOneIsFormattedIsNotReplaced() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            let checkpoint = scenario.checkpoint
            scenario.runner.on(prefix: ["mkfs.ext4"]) { command in
                OverlayScenario.log(command, on: checkpoint.host)
                checkpoint.putFile(VolumeSpec.OverlaySettings.imagePath, "made by someone else")
                return .success()
            }

            let outcome = await scenario.run(.createOverlayImage, Self.imagePath)

            #expect(outcome.failureText?.contains("renaming") == true, "\(outcome)")
            #expect(scenario.checkpoint.text(Self.imagePath) == "made by someone else")
        }
    }

    @Test func aFailedFormatRemovesTheStagingFileAndLeavesNoImage() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.runner.on(
                prefix: ["mkfs.ext4"], .failure(stderr: "mkfs.ext4: No space left on device while writing out and closing file system\n"))

            let outcome = await scenario.run(.createOverlayImage, Self.imagePath)

            #expect(outcome == .failed("mkfs.ext4 failed: mkfs.ext4: No space left on device while writing out and closing file system"))
            let staging = try #require(scenario.host.snapshot.sparseFiles.keys.first)
            #expect(scenario.host.calls.contains("removeLocalItem \(staging)"))
            #expect(scenario.host.paths(under: staging).isEmpty)
            #expect(!scenario.checkpoint.exists(Self.imagePath))
        }
    }

    @Test func aFreshImageClearsARecordOfAnImageAlreadyMovedAsideButNotOneStillInPlace() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.stateStore.update { $0.overlayCorruption = .init(reason: "bad superblock", movedTo: "/q/old.img", at: Date()) }

            #expect(await scenario.run(.createOverlayImage, Self.imagePath).doneText != nil)
            #expect(scenario.stateStore.load().overlayCorruption == nil)

            try scenario.checkpoint.host.removeLocalItem(scenario.image)
            try scenario.stateStore.update { $0.overlayCorruption = .init(reason: "bad superblock", movedTo: nil, at: Date()) }
            #expect(await scenario.run(.createOverlayImage, Self.imagePath).doneText != nil)
            #expect(scenario.stateStore.load().overlayCorruption?.reason == "bad superblock")
        }
    }

    @Test func creatingTheImageNeedsTheVolumeMounted() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base, mounted: false)

            let outcome = await scenario.run(.createOverlayImage, Self.imagePath)

            #expect(outcome.failureText?.contains("the volume is not mounted") == true, "\(outcome)")
            #expect(scenario.host.snapshot.sparseFiles.isEmpty)
        }
    }

    // MARK: Upper mount

    @Test func theImageIsLoopMountedThenUpperAndWorkAreMadeAndTheMountPointRecorded() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            scenario.clearCalls()

            let outcome = await scenario.run(.mountOverlayUpper, scenario.upperMount)

            #expect(outcome == .done("loop-mounted /active/root-upper.img at \(scenario.upperMount) (nosuid,nodev)"))
            #expect(scenario.runner.argvs == [["mount", "-t", "ext4", "-o", "nosuid,nodev", "/dev/loop3", scenario.upperMount]])
            let mountPoint = scenario.position("mkdir /root-upper")
            let mount = scenario.position("run mount -t ext4 -o nosuid,nodev /dev/loop3 /root-upper")
            let upper = scenario.position("mkdir /root-upper/upper")
            let work = scenario.position("mkdir /root-upper/work")
            #expect(mountPoint < mount && mount < upper && mount < work, "\(scenario.timeline)")
            #expect(scenario.stateStore.load().overlayUpperMount == scenario.upperMount)
            #expect(scenario.host.snapshot.loopDevices == [LoopDevice(device: OverlayScenario.device, backingFile: scenario.image)])
        }
    }

    @Test(
        "a mount failure that means a damaged filesystem is recorded as corruption",
        arguments: [
            badSuperblock,
            "mount: /x: can't read superblock on /dev/loop3.",
            "mount: /x: mount(2) system call failed: Structure needs cleaning.",
        ])
    func aDamagedImageIsRecordedAsCorrupt(stderr: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            scenario.runner.on(prefix: ["mount", "-t", "ext4"], .failure(exit: 32, stderr: stderr + "\n"))

            let outcome = await scenario.run(.mountOverlayUpper, scenario.upperMount)

            #expect(outcome == .failed("the overlay image does not mount (\(stderr)); it will be moved aside, never deleted"))
            let record = try #require(scenario.stateStore.load().overlayCorruption)
            #expect(record.reason == stderr)
            #expect(record.movedTo == nil)
            #expect(scenario.stateStore.load().overlayUpperMount == nil)
            #expect(scenario.checkpoint.exists(Self.imagePath), "the image stays where it is")
        }
    }

    @Test func aMountFailureForAnotherReasonIsNotCorruption() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            scenario.runner.on(
                prefix: ["mount", "-t", "ext4"], .failure(exit: 32, stderr: "mount: /x: failed to setup loop device for /y.\n"))

            let outcome = await scenario.run(.mountOverlayUpper, scenario.upperMount)

            #expect(outcome == .failed("mounting the overlay image failed: mount: /x: failed to setup loop device for /y."))
            #expect(scenario.stateStore.load().overlayCorruption == nil)
        }
    }

    @Test("an image mounted without nosuid,nodev (by an earlier juicectl) gets them in place, and only once")
    func anImageMountGetsItsFlagsInPlace() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            OverlayScenario.attachAndMount(scenario.image, at: scenario.upperMount, flags: [], on: scenario.host)
            scenario.clearCalls()

            let outcome = await scenario.run(.mountOverlayUpper, scenario.upperMount)

            #expect(outcome == .done("set nosuid,nodev on the image's mount at \(scenario.upperMount) in place"))
            #expect(scenario.runner.argvs == [["mount", "-o", "remount,bind,nosuid,nodev", scenario.upperMount]])
            let entry = MountInfoParser.parse((try? scenario.host.mountInfo()) ?? "").last { $0.mountPoint == scenario.upperMount }
            #expect(entry?.mountOptions == "rw,nosuid,nodev,relatime")
            #expect(entry?.source == OverlayScenario.device, "the same loop device: nothing was unmounted")
            #expect(
                await scenario.run(.mountOverlayUpper, scenario.upperMount)
                    == .skipped("the image is already mounted at \(scenario.upperMount)"))
        }
    }

    @Test func aSuccessfulMountClearsARecordOfAFailureStillInPlace() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            try scenario.stateStore.update { $0.overlayCorruption = .init(reason: "I/O error", movedTo: nil, at: Date()) }

            #expect(await scenario.run(.mountOverlayUpper, scenario.upperMount).doneText != nil)
            #expect(scenario.stateStore.load().overlayCorruption == nil)
        }
    }

    @Test func anImageAlreadyServedAtTheUpperMountIsNotMountedAgain() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            scenario.mountUpper()

            let outcome = await scenario.run(.mountOverlayUpper, scenario.upperMount)

            #expect(outcome == .skipped("the image is already mounted at \(scenario.upperMount)"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func theImageIsNotMountedOnTopOfAnotherFilesystem() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            OverlayScenario.appendMount(at: scenario.upperMount, fstype: "tmpfs", source: "tmpfs", superOptions: "rw", on: scenario.host)

            let outcome = await scenario.run(.mountOverlayUpper, scenario.upperMount)

            #expect(outcome == .failed("\(scenario.upperMount) holds tmpfs tmpfs; not mounting on top of it"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    // MARK: Quarantine

    @Test func anImageThatDoesNotMountIsMovedIntoQuarantineAndKept() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage("damaged")
            let inode = try #require(scenario.checkpoint.inode(Self.imagePath))
            try scenario.stateStore.update { $0.overlayCorruption = .init(reason: "bad superblock", movedTo: nil, at: Date()) }
            scenario.clearCalls()

            let outcome = await scenario.run(.quarantineOverlayImage, Self.imagePath)

            let record = try #require(scenario.stateStore.load().overlayCorruption)
            let aside = try #require(record.movedTo)
            #expect(outcome == .done("moved the image that does not mount to \(aside) (kept, not deleted)"))
            #expect(aside.hasPrefix("\(VolumeLayout.bookkeeping)/quarantine/root-upper-") && aside.hasSuffix(".img"), "\(aside)")
            #expect(scenario.position("rename \(Self.imagePath) \(aside) noReplace") < Int.max)
            #expect(scenario.checkpoint.inode(aside) == inode, "the same file, moved")
            #expect(scenario.checkpoint.text(aside) == "damaged")
            #expect(!scenario.checkpoint.exists(Self.imagePath))
            #expect(record.reason == "bad superblock")
            #expect(!scenario.host.calls.contains { $0.hasPrefix("removeLocalItem") }, "nothing is deleted")
        }
    }

    @Test func aMountedImageIsNotMovedAside() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            scenario.mountUpper()
            scenario.clearCalls()

            let outcome = await scenario.run(.quarantineOverlayImage, Self.imagePath)

            #expect(outcome == .failed("the image is mounted at \(scenario.upperMount); it is not moved while in use"))
            #expect(!scenario.host.calls.contains { $0.hasPrefix("rename") })
            #expect(scenario.checkpoint.exists(Self.imagePath))
        }
    }

    @Test func withoutAnImageThereIsNothingToMoveAside() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)

            #expect(await scenario.run(.quarantineOverlayImage, Self.imagePath) == .skipped("there is no image to move"))
        }
    }

    // MARK: Overlay mount

    @Test func theOverlayIsMountedWithTheSpecsOptionsAndRecorded() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base, "overlay:\n  lowerDirs: [/srv/app, /srv/base]\n  mountOptions: [index=off]\n")
            scenario.host.setLocalFile("/srv/app")
            scenario.putImage()
            scenario.mountUpper()
            scenario.clearCalls()

            let outcome = await scenario.run(.mountOverlay, OverlayScenario.target)

            #expect(outcome == .done("mounted the overlay at /mnt/newroot"))
            let options = "lowerdir=/srv/app:/srv/base,upperdir=\(scenario.upperMount)/upper,workdir=\(scenario.upperMount)/work,index=off"
            #expect(scenario.runner.argvs == [["mount", "-t", "overlay", "overlay", "-o", options, "/mnt/newroot"]])
            let logged = options.replacingOccurrences(of: scenario.mountPath + "/", with: "/")
            #expect(scenario.position("mkdir /mnt/newroot") < scenario.position("run mount -t overlay overlay -o \(logged) /mnt/newroot"))
            #expect(scenario.stateStore.load().overlayTarget == "/mnt/newroot")
            #expect(scenario.host.calls.contains("fileExists /srv/app") && scenario.host.calls.contains("fileExists /srv/base"))
        }
    }

    @Test func aMissingLowerDirectoryStopsTheOverlayMount() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.host.setLocalFile(OverlayScenario.lowerDir, exists: false)
            scenario.putImage()
            scenario.mountUpper()

            let outcome = await scenario.run(.mountOverlay, OverlayScenario.target)

            #expect(outcome == .failed("lower directory /srv/base does not exist"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.stateStore.load().overlayTarget == nil)
        }
    }

    @Test func theOverlayNeedsTheCurrentImageMountedBelowIt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            // A loop device that serves another file (the replaced tree's image after a restore).
            scenario.mountUpper(backingFile: scenario.checkpoint.hostPath("/checkpoints/pre-restore-x/root-upper.img"))

            let outcome = await scenario.run(.mountOverlay, OverlayScenario.target)

            #expect(outcome == .failed("the image is not mounted at \(scenario.upperMount)"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func anOverlayAlreadyAtTheTargetIsNotMountedAgain() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()

            #expect(await scenario.run(.mountOverlay, OverlayScenario.target) == .skipped("an overlay is already mounted at /mnt/newroot"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    // MARK: Unmounts

    @Test func anIdleOverlayIsUnmountedGracefullyAndForgotten() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()

            let outcome = await scenario.run(.unmountOverlay, OverlayScenario.target)

            #expect(outcome == .done("unmounted /mnt/newroot"))
            #expect(scenario.runner.argvs == [["umount", "/mnt/newroot"]])
            #expect(!scenario.mountPoints.contains("/mnt/newroot"))
            #expect(scenario.stateStore.load().overlayTarget == nil)
            #expect(scenario.stateStore.load().overlayUpperMount == scenario.upperMount, "the image's mount is another record")
        }
    }

    @Test func aBusyOverlayIsNotForcedWithoutForce() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.runner.on(["umount", "/mnt/newroot"], .failure(exit: 32, stderr: "umount: /mnt/newroot: target is busy.\n"))
            scenario.host.setProcessesUsing("/mnt/newroot", [4711])

            let outcome = await scenario.run(.unmountOverlay, OverlayScenario.target, force: false)

            #expect(outcome == .failed("cannot unmount /mnt/newroot: umount: /mnt/newroot: target is busy.; processes using it: 4711"))
            #expect(scenario.runner.argvs == [["umount", "/mnt/newroot"]], "no lazy unmount")
            #expect(scenario.mountPoints.contains("/mnt/newroot"))
            #expect(scenario.stateStore.load().overlayTarget == "/mnt/newroot", "still mounted, still recorded")
        }
    }

    @Test func aBusyOverlayIsDetachedLazilyWithForce() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            scenario.runner.on(["umount", "/mnt/newroot"], .failure(exit: 32, stderr: "umount: /mnt/newroot: target is busy.\n"))
            scenario.host.setProcessesUsing("/mnt/newroot", [4711])

            let outcome = await scenario.run(.unmountOverlay, OverlayScenario.target, force: true)

            #expect(
                outcome
                    == .done(
                        """
                        graceful unmount failed (umount: /mnt/newroot: target is busy.); detached /mnt/newroot lazily; processes \
                        using it: 4711
                        """
                    ))
            #expect(scenario.runner.argvs == [["umount", "/mnt/newroot"], ["umount", "--lazy", "/mnt/newroot"]])
            #expect(!scenario.mountPoints.contains("/mnt/newroot"))
            #expect(scenario.stateStore.load().overlayTarget == nil)
        }
    }

    @Test func unmountingAnOverlayThatIsGoneOnlyForgetsIt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.stateStore.update { $0.overlayTarget = "/mnt/old-root" }

            let outcome = await scenario.run(.unmountOverlay, "/mnt/old-root")

            #expect(outcome == .skipped("no overlay is mounted at /mnt/old-root"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.stateStore.load().overlayTarget == nil)
        }
    }

    @Test func theImageIsUnmountedAfterItsOverlayAndItsLoopDeviceGoesWithIt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()

            let refused = await scenario.run(.unmountOverlayUpper, scenario.upperMount)
            #expect(refused == .failed("the overlay at /mnt/newroot still uses \(scenario.upperMount); it comes down first"))
            #expect(scenario.runner.commands.isEmpty)

            #expect(await scenario.run(.unmountOverlay, OverlayScenario.target).doneText != nil)
            let outcome = await scenario.run(.unmountOverlayUpper, scenario.upperMount)

            #expect(outcome == .done("unmounted \(scenario.upperMount) (/dev/loop3 detaches with it)"))
            #expect(scenario.runner.argvs == [["umount", "/mnt/newroot"], ["umount", scenario.upperMount]])
            #expect(scenario.host.snapshot.loopDevices.isEmpty)
            #expect(scenario.stateStore.load().overlayUpperMount == nil)
        }
    }

    @Test func aBusyImageMountIsDetachedLazilyOnlyWithForce() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            scenario.mountUpper()
            try scenario.stateStore.update { $0.overlayUpperMount = scenario.upperMount }
            scenario.runner.on(["umount", scenario.upperMount], .failure(exit: 32, stderr: "umount: target is busy.\n"))

            let graceful = await scenario.run(.unmountOverlayUpper, scenario.upperMount, force: false)
            #expect(graceful == .failed("cannot unmount \(scenario.upperMount): umount: target is busy."))
            #expect(scenario.stateStore.load().overlayUpperMount == scenario.upperMount)

            let forced = await scenario.run(.unmountOverlayUpper, scenario.upperMount, force: true)
            #expect(
                forced
                    == .done(
                        """
                        graceful unmount failed (umount: target is busy.); detached \(scenario.upperMount) lazily (/dev/loop3 \
                        detaches with it)
                        """
                    ))
            #expect(scenario.runner.argvs.last == ["umount", "--lazy", scenario.upperMount])
            #expect(scenario.stateStore.load().overlayUpperMount == nil)
        }
    }

    @Test func unmountingAnImageThatIsNotMountedOnlyForgetsIt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.stateStore.update { $0.overlayUpperMount = "/mnt/old-upper" }

            #expect(await scenario.run(.unmountOverlayUpper, "/mnt/old-upper") == .skipped("no image is mounted at /mnt/old-upper"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.stateStore.load().overlayUpperMount == nil)
        }
    }

    // MARK: Loop devices

    @Test func aStrayLoopDeviceIsDetached() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.host.update { $0.loopDevices = [LoopDevice(device: "/dev/loop7", backingFile: scenario.image)] }

            let outcome = await scenario.run(.detachLoopDevice, "/dev/loop7")

            #expect(outcome == .done("detached /dev/loop7"))
            #expect(scenario.runner.argvs == [["losetup", "--detach", "/dev/loop7"]])
            #expect(scenario.host.snapshot.loopDevices.isEmpty)
        }
    }

    @Test func aMountedLoopDeviceIsNotDetached() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            let device = scenario.mountUpper()

            let outcome = await scenario.run(.detachLoopDevice, device)

            #expect(outcome == .failed("\(device) is mounted; not detaching it"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.host.snapshot.loopDevices.count == 1)
        }
    }

    @Test func aLoopDeviceThatIsGoneIsSkipped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)

            #expect(await scenario.run(.detachLoopDevice, "/dev/loop7") == .skipped("/dev/loop7 is not attached"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func aFailedDetachIsReported() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.host.update { $0.loopDevices = [LoopDevice(device: "/dev/loop7", backingFile: scenario.image)] }
            scenario.runner.on(
                ["losetup", "--detach", "/dev/loop7"], .failure(stderr: "losetup: /dev/loop7: detach failed: Permission denied\n"))

            #expect(
                await scenario.run(.detachLoopDevice, "/dev/loop7")
                    == .failed("losetup --detach /dev/loop7 failed: losetup: /dev/loop7: detach failed: Permission denied"))
        }
    }

    // MARK: Thaw

    @Test func aFilesystemLeftFrozenIsThawedAndItsMarkerRemoved() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            _ = scenario.mountUpper()
            scenario.host.setFile(scenario.spec.frozenMarkerFile, text: scenario.upperMount)
            scenario.host.setLocalFile(scenario.spec.frozenMarkerFile)

            let outcome = await scenario.run(.thawOverlay, scenario.upperMount)

            #expect(outcome == .done("thawed \(scenario.upperMount)"))
            #expect(scenario.runner.argvs == [["fsfreeze", "--unfreeze", scenario.upperMount]])
            #expect(!scenario.host.fileExists(scenario.spec.frozenMarkerFile))
        }
    }

    @Test func aFilesystemThatIsNotFrozenCountsAsThawed() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            _ = scenario.mountUpper()
            scenario.host.setLocalFile(scenario.spec.frozenMarkerFile)
            scenario.runner.on(
                ["fsfreeze", "--unfreeze", scenario.upperMount],
                .failure(stderr: "fsfreeze: \(scenario.upperMount): unfreeze failed: Invalid argument\n"))

            let outcome = await scenario.run(.thawOverlay, scenario.upperMount)

            #expect(outcome == .skipped("\(scenario.upperMount) was not frozen"))
            #expect(!scenario.host.fileExists(scenario.spec.frozenMarkerFile))
        }
    }

    @Test func aThawThatFailsKeepsTheMarkerForTheNextRun() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            _ = scenario.mountUpper()
            scenario.host.setLocalFile(scenario.spec.frozenMarkerFile)
            scenario.runner.on(["fsfreeze", "--unfreeze", scenario.upperMount], .failure(stderr: "fsfreeze: permission denied\n"))

            let outcome = await scenario.run(.thawOverlay, scenario.upperMount)

            #expect(outcome == .failed("fsfreeze --unfreeze \(scenario.upperMount) failed: fsfreeze: permission denied"))
            #expect(scenario.host.fileExists(scenario.spec.frozenMarkerFile))
        }
    }

    @Test func aMarkerLeftWhereNothingIsMountedIsDroppedWithoutRunningFsfreeze() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.host.setLocalFile(scenario.spec.frozenMarkerFile)

            let outcome = await scenario.run(.thawOverlay, scenario.upperMount)

            #expect(outcome == .skipped("nothing is mounted at \(scenario.upperMount), so nothing is frozen"))
            #expect(scenario.runner.argvs.isEmpty)
            #expect(!scenario.host.fileExists(scenario.spec.frozenMarkerFile))
        }
    }
}
