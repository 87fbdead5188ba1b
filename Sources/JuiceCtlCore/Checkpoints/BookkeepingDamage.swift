/// A record of juicectl's on the volume that exists but cannot be used: while it is damaged, checkpoints and
/// restores refuse, so the planner names it (conflict `BookkeepingDamaged`) and plans its repair.
public struct BookkeepingDamage: Sendable, Hashable, Codable {
    /// Which record, and how it is damaged.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// `lineage.json` is there but empty.
        case lineageEmpty = "lineage-empty"
        /// `lineage.json` holds something that does not decode as a lineage.
        case lineageUndecodable = "lineage-undecodable"
        /// `restore.json` holds something that does not decode as a restore journal.
        case journalUndecodable = "journal-undecodable"

        /// Whether the damaged record is the lineage (rebuilt from the manifests) rather than the journal.
        public var isLineage: Bool { self != .journalUndecodable }
    }

    /// Which record, and how it is damaged.
    public var kind: Kind
    /// The record's path on the volume.
    public var path: String
    /// What the decoder said.
    public var detail: String
    /// For a damaged journal: the trees the journal would name, as found when it was observed.
    public var trees: RestoreTrees?

    /// Creates a damage record.
    public init(kind: Kind, path: String, detail: String, trees: RestoreTrees? = nil) {
        self.kind = kind
        self.path = path
        self.detail = detail
        self.trees = trees
    }
}

/// The trees a restore journal names, looked at by inode without the journal: the live `/active`, and the restore
/// clones in staging (`restore-<checkpoint>.<token>`), each of which is either a clone that was never swapped in or
/// the tree `/active` held before the swap.
public struct RestoreTrees: Sendable, Hashable, Codable {
    /// What `/active` is.
    public enum Active: Sendable, Hashable, Codable {
        /// A directory with this inode.
        case directory(inode: UInt64)
        /// Something that is not a directory, with this inode.
        case notDirectory(inode: UInt64)
        /// Nothing.
        case missing
        /// Its `stat` did not answer or failed.
        case unknown(String)
    }

    /// What `/active` is.
    public var active: Active
    /// Restore clones in staging: volume path → inode.
    public var staging: [String: UInt64]

    /// Creates a description.
    public init(active: Active, staging: [String: UInt64]) {
        self.active = active
        self.staging = staging
    }

    /// Whether the journal can be moved aside without losing a tree: `/active` is a directory, and no staging tree
    /// shares its inode (then each staging tree is kept as a checkpoint by the repair).
    public var consistent: Bool {
        guard case .directory(let inode) = active else { return false }
        return !staging.values.contains(inode)
    }

    /// What was found, in words.
    public var summary: String {
        let active =
            switch self.active {
            case .directory(let inode): "/active is a directory (inode \(inode))"
            case .notDirectory(let inode): "/active is not a directory (inode \(inode))"
            case .missing: "/active does not exist"
            case .unknown(let why): "/active could not be looked at (\(why))"
            }
        guard !staging.isEmpty else { return "\(active); no restore clone in staging" }
        let trees = staging.keys.sorted().map { "\($0) (inode \(staging[$0] ?? 0))" }.joined(separator: ", ")
        return "\(active); staging holds \(trees)"
    }

    /// The prefix of a restore's staging clone's name.
    public static let stagingPrefix = "restore-"
}
