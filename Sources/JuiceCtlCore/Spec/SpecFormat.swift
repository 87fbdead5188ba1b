/// The spec format, version 1, as a ``SchemaObject``: the single source for validation and `juicectl schema`.
public enum SpecFormat {
    /// The only format version this build reads.
    public static let currentVersion: Int64 = 1

    /// Volume names follow JuiceFS: 3 to 63 of `a-z`, `0-9` and `-`, starting and ending with a letter or digit
    /// (juicefs 1.4.2 rejects a trailing `-` at format time, so the spec does too).
    public static let volumeNamePattern = "^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"

    /// The top-level mapping of one document.
    public static let document = SchemaObject(
        "One JuiceFS volume and the state juicectl keeps it in.",
        [
            SchemaField(
                "version", .integer(minimum: 1, maximum: 1), required: true,
                "Spec format version. Only 1 exists."),
            SchemaField(
                "name",
                .string(
                    StringRule(
                        pattern: volumeNamePattern,
                        expected: "a volume name: 3 to 63 of a-z, 0-9 and -, starting and ending with a letter or digit")),
                required: true, "The JuiceFS volume name."),
            SchemaField(
                "baseDir", .string(.absolutePath), required: true,
                """
                Directory that holds everything of this volume on the host: metadata, objects, cache, logs, mount point and \
                juicectl's own state.
                """
            ),
            SchemaField("storage", .object(storage), "Where the volume's data objects live. Default: local files under <baseDir>/objects."),
            SchemaField("metadata", .object(metadata), "The metadata engine. Default: SQLite at <baseDir>/metadata.db."),
            SchemaField(
                "format", .object(format),
                "Format-time settings. Immutable once the volume exists: a change is reported as a conflict, never applied by reformatting."
            ),
            SchemaField("mount", .object(mount), "How and where the volume is mounted on this host."),
            SchemaField(
                "quotas", .array(.object(quota), minItems: nil),
                "Directory quotas. Absent: 10TiB on /active/fs. An empty list: no quotas."),
            SchemaField(
                "overlay", .object(overlay),
                """
                A writable overlay for a container root: lower directories plus an upper layer in a sparse ext4 image kept on the \
                volume at /active/root-upper.img.
                """
            ),
            SchemaField(
                "backup", .object(backup),
                """
                Litestream replication of the SQLite metadata, to a directory on this host or to an S3-compatible bucket. Default: \
                on, to a file replica at <baseDir>/replica.
                """
            ),
            SchemaField("checkpoints", .object(checkpoints), "Scheduled checkpoints and their retention."),
            SchemaField(
                "restore", .object(restore),
                "Declarative restore: /active becomes the checkpoint once per requestId (the applied ids are recorded on the volume)."),
            SchemaField(
                "suspend", .object(suspend),
                "Pause changes to this volume: apply and run still observe it and report drift, but change nothing."),
        ])

    static let suspend = SchemaObject(
        "A pause, with why.",
        [
            SchemaField(
                "reason", .string(StringRule(minLength: 1, maxLength: 1024, expected: "why the volume is suspended")), required: true,
                "Why changes are paused; shown by status, plan, apply and run.")
        ])

    static let storage = SchemaObject(
        "Object storage.",
        [
            SchemaField(
                "type", .string(StringRule(allowed: ["local", "s3"])),
                """
                local (default): files in a directory on this host. s3: a bucket of an S3-compatible object store (AWS S3, MinIO, \
                Ceph RGW, ...), named by bucket.
                """
            ),
            SchemaField(
                "path", .string(.absolutePath), "For type local only: the directory that holds the objects. Default: <baseDir>/objects."),
            SchemaField(
                "bucket",
                .string(
                    StringRule(pattern: BucketURL.pattern, expected: "a bucket URL: http(s)://HOST[:PORT]/BUCKET", semantic: .bucketURL)),
                """
                For type s3, and required there: the bucket as a path-style URL, http(s)://HOST[:PORT]/BUCKET, e.g. \
                https://s3.eu-west-1.amazonaws.com/my-bucket or http://127.0.0.1:9000/my-bucket. The volume's objects go under \
                BUCKET/<name>/. No credentials in the URL: give them as accessKey and secretKey.
                """
            ),
            SchemaField(
                "accessKey", .object(secret),
                """
                For type s3: where the access key is read from, {env: NAME} or {file: /absolute/path}, never the key itself. Give \
                accessKey and secretKey together, or neither: then juicefs uses the credentials of its environment (e.g. an instance \
                role).
                """
            ),
            SchemaField(
                "secretKey", .object(secret),
                """
                For type s3: where the secret key is read from, {env: NAME} or {file: /absolute/path}, never the key itself. Give \
                accessKey and secretKey together, or neither.
                """
            ),
        ])

    static let metadata = SchemaObject(
        "Metadata engine.",
        [
            SchemaField(
                "url",
                .string(
                    StringRule(
                        pattern: MetadataURL.pattern, expected: "a sqlite3:///, redis://, rediss:// or postgres:// URL",
                        semantic: .metadataURL)),
                """
                Metadata engine URL, without a password. Default: sqlite3://<baseDir>/metadata.db; juicectl adds WAL mode and a busy \
                timeout to SQLite URLs. Also redis://[USER@]HOST[:PORT][/DB] (database 0 by default), rediss:// for Redis over TLS, \
                and postgres://[USER@]HOST[:PORT]/DATABASE[?sslmode=disable]. Two volumes never share a database. Litestream backup \
                is for SQLite only.
                """
            ),
            SchemaField(
                "password", .object(secret),
                """
                For redis, rediss and postgres URLs: where the password is read from, {env: NAME} or {file: /absolute/path}, never \
                the password itself. Not for SQLite.
                """
            ),
        ])

    /// A reference to a secret: where juicectl reads it, never the secret itself.
    static let secret = SchemaObject(
        "Where a secret is read from: exactly one of env and file. A plain string (an inline secret) is refused.",
        [
            SchemaField(
                "env",
                .string(
                    StringRule(
                        pattern: VolumeSpec.SecretSource.environmentNamePattern,
                        expected: "an environment variable name: letters, digits and _, not starting with a digit")),
                "The environment variable of the juicectl process that holds the secret, e.g. S3_SECRET_KEY."),
            SchemaField(
                "file", .string(.absolutePath),
                """
                The file that holds the secret, as an absolute path, e.g. /etc/juicectl/secrets/s3-secret-key: one line (a trailing \
                newline is not part of the secret). Keep it readable by root only.
                """
            ),
        ],
        requiresOneOf: .init(["env", "file"], message: "a secret reference names exactly one of env and file"),
        isSecretReference: true)

    static let format = SchemaObject(
        "Settings fixed when the volume is formatted.",
        [
            SchemaField(
                "blockSize", .string(.size.bounded(by: blockSize)),
                "Object block size, 64KiB to 16MiB. Default: 4MiB (JuiceFS's default)."),
            SchemaField("compression", .string(StringRule(allowed: ["none", "lz4", "zstd"])), "Block compression. Default: none."),
            SchemaField("trashDays", .integer(minimum: 0, maximum: 36500), "Days deleted files stay in the trash. Default: 7."),
        ])

    static let mount = SchemaObject(
        "The FUSE mount on this host.",
        [
            SchemaField("path", .string(.absolutePath), "Mount point. Default: <baseDir>/data."),
            SchemaField("cacheDir", .string(.absolutePath), "Block cache directory. Default: <baseDir>/cache."),
            SchemaField(
                "cacheSize", .string(.size.bounded(by: cacheSize)),
                "Block cache size, a whole number of MiB. Default: 100GiB (JuiceFS's default)."),
            SchemaField("writeback", .boolean, "Upload objects in the background after a write returns. Default: false."),
            SchemaField("uploadDelay", .string(.duration), "With writeback, how long to keep a block local before uploading. Default: 0s."),
            SchemaField(
                "allowOther", .boolean,
                """
                Whether users other than root may enter the mount (FUSE's allow_other). Default: true, and only true is \
                accepted: juicefs 1.4 sets allow_other whenever it runs as root. Keep the mount point in a directory only \
                root can enter (the default <baseDir>/data is) to keep other users out.
                """),
            SchemaField(
                "suid", .boolean,
                """
                Whether set-user-ID and set-group-ID bits of files on the volume take effect, on the FUSE mount and on the \
                overlay image's loop mount. Default: false (both are mounted nosuid).
                """),
            SchemaField(
                "dev", .boolean,
                """
                Whether device files on the volume open devices, on the FUSE mount and on the overlay image's loop mount. \
                Default: false (both are mounted nodev).
                """),
            SchemaField(
                "options", .object(mountOptions),
                """
                Further `juicefs mount` flags, by long name without dashes, e.g. heartbeat: 2s. The words allow_other, allow_root, \
                suid, nosuid, dev and nodev of o are decided by allowOther, suid and dev.
                """
            ),
        ])

    static let backup = SchemaObject(
        "Metadata backup with Litestream (SQLite metadata only), to a directory on this host or to an S3-compatible bucket.",
        [
            SchemaField("enabled", .boolean, "Whether the metadata is replicated. Default: true for SQLite metadata."),
            SchemaField("replica", .object(replica), "Where the replica lives: one location per database, never shared."),
            SchemaField(
                "syncInterval", .string(.duration.bounded(by: backupInterval)),
                "How often new WAL frames are shipped to the replica. Default: 1s."),
            SchemaField(
                "snapshotInterval", .string(.duration.bounded(by: backupInterval)), "How often a full snapshot is written. Default: 1h."),
            SchemaField("retention", .string(.duration.bounded(by: backupInterval)), "How long snapshots are kept. Default: 24h."),
        ])

    static let replica = SchemaObject(
        "A Litestream replica: a directory on this host (type file) or a prefix in an S3-compatible bucket (type s3).",
        [
            SchemaField(
                "type", .string(StringRule(allowed: ["file", "s3"])),
                """
                file (default): a directory on this host, named by path. s3: a key prefix in a bucket of an S3-compatible object \
                store (AWS S3, MinIO, ...), named by bucket and prefix.
                """
            ),
            SchemaField("path", .string(.absolutePath), "For type file only: the replica directory. Default: <baseDir>/replica."),
            SchemaField(
                "bucket",
                .string(
                    StringRule(pattern: BucketURL.pattern, expected: "a bucket URL: http(s)://HOST[:PORT]/BUCKET", semantic: .bucketURL)),
                """
                For type s3, and required there: the bucket as a path-style URL, http(s)://HOST[:PORT]/BUCKET, e.g. \
                https://s3.eu-west-1.amazonaws.com/my-backups or http://127.0.0.1:9000/backups. No credentials in the URL: give them \
                as accessKey and secretKey.
                """
            ),
            SchemaField(
                "prefix",
                .string(
                    StringRule(
                        pattern: S3ReplicaRules.prefixPattern, minLength: 1, maxLength: S3ReplicaRules.maxPrefixLength,
                        expected:
                            "a key prefix: segments of A-Z a-z 0-9 . _ - separated by single /, no / at either end, no . or .. segment",
                        semantic: .keyPrefix)),
                """
                For type s3 only: the key prefix in the bucket Litestream writes under, without a leading or trailing /, e.g. \
                volumes/demo. Default: juicefs-metadata/<name>, beside the <name>/ prefix where JuiceFS keeps the volume's objects \
                when storage uses the same bucket (a prefix inside it is refused). Two volumes' replicas never share or nest prefixes \
                in one bucket.
                """
            ),
            SchemaField(
                "region",
                .string(
                    StringRule(pattern: S3ReplicaRules.regionPattern, expected: "a region such as us-east-1: 1 to 64 of a-z, 0-9 and -")),
                "For type s3 only: the region Litestream signs its requests for. Default: us-east-1 (also MinIO's default)."),
            SchemaField(
                "accessKey", .object(secret),
                """
                For type s3 only: where the access key is read from, {env: NAME} or {file: /absolute/path}, never the key itself. \
                Give accessKey and secretKey together, or neither: then Litestream uses the credentials of its environment (e.g. an \
                instance role).
                """
            ),
            SchemaField(
                "secretKey", .object(secret),
                """
                For type s3 only: where the secret key is read from, {env: NAME} or {file: /absolute/path}, never the key itself. \
                Give accessKey and secretKey together, or neither.
                """
            ),
        ])

    static let overlay = SchemaObject(
        "The overlay filesystem.",
        [
            SchemaField("enabled", .boolean, "Whether the overlay is wanted. Default: true when the section is present."),
            SchemaField(
                "imageSize", .string(.size.bounded(by: imageSize)),
                """
                Size of the sparse ext4 image holding the upper layer, at least 64MiB. Default: 100GiB. It counts at full size in \
                JuiceFS usage and in any quota above /active/root-upper.img, and so does each checkpoint's clone of it.
                """
            ),
            SchemaField(
                "lowerDirs", .array(.string(.absolutePath), minItems: 1), required: true,
                "Lower directories, top first. They must exist when apply runs."),
            SchemaField(
                "target", .string(.absolutePath), "Where the overlay is mounted; outside the JuiceFS mount. Default: /mnt/newroot."),
            SchemaField("upperMount", .string(.absolutePath), "Where the image is loop-mounted. Default: <mount.path>/root-upper."),
            SchemaField(
                "mountOptions",
                .array(.string(StringRule(minLength: 1, expected: "an overlay mount option such as index=off")), minItems: nil),
                "Further overlay mount options (lowerdir, upperdir and workdir are juicectl's)."),
            SchemaField(
                "onCorrupt", .string(StringRule(allowed: ["stop", "recreate"])),
                """
                When the image does not mount: it is always moved aside (never deleted); `stop` (default) reports and waits, \
                `recreate` also makes a fresh image.
                """
            ),
        ])

    static let checkpoints = SchemaObject(
        "Scheduled checkpoints (UTC) and retention.",
        [
            SchemaField(
                "schedule",
                .string(StringRule(minLength: 1, expected: "a schedule: @every 15m, @hourly, @daily, @weekly, @monthly or 5 cron fields")),
                """
                When to take a scheduled checkpoint, in UTC: `@every 15m`, `@hourly`, `@daily`, `@weekly`, `@monthly`, or a 5-field \
                cron expression. A missed slot is taken once.
                """
            ),
            SchemaField("retain", .object(retain), "Which checkpoints to keep; without it nothing is ever pruned."),
            SchemaField(
                "quiesce", .object(quiesce),
                """
                Make each checkpoint the tree at one instant: hooks run before and after, and the sandbox's cgroups are \
                frozen while /active is cloned. Default: none (each file is consistent, the tree as a whole is not one \
                instant while it is written).
                """),
            SchemaField(
                "durable", .boolean,
                """
                Scheduled checkpoints are durable: each is done only once the metadata it is made of is in the Litestream \
                replica and no block it references is only staged on this host (writeback), so that it survives the loss \
                of the host. Default: false (`checkpoint create --durable` asks for one checkpoint).
                """),
        ])

    static let retain = SchemaObject(
        "Retention, in the restic/borg manner. The newest checkpoint is always kept.",
        [
            SchemaField("last", .integer(minimum: 0, maximum: 100_000), "Keep the newest N."),
            SchemaField("hourly", .integer(minimum: 0, maximum: 100_000), "Keep the newest in each of the last N hours that have one."),
            SchemaField("daily", .integer(minimum: 0, maximum: 100_000), "Keep the newest in each of the last N days that have one."),
            SchemaField("weekly", .integer(minimum: 0, maximum: 100_000), "Keep the newest in each of the last N ISO weeks that have one."),
            SchemaField("monthly", .integer(minimum: 0, maximum: 100_000), "Keep the newest in each of the last N months that have one."),
            SchemaField("pruneManual", .boolean, "Let retention remove manual checkpoints too. Default: false."),
            SchemaField("prunePinned", .boolean, "Let retention remove pinned checkpoints too. Default: false."),
        ],
        requiresAnyOf: .init(
            ["last", "hourly", "daily", "weekly", "monthly"],
            message: "retain needs at least one of last, hourly, daily, weekly, monthly"))

    static let restore = SchemaObject(
        "A restore request.",
        [
            SchemaField(
                "checkpoint", .string(StringRule(pattern: CheckpointName.pattern, expected: "a checkpoint name")),
                required: true, "The checkpoint /active becomes."),
            SchemaField(
                "requestId",
                .string(
                    StringRule(pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$", expected: "a request id: 1 to 128 of A-Z a-z 0-9 . _ : -")),
                required: true, "Identifies this request: a restore runs once per id. Change it to restore again."),
            SchemaField(
                "terminateUsers", .boolean,
                """
                What happens when processes use /active: false (default) refuses the restore; true terminates them \
                (SIGTERM, then SIGKILL after grace) and restores.
                """),
            SchemaField(
                "grace", .string(.duration.bounded(by: .duration(RestoreRules.grace))),
                """
                With terminateUsers, the time between SIGTERM and SIGKILL, \(RestoreRules.grace.lowerBound) to \
                \(RestoreRules.grace.upperBound). Default: \(VolumeSpec.RestoreRequest.defaultGrace).
                """),
        ])

    static let quota = SchemaObject(
        "A directory quota.",
        [
            SchemaField(
                "path",
                .string(StringRule(pattern: "^/", minLength: 1, maxLength: 4096, expected: "a path inside the volume, starting with /")),
                required: true, "Directory inside the volume, from its root, e.g. /active/fs. Created when missing."),
            SchemaField("capacity", .string(.size.bounded(by: quotaCapacity)), "Space limit. At least one of capacity and inodes."),
            SchemaField(
                "inodes", .integer(minimum: 1, maximum: Int64.max), "Limit on files and directories. At least one of capacity and inodes."),
        ], requiresAnyOf: .init(["capacity", "inodes"], message: "a quota needs capacity, inodes or both"))

    /// `mount.options`: the `juicefs mount` flags a spec may set, plus those juicectl manages (rejected with a hint).
    static let mountOptions = SchemaObject(
        "Extra juicefs mount flags.",
        MountFlag.all.filter { $0.managedBy == nil }.map { SchemaField($0.name, $0.valueType, $0.summary) },
        rejected: Dictionary(uniqueKeysWithValues: MountFlag.all.compactMap { flag in flag.managedBy.map { (flag.name, $0) } }))
}
