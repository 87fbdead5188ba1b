internal import JuiceCtlCore

/// A tree that a reference or a mount uses, and the path on the volume it reaches when that is known.
struct TreeHit: Hashable, Sendable {
    /// One of the query's trees.
    var tree: String
    /// From the volume root; `nil` when the texts did not tell (or for a whole filesystem of ``TreeUsageQuery/devices``).
    var volumePath: String?
}

/// Decides, for one ``TreeUsageQuery``, which trees a process's reference or a mount uses, from mount-table lines
/// and link texts alone (pure: it reads nothing).
///
/// A reference is the text of a `/proc/PID/…` link plus the mount it goes through (named by its `mnt_id`). On the
/// volume's device, the path on the volume is the mount's root (field 4 of mountinfo, which follows renames) plus
/// the part of the link text below the mount point. When the two texts do not line up (a chrooted process, a
/// namespace seen from outside in a view juicectl could not find), the reference still counts, with no path, for
/// every tree the mount can reach: juicectl would rather refuse a restore than swap a tree out from under a user.
struct TreeUsageMatcher: Sendable {
    /// The queried trees, normalized (``TreeUsagePaths/normalizedTree(_:)``), in query order.
    let trees: [String]
    /// `major:minor` of the volume's FUSE mount.
    let volumeDevice: String
    /// Whole filesystems that count for a tree.
    let devices: [String: String]
    /// juicectl's own mounts (in its own namespace).
    let ownMounts: Set<TreeUsageQuery.OwnMount>
    /// The devices whose files may count, as numbers (for maps).
    let relevantDevices: Set<DeviceNumber>

    /// A matcher for `query`.
    init(_ query: TreeUsageQuery) {
        var trees: [String] = []
        for tree in query.trees.map(TreeUsagePaths.normalizedTree) where !trees.contains(tree) { trees.append(tree) }
        self.trees = trees
        volumeDevice = query.volumeDevice
        devices = query.devices.mapValues(TreeUsagePaths.normalizedTree)
        ownMounts = Set(query.ownMounts)
        relevantDevices = Set(([query.volumeDevice] + query.devices.keys).compactMap(DeviceNumber.init))
    }

    /// Whether anything reached through a mount of `device` may count.
    func isRelevant(device: String) -> Bool {
        device == volumeDevice || devices[device] != nil
    }

    /// Whether `entry` is one of juicectl's own mounts (meaningful in juicectl's own namespace only).
    func isOwn(_ entry: MountInfoEntry) -> Bool {
        ownMounts.contains(TreeUsageQuery.OwnMount(device: entry.device, mountPoint: entry.mountPoint))
    }

    /// The trees a process's reference counts for: `link` is its link text (`nil` when it could not be read),
    /// `entry` the mount it goes through, with its mount point in the same view as the link text.
    func hits(link: ProcLinkText?, through entry: MountInfoEntry) -> [TreeHit] {
        if let tree = devices[entry.device] { return [TreeHit(tree: tree, volumePath: nil)] }
        guard entry.device == volumeDevice else { return [] }
        let root = TreeUsagePaths.liveRoot(entry.root)
        let path = link?.path.flatMap { TreeUsagePaths.filesystemPath(of: $0, mountPoint: entry.mountPoint, mountRoot: root) }
        // A mount of a directory inside a tree reaches nothing but that tree.
        let holding = trees.filter { TreeUsagePaths.isAtOrBelow(root, $0) }
        if !holding.isEmpty { return holding.map { TreeHit(tree: $0, volumePath: path) } }
        if let path {
            return trees.filter { TreeUsagePaths.isAtOrBelow(path, $0) }.map { TreeHit(tree: $0, volumePath: path) }
        }
        // The texts do not line up: count it for every tree below the mount's root.
        return trees.filter { TreeUsagePaths.isAtOrBelow($0, root) }.map { TreeHit(tree: $0, volumePath: nil) }
    }

    /// The tree a mount uses, if any: a mount of one of ``devices``, a mount of the volume whose root lies inside a
    /// tree (a bind mount of `/active/fs`; the volume's own mount, root `/`, is none), or a mount made onto a
    /// directory inside a tree (`parent` is the mount it sits on: it pins that directory).
    func mountHit(_ entry: MountInfoEntry, parent: MountInfoEntry?) -> TreeHit? {
        if let tree = devices[entry.device] { return TreeHit(tree: tree, volumePath: nil) }
        if entry.device == volumeDevice {
            let root = TreeUsagePaths.liveRoot(entry.root)
            if let tree = trees.first(where: { TreeUsagePaths.isAtOrBelow(root, $0) }) { return TreeHit(tree: tree, volumePath: root) }
        }
        guard let parent, parent.id != entry.id else { return nil }
        if let tree = devices[parent.device] { return TreeHit(tree: tree, volumePath: nil) }
        guard parent.device == volumeDevice,
            let path = TreeUsagePaths.filesystemPath(
                of: entry.mountPoint, mountPoint: parent.mountPoint,
                mountRoot: TreeUsagePaths.liveRoot(parent.root)),
            let tree = trees.first(where: { TreeUsagePaths.isAtOrBelow(path, $0) })
        else { return nil }
        return TreeHit(tree: tree, volumePath: path)
    }

    /// The mounts of one namespace's table that use a tree, in table order. In juicectl's own namespace
    /// (`ownNamespace`) its own mounts are left out. A mount sitting on a mount already reported is left out too
    /// (a container's `/proc` on its root): ending the use of the one below ends it.
    func mountUses(in entries: [MountInfoEntry], ownNamespace: Bool) -> [(entry: MountInfoEntry, hit: TreeHit)] {
        let byID = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var hits: [Int: TreeHit] = [:]
        for entry in entries where !(ownNamespace && isOwn(entry)) {
            if let hit = mountHit(entry, parent: byID[entry.parentID]) { hits[entry.id] = hit }
        }
        return entries.compactMap { entry in
            guard let hit = hits[entry.id], hits[entry.parentID] == nil || entry.parentID == entry.id else { return nil }
            return (entry, hit)
        }
    }
}
