/// The names inside one tree that share an inode (two or more), sorted by their bytes.
struct HardLinkGroup: Sendable, Hashable {
    /// The names, relative to the tree, sorted; never fewer than two.
    let names: [TreePath]

    /// A group of `names` (sorted here), or `nil` when fewer than two different names remain.
    init?(_ names: some Sequence<TreePath>) {
        let sorted = Array(Set(names)).sorted()
        guard sorted.count >= 2 else { return nil }
        self.names = sorted
    }

    /// The groups of (name, inode) pairs: one per inode with two or more names, ordered by their first name.
    static func grouping(_ entries: some Sequence<(path: TreePath, inode: UInt64)>) -> [HardLinkGroup] {
        var byInode: [UInt64: [TreePath]] = [:]
        for entry in entries { byInode[entry.inode, default: []].append(entry.path) }
        return byInode.values.compactMap { HardLinkGroup($0) }.sorted { $0.names[0] < $1.names[0] }
    }
}

/// What a scan of a tree found, and how.
struct HardLinkScan: Sendable, Hashable {
    /// Where the groups came from.
    enum Source: Sendable, Hashable {
        /// One query of the SQLite metadata.
        case metadata
        /// A walk of the tree through the mount.
        case walk
    }

    /// The groups.
    var groups: [HardLinkGroup]
    /// Where they came from.
    var source: Source
    /// Why the metadata was not queried although the volume has SQLite metadata (the walk ran instead).
    var fallbackReason: String?
    /// How long the scan took.
    var duration: Duration

    /// How many names are to be linked to another one: every name of each group but its first.
    var linkCount: Int { groups.reduce(0) { $0 + $1.names.count - 1 } }
}

/// A scan or repair of hard links that could not be done; the message says what happened and what to do.
struct HardLinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What an operator reads.
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
