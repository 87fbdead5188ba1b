import Testing

/// One small spec and how both validators must judge it: check-jsonschema with the published schema, and the tool
/// (``SpecLoader``).
struct AgreementRow: Sendable, CustomTestStringConvertible {
    /// What the row shows, as a sentence.
    var label: String
    /// The documents, one file each. Several only where a rule spans files (the tool loads them together).
    var documents: [String]
    /// check-jsonschema's verdict on every file of the row.
    var schema: CheckJSONSchema.Verdict
    /// Whether the tool loads the row without errors.
    var tool: ToolVerdict
    /// Where the rejection is, as the tool's diagnostic path (`mount.writeback`, `quotas[0]`; empty for the whole
    /// document). The tool must report an error at exactly this path; check-jsonschema at this path or one of its
    /// parents (it reports an unknown or missing key at the mapping that holds it).
    var at: String?
    /// Set where only the tool can check the rule: why the schema cannot express it. Only these rows may have the
    /// schema accept what the tool rejects; no row may have the schema reject what the tool accepts.
    var toolStricter: String?

    enum ToolVerdict: String, Sendable, CustomStringConvertible {
        case accepts, rejects
        var description: String { rawValue }
    }

    var testDescription: String { label }

    /// A row of one document: the minimal valid document followed by `extra` (top-level keys).
    static func extending(
        _ label: String, _ extra: String, schema: CheckJSONSchema.Verdict, tool: ToolVerdict,
        at: String? = nil, toolStricter: String? = nil
    ) -> AgreementRow {
        AgreementRow(
            label: label, documents: [AgreementTable.minimal + extra + "\n"], schema: schema, tool: tool,
            at: at, toolStricter: toolStricter)
    }

    /// A row of one document, written out in full.
    static func document(
        _ label: String, _ text: String, schema: CheckJSONSchema.Verdict, tool: ToolVerdict,
        at: String? = nil, toolStricter: String? = nil
    ) -> AgreementRow {
        AgreementRow(label: label, documents: [text + "\n"], schema: schema, tool: tool, at: at, toolStricter: toolStricter)
    }
}

/// The table of documents the published schema and the tool must judge alike.
enum AgreementTable {
    /// The smallest valid document: the required keys.
    static let minimal = """
        version: 1
        name: demo-volume
        baseDir: /srv/juicectl/demo

        """

    /// A path over the schema's `maxLength` (4096) in code points, which JSON Schema counts, but not in Swift
    /// characters: every "é" is `e` + U+0301 COMBINING ACUTE ACCENT, one character of two code points.
    static let combiningPath = "/srv/" + String(repeating: "e\u{301}", count: 2100)

    // Reasons for the rows only the tool can judge.
    static let crossKey = "a rule across keys: JSON Schema cannot compare one value with another"
    static let dotDot =
        """
        path normalisation ('.' and '..' components) is the tool's: a pattern that excludes them would reject valid names such as \
        '..cache'
        """
    static let wholeBytes = "the arithmetic of a size (whole bytes, whole MiB) is not a pattern"
    static let sizeRange = "the range of a size (64KiB to 16MiB, above 0, below 2^63 bytes) is not a pattern"
    static let crossDocument = "a rule across documents: JSON Schema validates one document at a time"
    static let scheduleSyntax =
        """
        schedules (@every, the @ aliases and 5 cron fields with lists, ranges, steps and names) are parsed by the tool: the schema \
        only asks for a non-empty string
        """
    static let retainKeepsNothing =
        """
        a retain whose rules are all 0 keeps nothing: the schema's anyOf can ask that a rule key be present, not that one of them be \
        above 0
        """
    static let ownOverlayOptions =
        """
        lowerdir, upperdir and workdir are juicectl's and refused with a hint: excluding words from a string takes a lookahead, \
        outside the regular-expression subset JSON Schema recommends for interoperable patterns
        """
    static let urlSecrets =
        """
        a password in a URL (user:password@, ?password=) is found and redacted by the tool: excluding it by pattern takes a \
        lookahead, outside the regular-expression subset JSON Schema recommends
        """
    static let portRange = "the range of a port (1 to 65535) is arithmetic, not a pattern"
    static let durationMinimum = "the minimum of a duration (1s, whatever its units) is arithmetic, not a pattern"
    static let durationRange = "the range of a duration (such as 1s to 1h, whatever its units) is arithmetic, not a pattern"
    static let cgroupRoot = """
        the cgroup root and the directories above it are refused after normalisation (/sys/fs/cgroup/ and \
        //sys/fs/cgroup are the root too): a pattern cannot normalise a path
        """
    static let sameCgroup = """
        a cgroup listed twice is found after normalisation (/a and /a/ are one cgroup): uniqueItems compares the \
        strings as written
        """
    static let hookProgram = """
        the spec format gives every word of a command one type, so the rule for the program, the first word (an \
        absolute, normalised path), is the tool's
        """
    static let nulInWord = "a NUL character is refused by the tool, in the words of a hook as in paths: the schema leaves words free-form"

    /// `checkpoints.quiesce` holding `body`, whose lines are indented to sit inside it.
    static func quiesce(_ body: String) -> String {
        "checkpoints:\n  quiesce:\n    " + body.replacing("\n", with: "\n    ")
    }

    /// A restore of checkpoint v1 as request r1, with `extra` (further keys of restore, one a line).
    static func restoreV1(_ extra: String) -> String {
        "restore:\n  checkpoint: v1\n  requestId: r1\n  " + extra.replacing("\n", with: "\n  ")
    }

    static let jsonNumbers =
        """
        JSON Schema's data model has one kind of number, so 7.0 is an integer to it; YAML 1.2 types 7.0 as a float, which the tool \
        rejects where an integer is due
        """

    static let rows: [AgreementRow] = [
        // MARK: Valid documents
        .document("a document with only the required keys is valid", minimal, schema: .accepts, tool: .accepts),
        .document(
            "a document with every key of every section is valid",
            """
            version: 1
            name: full-volume
            baseDir: /srv/juicectl/full
            storage:
              type: local
              path: /srv/juicectl/full/objects
            metadata:
              url: sqlite3:///srv/juicectl/full/metadata.db?_busy_timeout=9000
            format:
              blockSize: 4MiB
              compression: zstd
              trashDays: 7
            mount:
              path: /srv/juicectl/full/data
              cacheDir: /srv/juicectl/full/cache
              cacheSize: 1.5GiB
              writeback: true
              uploadDelay: 1h30m
              options:
                heartbeat: 12s
                enable-xattr: true
                max-uploads: 40
                atime-mode: relatime
                o: allow_other
            quotas:
              - path: /active/fs
                capacity: 10 TiB
                inodes: 1000000
            backup:
              enabled: true
              replica:
                type: file
                path: /srv/juicectl/full/replica
              syncInterval: 1s
              snapshotInterval: 1h
              retention: 24h
            checkpoints:
              schedule: "@every 15m"
              retain:
                last: 3
                hourly: 24
                daily: 7
                weekly: 4
                monthly: 12
                pruneManual: true
                prunePinned: false
              quiesce:
                cgroups: [/sys/fs/cgroup/freezer/sandbox-1]
                pre: [["/usr/local/bin/app-flush", "--fast"]]
                post: [["/usr/local/bin/app-resume"]]
                hookTimeout: 30s
                maxFrozen: 10s
              durable: true
            restore:
              checkpoint: before-upgrade
              requestId: change-4711
              terminateUsers: true
              grace: 10s
            suspend:
              reason: storage migration, ticket 4711
            """, schema: .accepts, tool: .accepts),
        .extending("an empty quota list means no quotas", "quotas: []", schema: .accepts, tool: .accepts),
        .extending(
            "a quota with inodes only is valid", "quotas:\n  - path: /active/fs\n    inodes: 5000", schema: .accepts, tool: .accepts),
        .extending("True is a boolean in YAML 1.2 too", "mount:\n  writeback: True", schema: .accepts, tool: .accepts),
        .extending(
            "allowOther, suid and dev are booleans", "mount:\n  allowOther: true\n  suid: true\n  dev: false",
            schema: .accepts, tool: .accepts),
        .extending("suid as a string is refused by both", "mount:\n  suid: \"yes\"", schema: .rejects, tool: .rejects, at: "mount.suid"),
        .extending(
            "allowOther: false is refused by the tool", "mount:\n  allowOther: false", schema: .accepts, tool: .rejects,
            at: "mount.allowOther", toolStricter: "juicefs 1.4 sets allow_other as root: a fact of the program, not of the document's shape"
        ),
        .extending(
            "a comma in a lower directory is refused by the tool", "overlay:\n  lowerDirs: [\"/srv/a,b\"]", schema: .accepts,
            tool: .rejects,
            at: "overlay.lowerDirs[0]",
            toolStricter: "which characters mount's option parsers split is kept in one place, the tool's path rules"),
        .extending("a hexadecimal 1 is version 1", "", schema: .accepts, tool: .accepts)
            .replacingFirst("version: 1", with: "version: 0x1"),
        .extending("uploadDelay without writeback is only a warning", "mount:\n  uploadDelay: 5s", schema: .accepts, tool: .accepts),
        .extending("a quoted zero is a duration", "mount:\n  uploadDelay: \"0\"", schema: .accepts, tool: .accepts),
        .extending(
            "a free-form mount option takes a string, an integer or a boolean",
            "mount:\n  options:\n    cache-mode: 0600\n    upload-hours: \"22,6\"\n    tag: yes", schema: .accepts, tool: .accepts),
        .extending("trashDays may be 0 and 36500", "format:\n  trashDays: 36500", schema: .accepts, tool: .accepts),
        .extending("a suspension with a reason is valid", "suspend:\n  reason: maintenance", schema: .accepts, tool: .accepts),
        .extending(
            "a suspension reason of 1024 characters is valid", "suspend:\n  reason: \(String(repeating: "r", count: 1024))",
            schema: .accepts, tool: .accepts),
        .extending(
            "S3 storage with keys from the environment and a file is valid",
            """
            storage:\n  type: s3\n  bucket: http://127.0.0.1:19000/mybucket\n  accessKey: {env: S3_ACCESS_KEY}\n  secretKey: {file: \
            /etc/juicectl/s3-secret}
            """,
            schema: .accepts, tool: .accepts),
        .extending(
            "S3 storage without keys uses the ambient credentials",
            "storage:\n  type: s3\n  bucket: https://s3.eu-west-1.amazonaws.com/my-bucket/",
            schema: .accepts, tool: .accepts),
        .extending(
            "a bucket URL may name an IPv6 host and a port", "storage:\n  type: s3\n  bucket: \"http://[::1]:9000/b\"",
            schema: .accepts, tool: .accepts),
        .extending(
            "Redis metadata with a password from the environment is valid",
            "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {env: REDIS_PASSWORD}", schema: .accepts, tool: .accepts),
        .extending(
            "Redis over TLS without a database number is valid", "metadata:\n  url: rediss://redis.example.com:6380", schema: .accepts,
            tool: .accepts),
        .extending(
            "a Redis URL may name a user without a password", "metadata:\n  url: redis://default@10.0.0.5/2", schema: .accepts,
            tool: .accepts),
        .extending(
            "PostgreSQL metadata with a user, parameters and a password file is valid",
            "metadata:\n  url: postgres://postgres@127.0.0.1:5432/jfs?sslmode=disable\n  password: {file: /etc/juicectl/pg-password}",
            schema: .accepts, tool: .accepts),
        .extending(
            "external metadata may say that backup is off", "metadata:\n  url: postgres://db.example.com/jfs\nbackup:\n  enabled: false",
            schema: .accepts, tool: .accepts),
        .document(
            "a name of 63 characters is valid", minimal.replacingFirst("demo-volume", with: String(repeating: "a", count: 63)),
            schema: .accepts, tool: .accepts),

        // MARK: Unknown keys
        .extending("an unknown top-level key is rejected", "nmae: typo", schema: .rejects, tool: .rejects, at: "nmae"),
        .extending(
            "an unknown key in storage is rejected", "storage:\n  kind: local", schema: .rejects, tool: .rejects, at: "storage.kind"),
        .extending(
            "an unknown key in metadata is rejected", "metadata:\n  uri: sqlite3:///x.db", schema: .rejects, tool: .rejects,
            at: "metadata.uri"),
        .extending(
            "an unknown key in format is rejected", "format:\n  blocksize: 4MiB", schema: .rejects, tool: .rejects, at: "format.blocksize"),
        .extending(
            "an unknown key in mount is rejected", "mount:\n  cachesize: 1GiB", schema: .rejects, tool: .rejects, at: "mount.cachesize"),
        .extending(
            "an unknown key in a quota is rejected", "quotas:\n  - path: /active/fs\n    size: 1TiB", schema: .rejects, tool: .rejects,
            at: "quotas[0].size"),

        // MARK: Wrong types
        .extending("a quoted version is a string", "", schema: .rejects, tool: .rejects, at: "version")
            .replacingFirst("version: 1", with: "version: \"1\""),
        .extending("a number is not a name", "", schema: .rejects, tool: .rejects, at: "name")
            .replacingFirst("name: demo-volume", with: "name: 123"),
        .extending("a list is not a path", "", schema: .rejects, tool: .rejects, at: "baseDir")
            .replacingFirst("baseDir: /srv/juicectl/demo", with: "baseDir: [/srv, /juicectl]"),
        .extending("a section must be a mapping, not a scalar", "storage: local", schema: .rejects, tool: .rejects, at: "storage"),
        .extending("a section must be a mapping, not a list", "mount:\n  - path: /mnt/demo", schema: .rejects, tool: .rejects, at: "mount"),
        .extending("an empty section is null, not a mapping", "format:", schema: .rejects, tool: .rejects, at: "format"),
        .extending(
            "a quoted number is not an integer", "format:\n  trashDays: \"7\"", schema: .rejects, tool: .rejects, at: "format.trashDays"),
        .extending("a fraction is not an integer", "format:\n  trashDays: 7.5", schema: .rejects, tool: .rejects, at: "format.trashDays"),
        .extending(
            "writeback: yes is a string in YAML 1.2", "mount:\n  writeback: yes", schema: .rejects, tool: .rejects, at: "mount.writeback"),
        .extending(
            "writeback: on is a string in YAML 1.2", "mount:\n  writeback: on", schema: .rejects, tool: .rejects, at: "mount.writeback"),
        .extending("a quoted true is a string", "mount:\n  writeback: \"true\"", schema: .rejects, tool: .rejects, at: "mount.writeback"),
        .extending(
            "a boolean mount flag does not take a string", "mount:\n  options:\n    enable-xattr: \"yes\"",
            schema: .rejects, tool: .rejects, at: "mount.options.enable-xattr"),
        .extending(
            "a mount flag value is a scalar, not a list", "mount:\n  options:\n    heartbeat: [2s]",
            schema: .rejects, tool: .rejects, at: "mount.options.heartbeat"),
        .extending(
            "a mount flag value is not null", "mount:\n  options:\n    heartbeat:",
            schema: .rejects, tool: .rejects, at: "mount.options.heartbeat"),
        .extending(
            "a free-form mount flag also takes a number", "mount:\n  options:\n    free-space-ratio: 0.2",
            schema: .accepts, tool: .accepts),
        .extending(
            "the o flag takes a string only", "mount:\n  options:\n    o: 1", schema: .rejects, tool: .rejects, at: "mount.options.o"),
        .extending(
            "mount.options is a mapping, not a list", "mount:\n  options: [heartbeat=2s]", schema: .rejects, tool: .rejects,
            at: "mount.options"),
        .extending(
            "a size needs a unit: a bare integer is rejected", "mount:\n  cacheSize: 10", schema: .rejects, tool: .rejects,
            at: "mount.cacheSize"),
        .extending(
            "an integer zero is not a duration", "mount:\n  uploadDelay: 0", schema: .rejects, tool: .rejects, at: "mount.uploadDelay"),
        .extending(
            "inodes is an integer, not a string", "quotas:\n  - path: /active/fs\n    inodes: \"5000\"", schema: .rejects, tool: .rejects,
            at: "quotas[0].inodes"),

        // MARK: Quotas as a list
        .extending(
            "quotas is a list, not a mapping", "quotas:\n  path: /active/fs\n  capacity: 1TiB", schema: .rejects, tool: .rejects,
            at: "quotas"),
        .extending("quotas is a list, not a scalar", "quotas: 10TiB", schema: .rejects, tool: .rejects, at: "quotas"),
        .extending("quotas is not null", "quotas:", schema: .rejects, tool: .rejects, at: "quotas"),
        .extending("a quota is a mapping, not a scalar", "quotas:\n  - /active/fs", schema: .rejects, tool: .rejects, at: "quotas[0]"),
        .extending("a quota needs capacity or inodes", "quotas:\n  - path: /active/fs", schema: .rejects, tool: .rejects, at: "quotas[0]"),

        // MARK: Enumerations
        .extending("an unknown storage type is rejected", "storage:\n  type: gcs", schema: .rejects, tool: .rejects, at: "storage.type"),
        .extending(
            "an unknown compression is rejected", "format:\n  compression: gzip", schema: .rejects, tool: .rejects, at: "format.compression"
        ),
        .extending(
            "enumerations are case-sensitive", "format:\n  compression: LZ4", schema: .rejects, tool: .rejects, at: "format.compression"),
        .extending(
            "an unknown atime mode is rejected", "mount:\n  options:\n    atime-mode: never",
            schema: .rejects, tool: .rejects, at: "mount.options.atime-mode"),
        .extending(
            "an unknown cache eviction policy is rejected", "mount:\n  options:\n    cache-eviction: lru",
            schema: .rejects, tool: .rejects, at: "mount.options.cache-eviction"),

        // MARK: Sizes and durations
        .extending("10GB is a decimal unit", "mount:\n  cacheSize: 10GB", schema: .rejects, tool: .rejects, at: "mount.cacheSize"),
        .extending("10G is a bare unit", "mount:\n  cacheSize: 10G", schema: .rejects, tool: .rejects, at: "mount.cacheSize"),
        .extending(
            "units are case-sensitive: 10gib", "mount:\n  cacheSize: 10gib", schema: .rejects, tool: .rejects, at: "mount.cacheSize"),
        .extending(
            "a quoted number has no unit", "format:\n  blockSize: \"4096\"", schema: .rejects, tool: .rejects, at: "format.blockSize"),
        .extending(
            "1.5 TB in a quota is a decimal unit", "quotas:\n  - path: /active/fs\n    capacity: 1.5 TB",
            schema: .rejects, tool: .rejects, at: "quotas[0].capacity"),
        .extending("a negative size is rejected", "mount:\n  cacheSize: -1GiB", schema: .rejects, tool: .rejects, at: "mount.cacheSize"),
        .extending(
            "two spaces before the unit are rejected", "mount:\n  cacheSize: 10  GiB", schema: .rejects, tool: .rejects,
            at: "mount.cacheSize"),
        .extending("days are not a duration unit", "mount:\n  uploadDelay: 1d", schema: .rejects, tool: .rejects, at: "mount.uploadDelay"),
        .extending("a duration has no spaces", "mount:\n  uploadDelay: 5 m", schema: .rejects, tool: .rejects, at: "mount.uploadDelay"),
        .extending(
            "a negative duration is rejected", "mount:\n  uploadDelay: -1s", schema: .rejects, tool: .rejects, at: "mount.uploadDelay"),

        // MARK: Missing required keys
        .document("version is required", "name: demo-volume\nbaseDir: /srv/juicectl/demo", schema: .rejects, tool: .rejects, at: ""),
        .document("name is required", "version: 1\nbaseDir: /srv/juicectl/demo", schema: .rejects, tool: .rejects, at: ""),
        .document("baseDir is required", "version: 1\nname: demo-volume", schema: .rejects, tool: .rejects, at: ""),
        .extending("a quota needs a path", "quotas:\n  - capacity: 1TiB", schema: .rejects, tool: .rejects, at: "quotas[0]"),

        // MARK: Names
        .document(
            "an upper-case name is rejected", minimal.replacingFirst("demo-volume", with: "Demo-volume"), schema: .rejects, tool: .rejects,
            at: "name"),
        .document(
            "a two-letter name is rejected", minimal.replacingFirst("demo-volume", with: "ab"), schema: .rejects, tool: .rejects, at: "name"
        ),
        .document(
            "a name of 64 characters is rejected", minimal.replacingFirst("demo-volume", with: String(repeating: "a", count: 64)),
            schema: .rejects, tool: .rejects, at: "name"),
        .document(
            "a name ending in - is rejected", minimal.replacingFirst("demo-volume", with: "demo-"), schema: .rejects, tool: .rejects,
            at: "name"),
        .document(
            "a name starting with - is rejected", minimal.replacingFirst("demo-volume", with: "\"-demo\""), schema: .rejects,
            tool: .rejects, at: "name"),
        .document(
            "an underscore in a name is rejected", minimal.replacingFirst("demo-volume", with: "demo_volume"), schema: .rejects,
            tool: .rejects, at: "name"),
        .document(
            "$ does not match before a trailing newline", minimal.replacingFirst("demo-volume", with: "\"demo\\n\""),
            schema: .rejects, tool: .rejects, at: "name"),

        // MARK: Versions and integer ranges
        .document(
            "version 2 is rejected", minimal.replacingFirst("version: 1", with: "version: 2"), schema: .rejects, tool: .rejects,
            at: "version"),
        .document(
            "version 0 is rejected", minimal.replacingFirst("version: 1", with: "version: 0"), schema: .rejects, tool: .rejects,
            at: "version"),
        .document(
            "a version beyond 64 bits is rejected", minimal.replacingFirst("version: 1", with: "version: 99999999999999999999"),
            schema: .rejects, tool: .rejects, at: "version"),
        .extending("trashDays below 0 is rejected", "format:\n  trashDays: -1", schema: .rejects, tool: .rejects, at: "format.trashDays"),
        .extending(
            "trashDays above 36500 is rejected", "format:\n  trashDays: 36501", schema: .rejects, tool: .rejects, at: "format.trashDays"),
        .extending(
            "inodes of 0 is rejected", "quotas:\n  - path: /active/fs\n    inodes: 0", schema: .rejects, tool: .rejects,
            at: "quotas[0].inodes"),

        // MARK: Paths and URLs
        .document(
            "a relative baseDir is rejected", minimal.replacingFirst("/srv/juicectl/demo", with: "srv/juicectl/demo"),
            schema: .rejects, tool: .rejects, at: "baseDir"),
        .document(
            "an empty baseDir is rejected", minimal.replacingFirst("/srv/juicectl/demo", with: "\"\""), schema: .rejects, tool: .rejects,
            at: "baseDir"),
        .extending("a relative mount point is rejected", "mount:\n  path: data", schema: .rejects, tool: .rejects, at: "mount.path"),
        .extending(
            "a quota path starts with /", "quotas:\n  - path: active/fs\n    capacity: 1TiB", schema: .rejects, tool: .rejects,
            at: "quotas[0].path"),
        .extending(
            "a path longer than 4096 code points is rejected, however few characters it shows",
            "mount:\n  path: \"\(combiningPath)\"", schema: .rejects, tool: .rejects, at: "mount.path"),
        .extending(
            "MySQL metadata is not supported", "metadata:\n  url: mysql://user@localhost/juicefs", schema: .rejects, tool: .rejects,
            at: "metadata.url"),
        .extending(
            "a SQLite URL names an absolute path", "metadata:\n  url: sqlite3://metadata.db", schema: .rejects, tool: .rejects,
            at: "metadata.url"),

        // MARK: Secret references
        .extending(
            "a secret reference is not a boolean", "storage:\n  accessKey: true", schema: .rejects, tool: .rejects,
            at: "storage.accessKey"),
        .extending(
            "a secret reference is not a list", "storage:\n  accessKey: [ACCESS_KEY]", schema: .rejects, tool: .rejects,
            at: "storage.accessKey"),
        .extending("a secret reference is not null", "metadata:\n  password:", schema: .rejects, tool: .rejects, at: "metadata.password"),

        .extending(
            "an inline secret is rejected", "storage:\n  secretKey: hunter2", schema: .rejects, tool: .rejects, at: "storage.secretKey"),
        .extending(
            "an inline metadata password is rejected", "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: \"s3cr3t-VALUE-42\"",
            schema: .rejects, tool: .rejects, at: "metadata.password"),
        .extending(
            "a secret reference names env or file, not both",
            "storage:\n  type: s3\n  bucket: http://127.0.0.1:9000/b\n  accessKey: {env: AK, file: /etc/ak}\n  secretKey: {env: SK}",
            schema: .rejects, tool: .rejects, at: "storage.accessKey"),
        .extending(
            "a secret reference names one of env and file", "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {}",
            schema: .rejects, tool: .rejects, at: "metadata.password"),
        .extending(
            "an unknown key in a secret reference is rejected", "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {value: s3cr3t}",
            schema: .rejects, tool: .rejects, at: "metadata.password"),
        .extending(
            "an environment variable name does not start with a digit",
            "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {env: 1PASSWORD}",
            schema: .rejects, tool: .rejects, at: "metadata.password.env"),
        .extending(
            "an environment variable name has no dash", "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {env: REDIS-PASSWORD}",
            schema: .rejects, tool: .rejects, at: "metadata.password.env"),
        .extending(
            "an environment variable name is a string, not a number", "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {env: 42}",
            schema: .rejects, tool: .rejects, at: "metadata.password.env"),
        .extending(
            "a secret file is an absolute path", "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {file: secrets/redis}",
            schema: .rejects, tool: .rejects, at: "metadata.password.file"),

        // MARK: Bucket and metadata URLs
        .extending(
            "a bucket URL does not carry credentials", "storage:\n  type: s3\n  bucket: http://AK:s3cr3t-VALUE-42@127.0.0.1:9000/b",
            schema: .rejects, tool: .rejects, at: "storage.bucket"),
        .extending(
            "a bucket URL is http or https", "storage:\n  type: s3\n  bucket: ftp://127.0.0.1/b", schema: .rejects, tool: .rejects,
            at: "storage.bucket"),
        .extending(
            "a bucket URL names a bucket", "storage:\n  type: s3\n  bucket: http://127.0.0.1:9000", schema: .rejects, tool: .rejects,
            at: "storage.bucket"),
        .extending(
            "a bucket URL has nothing after the bucket", "storage:\n  type: s3\n  bucket: http://127.0.0.1:9000/b/prefix",
            schema: .rejects, tool: .rejects, at: "storage.bucket"),
        .extending(
            "a bucket URL has no query", "storage:\n  type: s3\n  bucket: http://127.0.0.1:9000/b?X-Amz-Signature=abc",
            schema: .rejects, tool: .rejects, at: "storage.bucket"),
        .extending(
            "a bucket is a string", "storage:\n  type: s3\n  bucket: {url: http://127.0.0.1:9000/b}", schema: .rejects, tool: .rejects,
            at: "storage.bucket"),
        .extending(
            "juicefs's PostgreSQL scheme is postgres, not postgresql", "metadata:\n  url: postgresql://postgres@127.0.0.1/jfs",
            schema: .rejects, tool: .rejects, at: "metadata.url"),
        .extending(
            "a PostgreSQL URL names a database", "metadata:\n  url: postgres://postgres@127.0.0.1:5432", schema: .rejects, tool: .rejects,
            at: "metadata.url"),
        .extending("a Redis URL names a host", "metadata:\n  url: redis:///1", schema: .rejects, tool: .rejects, at: "metadata.url"),
        .extending(
            "a Redis database is a number", "metadata:\n  url: redis://127.0.0.1:6379/jfs", schema: .rejects, tool: .rejects,
            at: "metadata.url"),

        // MARK: Suspend
        .extending(
            "a suspension needs a reason: an empty mapping is rejected", "suspend: {}", schema: .rejects, tool: .rejects, at: "suspend"),
        .extending("a suspension reason is not empty", "suspend:\n  reason: \"\"", schema: .rejects, tool: .rejects, at: "suspend.reason"),
        .extending(
            "a suspension reason is at most 1024 characters", "suspend:\n  reason: \(String(repeating: "r", count: 1025))",
            schema: .rejects, tool: .rejects, at: "suspend.reason"),
        .extending(
            "a suspension reason is a string, not a list", "suspend:\n  reason: [maintenance]",
            schema: .rejects, tool: .rejects, at: "suspend.reason"),
        .extending(
            "a suspension has no key but reason", "suspend:\n  reason: maintenance\n  until: tomorrow",
            schema: .rejects, tool: .rejects, at: "suspend.until"),
        .extending("a suspension is not a boolean", "suspend: true", schema: .rejects, tool: .rejects, at: "suspend"),
        .extending("a suspension is not a list", "suspend: [maintenance]", schema: .rejects, tool: .rejects, at: "suspend"),
        .extending("a suspension is not a bare string", "suspend: maintenance", schema: .rejects, tool: .rejects, at: "suspend"),
        .extending("a suspension is not null", "suspend:", schema: .rejects, tool: .rejects, at: "suspend"),

        // MARK: Checkpoints and restore
        .extending(
            "a cron schedule with lists, ranges, steps and names is valid",
            "checkpoints:\n  schedule: \"5,35 */6 1-15 JAN-JUN MON-FRI\"\n  retain:\n    daily: 7", schema: .accepts, tool: .accepts),
        .extending("a schedule without retention is valid", "checkpoints:\n  schedule: \"@daily\"", schema: .accepts, tool: .accepts),
        .extending("retention without a schedule is valid", "checkpoints:\n  retain:\n    weekly: 4", schema: .accepts, tool: .accepts),
        .extending("an empty checkpoints mapping schedules and prunes nothing", "checkpoints: {}", schema: .accepts, tool: .accepts),
        .extending(
            "a restore request names a checkpoint and a request id",
            "restore:\n  checkpoint: nightly.2026-11-20_a\n  requestId: ticket-42:retry.1",
            schema: .accepts, tool: .accepts),
        .extending(
            "a checkpoint name of 128 characters is valid",
            "restore:\n  checkpoint: \(String(repeating: "c", count: 128))\n  requestId: r1", schema: .accepts, tool: .accepts),
        .extending(
            "an unknown key in checkpoints is rejected", "checkpoints:\n  interval: 15m",
            schema: .rejects, tool: .rejects, at: "checkpoints.interval"),
        .extending(
            "an unknown key in retain is rejected", "checkpoints:\n  retain:\n    last: 3\n    yearly: 2",
            schema: .rejects, tool: .rejects, at: "checkpoints.retain.yearly"),
        .extending(
            "an unknown key in restore is rejected", "restore:\n  checkpoint: nightly\n  requestId: r1\n  force: true",
            schema: .rejects, tool: .rejects, at: "restore.force"),
        .extending("checkpoints is a mapping, not a list", "checkpoints: [daily]", schema: .rejects, tool: .rejects, at: "checkpoints"),
        .extending("checkpoints is not null", "checkpoints:", schema: .rejects, tool: .rejects, at: "checkpoints"),
        .extending(
            "a schedule is a string, not an integer", "checkpoints:\n  schedule: 15", schema: .rejects, tool: .rejects,
            at: "checkpoints.schedule"),
        .extending(
            "an empty schedule is rejected", "checkpoints:\n  schedule: \"\"", schema: .rejects, tool: .rejects,
            at: "checkpoints.schedule"),
        .extending(
            "retain is a mapping, not an integer", "checkpoints:\n  retain: 7", schema: .rejects, tool: .rejects, at: "checkpoints.retain"),
        .extending(
            "a retention count is an integer, not a string", "checkpoints:\n  retain:\n    last: \"3\"",
            schema: .rejects, tool: .rejects, at: "checkpoints.retain.last"),
        .extending(
            "pruneManual: yes is a string in YAML 1.2", "checkpoints:\n  retain:\n    last: 3\n    pruneManual: yes",
            schema: .rejects, tool: .rejects, at: "checkpoints.retain.pruneManual"),
        .extending(
            "a retention count below 0 is rejected", "checkpoints:\n  retain:\n    last: -1",
            schema: .rejects, tool: .rejects, at: "checkpoints.retain.last"),
        .extending(
            "a retention count above 100000 is rejected", "checkpoints:\n  retain:\n    daily: 100001",
            schema: .rejects, tool: .rejects, at: "checkpoints.retain.daily"),
        .extending(
            "a retain with only the prune flags has no rule", "checkpoints:\n  retain:\n    pruneManual: true",
            schema: .rejects, tool: .rejects, at: "checkpoints.retain"),
        .extending("an empty retain has no rule", "checkpoints:\n  retain: {}", schema: .rejects, tool: .rejects, at: "checkpoints.retain"),
        .extending("a restore is a mapping, not a checkpoint name", "restore: nightly", schema: .rejects, tool: .rejects, at: "restore"),
        .extending("a restore needs a requestId", "restore:\n  checkpoint: nightly", schema: .rejects, tool: .rejects, at: "restore"),
        .extending("a restore needs a checkpoint", "restore:\n  requestId: r1", schema: .rejects, tool: .rejects, at: "restore"),
        .extending("an empty restore names neither checkpoint nor request", "restore: {}", schema: .rejects, tool: .rejects, at: "restore"),
        .extending(
            "a request id is a string, not an integer", "restore:\n  checkpoint: nightly\n  requestId: 42",
            schema: .rejects, tool: .rejects, at: "restore.requestId"),
        .extending(
            "a request id with a space is rejected", "restore:\n  checkpoint: nightly\n  requestId: \"change 42\"",
            schema: .rejects, tool: .rejects, at: "restore.requestId"),
        .extending(
            "a checkpoint name with a slash is rejected", "restore:\n  checkpoint: ../x\n  requestId: r1",
            schema: .rejects, tool: .rejects, at: "restore.checkpoint"),
        .extending(
            "a checkpoint name starting with a dot is rejected", "restore:\n  checkpoint: .juicectl\n  requestId: r1",
            schema: .rejects, tool: .rejects, at: "restore.checkpoint"),
        .extending(
            "a checkpoint name starting with - is rejected", "restore:\n  checkpoint: \"-x\"\n  requestId: r1",
            schema: .rejects, tool: .rejects, at: "restore.checkpoint"),
        .extending(
            "a checkpoint name of 129 characters is rejected",
            "restore:\n  checkpoint: \(String(repeating: "c", count: 129))\n  requestId: r1",
            schema: .rejects, tool: .rejects, at: "restore.checkpoint"),
        .extending(
            "a non-ASCII checkpoint name is rejected", "restore:\n  checkpoint: café\n  requestId: r1",
            schema: .rejects, tool: .rejects, at: "restore.checkpoint"),
        .extending(
            "$ does not match before a trailing newline in a checkpoint name", "restore:\n  checkpoint: \"nightly\\n\"\n  requestId: r1",
            schema: .rejects, tool: .rejects, at: "restore.checkpoint"),

        // MARK: Quiesce and the restore's terminateUsers
        .extending("a quiesce with hooks only is valid", quiesce("pre: [[/usr/local/bin/app-flush]]"), schema: .accepts, tool: .accepts),
        .extending(
            "a quiesce with cgroups only and an empty hook list is valid",
            quiesce("cgroups: [/sys/fs/cgroup/sandbox.slice/app.scope]\npost: []"), schema: .accepts, tool: .accepts),
        .extending("a quiesce with nothing to do is only a warning", "checkpoints:\n  quiesce: {}", schema: .accepts, tool: .accepts),
        .extending(
            "hookTimeout and maxFrozen at the ends of their ranges are valid",
            quiesce("cgroups: [/sys/fs/cgroup/a]\nhookTimeout: 1h\nmaxFrozen: 10ms"), schema: .accepts, tool: .accepts),
        .extending(
            "a hook of 256 words, one of them 4096 characters long, is valid",
            quiesce("pre:\n  - [/bin/echo, \(String(repeating: "w", count: 4096))\(String(repeating: ", w", count: 254))]"),
            schema: .accepts, tool: .accepts),
        .extending(
            "a hook's arguments may be empty, relative or contain spaces",
            quiesce("post: [[/bin/app, \"\", ./x, \"two words\"]]"), schema: .accepts, tool: .accepts),
        .extending(
            "a restore may terminate the users of /active with a grace of 0s", restoreV1("terminateUsers: true\ngrace: 0s"),
            schema: .accepts, tool: .accepts),
        .extending("grace without terminateUsers is only a warning", restoreV1("grace: 1m"), schema: .accepts, tool: .accepts),
        .extending(
            "quiesce is a mapping, not a list", "checkpoints:\n  quiesce: [/sys/fs/cgroup/a]",
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce"),
        .extending(
            "an unknown key in quiesce is rejected", quiesce("cgroups: [/sys/fs/cgroup/a]\nmaxFrozn: 1s"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.maxFrozn"),
        .extending(
            "cgroups is a list, not a string", quiesce("cgroups: /sys/fs/cgroup/a"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.cgroups"),
        .extending(
            "a relative cgroup is rejected", quiesce("cgroups: [sandbox-1]"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.cgroups[0]"),
        .extending(
            "a hook command is a list of words, not a string", quiesce("pre: [\"/usr/local/bin/app-flush --fast\"]"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.pre[0]"),
        .extending(
            "an empty hook command is rejected", quiesce("post: [[]]"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.post[0]"),
        .extending(
            "a word of a hook is a string, not an integer", quiesce("pre: [[/bin/sleep, 5]]"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.pre[0][1]"),
        .extending(
            "more than 64 hook commands are rejected",
            quiesce("pre: [\(Array(repeating: "[/bin/true]", count: 65).joined(separator: ", "))]"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.pre"),
        .extending(
            "a hook of more than 256 words is rejected", quiesce("post: [[/bin/echo\(String(repeating: ", w", count: 256))]]"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.post[0]"),
        .extending(
            "a hook word of more than 4096 characters is rejected",
            quiesce("pre: [[/bin/echo, \(String(repeating: "w", count: 4097))]]"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.pre[0][1]"),
        .extending(
            "hookTimeout is a duration, not an integer", quiesce("pre: [[/bin/a]]\nhookTimeout: 30"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.hookTimeout"),
        .extending(
            "maxFrozen has no space in it", quiesce("cgroups: [/sys/fs/cgroup/a]\nmaxFrozen: 10 s"),
            schema: .rejects, tool: .rejects, at: "checkpoints.quiesce.maxFrozen"),
        .extending(
            "scheduled checkpoints may be durable", "checkpoints:\n  schedule: \"@hourly\"\n  durable: true",
            schema: .accepts, tool: .accepts),
        .extending(
            "durable is a boolean: yes is a string in YAML 1.2", "checkpoints:\n  durable: yes",
            schema: .rejects, tool: .rejects, at: "checkpoints.durable"),
        .extending(
            "terminateUsers: yes is a string in YAML 1.2", restoreV1("terminateUsers: yes"),
            schema: .rejects, tool: .rejects, at: "restore.terminateUsers"),
        .extending(
            "grace is a duration, not an integer", restoreV1("terminateUsers: true\ngrace: 10"),
            schema: .rejects, tool: .rejects, at: "restore.grace"),
        .extending(
            "a negative grace is rejected", restoreV1("terminateUsers: true\ngrace: -1s"),
            schema: .rejects, tool: .rejects, at: "restore.grace"),
        .extending(
            "the cgroup root cannot be frozen", quiesce("cgroups: [/sys/fs/cgroup/]"),
            schema: .accepts, tool: .rejects, at: "checkpoints.quiesce.cgroups[0]", toolStricter: cgroupRoot),
        .extending(
            "a cgroup listed twice is rejected at the second", quiesce("cgroups: [/sys/fs/cgroup/a, /sys/fs/cgroup/a/]"),
            schema: .accepts, tool: .rejects, at: "checkpoints.quiesce.cgroups[1]", toolStricter: sameCgroup),
        .extending(
            "a cgroup with a .. component is rejected", quiesce("cgroups: [/sys/fs/cgroup/a/../b]"),
            schema: .accepts, tool: .rejects, at: "checkpoints.quiesce.cgroups[0]", toolStricter: dotDot),
        .extending(
            "a hook program that is not an absolute path is rejected", quiesce("pre: [[app-flush, --fast]]"),
            schema: .accepts, tool: .rejects, at: "checkpoints.quiesce.pre[0][0]", toolStricter: hookProgram),
        .extending(
            "a NUL in a hook argument is rejected", quiesce("post: [[/bin/echo, \"a\\0b\"]]"),
            schema: .accepts, tool: .rejects, at: "checkpoints.quiesce.post[0][1]", toolStricter: nulInWord),
        .extending(
            "a hookTimeout below 1s is rejected", quiesce("pre: [[/bin/a]]\nhookTimeout: 999ms"),
            schema: .accepts, tool: .rejects, at: "checkpoints.quiesce.hookTimeout", toolStricter: durationRange),
        .extending(
            "a maxFrozen above 10m is rejected", quiesce("cgroups: [/sys/fs/cgroup/a]\nmaxFrozen: 601s"),
            schema: .accepts, tool: .rejects, at: "checkpoints.quiesce.maxFrozen", toolStricter: durationRange),
        .extending(
            "a grace above 1h is rejected", restoreV1("terminateUsers: true\ngrace: 61m"),
            schema: .accepts, tool: .rejects, at: "restore.grace", toolStricter: durationRange),

        // MARK: Overlay
        .extending(
            "an overlay with only its lower directories is valid", "overlay:\n  lowerDirs: [/srv/system-base]",
            schema: .accepts, tool: .accepts),
        .extending(
            "an overlay with every key is valid",
            """
            overlay:
              enabled: true
              imageSize: 20GiB
              lowerDirs:
                - /srv/layers/app
                - /srv/layers/base
              target: /mnt/container-root
              upperMount: /srv/juicectl/demo/data/root-upper
              mountOptions: [index=off, redirect_dir=on]
              onCorrupt: recreate
            """, schema: .accepts, tool: .accepts),
        .extending(
            "a disabled overlay is valid", "overlay:\n  enabled: false\n  lowerDirs: [/srv/system-base]",
            schema: .accepts, tool: .accepts),
        .extending(
            "an overlay may take no extra mount options", "overlay:\n  lowerDirs: [/srv/system-base]\n  mountOptions: []",
            schema: .accepts, tool: .accepts),
        .extending(
            "an image of exactly 64MiB is valid", "overlay:\n  lowerDirs: [/srv/system-base]\n  imageSize: 64MiB",
            schema: .accepts, tool: .accepts),
        .extending(
            "an unknown key in overlay is rejected", "overlay:\n  lowerDirs: [/srv/system-base]\n  lowerDir: /srv/other",
            schema: .rejects, tool: .rejects, at: "overlay.lowerDir"),
        .extending("overlay is a mapping, not a boolean", "overlay: true", schema: .rejects, tool: .rejects, at: "overlay"),
        .extending("overlay is not null", "overlay:", schema: .rejects, tool: .rejects, at: "overlay"),
        .extending("an overlay needs lowerDirs", "overlay:\n  target: /mnt/newroot", schema: .rejects, tool: .rejects, at: "overlay"),
        .extending("an empty overlay mapping has no lowerDirs", "overlay: {}", schema: .rejects, tool: .rejects, at: "overlay"),
        .extending(
            "a disabled overlay still needs lowerDirs", "overlay:\n  enabled: false", schema: .rejects, tool: .rejects, at: "overlay"),
        .extending(
            "lowerDirs is a list, not a string", "overlay:\n  lowerDirs: /srv/system-base",
            schema: .rejects, tool: .rejects, at: "overlay.lowerDirs"),
        .extending(
            "lowerDirs holds at least one directory", "overlay:\n  lowerDirs: []",
            schema: .rejects, tool: .rejects, at: "overlay.lowerDirs"),
        .extending(
            "a lower directory is an absolute path", "overlay:\n  lowerDirs: [srv/system-base]",
            schema: .rejects, tool: .rejects, at: "overlay.lowerDirs[0]"),
        .extending(
            "an overlay target is an absolute path", "overlay:\n  lowerDirs: [/srv/system-base]\n  target: mnt/newroot",
            schema: .rejects, tool: .rejects, at: "overlay.target"),
        .extending(
            "an image size needs a unit", "overlay:\n  lowerDirs: [/srv/system-base]\n  imageSize: 10",
            schema: .rejects, tool: .rejects, at: "overlay.imageSize"),
        .extending(
            "an image size is binary: 10GB is rejected", "overlay:\n  lowerDirs: [/srv/system-base]\n  imageSize: 10GB",
            schema: .rejects, tool: .rejects, at: "overlay.imageSize"),
        .extending(
            "onCorrupt is stop or recreate, never delete", "overlay:\n  lowerDirs: [/srv/system-base]\n  onCorrupt: delete",
            schema: .rejects, tool: .rejects, at: "overlay.onCorrupt"),
        .extending(
            "overlay enabled: yes is a string in YAML 1.2", "overlay:\n  lowerDirs: [/srv/system-base]\n  enabled: yes",
            schema: .rejects, tool: .rejects, at: "overlay.enabled"),
        .extending(
            "an overlay mount option is a non-empty string", "overlay:\n  lowerDirs: [/srv/system-base]\n  mountOptions: [\"\"]",
            schema: .rejects, tool: .rejects, at: "overlay.mountOptions[0]"),
        .extending(
            "overlay mount options are a list, not a string", "overlay:\n  lowerDirs: [/srv/system-base]\n  mountOptions: index=off",
            schema: .rejects, tool: .rejects, at: "overlay.mountOptions"),

        // MARK: Backup
        .extending("an empty backup mapping takes every default", "backup: {}", schema: .accepts, tool: .accepts),
        .extending("backup may be disabled", "backup:\n  enabled: false", schema: .accepts, tool: .accepts),
        .extending(
            "a file replica names its directory", "backup:\n  replica:\n    type: file\n    path: /srv/backups/demo-volume",
            schema: .accepts, tool: .accepts),
        .extending(
            "a file replica may leave its type out", "backup:\n  replica:\n    path: /srv/backups/demo-volume",
            schema: .accepts, tool: .accepts),
        .extending(
            "the intervals and retention are durations", "backup:\n  syncInterval: 10s\n  snapshotInterval: 30m\n  retention: 72h",
            schema: .accepts, tool: .accepts),
        .extending(
            "an interval of exactly 1s is valid", "backup:\n  syncInterval: 1s\n  snapshotInterval: 1000ms",
            schema: .accepts, tool: .accepts),
        .extending(
            "an S3 replica needs only a bucket", "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups",
            schema: .accepts, tool: .accepts),
        .extending(
            "an S3 replica with a prefix, a region and keys from the environment and a file is valid",
            """
            backup:
              replica:
                type: s3
                bucket: https://s3.eu-west-1.amazonaws.com/my-backups/
                prefix: volumes/demo-volume
                region: eu-west-1
                accessKey: {env: LS_ACCESS_KEY}
                secretKey: {file: /etc/juicectl/ls-secret}
            """, schema: .accepts, tool: .accepts),
        .extending(
            "a replica prefix segment may start with dots and hold them",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: ..cache/v1.2/...",
            schema: .accepts, tool: .accepts),
        .extending(
            "a replica prefix of 512 characters is valid",
            """
            backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: \
            \(String(repeating: "p", count: 512))
            """,
            schema: .accepts, tool: .accepts),
        .extending(
            "with an S3 replica, the mount point may be <baseDir>/replica, the default of a file replica",
            "mount:\n  path: /srv/juicectl/demo/replica\nbackup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups",
            schema: .accepts, tool: .accepts),
        .extending(
            "a disabled backup is not checked across keys",
            "backup:\n  enabled: false\n  replica:\n    path: /srv/juicectl/demo/data/replica",
            schema: .accepts, tool: .accepts),
        .extending(
            "an unknown key in backup is rejected", "backup:\n  interval: 1s", schema: .rejects, tool: .rejects, at: "backup.interval"),
        .extending(
            "an unknown key in a replica is rejected", "backup:\n  replica:\n    url: file:///srv/backups/demo",
            schema: .rejects, tool: .rejects, at: "backup.replica.url"),
        .extending("backup is a mapping, not a boolean", "backup: false", schema: .rejects, tool: .rejects, at: "backup"),
        .extending("backup is not null", "backup:", schema: .rejects, tool: .rejects, at: "backup"),
        .extending(
            "backup enabled: no is a string in YAML 1.2", "backup:\n  enabled: no", schema: .rejects, tool: .rejects, at: "backup.enabled"),
        .extending(
            "a replica is a mapping, not a path", "backup:\n  replica: /srv/backups/demo", schema: .rejects, tool: .rejects,
            at: "backup.replica"),
        .extending(
            "an unknown replica type is rejected", "backup:\n  replica:\n    type: gcs", schema: .rejects, tool: .rejects,
            at: "backup.replica.type"),
        .extending(
            "a replica path is absolute", "backup:\n  replica:\n    path: backups/demo", schema: .rejects, tool: .rejects,
            at: "backup.replica.path"),
        .extending(
            "an S3 replica bucket URL is http or https", "backup:\n  replica:\n    type: s3\n    bucket: ftp://127.0.0.1/backups",
            schema: .rejects, tool: .rejects, at: "backup.replica.bucket"),
        .extending(
            "an S3 replica bucket URL has nothing after the bucket",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups/demo",
            schema: .rejects, tool: .rejects, at: "backup.replica.bucket"),
        .extending(
            "an S3 replica bucket URL does not carry credentials",
            "backup:\n  replica:\n    type: s3\n    bucket: http://AK:s3cr3t-VALUE-42@127.0.0.1:9000/backups",
            schema: .rejects, tool: .rejects, at: "backup.replica.bucket"),
        .extending(
            "an inline access key for an S3 replica is rejected",
            """
            backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    accessKey: AKIAEXAMPLE\n    secretKey: \
            {env: LS_SECRET_KEY}
            """,
            schema: .rejects, tool: .rejects, at: "backup.replica.accessKey"),
        .extending(
            "an S3 replica's secret key names env or file, not both",
            """
            backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    accessKey: {env: AK}\n    secretKey: \
            {env: SK, file: /etc/sk}
            """,
            schema: .rejects, tool: .rejects, at: "backup.replica.secretKey"),
        .extending(
            "a replica prefix has no leading /",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: /volumes/demo",
            schema: .rejects, tool: .rejects, at: "backup.replica.prefix"),
        .extending(
            "a replica prefix has no trailing /",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: volumes/",
            schema: .rejects, tool: .rejects, at: "backup.replica.prefix"),
        .extending(
            "a replica prefix has no .. segment",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: volumes/../demo",
            schema: .rejects, tool: .rejects, at: "backup.replica.prefix"),
        .extending(
            "a replica prefix has no . segment",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: ./demo",
            schema: .rejects, tool: .rejects, at: "backup.replica.prefix"),
        .extending(
            "a replica prefix has no empty segment",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: volumes//demo",
            schema: .rejects, tool: .rejects, at: "backup.replica.prefix"),
        .extending(
            "a replica prefix has no space",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: my volume",
            schema: .rejects, tool: .rejects, at: "backup.replica.prefix"),
        .extending(
            "a replica prefix is at most 512 characters",
            """
            backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: \
            \(String(repeating: "p", count: 513))
            """,
            schema: .rejects, tool: .rejects, at: "backup.replica.prefix"),
        .extending(
            "a replica region is lower case",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    region: US-EAST-1",
            schema: .rejects, tool: .rejects, at: "backup.replica.region"),
        .extending(
            "a replica region is at most 64 characters",
            """
            backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    region: \
            \(String(repeating: "r", count: 65))
            """,
            schema: .rejects, tool: .rejects, at: "backup.replica.region"),
        .extending(
            "a sync interval needs a unit", "backup:\n  syncInterval: 1", schema: .rejects, tool: .rejects, at: "backup.syncInterval"),
        .extending("days are not a retention unit", "backup:\n  retention: 7d", schema: .rejects, tool: .rejects, at: "backup.retention"),
        .extending(
            "a snapshot interval is a string, not a list", "backup:\n  snapshotInterval: [1h]",
            schema: .rejects, tool: .rejects, at: "backup.snapshotInterval"),

        // MARK: mount.options
        .extending("a known mount flag is accepted", "mount:\n  options:\n    heartbeat: 2s", schema: .accepts, tool: .accepts),
        .extending(
            "an unknown mount flag is rejected", "mount:\n  options:\n    heartbeats: 2s", schema: .rejects, tool: .rejects,
            at: "mount.options.heartbeats"),
        .extending(
            "cache-dir is managed: set mount.cacheDir", "mount:\n  options:\n    cache-dir: /var/cache/jfs",
            schema: .rejects, tool: .rejects, at: "mount.options.cache-dir"),
        .extending(
            "writeback is managed: set mount.writeback", "mount:\n  options:\n    writeback: true",
            schema: .rejects, tool: .rejects, at: "mount.options.writeback"),
        .extending(
            "background is managed: juicectl always mounts in the background", "mount:\n  options:\n    background: false",
            schema: .rejects, tool: .rejects, at: "mount.options.background"),
        .extending(
            "mount flags are written without dashes", "mount:\n  options:\n    --heartbeat: 2s",
            schema: .rejects, tool: .rejects, at: "mount.options.--heartbeat"),

        // MARK: Not YAML or not one document
        .document("an empty file is not a spec", "", schema: .rejects, tool: .rejects, at: ""),
        .document("a list is not a spec", "- version: 1\n- name: demo-volume", schema: .rejects, tool: .rejects, at: ""),
        .document("a duplicate key is an error in both", minimal + "version: 1", schema: .cannotParse, tool: .rejects, at: "version"),

        // MARK: Rules only the tool can check
        .extending(
            "the cache directory may not lie inside the mount point", "mount:\n  path: /mnt/demo\n  cacheDir: /mnt/demo/cache",
            schema: .accepts, tool: .rejects, at: "mount.cacheDir", toolStricter: crossKey),
        .extending(
            "the object directory may not lie inside the mount point", "storage:\n  path: /srv/juicectl/demo/data/objects",
            schema: .accepts, tool: .rejects, at: "storage.path", toolStricter: crossKey),
        .extending(
            "the mount point may not be baseDir itself", "mount:\n  path: /srv/juicectl/demo",
            schema: .accepts, tool: .rejects, at: "mount.path", toolStricter: crossKey),
        .document(
            "baseDir may not be the root directory", minimal.replacingFirst("/srv/juicectl/demo", with: "/"),
            schema: .accepts, tool: .rejects, at: "baseDir", toolStricter: dotDot),
        .document(
            "a path with .. is rejected", minimal.replacingFirst("/srv/juicectl/demo", with: "/srv/juicectl/../demo"),
            schema: .accepts, tool: .rejects, at: "baseDir", toolStricter: dotDot),
        .extending(
            "a quota path with .. is rejected", "quotas:\n  - path: /active/../fs\n    capacity: 1TiB",
            schema: .accepts, tool: .rejects, at: "quotas[0].path", toolStricter: dotDot),
        .extending(
            "a SQLite path with .. is rejected", "metadata:\n  url: sqlite3:///srv/../metadata.db",
            schema: .accepts, tool: .rejects, at: "metadata.url", toolStricter: dotDot),
        .extending(
            "a quota on the volume root is rejected", "quotas:\n  - path: //\n    capacity: 1TiB",
            schema: .accepts, tool: .rejects, at: "quotas[0].path", toolStricter: dotDot),
        .extending(
            "two quotas on one directory are rejected",
            "quotas:\n  - path: /active/fs\n    capacity: 1TiB\n  - path: /active//fs/\n    inodes: 10",
            schema: .accepts, tool: .rejects, at: "quotas[1].path", toolStricter: dotDot),
        .extending(
            "a fraction that is not a whole number of bytes is rejected", "quotas:\n  - path: /active/fs\n    capacity: 0.3B",
            schema: .accepts, tool: .rejects, at: "quotas[0].capacity", toolStricter: wholeBytes),
        .extending(
            "a cache size that is not a whole number of MiB is rejected", "mount:\n  cacheSize: 1536KiB",
            schema: .accepts, tool: .rejects, at: "mount.cacheSize", toolStricter: wholeBytes),
        .extending(
            "a block size below 64KiB is rejected", "format:\n  blockSize: 32KiB",
            schema: .accepts, tool: .rejects, at: "format.blockSize", toolStricter: sizeRange),
        .extending(
            "a block size above 16MiB is rejected", "format:\n  blockSize: 32MiB",
            schema: .accepts, tool: .rejects, at: "format.blockSize", toolStricter: sizeRange),
        .extending(
            "a capacity of 0 is rejected", "quotas:\n  - path: /active/fs\n    capacity: 0B",
            schema: .accepts, tool: .rejects, at: "quotas[0].capacity", toolStricter: sizeRange),
        .extending(
            "a size beyond 2^63 bytes is rejected", "mount:\n  cacheSize: 9000PiB",
            schema: .accepts, tool: .rejects, at: "mount.cacheSize", toolStricter: sizeRange),
        .extending(
            "a duration beyond 2^63 nanoseconds is rejected", "mount:\n  uploadDelay: 9999999h",
            schema: .accepts, tool: .rejects, at: "mount.uploadDelay",
            toolStricter: "the range of a duration (below 2^63 nanoseconds) is not a pattern"),
        .extending(
            "a bucket belongs to storage type s3", "storage:\n  bucket: https://s3.example.com/demo",
            schema: .accepts, tool: .rejects, at: "storage.bucket", toolStricter: crossKey),
        .extending(
            "7.0 is a float in YAML 1.2", "format:\n  trashDays: 7.0",
            schema: .accepts, tool: .rejects, at: "format.trashDays", toolStricter: jsonNumbers),
        .extending(
            "a retain whose rules are all 0 keeps nothing", "checkpoints:\n  retain:\n    last: 0\n    daily: 0\n    pruneManual: true",
            schema: .accepts, tool: .rejects, at: "checkpoints.retain", toolStricter: retainKeepsNothing),
        .extending(
            "a cron schedule of 4 fields is rejected", "checkpoints:\n  schedule: \"0 * * *\"",
            schema: .accepts, tool: .rejects, at: "checkpoints.schedule", toolStricter: scheduleSyntax),
        .extending(
            "a cron schedule of 6 fields is rejected", "checkpoints:\n  schedule: \"0 0 * * * *\"",
            schema: .accepts, tool: .rejects, at: "checkpoints.schedule", toolStricter: scheduleSyntax),
        .extending(
            "minute 60 is outside a cron minute", "checkpoints:\n  schedule: \"60 * * * *\"",
            schema: .accepts, tool: .rejects, at: "checkpoints.schedule", toolStricter: scheduleSyntax),
        .extending(
            "day-of-month 0 is rejected", "checkpoints:\n  schedule: \"0 0 0 * *\"",
            schema: .accepts, tool: .rejects, at: "checkpoints.schedule", toolStricter: scheduleSyntax),
        .extending(
            "a cron step of 0 is rejected", "checkpoints:\n  schedule: \"*/0 * * * *\"",
            schema: .accepts, tool: .rejects, at: "checkpoints.schedule", toolStricter: scheduleSyntax),
        .extending(
            "@every below a minute is rejected", "checkpoints:\n  schedule: \"@every 10s\"",
            schema: .accepts, tool: .rejects, at: "checkpoints.schedule", toolStricter: scheduleSyntax),
        .extending(
            "an unknown @ schedule is rejected", "checkpoints:\n  schedule: \"@fortnightly\"",
            schema: .accepts, tool: .rejects, at: "checkpoints.schedule", toolStricter: scheduleSyntax),
        .extending(
            "the overlay target may not lie inside the JuiceFS mount",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  target: /srv/juicectl/demo/data/newroot",
            schema: .accepts, tool: .rejects, at: "overlay.target", toolStricter: crossKey),
        .extending(
            "the overlay target may not contain the JuiceFS mount",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  target: /srv/juicectl\n  upperMount: /mnt/overlay-upper",
            schema: .accepts, tool: .rejects, at: "overlay.target", toolStricter: crossKey),
        .extending(
            "the overlay target may not be /", "overlay:\n  lowerDirs: [/srv/system-base]\n  target: /",
            schema: .accepts, tool: .rejects, at: "overlay.target", toolStricter: dotDot),
        .extending(
            "the overlay target may not contain the image's mount point",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  target: /mnt/overlay\n  upperMount: /mnt/overlay/upper",
            schema: .accepts, tool: .rejects, at: "overlay.target", toolStricter: crossKey),
        .extending(
            "the overlay target may not lie inside the image's mount point",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  target: /mnt/upper/root\n  upperMount: /mnt/upper",
            schema: .accepts, tool: .rejects, at: "overlay.target", toolStricter: crossKey),
        .extending(
            "the overlay target may not lie inside a lower directory",
            "overlay:\n  lowerDirs: [/srv/layers/app, /srv/system-base]\n  target: /srv/system-base/root",
            schema: .accepts, tool: .rejects, at: "overlay.target", toolStricter: crossKey),
        .extending(
            "the overlay target may not contain a lower directory",
            "overlay:\n  lowerDirs: [/mnt/root/base]\n  target: /mnt/root",
            schema: .accepts, tool: .rejects, at: "overlay.target", toolStricter: crossKey),
        .extending(
            "the image may not be mounted on the JuiceFS mount point itself",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  upperMount: /srv/juicectl/demo/data",
            schema: .accepts, tool: .rejects, at: "overlay.upperMount", toolStricter: crossKey),
        .extending(
            "the image may not be mounted above the JuiceFS mount point",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  upperMount: /srv/juicectl/demo",
            schema: .accepts, tool: .rejects, at: "overlay.upperMount", toolStricter: crossKey),
        .extending(
            "the image may not be mounted under active/",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  upperMount: /srv/juicectl/demo/data/active/upper",
            schema: .accepts, tool: .rejects, at: "overlay.upperMount", toolStricter: crossKey),
        .extending(
            "the image may not be mounted under checkpoints/",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  upperMount: /srv/juicectl/demo/data/checkpoints/upper",
            schema: .accepts, tool: .rejects, at: "overlay.upperMount", toolStricter: crossKey),
        .extending(
            "an image below 64MiB cannot hold the ext4 filesystem",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  imageSize: 32MiB",
            schema: .accepts, tool: .rejects, at: "overlay.imageSize", toolStricter: sizeRange),
        .extending(
            "lowerdir is juicectl's overlay option", "overlay:\n  lowerDirs: [/srv/system-base]\n  mountOptions: [lowerdir=/srv/other]",
            schema: .accepts, tool: .rejects, at: "overlay.mountOptions", toolStricter: ownOverlayOptions),
        .extending(
            "upperdir is juicectl's overlay option",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  mountOptions: [index=off, upperdir=/tmp/u]",
            schema: .accepts, tool: .rejects, at: "overlay.mountOptions", toolStricter: ownOverlayOptions),
        .extending(
            "workdir is juicectl's overlay option, with or without a value",
            "overlay:\n  lowerDirs: [/srv/system-base]\n  mountOptions: [workdir]",
            schema: .accepts, tool: .rejects, at: "overlay.mountOptions", toolStricter: ownOverlayOptions),
        .extending(
            "S3 storage needs a bucket", "storage:\n  type: s3", schema: .accepts, tool: .rejects, at: "storage", toolStricter: crossKey),
        .extending(
            "a storage path belongs to type local", "storage:\n  type: s3\n  bucket: http://127.0.0.1:9000/b\n  path: /srv/objects",
            schema: .accepts, tool: .rejects, at: "storage.path", toolStricter: crossKey),
        .extending(
            "S3 keys belong to type s3", "storage:\n  accessKey: {env: AK}\n  secretKey: {env: SK}",
            schema: .accepts, tool: .rejects, at: "storage.accessKey", toolStricter: crossKey),
        .extending(
            "an access key needs a secret key", "storage:\n  type: s3\n  bucket: http://127.0.0.1:9000/b\n  accessKey: {env: AK}",
            schema: .accepts, tool: .rejects, at: "storage.accessKey", toolStricter: crossKey),
        .extending(
            "a secret key needs an access key", "storage:\n  type: s3\n  bucket: http://127.0.0.1:9000/b\n  secretKey: {env: SK}",
            schema: .accepts, tool: .rejects, at: "storage.secretKey", toolStricter: crossKey),
        .extending(
            "SQLite metadata has no password", "metadata:\n  password: {env: DB_PASSWORD}",
            schema: .accepts, tool: .rejects, at: "metadata.password", toolStricter: crossKey),
        .extending(
            "Litestream backup is for SQLite metadata only", "metadata:\n  url: redis://127.0.0.1:6379/1\nbackup:\n  syncInterval: 1s",
            schema: .accepts, tool: .rejects, at: "backup", toolStricter: crossKey),
        .extending(
            "a secret file path with .. is rejected", "metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {file: /etc/../pw}",
            schema: .accepts, tool: .rejects, at: "metadata.password.file", toolStricter: dotDot),
        .extending(
            "a Redis URL does not hold a password", "metadata:\n  url: redis://:s3cr3t-VALUE-42@127.0.0.1:6379/1",
            schema: .accepts, tool: .rejects, at: "metadata.url", toolStricter: urlSecrets),
        .extending(
            "a PostgreSQL URL does not hold a password", "metadata:\n  url: postgres://postgres:s3cr3t-VALUE-42@127.0.0.1:5432/jfs",
            schema: .accepts, tool: .rejects, at: "metadata.url", toolStricter: urlSecrets),
        .extending(
            "a PostgreSQL URL does not pass a password as a parameter",
            "metadata:\n  url: postgres://postgres@127.0.0.1/jfs?password=s3cr3t-VALUE-42",
            schema: .accepts, tool: .rejects, at: "metadata.url", toolStricter: urlSecrets),
        .extending(
            "a metadata port is at most 65535", "metadata:\n  url: redis://127.0.0.1:65536/1",
            schema: .accepts, tool: .rejects, at: "metadata.url", toolStricter: portRange),
        .extending(
            "a bucket port is at least 1", "storage:\n  type: s3\n  bucket: http://127.0.0.1:0/b",
            schema: .accepts, tool: .rejects, at: "storage.bucket", toolStricter: portRange),
        AgreementRow(
            label: "two documents may not share a Redis database, however its URL is spelt",
            documents: [
                minimal + "metadata:\n  url: redis://Redis.example.com/1\n",
                minimal.replacingFirst("demo-volume", with: "other-volume").replacingFirst(
                    "/srv/juicectl/demo", with: "/srv/juicectl/other")
                    + "metadata:\n  url: rediss://user@redis.example.com:6379/1\n",
            ], schema: .accepts, tool: .rejects, at: "metadata.url", toolStricter: crossDocument),
        AgreementRow(
            label: "two documents may not share a PostgreSQL database",
            documents: [
                minimal + "metadata:\n  url: postgres://a@db.example.com/jfs\n",
                minimal.replacingFirst("demo-volume", with: "other-volume").replacingFirst(
                    "/srv/juicectl/demo", with: "/srv/juicectl/other")
                    + "metadata:\n  url: postgres://b@db.example.com:5432/jfs?sslmode=disable\n",
            ], schema: .accepts, tool: .rejects, at: "metadata.url", toolStricter: crossDocument),
        .extending(
            "an S3 replica needs a bucket", "backup:\n  replica:\n    type: s3",
            schema: .accepts, tool: .rejects, at: "backup.replica", toolStricter: crossKey),
        .extending(
            "an S3 replica's access key needs a secret key",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    accessKey: {env: LS_ACCESS_KEY}",
            schema: .accepts, tool: .rejects, at: "backup.replica.accessKey", toolStricter: crossKey),
        .extending(
            "a replica path belongs to type file",
            "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    path: /srv/backups/demo",
            schema: .accepts, tool: .rejects, at: "backup.replica.path", toolStricter: crossKey),
        .extending(
            "a replica bucket belongs to type s3", "backup:\n  replica:\n    type: file\n    bucket: http://127.0.0.1:9000/backups",
            schema: .accepts, tool: .rejects, at: "backup.replica.bucket", toolStricter: crossKey),
        .extending(
            "a replica prefix belongs to type s3, also when the type is left out", "backup:\n  replica:\n    prefix: volumes/demo",
            schema: .accepts, tool: .rejects, at: "backup.replica.prefix", toolStricter: crossKey),
        .extending(
            "an S3 replica in the storage bucket stays out of the volume's own <name>/ prefix",
            """
            storage:\n  type: s3\n  bucket: http://127.0.0.1:9000/shared\nbackup:\n  replica:\n    type: s3\n    bucket: \
            http://127.0.0.1:9000/shared\n    prefix: demo-volume/litestream
            """,
            schema: .accepts, tool: .rejects, at: "backup.replica.prefix", toolStricter: crossKey),
        .extending(
            "an S3 replica's bucket port is at most 65535", "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:65536/backups",
            schema: .accepts, tool: .rejects, at: "backup.replica.bucket", toolStricter: portRange),
        .extending(
            "a sync interval below 1s is rejected", "backup:\n  syncInterval: 500ms",
            schema: .accepts, tool: .rejects, at: "backup.syncInterval", toolStricter: durationMinimum),
        .extending(
            "a snapshot interval of 0 is rejected", "backup:\n  snapshotInterval: \"0\"",
            schema: .accepts, tool: .rejects, at: "backup.snapshotInterval", toolStricter: durationMinimum),
        .extending(
            "a retention below 1s is rejected", "backup:\n  retention: 999ms",
            schema: .accepts, tool: .rejects, at: "backup.retention", toolStricter: durationMinimum),
        .extending(
            "the replica may not lie inside the mount point", "backup:\n  replica:\n    path: /srv/juicectl/demo/data/replica",
            schema: .accepts, tool: .rejects, at: "backup.replica.path", toolStricter: crossKey),
        .extending(
            "the replica may not be the metadata database's directory", "backup:\n  replica:\n    path: /srv/juicectl/demo",
            schema: .accepts, tool: .rejects, at: "backup.replica.path", toolStricter: crossKey),
        .extending(
            "the replica may not contain the metadata database",
            """
            metadata:\n  url: sqlite3:///srv/juicectl/demo/replica/meta/metadata.db\nbackup:\n  replica:\n    path: \
            /srv/juicectl/demo/replica
            """,
            schema: .accepts, tool: .rejects, at: "backup.replica.path", toolStricter: crossKey),
        AgreementRow(
            label: "two documents may not share a replica",
            documents: [
                minimal + "backup:\n  replica:\n    path: /srv/backups/shared\n",
                minimal.replacingFirst("demo-volume", with: "other-volume").replacingFirst(
                    "/srv/juicectl/demo", with: "/srv/juicectl/other")
                    + "backup:\n  replica:\n    path: /srv/backups/shared\n",
            ], schema: .accepts, tool: .rejects, at: "backup.replica.path", toolStricter: crossDocument),
        AgreementRow(
            label: "one document's replica may not lie inside another's",
            documents: [
                minimal + "backup:\n  replica:\n    path: /srv/backups\n",
                minimal.replacingFirst("demo-volume", with: "other-volume").replacingFirst(
                    "/srv/juicectl/demo", with: "/srv/juicectl/other")
                    + "backup:\n  replica:\n    path: /srv/backups/other-volume\n",
            ], schema: .accepts, tool: .rejects, at: "backup.replica.path", toolStricter: crossDocument),
        AgreementRow(
            label: "two documents' S3 replicas may not share a prefix in one bucket",
            documents: [
                minimal + "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: shared\n",
                minimal.replacingFirst("demo-volume", with: "other-volume").replacingFirst(
                    "/srv/juicectl/demo", with: "/srv/juicectl/other")
                    + "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups/\n    prefix: shared\n",
            ], schema: .accepts, tool: .rejects, at: "backup.replica", toolStricter: crossDocument),
        AgreementRow(
            label: "one document's S3 replica prefix may not lie inside another's",
            documents: [
                minimal + "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: volumes\n",
                minimal.replacingFirst("demo-volume", with: "other-volume").replacingFirst(
                    "/srv/juicectl/demo", with: "/srv/juicectl/other")
                    + "backup:\n  replica:\n    type: s3\n    bucket: http://127.0.0.1:9000/backups\n    prefix: volumes/other-volume\n",
            ], schema: .accepts, tool: .rejects, at: "backup.replica", toolStricter: crossDocument),
        AgreementRow(
            label: "two documents may not declare the same volume name",
            documents: [
                minimal,
                minimal.replacingFirst("/srv/juicectl/demo", with: "/srv/juicectl/other"),
            ], schema: .accepts, tool: .rejects, at: "name", toolStricter: crossDocument),
    ]
}

extension AgreementRow {
    /// The row with the first occurrence of `target` in its documents replaced.
    func replacingFirst(_ target: String, with replacement: String) -> AgreementRow {
        var copy = self
        copy.documents = documents.map { $0.replacingFirst(target, with: replacement) }
        return copy
    }
}

extension String {
    /// The string with the first occurrence of `target` replaced; `target` must occur.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { preconditionFailure("'\(target)' is not in the document") }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
