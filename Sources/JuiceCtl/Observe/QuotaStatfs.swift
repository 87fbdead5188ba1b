internal import JuiceCtlCore

/// How `statfs` on a directory with a JuiceFS quota reads: the quota is reported as the filesystem's size, and a
/// directory without a limit (nor an ancestor with one) reports the volume's free space and inodes.
enum QuotaStatfs {
    /// Whether the statfs figures show exactly the desired limits (or their absence).
    static func agrees(directory: FilesystemStats, root: FilesystemStats, desired: VolumeSpec.Quota?) -> Bool {
        let unlimitedSpace = directory.freeBlocks == root.freeBlocks
        let unlimitedInodes = directory.freeFiles == root.freeFiles
        let capacityAgrees: Bool
        if let capacity = desired?.capacity?.bytes {
            let total = directory.totalBytes
            capacityAgrees = !unlimitedSpace && (total > capacity ? total - capacity : capacity - total) < directory.blockSize
        } else {
            capacityAgrees = unlimitedSpace
        }
        let inodesAgree = desired?.inodes.map { !unlimitedInodes && directory.files == $0 } ?? unlimitedInodes
        return capacityAgrees && inodesAgree
    }

    /// The reading that statfs gives when it agrees.
    static func reading(directory: FilesystemStats, root: FilesystemStats, desired: VolumeSpec.Quota?) -> QuotaReading {
        QuotaReading(
            capacity: desired?.capacity.map { _ in directory.totalBytes }, inodes: desired?.inodes.map { _ in directory.files },
            capacityTolerance: directory.blockSize, source: "statfs")
    }

    /// statfs figures for the limits the spec sets, the table's for the ones it leaves open (statfs would show an
    /// ancestor's limit there).
    static func combined(directory: FilesystemStats, table: QuotaReading, desired: VolumeSpec.Quota) -> QuotaReading {
        QuotaReading(
            capacity: desired.capacity != nil ? directory.totalBytes : table.capacity,
            inodes: desired.inodes != nil ? directory.files : table.inodes,
            capacityTolerance: desired.capacity != nil ? directory.blockSize : table.capacityTolerance,
            source: "statfs, juicefs quota get")
    }
}
