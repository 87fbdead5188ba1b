internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Sets a quota to exactly the declared limits, then reads it back with `juicefs quota get`. A step planned
    /// `ifStillNeeded` (the quotas could not be read) is skipped when the quota already has them.
    func setQuota(_ quota: VolumeSpec.Quota, ifStillNeeded: Bool, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        if case .live = await observer.mountState(spec) {
            let status = await host.stat(HostPath.join(spec.mount.path, quota.path), deadline: .seconds(5))
            guard case .found(_, true) = status else {
                throw StepError("\(quota.path) is not a directory on the volume")
            }
        }
        if ifStillNeeded, let current = try? await juicefs.quotaGet(spec.metadata, path: quota.path),
            current.matches(quota)
        {
            try record(quota, spec: spec, setNow: false)
            try resolveRestoreShortfall(at: quota.path, spec: spec)
            return .skipped("\(quota.path) already has \(QuotaRenderer.limits(quota))")
        }
        try await setVerified(quota, spec: spec)
        try record(quota, spec: spec, setNow: true)
        try resolveRestoreShortfall(at: quota.path, spec: spec)
        return .done(
            "\(quota.path): \(QuotaRenderer.limits(quota)) (verified with juicefs quota get; "
                + "a running mount enforces it from its next heartbeat)"
        )
    }

    /// The one way juicectl sets a quota (the set-quota step and a restore's quotas on the new tree): `juicefs
    /// quota set`, then `juicefs quota get` must read the declared limits back.
    func setVerified(_ quota: VolumeSpec.Quota, spec: VolumeSpec) async throws {
        try await juicefs.quotaSet(spec.metadata, quota)
        let readBack = try await juicefs.quotaGet(spec.metadata, path: quota.path)
        guard readBack.matches(quota) else {
            throw StepError("juicefs quota set returned, but quota get shows \(QuotaRenderer.readBack(readBack))")
        }
    }

    /// Removes a quota juicectl set, then checks it is gone.
    func removeQuota(_ path: String, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        try await juicefs.quotaDelete(spec.metadata, path: path)
        let readBack = try await juicefs.quotaGet(spec.metadata, path: path)
        guard readBack.isNone else { throw StepError("juicefs quota delete returned, but \(path) still has a quota") }
        try StateStore(stateDir: spec.stateDir, host: host).update { $0.quotas.removeValue(forKey: path) }
        return .done("removed the quota on \(path)")
    }

    func record(_ quota: VolumeSpec.Quota, spec: VolumeSpec, setNow: Bool) throws {
        try StateStore(stateDir: spec.stateDir, host: host).update { state in
            state.quotas[quota.path] = .init(
                capacity: quota.capacity?.bytes, inodes: quota.inodes,
                setAt: setNow ? clock.date() : .distantPast)
        }
    }
}
