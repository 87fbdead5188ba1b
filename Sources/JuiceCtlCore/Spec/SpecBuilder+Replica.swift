/// The backup's replica: which keys belong to which type, the S3 replica's defaults and key references. The bucket
/// URL, prefix and region themselves are checked by the validator; an invalid one is reported there and only left
/// out here.
extension SpecBuilder {
    /// The keys of `backup.replica` that belong to type s3.
    static let s3ReplicaKeys = ["bucket", "prefix", "region", "accessKey", "secretKey"]

    /// The default prefix of an S3 replica: beside, never inside, the `NAME/` prefix JuiceFS keeps a volume's objects
    /// under, so that one bucket can hold both.
    static func defaultReplicaPrefix(volume name: String) -> String { "juicefs-metadata/\(name)" }

    mutating func replica(_ node: SpecNode?, baseDir: String, name: String, storage: VolumeSpec.Storage)
        -> VolumeSpec.BackupSettings.Replica
    {
        let typeNode = node?["type"]
        let fallback = VolumeSpec.BackupSettings.Replica.file(path: "\(baseDir)/replica")
        guard typeNode?.string == "s3" else {
            // A type the validator rejected is reported there; what belongs to s3 is only worth saying for file.
            if typeNode == nil || typeNode?.string == "file" {
                for key in Self.s3ReplicaKeys {
                    guard let keyNode = node?[key] else { continue }
                    error(
                        keyNode, "backup.replica.\(key)", "'\(key)' belongs to type s3",
                        hint: "for a file replica, set backup.replica.path; for S3, set type: s3")
                }
            }
            return absolutePath(node?["path"], "backup.replica.path").map { .file(path: $0) } ?? fallback
        }
        if let pathNode = node?["path"] {
            error(
                pathNode, "backup.replica.path", "'path' belongs to type file",
                hint: "for s3, bucket and prefix name where the replica goes")
        }
        let (accessKey, secretKey) = keyPair(node, "backup.replica", reader: "Litestream")
        guard let node, let bucketNode = node["bucket"] else {
            // `node` is there: a replica without a mapping has no type s3.
            if let node {
                error(node, "backup.replica", "replica type s3 needs a bucket", hint: "e.g. bucket: https://s3.example.com/my-backups")
            }
            return fallback
        }
        guard let bucket = values.bucket("backup.replica.bucket") else { return fallback }
        let prefix = values.text("backup.replica.prefix") ?? Self.defaultReplicaPrefix(volume: name)
        let region = values.text("backup.replica.region") ?? VolumeSpec.BackupSettings.S3Replica.defaultRegion
        // JuiceFS owns BUCKET/NAME/ of its storage bucket (format refuses a non-empty one, destroy empties it).
        if case .s3(let storageBucket, _, _) = storage, storageBucket == bucket, prefix == name || prefix.hasPrefix(name + "/") {
            error(
                node["prefix"] ?? bucketNode, "backup.replica.prefix",
                "the replica's prefix '\(prefix)' lies inside \(name)/, where JuiceFS keeps this volume's objects in the same bucket",
                hint: "use another prefix, e.g. the default \(Self.defaultReplicaPrefix(volume: name))")
        }
        return .s3(.init(bucket: bucket, prefix: prefix, region: region, accessKey: accessKey, secretKey: secretKey))
    }
}
