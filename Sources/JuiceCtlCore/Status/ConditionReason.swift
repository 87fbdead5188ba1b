/// Why a ``Condition`` has its status: the CamelCase reason machines key on. The raw value is the `reason` of status
/// JSON and the status file; two reasons with the same raw value are equal (`NoReplica` of `BackupFresh` and of
/// `Durable`, say), whichever case spells it.
public enum ConditionReason: Sendable, Hashable, Codable, RawRepresentable, CaseIterable, CustomStringConvertible {
    // MARK: Ready

    /// Mounted and as the spec declares.
    case converged
    /// The volume does not exist yet.
    case notFormatted
    /// The volume is not mounted.
    case notMounted
    /// Actions are pending.
    case changesPending

    // MARK: Degraded

    /// No fault is observed.
    case healthy
    /// The mount does not answer and its client is gone.
    case staleMount
    /// Several mounts are stacked at the mount point.
    case stackedMounts
    /// The juicefs supervisor is gone: a crashed client would not restart.
    case unsupervised
    /// The overlay image's filesystem was left frozen by an interrupted checkpoint.
    case overlayFrozen
    /// A cgroup of the sandbox was left frozen by an interrupted checkpoint.
    case sandboxLeftFrozen

    // MARK: SandboxFrozen

    /// No cgroup of the sandbox is frozen.
    case running
    /// A checkpoint freezes the sandbox now.
    case checkpointInProgress
    /// A checkpoint that did not finish left cgroups frozen.
    case leftFrozen
    /// Cgroups are frozen, not by juicectl.
    case frozenElsewhere

    // MARK: BackupFresh

    /// Litestream does not run.
    case notRunning
    /// Litestream runs; the replica's position was not read on this pass.
    case runningUnchecked
    /// Litestream started and has not written its first snapshot yet.
    case starting
    /// Litestream runs but the replica holds nothing.
    case noReplica
    /// The replica keeps up.
    case replicating
    /// The replica is behind.
    case lagging

    // MARK: Suspended

    /// The spec suspends changes.
    case suspendedBySpec
    /// Changes are applied.
    case active

    // MARK: Stalled

    /// A pass failed; it is retried after the backoff.
    case retrying
    /// No error.
    case progressing

    // MARK: From other decisions

    /// A conflict of the plan (also the mount faults the planner refuses, and the stall on a refusal).
    case conflict(ConflictCode)
    /// Why the volume is, or is not, durable.
    case durable(DurableReason)
    /// What a completed restore left undone.
    case restoreShortfall(RestoreShortfallReason)

    /// Every reason.
    public static let allCases: [ConditionReason] =
        [
            .converged, .notFormatted, .notMounted, .changesPending,
            .healthy, .staleMount, .stackedMounts, .unsupervised, .overlayFrozen, .sandboxLeftFrozen,
            .running, .checkpointInProgress, .leftFrozen, .frozenElsewhere,
            .notRunning, .runningUnchecked, .starting, .noReplica, .replicating, .lagging,
            .suspendedBySpec, .active, .retrying, .progressing,
        ]
        + ConflictCode.allCases.map(ConditionReason.conflict)
        + DurableReason.allCases.map(ConditionReason.durable)
        + RestoreShortfallReason.allCases.map(ConditionReason.restoreShortfall)

    /// The reason spelled `rawValue`, or `nil` when there is none.
    public init?(rawValue: String) {
        guard let reason = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = reason
    }

    /// The CamelCase spelling.
    public var rawValue: String {
        switch self {
        case .converged: "Converged"
        case .notFormatted: "NotFormatted"
        case .notMounted: "NotMounted"
        case .changesPending: "ChangesPending"
        case .healthy: "Healthy"
        case .staleMount: "StaleMount"
        case .stackedMounts: "StackedMounts"
        case .unsupervised: "Unsupervised"
        case .overlayFrozen: "OverlayFrozen"
        case .sandboxLeftFrozen: "SandboxLeftFrozen"
        case .running: "Running"
        case .checkpointInProgress: "CheckpointInProgress"
        case .leftFrozen: "LeftFrozen"
        case .frozenElsewhere: "FrozenElsewhere"
        case .notRunning: "NotRunning"
        case .runningUnchecked: "RunningUnchecked"
        case .starting: "Starting"
        case .noReplica: "NoReplica"
        case .replicating: "Replicating"
        case .lagging: "Lagging"
        case .suspendedBySpec: "SuspendedBySpec"
        case .active: "Active"
        case .retrying: "Retrying"
        case .progressing: "Progressing"
        case .conflict(let code): code.rawValue
        case .durable(let reason): reason.rawValue
        case .restoreShortfall(let reason): reason.rawValue
        }
    }

    /// The raw value.
    public var description: String { rawValue }

    /// Equal when spelled the same.
    public static func == (lhs: ConditionReason, rhs: ConditionReason) -> Bool {
        lhs.rawValue == rhs.rawValue
    }

    /// Hashes the spelling.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawValue)
    }

    /// Decodes the spelling.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let reason = ConditionReason(rawValue: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown condition reason \(text)")
        }
        self = reason
    }

    /// Encodes the spelling.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
