import Foundation
import Testing

@testable import JuiceCtlCore

/// The document `juicectl run` writes, and what `juicectl status` takes from it.
@Suite("Run status")
struct RunStatusTests {
    static let started = CheckpointFixture.date("2026-11-20T08:00:00Z")
    static let earlier = CheckpointFixture.date("2026-11-20T09:00:00Z")
    static let now = CheckpointFixture.date("2026-11-20T10:00:00Z")

    static func condition(_ type: ConditionType, _ status: Bool, _ reason: ConditionReason, since: Date?, revision: String) -> Condition {
        Condition(type: type, status: status, reason: reason, message: "\(type) message", observedRevision: revision, since: since)
    }

    /// What `juicectl run` wrote for `spec`: Ready True since `earlier`, Degraded False since `earlier`, BackupFresh
    /// True and Suspended False since `started`, and (unless `stalled` is false) Stalled True since `earlier`.
    static func run(
        for spec: VolumeSpec, volume: String? = nil, revision: String? = nil, writerRunning: Bool?,
        stalled: Bool = true
    ) -> RunStatus {
        let revision = revision ?? spec.origin.revision
        var conditions = [
            condition(.ready, true, .converged, since: earlier, revision: revision),
            condition(.degraded, false, .healthy, since: earlier, revision: revision),
            condition(.backupFresh, true, .replicating, since: started, revision: revision),
            condition(.suspended, false, .active, since: started, revision: revision),
        ]
        if stalled {
            conditions.append(condition(.stalled, true, .conflict(.refuseFormatOverData), since: earlier, revision: revision))
        }
        var run = RunStatus(
            volume: volume ?? spec.name, file: spec.origin.file, revision: revision,
            daemon: .init(pid: 777, startedAt: started, intervalSeconds: 30), updatedAt: now, conditions: conditions)
        run.writerRunning = writerRunning
        return run
    }

    /// The status of `spec` with a quota to fix: Ready False, Degraded False, BackupFresh True, Suspended False.
    static func driftStatus(_ spec: VolumeSpec) -> VolumeStatus {
        let observation = ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = .none(source: "statfs") }
        return VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation))
    }

    // MARK: CheckpointSummary

    @Test("a checkpoint summary counts every entry and names the newest by creation time")
    func summaryNewest() {
        let summary = RunStatus.CheckpointSummary([
            CheckpointFixture.entry("b-middle", "2026-11-19T00:00:00Z"),
            CheckpointFixture.entry("c-newest", "2026-11-20T00:00:00Z", kind: .manual),
            CheckpointFixture.entry("a-oldest", "2026-11-18T00:00:00Z"),
        ])
        #expect(summary == RunStatus.CheckpointSummary(count: 3, newest: "c-newest", newestCreatedAt: CheckpointFixture.date("2026-11-20")))
    }

    @Test("entries without a manifest are counted but never the newest (their age is unknown)")
    func summaryBareEntries() {
        let summary = RunStatus.CheckpointSummary([
            CheckpointFixture.bare("zzz-by-hand"),
            CheckpointFixture.entry("nightly", "2026-11-18T00:00:00Z"),
            CheckpointFixture.bare("aaa-by-hand"),
        ])
        #expect(summary.count == 3)
        #expect(summary.newest == "nightly")
        #expect(summary.newestCreatedAt == CheckpointFixture.date("2026-11-18"))
    }

    @Test("only manifest-less entries, or none, give no newest")
    func summaryNoNewest() {
        #expect(RunStatus.CheckpointSummary([CheckpointFixture.bare("x")]) == .init(count: 1, newest: nil, newestCreatedAt: nil))
        #expect(RunStatus.CheckpointSummary([]) == .init(count: 0, newest: nil, newestCreatedAt: nil))
    }

    @Test("two checkpoints created at the same instant: the later name is the newest, whatever the order", arguments: [false, true])
    func summaryTieBrokenByName(reversed: Bool) {
        var entries = [
            CheckpointFixture.entry("auto-a", "2026-11-20T00:00:00Z"), CheckpointFixture.entry("auto-b", "2026-11-20T00:00:00Z"),
        ]
        if reversed { entries.reverse() }
        #expect(RunStatus.CheckpointSummary(entries).newest == "auto-b")
    }

    // MARK: The document

    @Test("a document names its conditions by type and survives a JSON round trip with format version 1")
    func documentRoundTrip() throws {
        let spec = try SpecFixture.spec()
        var run = Self.run(for: spec, writerRunning: nil)
        run.lastReconcile = .init(
            startedAt: Self.now, durationMs: 42, result: .suspended, actions: 0, failedActions: 0, message: "observed")
        run.checkpoints = .init([CheckpointFixture.entry("auto-x", "2026-11-20T09:00:00Z")])
        run.pendingActions = ["quota /active/fs"]
        run.specError = .init(messages: ["spec.yaml:4:10: error: suspend: missing required key 'reason' in 'suspend'"], since: Self.now)
        #expect(run.formatVersion == 1)
        #expect(run.condition(.stalled)?.reason == .conflict(.refuseFormatOverData))
        #expect(run.condition(.sandboxFrozen) == nil, "a condition the document does not hold")
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(RunStatus.self, from: encoder.encode(run)) == run)
    }

    // MARK: VolumeStatus.attach

    @Test("attach keeps the document and copies since for the conditions whose status the reconciler saw too")
    func attachCopiesSince() throws {
        let spec = try SpecFixture.spec()
        var status = Self.driftStatus(spec)
        let run = Self.run(for: spec, writerRunning: false)
        status.attach(run)
        #expect(status.reconciler == run)
        let since = Dictionary(uniqueKeysWithValues: status.conditions.map { ($0.type, $0.since) })
        #expect(since[.ready] == .some(nil), "Ready is False here but True in the document: its since is unknown")
        #expect(since[.degraded] == Self.earlier)
        #expect(since[.backupFresh] == Self.started)
        #expect(since[.suspended] == Self.started)
    }

    @Test("attach leaves the live conditions' status, reason and message alone")
    func attachKeepsLiveConditions() throws {
        let spec = try SpecFixture.spec()
        let before = Self.driftStatus(spec)
        var status = before
        status.attach(Self.run(for: spec, writerRunning: true, stalled: false))
        #expect(status.conditions.map(\.type) == before.conditions.map(\.type))
        #expect(status.conditions.map(\.status) == before.conditions.map(\.status))
        #expect(status.conditions.map(\.reason) == before.conditions.map(\.reason))
        #expect(status.conditions.map(\.message) == before.conditions.map(\.message))
    }

    @Test("attach adds the reconciler's Stalled condition while it runs and describes this revision, once")
    func attachAddsStalled() throws {
        let spec = try SpecFixture.spec()
        var status = Self.driftStatus(spec)
        status.attach(Self.run(for: spec, writerRunning: true))
        #expect(status.conditions.map(\.type) == [.ready, .degraded, .backupFresh, .durable, .suspended, .stalled])
        let stalled = try #require(status.conditions.last)
        #expect(stalled.status)
        #expect(stalled.reason == .conflict(.refuseFormatOverData))
        #expect(stalled.since == Self.earlier)

        status.attach(Self.run(for: spec, writerRunning: true))
        #expect(status.conditions.filter { $0.type == .stalled }.count == 1, "attaching again does not repeat it")
    }

    @Test("attach adds no Stalled condition when the reconciler is not known to run", arguments: [false, nil] as [Bool?])
    func attachNoStalledWhenNotRunning(writerRunning: Bool?) throws {
        let spec = try SpecFixture.spec()
        var status = Self.driftStatus(spec)
        status.attach(Self.run(for: spec, writerRunning: writerRunning))
        #expect(!status.conditions.contains { $0.type == .stalled })
        #expect(status.reconciler != nil)
    }

    @Test("attach adds no Stalled condition from a document about another revision, but still copies since where status agrees")
    func attachNoStalledForOtherRevision() throws {
        let spec = try SpecFixture.spec()
        var status = Self.driftStatus(spec)
        status.attach(Self.run(for: spec, revision: "0123456789abcdef", writerRunning: true))
        #expect(!status.conditions.contains { $0.type == .stalled })
        #expect(status.reconciler?.revision == "0123456789abcdef")
        #expect(status.conditions.first { $0.type == .degraded }?.since == Self.earlier)
    }

    @Test("a document about another volume is ignored")
    func attachOtherVolume() throws {
        let spec = try SpecFixture.spec()
        let before = Self.driftStatus(spec)
        var status = before
        status.attach(Self.run(for: spec, volume: "other", writerRunning: true))
        #expect(status == before)
        #expect(status.reconciler == nil)
    }

    @Test("the human status shows since and the reconciler's lines once a document is attached")
    func humanStatusWithReconciler() throws {
        let spec = try SpecFixture.spec()
        var status = Self.driftStatus(spec)
        var run = Self.run(for: spec, writerRunning: true)
        run.nextReconcile = CheckpointFixture.date("2026-11-20T10:00:30Z")
        status.attach(run)
        let text = StatusRenderer.human([status])
        #expect(text.contains("  Degraded    False Healthy: no fault observed (since 2026-11-20T09:00:00.000Z)\n"), "\(text)")
        #expect(text.contains("  Stalled     True  RefuseFormatOverData: Stalled message (since 2026-11-20T09:00:00.000Z)\n"), "\(text)")
        #expect(text.contains("  reconciler: pid 777, every 30 s, running since 2026-11-20T08:00:00.000Z\n"), "\(text)")
        #expect(text.contains("  next pass:  2026-11-20T10:00:30.000Z\n"), "\(text)")
    }
}
