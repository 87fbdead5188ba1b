extension VolumeLineage {
    /// The lineage as far as the checkpoint manifests tell it, for a `lineage.json` that was damaged.
    ///
    /// `/active` descends from whatever happened to it last: a checkpoint taken of it (any kind but pre-restore)
    /// names that checkpoint; a pre-restore checkpoint names the checkpoint restored over it (when it says). The
    /// applied restore requests are those the pre-restore manifests recorded, oldest first; manifests written before
    /// they recorded it (or lost with their checkpoint) cannot say. Pure.
    public static func rebuilt(from manifests: [CheckpointManifest]) -> VolumeLineage {
        var lineage = VolumeLineage()
        for manifest in manifests.sorted(by: { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }) {
            if manifest.kind == .preRestore {
                guard let restored = manifest.replacedBy else { continue }
                lineage.activeParent = restored
                if let id = manifest.restoreRequestId, !lineage.appliedRestoreRequests.contains(id) {
                    lineage.appliedRestoreRequests.append(id)
                }
            } else {
                lineage.activeParent = manifest.name
            }
        }
        return lineage
    }
}
