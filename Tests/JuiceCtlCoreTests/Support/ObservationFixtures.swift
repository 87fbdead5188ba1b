@testable import JuiceCtlCore

/// Observations built by hand, named after the situation they describe.
enum ObservationFixture {
    /// The format settings a freshly formatted volume of `spec` reports.
    static func formatInfo(_ spec: VolumeSpec, uuid: String = "0b5d5c5e-uuid") -> FormatInfo {
        FormatInfo(
            name: spec.name, uuid: uuid, storage: spec.storage.juicefsType, bucket: spec.storage.bucket,
            blockSizeKiB: Int(spec.format.blockSize.bytes / ByteSize.kib), compression: spec.format.compression,
            trashDays: spec.format.trashDays)
    }

    /// A healthy mount started with exactly the command line `spec` asks for.
    static func liveMount(
        _ spec: VolumeSpec, arguments: [String]? = nil, supervisorAlive: Bool = true,
        stackedEntries: Int = 1
    ) -> LiveMount {
        LiveMount(
            format: formatInfo(spec), pid: 4242, supervisorPID: 4241, supervisorAlive: supervisorAlive,
            arguments: arguments ?? MountCommand.arguments(for: spec), stackedEntries: stackedEntries,
            usage: .init(usedBytes: 1 << 20, totalBytes: 10 << 40, usedInodes: 12, totalInodes: 1000))
    }

    /// Quota readings that agree with every quota the spec declares.
    static func matchingQuotas(_ spec: VolumeSpec, source: String = "statfs") -> [String: QuotaReading] {
        Dictionary(
            uniqueKeysWithValues: spec.quotas.map {
                ($0.path, QuotaReading(capacity: $0.capacity?.bytes, inodes: $0.inodes, source: source))
            })
    }

    /// Every directory the spec needs, present.
    static func allDirectories(_ spec: VolumeSpec) -> [String: DirectoryState] {
        var directories: [String: DirectoryState] = [:]
        for path in spec.volumeDirectories + spec.quotas.map(\.path) {
            var current = ""
            for component in path.split(separator: "/") {
                current += "/\(component)"
                directories[current] = .directory
            }
        }
        return directories
    }

    /// Nothing exists yet: no database, no objects, no mount.
    static func fresh() -> VolumeObservation {
        VolumeObservation(metadata: .missing, storage: .empty, mount: .absent)
    }

    /// Formatted and mounted exactly as `spec` declares, with every directory and quota in place, and (when the
    /// spec has a backup) Litestream replicating with the spec's configuration.
    static func converged(_ spec: VolumeSpec) -> VolumeObservation {
        VolumeObservation(
            metadata: .formatted(formatInfo(spec)), storage: .holdsVolume(uuid: formatInfo(spec).uuid),
            mount: .live(liveMount(spec)), directories: allDirectories(spec),
            quotas: matchingQuotas(spec), managedQuotaPaths: spec.quotas.map(\.path),
            probes: [
                ProbeRecord(source: "mountinfo", microseconds: 120, ok: true),
                ProbeRecord(source: "juicefs status", microseconds: 90_000, ok: true),
            ],
            backup: replicating(spec))
    }

    /// The pid of the Litestream in ``replicating(_:txid:)``.
    static let litestreamPID: Int32 = 5151

    /// Litestream running for an hour with the configuration `spec` asks for, the replica level with the database
    /// and written 2 s ago; `nil` when the spec has no backup.
    static func replicating(_ spec: VolumeSpec, txid: UInt64 = 0x2a) -> BackupObservation? {
        guard let text = LitestreamConfig.text(for: spec) else { return nil }
        var backup = BackupObservation(
            process: .running(pid: litestreamPID, configDigest: LitestreamConfig.digest(text)),
            configCurrent: true, replicaExists: true, localTXID: txid, replicaTXID: txid,
            replicaAgeSeconds: 2)
        backup.runningSeconds = 3600
        return backup
    }

    /// Nothing of Litestream on the host: no process, no replica.
    static let noBackup = BackupObservation(process: .stopped, configCurrent: false, replicaExists: false)

    /// Formatted, with its objects in place, but not mounted.
    static func formattedNotMounted(_ spec: VolumeSpec, quotas: [String: QuotaReading]? = nil) -> VolumeObservation {
        VolumeObservation(
            metadata: .formatted(formatInfo(spec)), storage: .holdsVolume(uuid: formatInfo(spec).uuid),
            mount: .absent, quotas: quotas)
    }

    /// `converged` with `change` applied.
    static func converged(_ spec: VolumeSpec, _ change: (inout VolumeObservation) -> Void) -> VolumeObservation {
        var observation = converged(spec)
        change(&observation)
        return observation
    }

    /// The desired mount command line with the word starting with `prefix` replaced by `replacement` (or removed).
    static func arguments(_ spec: VolumeSpec, replacing prefix: String, with replacement: [String]) -> [String] {
        var arguments = MountCommand.arguments(for: spec)
        if let index = arguments.firstIndex(where: { $0.hasPrefix(prefix) }) {
            arguments.replaceSubrange(index...index, with: replacement)
        }
        return arguments
    }
}
