extension VolumeSpec.BackupSettings {
    /// Where Litestream keeps the replica of the metadata database.
    public enum Replica: Sendable, Hashable, Codable {
        /// A directory on this host.
        case file(path: String)
        /// A prefix in an S3-compatible bucket.
        case s3(S3Replica)

        /// The replica for plan, status and messages, without secrets: `/srv/demo/replica`, or
        /// `s3 http://127.0.0.1:9000/backups/demo (accessKey: env AK, secretKey: env SK)`.
        public var display: String {
            switch self {
            case .file(let path): path
            case .s3(let replica): replica.display
            }
        }
    }

    /// A Litestream replica in an S3-compatible bucket.
    public struct S3Replica: Sendable, Hashable, Codable {
        /// The bucket as a normalised path-style URL, `http(s)://HOST[:PORT]/BUCKET` (the rules of `storage.bucket`).
        public var bucket: String
        /// The key prefix inside the bucket, without a leading or trailing `/`: the volume's name by default.
        public var prefix: String
        /// The region Litestream signs its requests for. Default: `us-east-1`.
        public var region: String
        /// Where the access key is read from; with ``secretKey`` both given or both `nil` (Litestream then uses the
        /// credentials of its environment).
        public var accessKey: VolumeSpec.SecretSource?
        /// Where the secret key is read from.
        public var secretKey: VolumeSpec.SecretSource?

        /// The default region.
        public static let defaultRegion = "us-east-1"

        /// Creates a replica location.
        public init(
            bucket: String, prefix: String, region: String = defaultRegion, accessKey: VolumeSpec.SecretSource? = nil,
            secretKey: VolumeSpec.SecretSource? = nil
        ) {
            self.bucket = bucket
            self.prefix = prefix
            self.region = region
            self.accessKey = accessKey
            self.secretKey = secretKey
        }

        /// `http(s)://HOST[:PORT]`: the endpoint Litestream talks to.
        public var endpoint: String {
            // A normalised bucket URL is `SCHEME://AUTHORITY/BUCKET`: everything before its last `/`.
            guard let slash = bucket.lastIndex(of: "/") else { return bucket }
            return String(bucket[..<slash])
        }

        /// The bucket's name: the URL's one path segment.
        public var bucketName: String {
            String(bucket.split(separator: "/").last ?? "")
        }

        /// The replica for plan and status output, without secrets.
        public var display: String {
            let keys = if let accessKey, let secretKey { "accessKey: \(accessKey), secretKey: \(secretKey)" } else { "ambient credentials" }
            return "s3 \(Redaction.redactBucketURL(bucket))/\(prefix) (\(keys))"
        }

        /// Whether two replicas could write into each other's keys: the same bucket, one prefix within the other.
        public func overlaps(_ other: S3Replica) -> Bool {
            guard bucket == other.bucket else { return false }
            return prefix == other.prefix || prefix.hasPrefix(other.prefix + "/") || other.prefix.hasPrefix(prefix + "/")
        }
    }
}
