extension VolumeStatus {
    /// The `Degraded` reason and message for what a completed restore left undone and still holds, or `nil`: the
    /// reason is the first open problem's (``RestoreShortfallReason``), the message names every open problem's path.
    static func restoreShortfallDegradation(_ spec: VolumeSpec, _ observation: VolumeObservation) -> (reason: String, message: String)? {
        guard let shortfall = observation.restoreShortfall else { return nil }
        let open = shortfall.open(spec: spec, quotas: observation.quotas)
        guard let first = open.first else { return nil }
        let problems = open.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
        return (first.reason.rawValue,
                "the restore of checkpoint \(shortfall.checkpoint) completed (the restored tree is /active) but left \(open.count == 1 ? "a step" : "\(open.count) steps") undone: \(problems)")
    }
}
