internal import Foundation
internal import JuiceCtlCore

/// The quotas of the paths the spec or juicectl's state names.
extension VolumeObserver {
    /// The quotas of a mounted volume, for every path the spec or `state` names: from `statfs` where it shows the
    /// spec's limits, from juicectl's record of a quota it set shortly before `now` (within three of the mount's
    /// heartbeats, from `mountConfig`, and 5 s: the mount has not loaded it yet), else from `juicefs quota get`;
    /// `nil` when they cannot be read.
    func observeQuotas(
        _ spec: VolumeSpec, state: VolumeState, directories: [String: DirectoryState],
        mountConfig: JuiceFSOutput.MountConfig?, now: Date, recorder: inout ProbeRecorder
    ) async -> [String: QuotaReading]? {
        let heartbeat = Duration.nanoseconds(mountConfig?.meta?.heartbeat ?? 12_000_000_000)
        guard let root = await recorder.measure("statfs /", { await host.statfs(spec.mount.path, deadline: probeDeadline) }) else {
            return nil
        }
        var readings: [String: QuotaReading] = [:]
        let declared = Dictionary(spec.quotas.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let paths = spec.quotas.map(\.path) + state.quotas.keys.sorted().filter { declared[$0] == nil }
        let window = heartbeat * 3 + .seconds(5)
        for path in paths {
            let desired = declared[path]
            if directories[path] == .missing {
                readings[path] = .none(source: "stat")
                continue
            }
            // A quota juicectl set (and verified with `juicefs quota get`) moments ago reaches the mount only at its
            // next heartbeat, so statfs still shows the old limits: the record answers instead.
            if let record = state.quotas[path], now.timeIntervalSince(record.setAt) < Double(window.milliseconds) / 1000 {
                if let desired, record.capacity == desired.capacity?.bytes, record.inodes == desired.inodes {
                    let age = Int(now.timeIntervalSince(record.setAt))
                    readings[path] = QuotaReading(
                        capacity: record.capacity, inodes: record.inodes,
                        source: "juicectl state: set and verified \(age) s ago")
                } else {
                    guard let table = await quotaGet(spec, path, recorder: &recorder) else { return nil }
                    readings[path] = table
                }
                continue
            }
            let statfs = await recorder.measure("statfs \(path)") {
                await host.statfs(HostPath.join(spec.mount.path, path), deadline: probeDeadline)
            }
            if let statfs, QuotaStatfs.agrees(directory: statfs, root: root, desired: desired) {
                readings[path] = QuotaStatfs.reading(directory: statfs, root: root, desired: desired)
                continue
            }
            guard let table = await quotaGet(spec, path, recorder: &recorder) else { return nil }
            // The table rounds (`10 TiB`); where it agrees with the spec but statfs does not, statfs is exact to
            // a block for the limits the spec sets.
            if let desired, table.matches(desired), let statfs {
                readings[path] = QuotaStatfs.combined(directory: statfs, table: table, desired: desired)
            } else {
                readings[path] = table
            }
        }
        return readings
    }

    private func quotaGet(_ spec: VolumeSpec, _ path: String, recorder: inout ProbeRecorder) async -> QuotaReading? {
        await recorder.measure("juicefs quota get \(path)") { try? await juicefs.quotaGet(spec.metadata, path: path) }
    }
}
