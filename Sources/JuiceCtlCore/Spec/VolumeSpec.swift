/// The desired state of one JuiceFS volume on this host, with every default filled in.
///
/// Built by ``SpecLoader`` from one YAML document; immutable afterwards. Paths are absolute and normalised.
public struct VolumeSpec: Sendable, Hashable, Codable {
    /// The JuiceFS volume name.
    public var name: String
    /// The directory that holds everything of this volume on the host.
    public var baseDir: String
    /// Object storage.
    public var storage: Storage
    /// Metadata engine.
    public var metadata: Metadata
    /// Format-time settings.
    public var format: FormatSettings
    /// The mount on this host.
    public var mount: MountSettings
    /// Directory quotas, in spec order.
    public var quotas: [Quota]
    /// The overlay; `nil` when the spec has none or disables it.
    public var overlay: OverlaySettings?
    /// Litestream replication of the metadata; `nil` when disabled.
    public var backup: BackupSettings?
    /// Scheduled checkpoints and retention.
    public var checkpoints: CheckpointSettings = CheckpointSettings()
    /// A declarative restore request.
    public var restore: RestoreRequest?
    /// Changes are paused (observe and report only), with why; `nil` when the volume is managed normally.
    public var suspend: Suspension?
    /// Where the spec came from.
    public var origin: Origin

    /// Settings fixed when the volume is formatted.
    public struct FormatSettings: Sendable, Hashable, Codable {
        /// Object block size.
        public var blockSize: ByteSize
        /// Block compression: `none`, `lz4` or `zstd`.
        public var compression: String
        /// Days deleted files stay in the trash.
        public var trashDays: Int

        /// JuiceFS's defaults, with the original's seven trash days.
        public static let defaults = FormatSettings(blockSize: .mebibytes(4), compression: "none", trashDays: 7)
    }

    /// The FUSE mount of a volume on this host.
    public struct MountSettings: Sendable, Hashable, Codable {
        /// Mount point.
        public var path: String
        /// Block cache directory.
        public var cacheDir: String
        /// Block cache size.
        public var cacheSize: ByteSize
        /// Background upload after write.
        public var writeback: Bool
        /// Delay before a written block is uploaded (with writeback).
        public var uploadDelay: TimeSpan
        /// Further `juicefs mount` flags, sorted by name. An `o` option holds only the words juicectl does not decide
        /// itself (see ``KernelMountOptions``).
        public var options: [MountOption]
        /// Whether users other than root may enter the mount (FUSE's `allow_other`). juicefs 1.4 sets it whenever it
        /// runs as root, so only `true` is accepted.
        public var allowOther = true
        /// Whether set-user-ID and set-group-ID bits of files on the volume take effect (no `nosuid`), on the FUSE
        /// mount and on the overlay image's loop mount.
        public var suid = false
        /// Whether device files on the volume open devices (no `nodev`), on the FUSE mount and on the overlay image's
        /// loop mount.
        public var dev = false
    }

    /// One extra `juicefs mount` flag.
    public struct MountOption: Sendable, Hashable, Codable {
        /// Long name without dashes.
        public var name: String
        /// The value as written; `"true"`/`"false"` for boolean flags.
        public var value: String
        /// Whether the flag is boolean.
        public var isBoolean: Bool

        /// Creates an option.
        public init(name: String, value: String, isBoolean: Bool) {
            self.name = name
            self.value = value
            self.isBoolean = isBoolean
        }

        /// The command-line words: `--heartbeat=2s`, `--enable-xattr`, `-o allow_other`.
        public var arguments: [String] {
            if name == "o" { return ["-o", value] }
            if isBoolean { return value == "true" ? ["--\(name)"] : ["--\(name)=false"] }
            return ["--\(name)=\(value)"]
        }
    }

    /// A directory quota.
    public struct Quota: Sendable, Hashable, Codable {
        /// Directory inside the volume, from its root (`/active/fs`).
        public var path: String
        /// Space limit.
        public var capacity: ByteSize?
        /// Inode limit.
        public var inodes: UInt64?

        /// Creates a quota.
        public init(path: String, capacity: ByteSize?, inodes: UInt64?) {
            self.path = path
            self.capacity = capacity
            self.inodes = inodes
        }

        /// The original's quota: 10 TiB on `/active/fs`.
        public static let original = Quota(path: "/active/fs", capacity: .tebibytes(10), inodes: nil)
    }

    /// Litestream replication of the SQLite metadata to one replica location of its own.
    public struct BackupSettings: Sendable, Hashable, Codable {
        /// Where the replica lives.
        public var replica: Replica
        /// How often WAL frames are shipped.
        public var syncInterval: TimeSpan
        /// How often a snapshot is written.
        public var snapshotInterval: TimeSpan
        /// How long snapshots are kept.
        public var retention: TimeSpan

        /// Creates settings.
        public init(
            replica: Replica, syncInterval: TimeSpan = .seconds(1), snapshotInterval: TimeSpan = .seconds(3600),
            retention: TimeSpan = .seconds(86400)
        ) {
            self.replica = replica
            self.syncInterval = syncInterval
            self.snapshotInterval = snapshotInterval
            self.retention = retention
        }

        /// Creates settings for a file replica in `replicaPath`.
        public init(
            replicaPath: String, syncInterval: TimeSpan = .seconds(1), snapshotInterval: TimeSpan = .seconds(3600),
            retention: TimeSpan = .seconds(86400)
        ) {
            self.init(
                replica: .file(path: replicaPath), syncInterval: syncInterval, snapshotInterval: snapshotInterval,
                retention: retention)
        }

        /// The file replica's directory; `nil` for a replica that is not on this host.
        public var replicaPath: String? {
            if case .file(let path) = replica { return path }
            return nil
        }
    }

    /// A writable overlay whose upper layer lives in an ext4 image on the volume.
    public struct OverlaySettings: Sendable, Hashable, Codable {
        /// What to do with an image that does not mount.
        public enum CorruptPolicy: String, Sendable, Hashable, Codable {
            /// Move it aside, report, and wait for a person.
            case stop
            /// Move it aside and make a fresh image.
            case recreate
        }

        /// Size of the sparse image.
        public var imageSize: ByteSize
        /// Lower directories, top first.
        public var lowerDirs: [String]
        /// The overlay's mount point.
        public var target: String
        /// The image's mount point.
        public var upperMount: String
        /// Further overlay options.
        public var mountOptions: [String]
        /// What to do with an image that does not mount.
        public var onCorrupt: CorruptPolicy

        /// Creates settings.
        public init(
            imageSize: ByteSize = .gibibytes(100), lowerDirs: [String], target: String = "/mnt/newroot",
            upperMount: String, mountOptions: [String] = [], onCorrupt: CorruptPolicy = .stop
        ) {
            self.imageSize = imageSize
            self.lowerDirs = lowerDirs
            self.target = target
            self.upperMount = upperMount
            self.mountOptions = mountOptions
            self.onCorrupt = onCorrupt
        }

        /// The image, as a path on the volume.
        public static let imagePath = "/active/root-upper.img"
        /// The upper directory inside the mounted image.
        public var upperDir: String { "\(upperMount)/upper" }
        /// The work directory inside the mounted image.
        public var workDir: String { "\(upperMount)/work" }

        /// The overlay's mount options, one `mount -o` word each.
        public var overlayOptionWords: [String] {
            ["lowerdir=\(lowerDirs.joined(separator: ":"))", "upperdir=\(upperDir)", "workdir=\(workDir)"] + mountOptions
        }

        /// The overlay's mount options as `mount -o` takes them. The spec refuses paths holding `,`, `:`, `\\` or a
        /// newline, which the option parsers would split or unescape.
        public var overlayOptions: String {
            overlayOptionWords.joined(separator: ",")
        }
    }

    /// Scheduled checkpoints and retention.
    public struct CheckpointSettings: Sendable, Hashable, Codable {
        /// When scheduled checkpoints are due; `nil`: none are taken.
        public var schedule: CheckpointSchedule?
        /// Retention; `nil`: nothing is pruned.
        public var retain: RetentionPolicy?
        /// How the sandbox is quiesced around the clone of `/active`; `nil`: it is not (each file is consistent,
        /// the tree is not one instant while it is written).
        public var quiesce: Quiesce?
        /// Scheduled checkpoints are durable: each is done only once its metadata is in the replica and no block it
        /// references is only staged on this host.
        public var durable = false

        /// Creates settings.
        public init(schedule: CheckpointSchedule? = nil, retain: RetentionPolicy? = nil, quiesce: Quiesce? = nil, durable: Bool = false) {
            self.schedule = schedule
            self.retain = retain
            self.quiesce = quiesce
            self.durable = durable
        }
    }

    /// `checkpoints.quiesce`: hooks run before and after, and cgroups frozen while `/active` is cloned, so that a
    /// checkpoint is the tree at one instant.
    public struct Quiesce: Sendable, Hashable, Codable {
        /// cgroup v1 freezer or cgroup v2 directories whose processes are frozen during the clone: absolute and
        /// normalised, each once, none of them `/sys/fs/cgroup` or above it.
        public var cgroups: [String]
        /// Commands (argv lists, the program an absolute path) run in order before the freeze; one that fails or
        /// times out fails the checkpoint.
        public var pre: [[String]]
        /// Commands run in order after the thaw, always: also after a failure.
        public var post: [[String]]
        /// How long one hook may run.
        public var hookTimeout: TimeSpan
        /// The longest the cgroups may stay frozen: a clone that would take longer is abandoned.
        public var maxFrozen: TimeSpan

        /// The default hook timeout.
        public static let defaultHookTimeout = TimeSpan.seconds(30)
        /// The default longest frozen window.
        public static let defaultMaxFrozen = TimeSpan.seconds(10)

        /// Creates settings.
        public init(
            cgroups: [String] = [], pre: [[String]] = [], post: [[String]] = [],
            hookTimeout: TimeSpan = Quiesce.defaultHookTimeout, maxFrozen: TimeSpan = Quiesce.defaultMaxFrozen
        ) {
            self.cgroups = cgroups
            self.pre = pre
            self.post = post
            self.hookTimeout = hookTimeout
            self.maxFrozen = maxFrozen
        }
    }

    /// Restore `/active` to a checkpoint, once per request id.
    public struct RestoreRequest: Sendable, Hashable, Codable {
        /// The checkpoint.
        public var checkpoint: String
        /// The request id.
        public var requestId: String
        /// Terminate the processes that use `/active` (SIGTERM, then SIGKILL after ``grace``) instead of refusing;
        /// `false` unless the spec says `terminateUsers: true`.
        public var terminateUsers: Bool
        /// How long terminated processes get between SIGTERM and SIGKILL.
        public var grace: TimeSpan

        /// The default grace between SIGTERM and SIGKILL.
        public static let defaultGrace = TimeSpan.seconds(10)

        /// Creates a request.
        public init(checkpoint: String, requestId: String, terminateUsers: Bool = false, grace: TimeSpan = RestoreRequest.defaultGrace) {
            self.checkpoint = checkpoint
            self.requestId = requestId
            self.terminateUsers = terminateUsers
            self.grace = grace
        }
    }

    /// A pause of all changes to a volume.
    public struct Suspension: Sendable, Hashable, Codable {
        /// Why, as the spec says.
        public var reason: String

        /// Creates a suspension.
        public init(reason: String) {
            self.reason = reason
        }
    }

    /// Where a spec came from.
    public struct Origin: Sendable, Hashable, Codable {
        /// The file, as named on the command line.
        public var file: String
        /// 0-based index of the document in the file.
        public var document: Int
        /// Where the document starts.
        public var location: SourceLocation
        /// A short digest of the document's content: which revision of the spec a status describes.
        public var revision: String
    }
}

extension VolumeSpec {
    /// juicectl's own files for this volume: lock, state, logs of its actions.
    public var stateDir: String { "\(baseDir)/.juicectl" }
    /// Written before `juicefs format` runs and removed once the format is verified: its presence after a crash
    /// tells the next run that the format was interrupted.
    public var formatIntentFile: String { "\(stateDir)/format-intent.json" }
    /// The Litestream configuration juicectl writes for this volume.
    public var litestreamConfigFile: String { "\(stateDir)/litestream.yml" }
    /// The running Litestream's pid and the hash of the configuration it was started with.
    public var litestreamPidFile: String { "\(stateDir)/litestream.pid" }
    /// Litestream's control socket (for `litestream sync`).
    public var litestreamSocket: String { "\(stateDir)/litestream.sock" }
    /// Written when juicectl stopped Litestream cleanly (after a final sync); removed when it starts it. Without it,
    /// a start after Litestream ran before takes a fresh snapshot first.
    public var litestreamCleanStopFile: String { "\(stateDir)/litestream.clean-stop" }
    /// Litestream's log.
    public var litestreamLogFile: String { "\(baseDir)/logs/litestream.log" }
    /// Written just before the overlay image's filesystem is frozen and removed once it is thawed: its presence
    /// tells the next run that a checkpoint was cut short while the filesystem was frozen.
    public var frozenMarkerFile: String { "\(stateDir)/overlay-frozen" }
    /// What juicectl froze for a checkpoint (the sandbox's cgroups), written before the first freeze and removed
    /// after the last thaw: its presence tells the next run (and the freeze watchdog) what is still to thaw.
    public var freezeRecordFile: String { "\(stateDir)/freeze.json" }
    /// Held (`flock`) by juicectl while it has anything frozen; its watchdog waits on it, so the lock's release by a
    /// dying juicectl is what makes the watchdog thaw.
    public var freezeLockFile: String { "\(stateDir)/freeze.lock" }
    /// The log file given to `juicefs mount --log`.
    public var mountLogFile: String { "\(baseDir)/logs/juicefs.log" }
    /// Directories juicectl keeps on the volume, from its root, parents first.
    public var volumeDirectories: [String] { ["/active", "/active/fs", "/checkpoints"] }

    /// Every directory the volume must have: its layout, then each quota path with its parents; parents first,
    /// each once.
    public var requiredDirectories: [String] {
        var paths: [String] = []
        for path in volumeDirectories + quotas.flatMap({ HostPath.selfAndAncestors($0.path) }) where !paths.contains(path) {
            paths.append(path)
        }
        return paths
    }
}
