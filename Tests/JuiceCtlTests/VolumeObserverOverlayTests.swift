import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("VolumeObserver: overlay")
struct VolumeObserverOverlayTests {
    @Test func mountinfoLoopDevicesLowerDirectoriesMarkerAndRecordsMakeTheObservation() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base, "overlay:\n  lowerDirs: [/srv/app, /srv/base]\n")
            try scenario.installConvergedOverlay()
            let aside = scenario.checkpoint.hostPath("/checkpoints/nightly/root-upper.img")
            scenario.host.update {
                // The image's loop device answers with the inode it serves: another one than the image's now.
                $0.loopDevices = $0.loopDevices.map {
                    $0.device == OverlayScenario.device
                        ? LoopDevice(device: $0.device, backingFile: $0.backingFile, backingInode: 4711) : $0
                }
                $0.loopDevices += [
                    LoopDevice(device: "/dev/loop7", backingFile: aside), // on this volume, mounted nowhere
                    LoopDevice(device: "/dev/loop8", backingFile: "/var/lib/machines/other.img"), // not this volume's
                    LoopDevice(device: "/dev/loop9", backingFile: scenario.checkpoint.hostPath("/checkpoints/x.img")),
                ]
            }
            // Someone inspects a checkpoint's image: mounted, so not a stray.
            OverlayScenario.appendMount(at: "/mnt/inspect", fstype: "ext4", source: "/dev/loop9", superOptions: "ro", on: scenario.host)
            scenario.host.setLocalFile(scenario.spec.frozenMarkerFile)
            try scenario.stateStore.update { $0.overlayCorruption = .init(reason: "bad superblock", movedTo: "/q/r.img", at: Date()) }

            let observation = await scenario.volume.observer.observe(scenario.spec)

            let overlay = try #require(observation.overlay)
            #expect(overlay.imageInode != nil && overlay.imageInode != 4711, "the image's inode, from its stat")
            #expect(overlay.upperBackingInode == 4711, "the inode behind the image's loop device")
            var expected = OverlayObservation(
                imageExists: true,
                upper: .image(device: OverlayScenario.device, backingFile: scenario.image),
                overlay: .overlay(options: "rw,\(scenario.overlay.overlayOptions),uuid=on"),
                strayLoopDevices: ["/dev/loop7"],
                frozenByCrash: true,
                missingLowerDirs: ["/srv/app"],
                corruption: .init(reason: "bad superblock", movedTo: "/q/r.img"),
                recordedTarget: "/mnt/newroot",
                recordedUpperMount: scenario.upperMount)
            expected.imageInode = overlay.imageInode
            expected.upperBackingInode = 4711
            expected.upperMountOptions = "rw,nosuid,nodev,relatime"
            expected.overlayMountOptions = "rw,nosuid,nodev,relatime"
            #expect(overlay == expected)
        }
    }

    @Test func aConvergedOverlayObservesAsConverged() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()

            let observation = await scenario.volume.observer.observe(scenario.spec)
            // The fixture's juicefs command line differs from this spec's; only the overlay's steps matter here.
            let plan = Planner.plan(scenario.spec, observation)
            let overlayKinds: Set<Action.Kind> = [
                .thawOverlay, .createOverlayImage, .quarantineOverlayImage, .mountOverlayUpper,
                .mountOverlay, .unmountOverlay, .unmountOverlayUpper, .detachLoopDevice,
            ]

            #expect(observation.overlay?.strayLoopDevices == [])
            #expect(observation.overlay?.frozenByCrash == false)
            #expect(observation.overlay?.missingLowerDirs == [])
            #expect(
                !plan.actions.contains { overlayKinds.contains($0.kind) }, "\(plan.actions.map { "\($0.kind) \($0.target): \($0.reason)" })"
            )
            #expect(plan.conflicts.isEmpty)
        }
    }

    @Test(
        """
        an overlay under a base dir with a space (\\040 in mountinfo's lowerdir, upperdir and workdir) observes as converged, and a \
        mount made with nosuid in its options too
        """
    )
    func escapedOptionsObserveAsConverged() async throws {
        try await withTemporaryDirectory { base in
            let spaced = base + "/base dir"
            let scenario = try OverlayScenario(baseDir: spaced, OverlayScenario.yaml + "  mountOptions: [nosuid]\n")
            try scenario.installConvergedOverlay()
            let line = try #require(
                ((try? scenario.host.mountInfo()) ?? "").split(separator: "\n").last { $0.contains(" overlay overlay ") })
            #expect(line.contains("upperdir=\(FakeHost.escape(scenario.overlay.upperDir))") && line.contains("\\040"), "\(line)")

            let observation = await scenario.volume.observer.observe(scenario.spec)
            let plan = Planner.plan(scenario.spec, observation)

            let overlayKinds: Set<Action.Kind> = [.mountOverlayUpper, .mountOverlay, .unmountOverlay, .unmountOverlayUpper]
            #expect(
                !plan.actions.contains { overlayKinds.contains($0.kind) }, "\(plan.actions.map { "\($0.kind) \($0.target): \($0.reason)" })"
            )
        }
    }

    @Test func theTopMountAtEachPointCounts() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            OverlayScenario.appendMount(at: scenario.upperMount, fstype: "tmpfs", source: "tmpfs", superOptions: "rw", on: scenario.host)
            OverlayScenario.appendMount(
                at: "/mnt/newroot", fstype: "overlay", source: "overlay", superOptions: "rw,lowerdir=/x", on: scenario.host)
            OverlayScenario.appendMount(at: "/mnt/newroot", fstype: "ext4", source: "/dev/sdb1", superOptions: "rw", on: scenario.host)

            let overlay = try #require(await scenario.volume.observer.observe(scenario.spec).overlay)

            #expect(overlay.upper == .other(fstype: "tmpfs", source: "tmpfs"))
            #expect(overlay.overlay == .other(fstype: "ext4", source: "/dev/sdb1"))
            #expect(overlay.imageExists == true)
            #expect(overlay.recordedTarget == nil && overlay.recordedUpperMount == nil)
        }
    }

    @Test func aMountedImageNamesTheFileItsLoopDeviceServesNow() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            scenario.putImage()
            let replaced = scenario.checkpoint.hostPath("/checkpoints/pre-restore-20270115T080000Z/root-upper.img")
            scenario.mountUpper(backingFile: replaced)

            let overlay = try #require(await scenario.volume.observer.observe(scenario.spec).overlay)

            #expect(overlay.upper == .image(device: OverlayScenario.device, backingFile: replaced))
            #expect(overlay.overlay == .absent)
            #expect(overlay.strayLoopDevices.isEmpty, "a mounted device is no stray")
        }
    }

    @Test func aVolumeThatIsNotMountedLeavesTheImageUnknown() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base, mounted: false)

            let overlay = try #require(await scenario.volume.observer.observe(scenario.spec).overlay)

            #expect(overlay.imageExists == nil)
            #expect(overlay.upper == .absent && overlay.overlay == .absent)
            #expect(!scenario.host.calls.contains("stat \(scenario.image)"), "nothing is read through a mount that is not there")
        }
    }

    @Test func aLiveVolumeWithoutTheImageSaysSo() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)

            let overlay = try #require(await scenario.volume.observer.observe(scenario.spec).overlay)

            #expect(overlay == OverlayObservation(imageExists: false))
        }
    }

    @Test func withoutAnOverlayInTheSpecOrTheStateNothingIsObserved() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.host.update {
                $0.loopDevices = [LoopDevice(device: "/dev/loop7", backingFile: scenario.hostPath("/active/root-upper.img"))]
            }

            let observation = await scenario.volume.observer.observe(scenario.spec)

            #expect(observation.overlay == nil)
            #expect(!scenario.host.calls.contains("loopDevices"), "no probe for an overlay nobody has")
        }
    }

    @Test func aSpecWithoutOverlayIsObservedAtTheRecordedMountPoints() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.volume.installReplicatingLitestream()
            scenario.putFile("/active/root-upper.img", "image")
            OverlayScenario.attachAndMount(scenario.hostPath("/active/root-upper.img"), at: "/mnt/old-upper", on: scenario.host)
            OverlayScenario.appendMount(
                at: "/mnt/old-root", fstype: "overlay", source: "overlay", superOptions: "rw,lowerdir=/srv/base", on: scenario.host)
            try scenario.volume.stateStore.update {
                $0.overlayTarget = "/mnt/old-root"
                $0.overlayUpperMount = "/mnt/old-upper"
            }

            let overlay = try #require(await scenario.volume.observer.observe(scenario.spec).overlay)

            #expect(overlay.upper == .image(device: "/dev/loop3", backingFile: scenario.hostPath("/active/root-upper.img")))
            #expect(overlay.overlay == .overlay(options: "rw,lowerdir=/srv/base"))
            #expect(overlay.recordedTarget == "/mnt/old-root")
            #expect(overlay.recordedUpperMount == "/mnt/old-upper")
            #expect(overlay.missingLowerDirs.isEmpty, "no lower directories are wanted")
            let plan = Planner.plan(scenario.spec, await scenario.volume.observer.observe(scenario.spec))
            #expect(
                plan.actions.map(\.kind).filter { $0 != .remountInPlace } == [.unmountOverlay, .unmountOverlayUpper],
                "the overlay comes down first, then the image")
        }
    }
}
