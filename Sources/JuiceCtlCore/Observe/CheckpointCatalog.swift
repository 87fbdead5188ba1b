/// The checkpoint catalog as found on the volume: the checkpoint directories with their manifests, what interrupted
/// operations left behind, a restore in progress, and the lineage record.
public struct CheckpointCatalog: Sendable, Hashable, Codable {
    /// Checkpoints, by name; `nil` when only the cheap parts were read (no schedule or retention to judge).
    public var entries: [CheckpointEntry]?
    /// Staging clones, trash and orphan manifests of interrupted operations.
    public var leftovers: [Leftover]
    /// A restore that did not finish.
    public var restore: RestoreProgress?
    /// Lineage and applied restore requests.
    public var lineage: VolumeLineage
    /// For the spec's restore request: whether its checkpoint exists.
    public var restoreTargetExists: Bool?
    /// Bookkeeping records that are there but cannot be used (an empty or undecodable lineage, an undecodable
    /// journal).
    public var damage: [BookkeepingDamage] = []

    /// Creates a catalog observation.
    public init(
        entries: [CheckpointEntry]? = [], leftovers: [Leftover] = [], restore: RestoreProgress? = nil,
        lineage: VolumeLineage = VolumeLineage(), restoreTargetExists: Bool? = nil
    ) {
        self.entries = entries
        self.leftovers = leftovers
        self.restore = restore
        self.lineage = lineage
        self.restoreTargetExists = restoreTargetExists
    }

    /// The entry named `name`.
    public func entry(_ name: String) -> CheckpointEntry? { entries?.first { $0.name == name } }

    /// Whether the lineage record is damaged (then ``lineage`` is empty and says nothing).
    public var lineageDamaged: Bool { damage.contains { $0.kind.isLineage } }
    /// Whether the restore journal is there but cannot be decoded.
    public var journalDamaged: Bool { damage.contains { $0.kind == .journalUndecodable } }
}

/// Something an interrupted checkpoint operation left on the volume.
public struct Leftover: Sendable, Hashable, Codable {
    /// What it is.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A clone under `staging/` that never became a checkpoint.
        case staging
        /// A checkpoint under `trash/` whose removal did not finish.
        case trash
        /// A manifest without its checkpoint directory.
        case orphanManifest = "orphan-manifest"
    }

    /// The path on the volume.
    public var path: String
    /// What it is.
    public var kind: Kind

    /// Creates a leftover.
    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}

/// A restore journal with what the volume looks like now, so the planner can tell how far the restore got.
public struct RestoreProgress: Sendable, Hashable, Codable {
    /// The journal.
    public var journal: RestoreJournal
    /// Inode of `/active` now (`nil`: missing).
    public var activeInode: UInt64?
    /// Inode of the staging path now (`nil`: missing).
    public var stagingInode: UInt64?
    /// Whether `checkpoints/<asideName>` exists.
    public var asideExists: Bool

    /// Creates a progress record.
    public init(journal: RestoreJournal, activeInode: UInt64?, stagingInode: UInt64?, asideExists: Bool) {
        self.journal = journal
        self.activeInode = activeInode
        self.stagingInode = stagingInode
        self.asideExists = asideExists
    }

    /// Whether `/active` was already swapped for the restored tree (the restore must be completed, not undone).
    /// With `/active` missing, the staging path decides: the restored tree there is moved in and completed, the
    /// original tree there is put back (as the executor's `resumeRestore` does).
    public var swapped: Bool {
        if let activeInode { return activeInode != journal.activeInode }
        if let stagingInode { return stagingInode != journal.activeInode }
        return false
    }
}
