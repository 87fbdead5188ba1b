/// Where a volume's ownership record lives: in its replica location, so that every host that could pick the volume
/// up (by restoring the replica) reads the same record.
public enum OwnershipLocation: Sendable, Hashable {
    /// An object next to (not inside) Litestream's prefix in the replica bucket: `<prefix>.juicectl-owner.json`.
    case s3(S3Object)
    /// A file inside the file replica's directory: `<replica>/juicectl-owner.json`.
    case file(path: String)

    /// What follows an S3 replica's prefix in the record's key.
    public static let s3KeySuffix = ".juicectl-owner.json"
    /// The record's file name inside a file replica's directory.
    public static let fileName = "juicectl-owner.json"

    /// The record of an S3 replica.
    ///
    /// Next to the prefix rather than inside it: Litestream owns every key under `<prefix>/` (it lists, compacts and
    /// deletes there), and nothing under it is juicectl's. A key beside the prefix is outside every listing
    /// Litestream 0.5.17 makes (measured: `replicate`, `ltx` and `restore` with the record present).
    public static func s3(replica: VolumeSpec.BackupSettings.S3Replica) -> OwnershipLocation {
        .s3(
            S3Object(
                bucket: replica.bucket, key: replica.prefix + s3KeySuffix, region: replica.region,
                accessKey: replica.accessKey, secretKey: replica.secretKey))
    }

    /// The record of a file replica in `directory`.
    ///
    /// Inside the directory rather than beside it: a replica shared by several hosts is typically a network
    /// filesystem mounted at the replica path itself, and a file beside that path would be on each host's own disk,
    /// where no other host sees it. Litestream 0.5.17 reads only `ltx/` of a file replica (measured: `replicate`,
    /// `ltx` and `restore` with the record present), and so does juicectl's own reading of the replica.
    public static func file(replicaDirectory directory: String) -> OwnershipLocation {
        let trimmed = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return .file(path: "\(trimmed)/\(fileName)")
    }

    /// The location for messages, without secrets: `s3 https://s3.example.com/b/vols/demo.juicectl-owner.json`
    /// (the bucket URL redacted as everywhere), or the file's path.
    public var display: String {
        switch self {
        case .s3(let object): "s3 \(object.displayURL)"
        case .file(let path): path
        }
    }

    /// An object in an S3-compatible bucket, and how to sign requests for it.
    public struct S3Object: Sendable, Hashable {
        /// The bucket as a normalised path-style URL, `http(s)://HOST[:PORT]/BUCKET`.
        public var bucket: String
        /// The object's key (the replica's prefix characters: `A-Z a-z 0-9 . _ - /`, which need no escaping).
        public var key: String
        /// The region requests are signed for.
        public var region: String
        /// Where the access key is read from; `nil` when the spec leaves the keys to the environment.
        public var accessKey: VolumeSpec.SecretSource?
        /// Where the secret key is read from.
        public var secretKey: VolumeSpec.SecretSource?

        /// Creates an object location.
        public init(
            bucket: String, key: String, region: String, accessKey: VolumeSpec.SecretSource?,
            secretKey: VolumeSpec.SecretSource?
        ) {
            self.bucket = bucket
            self.key = key
            self.region = region
            self.accessKey = accessKey
            self.secretKey = secretKey
        }

        /// `BUCKET-URL/KEY`: what requests go to.
        public var url: String { "\(bucket)/\(key)" }

        /// ``url`` safe to print.
        public var displayURL: String { "\(Redaction.redactBucketURL(bucket))/\(key)" }

        /// Whether requests go over TLS (and the server's certificate is verified).
        public var isHTTPS: Bool { bucket.hasPrefix("https://") }
    }
}
