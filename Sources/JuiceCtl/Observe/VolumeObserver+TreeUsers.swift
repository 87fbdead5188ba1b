internal import Foundation
internal import JuiceCtlCore

extension VolumeObserver {
    /// What to ask the host about `trees` of the volume (paths from its root): the volume's FUSE device, and, for
    /// `/active`, the overlay's filesystem and the ext4 image's (both belong to `/active`); juicectl's own mounts of
    /// them left out. `nil` when the volume is not mounted here.
    func usageQuery(_ spec: VolumeSpec, trees: [String]) -> TreeUsageQuery? {
        let entries = mountEntries()
        guard let volume = entries.last(where: { $0.mountPoint == spec.mount.path && $0.fstype == "fuse.juicefs" }) else { return nil }
        var devices: [String: String] = [:]
        var own = [TreeUsageQuery.OwnMount(device: volume.device, mountPoint: volume.mountPoint)]
        if let overlay = spec.overlay, trees.contains(VolumeLayout.active) {
            if let target = entries.last(where: { $0.mountPoint == overlay.target && $0.fstype == "overlay" }) {
                devices[target.device] = VolumeLayout.active
                own.append(.init(device: target.device, mountPoint: target.mountPoint))
            }
            if let upper = entries.last(where: { $0.mountPoint == overlay.upperMount && $0.source.hasPrefix("/dev/loop") }) {
                devices[upper.device] = VolumeLayout.active
                own.append(.init(device: upper.device, mountPoint: upper.mountPoint))
            }
        }
        return TreeUsageQuery(volumeDevice: volume.device, trees: trees, devices: devices, ownMounts: own)
    }

    /// Who uses `trees` now, in any mount namespace; `nil` when the volume is not mounted (nothing can be asked).
    func treeUsers(_ spec: VolumeSpec, trees: [String]) async -> [TreeUser]? {
        guard !trees.isEmpty else { return [] }
        guard let query = usageQuery(spec, trees: trees) else { return nil }
        return await host.treeUsers(query)
    }

    /// The trees a plan of this observation may replace or remove, so whose users are looked for: `/active` while the
    /// spec's restore request is pending, and every checkpoint retention would remove. Usually none: then nothing
    /// is scanned.
    static func treesToAsk(_ spec: VolumeSpec, catalog: CheckpointCatalog, now: Date) -> [String] {
        var trees: [String] = []
        if let request = spec.restore, catalog.restore == nil, !catalog.lineage.appliedRestoreRequests.contains(request.requestId) {
            trees.append(VolumeLayout.active)
        }
        if let entries = catalog.entries {
            trees += RetentionPlan.pruned(spec.checkpoints, entries: entries, now: now).map(VolumeLayout.checkpoint)
        }
        return trees
    }
}
