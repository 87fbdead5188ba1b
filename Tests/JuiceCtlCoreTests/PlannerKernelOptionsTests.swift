import Testing

@testable import JuiceCtlCore

/// nosuid, nodev and allow_other on the FUSE mount and the image's loop mount, judged by what mountinfo shows; and
/// overlay options compared with mountinfo's escaped superblock options and per-mount flags.
@Suite("Planner: the kernel's mount options")
struct PlannerKernelOptionsTests {
    static let fuseSuper = "rw,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072"

    /// A converged volume whose live mount shows `flags` and `superOptions` in mountinfo and ran `arguments`.
    static func mounted(_ spec: VolumeSpec, flags: String, superOptions: String = fuseSuper, arguments: [String]? = nil)
        -> VolumeObservation
    {
        ObservationFixture.converged(spec) {
            var live = ObservationFixture.liveMount(spec, arguments: arguments)
            live.mountOptions = flags
            live.superOptions = superOptions
            $0.mount = .live(live)
        }
    }

    @Test("a mount an earlier juicectl made (no -o on its command line, nosuid,nodev by juicefs's default) needs nothing")
    func anEarlierMountConverges() throws {
        let spec = try SpecFixture.spec()
        let earlier = MountCommand.arguments(for: spec).filter { $0 != "-o" && $0 != "allow_other,nosuid,nodev" }
        let plan = Planner.plan(spec, Self.mounted(spec, flags: "rw,nosuid,nodev,relatime", arguments: earlier))
        #expect(plan.actions.isEmpty, "\(plan.actions)")
    }

    @Test("a mount that honours set-user-ID and device files is unmounted and mounted with nosuid,nodev, once")
    func aMountWithoutNosuidIsRemountedOnce() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, Self.mounted(spec, flags: "rw,relatime"))
        let action = try #require(plan.actions.only)
        #expect(action.kind == .remount && action.change == .replace && action.disruption == .interrupting)
        #expect(action.changedFlags == ["o"])
        #expect(action.reason.contains("set-user-ID files take effect (no nosuid), and mount.suid is false"), "\(action.reason)")
        #expect(action.reason.contains("device files open devices (no nodev), and mount.dev is false"), "\(action.reason)")
        #expect(action.reason.contains("-o allow_other,nosuid,nodev"), "\(action.reason)")
        // What the remount leaves behind plans nothing more: no loop of remounts.
        #expect(Planner.plan(spec, Self.mounted(spec, flags: "rw,nosuid,nodev,relatime")).actions.isEmpty)
    }

    @Test("mount.suid and mount.dev true on a nosuid,nodev mount plan the remount the other way")
    func suidAndDevAsked() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("mount:\n  suid: true\n  dev: true\n"))
        let action = try #require(Planner.plan(spec, Self.mounted(spec, flags: "rw,nosuid,nodev,relatime")).actions.only)
        #expect(action.kind == .remount)
        #expect(action.reason.contains("set-user-ID files are ignored (nosuid), and mount.suid is true"), "\(action.reason)")
        #expect(Planner.plan(spec, Self.mounted(spec, flags: "rw,relatime")).actions.isEmpty)
    }

    @Test("a mount without allow_other is remounted with it")
    func allowOtherMissing() throws {
        let spec = try SpecFixture.spec()
        let action = try #require(
            Planner.plan(spec, Self.mounted(spec, flags: "rw,nosuid,nodev", superOptions: "rw,user_id=0,group_id=0")).actions.only)
        #expect(action.kind == .remount)
        #expect(action.reason.contains("no allow_other"), "\(action.reason)")
    }

    // MARK: Overlay

    static let overlayYAML = SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n")

    static func withOverlay(
        _ spec: VolumeSpec, upperFlags: String?, overlayFlags: String? = "rw,relatime",
        superOptions: String? = nil
    ) -> VolumeObservation {
        ObservationFixture.converged(spec) {
            var overlay = OverlayObservation(
                imageExists: true, upper: .image(device: "/dev/loop3", backingFile: "\(spec.mount.path)/active/root-upper.img"),
                overlay: .overlay(options: superOptions ?? "rw,\(spec.overlay!.overlayOptions),uuid=on"),
                recordedTarget: spec.overlay!.target, recordedUpperMount: spec.overlay!.upperMount)
            overlay.upperMountOptions = upperFlags
            overlay.overlayMountOptions = overlayFlags
            $0.overlay = overlay
        }
    }

    @Test("an image an earlier juicectl mounted without nosuid,nodev gets them in place; the overlay above stays")
    func anEarlierImageMountGetsItsFlagsInPlace() throws {
        let spec = try SpecFixture.spec(Self.overlayYAML)
        let plan = Planner.plan(spec, Self.withOverlay(spec, upperFlags: "rw,relatime"))
        let action = try #require(plan.actions.only, "\(plan.actions)")
        #expect(action.kind == .mountOverlayUpper && action.change == .update && action.disruption == .none)
        #expect(action.target == spec.overlay!.upperMount)
        #expect(action.reason.contains("set nosuid,nodev in place (mount -o remount,bind); open files stay open"), "\(action.reason)")
        #expect(Planner.plan(spec, Self.withOverlay(spec, upperFlags: "rw,nosuid,nodev,relatime")).actions.isEmpty)
    }

    @Test("a base dir with a space, written \\040 in the overlay's mountinfo options, does not replan the overlay")
    func escapedOverlayOptionsMatch() throws {
        let spec = try SpecFixture.spec(
            """
            version: 1
            name: demo
            baseDir: "/srv/demo dir"
            overlay:
              lowerDirs: ["/srv/base\\tlayer"]

            """)
        #expect(spec.overlay?.upperMount == "/srv/demo dir/data/root-upper")
        let escaped =
            "rw,lowerdir=/srv/base\\011layer,upperdir=/srv/demo\\040dir/data/root-upper/upper,"
            + "workdir=/srv/demo\\040dir/data/root-upper/work,uuid=on"
        let plan = Planner.plan(spec, Self.withOverlay(spec, upperFlags: "rw,nosuid,nodev,relatime", superOptions: escaped))
        #expect(plan.actions.isEmpty, "\(plan.actions)")
        let other = escaped.replacing("demo\\040dir", with: "demo\\040other")
        #expect(
            Planner.plan(spec, Self.withOverlay(spec, upperFlags: "rw,nosuid,nodev,relatime", superOptions: other)).actions.map(\.kind)
                == [.unmountOverlay, .mountOverlay], "another upper directory is still a difference")
    }

    @Test("overlay options that are per-mount flags (nosuid, nodev, noexec) are compared with the per-mount flags")
    func perMountOverlayOptions() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n  mountOptions: [nosuid, nodev, index=off]\n"))
        let words = spec.overlay!.overlayOptionWords
        let superOptions = "rw," + words.filter { !["nosuid", "nodev"].contains($0) }.joined(separator: ",") + ",uuid=on"
        let converged = Self.withOverlay(
            spec, upperFlags: "rw,nosuid,nodev,relatime", overlayFlags: "rw,nosuid,nodev,relatime",
            superOptions: superOptions)
        #expect(Planner.plan(spec, converged).actions.isEmpty, "mountinfo shows nosuid among the per-mount flags")
        let without = Self.withOverlay(
            spec, upperFlags: "rw,nosuid,nodev,relatime", overlayFlags: "rw,relatime", superOptions: superOptions)
        #expect(Planner.plan(spec, without).actions.map(\.kind) == [.unmountOverlay, .mountOverlay])
    }

    @Test("mountinfo's octal escapes are decoded per option, after the split at commas")
    func overlayCarriesDecodes() {
        #expect(
            KernelMountOptions.overlayCarries(
                ["lowerdir=/a b", "upperdir=/u,v"], mountOptions: nil,
                superOptions: "rw,lowerdir=/a\\040b,upperdir=/u\\054v"))
        #expect(!KernelMountOptions.overlayCarries(["lowerdir=/a b"], mountOptions: nil, superOptions: "rw,lowerdir=/a\\040c"))
        #expect(KernelMountOptions.overlayCarries(["strictatime", "exec"], mountOptions: "rw,nosuid", superOptions: "rw"))
        #expect(!KernelMountOptions.overlayCarries(["noexec"], mountOptions: "rw,nosuid", superOptions: "rw,noexec"))
    }
}

extension Array {
    /// The one element, or `nil` when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
