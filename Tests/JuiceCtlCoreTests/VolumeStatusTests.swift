import Foundation
import Testing

@testable import JuiceCtlCore

/// One row of the status table: an observation and the Ready, Degraded and BackupFresh conditions it must give (the
/// spec does not suspend the volume, so Suspended is always False/Active).
struct StatusCase: Sendable, CustomTestStringConvertible {
    var name: String
    var observe: @Sendable (VolumeSpec) -> VolumeObservation
    var ready: (Bool, ConditionReason)
    var degraded: (Bool, ConditionReason)
    /// The converged fixture has Litestream replicating; the rows without it have no Litestream.
    var backup: (Bool, ConditionReason) = (true, .replicating)
    var testDescription: String { name }
}

extension StatusCase {
    static let all: [StatusCase] = [
        StatusCase(
            name: "a converged live mount is Ready/Converged and not degraded",
            observe: { ObservationFixture.converged($0) }, ready: (true, .converged), degraded: (false, .healthy)),
        StatusCase(
            name: "a volume that does not exist is NotFormatted",
            observe: { _ in ObservationFixture.fresh() }, ready: (false, .notFormatted), degraded: (false, .healthy),
            backup: (false, .notRunning)),
        StatusCase(
            name: "an engine without a volume is NotFormatted",
            observe: { _ in VolumeObservation(metadata: .unformatted, storage: .empty, mount: .absent) },
            ready: (false, .notFormatted), degraded: (false, .healthy), backup: (false, .notRunning)),
        StatusCase(
            name: "a formatted volume that is not mounted is NotMounted",
            observe: { ObservationFixture.formattedNotMounted($0) }, ready: (false, .notMounted), degraded: (false, .healthy),
            backup: (false, .notRunning)),
        StatusCase(
            name: "a stale mount is StaleMount and degraded",
            observe: { spec in ObservationFixture.converged(spec) { $0.mount = .stale(reason: "ENOTCONN", entries: 1) } },
            ready: (false, .staleMount), degraded: (true, .staleMount)),
        StatusCase(
            name: "a mount that does not answer while its client runs is MountUnresponsive and degraded",
            observe: { spec in
                ObservationFixture.converged(spec) { $0.mount = .unresponsive(reason: "no answer within 2000 ms", pid: 4242) }
            },
            ready: (false, .conflict(.mountUnresponsive)), degraded: (true, .conflict(.mountUnresponsive))),
        StatusCase(
            name: "a foreign mount is MountPointOccupied and degraded",
            observe: { spec in ObservationFixture.converged(spec) { $0.mount = .foreign(fstype: "ext4", source: "/dev/sdb1") } },
            ready: (false, .conflict(.mountPointOccupied)), degraded: (true, .conflict(.mountPointOccupied))),
        StatusCase(
            name: "stacked mounts are degraded with changes pending",
            observe: { spec in
                ObservationFixture.converged(spec) { $0.mount = .live(ObservationFixture.liveMount(spec, stackedEntries: 2)) }
            },
            ready: (false, .changesPending), degraded: (true, .stackedMounts)),
        StatusCase(
            name: "a mount without its supervisor is degraded as Unsupervised",
            observe: { spec in
                ObservationFixture.converged(spec) { $0.mount = .live(ObservationFixture.liveMount(spec, supervisorAlive: false)) }
            },
            ready: (false, .changesPending), degraded: (true, .unsupervised)),
        StatusCase(
            name: "a live mount with a quota to fix has changes pending but is healthy",
            observe: { spec in ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = .none(source: "statfs") } },
            ready: (false, .changesPending), degraded: (false, .healthy)),
        StatusCase(
            name: "format drift on a live mount makes the conflict the reason of both conditions",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    var info = ObservationFixture.formatInfo(spec)
                    info.compression = "lz4"
                    $0.metadata = .formatted(info)
                }
            },
            ready: (false, .conflict(.formatSettingChanged)), degraded: (true, .conflict(.formatSettingChanged))),
        StatusCase(
            name: "a refused format is NotFormatted and degraded by the refusal",
            observe: { _ in VolumeObservation(metadata: .missing, storage: .holdsVolume(uuid: "u"), mount: .absent) },
            ready: (false, .notFormatted), degraded: (true, .conflict(.refuseFormatOverData)), backup: (false, .notRunning)),
    ]
}

@Suite("VolumeStatus")
struct VolumeStatusTests {
    @Test("conditions follow from the observation and its plan", arguments: StatusCase.all)
    func conditions(row: StatusCase) throws {
        let spec = try SpecFixture.spec()
        let observation = row.observe(spec)
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(status.conditions.map(\.type) == [.ready, .degraded, .backupFresh, .durable, .suspended])
        try #require(status.conditions.count == 5)
        let ready = status.conditions[0]
        let degraded = status.conditions[1]
        let backup = status.conditions[2]
        let suspended = status.conditions[4]
        #expect(ready.status == row.ready.0)
        #expect(ready.reason == row.ready.1)
        #expect(degraded.status == row.degraded.0)
        #expect(degraded.reason == row.degraded.1)
        #expect(backup.status == row.backup.0)
        #expect(backup.reason == row.backup.1)
        #expect(!suspended.status)
        #expect(suspended.reason == .active)
        #expect(status.isReady == row.ready.0)
        #expect(status.conditions.allSatisfy { !$0.message.isEmpty && $0.observedRevision == spec.origin.revision })
        #expect(status.conditions.allSatisfy { $0.since == nil }, "since is only known from juicectl run")
        #expect(status.reconciler == nil)
    }

    @Test("status carries the name, file, revision, pending actions and conflicts")
    func carriesPlan() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = .none(source: "statfs") }
        let plan = Planner.plan(spec, observation)
        let status = VolumeStatus(spec: spec, observation: observation, plan: plan)
        #expect(status.name == "demo")
        #expect(status.file == "spec.yaml")
        #expect(status.revision == spec.origin.revision)
        #expect(status.pendingActions == plan.actions)
        #expect(status.conflicts.isEmpty)
        #expect(status.conditions[0].message == "1 action(s) pending: quota /active/fs")
    }

    @Test("the human status lists conditions, mount, volume, backup, quotas and probe cost")
    func humanRendering() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec)
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        let text = StatusRenderer.human([status])
        #expect(text.contains("  Ready       True  Converged: mounted at /srv/demo/data and as the spec declares\n"))
        #expect(text.contains("  Degraded    False Healthy: no fault observed\n"))
        #expect(
            text.contains(
                "  BackupFresh True  Replicating: Litestream (pid 5151) replicates to /srv/demo/replica; the replica is at transaction 42, "
                    + "last written 2 s ago\n"
            ))
        #expect(text.contains("  Suspended   False Active: changes are applied\n"))
        #expect(!text.contains("reconciler:"), "no juicectl run document was attached")
        #expect(text.contains("  backup:   Litestream pid 5151, database at transaction 42, replica at 42 (written 2 s ago)\n"))
        #expect(text.contains("  mount:    live (pid 4242, supervisor 4241), 1 MiB and 12 inodes used\n"))
        #expect(text.contains("  volume:   demo, UUID 0b5d5c5e-uuid, block size 4096 KiB, compression none, trash 7 day(s)\n"))
        #expect(text.contains("  quota:    /active/fs: capacity 10 TiB, no inode limit (statfs)\n"))
        #expect(text.hasSuffix("  observed: 2 probes, 1 juicefs call(s), 90.1 ms\n"))
    }

    @Test("the JSON status has formatVersion 1 and the conditions")
    func jsonRendering() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) { $0.mount = .stale(reason: "ENOTCONN", entries: 1) }
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(StatusRenderer.json([status]).utf8)) as? [String: Any])
        #expect(document["formatVersion"] as? Int == 1)
        let volume = try #require((document["volumes"] as? [[String: Any]])?.first)
        let conditions = try #require(volume["conditions"] as? [[String: Any]])
        #expect(conditions.map { $0["reason"] as? String } == ["StaleMount", "StaleMount", "Replicating", "NothingLocal", "Active"])
        let mount = try #require((volume["observation"] as? [String: Any])?["mount"] as? [String: Any])
        #expect(mount["state"] as? String == "stale")
        #expect(mount["reason"] as? String == "ENOTCONN")
    }
}
