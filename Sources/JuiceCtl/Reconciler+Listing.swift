public import JuiceCtlCore

extension Reconciler {
    /// Checkpoints of a volume, with its lineage and anything an interrupted operation left.
    public struct CheckpointListing: Sendable, Codable {
        /// Checkpoints, oldest first (those without a manifest last, by name).
        public var checkpoints: [CheckpointEntry]
        /// The checkpoint `/active` descends from.
        public var activeParent: String?
        /// Leftovers the next apply removes.
        public var leftovers: [Leftover]
        /// A restore that did not finish.
        public var restoreInProgress: RestoreJournal?
    }

    /// Lists the checkpoints (under the volume lock, so the listing is never half of an operation).
    public func checkpoints(_ spec: VolumeSpec) async throws -> CheckpointListing {
        try await locked(spec, operation: "checkpoint list") { _ in
            let observation = await observer.observe(spec, fullCatalog: true)
            guard observation.mount.live != nil, let catalog = observation.catalog else {
                throw NotMounted(volume: spec.name, path: spec.mount.path)
            }
            let entries = (catalog.entries ?? []).sorted {
                switch ($0.createdAt, $1.createdAt) {
                case (let a?, let b?): return (a, $0.name) < (b, $1.name)
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return $0.name < $1.name
                }
            }
            return CheckpointListing(
                checkpoints: entries, activeParent: catalog.lineage.activeParent,
                leftovers: catalog.leftovers, restoreInProgress: catalog.restore?.journal)
        }
    }
}
