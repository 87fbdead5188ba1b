/// A mount table with its mount points written the way juicectl reads link texts of the processes it is used for
/// (pure). A process's own `/proc/PID/mountinfo` names mount points from that process's root; when that root reads
/// as `/rootfs` from juicectl, the mount point `/app` is `/rootfs/app` here.
struct MountView: Sendable {
    /// The table, mount points translated.
    let entries: [MountInfoEntry]
    /// Mount points of the mounts whose device may count (the volume's, those of the query's devices).
    let relevantMountPoints: [String]
    private let byID: [Int: MountInfoEntry]

    /// `entries` of a table read by a process whose root juicectl reads as `root`, for `matcher`'s query.
    init(_ entries: [MountInfoEntry], root: String = "/", matcher: TreeUsageMatcher) {
        let translated =
            root == "/"
            ? entries
            : entries.map { entry in
                var entry = entry
                entry.mountPoint = TreeUsagePaths.join(root, entry.mountPoint)
                return entry
            }
        self.entries = translated
        relevantMountPoints = translated.filter { matcher.isRelevant(device: $0.device) }.map(\.mountPoint)
        byID = Dictionary(translated.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The mount with this id.
    func entry(_ id: Int) -> MountInfoEntry? { byID[id] }

    /// Whether no mount of the table can hold anything that counts: its processes need no closer look.
    var reachesNothing: Bool { relevantMountPoints.isEmpty }

    /// Whether a link with this text may go through a mount that counts, by its text alone: it must lie at or below
    /// the mount point of one (an unreadable text may lie anywhere). This spares the `mnt_id` lookups of almost
    /// every descriptor. A file on a mount that was detached (`umount -l`) is in no table and not found anyway.
    func mayReach(_ text: ProcLinkText) -> Bool {
        guard let path = text.path else { return true }
        return relevantMountPoints.contains { TreeUsagePaths.isAtOrBelow(path, $0) }
    }
}
