public import Foundation

/// Where things live on the volume, as paths from its root.
///
/// ```
/// /active/                        the live tree (active/fs is the working directory)
/// /checkpoints/NAME/              each checkpoint: a juicefs clone of /active
/// /checkpoints/.juicectl/
///     manifests/NAME.json         each checkpoint's facts
///     staging/                    clones being made (never listed as checkpoints)
///     trash/                      checkpoints being removed
///     restore.json                the journal of a restore in progress
///     lineage.json                which checkpoint /active descends from, and applied restore requests
/// ```
public enum VolumeLayout {
    /// The live tree.
    public static let active = "/active"
    /// Checkpoints.
    public static let checkpoints = "/checkpoints"
    /// juicectl's bookkeeping beside the checkpoints.
    public static let bookkeeping = "/checkpoints/.juicectl"
    /// Manifests.
    public static let manifests = "/checkpoints/.juicectl/manifests"
    /// Clones in the making.
    public static let staging = "/checkpoints/.juicectl/staging"
    /// Checkpoints being removed.
    public static let trash = "/checkpoints/.juicectl/trash"
    /// The restore journal.
    public static let restoreJournal = "/checkpoints/.juicectl/restore.json"
    /// Lineage and applied restore requests.
    public static let lineage = "/checkpoints/.juicectl/lineage.json"

    /// A checkpoint's directory.
    public static func checkpoint(_ name: String) -> String { "\(checkpoints)/\(name)" }
    /// A checkpoint's manifest.
    public static func manifest(_ name: String) -> String { "\(manifests)/\(name).json" }
}

/// Which checkpoint the live tree descends from, and which declarative restore requests were applied; kept on the
/// volume so that it travels with the data and the metadata backup.
public struct VolumeLineage: Sendable, Hashable, Codable {
    /// The checkpoint `/active` was restored from or last checkpointed as.
    public var activeParent: String?
    /// Restore request ids applied to this volume, oldest first.
    public var appliedRestoreRequests: [String]

    /// Creates a lineage record.
    public init(activeParent: String? = nil, appliedRestoreRequests: [String] = []) {
        self.activeParent = activeParent
        self.appliedRestoreRequests = appliedRestoreRequests
    }
}

/// The journal of a restore in progress, written before the first step and removed after the last. With it, the
/// next run completes a restore that got past the swap and rolls back one that did not.
public struct RestoreJournal: Sendable, Hashable, Codable {
    /// The checkpoint being restored.
    public var checkpoint: String
    /// The declarative request it serves, if any.
    public var requestId: String?
    /// Where the checkpoint is cloned to (a path on the volume).
    public var stagingPath: String
    /// The name the replaced tree gets as a checkpoint.
    public var asideName: String
    /// Inode of `/active` before the swap.
    public var activeInode: UInt64
    /// When the restore began.
    public var startedAt: Date

    /// Creates a journal.
    public init(checkpoint: String, requestId: String?, stagingPath: String, asideName: String, activeInode: UInt64, startedAt: Date) {
        self.checkpoint = checkpoint
        self.requestId = requestId
        self.stagingPath = stagingPath
        self.asideName = asideName
        self.activeInode = activeInode
        self.startedAt = startedAt
    }
}
