import Foundation
import Testing

@testable import JuiceCtlCore

/// The volume `demo` mounted at /srv/demo/data with an overlay of /srv/base at /mnt/newroot, its image loop-mounted
/// at /srv/demo/data/root-upper.
private let overlayYAML = SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n")
private let recreateYAML = SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n  onCorrupt: recreate\n")
private let image = "/active/root-upper.img"
private let imageOnHost = "/srv/demo/data/active/root-upper.img"
private let upper = "/srv/demo/data/root-upper"
private let target = "/mnt/newroot"
private let device = "/dev/loop3"
/// Where the kernel names the image of the replaced tree after a restore renamed it aside.
private let asideImage = "/srv/demo/data/checkpoints/pre-restore-20261120T100000Z/root-upper.img"

/// The overlay options as mountinfo shows them for `spec`: juicectl's own, then what the kernel adds.
private func mountedOptions(_ spec: VolumeSpec, kernel: String = ",uuid=on") -> String {
    (spec.overlay?.overlayOptions ?? "") + kernel
}

/// Everything of the overlay in place: image, its loop mount, the overlay, as juicectl recorded them.
private func convergedOverlay(_ spec: VolumeSpec) -> OverlayObservation {
    OverlayObservation(
        imageExists: true, upper: .image(device: device, backingFile: imageOnHost),
        overlay: .overlay(options: mountedOptions(spec)), recordedTarget: target, recordedUpperMount: upper)
}

/// A converged, live volume whose overlay is `convergedOverlay` with `change` applied.
private func observed(
    _ spec: VolumeSpec, _ change: (inout OverlayObservation) -> Void = { _ in },
    volume: (inout VolumeObservation) -> Void = { _ in }
) -> VolumeObservation {
    ObservationFixture.converged(spec) {
        var overlay = convergedOverlay(spec)
        change(&overlay)
        $0.overlay = overlay
        volume(&$0)
    }
}

/// One row of the overlay planner table.
struct OverlayPlanCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String = overlayYAML
    var observe: @Sendable (VolumeSpec) -> VolumeObservation
    var steps: [Step]
    var conflicts: [ConflictStep] = []

    var testDescription: String { name }
}

extension OverlayPlanCase {
    static let createAndMount: [OverlayPlanCase] = [
        OverlayPlanCase(
            name: "a converged overlay needs nothing",
            observe: { observed($0) }, steps: []),
        OverlayPlanCase(
            name: "options the kernel adds (uuid=on, index=on) are not a difference",
            observe: { spec in observed(spec) { $0.overlay = .overlay(options: mountedOptions(spec, kernel: ",index=on,uuid=on,xino=off")) }
            },
            steps: []),
        OverlayPlanCase(
            name: "a live volume without an image: create it, mount it, mount the overlay, after directories and quotas",
            observe: { spec in
                observed(
                    spec, { $0 = OverlayObservation(imageExists: false) },
                    volume: {
                        $0.directories["/active/fs"] = .missing
                        $0.quotas?["/active/fs"] = .none(source: "statfs")
                    })
            },
            steps: [
                Step(.createDirectory, .create, "/active/fs"), Step(.setQuota, .create, "/active/fs"),
                Step(.createOverlayImage, .create, image), Step(.mountOverlayUpper, .create, upper),
                Step(.mountOverlay, .create, target),
            ]),
        OverlayPlanCase(
            name: "an image that exists is mounted, never recreated",
            observe: { spec in
                observed(spec) {
                    $0.upper = .absent
                    $0.overlay = .absent
                }
            },
            steps: [Step(.mountOverlayUpper, .create, upper), Step(.mountOverlay, .create, target)]),
        OverlayPlanCase(
            name: "an image mounted without its overlay gets only the overlay",
            observe: { spec in observed(spec) { $0.overlay = .absent } },
            steps: [Step(.mountOverlay, .create, target)]),
        OverlayPlanCase(
            name: "a volume not mounted yet: the image is made after the mount if missing (conditional)",
            observe: { spec in
                var observation = ObservationFixture.formattedNotMounted(spec)
                observation.overlay = OverlayObservation(imageExists: nil)
                return observation
            },
            steps: [
                Step(.mount, .create, "/srv/demo/data"),
                Step(.createDirectory, .create, "/active", conditional: true),
                Step(.createDirectory, .create, "/active/fs", conditional: true),
                Step(.createDirectory, .create, "/checkpoints", conditional: true),
                Step(.setQuota, .create, "/active/fs", conditional: true),
                Step(.createOverlayImage, .create, image, conditional: true),
                Step(.mountOverlayUpper, .create, upper), Step(.mountOverlay, .create, target),
            ]),
        OverlayPlanCase(
            name: "a new volume gets its image unconditionally, after format, mount, directories and quotas",
            observe: { _ in
                var observation = ObservationFixture.fresh()
                observation.overlay = OverlayObservation(imageExists: nil)
                return observation
            },
            steps: [
                Step(.format, .create, "demo"), Step(.mount, .create, "/srv/demo/data"), Step(.secureDirectory, .update, "/"),
                Step(.createDirectory, .create, "/active"), Step(.createDirectory, .create, "/active/fs"),
                Step(.createDirectory, .create, "/checkpoints"), Step(.setQuota, .create, "/active/fs"),
                Step(.createOverlayImage, .create, image), Step(.mountOverlayUpper, .create, upper),
                Step(.mountOverlay, .create, target),
            ]),
    ]

    static let remounts: [OverlayPlanCase] = [
        OverlayPlanCase(
            name: "after a restore the loop device serves the replaced tree's image: overlay down, upper down, upper up, overlay up",
            observe: { spec in observed(spec) { $0.upper = .image(device: device, backingFile: asideImage) } },
            steps: [
                Step(.unmountOverlay, .replace, target, .interrupting),
                Step(.unmountOverlayUpper, .replace, upper, .interrupting),
                Step(.mountOverlayUpper, .create, upper), Step(.mountOverlay, .create, target),
            ]),
        OverlayPlanCase(
            name:
                "another host restored /active: the loop device still names the image's path but serves another inode, so both mounts come "
                + "down and up",
            observe: { spec in
                observed(spec) {
                    $0.imageInode = 9001
                    $0.upperBackingInode = 4711
                }
            },
            steps: [
                Step(.unmountOverlay, .replace, target, .interrupting),
                Step(.unmountOverlayUpper, .replace, upper, .interrupting),
                Step(.mountOverlayUpper, .create, upper), Step(.mountOverlay, .create, target),
            ]),
        OverlayPlanCase(
            name: "the same inode behind the loop device and at the image's path is converged",
            observe: { spec in
                observed(spec) {
                    $0.imageInode = 4711
                    $0.upperBackingInode = 4711
                }
            },
            steps: []),
        OverlayPlanCase(
            name: "a loop device that does not say its inode is judged by its path alone",
            observe: { spec in
                observed(spec) {
                    $0.imageInode = 4711
                    $0.upperBackingInode = nil
                }
            },
            steps: []),
        OverlayPlanCase(
            name: "a restored tree without an image: a fresh image first, then both mounts come down and up",
            observe: { spec in
                observed(spec) {
                    $0.imageExists = false
                    $0.upper = .image(device: device, backingFile: asideImage)
                }
            },
            steps: [
                Step(.createOverlayImage, .create, image),
                Step(.unmountOverlay, .replace, target, .interrupting),
                Step(.unmountOverlayUpper, .replace, upper, .interrupting),
                Step(.mountOverlayUpper, .create, upper), Step(.mountOverlay, .create, target),
            ]),
        OverlayPlanCase(
            name: "changed lower directories remount the overlay only, not its upper layer",
            observe: { spec in
                observed(spec) {
                    $0.overlay = .overlay(options: "lowerdir=/srv/old-base,upperdir=\(upper)/upper,workdir=\(upper)/work,uuid=on")
                }
            },
            steps: [Step(.unmountOverlay, .replace, target, .interrupting), Step(.mountOverlay, .create, target)]),
        OverlayPlanCase(
            name: "an extra mount option added to the spec remounts the overlay",
            yaml: SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n  mountOptions: [redirect_dir=on]\n"),
            observe: { spec in
                observed(spec) {
                    $0.overlay = .overlay(options: "lowerdir=/srv/base,upperdir=\(upper)/upper,workdir=\(upper)/work,uuid=on")
                }
            },
            steps: [Step(.unmountOverlay, .replace, target, .interrupting), Step(.mountOverlay, .create, target)]),
        OverlayPlanCase(
            name: "a moved target: the old overlay comes down, the new one goes up",
            yaml: SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n  target: /mnt/root2\n"),
            observe: { spec in observed(spec) { $0.overlay = .absent } },
            steps: [Step(.unmountOverlay, .delete, target, .interrupting), Step(.mountOverlay, .create, "/mnt/root2")]),
        OverlayPlanCase(
            name: "a moved upper mount point: overlay down, old upper down, new upper up, overlay up",
            yaml: SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n  upperMount: /mnt/upper2\n"),
            observe: { spec in
                observed(spec) {
                    $0.upper = .absent
                    $0.overlay = .overlay(options: "lowerdir=/srv/base,upperdir=\(upper)/upper,workdir=\(upper)/work")
                }
            },
            steps: [
                Step(.unmountOverlay, .replace, target, .interrupting),
                Step(.unmountOverlayUpper, .delete, upper, .interrupting),
                Step(.mountOverlayUpper, .create, "/mnt/upper2"), Step(.mountOverlay, .create, target),
            ]),
        OverlayPlanCase(
            name: "stray loop devices on this volume's images are detached",
            observe: { spec in observed(spec) { $0.strayLoopDevices = ["/dev/loop7", "/dev/loop9"] } },
            steps: [Step(.detachLoopDevice, .delete, "/dev/loop7"), Step(.detachLoopDevice, .delete, "/dev/loop9")]),
    ]

    static let conflicts: [OverlayPlanCase] = [
        OverlayPlanCase(
            name: "another filesystem at the upper mount point blocks the overlay",
            observe: { spec in
                observed(spec) {
                    $0.upper = .other(fstype: "tmpfs", source: "tmpfs")
                    $0.overlay = .absent
                }
            },
            steps: [], conflicts: [ConflictStep(.overlayUpperOccupied, upper, blocking: true)]),
        OverlayPlanCase(
            name: "an overlay at the upper mount point blocks the overlay",
            observe: { spec in
                observed(spec) {
                    $0.upper = .overlay(options: "lowerdir=/x")
                    $0.overlay = .absent
                }
            },
            steps: [], conflicts: [ConflictStep(.overlayUpperOccupied, upper, blocking: true)]),
        OverlayPlanCase(
            name: "another filesystem at the target blocks the overlay",
            observe: { spec in observed(spec) { $0.overlay = .other(fstype: "ext4", source: "/dev/sdb1") } },
            steps: [], conflicts: [ConflictStep(.overlayTargetOccupied, target, blocking: true)]),
        OverlayPlanCase(
            name: "a loop-mounted image at the target blocks the overlay",
            observe: { spec in observed(spec) { $0.overlay = .image(device: "/dev/loop5", backingFile: "/srv/other.img") } },
            steps: [], conflicts: [ConflictStep(.overlayTargetOccupied, target, blocking: true)]),
        OverlayPlanCase(
            name: "a missing lower directory blocks everything: no action at all",
            observe: { spec in observed(spec) { $0 = OverlayObservation(imageExists: false, missingLowerDirs: ["/srv/base"]) } },
            steps: [], conflicts: [ConflictStep(.overlayLowerDirMissing, "overlay.lowerDirs", blocking: true)]),
        OverlayPlanCase(
            name: "a missing lower directory blocks even the recovery of a stale mount",
            observe: { spec in
                observed(spec, { $0.missingLowerDirs = ["/srv/base"] }, volume: { $0.mount = .stale(reason: "ENOTCONN", entries: 1) })
            },
            steps: [], conflicts: [ConflictStep(.overlayLowerDirMissing, "overlay.lowerDirs", blocking: true)]),
        OverlayPlanCase(
            name: "a missing lower directory blocks even the format of a new volume",
            observe: { _ in
                var observation = ObservationFixture.fresh()
                observation.overlay = OverlayObservation(imageExists: nil, missingLowerDirs: ["/srv/base"])
                return observation
            },
            steps: [], conflicts: [ConflictStep(.overlayLowerDirMissing, "overlay.lowerDirs", blocking: true)]),
    ]

    static let corruption: [OverlayPlanCase] = [
        OverlayPlanCase(
            name: "an image that did not mount is moved aside; with onCorrupt stop nothing is made and the plan reports it",
            observe: { spec in
                observed(spec) {
                    $0.upper = .absent
                    $0.overlay = .absent
                    $0.corruption = .init(reason: "wrong fs type, bad option, bad superblock on /dev/loop3", movedTo: nil)
                }
            },
            steps: [Step(.quarantineOverlayImage, .delete, image)],
            conflicts: [ConflictStep(.overlayImageCorrupt, "overlay", blocking: true)]),
        OverlayPlanCase(
            name: "an image that did not mount is moved aside; with onCorrupt recreate a fresh one is made and mounted",
            yaml: recreateYAML,
            observe: { spec in
                observed(spec) {
                    $0.upper = .absent
                    $0.overlay = .absent
                    $0.corruption = .init(reason: "bad superblock", movedTo: nil)
                }
            },
            steps: [
                Step(.quarantineOverlayImage, .delete, image), Step(.createOverlayImage, .create, image),
                Step(.mountOverlayUpper, .create, upper), Step(.mountOverlay, .create, target),
            ]),
        OverlayPlanCase(
            name: "an image already moved aside with onCorrupt stop: only the report, until a person acts",
            observe: { spec in
                observed(spec) {
                    $0 = OverlayObservation(
                        imageExists: false,
                        corruption: .init(
                            reason: "bad superblock",
                            movedTo: "/checkpoints/.juicectl/quarantine/root-upper-20261120T103700Z.img"))
                }
            },
            steps: [], conflicts: [ConflictStep(.overlayImageCorrupt, "overlay", blocking: true)]),
        OverlayPlanCase(
            name: "an image already moved aside with onCorrupt recreate: a fresh image is made and mounted",
            yaml: recreateYAML,
            observe: { spec in
                observed(spec) {
                    $0 = OverlayObservation(
                        imageExists: false,
                        corruption: .init(
                            reason: "bad superblock",
                            movedTo: "/checkpoints/.juicectl/quarantine/x.img"))
                }
            },
            steps: [
                Step(.createOverlayImage, .create, image), Step(.mountOverlayUpper, .create, upper),
                Step(.mountOverlay, .create, target),
            ]),
    ]

    static let removal: [OverlayPlanCase] = [
        OverlayPlanCase(
            name: "a spec without overlay takes down what juicectl mounted: the overlay, then the image",
            yaml: SpecFixture.minimalYAML,
            observe: { spec in
                observed(spec) {
                    $0.imageExists = nil
                    $0.upper = .image(device: device, backingFile: imageOnHost)
                }
            },
            steps: [Step(.unmountOverlay, .delete, target, .interrupting), Step(.unmountOverlayUpper, .delete, upper, .interrupting)]),
        OverlayPlanCase(
            name: "a disabled overlay is taken down like a removed one, strays detached after",
            yaml: SpecFixture.yaml("overlay:\n  enabled: false\n  lowerDirs: [/srv/base]\n"),
            observe: { spec in observed(spec) { $0.strayLoopDevices = ["/dev/loop8"] } },
            steps: [
                Step(.unmountOverlay, .delete, target, .interrupting), Step(.unmountOverlayUpper, .delete, upper, .interrupting),
                Step(.detachLoopDevice, .delete, "/dev/loop8"),
            ]),
        OverlayPlanCase(
            name: "a spec without overlay leaves alone what is no longer mounted",
            yaml: SpecFixture.minimalYAML,
            observe: { spec in
                observed(spec) {
                    $0.upper = .absent
                    $0.overlay = .absent
                }
            },
            steps: []),
        OverlayPlanCase(
            name: "a spec without overlay does not unmount what juicectl never recorded",
            yaml: SpecFixture.minimalYAML,
            observe: { spec in
                observed(spec) {
                    $0.recordedTarget = nil
                    $0.recordedUpperMount = nil
                }
            },
            steps: []),
    ]

    static let frozen: [OverlayPlanCase] = [
        OverlayPlanCase(
            name: "a filesystem left frozen is thawed before anything else on the volume",
            observe: { spec in
                observed(
                    spec,
                    {
                        $0.frozenByCrash = true
                        $0.overlay = .absent
                    }, volume: { $0.directories["/active/fs"] = .missing })
            },
            steps: [
                Step(.thawOverlay, .update, upper), Step(.createDirectory, .create, "/active/fs"),
                Step(.mountOverlay, .create, target),
            ]),
        OverlayPlanCase(
            name: "a converged overlay left frozen needs only the thaw",
            observe: { spec in observed(spec) { $0.frozenByCrash = true } },
            steps: [Step(.thawOverlay, .update, upper)]),
        OverlayPlanCase(
            name: "the thaw comes right after the mount is recovered",
            observe: { spec in observed(spec, { $0.frozenByCrash = true }, volume: { $0.mount = .stale(reason: "ENOTCONN", entries: 1) }) },
            steps: [
                Step(.recoverStaleMount, .replace, "/srv/demo/data"), Step(.thawOverlay, .update, upper),
                Step(.createDirectory, .create, "/active", conditional: true),
                Step(.createDirectory, .create, "/active/fs", conditional: true),
                Step(.createDirectory, .create, "/checkpoints", conditional: true),
            ]),
        OverlayPlanCase(
            name: "a freeze left behind by a spec that no longer has an overlay is thawed at the recorded mount point",
            yaml: SpecFixture.minimalYAML,
            observe: { spec in
                observed(spec) {
                    $0.frozenByCrash = true
                    $0.upper = .absent
                    $0.overlay = .absent
                }
            },
            steps: [Step(.thawOverlay, .update, upper)]),
    ]
}

@Suite("Planner overlay")
struct PlannerOverlayTests {
    static func check(_ row: OverlayPlanCase) throws {
        let spec = try SpecFixture.spec(row.yaml)
        let plan = Planner.plan(spec, row.observe(spec))
        #expect(plan.steps == row.steps)
        #expect(plan.conflictSteps == row.conflicts)
        #expect(plan.actions.allSatisfy { !$0.reason.isEmpty }, "every action says why")
        #expect(plan.conflicts.allSatisfy { !$0.message.isEmpty && !($0.hint ?? "").isEmpty }, "every conflict says what and what to do")
        #expect(plan.actions.allSatisfy { !$0.forceAllowed }, "apply never forces an overlay unmount")
    }

    @Test("creating and mounting", arguments: OverlayPlanCase.createAndMount)
    func createAndMount(row: OverlayPlanCase) throws { try Self.check(row) }

    @Test("remounting what differs, with the least disruption", arguments: OverlayPlanCase.remounts)
    func remounts(row: OverlayPlanCase) throws { try Self.check(row) }

    @Test("conflicts", arguments: OverlayPlanCase.conflicts)
    func conflicts(row: OverlayPlanCase) throws { try Self.check(row) }

    @Test("an image that does not mount", arguments: OverlayPlanCase.corruption)
    func corruption(row: OverlayPlanCase) throws { try Self.check(row) }

    @Test("an overlay the spec no longer has", arguments: OverlayPlanCase.removal)
    func removal(row: OverlayPlanCase) throws { try Self.check(row) }

    @Test("a filesystem left frozen", arguments: OverlayPlanCase.frozen)
    func frozen(row: OverlayPlanCase) throws { try Self.check(row) }

    @Test("without an overlay observation the planner plans nothing for the overlay")
    func noObservation() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let plan = Planner.plan(spec, ObservationFixture.converged(spec))
        #expect(plan.actions.isEmpty && plan.conflicts.isEmpty)
    }

    @Test("the missing lower directories are named in the conflict, and nothing changes until they exist")
    func missingLowerDirsMessage() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/app, /srv/base]\n"))
        let one = Planner.plan(spec, observed(spec) { $0.missingLowerDirs = ["/srv/base"] })
        #expect(one.conflicts.first?.message == "lower directory /srv/base of the overlay does not exist")
        #expect(one.conflicts.first?.hint?.contains("nothing is changed until then") == true)
        let two = Planner.plan(spec, observed(spec) { $0.missingLowerDirs = ["/srv/app", "/srv/base"] })
        #expect(two.conflicts.first?.message == "lower directories /srv/app, /srv/base of the overlay do not exist")
    }

    @Test("the corruption conflict says why the image did not mount and where it went")
    func corruptionMessage() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let inPlace = Planner.plan(
            spec,
            observed(spec) {
                $0.upper = .absent
                $0.overlay = .absent
                $0.corruption = .init(reason: "bad superblock", movedTo: nil)
            })
        #expect(inPlace.conflicts.first?.message == "the overlay image does not mount (bad superblock); it is moved aside")
        #expect(inPlace.actions.first?.reason.contains("it is never deleted") == true)
        let moved = Planner.plan(
            spec,
            observed(spec) {
                $0 = OverlayObservation(
                    imageExists: false, corruption: .init(reason: "bad superblock", movedTo: "/checkpoints/.juicectl/quarantine/r.img"))
            })
        #expect(
            moved.conflicts.first?.message
                == "the overlay image does not mount (bad superblock); it was moved to /checkpoints/.juicectl/quarantine/r.img")
        #expect(moved.conflicts.first?.hint?.contains("onCorrupt: recreate") == true)
    }

    @Test("the create-image step names the image size and why it is made")
    func createReason() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n  imageSize: 8GiB\n"))
        let plan = Planner.plan(spec, observed(spec) { $0 = OverlayObservation(imageExists: false) })
        let create = try #require(plan.actions.first { $0.kind == .createOverlayImage })
        #expect(create.reason == "/active has no image: make a sparse 8GiB ext4 image")
        #expect(!create.conditional)
    }

    @Test("the overlay steps come before a restore request and the scheduled checkpoint")
    func orderWithCheckpoints() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml(
                """
                overlay:
                  lowerDirs: [/srv/base]
                checkpoints:
                  schedule: "@every 15m"

                """))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let plan = Planner.plan(
            spec,
            observed(
                spec, { $0.overlay = .absent },
                volume: {
                    $0.catalog = CheckpointCatalog(entries: [])
                    $0.now = now
                }))
        #expect(plan.actions.map(\.kind) == [.mountOverlay, .createCheckpoint], "\(plan.steps)")
    }

    // MARK: down

    @Test("down: thaw, overlay, upper, strays, then the JuiceFS mount, Litestream last; unmounts may be forced")
    func downOrder() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let plan = Planner.planDown(
            spec,
            observed(spec) {
                $0.frozenByCrash = true
                $0.strayLoopDevices = ["/dev/loop7"]
            })
        #expect(
            plan.steps == [
                Step(.thawOverlay, .update, upper),
                Step(.unmountOverlay, .delete, target, .interrupting),
                Step(.unmountOverlayUpper, .delete, upper, .interrupting),
                Step(.detachLoopDevice, .delete, "/dev/loop7"),
                Step(.unmount, .delete, "/srv/demo/data", .interrupting),
                Step(.stopBackup, .delete, "/srv/demo/metadata.db"),
            ])
        let unmounts: Set<Action.Kind> = [.unmountOverlay, .unmountOverlayUpper, .unmount]
        #expect(plan.actions.filter { unmounts.contains($0.kind) }.allSatisfy { $0.forceAllowed })
        #expect(plan.conflicts.isEmpty)
    }

    @Test("down without a freeze or strays: overlay, upper, JuiceFS mount, Litestream")
    func downPlain() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let plan = Planner.planDown(spec, observed(spec))
        #expect(plan.actions.map(\.kind) == [.unmountOverlay, .unmountOverlayUpper, .unmount, .stopBackup])
        #expect(plan.actions.dropLast().allSatisfy { $0.forceAllowed })
    }

    @Test("apply without an overlay and down take it down by one rule: the same steps in the same order, only down forces")
    func teardownOneRule() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let observation = observed(spec) { $0.strayLoopDevices = ["/dev/loop8"] }
        let teardown: Set<Action.Kind> = [.unmountOverlay, .unmountOverlayUpper, .detachLoopDevice]
        let apply = Planner.plan(try SpecFixture.spec(), observation).actions.filter { teardown.contains($0.kind) }
        let down = Planner.planDown(spec, observation).actions.filter { teardown.contains($0.kind) }
        #expect(apply.map(\.kind) == [.unmountOverlay, .unmountOverlayUpper, .detachLoopDevice])
        #expect(apply.map(\.kind) == down.map(\.kind) && apply.map(\.target) == down.map(\.target))
        #expect(apply.allSatisfy { !$0.forceAllowed })
        #expect(down.map(\.forceAllowed) == [true, true, false])
    }

    @Test("down takes only what is mounted: an image without its overlay")
    func downUpperOnly() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let plan = Planner.planDown(spec, observed(spec) { $0.overlay = .absent })
        #expect(
            plan.steps == [
                Step(.unmountOverlayUpper, .delete, upper, .interrupting), Step(.unmount, .delete, "/srv/demo/data", .interrupting),
                Step(.stopBackup, .delete, "/srv/demo/metadata.db"),
            ])
    }

    @Test("down of a spec without overlay uses the recorded mount points")
    func downRecorded() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.planDown(
            spec,
            observed(spec) {
                $0.recordedTarget = "/mnt/old-root"
                $0.recordedUpperMount = "/mnt/old-upper"
            })
        #expect(
            plan.steps == [
                Step(.unmountOverlay, .delete, "/mnt/old-root", .interrupting),
                Step(.unmountOverlayUpper, .delete, "/mnt/old-upper", .interrupting),
                Step(.unmount, .delete, "/srv/demo/data", .interrupting),
                Step(.stopBackup, .delete, "/srv/demo/metadata.db"),
            ])
    }

    @Test("down of a volume that is not mounted still detaches strays and thaws")
    func downNotMounted() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        var observation = ObservationFixture.formattedNotMounted(spec)
        observation.overlay = OverlayObservation(imageExists: nil, strayLoopDevices: ["/dev/loop2"])
        #expect(Planner.planDown(spec, observation).steps == [Step(.detachLoopDevice, .delete, "/dev/loop2")])
    }

    // MARK: Status

    @Test("a filesystem left frozen makes the volume Degraded with reason OverlayFrozen")
    func statusFrozen() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let observation = observed(spec) { $0.frozenByCrash = true }
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        let degraded = try #require(status.conditions.first { $0.type == .degraded })
        #expect(degraded.status)
        #expect(degraded.reason == .overlayFrozen)
        #expect(degraded.message.contains("apply thaws it"))
        #expect(!status.isReady)
        #expect(status.conditions.first { $0.type == .ready }?.reason == .changesPending)
    }

    @Test(
        "an overlay conflict makes the volume Degraded and not Ready with its code",
        arguments: [
            (
                ConditionReason.conflict(.overlayImageCorrupt),
                OverlayObservation(imageExists: false, corruption: .init(reason: "bad superblock", movedTo: "/q.img"))
            ),
            (.conflict(.overlayLowerDirMissing), OverlayObservation(imageExists: true, missingLowerDirs: ["/srv/base"])),
            (
                .conflict(.overlayTargetOccupied),
                OverlayObservation(
                    imageExists: true, upper: .image(device: "/dev/loop3", backingFile: "/srv/demo/data/active/root-upper.img"),
                    overlay: .other(fstype: "tmpfs", source: "tmpfs"))
            ),
        ])
    func statusConflict(code: ConditionReason, overlay: OverlayObservation) throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let observation = ObservationFixture.converged(spec) { $0.overlay = overlay }
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(
            status.conditions.map(\.reason) == [code, code, .replicating, .durable(.nothingLocal), .active],
            "the overlay does not touch the backup")
        #expect(status.conditions.map(\.status) == [false, true, true, true, false])
    }

    @Test("a converged overlay is Ready and healthy")
    func statusConverged() throws {
        let spec = try SpecFixture.spec(overlayYAML)
        let observation = observed(spec)
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(status.conditions.map(\.reason) == [.converged, .healthy, .replicating, .durable(.nothingLocal), .active])
    }
}
