internal import Foundation
internal import JuiceCtlCore

extension VolumeObserver {
    /// The blocks the live client at `mountPath` stages and has not uploaded: counted by the mount (`.stats`), aged
    /// from the files in `<cacheDir>/<uuid>/rawstaging/`; `nil` when the mount does not say.
    ///
    /// - Parameters:
    ///   - cacheDir: the cache directory the running client was started with (the spec's, unless a change of
    ///     `mount.cacheDir` is pending).
    ///   - now: what the files' ages are judged against (the observation's instant); `nil`: the clock's present.
    func staging(mountPath: String, uuid: String, cacheDir: String, now: Date? = nil) async -> StagingObservation? {
        guard let data = await host.readFile("\(mountPath)/.stats", deadline: probeDeadline),
            let counts = StagingObservation.counts(fromStats: String(decoding: data, as: UTF8.self))
        else { return nil }
        var staging = StagingObservation(blocks: counts.blocks, bytes: counts.bytes, cacheDir: cacheDir)
        if counts.blocks > 0, let oldest = oldestFile(under: "\(cacheDir)/\(uuid)/rawstaging", depth: 6) {
            staging.oldestAgeSeconds = max(0, (now ?? clock.date()).timeIntervalSince(oldest))
        }
        return staging
    }

    /// The cache directory the running client uses: the one juicectl started it with (`recorded`, from the state
    /// file), else the spec's.
    static func runningCacheDir(_ spec: VolumeSpec, recorded: VolumeState.MountClientRecord?) -> String {
        guard let recorded, let cacheDir = MountCommand.parse(recorded.arguments).flags["cache-dir"] else { return spec.mount.cacheDir }
        return cacheDir
    }

    /// The staging of the volume's live mount at its mount point, aged at `now`; `recorded` is the client the state
    /// file names.
    func observeStaging(
        _ spec: VolumeSpec, live: LiveMount, recorded: VolumeState.MountClientRecord?, now: Date
    ) async -> StagingObservation? {
        let cacheDir = Self.runningCacheDir(spec, recorded: recorded)
        return await staging(mountPath: spec.mount.path, uuid: live.format.uuid, cacheDir: cacheDir, now: now)
    }

    /// The modification time of the oldest regular file below `directory` (local disk, not the mount).
    private func oldestFile(under directory: String, depth: Int) -> Date? {
        guard depth > 0, let names = host.contentsOfDirectory(directory) else { return nil }
        var oldest: Date?
        for name in names {
            let path = "\(directory)/\(name)"
            let candidate = host.contentsOfDirectory(path) != nil ? oldestFile(under: path, depth: depth - 1) : host.modificationDate(path)
            if let candidate, oldest.map({ candidate < $0 }) ?? true { oldest = candidate }
        }
        return oldest
    }
}
