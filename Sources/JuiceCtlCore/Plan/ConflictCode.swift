/// What a ``Conflict`` is about: the stable code machines key on. The raw value is what plan and status JSON, the
/// status file and events carry (`RefuseFormatOverData`, ...).
public enum ConflictCode: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    // MARK: Ownership

    /// Another host owns the volume (or fenced this one): nothing is started here.
    case volumeOwnedElsewhere = "VolumeOwnedElsewhere"
    /// The ownership record cannot be read, so nobody can tell who owns the volume.
    case ownershipUnreadable = "OwnershipUnreadable"

    // MARK: Format and metadata

    /// The metadata is missing and the Litestream replica that may hold it cannot be listed.
    case replicaUnreadable = "ReplicaUnreadable"
    /// The metadata is missing but the object storage holds the volume's data: a format would hide it.
    case refuseFormatOverData = "RefuseFormatOverData"
    /// Whether the object storage holds the volume cannot be told.
    case storageUnreadable = "StorageUnreadable"
    /// The metadata engine does not answer.
    case metadataUnreadable = "MetadataUnreadable"
    /// The metadata engine holds a volume of another name.
    case volumeNameMismatch = "VolumeNameMismatch"
    /// The object storage holds another volume (UUID) than the metadata engine.
    case storageBelongsToOtherVolume = "StorageBelongsToOtherVolume"
    /// A setting fixed at format time (storage, block size, compression, trash days) differs from the spec.
    case formatSettingChanged = "FormatSettingChanged"
    /// The metadata engine holds the volume but its objects are gone from the storage.
    case storageMissing = "StorageMissing"

    // MARK: Mount

    /// The mount does not answer although its juicefs client runs.
    case mountUnresponsive = "MountUnresponsive"
    /// Another filesystem is mounted at the mount point.
    case mountPointOccupied = "MountPointOccupied"

    // MARK: Volume contents

    /// An entry of the volume juicectl acts on as root could be planted or swapped by someone else.
    case unsafeVolumeEntry = "UnsafeVolumeEntry"
    /// A directory the spec needs exists as something else.
    case notADirectory = "NotADirectory"
    /// juicectl's own bookkeeping on the volume (lineage, restore journal) is damaged.
    case bookkeepingDamaged = "BookkeepingDamaged"

    // MARK: Overlay

    /// A lower directory of the overlay does not exist.
    case overlayLowerDirMissing = "OverlayLowerDirMissing"
    /// The overlay image does not mount.
    case overlayImageCorrupt = "OverlayImageCorrupt"
    /// Something else is mounted where the image's filesystem belongs.
    case overlayUpperOccupied = "OverlayUpperOccupied"
    /// Something else is mounted where the overlay belongs.
    case overlayTargetOccupied = "OverlayTargetOccupied"

    // MARK: Restore

    /// A restore request names a checkpoint that does not exist.
    case restoreTargetMissing = "RestoreTargetMissing"
    /// A restore request waits for the processes that use `/active`.
    case restoreTargetInUse = "RestoreTargetInUse"

    /// The raw value.
    public var description: String { rawValue }

    /// Whether the conflict comes from a metadata engine, an object store or a mount client that does not answer
    /// now: retrying can fix it, so `juicectl run` fails the pass (and backs off) instead of stalling the volume.
    public var isTransient: Bool {
        switch self {
        case .mountUnresponsive, .metadataUnreadable, .storageUnreadable, .replicaUnreadable, .ownershipUnreadable:
            true
        case .volumeOwnedElsewhere, .refuseFormatOverData, .volumeNameMismatch, .storageBelongsToOtherVolume,
            .formatSettingChanged, .storageMissing, .mountPointOccupied, .unsafeVolumeEntry, .notADirectory,
            .bookkeepingDamaged, .overlayLowerDirMissing, .overlayImageCorrupt, .overlayUpperOccupied,
            .overlayTargetOccupied, .restoreTargetMissing, .restoreTargetInUse:
            false
        }
    }
}
