/// Which condition of a volume a ``Condition`` is. The raw value is its `type` in status JSON and the status file.
public enum ConditionType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Mounted and as the spec declares.
    case ready = "Ready"
    /// A fault is observed.
    case degraded = "Degraded"
    /// A cgroup of the sandbox is frozen (with quiesce settings, or when one is found frozen).
    case sandboxFrozen = "SandboxFrozen"
    /// Litestream runs and the replica keeps up (with a backup).
    case backupFresh = "BackupFresh"
    /// Nothing of the volume exists only on this host (with writeback or a replica).
    case durable = "Durable"
    /// The spec suspends changes.
    case suspended = "Suspended"
    /// `juicectl run` stopped changing the volume on a refusal retrying cannot fix.
    case stalled = "Stalled"

    /// The raw value.
    public var description: String { rawValue }
}
