/// A point in time as `stat` gives it: seconds and nanoseconds since the epoch.
package struct FileTime: Sendable, Hashable, CustomStringConvertible {
    /// Whole seconds.
    package var seconds: Int64
    /// Nanoseconds within the second.
    package var nanoseconds: Int64

    /// Creates a time.
    package init(seconds: Int64, nanoseconds: Int64) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    package var description: String {
        let fraction = String(nanoseconds)
        return "\(seconds).\(String(repeating: "0", count: max(0, 9 - fraction.count)))\(fraction)"
    }
}

/// What `lstat` tells about one entry of a tree (never about what a symbolic link points to).
package struct EntryStatus: Sendable, Hashable {
    /// The kind of entry.
    package enum Kind: Sendable, Hashable {
        /// A regular file.
        case regular
        /// A directory.
        case directory
        /// A symbolic link.
        case symbolicLink
        /// A FIFO, socket or device node.
        case other
    }

    /// The kind.
    package var kind: Kind
    /// The inode number.
    package var inode: UInt64
    /// How many names the inode has.
    package var linkCount: UInt64
    /// The permission bits with setuid, setgid and sticky (`st_mode & 07777`).
    package var mode: UInt32
    /// Owner.
    package var uid: UInt32
    /// Group.
    package var gid: UInt32
    /// Size in bytes.
    package var size: Int64
    /// Last access.
    package var accessed: FileTime
    /// Last modification.
    package var modified: FileTime

    /// Creates a status.
    package init(
        kind: Kind, inode: UInt64, linkCount: UInt64 = 1, mode: UInt32 = 0o644, uid: UInt32 = 0, gid: UInt32 = 0,
        size: Int64 = 0, accessed: FileTime = FileTime(seconds: 0, nanoseconds: 0),
        modified: FileTime = FileTime(seconds: 0, nanoseconds: 0)
    ) {
        self.kind = kind
        self.inode = inode
        self.linkCount = linkCount
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.accessed = accessed
        self.modified = modified
    }

    /// Whether this entry and `other` look like two copies of one file: both regular files with the same size,
    /// permission bits, owner, group and modification time (to the nanosecond).
    package func looksLikeCopy(of other: EntryStatus) -> Bool {
        kind == .regular && other.kind == .regular && size == other.size && mode == other.mode
            && uid == other.uid && gid == other.gid && modified == other.modified
    }
}

/// The answer of ``HostProbing/entryStatus(_:below:deadline:)``.
package enum EntryLookup: Sendable, Hashable {
    /// The entry's status.
    case found(EntryStatus)
    /// The errno: `ENOENT` when it is not there, `ENOTDIR` when a component on the way is no directory (a symbolic
    /// link included), `ETIMEDOUT` when the deadline passed.
    case failed(errno: Int32)
}

/// A regular file with more than one name, as a walk of a tree found it.
package struct LinkedFile: Sendable, Hashable {
    /// Where the walk found it, relative to the walked root.
    package var path: TreePath
    /// Its inode number.
    package var inode: UInt64

    /// Creates a record.
    package init(path: TreePath, inode: UInt64) {
        self.path = path
        self.inode = inode
    }
}

/// The answer of ``HostProbing/linkedFiles(under:deadline:)``.
package enum LinkedFilesWalk: Sendable, Hashable {
    /// Every regular file with more than one name under the root (each of its names found there).
    case found([LinkedFile])
    /// The walk failed with this errno at this directory.
    case failed(errno: Int32, at: TreePath)
    /// It did not end within the deadline.
    case timedOut
}
