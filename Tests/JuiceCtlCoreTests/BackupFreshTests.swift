import Foundation
import Testing

@testable import JuiceCtlCore

/// Litestream running as pid 5151 for `running` seconds, with the given positions.
private func running(local: UInt64? = nil, replica: UInt64? = nil, age: Double? = nil, for seconds: Double? = 3600) -> BackupObservation {
    var backup = BackupObservation(
        process: .running(pid: 5151, configDigest: "d"), configCurrent: true, replicaExists: replica != nil,
        localTXID: local, replicaTXID: replica, replicaAgeSeconds: age)
    backup.runningSeconds = seconds
    return backup
}

/// One row of the BackupFresh table.
struct BackupFreshCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String = SpecFixture.minimalYAML
    var backup: BackupObservation?
    var status: Bool
    var reason: ConditionReason
    /// Words the message must hold.
    var message: String
    var testDescription: String { name }

    static let all: [BackupFreshCase] = [
        BackupFreshCase(
            name: "no Litestream observed is NotRunning", backup: nil, status: false, reason: .notRunning,
            message: "Litestream is not running; the metadata is not being replicated"),
        BackupFreshCase(
            name: "a stopped Litestream is NotRunning, whatever the replica holds",
            backup: BackupObservation(
                process: .stopped, configCurrent: true, replicaExists: true, localTXID: 5, replicaTXID: 5,
                replicaAgeSeconds: 1),
            status: false, reason: .notRunning, message: "not being replicated"),
        BackupFreshCase(
            name: "just started, nothing in the replica yet, is Starting", backup: running(for: 5), status: false,
            reason: .starting, message: "Litestream (pid 5151) started and has not written its first snapshot yet"),
        BackupFreshCase(
            name: "running for minutes with nothing in the replica is NoReplica", backup: running(local: 9, for: 120),
            status: false, reason: .durable(.noReplica),
            message: "Litestream (pid 5151) runs but the replica /srv/demo/replica holds nothing"),
        BackupFreshCase(
            name: "running since an unknown time with nothing in the replica is NoReplica", backup: running(for: nil),
            status: false, reason: .durable(.noReplica), message: "holds nothing"),
        BackupFreshCase(
            name: "a replica level with the database is Replicating however old its newest file",
            backup: running(local: 0x2a, replica: 0x2a, age: 86400), status: true, reason: .replicating,
            message: "Litestream (pid 5151) replicates to /srv/demo/replica; the replica is at transaction 42, last written 86400 s ago"),
        BackupFreshCase(
            name: "a replica behind but written within 10 s is Replicating (shipping is under way)",
            backup: running(local: 12, replica: 10, age: 10), status: true, reason: .replicating, message: "at transaction 10"),
        BackupFreshCase(
            name: "a replica whose database position is unknown but recently written is Replicating",
            backup: running(replica: 10, age: 3), status: true, reason: .replicating, message: "last written 3 s ago"),
        BackupFreshCase(
            name: "a replica behind and not written for a minute is Lagging, with how far",
            backup: running(local: 12, replica: 10, age: 60), status: false, reason: .lagging,
            message: "the replica is at transaction 10, 2 transaction(s) behind, last written 60 s ago"),
        BackupFreshCase(
            name: "a replica behind with no known write time is Lagging",
            backup: running(local: 12, replica: 10), status: false, reason: .lagging, message: "2 transaction(s) behind"),
        BackupFreshCase(
            name: "the freshness limit is ten sync intervals: with syncInterval 5s, 40 s behind is still Replicating",
            yaml: SpecFixture.yaml("backup:\n  syncInterval: 5s\n"), backup: running(local: 12, replica: 10, age: 40),
            status: true, reason: .replicating, message: "last written 40 s ago"),
        BackupFreshCase(
            name: "with syncInterval 5s, 60 s behind is Lagging",
            yaml: SpecFixture.yaml("backup:\n  syncInterval: 5s\n"), backup: running(local: 12, replica: 10, age: 60),
            status: false, reason: .lagging, message: "2 transaction(s) behind"),
    ]
}

@Suite("BackupFresh condition")
struct BackupFreshTests {
    @Test("BackupFresh follows Litestream and the replica's position", arguments: BackupFreshCase.all)
    func condition(row: BackupFreshCase) throws {
        let spec = try SpecFixture.spec(row.yaml)
        let observation = ObservationFixture.converged(spec) { $0.backup = row.backup }
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        let condition = try #require(status.conditions.first { $0.type == .backupFresh })
        #expect(condition.status == row.status)
        #expect(condition.reason == row.reason)
        #expect(condition.message.contains(row.message), "\(condition.message)")
        #expect(condition.observedRevision == spec.origin.revision)
        #expect(
            status.conditions.map(\.type) == [.ready, .degraded, .backupFresh, .durable, .suspended],
            "BackupFresh comes after Ready and Degraded, before Suspended")
    }

    @Test("a lagging replica is reported but does not make a converged volume un-Ready or Degraded")
    func laggingDoesNotTouchReady() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) {
            $0.backup?.localTXID = 12
            $0.backup?.replicaTXID = 10
            $0.backup?.replicaAgeSeconds = 600
        }
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(status.conditions.map(\.reason) == [.converged, .healthy, .lagging, .durable(.replicaBehind), .active])
        #expect(status.isReady)
    }

    @Test("a volume without a backup has no BackupFresh condition, even while a Litestream is still running")
    func noBackupNoCondition() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("backup:\n  enabled: false\n"))
        let observation = ObservationFixture.converged(spec) { $0.backup = running(local: 1, replica: 1, age: 1) }
        let status = VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
        #expect(status.conditions.map(\.type) == [.ready, .degraded, .suspended])
        #expect(status.conditions.first?.reason == .changesPending, "the running Litestream is to be stopped")
    }

    @Test("the human status shows Litestream's pid and both positions, or that it is not running")
    func humanLine() throws {
        let spec = try SpecFixture.spec()
        func text(_ backup: BackupObservation?) -> String {
            let observation = ObservationFixture.converged(spec) { $0.backup = backup }
            return StatusRenderer.human([VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))])
        }
        #expect(
            text(running(local: 12, replica: 10, age: 60)).contains(
                "  backup:   Litestream pid 5151, database at transaction 12, replica at 10 (written 60 s ago)\n"))
        #expect(
            text(BackupObservation(process: .stopped, configCurrent: false, replicaExists: false))
                .contains("  backup:   Litestream not running, database at transaction -, replica at -\n"))
        #expect(!text(nil).contains("  backup:"))
    }
}
