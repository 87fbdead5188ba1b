internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Sets a quota to exactly the declared limits, then reads it back with `juicefs quota get`.
    func setQuota(_ action: Action, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard let quota = action.quota else { throw StepError("set-quota without a quota (planner bug)") }
        if case .live = await observer.mountState(spec) {
            let status = await host.stat(HostPath.join(spec.mount.path, quota.path), deadline: .seconds(5))
            guard case .found(_, true) = status else {
                throw StepError("\(quota.path) is not a directory on the volume")
            }
        }
        if action.conditional, let current = try? await juicefs.quotaGet(spec.metadata, path: quota.path),
            current.matches(quota)
        {
            try record(quota, spec: spec, setNow: false)
            try resolveRestoreShortfall(at: quota.path, spec: spec)
            return .skipped("\(quota.path) already has \(Self.describe(quota))")
        }
        try await juicefs.quotaSet(spec.metadata, quota)
        let readBack = try await juicefs.quotaGet(spec.metadata, path: quota.path)
        guard readBack.matches(quota) else {
            throw StepError(
                "juicefs quota set returned, but quota get shows \(readBack.capacity.map { "\($0) bytes" } ?? "no capacity limit") "
                    + "and \(readBack.inodes.map { "\($0) inodes" } ?? "no inode limit")"
            )
        }
        try record(quota, spec: spec, setNow: true)
        try resolveRestoreShortfall(at: quota.path, spec: spec)
        return .done(
            "\(quota.path): \(Self.describe(quota)) (verified with juicefs quota get; a running mount enforces it from its next heartbeat)")
    }

    /// Removes a quota juicectl set, then checks it is gone.
    func removeQuota(_ path: String, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        try await juicefs.quotaDelete(spec.metadata, path: path)
        let readBack = try await juicefs.quotaGet(spec.metadata, path: path)
        guard readBack.isNone else { throw StepError("juicefs quota delete returned, but \(path) still has a quota") }
        try StateStore(stateDir: spec.stateDir).update { $0.quotas.removeValue(forKey: path) }
        return .done("removed the quota on \(path)")
    }

    func record(_ quota: VolumeSpec.Quota, spec: VolumeSpec, setNow: Bool) throws {
        try StateStore(stateDir: spec.stateDir).update { state in
            state.quotas[quota.path] = .init(
                capacity: quota.capacity?.bytes, inodes: quota.inodes,
                setAt: setNow ? clock.date() : .distantPast)
        }
    }

    static func describe(_ quota: VolumeSpec.Quota) -> String {
        [quota.capacity.map { "capacity \($0)" }, quota.inodes.map { "inodes \($0)" }].compactMap { $0 }.joined(separator: ", ")
    }
}
