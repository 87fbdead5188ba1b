/// A `juicefs mount` flag (JuiceFS 1.4) as juicectl knows it: whether a spec may set it, and what changing it on a
/// live mount costs.
public struct MountFlag: Sendable, Hashable {
    /// How a changed flag reaches a live mount.
    public enum ChangeClass: String, Sendable, Hashable, Codable {
        /// Re-running `juicefs mount` on the same path hands the FUSE session to a new client (graceful restart);
        /// open files stay open.
        case hot
        /// A FUSE-level option: a graceful restart would stack a second mount, so the volume must be unmounted and
        /// mounted again, which fails while files are open.
        case requiresUnmount
    }

    /// Long name without dashes; `o` is FUSE's `-o`.
    public var name: String
    /// How a change reaches a live mount.
    public var changeClass: ChangeClass
    /// The kind of value.
    public var valueType: SchemaType
    /// One line of help.
    public var summary: String
    /// For flags juicectl sets itself: where in the spec to say it instead.
    public var managedBy: String?

    init(_ name: String, _ valueType: SchemaType, _ summary: String, _ changeClass: ChangeClass = .hot, managedBy: String? = nil) {
        self.name = name
        self.valueType = valueType
        self.summary = summary
        self.changeClass = changeClass
        self.managedBy = managedBy
    }

    public static func == (lhs: MountFlag, rhs: MountFlag) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// The flag named `name`, managed or not.
    public static func named(_ name: String) -> MountFlag? { all.first { $0.name == name } }

    private static let text = SchemaType.scalar
    private static let flag = SchemaType.boolean

    /// Every flag juicectl knows. Flags it manages carry `managedBy` and are rejected in `mount.options`.
    public static let all: [MountFlag] = [
        MountFlag("o", .string(.any), "FUSE mount options, comma-separated (e.g. writeback_cache).", .requiresUnmount),
        MountFlag("enable-xattr", flag, "Enable extended attributes.", .requiresUnmount),
        MountFlag("enable-cap", flag, "Enable security.capability xattr.", .requiresUnmount),
        MountFlag("enable-selinux", flag, "Enable security.selinux xattr.", .requiresUnmount),
        MountFlag("enable-ioctl", flag, "Enable ioctl (GETFLAGS/SETFLAGS only).", .requiresUnmount),
        MountFlag("max-fuse-io", text, "Maximum size of one FUSE request.", .requiresUnmount),
        MountFlag("attr-cache", text, "Attribute cache timeout (e.g. 1s)."),
        MountFlag("entry-cache", text, "File entry cache timeout."),
        MountFlag("dir-entry-cache", text, "Directory entry cache timeout."),
        MountFlag("negative-entry-cache", text, "Negative lookup cache timeout."),
        MountFlag("readdir-cache", flag, "Cache readdir results in the kernel."),
        MountFlag("open-cache", text, "Open file attribute cache timeout."),
        MountFlag("open-cache-limit", text, "Maximum cached open files."),
        MountFlag("heartbeat", text, "Session heartbeat interval (e.g. 2s); quota changes reach the mount at the next one."),
        MountFlag("atime-mode", .string(StringRule(allowed: ["noatime", "relatime", "strictatime"])), "When to update atime."),
        MountFlag("skip-dir-nlink", text, "Retries to update a directory's nlink before skipping it."),
        MountFlag("skip-dir-mtime", text, "Skip updating a directory's mtime within this interval."),
        MountFlag("sort-dir", flag, "Sort directory entries."),
        MountFlag("fast-statfs", flag, "Answer statfs from local counters (faster, less exact)."),
        MountFlag("network-interfaces", text, "Network interfaces used to report the session IP."),
        MountFlag("io-retries", text, "Retries of a network failure before an I/O error."),
        MountFlag("max-deletes", text, "Threads that delete objects."),
        MountFlag("max-uploads", text, "Concurrent uploads."),
        MountFlag("max-downloads", text, "Concurrent downloads."),
        MountFlag("max-stage-write", text, "Concurrent writes of staging blocks."),
        MountFlag("buffer-size", text, "Read/write buffer size in MiB."),
        MountFlag("prefetch", text, "Blocks prefetched concurrently."),
        MountFlag("max-readahead", text, "Maximum readahead in MiB."),
        MountFlag("upload-limit", text, "Upload bandwidth limit in Mbps."),
        MountFlag("download-limit", text, "Download bandwidth limit in Mbps."),
        MountFlag("upload-hours", text, "Hours when writeback uploads run (e.g. 22,6)."),
        MountFlag("get-timeout", text, "Timeout of one object download."),
        MountFlag("put-timeout", text, "Timeout of one object upload."),
        MountFlag("storage-class", text, "Storage class of new objects."),
        MountFlag("writeback-threshold-size", text, "Files above this size are uploaded directly."),
        MountFlag("cache-mode", text, "File mode of cached blocks (e.g. 0600)."),
        MountFlag("cache-items", text, "Maximum number of cached blocks."),
        MountFlag("cache-eviction", .string(StringRule(allowed: ["2-random", "none"])), "Cache eviction policy."),
        MountFlag("cache-expire", text, "Evict cached blocks unused for this long."),
        MountFlag("cache-scan-interval", text, "Interval between cache scans."),
        MountFlag("cache-large-write", flag, "Cache blocks of large writes."),
        MountFlag("cache-partial-only", flag, "Cache only small or partial blocks."),
        MountFlag(
            "verify-cache-checksum", .string(StringRule(allowed: ["none", "full", "shrink", "extend"])), "Cache checksum verification."),
        MountFlag("free-space-ratio", text, "Minimum free space ratio of the cache disk."),
        MountFlag("check-storage", flag, "Test the object storage before mounting."),
        MountFlag("backup-meta", text, "Interval of JuiceFS's own metadata backup (0 disables)."),
        MountFlag("backup-skip-trash", flag, "Leave the trash out of metadata backups."),
        MountFlag("no-bgjob", flag, "Run no background jobs (cleanup, backup, trash)."),
        MountFlag("metrics", text, "Address of the Prometheus metrics endpoint (e.g. 127.0.0.1:9567)."),
        MountFlag("custom-labels", text, "Custom Prometheus labels (key:value;key:value)."),
        MountFlag("no-syslog", flag, "Do not log to syslog."),
        MountFlag("umask", text, "Umask for new files and directories (octal)."),
        MountFlag("root-squash", text, "Map root to this UID:GID."),
        MountFlag("all-squash", text, "Map every user to this UID:GID."),
        MountFlag("disable-transparent-hugepage", flag, "Disable transparent huge pages for the client."),
        MountFlag("tag", text, "Tag of this client for the cache group."),
        // Managed by juicectl, or not supported because juicectl depends on their default.
        MountFlag("background", flag, "", managedBy: "juicectl always mounts in the background and verifies readiness"),
        MountFlag("d", flag, "", managedBy: "juicectl always mounts in the background and verifies readiness"),
        MountFlag("log", text, "", managedBy: "juicectl logs the mount to <baseDir>/logs/juicefs.log"),
        MountFlag("cache-dir", text, "", managedBy: "set mount.cacheDir instead"),
        MountFlag("cache-size", text, "", managedBy: "set mount.cacheSize instead"),
        MountFlag("writeback", flag, "", managedBy: "set mount.writeback instead"),
        MountFlag("upload-delay", text, "", managedBy: "set mount.uploadDelay instead"),
        MountFlag("no-usage-report", flag, "", managedBy: "juicectl always disables usage reports"),
        MountFlag("update-fstab", flag, "", managedBy: "juicectl keeps the mount converged itself; fstab entries are not supported"),
        MountFlag("force", flag, "", managedBy: "juicectl decides when a mount is taken over"),
        MountFlag("read-only", flag, "", managedBy: "read-only mounts are not supported: juicectl creates directories and quotas"),
        MountFlag("subdir", text, "", managedBy: "mounting a sub-directory is not supported: juicectl manages the volume root layout"),
        MountFlag("hide-internal", flag, "", managedBy: "juicectl reads the mount's .config file to observe it"),
        MountFlag("prefix-internal", flag, "", managedBy: "juicectl reads the mount's .config file to observe it"),
        MountFlag("storage", text, "", managedBy: "set storage.type instead"),
        MountFlag("bucket", text, "", managedBy: "set storage.path instead"),
        MountFlag("consul", text, "", managedBy: "not supported"),
    ]
}
