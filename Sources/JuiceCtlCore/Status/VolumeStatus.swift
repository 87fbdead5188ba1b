internal import Foundation

/// The status of one volume: what was observed and the conditions derived from it and its plan.
public struct VolumeStatus: Sendable, Hashable, Codable {
    /// Volume name.
    public var name: String
    /// Spec file.
    public var file: String
    /// Spec revision.
    public var revision: String
    /// The observation.
    public var observation: VolumeObservation
    /// Ready and Degraded.
    public var conditions: [Condition]
    /// Pending actions, as the planner sees them.
    public var pendingActions: [Action]
    /// Conflicts, as the planner sees them.
    public var conflicts: [Conflict]
    /// What `juicectl run` last wrote about the volume, when a reconciler manages it.
    public var reconciler: RunStatus?

    /// Derives the status from a spec, an observation and the plan for them. Pure.
    public init(spec: VolumeSpec, observation: VolumeObservation, plan: VolumePlan) {
        name = spec.name
        file = spec.origin.file
        revision = spec.origin.revision
        self.observation = observation
        pendingActions = plan.actions
        conflicts = plan.conflicts
        let revision = spec.origin.revision

        let explained = MountExplanation(spec)
        var degraded = explained.fault(observation.mount)
        if degraded == nil, observation.overlay?.frozenByCrash == true {
            degraded = (.overlayFrozen, "the overlay image's filesystem was left frozen by an interrupted checkpoint; apply thaws it")
        }
        let frozen = Self.sandboxFrozenCondition(observation.quiesce, revision: revision)
        if degraded == nil, let frozen, frozen.reason == .leftFrozen {
            degraded = (.sandboxLeftFrozen, frozen.message)
        }
        if degraded == nil, let shortfall = Self.restoreShortfallDegradation(spec, observation) {
            degraded = shortfall
        }
        if degraded == nil, let conflict = plan.conflicts.first {
            degraded = (.conflict(conflict.code), conflict.message)
        }
        let degradedCondition = Condition(
            type: .degraded, status: degraded != nil, reason: degraded?.reason ?? .healthy,
            message: degraded?.message ?? "no fault observed", observedRevision: revision)

        let ready: Condition
        if observation.mount.live != nil && plan.isConverged {
            ready = Condition(
                type: .ready, status: true, reason: .converged,
                message: "mounted at \(spec.mount.path) and as the spec declares", observedRevision: revision)
        } else {
            let cause: ConditionCause
            if let unavailable = explained.unavailable(observation.mount, metadata: observation.metadata) {
                cause = unavailable
            } else if let conflict = plan.conflicts.first(where: \.blocking) ?? plan.conflicts.first {
                cause = (.conflict(conflict.code), conflict.message)
            } else {
                let pending = plan.actions.map { "\(PlanRenderer.label($0)) \($0.target)" }.joined(separator: "; ")
                cause = (.changesPending, "\(plan.actions.count) action(s) pending: \(pending)")
            }
            ready = Condition(type: .ready, status: false, reason: cause.reason, message: cause.message, observedRevision: revision)
        }
        conditions = [ready, degradedCondition]
        if spec.checkpoints.quiesce != nil || observation.quiesce != nil {
            conditions.append(
                frozen
                    ?? Condition(
                        type: .sandboxFrozen, status: false, reason: .running,
                        message: "no cgroup of the sandbox is frozen", observedRevision: revision))
        }
        if let backup = spec.backup {
            conditions.append(Self.backupCondition(backup, observation.backup, revision: revision))
        }
        if let durable = Self.durableCondition(spec, observation, revision: revision) { conditions.append(durable) }
        if let suspend = spec.suspend {
            let drift = plan.actions.isEmpty ? "no drift" : "\(plan.actions.count) change(s) pending, not applied"
            conditions.append(
                Condition(
                    type: .suspended, status: true, reason: .suspendedBySpec,
                    message: "\(suspend.reason) (\(drift))", observedRevision: revision))
        } else {
            conditions.append(
                Condition(
                    type: .suspended, status: false, reason: .active,
                    message: "changes are applied", observedRevision: revision))
        }
    }

    /// `SandboxFrozen` when a cgroup of the sandbox is frozen now: by a checkpoint that runs (`CheckpointInProgress`),
    /// by one that was cut short (`LeftFrozen`: apply thaws them), or by someone else (`FrozenElsewhere`, for
    /// example the platform pausing the sandbox: juicectl leaves those alone). `nil` when nothing is frozen.
    static func sandboxFrozenCondition(_ observed: QuiesceObservation?, revision: String) -> Condition? {
        guard let observed else { return nil }
        let frozen = observed.frozenNow
        if let left = observed.leftFrozen {
            if observed.checkpointInProgress {
                return Condition(
                    type: .sandboxFrozen, status: true, reason: .checkpointInProgress,
                    message: "a checkpoint is freezing \(left.joined(separator: ", ")) while it clones /active", observedRevision: revision)
            }
            let stuck = frozen.filter(left.contains)
            if !stuck.isEmpty {
                return Condition(
                    type: .sandboxFrozen, status: true, reason: .leftFrozen,
                    message:
                        "\(stuck.joined(separator: ", ")) \(stuck.count == 1 ? "was" : "were") left frozen by a checkpoint that did not "
                        + "finish; every process there is stopped until apply (or juicectl run) thaws "
                        + "\(stuck.count == 1 ? "it" : "them")",
                    observedRevision: revision)
            }
        }
        guard !frozen.isEmpty else { return nil }
        return Condition(
            type: .sandboxFrozen, status: true, reason: .frozenElsewhere,
            message:
                "\(frozen.joined(separator: ", ")) \(frozen.count == 1 ? "is" : "are") frozen, not by juicectl (the platform may have "
                + "paused the sandbox); checkpoints leave \(frozen.count == 1 ? "it" : "them") as found",
            observedRevision: revision)
    }

    /// `BackupFresh`: Litestream runs and the replica keeps up (no lag, or its newest file is recent).
    static func backupCondition(_ settings: VolumeSpec.BackupSettings, _ observed: BackupObservation?, revision: String) -> Condition {
        guard let observed, case .running(let pid, _) = observed.process else {
            return Condition(
                type: .backupFresh, status: false, reason: .notRunning,
                message: "Litestream is not running; the metadata is not being replicated", observedRevision: revision)
        }
        let limit = max(10, 10 * Double(settings.syncInterval.nanoseconds) / 1e9)
        if let reason = observed.replicaUnreadable {
            return Condition(
                type: .backupFresh, status: false, reason: .conflict(.replicaUnreadable),
                message: "Litestream (pid \(pid)) runs, but the replica \(settings.replica.display) cannot be listed: \(reason)",
                observedRevision: revision)
        }
        guard observed.replicaListed else {
            return Condition(
                type: .backupFresh, status: true, reason: .runningUnchecked,
                message:
                    "Litestream (pid \(pid)) replicates to \(settings.replica.display); the replica's position was not read on this pass",
                observedRevision: revision)
        }
        guard observed.replicaTXID != nil else {
            let starting = (observed.runningSeconds ?? .infinity) < 60
            return Condition(
                type: .backupFresh, status: false, reason: starting ? .starting : .noReplica,
                message: starting
                    ? "Litestream (pid \(pid)) started and has not written its first snapshot yet"
                    : "Litestream (pid \(pid)) runs but the replica \(settings.replica.display) holds nothing", observedRevision: revision)
        }
        let position = observed.replicaTXID.map { "the replica is at transaction \($0)" } ?? "the replica holds no transaction yet"
        let age = observed.replicaAgeSeconds.map { String(format: ", last written %.0f s ago", $0) } ?? ""
        if observed.lag == 0 || (observed.replicaAgeSeconds ?? .infinity) <= limit {
            return Condition(
                type: .backupFresh, status: true, reason: .replicating,
                message: "Litestream (pid \(pid)) replicates to \(settings.replica.display); \(position)\(age)", observedRevision: revision)
        }
        return Condition(
            type: .backupFresh, status: false, reason: .lagging,
            message: "\(position), \(observed.lag.map(String.init) ?? "some") transaction(s) behind\(age)", observedRevision: revision)
    }

    /// Adds what `juicectl run` wrote: the document itself, each live condition's `since` where the reconciler saw
    /// the same status, and (while the reconciler runs and describes this revision) its Stalled condition.
    public mutating func attach(_ run: RunStatus) {
        guard run.volume == name else { return }
        reconciler = run
        for index in conditions.indices {
            if let seen = run.condition(conditions[index].type), seen.status == conditions[index].status {
                conditions[index].since = seen.since
            }
        }
        if run.writerRunning == true, run.revision == revision, let stalled = run.condition(.stalled),
            !conditions.contains(where: { $0.type == .stalled })
        {
            conditions.append(stalled)
        }
    }

    /// Whether the volume is Ready.
    public var isReady: Bool { conditions.first { $0.type == .ready }?.status ?? false }
}
