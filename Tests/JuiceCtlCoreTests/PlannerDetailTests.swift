import Testing

@testable import JuiceCtlCore

@Suite("Planner details")
struct PlannerDetailTests {
    @Test("a hot flag change records the changed flags and says open files stay open")
    func hotFlagDetails() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) {
            $0.mount = .live(
                ObservationFixture.liveMount(
                    spec, arguments: ObservationFixture.arguments(spec, replacing: "--cache-size=", with: ["--cache-size=1024"])))
        }
        let action = try #require(Planner.plan(spec, observation).actions.first)
        #expect(action.kind == .remountInPlace)
        #expect(action.changedFlags == ["cache-size"])
        #expect(action.reason.contains("cache-size"))
        #expect(action.reason.contains("open files stay open"))
        #expect(action.forceAllowed == false)
    }

    @Test("a FUSE-level change among hot ones remounts, lists every changed flag and names the FUSE-level ones")
    func fuseFlagDetails() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("mount:\n  options:\n    enable-xattr: true\n"))
        var live = ObservationFixture.arguments(spec, replacing: "--cache-size=", with: ["--cache-size=1024"])
        live.removeAll { $0 == "--enable-xattr" }
        let observation = ObservationFixture.converged(spec) { $0.mount = .live(ObservationFixture.liveMount(spec, arguments: live)) }
        let plan = Planner.plan(spec, observation)
        let action = try #require(plan.actions.first)
        #expect(plan.actions.count == 1)
        #expect(action.kind == .remount)
        #expect(action.disruption == .interrupting)
        #expect(action.changedFlags == ["cache-size", "enable-xattr"])
        #expect(action.reason.contains("FUSE-level option(s) enable-xattr differ"))
    }

    @Test("set-quota carries the declared quota and remove-quota names what was set")
    func quotaActionsCarryValues() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("quotas:\n  - {path: /active/fs, capacity: 2TiB, inodes: 10}\n"))
        let observation = ObservationFixture.converged(spec) {
            $0.quotas?["/active/fs"] = QuotaReading(capacity: 5 << 40, inodes: nil, source: "statfs")
            $0.quotas?["/old"] = QuotaReading(capacity: 3 << 29, inodes: 7, capacityTolerance: 4096, source: "statfs")
            $0.managedQuotaPaths.append("/old")
        }
        let plan = Planner.plan(spec, observation)
        try #require(plan.actions.count == 2)
        #expect(plan.actions[0].quota == VolumeSpec.Quota(path: "/active/fs", capacity: .tebibytes(2), inodes: 10))
        #expect(plan.actions[0].reason == "quota is capacity 5TiB, no inode limit, the spec says capacity 2TiB, inodes 10")
        #expect(plan.actions[1].kind == .removeQuota)
        #expect(plan.actions[1].quota == nil)
        #expect(plan.actions[1].reason.contains("capacity about 1.5GiB, inodes 7"))
    }

    @Test("the refused format names the UUID found and how to restore the metadata")
    func refuseFormatDetails() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, VolumeObservation(metadata: .missing, storage: .holdsVolume(uuid: "1234-abcd"), mount: .absent))
        let conflict = try #require(plan.conflicts.first)
        #expect(plan.actions.isEmpty)
        #expect(conflict.message.contains("UUID 1234-abcd"))
        #expect(conflict.message.contains("/srv/demo/metadata.db does not exist"))
        #expect(conflict.hint?.contains("restore the metadata to /srv/demo/metadata.db") == true)
        #expect(!plan.isConverged)
        #expect(!plan.hasActions)
    }

    @Test("a trash-days drift suggests the juicefs config command instead of reformatting")
    func trashDaysHint() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("format:\n  trashDays: 30\n"))
        var info = ObservationFixture.formatInfo(spec)
        info.trashDays = 7
        let plan = Planner.plan(spec, ObservationFixture.converged(spec) { $0.metadata = .formatted(info) })
        let conflict = try #require(plan.conflicts.first)
        #expect(conflict.target == "format.trashDays")
        #expect(conflict.message.contains("7 day(s), the spec says 30"))
        #expect(conflict.hint?.contains("--trash-days 30") == true)
    }

    @Test("the mount reason tells a new volume from one that is only unmounted")
    func mountReasons() throws {
        let spec = try SpecFixture.spec()
        let fresh = Planner.plan(spec, ObservationFixture.fresh()).actions.first { $0.kind == .mount }
        #expect(fresh?.reason == "new volume")
        let unmounted = Planner.plan(spec, ObservationFixture.formattedNotMounted(spec)).actions.first { $0.kind == .mount }
        #expect(unmounted?.reason == "the volume is not mounted at /srv/demo/data")
    }

    @Test("a stale mount with stacked entries says so")
    func staleStacked() throws {
        let spec = try SpecFixture.spec()
        var observation = ObservationFixture.formattedNotMounted(spec)
        observation.mount = .stale(reason: "Transport endpoint is not connected", entries: 2)
        let action = try #require(Planner.plan(spec, observation).actions.first)
        #expect(action.kind == .recoverStaleMount)
        #expect(action.reason.contains("Transport endpoint is not connected"))
        #expect(action.reason.contains("2 mounts are stacked there"))
    }

    @Test("planning is a pure function: the same input gives the same plan")
    func deterministic() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) {
            $0.quotas?["/a"] = QuotaReading(capacity: 1, inodes: nil, source: "statfs")
            $0.quotas?["/b"] = QuotaReading(capacity: 1, inodes: nil, source: "statfs")
            $0.managedQuotaPaths += ["/b", "/a"]
        }
        let first = Planner.plan(spec, observation)
        #expect(first == Planner.plan(spec, observation))
        #expect(first.actions.map(\.target) == ["/a", "/b"])
    }
}

@Suite("Planner down")
struct PlannerDownTests {
    @Test(
        "down unmounts whatever of the volume is mounted",
        arguments: [
            (MountState.absent, [Step]()),
            (.foreign(fstype: "ext4", source: "/dev/sdb1"), []),
            (.stale(reason: "ENOTCONN", entries: 1), [Step(.unmount, .delete, "/srv/demo/data", .none)]),
        ])
    func downByState(mount: MountState, steps: [Step]) throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.planDown(spec, VolumeObservation(metadata: .missing, storage: .empty, mount: mount))
        #expect(plan.steps == steps)
        #expect(plan.actions.allSatisfy { $0.forceAllowed && !$0.reason.isEmpty })
        #expect(plan.conflicts.isEmpty)
    }

    @Test("down of a live mount interrupts users and may force; Litestream stops after it")
    func downLive() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.planDown(spec, ObservationFixture.converged(spec))
        #expect(
            plan.steps == [Step(.unmount, .delete, "/srv/demo/data", .interrupting), Step(.stopBackup, .delete, "/srv/demo/metadata.db")])
        #expect(plan.actions.first?.forceAllowed == true)
        #expect(plan.actions.first?.reason == "down: volume is mounted")
    }

    @Test("down names stacked mounts and also unmounts former mount points")
    func downStackedAndFormer() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) {
            $0.mount = .live(ObservationFixture.liveMount(spec, stackedEntries: 3))
            $0.formerMountPaths = ["/mnt/old", "/srv/demo/data"]
        }
        let plan = Planner.planDown(spec, observation)
        #expect(
            plan.steps == [
                Step(.unmount, .delete, "/srv/demo/data", .interrupting), Step(.unmount, .delete, "/mnt/old", .interrupting),
                Step(.stopBackup, .delete, "/srv/demo/metadata.db"),
            ])
        #expect(plan.actions.first?.reason.contains("3 stacked mounts") == true)
        #expect(plan.actions.filter { $0.kind == .unmount }.allSatisfy { $0.forceAllowed })
    }
}
