import Foundation
import Testing

@testable import JuiceCtlCore

/// Litestream as observed: stopped, with or without a replica that holds something.
private func stopped(replica: Bool, txid: UInt64? = nil) -> BackupObservation {
    BackupObservation(process: .stopped, configCurrent: false, replicaExists: replica, replicaTXID: txid)
}

private let database = "/srv/demo/metadata.db"

@Suite("Planner backup")
struct PlannerBackupTests {
    // MARK: Recovery

    @Test(
        "metadata missing and a replica that holds it: restore-metadata comes first, then start-backup, then the mount; never format",
        arguments: [
            (MetadataState.missing, StorageState.holdsVolume(uuid: "0b5d5c5e-uuid"), false),
            (.missing, .empty, false),
            (.unformatted, .holdsVolume(uuid: "0b5d5c5e-uuid"), false),
            (.missing, .holdsVolume(uuid: "0b5d5c5e-uuid"), true),
        ])
    func restoreFromTheReplica(metadata: MetadataState, storage: StorageState, interruptedFormat: Bool) throws {
        let spec = try SpecFixture.spec()
        var observation = VolumeObservation(
            metadata: metadata, storage: storage, mount: .absent, backup: stopped(replica: true, txid: 0x99))
        observation.interruptedFormat = interruptedFormat
        let plan = Planner.plan(spec, observation)
        #expect(
            Array(plan.steps.prefix(3)) == [
                Step(.restoreMetadata, .create, database), Step(.startBackup, .create, database),
                Step(.mount, .create, "/srv/demo/data"),
            ])
        #expect(!plan.actions.contains { $0.kind == .format }, "a replica is never formatted over")
        #expect(plan.conflicts.isEmpty)
        try #require(plan.actions.count >= 3)
        let restore = plan.actions[0]
        #expect(restore.reason.contains("the replica /srv/demo/replica holds it (up to transaction 153)"))
        #expect(restore.reason.contains("before anything else"))
        #expect(plan.actions[1].reason == "the restored database is replicated again before the mount writes to it")
    }

    @Test("metadata missing, the replica empty, objects present: RefuseFormatOverData, naming the empty replica; nothing is planned")
    func refuseWhenTheReplicaIsEmpty() throws {
        let spec = try SpecFixture.spec()
        let observation = VolumeObservation(
            metadata: .missing, storage: .holdsVolume(uuid: "old-uuid"), mount: .absent,
            backup: stopped(replica: false))
        let plan = Planner.plan(spec, observation)
        #expect(plan.actions.isEmpty, "no format, no Litestream, no mount: \(plan.steps)")
        #expect(plan.conflictSteps == [ConflictStep(.refuseFormatOverData, "/srv/demo/objects/", blocking: true)])
        let conflict = try #require(plan.conflicts.first)
        #expect(conflict.message.contains("the Litestream replica /srv/demo/replica holds nothing to restore from"), "\(conflict.message)")
        #expect(conflict.message.contains("UUID old-uuid"))
        #expect(
            conflict.hint?.contains("putting this volume's Litestream replica back at /srv/demo/replica") == true, "\(conflict.hint ?? "")")
    }

    @Test("without a backup the refusal speaks of no replica path, and a new volume is formatted without Litestream")
    func noBackup() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("backup:\n  enabled: false\n"))
        let refused = Planner.plan(spec, VolumeObservation(metadata: .missing, storage: .holdsVolume(uuid: "u"), mount: .absent))
        #expect(refused.conflicts.map(\.code) == [.refuseFormatOverData])
        #expect(refused.conflicts.first.map { !$0.message.contains("replica") } == true)
        let fresh = Planner.plan(spec, ObservationFixture.fresh())
        #expect(Array(fresh.steps.prefix(2)) == [Step(.format, .create, "demo"), Step(.mount, .create, "/srv/demo/data")])
        #expect(!fresh.actions.contains { [.startBackup, .restoreMetadata].contains($0.kind) })
    }

    // MARK: Starting, restarting, stopping

    @Test("a new volume: format, start-backup, mount, in that order: replication runs before the first write")
    func newVolume() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(
            spec, VolumeObservation(metadata: .missing, storage: .empty, mount: .absent, backup: ObservationFixture.noBackup))
        #expect(
            Array(plan.steps.prefix(3)) == [
                Step(.format, .create, "demo"), Step(.startBackup, .create, database),
                Step(.mount, .create, "/srv/demo/data"),
            ])
        try #require(plan.actions.count >= 3)
        #expect(plan.actions[1].reason == "new volume: replication starts before the first write")
        #expect(!plan.actions.contains { $0.kind == .restoreMetadata })
    }

    @Test("a formatted volume whose Litestream is not running: start-backup before the mount")
    func startBeforeTheMount() throws {
        let spec = try SpecFixture.spec()
        var observation = ObservationFixture.formattedNotMounted(spec)
        observation.backup = stopped(replica: true, txid: 9)
        let plan = Planner.plan(spec, observation)
        #expect(Array(plan.steps.prefix(2)) == [Step(.startBackup, .create, database), Step(.mount, .create, "/srv/demo/data")])
        #expect(plan.actions.first?.reason == "Litestream is not running: nothing replicates the metadata")
    }

    @Test("a mounted volume whose Litestream died: only start-backup")
    func startOnALiveVolume() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, ObservationFixture.converged(spec) { $0.backup = stopped(replica: true, txid: 9) })
        #expect(plan.steps == [Step(.startBackup, .create, database)])
    }

    @Test("Litestream running with the spec's configuration, the file current: nothing to do")
    func runningCurrent() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec)
        #expect(
            observation.backup?.process
                == .running(
                    pid: ObservationFixture.litestreamPID,
                    configDigest: LitestreamConfig.digest(try #require(LitestreamConfig.text(for: spec)))))
        let plan = Planner.plan(spec, observation)
        #expect(plan.actions.isEmpty, "\(plan.steps)")
        #expect(plan.conflicts.isEmpty)
    }

    @Test(
        "restart-backup when the configuration file is not current or the process runs another configuration",
        arguments: [
            (false, true), (true, false), (false, false),
        ])
    func restart(configCurrent: Bool, digestCurrent: Bool) throws {
        let spec = try SpecFixture.spec()
        let digest = LitestreamConfig.digest(try #require(LitestreamConfig.text(for: spec)))
        let plan = Planner.plan(
            spec,
            ObservationFixture.converged(spec) {
                $0.backup?.configCurrent = configCurrent
                $0.backup?.process = .running(pid: 5151, configDigest: digestCurrent ? digest : "0123456789abcdef")
            })
        #expect(plan.steps == [Step(.restartBackup, .update, database)])
        #expect(plan.actions.first?.reason == "Litestream (pid 5151) runs another configuration than the spec's: write it and restart")
    }

    @Test("a Litestream juicectl did not start, or adopted, is restarted with the spec's configuration", arguments: [nil, "adopted"])
    func restartForeign(digest: String?) throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, ObservationFixture.converged(spec) { $0.backup?.process = .running(pid: 777, configDigest: digest) })
        #expect(plan.steps == [Step(.restartBackup, .update, database)])
    }

    @Test("a changed backup setting restarts Litestream: the running digest is the old configuration's")
    func changedSetting() throws {
        let old = try SpecFixture.spec()
        let new = try SpecFixture.spec(SpecFixture.yaml("backup:\n  syncInterval: 10s\n"))
        // What the observer reports once the spec changed: the old file on disk, the old digest running.
        let plan = Planner.plan(new, ObservationFixture.converged(old) { $0.backup?.configCurrent = false })
        #expect(plan.steps == [Step(.restartBackup, .update, database)])
    }

    @Test("backup disabled while Litestream still runs: stop-backup, naming the pid")
    func disabledButRunning() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("backup:\n  enabled: false\n"))
        let plan = Planner.plan(
            spec,
            ObservationFixture.converged(spec) {
                $0.backup = BackupObservation(process: .running(pid: 4711, configDigest: "abc"), configCurrent: false, replicaExists: false)
            })
        #expect(plan.steps == [Step(.stopBackup, .delete, database)])
        #expect(plan.actions.first?.reason == "the spec disables backup: sync once more and stop Litestream (pid 4711)")
    }

    @Test("backup disabled and nothing running: nothing to do")
    func disabledAndStopped() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("backup:\n  enabled: false\n"))
        #expect(Planner.plan(spec, ObservationFixture.converged(spec)).actions.isEmpty)
        #expect(Planner.plan(spec, ObservationFixture.converged(spec) { $0.backup = stopped(replica: true) }).actions.isEmpty)
    }

    @Test("unreadable metadata blocks everything, Litestream included")
    func unreadableMetadata() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(
            spec,
            VolumeObservation(
                metadata: .unreadable("disk I/O error"), storage: .empty, mount: .absent,
                backup: stopped(replica: true)))
        #expect(plan.actions.isEmpty)
        #expect(plan.conflicts.map(\.code) == [.metadataUnreadable])
    }

    // MARK: Down

    @Test("down stops Litestream last, after every unmount, so that everything written before down is replicated")
    func downStopsLast() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) { $0.formerMountPaths = ["/mnt/old"] }
        let plan = Planner.planDown(spec, observation)
        #expect(
            plan.steps == [
                Step(.unmount, .delete, "/srv/demo/data", .interrupting), Step(.unmount, .delete, "/mnt/old", .interrupting),
                Step(.stopBackup, .delete, database),
            ])
        #expect(plan.actions.last?.reason.contains("pid \(ObservationFixture.litestreamPID)") == true)
        #expect(plan.actions.last?.reason.contains("after a final sync") == true)
    }

    @Test("down of an unmounted volume still stops its Litestream; down with Litestream stopped plans no stop")
    func downWithoutMount() throws {
        let spec = try SpecFixture.spec()
        var unmounted = ObservationFixture.formattedNotMounted(spec)
        unmounted.backup = ObservationFixture.replicating(spec)
        #expect(Planner.planDown(spec, unmounted).steps == [Step(.stopBackup, .delete, database)])
        let stoppedBackup = ObservationFixture.converged(spec) { $0.backup = stopped(replica: true) }
        #expect(Planner.planDown(spec, stoppedBackup).steps == [Step(.unmount, .delete, "/srv/demo/data", .interrupting)])
    }

    @Test("down unmounts a mount that does not answer while its client runs, forced if it must be")
    func downOfAnUnresponsiveMount() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) {
            $0.mount = .unresponsive(reason: "no answer within 2000 ms", pid: 4242)
            $0.backup = stopped(replica: true)
        }
        let plan = Planner.planDown(spec, observation)
        #expect(plan.steps == [Step(.unmount, .delete, "/srv/demo/data", .interrupting)])
        #expect(plan.actions.first?.forceAllowed == true)
        #expect(plan.actions.first?.reason.contains("pid 4242") == true)
    }

    @Test("down stops a Litestream the spec no longer wants too")
    func downDisabled() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("backup:\n  enabled: false\n"))
        var observation = ObservationFixture.formattedNotMounted(spec)
        observation.backup = BackupObservation(process: .running(pid: 4711, configDigest: nil), configCurrent: false, replicaExists: false)
        #expect(Planner.planDown(spec, observation).steps == [Step(.stopBackup, .delete, database)])
    }
}
