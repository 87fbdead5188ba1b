/// Which entries on the volume are juicectl's own, and the modes they keep: the one home of that rule, for the
/// observer that checks them, the planner that fixes or refuses them and the host calls that act through them.
extension VolumeLayout {
    /// The root's mode: juicefs formats it 0777, which would let anyone who reaches the mount rename `/checkpoints`.
    public static let rootMode: UInt32 = 0o755

    /// juicectl's directories on the volume, outermost first.
    public static let guardedDirectories: [String] = [active, checkpoints, bookkeeping, manifests, staging, trash, quarantine]

    /// juicectl's files on the volume, besides manifests.
    public static let guardedFiles: [String] = [restoreJournal, lineage, sharedLock]

    /// Overlay images that do not mount, moved aside.
    public static let quarantine = "/checkpoints/.juicectl/quarantine"

    /// The file whose `flock` serialises checkpoint, restore and retention steps of every host.
    public static let sharedLock = "/checkpoints/.juicectl/lock"

    /// The mode a directory juicectl keeps on the volume should have: `/` (an empty path too), `/active` and
    /// `/checkpoints` 0755, the bookkeeping below `/checkpoints/.juicectl` 0700; `nil` for any other path (the
    /// tenant's, or a checkpoint's tree).
    public static func directoryMode(_ path: String) -> UInt32? {
        if path.isEmpty || path == "/" { return rootMode }
        if path == active || path == checkpoints { return 0o755 }
        if path == bookkeeping || path.hasPrefix(bookkeeping + "/") { return 0o700 }
        return nil
    }

    /// Whether every directory on the way to `path` (the root excepted) must be juicectl's: owned by root and not
    /// writable by its group or others. True for `/active` and `/checkpoints` themselves and everything below
    /// `/checkpoints/.juicectl`; a tenant's path below `/active/` only needs no symbolic link on the way.
    public static func isGuarded(_ path: String) -> Bool {
        path == active || path == checkpoints || path == bookkeeping || path.hasPrefix(bookkeeping + "/")
    }
}
