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
    /// When the observation was made: schedules, retention and every age in it are judged against it. The observer
    /// reads its clock once per observation for it; one built by hand is stamped with the system clock's present.
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
        catalog: CheckpointCatalog? = nil, now: Date = HostClock.system.date(), overlay: OverlayObservation? = nil,
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
