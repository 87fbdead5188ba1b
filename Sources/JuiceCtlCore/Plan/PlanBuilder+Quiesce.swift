/// The sandbox's cgroups: a freeze juicectl left behind is undone before anything else.
extension PlanBuilder {
    /// A checkpoint that juicectl was killed in froze the sandbox and recorded it; its watchdog normally thaws at once.
    /// When the record is still there, the thaw comes first, ahead of every other step and of any refusal: a frozen
    /// sandbox is an outage. A checkpoint freezing the sandbox right now (its freeze lock is held) is left alone.
    mutating func planThawCgroups() {
        guard let action = Self.thawCgroupsAction(observation) else { return }
        actions.append(action)
    }

    /// The thaw step for a freeze an interrupted checkpoint left, if there is one (shared by apply and down).
    static func thawCgroupsAction(_ observation: VolumeObservation) -> Action? {
        guard let quiesce = observation.quiesce, let left = quiesce.leftFrozen, !quiesce.checkpointInProgress else { return nil }
        let stillFrozen = left.filter { path in
            quiesce.cgroups.first { $0.path == path }.map { $0.state != .thawed } ?? true
        }
        let reason =
            left.isEmpty
            ? "a checkpoint that did not finish left an unreadable freeze record: drop it"
            : stillFrozen.isEmpty
                ? "a checkpoint that did not finish recorded a freeze of \(left.joined(separator: ", ")); they run again: drop the record"
                : """
                a checkpoint that did not finish froze \(stillFrozen.joined(separator: ", ")) and did not thaw them: every process \
                there is stopped until they are thawed
                """
        return Action(.thawCgroups, .update, target: left.joined(separator: ","), reason: reason)
    }
}
