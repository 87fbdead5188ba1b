extension PlanBuilder {
    /// `down`'s flush of the writeback staging: planned while the volume is mounted with writeback (blocks may be
    /// staged by the time it runs) or while the mount reports staged blocks; the unmount waits for it.
    static func flushBeforeDown(_ spec: VolumeSpec, _ observation: VolumeObservation) -> Action? {
        guard case .live = observation.mount else { return nil }
        let staged = observation.staging.map { !$0.isEmpty } ?? false
        guard spec.mount.writeback || staged else { return nil }
        let what =
            observation.staging.flatMap { $0.isEmpty ? nil : $0.summary + " are staged on this host only" }
            ?? "writeback may have staged blocks on this host only"
        return Action(
            .flushStaging, .update, target: observation.staging?.cacheDir ?? spec.mount.cacheDir,
            reason:
                """
                down: \(what); upload them before the unmount, so that another host (or this one after a loss of its disk) reads \
                every byte
                """,
            disruption: .brief)
    }
}
