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
