extension VolumeSpec {
    /// Object storage of a volume.
    public enum Storage: Sendable, Hashable, Codable {
        /// Files in a directory on this host (`juicefs format --storage file`).
        case local(path: String)
        /// An S3-compatible bucket (`juicefs format --storage s3`): `bucket` is the path-style URL
        /// `http(s)://HOST[:PORT]/BUCKET`, normalised (host in lower case, no trailing `/`) and without credentials;
        /// the keys are both given or both `nil` (juicefs then uses the ambient credentials).
        case s3(bucket: String, accessKey: SecretSource?, secretKey: SecretSource?)

        /// The `--storage` value.
        public var juicefsType: String {
            switch self {
            case .local: "file"
            case .s3: "s3"
            }
        }

        /// The `--bucket` value: for local storage, the directory with a trailing slash; for s3, the bucket URL.
        public var bucket: String {
            switch self {
            case .local(let path): path.hasSuffix("/") ? path : path + "/"
            case .s3(let bucket, _, _): bucket
            }
        }

        /// The directory of local storage; `nil` for storage that is not on this host.
        public var localPath: String? {
            switch self {
            case .local(let path): path
            case .s3: nil
            }
        }

        /// Where JuiceFS writes `juicefs_uuid` for volume `name`, when the storage is on this host.
        public func uuidFilePath(volume name: String) -> String? {
            switch self {
            case .local(let path): "\(path)/\(name)/juicefs_uuid"
            case .s3: nil
            }
        }

        /// The storage for plan and status output, without secrets: `file /srv/demo/objects/`,
        /// `s3 https://s3.example.com/b (accessKey: env AK, secretKey: file /etc/sk)` or
        /// `s3 https://s3.example.com/b (ambient credentials)`.
        public var displayEndpoint: String {
            switch self {
            case .local:
                return "\(juicefsType) \(bucket)"
            case .s3(let bucket, let accessKey, let secretKey):
                let keys =
                    if let accessKey, let secretKey { "accessKey: \(accessKey), secretKey: \(secretKey)" } else { "ambient credentials" }
                return "\(juicefsType) \(Redaction.redactBucketURL(bucket)) (\(keys))"
            }
        }
    }

    /// The metadata engine of a volume.
    public struct Metadata: Sendable, Hashable, Codable {
        /// The engines juicectl accepts.
        public enum Engine: String, Sendable, Hashable, Codable {
            /// SQLite, a file on this host (`sqlite3://`).
            case sqlite
            /// Redis (`redis://`, or `rediss://` with TLS).
            case redis
            /// PostgreSQL (`postgres://`).
            case postgres
        }

        /// The URL juicefs is given, with the connection parameters juicectl adds; never with a password.
        public var url: String
        /// For SQLite, the database file.
        public var sqlitePath: String?
        /// Where the password is read from (Redis and PostgreSQL); `nil`: none.
        public var password: SecretSource?

        /// The engine, from the URL's scheme.
        public var engine: Engine {
            if url.hasPrefix("redis://") || url.hasPrefix("rediss://") { return .redis }
            if url.hasPrefix("postgres://") { return .postgres }
            return .sqlite
        }

        /// Creates a SQLite engine at `path`, in WAL mode with a busy timeout.
        public static func sqlite(path: String, parameters: String? = nil) -> Metadata {
            var query = parameters.map { Self.parseQuery($0) } ?? []
            if !query.contains(where: { $0.0 == "_journal_mode" || $0.0 == "_journal" }) { query.append(("_journal_mode", "WAL")) }
            if !query.contains(where: { $0.0 == "_busy_timeout" || $0.0 == "_timeout" }) { query.append(("_busy_timeout", "5000")) }
            let queryText = query.map { $0.1.isEmpty ? $0.0 : "\($0.0)=\($0.1)" }.joined(separator: "&")
            return Metadata(url: "sqlite3://\(path)?\(queryText)", sqlitePath: path)
        }

        /// Creates a Redis engine at `url` (`redis://` or `rediss://`, without a password).
        public static func redis(url: String, password: SecretSource? = nil) -> Metadata {
            Metadata(url: url, sqlitePath: nil, password: password)
        }

        /// Creates a PostgreSQL engine at `url` (`postgres://`, without a password).
        public static func postgres(url: String, password: SecretSource? = nil) -> Metadata {
            Metadata(url: url, sqlitePath: nil, password: password)
        }

        static func parseQuery(_ text: String) -> [(String, String)] {
            text.split(separator: "&").map { part in
                let pieces = part.split(separator: "=", maxSplits: 1)
                return (String(pieces[0]), pieces.count > 1 ? String(pieces[1]) : "")
            }
        }

        /// The URL safe to print: a password or secret-looking parameter (see ``Redaction/redactURL(_:)``) replaced by
        /// `****`.
        public var redactedURL: String { Redaction.redactURL(url) }

        /// The engine for plan and status output, without secrets: the redacted URL, and where the password comes
        /// from when there is one: `redis://10.0.0.5:6379/1 (password: env REDIS_PASSWORD)`.
        public var displayURL: String {
            password.map { "\(redactedURL) (password: \($0))" } ?? redactedURL
        }

        /// What identifies the database: two volumes with the same identity would share their metadata
        /// (see ``MetadataURL/identity(of:sqlitePath:)``).
        var identity: String { MetadataURL.identity(of: url, sqlitePath: sqlitePath) }
    }
}
