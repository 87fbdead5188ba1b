public import Foundation

/// A condition of a volume, Kubernetes style: a type, a status, a machine-readable reason and a human message.
public struct Condition: Sendable, Hashable, Codable {
    /// `Ready`, `Degraded`, `BackupFresh`, `Suspended` or (from `juicectl run`) `Stalled`.
    public var type: String
    /// Whether the condition holds.
    public var status: Bool
    /// CamelCase reason machines key on: `Converged`, `NotMounted`, `StaleMount`, a ``RestoreShortfallReason``, ...
    public var reason: String
    /// What a person should know.
    public var message: String
    /// The spec revision the condition describes.
    public var observedRevision: String
    /// Since when the status has held (Kubernetes' `lastTransitionTime`), when known: `juicectl run` tracks it.
    public var since: Date?

    /// Creates a condition.
    public init(type: String, status: Bool, reason: String, message: String, observedRevision: String, since: Date? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.observedRevision = observedRevision
        self.since = since
    }
}

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

        var degraded: (reason: String, message: String)?
        switch observation.mount {
        case .stale(let why, _):
            degraded = ("StaleMount", "the mount at \(spec.mount.path) does not answer: \(why)")
        case .unresponsive(let why, let pid):
            degraded = (
                "MountUnresponsive",
                "the mount at \(spec.mount.path) does not answer (\(why)) although its juicefs client (pid \(pid)) runs: its metadata engine or object storage is probably unreachable"
            )
        case .foreign(let fstype, let source):
            degraded = ("MountPointOccupied", "\(spec.mount.path) holds \(fstype) \(source)")
        case .live(let mount) where mount.stackedEntries > 1:
            degraded = ("StackedMounts", "\(mount.stackedEntries) mounts are stacked at \(spec.mount.path)")
        case .live(let mount) where !mount.supervisorAlive:
            degraded = ("Unsupervised", "the juicefs supervisor \(mount.supervisorPID) is gone; a crashed client would not restart")
        default:
            break
        }
        if degraded == nil, observation.overlay?.frozenByCrash == true {
            degraded = ("OverlayFrozen", "the overlay image's filesystem was left frozen by an interrupted checkpoint; apply thaws it")
        }
        let frozen = Self.sandboxFrozenCondition(observation.quiesce, revision: revision)
        if degraded == nil, let frozen, frozen.reason == "LeftFrozen" {
            degraded = ("SandboxLeftFrozen", frozen.message)
        }
        if degraded == nil, let shortfall = Self.restoreShortfallDegradation(spec, observation) {
            degraded = shortfall
        }
        if degraded == nil, let conflict = plan.conflicts.first {
            degraded = (conflict.code, conflict.message)
        }
        let degradedCondition = Condition(
            type: "Degraded", status: degraded != nil, reason: degraded?.reason ?? "Healthy",
            message: degraded?.message ?? "no fault observed", observedRevision: revision)

        let ready: Condition
        if observation.mount.live != nil && plan.isConverged {
            ready = Condition(
                type: "Ready", status: true, reason: "Converged",
                message: "mounted at \(spec.mount.path) and as the spec declares", observedRevision: revision)
        } else {
            let reason: String
            let message: String
            switch observation.mount {
            case .absent:
                reason = observation.metadata == .missing || observation.metadata == .unformatted ? "NotFormatted" : "NotMounted"
                message = reason == "NotFormatted" ? "the volume does not exist yet" : "the volume is not mounted at \(spec.mount.path)"
            case .stale:
                reason = "StaleMount"
                message = degraded?.message ?? "stale mount"
            case .unresponsive:
                reason = "MountUnresponsive"
                message = degraded?.message ?? "the mount does not answer"
            case .foreign:
                reason = "MountPointOccupied"
                message = degraded?.message ?? "mount point occupied"
            case .live:
                if let conflict = plan.conflicts.first(where: \.blocking) ?? plan.conflicts.first {
                    reason = conflict.code
                    message = conflict.message
                } else {
                    reason = "ChangesPending"
                    message =
                        "\(plan.actions.count) action(s) pending: \(plan.actions.map { "\(PlanRenderer.label($0)) \($0.target)" }.joined(separator: "; "))"
                }
            }
            ready = Condition(type: "Ready", status: false, reason: reason, message: message, observedRevision: revision)
        }
        conditions = [ready, degradedCondition]
        if spec.checkpoints.quiesce != nil || observation.quiesce != nil {
            conditions.append(
                frozen
                    ?? Condition(
                        type: "SandboxFrozen", status: false, reason: "Running",
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
                    type: "Suspended", status: true, reason: "SuspendedBySpec",
                    message: "\(suspend.reason) (\(drift))", observedRevision: revision))
        } else {
            conditions.append(
                Condition(
                    type: "Suspended", status: false, reason: "Active",
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
                    type: "SandboxFrozen", status: true, reason: "CheckpointInProgress",
                    message: "a checkpoint is freezing \(left.joined(separator: ", ")) while it clones /active", observedRevision: revision)
            }
            let stuck = frozen.filter(left.contains)
            if !stuck.isEmpty {
                return Condition(
                    type: "SandboxFrozen", status: true, reason: "LeftFrozen",
                    message:
                        "\(stuck.joined(separator: ", ")) \(stuck.count == 1 ? "was" : "were") left frozen by a checkpoint that did not finish; every process there is stopped until apply (or juicectl run) thaws \(stuck.count == 1 ? "it" : "them")",
                    observedRevision: revision)
            }
        }
        guard !frozen.isEmpty else { return nil }
        return Condition(
            type: "SandboxFrozen", status: true, reason: "FrozenElsewhere",
            message:
                "\(frozen.joined(separator: ", ")) \(frozen.count == 1 ? "is" : "are") frozen, not by juicectl (the platform may have paused the sandbox); checkpoints leave \(frozen.count == 1 ? "it" : "them") as found",
            observedRevision: revision)
    }

    /// `BackupFresh`: Litestream runs and the replica keeps up (no lag, or its newest file is recent).
    static func backupCondition(_ settings: VolumeSpec.BackupSettings, _ observed: BackupObservation?, revision: String) -> Condition {
        guard let observed, case .running(let pid, _) = observed.process else {
            return Condition(
                type: "BackupFresh", status: false, reason: "NotRunning",
                message: "Litestream is not running; the metadata is not being replicated", observedRevision: revision)
        }
        let limit = max(10, 10 * Double(settings.syncInterval.nanoseconds) / 1e9)
        if let reason = observed.replicaUnreadable {
            return Condition(
                type: "BackupFresh", status: false, reason: "ReplicaUnreadable",
                message: "Litestream (pid \(pid)) runs, but the replica \(settings.replica.display) cannot be listed: \(reason)",
                observedRevision: revision)
        }
        guard observed.replicaListed else {
            return Condition(
                type: "BackupFresh", status: true, reason: "RunningUnchecked",
                message:
                    "Litestream (pid \(pid)) replicates to \(settings.replica.display); the replica's position was not read on this pass",
                observedRevision: revision)
        }
        guard observed.replicaTXID != nil else {
            let starting = (observed.runningSeconds ?? .infinity) < 60
            return Condition(
                type: "BackupFresh", status: false, reason: starting ? "Starting" : "NoReplica",
                message: starting
                    ? "Litestream (pid \(pid)) started and has not written its first snapshot yet"
                    : "Litestream (pid \(pid)) runs but the replica \(settings.replica.display) holds nothing", observedRevision: revision)
        }
        let position = observed.replicaTXID.map { "the replica is at transaction \($0)" } ?? "the replica holds no transaction yet"
        let age = observed.replicaAgeSeconds.map { String(format: ", last written %.0f s ago", $0) } ?? ""
        if observed.lag == 0 || (observed.replicaAgeSeconds ?? .infinity) <= limit {
            return Condition(
                type: "BackupFresh", status: true, reason: "Replicating",
                message: "Litestream (pid \(pid)) replicates to \(settings.replica.display); \(position)\(age)", observedRevision: revision)
        }
        return Condition(
            type: "BackupFresh", status: false, reason: "Lagging",
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
        if run.writerRunning == true, run.revision == revision, let stalled = run.condition("Stalled"),
            !conditions.contains(where: { $0.type == "Stalled" })
        {
            conditions.append(stalled)
        }
    }

    /// Whether the volume is Ready.
    public var isReady: Bool { conditions.first { $0.type == "Ready" }?.status ?? false }
}
