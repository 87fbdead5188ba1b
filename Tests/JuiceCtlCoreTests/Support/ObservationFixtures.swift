@testable import JuiceCtlCore

/// Observations built by hand, named after the situation they describe.
enum ObservationFixture {
    /// The format settings a freshly formatted volume of `spec` reports.
    static func formatInfo(_ spec: VolumeSpec, uuid: String = "0b5d5c5e-uuid") -> FormatInfo {
        FormatInfo(name: spec.name, uuid: uuid, storage: spec.storage.juicefsType, bucket: spec.storage.bucket,
                   blockSizeKiB: Int(spec.format.blockSize.bytes / ByteSize.kib), compression: spec.format.compression,
                   trashDays: spec.format.trashDays)
    }

    /// A healthy mount started with exactly the command line `spec` asks for.
    static func liveMount(_ spec: VolumeSpec, arguments: [String]? = nil, supervisorAlive: Bool = true,
                          stackedEntries: Int = 1) -> LiveMount {
        LiveMount(format: formatInfo(spec), pid: 4242, supervisorPID: 4241, supervisorAlive: supervisorAlive,
                  arguments: arguments ?? MountCommand.arguments(for: spec), stackedEntries: stackedEntries,
                  usage: .init(usedBytes: 1 << 20, totalBytes: 10 << 40, usedInodes: 12, totalInodes: 1000))
    }

    /// Quota readings that agree with every quota the spec declares.
    static func matchingQuotas(_ spec: VolumeSpec, source: String = "statfs") -> [String: QuotaReading] {
        Dictionary(uniqueKeysWithValues: spec.quotas.map {
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

    /// Formatted and mounted exactly as `spec` declares, with every directory and quota in place.
    static func converged(_ spec: VolumeSpec) -> VolumeObservation {
        VolumeObservation(metadata: .formatted(formatInfo(spec)), storage: .holdsVolume(uuid: formatInfo(spec).uuid),
                          mount: .live(liveMount(spec)), directories: allDirectories(spec),
                          quotas: matchingQuotas(spec), managedQuotaPaths: spec.quotas.map(\.path),
                          probes: [ProbeRecord(source: "mountinfo", microseconds: 120, ok: true),
                                   ProbeRecord(source: "juicefs status", microseconds: 90_000, ok: true)])
    }

    /// Formatted, with its objects in place, but not mounted.
    static func formattedNotMounted(_ spec: VolumeSpec, quotas: [String: QuotaReading]? = nil) -> VolumeObservation {
        VolumeObservation(metadata: .formatted(formatInfo(spec)), storage: .holdsVolume(uuid: formatInfo(spec).uuid),
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
