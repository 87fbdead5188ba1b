/// The Litestream configuration of one volume: its one database, replicated to its own location. juicectl writes it
/// to `<baseDir>/.juicectl/litestream.yml`; a different text than the running process was started with means a
/// planned restart.
public enum LitestreamConfig {
    /// The YAML text for `spec`, or `nil` when the volume has no backup.
    public static func text(for spec: VolumeSpec) -> String? {
        guard let backup = spec.backup, let database = spec.metadata.sqlitePath else { return nil }
        return """
            # Written by juicectl for volume \(spec.name); changes are overwritten.
            logging:
              level: info
            socket:
              enabled: true
              path: \(quoted(spec.litestreamSocket))
            snapshot:
              interval: \(backup.snapshotInterval)
              retention: \(backup.retention)
            dbs:
              - path: \(quoted(database))
                replica:
            \(replicaLines(backup.replica))
                  sync-interval: \(backup.syncInterval)

            """
    }

    /// The replica's location. An S3 replica's keys are not written: Litestream reads them from its environment
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), where juicectl puts them.
    private static func replicaLines(_ replica: VolumeSpec.BackupSettings.Replica) -> String {
        let lines: [String] =
            switch replica {
            case .file(let path):
                ["type: file", "path: \(quoted(path))"]
            case .s3(let s3):
                [
                    "type: s3", "bucket: \(quoted(s3.bucketName))", "path: \(quoted(s3.prefix))", "endpoint: \(quoted(s3.endpoint))",
                    "region: \(quoted(s3.region))", "force-path-style: true",
                ]
            }
        return lines.map { "      " + $0 }.joined(separator: "\n")
    }

    /// A short digest of a configuration text (FNV-1a, 64 bits), recorded with the pid of the process that runs it.
    public static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return String(hash, radix: 16)
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}
