/// The storage and metadata sections: which keys belong to which type or engine, and the secret references. The
/// URLs themselves are checked by the validator (``BucketURL``, ``MetadataURL``); an invalid one is reported there
/// and only left out here.
extension SpecBuilder {
    mutating func storage(_ node: SpecNode?, baseDir: String, root: SpecNode) -> VolumeSpec.Storage {
        let typeNode = node?["type"]
        let fallback = VolumeSpec.Storage.local(path: "\(baseDir)/objects")
        guard typeNode?.string == "s3" else {
            // A type the validator rejected is reported there; what belongs to s3 is only worth saying for local.
            if typeNode == nil || typeNode?.string == "local" {
                for key in ["bucket", "accessKey", "secretKey"] {
                    guard let keyNode = node?[key] else { continue }
                    error(
                        keyNode, "storage.\(key)", "'\(key)' belongs to type s3",
                        hint: "for local storage, set storage.path; for S3, set type: s3")
                }
            }
            return absolutePath(node?["path"], "storage.path").map { .local(path: $0) } ?? fallback
        }
        if let pathNode = node?["path"] {
            error(pathNode, "storage.path", "'path' belongs to type local", hint: "for s3, bucket names where the objects are")
        }
        let (accessKey, secretKey) = keyPair(node, "storage", reader: "juicefs")
        guard let bucketNode = node?["bucket"] else {
            error(node ?? root, "storage", "storage type s3 needs a bucket", hint: "e.g. bucket: https://s3.example.com/my-bucket")
            return fallback
        }
        guard bucketNode.string != nil, let bucket = values.bucket("storage.bucket") else { return fallback }
        return .s3(bucket: bucket, accessKey: accessKey, secretKey: secretKey)
    }

    mutating func metadata(_ node: SpecNode?, baseDir: String, name: String) -> VolumeSpec.Metadata {
        var metadata = VolumeSpec.Metadata.sqlite(path: "\(baseDir)/metadata.db")
        let urlNode = node?["url"]
        let url = urlNode?.string
        if let urlNode, let url, let engine = values.metadataEngine("metadata.url") {
            switch engine {
            case .sqlite:
                let rest = url.dropFirst("sqlite3://".count)
                let (pathPart, query) =
                    rest.firstIndex(of: "?").map { (String(rest[..<$0]), String(rest[rest.index(after: $0)...])) } ?? (String(rest), nil)
                if let path = HostPath.normalize(pathPart) {
                    metadata = .sqlite(path: path, parameters: query)
                } else {
                    error(
                        urlNode, "metadata.url", "'\(Redaction.redactURL(url))' does not name an absolute, normalised database path",
                        hint: "e.g. sqlite3:///var/lib/juicectl/\(name.isEmpty ? "NAME" : name)/metadata.db")
                }
            case .redis: metadata = .redis(url: url)
            case .postgres: metadata = .postgres(url: url)
            }
        }
        if let passwordNode = node?["password"] {
            let password = secret(passwordNode, "metadata.password")
            if urlNode == nil || url?.hasPrefix("sqlite3:") == true {
                error(
                    passwordNode, "metadata.password", "SQLite metadata has no password",
                    hint: "remove metadata.password, or point metadata.url at Redis or PostgreSQL")
            } else {
                metadata.password = password
            }
        }
        return metadata
    }

    /// `accessKey` and `secretKey` of the section at `path`: the references the validator accepted, and an error
    /// when only one of the two is given (neither means the credentials of `reader`'s environment).
    mutating func keyPair(_ node: SpecNode?, _ path: String, reader: String) -> (VolumeSpec.SecretSource?, VolumeSpec.SecretSource?) {
        let accessKeyNode = node?["accessKey"]
        let secretKeyNode = node?["secretKey"]
        let accessKey = secret(accessKeyNode, "\(path).accessKey")
        let secretKey = secret(secretKeyNode, "\(path).secretKey")
        if let present = accessKeyNode ?? secretKeyNode, (accessKeyNode == nil) != (secretKeyNode == nil) {
            let (given, missing) = accessKeyNode == nil ? ("secretKey", "accessKey") : ("accessKey", "secretKey")
            error(
                present, "\(path).\(given)", "\(given) is given without \(missing)",
                hint: "give both keys, or neither to use the credentials of \(reader)'s environment")
        }
        return (accessKey, secretKey)
    }

    /// The reference in `node`, when it is one the validator accepted; reports a file path with `.` or `..`
    /// components or a NUL (without quoting it).
    mutating func secret(_ node: SpecNode?, _ path: String) -> VolumeSpec.SecretSource? {
        guard let entries = node?.entries, entries.count == 1, let entry = entries.first,
            let text = values.text("\(path).\(entry.key)")
        else { return nil }
        switch entry.key {
        case "env":
            return .env(text)
        case "file":
            guard let normalized = HostPath.normalize(text) else {
                error(
                    entry.value, "\(path).file", "the path has '.' or '..' components or a NUL character (it is not repeated here)",
                    hint: "write the absolute path without them")
                return nil
            }
            return .file(normalized)
        default:
            return nil
        }
    }
}
