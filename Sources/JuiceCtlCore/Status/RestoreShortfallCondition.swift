extension VolumeStatus {
    /// The `Degraded` reason and message for what a completed restore left undone and still holds, or `nil`: the
    /// reason is the first unresolved problem's (``RestoreShortfallReason``), the message names every unresolved problem's path.
    static func restoreShortfallDegradation(_ spec: VolumeSpec, _ observation: VolumeObservation) -> ConditionCause? {
        guard let shortfall = observation.restoreShortfall else { return nil }
        let unresolved = shortfall.unresolved(spec: spec, quotas: observation.quotas)
        guard let first = unresolved.first else { return nil }
        let problems = unresolved.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
        return (
            .restoreShortfall(first.reason),
            "the restore of checkpoint \(shortfall.checkpoint) completed (the restored tree is /active) but left "
                + "\(unresolved.count == 1 ? "a step" : "\(unresolved.count) steps") undone: \(problems)"
        )
    }
}
