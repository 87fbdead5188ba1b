/// The owner, mode and kind of one of juicectl's own entries on the volume, by `lstat` (a link is never followed).
public struct GuardedEntry: Sendable, Hashable, Codable {
    /// What the entry is.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A directory.
        case directory
        /// A regular file.
        case regular
        /// A symbolic link.
        case symbolicLink = "symbolic-link"
        /// Anything else (a FIFO, a socket, a device).
        case other
    }

    /// The entry's path from the volume root.
    public var path: String
    /// What it is.
    public var kind: Kind
    /// Its owner.
    public var uid: UInt32
    /// Its permission bits (`st_mode & 07777`).
    public var mode: UInt32
    /// How many names it has.
    public var linkCount: UInt64

    /// Creates an entry.
    public init(path: String, kind: Kind, uid: UInt32, mode: UInt32, linkCount: UInt64 = 1) {
        self.path = path
        self.kind = kind
        self.uid = uid
        self.mode = mode
        self.linkCount = linkCount
    }

    /// Why root must not act through this entry, or `nil` when it is safe: a directory of juicectl's must be a real
    /// directory owned by root that neither its group nor others can write; a file of juicectl's a regular file owned
    /// by root with one name.
    public var problem: UnsafeVolumeEntry.Problem? {
        let directory = VolumeLayout.guardedDirectories.contains(path)
        if kind == .symbolicLink { return .symbolicLink }
        if directory, kind != .directory { return .notDirectory }
        if !directory, kind != .regular { return .notRegularFile }
        if uid != 0 { return .foreignOwner(uid: uid) }
        if directory, mode & 0o022 != 0 { return .writableByOthers(mode: mode) }
        if !directory, linkCount > 1 { return .hardLinked(count: linkCount) }
        return nil
    }
}

/// An entry on the volume that someone other than root could have planted or can swap, where juicectl would act as
/// root: juicectl never acts through it, and the plan names it.
public struct UnsafeVolumeEntry: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What is wrong with it.
    public enum Problem: Sendable, Hashable, Codable {
        /// A symbolic link where juicectl expects a directory or a file of its own.
        case symbolicLink
        /// Something else than a directory where juicectl keeps one.
        case notDirectory
        /// Something else than a regular file where juicectl keeps one.
        case notRegularFile
        /// Owned by another user than root.
        case foreignOwner(uid: UInt32)
        /// A directory its group or everyone may write.
        case writableByOthers(mode: UInt32)
        /// A file with more than one name (another name could be anywhere on the volume).
        case hardLinked(count: UInt64)
    }

    /// The entry's path from the volume root.
    public var path: String
    /// What is wrong.
    public var problem: Problem

    /// Creates a finding.
    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// The finding in words: "/checkpoints on the volume is owned by uid 65534, not root".
    public var description: String {
        let what: String =
            switch problem {
            case .symbolicLink: "is a symbolic link"
            case .notDirectory: "is not a directory"
            case .notRegularFile: "is not a regular file"
            case .foreignOwner(let uid): "is owned by uid \(uid), not root"
            case .writableByOthers(let mode): "is writable by others (mode \(String(mode, radix: 8)))"
            case .hardLinked(let count): "has \(count) names (hard links)"
            }
        return "\(path) on the volume \(what)"
    }
}

/// The volume root and juicectl's own entries on it (`/active`, `/checkpoints`, `/checkpoints/.juicectl` and what it
/// holds), as `lstat` found them.
public struct VolumeGuardObservation: Sendable, Hashable, Codable {
    /// The volume root (`nil` when it could not be read).
    public var root: GuardedEntry?
    /// Every guarded entry that exists, by path (the root not included).
    public var entries: [String: GuardedEntry]

    /// Creates an observation.
    public init(root: GuardedEntry?, entries: [String: GuardedEntry] = [:]) {
        self.root = root
        self.entries = entries
    }

    /// Entries root must not act through, outermost first.
    public var unsafe: [UnsafeVolumeEntry] {
        entries.values.sorted { $0.path < $1.path }.compactMap { entry in
            entry.problem.map { UnsafeVolumeEntry(path: entry.path, problem: $0) }
        }
    }
}
