public import Foundation

/// What juicectl found on the host and the volume in one observation pass. Plain data: the planner reads it, the
/// observer (in the JuiceCtl module) fills it, tests build it by hand.
public struct VolumeObservation: Sendable, Hashable, Codable {
    /// The metadata engine.
    public var metadata: MetadataState
    /// The object storage.
    public var storage: StorageState
    /// The mount at the spec's mount point.
    public var mount: MountState
    /// Mounts of this volume at other paths that juicectl made (from its state file), which a moved mount point
    /// leaves behind.
    public var formerMountPaths: [String]
    /// Directories on the volume, by path from the volume root. Empty when the volume is not mounted.
    public var directories: [String: DirectoryState]
    /// Quotas on the volume, by path from the volume root, for every path the spec or juicectl's state names.
    /// `nil` when they could not be read.
    public var quotas: [String: QuotaReading]?
    /// Quota paths juicectl set earlier (from its state file): only these are removed when they leave the spec.
    public var managedQuotaPaths: [String]
    /// Every source read, with its cost, in order.
    public var probes: [ProbeRecord]
    /// Checkpoints and restore bookkeeping on the volume; `nil` when the volume is not mounted.
    public var catalog: CheckpointCatalog?
    /// The overlay's parts; `nil` when neither the spec nor juicectl's state has an overlay.
    public var overlay: OverlayObservation?
    /// Litestream; `nil` when the spec has no backup and none runs.
    public var backup: BackupObservation?
    /// The sandbox's cgroups (`checkpoints.quiesce`) and any freeze an interrupted checkpoint left; `nil` when the
    /// spec quiesces nothing and no freeze is recorded.
    public var quiesce: QuiesceObservation?
    /// Who uses the trees a plan may replace or remove: `/active` while a declarative restore is pending, and the
    /// checkpoints retention would remove; `nil` when nothing was asked (no such tree, or the volume is not
    /// mounted).
    public var treeUsers: [TreeUser]?
    /// Who owns the volume, for a volume another host could pick up; `nil` when ownership does not apply or the
    /// record was not read (a converged volume this host runs is not asked on every apply).
    public var ownership: OwnershipObservation?
    /// Blocks only staged on this host (writeback), read from the live mount; `nil` when not mounted or unreadable.
    public var staging: StagingObservation?
    /// The volume root and juicectl's own directories and files on it; `nil` when not mounted or not read.
    public var guards: VolumeGuardObservation?
    /// When the observation was made: schedules and retention are judged against it.
    public var now: Date
    /// juicectl started a format of this volume and did not record its end, and the object storage holds nothing
    /// but the `juicefs_uuid` that `juicefs format` writes before it initialises the metadata: a format killed
    /// half-way, which is safe to complete.
    public var interruptedFormat: Bool
    /// The engine's client sessions (this host's mounts and other hosts'), when `juicefs status` was read; `nil`
    /// otherwise (a converged mounted volume is observed without it).
    public var sessions: [ClientSession]?
    /// What the last restore on this host could not do after its swap (from juicectl's state), while recorded.
    public var restoreShortfall: RestoreShortfall?

    /// Creates an observation.
    public init(
        metadata: MetadataState, storage: StorageState, mount: MountState, formerMountPaths: [String] = [],
        directories: [String: DirectoryState] = [:], quotas: [String: QuotaReading]? = nil,
        managedQuotaPaths: [String] = [], probes: [ProbeRecord] = [], interruptedFormat: Bool = false,
        catalog: CheckpointCatalog? = nil, now: Date = Date(), overlay: OverlayObservation? = nil,
        backup: BackupObservation? = nil
    ) {
        self.backup = backup
        self.catalog = catalog
        self.overlay = overlay
        self.now = now
        self.interruptedFormat = interruptedFormat
        self.metadata = metadata
        self.storage = storage
        self.mount = mount
        self.formerMountPaths = formerMountPaths
        self.directories = directories
        self.quotas = quotas
        self.managedQuotaPaths = managedQuotaPaths
        self.probes = probes
    }

    /// How many `juicefs` processes the observation ran.
    public var juicefsCalls: Int { probes.filter { $0.source.hasPrefix("juicefs ") }.count }
}

/// The metadata engine's state.
public enum MetadataState: Sendable, Hashable {
    /// The SQLite database file does not exist (juicefs was not asked: it would create the file).
    case missing
    /// The engine answers but holds no volume.
    case unformatted
    /// The engine holds a volume with these settings.
    case formatted(FormatInfo)
    /// The engine could not be read; the message says why.
    case unreadable(String)
}

/// A formatted volume's settings, from `juicefs status` or the mount's `.config`.
public struct FormatInfo: Sendable, Hashable, Codable {
    /// Volume name.
    public var name: String
    /// Volume UUID.
    public var uuid: String
    /// Storage type (`file`, `s3`, ...).
    public var storage: String
    /// Bucket (for `file`, the directory with a trailing slash).
    public var bucket: String
    /// Block size in KiB.
    public var blockSizeKiB: Int
    /// Compression.
    public var compression: String
    /// Trash days.
    public var trashDays: Int

    /// Creates format information.
    public init(name: String, uuid: String, storage: String, bucket: String, blockSizeKiB: Int, compression: String, trashDays: Int) {
        self.name = name
        self.uuid = uuid
        self.storage = storage
        self.bucket = bucket
        self.blockSizeKiB = blockSizeKiB
        self.compression = compression
        self.trashDays = trashDays
    }
}

/// The object storage's state, as far as this host can see it.
public enum StorageState: Sendable, Hashable {
    /// No object of this volume name.
    case empty
    /// Objects of a volume with this name exist; `uuid` is the UUID they belong to.
    case holdsVolume(uuid: String)
    /// The storage could not be inspected.
    case unknown(String)
    /// Remote object storage (S3) that juicectl does not list itself: `juicefs format` checks it and refuses a
    /// bucket that already holds objects under the volume's name.
    case remote(endpoint: String)
}

/// The state of the spec's mount point.
public enum MountState: Sendable, Hashable {
    /// Nothing is mounted there.
    case absent
    /// This volume is mounted there and answers.
    case live(LiveMount)
    /// This volume is mounted there but does not answer (ENOTCONN, I/O error, or no answer within the deadline).
    case stale(reason: String, entries: Int)
    /// This volume is mounted there and its juicefs client (`pid`) is alive, but the mount gave no answer within the
    /// deadline: the metadata engine or the object storage is slow or unreachable. Detaching it would break every
    /// open file, so juicectl leaves it alone; the client recovers by itself when its servers answer.
    case unresponsive(reason: String, pid: Int32)
    /// Something else is mounted there.
    case foreign(fstype: String, source: String)

    /// The live mount, if any.
    public var live: LiveMount? {
        if case .live(let mount) = self { return mount }
        return nil
    }
}

/// A healthy mount of the volume, as read from mountinfo, the mount's `.config` and `/proc`.
public struct LiveMount: Sendable, Hashable, Codable {
    /// Format settings the mount reports.
    public var format: FormatInfo
    /// PID of the FUSE-serving process.
    public var pid: Int32
    /// PID of the supervising process that restarts it.
    public var supervisorPID: Int32
    /// Whether the supervisor is still alive (when it is not, nothing restarts a crashed client).
    public var supervisorAlive: Bool
    /// The mount command's arguments after `mount`, from `/proc/<pid>/cmdline`; `nil` when unreadable.
    public var arguments: [String]?
    /// How many mounts are stacked at the mount point (more than 1 is a fault).
    public var stackedEntries: Int
    /// Space on the volume (`statfs`), for status.
    public var usage: Usage?
    /// The per-mount options of the top mount's mountinfo line (`rw,nosuid,nodev,relatime`); `nil` when not read.
    public var mountOptions: String?
    /// The superblock options of that line (`rw,user_id=0,...,allow_other,...`); `nil` when not read.
    public var superOptions: String?

    /// Creates a live mount description.
    public init(
        format: FormatInfo, pid: Int32, supervisorPID: Int32, supervisorAlive: Bool, arguments: [String]?,
        stackedEntries: Int = 1, usage: Usage? = nil
    ) {
        self.format = format
        self.pid = pid
        self.supervisorPID = supervisorPID
        self.supervisorAlive = supervisorAlive
        self.arguments = arguments
        self.stackedEntries = stackedEntries
        self.usage = usage
    }

    /// Space and inode use of a mounted volume.
    public struct Usage: Sendable, Hashable, Codable {
        /// Bytes in use.
        public var usedBytes: UInt64
        /// Total bytes.
        public var totalBytes: UInt64
        /// Inodes in use.
        public var usedInodes: UInt64
        /// Total inodes.
        public var totalInodes: UInt64

        /// Creates usage figures.
        public init(usedBytes: UInt64, totalBytes: UInt64, usedInodes: UInt64, totalInodes: UInt64) {
            self.usedBytes = usedBytes
            self.totalBytes = totalBytes
            self.usedInodes = usedInodes
            self.totalInodes = totalInodes
        }
    }
}

/// A path on the volume.
public enum DirectoryState: String, Sendable, Hashable, Codable {
    /// A directory.
    case directory
    /// Nothing there.
    case missing
    /// Something that is not a directory.
    case notDirectory
}

/// A quota as read, with how exact the reading is.
public struct QuotaReading: Sendable, Hashable, Codable {
    /// Space limit in bytes; `nil` when there is none.
    public var capacity: UInt64?
    /// Inode limit; `nil` when there is none.
    public var inodes: UInt64?
    /// How far the true capacity may be from `capacity` (statfs counts whole blocks; `juicefs quota` prints
    /// rounded figures).
    public var capacityTolerance: UInt64
    /// Where it was read: `statfs`, `juicefs quota get`, `juicefs quota list`.
    public var source: String

    /// Creates a reading.
    public init(capacity: UInt64?, inodes: UInt64?, capacityTolerance: UInt64 = 0, source: String) {
        self.capacity = capacity
        self.inodes = inodes
        self.capacityTolerance = capacityTolerance
        self.source = source
    }

    /// No quota on the path.
    public static func none(source: String) -> QuotaReading { QuotaReading(capacity: nil, inodes: nil, source: source) }

    /// Whether there is no limit at all.
    public var isNone: Bool { capacity == nil && inodes == nil }

    /// Whether the reading agrees with a declared quota.
    public func matches(_ quota: VolumeSpec.Quota) -> Bool {
        let capacityMatches: Bool
        switch (capacity, quota.capacity?.bytes) {
        case (nil, nil): capacityMatches = true
        case (let observed?, let desired?):
            capacityMatches = (observed > desired ? observed - desired : desired - observed) <= capacityTolerance
        default: capacityMatches = false
        }
        return capacityMatches && inodes == quota.inodes
    }
}

/// One source read during observation.
public struct ProbeRecord: Sendable, Hashable, Codable {
    /// What was read: `mountinfo`, `stat /mnt`, `juicefs status`, ...
    public var source: String
    /// How long it took, in microseconds.
    public var microseconds: Int64
    /// Whether it answered.
    public var ok: Bool

    /// Creates a record.
    public init(source: String, microseconds: Int64, ok: Bool) {
        self.source = source
        self.microseconds = microseconds
        self.ok = ok
    }
}

// MARK: JSON form

/// The keys of the flat JSON form of the state enumerations: `{"state": "live", ...}`.
private enum StateKeys: String, CodingKey {
    case state, info, uuid, message, live, reason, entries, fstype, source, pid
}

extension MetadataState: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: StateKeys.self)
        switch self {
        case .missing: try container.encode("missing", forKey: .state)
        case .unformatted: try container.encode("unformatted", forKey: .state)
        case .formatted(let info):
            try container.encode("formatted", forKey: .state)
            try container.encode(info, forKey: .info)
        case .unreadable(let message):
            try container.encode("unreadable", forKey: .state)
            try container.encode(message, forKey: .message)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StateKeys.self)
        switch try container.decode(String.self, forKey: .state) {
        case "missing": self = .missing
        case "unformatted": self = .unformatted
        case "formatted": self = .formatted(try container.decode(FormatInfo.self, forKey: .info))
        default: self = .unreadable(try container.decodeIfPresent(String.self, forKey: .message) ?? "")
        }
    }
}

extension StorageState: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: StateKeys.self)
        switch self {
        case .empty: try container.encode("empty", forKey: .state)
        case .holdsVolume(let uuid):
            try container.encode("holdsVolume", forKey: .state)
            try container.encode(uuid, forKey: .uuid)
        case .unknown(let message):
            try container.encode("unknown", forKey: .state)
            try container.encode(message, forKey: .message)
        case .remote(let endpoint):
            try container.encode("remote", forKey: .state)
            try container.encode(endpoint, forKey: .message)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StateKeys.self)
        switch try container.decode(String.self, forKey: .state) {
        case "empty": self = .empty
        case "holdsVolume": self = .holdsVolume(uuid: try container.decode(String.self, forKey: .uuid))
        case "remote": self = .remote(endpoint: try container.decode(String.self, forKey: .message))
        default: self = .unknown(try container.decodeIfPresent(String.self, forKey: .message) ?? "")
        }
    }
}

extension MountState: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: StateKeys.self)
        switch self {
        case .absent: try container.encode("absent", forKey: .state)
        case .live(let mount):
            try container.encode("live", forKey: .state)
            try container.encode(mount, forKey: .live)
        case .stale(let reason, let entries):
            try container.encode("stale", forKey: .state)
            try container.encode(reason, forKey: .reason)
            try container.encode(entries, forKey: .entries)
        case .unresponsive(let reason, let pid):
            try container.encode("unresponsive", forKey: .state)
            try container.encode(reason, forKey: .reason)
            try container.encode(pid, forKey: .pid)
        case .foreign(let fstype, let source):
            try container.encode("foreign", forKey: .state)
            try container.encode(fstype, forKey: .fstype)
            try container.encode(source, forKey: .source)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StateKeys.self)
        switch try container.decode(String.self, forKey: .state) {
        case "live": self = .live(try container.decode(LiveMount.self, forKey: .live))
        case "stale":
            self = .stale(
                reason: try container.decode(String.self, forKey: .reason), entries: try container.decode(Int.self, forKey: .entries))
        case "unresponsive":
            self = .unresponsive(
                reason: try container.decode(String.self, forKey: .reason), pid: try container.decode(Int32.self, forKey: .pid))
        case "foreign":
            self = .foreign(
                fstype: try container.decode(String.self, forKey: .fstype), source: try container.decode(String.self, forKey: .source))
        default: self = .absent
        }
    }
}

/// The checkpoint catalog as found on the volume: the checkpoint directories with their manifests, what interrupted
/// operations left behind, a restore in progress, and the lineage record.
public struct CheckpointCatalog: Sendable, Hashable, Codable {
    /// Checkpoints, by name; `nil` when only the cheap parts were read (no schedule or retention to judge).
    public var entries: [CheckpointEntry]?
    /// Staging clones, trash and orphan manifests of interrupted operations.
    public var leftovers: [Leftover]
    /// A restore that did not finish.
    public var restore: RestoreProgress?
    /// Lineage and applied restore requests.
    public var lineage: VolumeLineage
    /// For the spec's restore request: whether its checkpoint exists.
    public var restoreTargetExists: Bool?
    /// Bookkeeping records that are there but cannot be used (an empty or undecodable lineage, an undecodable
    /// journal).
    public var damage: [BookkeepingDamage] = []

    /// Creates a catalog observation.
    public init(
        entries: [CheckpointEntry]? = [], leftovers: [Leftover] = [], restore: RestoreProgress? = nil,
        lineage: VolumeLineage = VolumeLineage(), restoreTargetExists: Bool? = nil
    ) {
        self.entries = entries
        self.leftovers = leftovers
        self.restore = restore
        self.lineage = lineage
        self.restoreTargetExists = restoreTargetExists
    }

    /// The entry named `name`.
    public func entry(_ name: String) -> CheckpointEntry? { entries?.first { $0.name == name } }

    /// Whether the lineage record is damaged (then ``lineage`` is empty and says nothing).
    public var lineageDamaged: Bool { damage.contains { $0.kind.isLineage } }
    /// Whether the restore journal is there but cannot be decoded.
    public var journalDamaged: Bool { damage.contains { $0.kind == .journalUndecodable } }
}

/// Something an interrupted checkpoint operation left on the volume.
public struct Leftover: Sendable, Hashable, Codable {
    /// What it is.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A clone under `staging/` that never became a checkpoint.
        case staging
        /// A checkpoint under `trash/` whose removal did not finish.
        case trash
        /// A manifest without its checkpoint directory.
        case orphanManifest = "orphan-manifest"
    }

    /// The path on the volume.
    public var path: String
    /// What it is.
    public var kind: Kind

    /// Creates a leftover.
    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}

/// A restore journal with what the volume looks like now, so the planner can tell how far the restore got.
public struct RestoreProgress: Sendable, Hashable, Codable {
    /// The journal.
    public var journal: RestoreJournal
    /// Inode of `/active` now (`nil`: missing).
    public var activeInode: UInt64?
    /// Inode of the staging path now (`nil`: missing).
    public var stagingInode: UInt64?
    /// Whether `checkpoints/<asideName>` exists.
    public var asideExists: Bool

    /// Creates a progress record.
    public init(journal: RestoreJournal, activeInode: UInt64?, stagingInode: UInt64?, asideExists: Bool) {
        self.journal = journal
        self.activeInode = activeInode
        self.stagingInode = stagingInode
        self.asideExists = asideExists
    }

    /// Whether `/active` was already swapped for the restored tree (the restore must be completed, not undone).
    /// With `/active` missing, the staging path decides: the restored tree there is moved in and completed, the
    /// original tree there is put back (as the executor's `resumeRestore` does).
    public var swapped: Bool {
        if let activeInode { return activeInode != journal.activeInode }
        if let stagingInode { return stagingInode != journal.activeInode }
        return false
    }
}
